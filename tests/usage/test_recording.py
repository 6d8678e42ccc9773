"""Embed usage is recorded into the internal usage stream, for its organization only, and never
reaches a customer's data: widget data, drill-down, filter values, exports, discovery, alerts."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.test import Client

from core.ids import new_id
from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B, publish
from usage.recorder import usage_flush, usage_pending
from usage.selectors import organization_usage
from warehouse.reads import CompiledQuery, UnscopedRead, run
from warehouse.scope import DangerousOrgWideScope

pytestmark = pytest.mark.django_db
DRILL = EmbedPermissions(allowed_periods=("24h", "7d", "30d"), allow_drill_down=True)


def usage_rows(org_id: str) -> list[dict]:
    scope = DangerousOrgWideScope(org_id=org_id)
    sql = (
        "SELECT kind, tenant_id, dashboard_id, version, session_id, user, load_ms, error_code "
        "FROM usage_events FINAL WHERE org_id = {scope_org_id:String} ORDER BY timestamp, kind"
    )
    return run(CompiledQuery(sql, {"scope_org_id": org_id}, scope)).dicts()


def beacon(client: Client, dashboard_id: str, token: str, body: object) -> object:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/embed/{dashboard_id}/usage",
        raw,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_every_embed_request_is_recorded_with_its_session(
    client, issue, embed_get, dashboard, seeded, org
):
    token = issue(tenant_id=TENANT_A, user="jane@a.example", allow_export=True, permissions=DRILL)
    assert client.get(f"/embed/{dashboard.pk}?token={token}").status_code == 200
    assert embed_get(f"/embed/{dashboard.pk}/data", token, period="7d").status_code == 200
    drill = {"widget": "w_bars", "period": "7d", "dimension": "model", "value": "gpt-4"}
    assert embed_get(f"/embed/{dashboard.pk}/drill", token, **drill).status_code == 200
    values = embed_get(f"/embed/{dashboard.pk}/values", token, dimension="model")
    assert values.status_code == 200
    assert (
        embed_get(f"/embed/{dashboard.pk}/export", token, widget="w_table", period="7d").status_code
        == 200
    )
    bad = embed_get(f"/embed/{dashboard.pk}/data", token, period="1y")
    assert bad.status_code == 400
    assert beacon(client, dashboard.pk, token, {"load_ms": 812}).status_code == 204

    assert usage_pending() == 7  # buffered in the process, nothing written on the request path
    assert usage_rows(org.organization.pk) == []
    assert usage_flush() == 7
    rows = usage_rows(org.organization.pk)
    assert sorted(r["kind"] for r in rows) == sorted(
        ["view", "data", "drill", "values", "export", "data", "load"]
    )
    session_ids = {r["session_id"] for r in rows}
    assert len(session_ids) == 1 and session_ids != {""}
    for row in rows:
        assert (row["tenant_id"], row["dashboard_id"], row["user"]) == (
            TENANT_A,
            dashboard.pk,
            "jane@a.example",
        )
        assert row["version"] == dashboard.published_version.number
    assert [r["error_code"] for r in rows if r["error_code"]] == ["invalid_input"]
    assert [r["load_ms"] for r in rows if r["kind"] == "load"] == [812.0]


def test_an_unverified_token_records_nothing(client, embed_get, dashboard, org):
    assert embed_get(f"/embed/{dashboard.pk}/data", "forged.token.here").status_code == 401
    assert client.get(f"/embed/{dashboard.pk}?token=nope").status_code == 401
    assert usage_pending() == 0


def test_the_usage_report_is_the_organizations_own(
    client, issue, embed_get, dashboard, seeded, org, other_org
):
    for tenant, user, loads in ((TENANT_A, "ann", (100, 300)), (TENANT_B, "bo", (900,))):
        token = issue(tenant_id=tenant, user=user)
        client.get(f"/embed/{dashboard.pk}?token={token}")
        embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")
        for load in loads:
            beacon(client, dashboard.pk, token, {"load_ms": load})
    other_dashboard = publish(other_org.organization)
    other = issue(
        tenant_id=TENANT_A, dashboard_id=other_dashboard.pk, organization=other_org.organization
    )
    client.get(f"/embed/{other_dashboard.pk}?token={other}")
    usage_flush()

    usage = organization_usage(organization=org.organization, period="24h")
    assert usage.report.totals["views"] == 2
    assert usage.report.totals["viewers"] == 2
    assert usage.report.totals["data_requests"] == 2
    assert usage.tenants == [TENANT_A, TENANT_B]
    assert [pk for pk, _ in usage.dashboards] == [dashboard.pk]
    by_tenant = {row["tenant_id"]: row for row in usage.report.tenants}
    assert by_tenant[TENANT_A]["load_p50"] == pytest.approx(200, abs=1)
    assert by_tenant[TENANT_B]["load_p95"] == 900
    assert sum(point["views"] for point in usage.report.series) == 2
    assert len(usage.report.series) == 24 or len(usage.report.series) == 25

    narrowed = organization_usage(organization=org.organization, period="24h", tenant_id=TENANT_B)
    assert [row["tenant_id"] for row in narrowed.report.tenants] == [TENANT_B]
    assert narrowed.tenants == [TENANT_A, TENANT_B]  # the picker still offers every tenant

    theirs = organization_usage(organization=other_org.organization, period="24h")
    assert theirs.report.totals["views"] == 1
    assert theirs.tenants == [TENANT_A] and [pk for pk, _ in theirs.dashboards] == [
        other_dashboard.pk
    ]


def test_usage_never_reaches_the_customers_data(
    client, issue, embed_get, dashboard, seeded, org, api
):
    """A customer's dashboard data, drill-down, filter values, export and discovery are the
    same before and after a lot of usage was recorded for the very same tenant."""
    token = issue(tenant_id=TENANT_A, allow_export=True, permissions=DRILL, user="usage-marker")

    def ok(response):
        assert response.status_code == 200, response.content
        return response

    def customer_view() -> dict:
        data = ok(embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")).json()
        values = ok(embed_get(f"/embed/{dashboard.pk}/values", token, dimension="model")).json()
        drill = embed_get(
            f"/embed/{dashboard.pk}/drill",
            token,
            widget="w_bars",
            period="7d",
            dimension="model",
            value="gpt-4",
        )
        drill = ok(drill).json()
        export = ok(
            embed_get(f"/embed/{dashboard.pk}/export", token, widget="w_table", period="7d")
        )
        discovery = ok(api.get("/v1/discover", {"tenant_id": TENANT_A})).json()
        everything = ok(api.get("/v1/discover")).json()
        for answer in (discovery, everything):
            answer.pop("window")  # "now" moves
        return {
            "data": data["widgets"],
            "values": values,
            "drill": drill,
            "export": list(csv.reader(io.StringIO(export.content.decode()))),
            "discovery": discovery,
            "everything": everything,
        }

    before = customer_view()
    for _ in range(3):
        client.get(f"/embed/{dashboard.pk}?token={token}")
        beacon(client, dashboard.pk, token, {"load_ms": 50})
    assert usage_flush() == 10
    assert len(usage_rows(org.organization.pk)) == 10
    cache.clear()  # the widgets' cached answers must not hide a leak
    after = customer_view()
    assert after == before
    text = json.dumps(after)
    assert "usage-marker" not in text  # the sessions' `user`, recorded on every usage row
    assert {r["user"] for r in usage_rows(org.organization.pk)} == {"usage-marker"}


def test_a_usage_read_needs_the_scope_predicate(org):
    with pytest.raises(UnscopedRead):
        run(
            CompiledQuery(
                "SELECT count() FROM usage_events FINAL",
                {"scope_org_id": org.organization.pk},
                DangerousOrgWideScope(org_id=org.organization.pk),
            )
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", None),
        ({"load_ms": "812"}, "load_ms"),
        ({"load_ms": True}, "load_ms"),
        ({"load_ms": 0}, "load_ms"),
        ({"load_ms": -5}, "load_ms"),
        ({"load_ms": 600_001}, "load_ms"),
        ({}, "load_ms"),
        ([812], "load_ms"),
        ({"load_ms": 812, "tenant_id": "tenant_b"}, "tenant_id"),
        (b'{"load_ms": 1, "x": "' + b"a" * 2000 + b'"}', "load_ms"),
    ],
)
def test_a_bad_beacon_is_a_json_400_and_writes_nothing(client, issue, dashboard, body, field):
    token = issue(tenant_id=TENANT_A)
    response = beacon(client, dashboard.pk, token, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in ("invalid_input", "malformed_json")
    if field:
        assert field in [detail["field"] for detail in error["details"]]
    assert usage_pending() == 0


def test_the_beacon_is_token_bound_and_post_only(client, issue, dashboard, org, settings):
    assert beacon(client, dashboard.pk, "forged", {"load_ms": 5}).status_code == 401
    other = publish(org.organization)
    token = issue(tenant_id=TENANT_A)
    assert beacon(client, other.pk, token, {"load_ms": 5}).status_code == 404  # another dashboard
    get = client.get(f"/embed/{dashboard.pk}/usage", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert get.status_code == 405 and get.json()["error"]["code"] == "method_not_allowed"
    assert usage_pending() == 0


def test_the_beacon_is_rate_limited_per_session(client, issue, dashboard, settings):
    settings.USAGE_BEACON_RATE_LIMIT = "2/m"
    token = issue(tenant_id=TENANT_A, user=new_id("u"))
    codes = [beacon(client, dashboard.pk, token, {"load_ms": 10}).status_code for _ in range(3)]
    assert codes == [204, 204, 429]
    assert usage_pending() == 2
    assert (
        issue(tenant_id=TENANT_A)
        and beacon(client, dashboard.pk, issue(tenant_id=TENANT_A), {"load_ms": 10}).status_code
        == 204
    )


def test_a_refused_request_is_never_a_view_a_viewer_or_a_data_request(
    client, issue, embed_get, dashboard, seeded, org, settings
):
    """Over the session's rate: 429s are errors (one row a minute per session, so a flood past
    the limit cannot write a row per refusal), never data requests; a session refused from its
    first request, or a page framed by a foreign origin, is neither a view nor a viewer."""
    settings.EMBED_SESSION_RATE_LIMIT = "2/m"
    served = issue(tenant_id=TENANT_A, user="ann")
    page = client.get(f"/embed/{dashboard.pk}?token={served}")
    assert page.status_code == 200 and page.content  # read whole: its first data is streamed
    codes = [embed_get(f"/embed/{dashboard.pk}/data", served).status_code for _ in range(5)]
    blocked = issue(tenant_id=TENANT_B, user="bo")
    framed = client.get(
        f"/embed/{dashboard.pk}?token={blocked}",
        HTTP_SEC_FETCH_DEST="iframe",
        HTTP_REFERER="https://evil.example/page",
    )
    settings.EMBED_TENANT_RATE_LIMIT = "1/m"
    di = issue(tenant_id=TENANT_B, user="di")
    assert embed_get(f"/embed/{dashboard.pk}/data", di).status_code == 200
    refused = issue(tenant_id=TENANT_B, user="cy")  # over its tenant's rate from the start
    assert embed_get(f"/embed/{dashboard.pk}/data", refused).status_code == 429

    assert codes == [200] * 1 + [429] * 4  # the page's first data took one of the two
    assert framed.status_code == 403
    usage_flush()
    kinds = sorted((r["kind"], r["error_code"]) for r in usage_rows(org.organization.pk))
    assert kinds == sorted(
        [("view", ""), ("data", ""), ("data", "rate_limited"), ("view", "frame_blocked")]
        + [("data", ""), ("data", "rate_limited")]
    )
    totals = organization_usage(organization=org.organization, period="24h").report.totals
    assert (totals["views"], totals["data_requests"], totals["errors"]) == (1, 2, 3)
    assert totals["viewers"] == 2  # ann and di; never bo (blocked) nor cy (refused)
