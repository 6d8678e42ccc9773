"""GET /v1/discover and POST /v1/discover/auto-create."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.models import Dashboard
from tests.factories import event, insert

pytestmark = pytest.mark.django_db


def seed_api_usage(org_id: str, tenant_id: str = "acme", calls: int = 12) -> list:
    """`api.call` (busiest) with a model (3 values), a region (2), a request id (unique per event),
    a constant, latency and cost; plus a few `login` events."""
    rows = [
        event(
            org_id=org_id,
            tenant_id=tenant_id,
            event_name="api.call",
            timestamp=datetime.now(UTC) - timedelta(hours=n),
            user_id=f"user{n % 4}",
            string_props={
                "model": ["gpt-4", "gpt-4", "claude", "mistral"][n % 4],
                "region": ["eu", "us"][n % 2],
                "request_id": f"req-{tenant_id}-{n}",
                "sdk": "python",
            },
            numeric_props={"latency_ms": 100 + n, "cost_usd": 0.5},
        )
        for n in range(calls)
    ]
    rows += [
        event(org_id=org_id, tenant_id=tenant_id, event_name="login", user_id="user1")
        for _ in range(2)
    ]
    return insert(rows)


def test_discover_lists_events_props_and_tenants(api, org) -> None:
    org_id = org.organization.pk
    seed_api_usage(org_id, "acme", calls=12)
    seed_api_usage(org_id, "globex", calls=4)

    response = api.get("/v1/discover")

    assert response.status_code == 200
    body = response.json()
    assert body["window"]["days"] == 30
    events = {e["name"]: e for e in body["events"]}
    assert [e["name"] for e in body["events"]] == ["api.call", "login"]  # busiest first
    assert (events["api.call"]["count"], events["api.call"]["users"]) == (16, 4)
    assert events["login"]["count"] == 4
    assert events["login"]["last_seen"].endswith("Z")
    strings = {p["key"]: p for p in body["string_props"]}
    assert set(strings) == {"model", "region", "request_id", "sdk"}
    assert strings["model"]["count"] == 16
    assert strings["model"]["cardinality"] == 3
    assert strings["model"]["top_values"][0] == {
        "value": "gpt-4",
        "count": 8,
    }  # most frequent first
    assert {v["value"]: v["count"] for v in strings["model"]["top_values"]} == {
        "gpt-4": 8,
        "claude": 4,
        "mistral": 4,
    }
    assert strings["sdk"]["event_names"] == ["api.call"]
    numerics = {p["key"]: p for p in body["numeric_props"]}
    latencies = [100 + n for n in range(12)] + [100 + n for n in range(4)]
    assert numerics["latency_ms"]["min"] == 100.0 and numerics["latency_ms"]["max"] == 111.0
    assert numerics["latency_ms"]["avg"] == pytest.approx(sum(latencies) / len(latencies))
    assert numerics["cost_usd"]["count"] == 16
    assert [(t["tenant_id"], t["count"]) for t in body["tenants"]] == [("acme", 14), ("globex", 6)]


def test_discover_narrowed_to_one_tenant(api, org) -> None:
    seed_api_usage(org.organization.pk, "acme", calls=12)
    seed_api_usage(org.organization.pk, "globex", calls=4)

    body = api.get("/v1/discover", {"tenant_id": "globex"}).json()

    assert [(t["tenant_id"], t["count"]) for t in body["tenants"]] == [("globex", 6)]
    assert {e["name"]: e["count"] for e in body["events"]} == {"api.call": 4, "login": 2}
    request_ids = {p["key"]: p for p in body["string_props"]}["request_id"]["top_values"]
    assert all(v["value"].startswith("req-globex-") for v in request_ids)


def test_discover_never_shows_another_organization(api, org, other_org) -> None:
    seed_api_usage(other_org.organization.pk, "acme")
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id="mine",
                event_name="mine.only",
                string_props={"k": "v"},
            )
        ]
    )

    body = api.get("/v1/discover").json()

    assert [e["name"] for e in body["events"]] == ["mine.only"]
    assert [p["key"] for p in body["string_props"]] == ["k"]
    assert body["numeric_props"] == []
    assert [t["tenant_id"] for t in body["tenants"]] == ["mine"]


def test_discover_covers_only_the_recent_window(api, org) -> None:
    old = datetime.now(UTC) - timedelta(days=45)
    insert(
        [event(org_id=org.organization.pk, tenant_id="acme", event_name="old.event", timestamp=old)]
    )
    insert([event(org_id=org.organization.pk, tenant_id="acme", event_name="new.event")])

    body = api.get("/v1/discover").json()

    assert [e["name"] for e in body["events"]] == ["new.event"]


def test_discover_of_an_empty_organization_is_empty(api) -> None:
    body = api.get("/v1/discover").json()

    assert (body["events"], body["string_props"], body["numeric_props"], body["tenants"]) == (
        [],
        [],
        [],
        [],
    )


def test_discover_refuses_unknown_parameters(api) -> None:
    response = api.get("/v1/discover", {"tenant": "acme"})

    assert response.status_code == 400
    assert {d["field"] for d in response.json()["error"]["details"]} == {"tenant"}


# --- auto-create ---------------------------------------------------------------------------------


def test_auto_create_builds_a_sensible_draft(api, org) -> None:
    seed_api_usage(org.organization.pk)

    response = api.post("/v1/discover/auto-create", {"name": "API usage"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "API usage" and body["published_version"] is None
    widgets = {w["id"]: w for w in body["spec"]["widgets"]}
    described = {
        (w["kind"], w["metric"], w["property"], tuple(w["group_by"])) for w in widgets.values()
    }
    assert described == {
        ("kpi", "count", None, ()),
        ("kpi", "count_unique", None, ()),  # user_id, the default
        ("kpi", "p95", "latency_ms", ()),
        ("kpi", "sum", "cost_usd", ()),
        ("timeseries", "count", None, ()),
        ("breakdown", "count", None, ("region",)),  # as widespread as model, fewer values: first
        ("breakdown", "count", None, ("model",)),
        ("table", "count", None, ("region", "model")),
    }  # request_id (id-like, unique) and sdk (one value) are no dimensions
    assert all(w["event_name"] == "api.call" for w in widgets.values())
    assert [f["dimension"] for f in body["spec"]["filters"]] == ["region", "model"]
    assert Dashboard.objects.get(pk=body["id"]).organization == org.organization


def test_an_auto_created_dashboard_has_data_for_every_widget(api, org) -> None:
    seed_api_usage(org.organization.pk, calls=12)
    dashboard = api.post("/v1/discover/auto-create", {}, format="json").json()

    body = api.get(
        f"/v1/dashboards/{dashboard['id']}/data", {"tenant_id": "acme", "period": "7d"}
    ).json()

    data = {w["id"]: w["data"] for w in body["widgets"]}
    assert all(value is not None for value in data.values())
    assert data["w_events"]["value"] == 12.0
    assert (
        data["w_p95_latency_ms"]["value"] == 111.0
    )  # exact p95 of 100..111: element floor(0.95*12) = 11
    assert data["w_total_cost_usd"]["value"] == pytest.approx(6.0)


def test_auto_create_for_one_tenant_uses_only_its_events(api, org) -> None:
    seed_api_usage(org.organization.pk, "acme")
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id="solo",
                event_name="page.view",
                string_props={"page": p},
            )
            for p in ["home", "docs", "home"]
        ]
    )

    body = api.post("/v1/discover/auto-create", {"tenant_id": "solo"}, format="json").json()

    assert {w["event_name"] for w in body["spec"]["widgets"]} == {"page.view"}
    assert [f["dimension"] for f in body["spec"]["filters"]] == ["page"]


def test_auto_create_with_no_events_is_a_conflict_and_creates_nothing(api) -> None:
    response = api.post("/v1/discover/auto-create", {}, format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_events" and "send events first" in error["message"]
    assert Dashboard.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"nmae": "x"}, "nmae"), ({"name": ""}, "name"), ({"name": "n" * 201}, "name")],
)
def test_auto_create_refuses_bad_input(api, org, body, field) -> None:
    seed_api_usage(org.organization.pk)

    response = api.post("/v1/discover/auto-create", body, format="json")

    assert response.status_code == 400
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert Dashboard.objects.count() == 0


def test_property_statistics_of_a_busy_organization_come_from_its_busiest_tenants(
    api, org, settings
) -> None:
    settings.DISCOVERY_MAX_PROP_ROWS = 6
    org_id = org.organization.pk
    for tenant_id, count in [("big", 5), ("mid", 3), ("small", 2)]:
        insert(
            event(org_id=org_id, tenant_id=tenant_id, string_props={f"{tenant_id}_key": "v"})
            for _ in range(count)
        )

    body = api.get("/v1/discover").json()

    assert body["prop_tenants"] == ["big", "mid"]  # 5 + 3 >= 6 events
    assert {p["key"] for p in body["string_props"]} == {"big_key", "mid_key"}
    assert [t["tenant_id"] for t in body["tenants"]] == ["big", "mid", "small"]  # still all
    assert body["events"][0]["count"] == 10  # still all
    assert api.get("/v1/discover", {"tenant_id": "small"}).json()["string_props"][0]["key"] == (
        "small_key"
    )


def test_property_statistics_read_every_tenant_when_they_fit(api, org) -> None:
    seed_api_usage(org.organization.pk, "acme", calls=3)

    assert api.get("/v1/discover").json()["prop_tenants"] is None


def test_auto_spec_recognises_latency_cost_and_id_like_keys_by_their_words() -> None:
    from dashboards.discovery import auto_spec
    from dashboards.spec import parse_spec
    from warehouse.discovery import (
        EventSummary,
        NumericPropSummary,
        SchemaSummary,
        StringPropSummary,
    )

    def numeric(key: str) -> NumericPropSummary:
        return NumericPropSummary(key=key, count=9, min=0, max=1, avg=0.5, event_names=["order"])

    def string(key: str, cardinality: int) -> StringPropSummary:
        return StringPropSummary(key, 9, cardinality, [("a", 5)], event_names=["order"])

    summary = SchemaSummary(
        events=[EventSummary(name="order", count=9, users=0, last_seen="2026-01-01T00:00:00Z")],
        string_props=[string("userId", 5), string("plan", 4), string("session.token", 3)],
        numeric_props=[numeric("items"), numeric("responseTimeMs"), numeric("price.total")],
        tenants=[],
        prop_tenants=None,
    )

    built = auto_spec(summary, name="Orders")

    parse_spec(built)  # a valid spec
    metrics = {(w["metric"], w["property"]) for w in built["widgets"] if w["kind"] == "kpi"}
    assert metrics == {("count", None), ("p95", "responseTimeMs"), ("sum", "price.total")}
    assert {tuple(w["group_by"]) for w in built["widgets"] if w["kind"] == "breakdown"} == {
        ("plan",)
    }
    assert [w["id"] for w in built["widgets"]] == [
        "w_events",
        "w_p95_responsetimems",
        "w_total_price_total",
        "w_trend",
        "w_by_plan",
        "w_table",
    ]


class RecordingBackend:
    """The real backend, remembering the SQL it was given."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    def query(self, sql, params=None):
        self.calls.append((sql, dict(params or {})))
        return self.inner.query(sql, params)


@pytest.mark.parametrize("tenant_id", [None, "acme"])
def test_every_discovery_query_is_scoped_and_takes_input_only_as_parameters(org, tenant_id) -> None:
    from warehouse.backends import get_backend
    from warehouse.discovery import schema_summary
    from warehouse.scope import DangerousOrgWideScope

    org_id = org.organization.pk
    seed_api_usage(org_id, "acme", calls=3)
    seed_api_usage(org_id, "globex", calls=3)
    backend = RecordingBackend(get_backend())

    schema_summary(
        scope=DangerousOrgWideScope(org_id, tenant_id),
        since=datetime.now(UTC) - timedelta(days=1),
        max_prop_rows=5,  # narrows property statistics to the busiest tenant
        backend=backend,
    )

    assert len(backend.calls) == 4
    for sql, params in backend.calls:
        assert "WHERE org_id = {scope_org_id:String}" in sql
        assert params["scope_org_id"] == org_id
        assert org_id not in sql and "acme" not in sql  # values never become SQL text
        if tenant_id:
            assert "tenant_id = {scope_tenant_id:String}" in sql
            assert params["scope_tenant_id"] == tenant_id
    narrowed = [params["tenants"] for _, params in backend.calls if "tenants" in params]
    assert narrowed == [] if tenant_id else narrowed == [["acme"], ["acme"]]


@pytest.mark.parametrize(
    ("lock", "calls"),
    [("eu", 6), (["eu"], 6), ({"lt": 104}, 4)],
    ids=["value", "list", "range"],
)
def test_discovery_under_locked_filters_reads_only_the_locked_rows(org, lock, calls) -> None:
    """An embed session's discovery (the designer's choices): every count, key, top value and
    numeric bound comes from the rows inside the lock, bound as parameters like the compiler's."""
    from warehouse.backends import get_backend
    from warehouse.discovery import schema_summary
    from warehouse.query import locked_value
    from warehouse.scope import Scope

    org_id = org.organization.pk
    seed_api_usage(org_id, "acme", calls=12)  # region eu on even hours, latency 100 + hour
    insert(
        [
            event(
                org_id=org_id,
                tenant_id="acme",
                event_name="api.call",
                string_props={"region": "us", "us_only": "secret-us"},
                numeric_props={"latency_ms": 900, "us_score": 1},
            )
        ]
    )
    key = "latency_ms" if isinstance(lock, dict) else "region"
    backend = RecordingBackend(get_backend())

    summary = schema_summary(
        scope=Scope(org_id=org_id, tenant_id="acme"),
        since=datetime.now(UTC) - timedelta(days=1),
        backend=backend,
        locked_filters={key: locked_value(lock)},
    )

    assert [(e.name, e.count) for e in summary.events] == [("api.call", calls)]
    strings = {p.key: p for p in summary.string_props}
    numbers = {p.key: p for p in summary.numeric_props}
    assert "us_only" not in strings and "us_score" not in numbers
    assert "secret-us" not in str(summary)
    if key == "region":
        assert strings["region"].top_values == [("eu", calls)]
    assert numbers["latency_ms"].max < 900
    assert all("secret" not in sql and "'eu'" not in sql for sql, _ in backend.calls)
