"""Backup and restore of both stores (`manage.py backup` / `manage.py restore`, ops.backup):
a topology with an organization, a published dashboard and events is backed up; a FRESH
topology (new PostgreSQL cluster, new ClickHouse data, new Redis) restored from it shows the
same dashboards with the same numbers, to the same API key and through a new embed session."""

import time

import pytest

from tests.production.conftest import dashboard_create, new_org, start_topology, stored_count
from tests.production.http import call
from tests.production.load import IngestLoad

pytestmark = pytest.mark.production

TENANTS = ("acme", "globex")


def dashboard_numbers(url: str, key: str, dashboard_id: str) -> dict[str, object]:
    numbers = {}
    for tenant in TENANTS:
        status, _, body = call(
            "GET", f"{url}/v1/dashboards/{dashboard_id}/data?tenant_id={tenant}"
            "&version=published&period=30d", key=key,
        )  # fmt: skip
        assert status == 200, body
        numbers[tenant] = [w["data"] for w in body["widgets"]]
    return numbers


def test_a_fresh_topology_restored_shows_the_same_dashboards(tmp_path_factory) -> None:
    backup_dir = tmp_path_factory.mktemp("backup") / "sightline-backup"
    source = start_topology("backup", tmp_path_factory.mktemp("source"))
    try:
        org = new_org(source)
        web = source.web_urls[0]
        dashboard_id = dashboard_create(web, org["admin_key"])
        load = IngestLoad(source.web_urls, org["ingest_key"], batch_size=25)
        for index in range(8):
            body = load.batch()[1]
            for event in body["events"]:
                event["tenant_id"] = TENANTS[index % 2]
            status, _, answer = call("POST", f"{web}/v1/events", body, key=org["ingest_key"])
            assert status == 202, answer
        deadline = time.monotonic() + 30
        while stored_count(source, org["org_id"]) < 200:
            assert time.monotonic() < deadline
            time.sleep(0.3)
        status, _, _ = call("POST", f"{web}/v1/dashboards/{dashboard_id}/publish", {},
                            key=org["admin_key"])  # fmt: skip
        assert status in (200, 201)
        before = dashboard_numbers(web, org["admin_key"], dashboard_id)
        assert all(widgets[0]["value"] == 100.0 for widgets in before.values()), before
        out = source.run("manage", "backup", str(backup_dir))
        assert "200 events" in out
    finally:
        source.stop()

    fresh = start_topology("restore", tmp_path_factory.mktemp("fresh"))
    try:
        web = fresh.web_urls[1]
        assert call("GET", f"{web}/v1/dashboards", key=org["admin_key"])[0] == 401  # empty
        out = fresh.run("manage", "restore", str(backup_dir))
        assert "200 events" in out
        assert stored_count(fresh, org["org_id"]) == 200
        assert dashboard_numbers(web, org["admin_key"], dashboard_id) == before
        status, _, session = call(
            "POST", f"{web}/v1/embed-sessions",
            {"tenant_id": "acme", "dashboard_id": dashboard_id, "expires_in": 600},
            key=org["admin_key"],
        )  # fmt: skip
        assert status == 201, session
        status, _, data = call("GET", f"{web}/embed/{dashboard_id}/data?period=30d",
                               key=session["token"])  # fmt: skip
        assert status == 200 and data["widgets"][0]["data"] == before["acme"][0]
    finally:
        fresh.stop()
