"""Query parameters of the data endpoints -> a validated window; bucket sizes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from dashboards.data import dashboard_data, parse_data_request
from dashboards.spec import parse_spec
from warehouse.buckets import bucket_starts, resolve_bucket
from warehouse.scope import DangerousOrgWideScope, Scope

NOW = datetime(2026, 4, 14, 10, 20, 30, 500000, tzinfo=UTC)


def parse(**params: str):
    return parse_data_request(params, default_period="7d", now=NOW)


def error_field(**params: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse(**params)
    assert caught.value.status == 400
    return caught.value.details[0]["field"]


@pytest.mark.parametrize(
    ("period", "span"),
    [
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("30d", timedelta(days=30)),
        ("90d", timedelta(days=90)),
    ],
)
def test_rolling_periods_end_at_the_next_whole_minute(period: str, span: timedelta) -> None:
    request = parse(period=period)
    assert request.end == datetime(2026, 4, 14, 10, 21, tzinfo=UTC)
    assert request.end - request.start == span
    assert (request.period, request.tz, request.filters) == (period, "UTC", {})


def test_defaults() -> None:
    request = parse_data_request({}, default_period="30d", default_tz="Europe/Paris", now=NOW)
    assert (request.period, request.tz) == ("30d", "Europe/Paris")


def test_an_exact_minute_is_its_own_end() -> None:
    at_minute = datetime(2026, 4, 14, 10, 20, tzinfo=UTC)
    assert parse_data_request({}, default_period="24h", now=at_minute).end == at_minute


def test_custom_range_with_offsets_and_naive_times_in_tz() -> None:
    request = parse(
        period="custom",
        **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T12:00:00"},
        tz="Asia/Kolkata",
    )
    assert request.start == datetime(2026, 3, 1, tzinfo=UTC)
    assert request.end == datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("Asia/Kolkata"))


def test_custom_dates_cover_whole_local_days() -> None:
    request = parse(
        period="custom", **{"from": "2026-03-01", "to": "2026-03-31"}, tz="America/New_York"
    )
    zone = ZoneInfo("America/New_York")
    assert request.start == datetime(2026, 3, 1, tzinfo=zone)
    assert request.end == datetime(2026, 4, 1, tzinfo=zone)


def test_a_full_year_is_allowed() -> None:
    request = parse(period="custom", **{"from": "2025-01-01", "to": "2025-12-31"})
    assert request.end - request.start == timedelta(days=365)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "1y"}, "period"),
        ({"period": "custom"}, "from"),
        ({"period": "custom", "from": "2026-03-01"}, "to"),
        ({"period": "custom", "from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"period": "custom", "from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"period": "custom", "from": "2026-03-01T10:00:00Z", "to": "2026-03-01T10:00:00Z"}, "to"),
        ({"period": "custom", "from": "2024-01-01", "to": "2025-06-01"}, "to"),
        ({"period": "custom", "from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"period": "custom", "from": "2026-03-01", "to": "9999-12-31"}, "to"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"tz": "posixrules"}, "tz"),
        ({"tz": "localtime"}, "tz"),
        ({"tz": "utc "}, "tz"),
        ({"filters": "not json"}, "filters"),
        ({"filters": '["region"]'}, "filters"),
        ({"filters": '{"region": 5}'}, "filters.region"),
        ({"filters": '{"bad key": "x"}'}, "filters.bad key"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(params: dict[str, str], field: str) -> None:
    assert error_field(**params) == field


def test_filters_are_parsed() -> None:
    assert parse(filters='{"region": "eu", "model": "gpt-4"}').filters == {
        "region": "eu",
        "model": "gpt-4",
    }


def test_viewer_filters_must_be_dashboard_filters() -> None:
    spec = parse_spec(
        {"name": "d", "filters": [{"dimension": "region", "label": "Region"}], "widgets": []}
    )
    request = parse(filters='{"model": "gpt-4"}')
    with pytest.raises(InvalidInput) as caught:
        dashboard_data(spec=spec, scope=Scope("org", "t"), request=request, version_key="v1")
    assert caught.value.details[0]["field"] == "filters.model"


def test_dashboard_data_refuses_an_org_wide_scope() -> None:
    spec = parse_spec({"name": "d", "widgets": []})
    with pytest.raises(TypeError):
        dashboard_data(
            spec=spec, scope=DangerousOrgWideScope("org"), request=parse(), version_key="v1"
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("requested", "span", "expected"),
    [
        ("auto", timedelta(hours=24), "hour"),
        (None, timedelta(days=7), "day"),
        ("auto", timedelta(days=30), "day"),
        ("auto", timedelta(days=90), "day"),
        ("auto", timedelta(days=200), "week"),
        ("hour", timedelta(days=7), "hour"),
        ("hour", timedelta(days=90), "day"),  # 2,160 points would be too many
        ("day", timedelta(days=366), "day"),
        ("month", timedelta(days=1), "month"),
    ],
)
def test_resolve_bucket(requested: str | None, span: timedelta, expected: str) -> None:
    assert resolve_bucket(requested, NOW - span, NOW) == expected


def test_week_buckets_start_on_local_mondays() -> None:
    zone = ZoneInfo("Asia/Kolkata")
    starts = bucket_starts(
        "week", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 20, tzinfo=UTC), zone
    )
    assert [s.astimezone(zone).strftime("%a %H:%M") for s in starts] == ["Mon 00:00"] * 4
    assert starts[0] == datetime(2026, 3, 29, 18, 30, tzinfo=UTC)


def test_day_buckets_over_a_dst_change_are_local_midnights() -> None:
    zone = ZoneInfo("America/New_York")
    starts = bucket_starts(
        "day", datetime(2026, 3, 7, 12, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), zone
    )
    assert [s.isoformat() for s in starts] == [
        "2026-03-07T05:00:00+00:00",
        "2026-03-08T05:00:00+00:00",
        "2026-03-09T04:00:00+00:00",
    ]


def test_the_response_has_designs_shape() -> None:
    spec = parse_spec(
        {
            "name": "d",
            "widgets": [
                {"id": "w_k", "title": "Calls", "kind": "kpi", "event_name": "e"},
                {"id": "w_t", "kind": "timeseries", "event_name": "e"},
                {"id": "w_b", "kind": "breakdown", "event_name": "e", "group_by": ["m"]},
                {"id": "w_x", "kind": "table", "event_name": "e", "group_by": ["m"]},
            ],
        }
    )
    request = parse(period="24h", tz="Asia/Kolkata")
    data = dashboard_data(spec=spec, scope=Scope("org_none", "t"), request=request, version_key="v")
    assert data["period"] == {
        "name": "24h",
        "from": "2026-04-13T10:21:00Z",
        "to": "2026-04-14T10:21:00Z",
        "tz": "Asia/Kolkata",
    }
    kpi, series, breakdown, table = data["widgets"]
    assert kpi == {
        "id": "w_k",
        "kind": "kpi",
        "title": "Calls",
        "data": {"value": 0.0, "previous": 0.0},
    }
    assert series["data"]["bucket"] == "hour"
    [all_series] = series["data"]["series"]
    assert all_series["name"] == "all"
    assert all_series["points"][0] == [
        "2026-04-13T09:30:00Z",
        0.0,
    ]  # Kolkata hours start at :30 UTC
    assert len(all_series["points"]) == 25
    assert breakdown["data"] == {"rows": []}
    assert table["data"] == {"columns": ["m", "count"], "rows": []}
