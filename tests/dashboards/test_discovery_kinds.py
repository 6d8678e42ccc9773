"""Auto-create proposes the newer kinds where the schema says they fit (issue 14, item 5):
- an error rate (ratio KPI, percent) for a status-like dimension of the busiest event with a
  failure among its values (status / outcome / result / state / level / severity; error,
  failed, timeout, …);
- a donut instead of bars for a breakdown of at most MAX_DONUT_SLICES values;
- a funnel of unique users through events named <flow>.<step> with a start-like and an
  end-like step (started … completed), the start first, the end last.
Nothing is proposed where the rule does not hold."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.discovery import MAX_DONUT_SLICES, auto_spec
from dashboards.spec import parse_spec
from tests.factories import event, insert
from warehouse.discovery import EventSummary, SchemaSummary, StringPropSummary

pytestmark = pytest.mark.django_db


def events(*names_counts_users) -> list[EventSummary]:
    return [
        EventSummary(name=name, count=count, users=users, last_seen="2026-01-01T00:00:00Z")
        for name, count, users in names_counts_users
    ]


def string(
    key: str, values: list[str], event_name: str = "api.call", count: int = 90
) -> StringPropSummary:
    top = [(value, 10 - n) for n, value in enumerate(values)]
    return StringPropSummary(key, count, len(values), top, event_names=[event_name])


def summary(event_list, props) -> SchemaSummary:
    return SchemaSummary(
        events=event_list, string_props=props, numeric_props=[], tenants=[], prop_tenants=None
    )


FLOW = events(
    ("api.call", 900, 40),
    ("checkout.started", 60, 30),
    ("checkout.completed", 20, 15),
    ("checkout.payment", 35, 20),
    ("api.error", 50, 10),  # a namespace, not a flow: no start or end step
)


def by_kind(spec, kind):
    return [w for w in spec["widgets"] if w["kind"] == kind]


def test_the_new_kinds_where_the_schema_fits_them() -> None:
    props = [
        string("status", ["ok", "error"], count=80),  # less widespread: no breakdown of its own
        string("region", ["eu", "us"]),
        string("model", [f"m{n}" for n in range(MAX_DONUT_SLICES + 1)]),
    ]

    built = auto_spec(summary(FLOW, props), name="Overview")

    parse_spec(built)  # a valid spec
    rate = next(w for w in built["widgets"] if w["metric"] == "ratio")
    assert (rate["id"], rate["title"], rate["kind"]) == ("w_error_rate", "Error rate", "kpi")
    assert rate["ratio"] == {
        "numerator": {"metric": "count", "filters": {"status": "error"}},
        "denominator": {"metric": "count"},
    }
    assert rate["format"] == {"unit": "percent", "decimals": 1}
    charts = {w["group_by"][0]: w["chart"] for w in by_kind(built, "breakdown")}
    assert charts == {"region": "donut", "model": "bar"}
    (funnel,) = by_kind(built, "funnel")
    assert funnel["steps"] == ["checkout.started", "checkout.payment", "checkout.completed"]
    assert (funnel["event_name"], funnel["metric"]) == ("checkout.started", "count_unique")
    assert funnel["title"] == "checkout funnel"


@pytest.mark.parametrize(
    "props",
    [
        [string("state", ["open", "closed"])],  # status-like, but no failure among its values
        [string("message", ["error", "ok"])],  # a failure value, but not a status-like key
        [string("status", ["error", "ok"], event_name="login")],  # not on the busiest event
    ],
)
def test_no_error_rate_without_a_status_with_failures_on_the_busiest_event(props) -> None:
    built = auto_spec(summary(events(("api.call", 9, 3), ("login", 1, 1)), props), name="x")

    assert [w for w in built["widgets"] if w["metric"] == "ratio"] == []


@pytest.mark.parametrize(
    "event_list",
    [
        events(("api.call", 9, 3), ("api.error", 5, 2)),  # one prefix, no start or end
        events(("signup.started", 9, 3)),  # a start, no end
        events(("checkout.started", 9, 0), ("checkout.completed", 5, 0)),  # nobody to follow
        events(
            *[(f"flow.step{n}", 9, 3) for n in range(8)], ("flow.start", 9, 3), ("flow.done", 1, 1)
        ),
    ],
)
def test_no_funnel_unless_events_look_like_one_flow(event_list) -> None:
    assert by_kind(auto_spec(summary(event_list, []), name="x"), "funnel") == []


def test_an_auto_created_error_rate_and_funnel_read_the_right_numbers(api, org) -> None:
    org_id = org.organization.pk
    now = datetime.now(UTC)
    rows = [
        event(
            org_id=org_id,
            tenant_id="acme",
            timestamp=now - timedelta(hours=n + 1),
            user_id=f"user{n % 5}",
            string_props={"status": "error" if n % 4 == 0 else "ok"},
        )
        for n in range(40)  # 10 errors of 40
    ]
    for step, users in (("started", 5), ("payment", 3), ("completed", 2)):
        rows += [
            event(
                org_id=org_id,
                tenant_id="acme",
                event_name=f"checkout.{step}",
                timestamp=now
                - timedelta(minutes=60 - 10 * ("started", "payment", "completed").index(step)),
                user_id=f"user{u}",
            )
            for u in range(users)
        ]
    insert(rows)

    dashboard = api.post("/v1/discover/auto-create", {}, format="json").json()
    body = api.get(
        f"/v1/dashboards/{dashboard['id']}/data", {"tenant_id": "acme", "period": "7d"}
    ).json()

    data = {w["id"]: w["data"] for w in body["widgets"]}
    assert data["w_error_rate"]["value"] == pytest.approx(0.25)
    funnel = data["w_funnel_checkout"]["steps"]
    assert [(s["event"], s["users"]) for s in funnel] == [
        ("checkout.started", 5),
        ("checkout.payment", 3),
        ("checkout.completed", 2),
    ]
    charts = {w["id"]: w["chart"] for w in dashboard["spec"]["widgets"]}
    assert charts["w_by_status"] == "donut"
