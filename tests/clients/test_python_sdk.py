"""sightline-client (clients/python) against a LIVE Sightline (pytest-django's live_server):
sessions, revocation, widget and single-use sessions, 10,000 events through a forced 429 and a
dropped connection (a local proxy) counted once, typed errors with the API's code, bad
arguments refused before anything is sent; and every request it made checked against the
server's own OpenAPI document."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sightline import (
    Sightline,
    SightlineArgumentError,
    SightlineAuthenticationError,
    SightlineInvalidRequestError,
    SightlineNotFoundError,
    SightlinePermissionError,
)

from tests.clients.fault_proxy import FaultProxy
from tests.clients.openapi_check import OpenApiRequests

pytestmark = pytest.mark.django_db(transaction=True)
EVENT = "sdk.call"
SPEC = {
    "name": "SDK test",
    "default_period": "24h",
    "filters": [{"dimension": "plan", "label": "Plan"}],
    "widgets": [
        {
            "id": "w_calls",
            "title": "Calls",
            "kind": "kpi",
            "event_name": EVENT,
            "metric": "count",
            "layout": {"x": 0, "y": 0, "w": 3, "h": 2},
        },
        {
            "id": "w_plans",
            "title": "By plan",
            "kind": "breakdown",
            "event_name": EVENT,
            "metric": "count",
            "group_by": ["plan"],
            "layout": {"x": 3, "y": 0, "w": 6, "h": 4},
        },
    ],
}


class Recorder(httpx.HTTPTransport):
    """Every request the SDK sends, as sent (body included), to check against the document."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return super().handle_request(request)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def openapi(live_server) -> OpenApiRequests:
    return OpenApiRequests(httpx.get(f"{live_server.url}/v1/openapi.json").json())


@pytest.fixture
def client(live_server, org, recorder, openapi):
    with Sightline(
        host=live_server.url, api_key=org.admin_key.secret, transport=recorder, retry_base=0.05
    ) as sdk:
        yield sdk
    problems = [problem for request in recorder.requests for problem in openapi.check(request)]
    assert not problems, problems  # every request it made is one the document describes


@pytest.fixture
def dashboard_id(client) -> str:
    dashboard = client.dashboards.create(SPEC)
    client.dashboards.publish(dashboard["id"])
    return dashboard["id"]


def embed_data(live_server, dashboard_id: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{live_server.url}/embed/{dashboard_id}/data",
        params={"period": "24h"},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_session_works_is_listed_and_revoking_it_ends_it(client, live_server, dashboard_id):
    tenant = f"t_{uuid.uuid4().hex[:8]}"
    session = client.create_embed_session(
        tenant_id=tenant,
        dashboard_id=dashboard_id,
        expires_in=600,
        permissions={"locked_filters": {"plan": "pro"}, "allowed_periods": ["24h", "7d"]},
        user="viewer@example.com",
        theme={"mode": "dark"},
        locale="de-DE",
    )
    assert session.session_id.startswith("es_")
    assert session.embed_url.endswith(f"/embed/{dashboard_id}?token={session.token}")
    lifetime = datetime.fromisoformat(session.expires_at.replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(seconds=590) < lifetime <= timedelta(seconds=601)
    assert embed_data(live_server, dashboard_id, session.token).status_code == 200
    listed = client.list_embed_sessions(tenant_id=tenant)
    assert [s["id"] for s in listed["results"]] == [session.session_id]

    client.revoke_embed_session(session.session_id)

    refused = embed_data(live_server, dashboard_id, session.token)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert client.list_embed_sessions(tenant_id=tenant)["results"] == []
    every = client.list_embed_sessions(tenant_id=tenant, active=False)["results"]
    assert [s["status"] for s in every] == ["revoked"]


def test_the_issue_11_session_fields_reach_the_server(client, live_server, dashboard_id):
    second = client.dashboards.create({"name": "Second", "widgets": []})["id"]
    client.dashboards.publish(second)
    session = client.create_embed_session(
        tenant_id="t1",
        dashboard_ids=[second, dashboard_id],
        dashboard_id=dashboard_id,
        expires_in=600,
        inactivity_timeout=300,
        user="u1",
        permissions={
            "locked_filters": {"plan": ["pro", "team"], "tokens": {"gte": 100, "lt": 500}},
            "role": "designer",
            "variant_scope": "user",
            "allowed_events": ["api.call"],
            "allow_subscriptions": True,
        },
    )
    assert session.dashboard_ids == (dashboard_id, second)
    listed = client.list_embed_sessions(tenant_id="t1")["results"][0]
    assert listed["dashboard_ids"] == [dashboard_id, second]
    assert (listed["role"], listed["inactivity_timeout"]) == ("designer", 300)


def test_tenant_and_all_revocations(client, live_server, dashboard_id):
    mine = client.create_embed_session(tenant_id="t_mine", dashboard_id=dashboard_id)
    other = client.create_embed_session(tenant_id="t_other", dashboard_id=dashboard_id)
    client.revoke_tenant_sessions("t_mine")
    assert embed_data(live_server, dashboard_id, mine.token).status_code == 401
    assert embed_data(live_server, dashboard_id, other.token).status_code == 200
    client.revoke_all_sessions()
    assert embed_data(live_server, dashboard_id, other.token).status_code == 401


def test_widget_and_single_use_sessions(client, live_server, dashboard_id):
    widget = client.create_embed_session(
        tenant_id="t1", dashboard_id=dashboard_id, widget_id="w_plans"
    )
    data = embed_data(live_server, dashboard_id, widget.token).json()
    assert [w["id"] for w in data["widgets"]] == ["w_plans"]

    once = client.create_embed_session(
        tenant_id="t1", dashboard_id=dashboard_id, single_use_url=True
    )
    assert once.token not in once.embed_url and "?code=" in once.embed_url
    code = once.embed_url.split("?code=")[1]
    exchange = f"{live_server.url}/embed/{dashboard_id}/session"
    assert httpx.post(exchange, json={"code": code}).json() == {"token": once.token}
    assert httpx.post(exchange, json={"code": code}).json()["error"]["code"] == "code_used"


def test_ten_thousand_events_through_a_429_and_a_dropped_connection_count_once(
    client, live_server, org, dashboard_id, recorder, openapi
):
    tenant = f"t_{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)

    def events():  # any iterable: a generator here
        for i in range(10_000):
            event = {"tenant_id": tenant, "event_name": EVENT, "user_id": f"u{i % 50}"}
            event["string_props"] = {"plan": "pro" if i % 2 else "free"}
            if i % 3 == 0:
                event["timestamp"] = now - timedelta(minutes=i % 50)  # some carry their own
            yield event

    # Request 2 is answered 429 (Retry-After: 1); request 4 reaches the server, which stores
    # the batch, but the connection is dropped before the client sees the answer.
    with FaultProxy(live_server.url, {2: "429", 4: "drop"}) as proxy:
        proxied = Recorder()
        with Sightline(
            host=proxy.url, api_key=org.admin_key.secret, transport=proxied, retry_base=0.2
        ) as via_proxy:
            started = time.monotonic()
            result = via_proxy.send_events(events())
            elapsed = time.monotonic() - started

    assert (result.accepted, result.batches) == (10_000, 10)
    assert elapsed >= 1.0, "the 429's Retry-After was honoured"
    assert [entry["action"] for entry in proxy.log[:5]] == [
        "forward",
        "429",
        "forward",
        "drop",
        "forward",
    ]
    assert len(proxy.log) == 12  # 10 batches, a retry after the 429 and one after the drop
    assert all(entry["gzip"] and len(entry["events"]) <= 1000 for entry in proxy.log)
    # Each retry re-sent the very same insert ids AND timestamps (the server dedups on both).
    assert proxy.log[2]["events"] == proxy.log[1]["events"]
    assert proxy.log[4]["events"] == proxy.log[3]["events"]
    assert len({pair for entry in proxy.log for pair in entry["events"]}) == 10_000
    for request in proxied.requests:
        assert not openapi.check(request)

    data = client.dashboards.data(dashboard_id, tenant_id=tenant, period="24h")
    widgets = {w["id"]: w for w in data["widgets"]}
    assert widgets["w_calls"]["data"]["value"] == 10_000


def test_dashboards_discovery_alerts_and_organization_reach_their_routes(client, dashboard_id):
    assert client.dashboards.get(dashboard_id)["name"] == "SDK test"
    assert any(d["id"] == dashboard_id for d in client.dashboards.list(limit=10)["results"])
    assert client.dashboards.update(dashboard_id, {"name": "Renamed"})["name"] == "Renamed"
    assert client.dashboards.versions(dashboard_id)["count"] == 1
    assert "events" in client.discovery.discover()
    usage = client.usage.get(period="24h", tenant_id="acme")
    assert usage["period"] == "24h" and usage["totals"]["views"] >= 0
    rule = client.alerts.create(
        {
            "name": "Many calls",
            "dashboard_id": dashboard_id,
            "widget_id": "w_calls",
            "operator": "gt",
            "threshold_value": 100,
            "email_to": ["ops@example.com"],
        }
    )
    assert client.alerts.get(rule["id"])["name"] == "Many calls"
    assert client.alerts.update(rule["id"], {"enabled": False})["enabled"] is False
    assert client.alerts.history(rule["id"])["results"] == []
    client.alerts.delete(rule["id"])
    assert client.subscriptions.list(kind="digest", tenant_id="t1")["results"] == []
    with pytest.raises(SightlineNotFoundError):
        client.subscriptions.pause("sub_unknown")
    with pytest.raises(SightlineArgumentError):
        client.subscriptions.list(sort="x")

    settings = client.organization.update(
        allowed_embed_origins=["https://app.customer.example"], default_timezone="Europe/Paris"
    )
    assert settings["allowed_embed_origins"] == ["https://app.customer.example"]
    assert client.organization.get()["default_timezone"] == "Europe/Paris"


def test_api_refusals_are_typed_errors_carrying_the_code(client, live_server, org, read_key):
    with pytest.raises(SightlineNotFoundError) as missing:
        client.create_embed_session(tenant_id="t1", dashboard_id="dash_doesnotexist")
    assert missing.value.code == "not_found" and missing.value.status == 404
    with pytest.raises(SightlineNotFoundError):
        client.revoke_embed_session("es_unknown")
    with pytest.raises(SightlineInvalidRequestError) as invalid:
        client.dashboards.create({"name": "No widgets", "widgets": "nope"})
    assert invalid.value.code == "invalid_input" and invalid.value.details
    with Sightline(host=live_server.url, api_key=read_key.secret) as reader:
        with pytest.raises(SightlinePermissionError) as forbidden:
            reader.organization.get()
    assert forbidden.value.code == "forbidden"
    with Sightline(host=live_server.url, api_key="sl_wrong", max_retries=0) as stranger:
        with pytest.raises(SightlineAuthenticationError) as unknown:
            stranger.dashboards.list()
    assert unknown.value.status == 401 and unknown.value.code == "unauthenticated"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.create_embed_session(tenant_id="", dashboard_id="d"), "tenant_id"),
        (
            lambda c: c.create_embed_session(tenant_id="t", dashboard_id="d", expires_in=0),
            "expires_in",
        ),
        (
            lambda c: c.create_embed_session(tenant_id="t", dashboard_id="d", timezone="Mars/Base"),
            "timezone",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"allowed_periods": ["1y"]}
            ),
            "permissions.allowed_periods[0]",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"lockd": {}}
            ),
            "permissions.lockd",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", theme={"primaryColor": "red"}
            ),
            "theme.primaryColor",
        ),
        (
            lambda c: c.create_embed_session(tenant_id="t", dashboard_id="d", single_use_url="yes"),
            "single_use_url",
        ),
        (
            lambda c: c.create_embed_session(tenant_id="t", dashboard_id="d", locale="german!"),
            "locale",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", permissions={"locked_filters": {"plan": []}}, dashboard_id="d"
            ),
            "permissions.locked_filters.plan",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"locked_filters": {"n": {}}}
            ),
            "permissions.locked_filters.n",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"locked_filters": {"n": {"ge": 1}}}
            ),
            "permissions.locked_filters.n",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"role": "owner"}
            ),
            "permissions.role",
        ),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", permissions={"allowed_events": []}
            ),
            "permissions.allowed_events",
        ),
        (lambda c: c.create_embed_session(tenant_id="t", dashboard_ids=[]), "dashboard_ids"),
        (
            lambda c: c.create_embed_session(tenant_id="t", dashboard_id="a", dashboard_ids=["b"]),
            "dashboard_id",
        ),
        (lambda c: c.create_embed_session(tenant_id="t"), "dashboard_id"),
        (
            lambda c: c.create_embed_session(
                tenant_id="t", dashboard_id="d", inactivity_timeout=60
            ),
            "inactivity_timeout",
        ),
        (lambda c: c.send_events("not events"), "events"),
        (
            lambda c: c.send_events(
                [{"tenant_id": "t", "event_name": "ok"}, {"tenant_id": "t", "event_name": "9bad"}]
            ),
            "events[1].event_name",
        ),
        (
            lambda c: c.send_events(
                [{"tenant_id": "t", "event_name": "ok", "timestamp": "yesterday"}]
            ),
            "events[0].timestamp",
        ),
        (
            lambda c: c.send_events(
                [{"tenant_id": "t", "event_name": "ok", "numeric_props": {"n": "1"}}]
            ),
            "events[0].numeric_props.n",
        ),
        (
            lambda c: c.send_events([{"tenant_id": "t", "event_name": "ok", "tenantId": "x"}]),
            "events[0].tenantId",
        ),
        (lambda c: c.send_events([], batch_size=1001), "batch_size"),
        (lambda c: c.revoke_embed_session("../organization"), "session_id"),
        (
            lambda c: c.organization.update(allowed_embed_origins=["ftp://x"]),
            "allowed_embed_origins[0]",
        ),
        (lambda c: c.organization.update(retention_days=True), "retention_days"),
        (lambda c: c.organization.update(webhook_secret="mine"), "webhook_secret"),
        (lambda c: c.dashboards.data("d", tenant_id="t", tz="Nowhere/Here"), "tz"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(client, recorder, call, field):
    with pytest.raises(SightlineArgumentError) as refused:
        call(client)
    assert refused.value.field == field and field in str(refused.value)
    assert refused.value.code == "invalid_argument"
    assert recorder.requests == []


def test_a_bad_host_or_key_is_refused_at_construction():
    with pytest.raises(SightlineArgumentError, match="host"):
        Sightline(host="analytics.example.com", api_key="sl_x")
    with pytest.raises(SightlineArgumentError, match="api_key"):
        Sightline(host="https://analytics.example.com", api_key="")


def test_the_package_is_installed_editable_from_the_repository():
    """`make install` (uv sync of the workspace) installs clients/python in editable mode."""
    import importlib.metadata
    import json
    from pathlib import Path

    import sightline

    # The source tree itself (of this checkout, or of the worktree that last synced the venv).
    assert Path(sightline.__file__).parts[-5:] == (
        "clients",
        "python",
        "src",
        "sightline",
        "__init__.py",
    )
    direct = json.loads(
        importlib.metadata.distribution("sightline-client").read_text("direct_url.json")
    )
    assert direct["dir_info"].get("editable") is True


def test_variants_are_listed_and_deleted(client, live_server, dashboard_id):
    tenant = f"t_{uuid.uuid4().hex[:8]}"
    designer = client.create_embed_session(
        tenant_id=tenant, dashboard_id=dashboard_id, user="jane", permissions={"role": "designer"}
    )
    saved = httpx.put(
        f"{live_server.url}/embed/{dashboard_id}/variant",
        json={"widgets": [{**SPEC["widgets"][0], "id": "w_my_calls", "title": "Mine"}]},
        headers={"Authorization": f"Bearer {designer.token}"},
    )
    assert saved.status_code == 200, saved.text

    listed = client.list_variants(dashboard_id=dashboard_id, tenant_id=tenant, user="jane")
    assert listed["count"] == 1
    variant = listed["results"][0]
    assert (variant["tenant_id"], variant["user"], variant["scope"]) == (tenant, "jane", "user")
    assert [w["id"] for w in variant["widgets"]] == ["w_my_calls"]
    assert client.list_variants(tenant_id=tenant, user="")["count"] == 0
    with pytest.raises(SightlineArgumentError):
        client.list_variants(limit=0)

    client.delete_variant(variant["id"])

    assert client.list_variants(tenant_id=tenant)["count"] == 0
    with pytest.raises(SightlineNotFoundError):
        client.delete_variant(variant["id"])
