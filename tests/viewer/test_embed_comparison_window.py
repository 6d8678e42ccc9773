"""A period's comparison (the KPI's previous value, its sparkline's, a compared time series)
never reads before what the session may open itself: with `custom` any window (a previous one
is as long as the one shown); without it, the longest rolling period it may pick. Beyond
that the previous period is null, never a number over rows the session cannot see."""

from datetime import UTC, datetime, timedelta

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, publish
from tests.factories import event, insert, spec, widget

pytestmark = pytest.mark.django_db
BOX = {"x": 0, "y": 0, "w": 6, "h": 4}


@pytest.fixture
def compared(org):
    return publish(
        org.organization,
        spec(
            "Compared",
            default_period="7d",
            widgets=[
                widget("w_kpi", layout=BOX),
                widget("w_spark", chart="sparkline", layout={**BOX, "y": 4}),
                widget(
                    "w_series",
                    kind="timeseries",
                    chart="line",
                    bucket="day",
                    compare="previous_period",
                    layout={**BOX, "y": 8},
                ),
            ],
        ),
    )


@pytest.fixture
def calls(org) -> None:
    """Tenant A: 2 calls this week, 3 in the week before (8-13 days ago)."""
    now = datetime.now(UTC)
    ages = [timedelta(days=1), timedelta(days=2)] + [timedelta(days=d) for d in (8, 10, 13)]
    insert([event(org_id=org.organization.pk, tenant_id=TENANT_A, timestamp=now - a) for a in ages])


def widgets(issue, embed_get, dashboard, periods: tuple[str, ...]) -> dict:
    token = issue(dashboard_id=dashboard.pk, permissions=EmbedPermissions(allowed_periods=periods))
    response = embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")
    assert response.status_code == 200, response.content
    return {w["id"]: w["data"] for w in response.json()["widgets"]}


def test_a_session_of_seven_days_only_sees_no_previous_week(issue, embed_get, compared, calls):
    seen = widgets(issue, embed_get, compared, ("7d",))

    assert seen["w_kpi"] == {"value": 2, "previous": None}
    assert seen["w_spark"]["value"] == 2 and seen["w_spark"]["previous"] is None
    assert seen["w_series"]["previous"] is None
    assert sum(p[1] for p in seen["w_series"]["series"][0]["points"]) == 2


@pytest.mark.parametrize("periods", [("7d", "30d"), ("7d", "custom")], ids=["30d", "custom"])
def test_a_previous_week_the_session_may_open_is_compared(
    issue, embed_get, compared, calls, periods
):
    seen = widgets(issue, embed_get, compared, periods)

    assert seen["w_kpi"] == {"value": 2, "previous": 3}
    assert seen["w_spark"]["previous"] == 3
    assert sum(p[1] for p in seen["w_series"]["previous"]["points"]) == 3


def test_the_seven_day_session_never_shares_the_wider_sessions_cache(
    issue, embed_get, compared, calls
):
    assert widgets(issue, embed_get, compared, ("7d", "30d"))["w_kpi"]["previous"] == 3
    assert widgets(issue, embed_get, compared, ("7d",))["w_kpi"]["previous"] is None


def test_a_previous_period_before_the_retention_is_none_not_a_partial_number(
    org, api, compared, calls
):
    """The same rule for every read: the organization keeps 10 days, the week before this one
    reaches 14 days back, so the previous value would count only 2 of its 7 days."""
    org.organization.retention_days = 10
    org.organization.save()
    response = api.get(
        f"/v1/dashboards/{compared.pk}/data", {"tenant_id": TENANT_A, "period": "7d"}
    )
    assert response.status_code == 200, response.content
    kpi = {w["id"]: w["data"] for w in response.json()["widgets"]}["w_kpi"]
    assert kpi == {"value": 2, "previous": None}
