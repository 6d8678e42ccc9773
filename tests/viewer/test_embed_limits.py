"""The embed JSON endpoints' rate limits (per session, per tenant), the organization's budget of
concurrent queries, and custom bounds rounded so milliseconds cannot miss the cache."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.factories import event, insert

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "data": {},
    "drill": {"widget": "w_kpi"},
    "export": {"widget": "w_kpi"},
}
PERMISSIONS = EmbedPermissions(allowed_periods=("7d", "custom"), allow_drill_down=True)


def _token(issue, **kwargs) -> str:
    return issue(permissions=PERMISSIONS, allow_export=True, **kwargs)


def _assert_429(response) -> None:
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@override_settings(EMBED_SESSION_RATE_LIMIT="3/m", EMBED_TENANT_RATE_LIMIT="100/m")
def test_one_session_is_limited_per_minute(issue, embed_get, dashboard, seeded, endpoint):
    url, params = f"/embed/{dashboard.pk}/{endpoint}", ENDPOINTS[endpoint]
    token = _token(issue)
    for _ in range(3):
        assert embed_get(url, token, **params).status_code == 200
    _assert_429(embed_get(url, token, **params))
    # Another session of the same tenant has a budget of its own.
    assert embed_get(url, _token(issue), **params).status_code == 200


@pytest.mark.parametrize(
    ("endpoint", "params"), [("values", {"dimension": "model"}), ("config", {})]
)
@override_settings(EMBED_SESSION_RATE_LIMIT="2/m", EMBED_TENANT_RATE_LIMIT="100/m")
def test_the_pickers_and_the_config_count_against_the_session_too(
    issue, embed_get, dashboard, seeded, endpoint, params
):
    """The filter pickers (issue 14) and the native components' config read like data."""
    token, url = _token(issue), f"/embed/{dashboard.pk}/{endpoint}"
    for _ in range(2):
        assert embed_get(url, token, **params).status_code == 200
    _assert_429(embed_get(url, token, **params))
    _assert_429(embed_get(f"/embed/{dashboard.pk}/data", token))


@override_settings(EMBED_SESSION_RATE_LIMIT="3/m", EMBED_TENANT_RATE_LIMIT="100/m")
def test_the_session_budget_is_shared_by_data_drill_and_export(issue, embed_get, dashboard):
    token = _token(issue)
    for endpoint, params in ENDPOINTS.items():
        assert embed_get(f"/embed/{dashboard.pk}/{endpoint}", token, **params).status_code == 200
    _assert_429(embed_get(f"/embed/{dashboard.pk}/data", token))


@override_settings(EMBED_SESSION_RATE_LIMIT="100/m", EMBED_TENANT_RATE_LIMIT="4/m")
def test_new_sessions_do_not_escape_the_tenants_limit(
    org, other_org, issue, embed_get, dashboard, seeded
):
    url = f"/embed/{dashboard.pk}/data"
    for _ in range(4):
        assert embed_get(url, _token(issue, tenant_id=TENANT_A)).status_code == 200
    _assert_429(embed_get(url, _token(issue, tenant_id=TENANT_A)))
    assert embed_get(url, _token(issue, tenant_id=TENANT_B)).status_code == 200
    # The same tenant id in another organization is another tenant, with its own budget.
    from tests.embeds.conftest import publish

    other_dashboard = publish(other_org.organization)
    other = issue(
        organization=other_org.organization,
        dashboard_id=other_dashboard.pk,
        tenant_id=TENANT_A,
        permissions=PERMISSIONS,
    )
    assert embed_get(f"/embed/{other_dashboard.pk}/data", other).status_code == 200


@override_settings(EMBED_SESSION_RATE_LIMIT="2/m")
def test_a_refused_request_reads_nothing_and_answers_cors(org, issue, client, dashboard):
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()
    token = _token(issue)
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ORIGIN": "https://app.customer.example",
    }
    for _ in range(2):
        assert client.get(f"/embed/{dashboard.pk}/data", **headers).status_code == 200
    refused = client.get(f"/embed/{dashboard.pk}/data", **headers)
    _assert_429(refused)
    assert refused["Access-Control-Allow-Origin"] == "https://app.customer.example"
    assert "widgets" not in refused.json()


@override_settings(EMBED_SESSION_RATE_LIMIT="1/m")
def test_bad_tokens_and_bad_parameters_are_answered_before_counting(
    issue, embed_get, dashboard, other_org
):
    url = f"/embed/{dashboard.pk}/data"
    assert embed_get(url, "not-a-token").status_code == 401
    assert embed_get(url, "not-a-token").status_code == 401  # never 429: nothing to count
    token = _token(issue)
    from tests.embeds.conftest import publish

    foreign = publish(other_org.organization)
    assert embed_get(f"/embed/{foreign.pk}/data", token).status_code == 404  # not its dashboard
    assert embed_get(url, token, period="1y").status_code == 400
    _assert_429(embed_get(url, token))  # the 400 counted: refusing bad input costs a request


@override_settings(EMBED_ORG_CONCURRENT_QUERIES=1)
def test_the_organizations_concurrent_queries_are_budgeted(
    org, other_org, issue, embed_get, dashboard, seeded, monkeypatch
):
    """While one query of the organization runs (here: the first request's read, which makes
    the second request from inside it), another of the same organization is refused at once;
    another organization is not affected, and the slot is free again afterwards."""
    from tests.embeds.conftest import publish
    from viewer import views

    other_dashboard = publish(other_org.organization)
    other_token = issue(
        organization=other_org.organization,
        dashboard_id=other_dashboard.pk,
        permissions=PERMISSIONS,
    )
    real_read, during = views.embed_dashboard_data, {}

    def read_while_another_runs(**kwargs):
        if not during:
            during["same org"] = embed_get(
                f"/embed/{dashboard.pk}/data", _token(issue, tenant_id=TENANT_B)
            )
            during["other org"] = embed_get(f"/embed/{other_dashboard.pk}/data", other_token)
        return real_read(**kwargs)

    monkeypatch.setattr(views, "embed_dashboard_data", read_while_another_runs)
    assert embed_get(f"/embed/{dashboard.pk}/data", _token(issue)).status_code == 200
    _assert_429(during["same org"])
    assert during["same org"]["Retry-After"] == "1"
    assert during["other org"].status_code == 200
    assert embed_get(f"/embed/{dashboard.pk}/data", _token(issue)).status_code == 200


def test_custom_bounds_differing_by_milliseconds_share_one_window_and_cache_entry(
    org, issue, embed_get, dashboard, seeded, monkeypatch
):
    # The retention bound (part of every cache key) moves at each whole minute: on a loaded
    # machine the requests below could straddle one and rightly miss the cache. Pinned here.
    from accounts.selectors import organization_retention_start
    from embeds import queries

    since = organization_retention_start(organization=org.organization)
    monkeypatch.setattr(queries, "organization_retention_start", lambda **_: since)
    token, url = _token(issue), f"/embed/{dashboard.pk}/data"
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    bounds = {"from": (day - timedelta(days=2)).isoformat(), "to": day + timedelta(days=2)}

    def get(ms: int):
        to = (bounds["to"] + timedelta(milliseconds=ms)).isoformat()
        return embed_get(url, token, period="custom", **{"from": bounds["from"], "to": to})

    first = get(1).json()
    assert first["period"]["to"] == (bounds["to"] + timedelta(minutes=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    # An event inside the window after the first answer: only a fresh query would count it.
    insert([event(org_id=org.organization.pk, tenant_id=TENANT_A, timestamp=day)])
    for ms in (2, 3, 999):
        again = get(ms).json()
        assert again["period"] == first["period"]
        assert again["widgets"] == first["widgets"]  # the cached answer, not a new query


@pytest.mark.parametrize(
    ("raw_from", "raw_to"),
    [
        ("2026-01-01T10:00:30Z", "2026-01-01T10:00:10Z"),  # to before from, in one minute
        ("2026-01-01T10:00:30Z", "2026-01-01T10:00:30Z"),
    ],
)
def test_rounding_never_turns_a_reversed_range_into_a_valid_one(
    issue, embed_get, dashboard, raw_from, raw_to
):
    response = embed_get(
        f"/embed/{dashboard.pk}/data",
        _token(issue),
        period="custom",
        **{"from": raw_from, "to": raw_to},
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "to"


def test_settings_checks_pass_by_default() -> None:
    from embeds.checks import embed_settings

    assert embed_settings() == []


@override_settings(EMBED_SESSION_RATE_LIMIT="lots", EMBED_ORG_CONCURRENT_QUERIES=0)
def test_settings_checks_name_each_mistake() -> None:
    from embeds.checks import embed_settings

    assert [error.id for error in embed_settings()] == ["embeds.E001", "embeds.E002"]


def test_the_limits_are_shared_through_redis(issue, embed_get, dashboard, redis_url) -> None:
    """Production: the counts live in Redis, so every web process sees the same budget."""
    import redis

    from core.ratelimit import KEY_PREFIX

    token, url = _token(issue), f"/embed/{dashboard.pk}/data"
    with override_settings(
        RATELIMIT_STORAGE_URL=redis_url,
        EMBED_SESSION_RATE_LIMIT="2/m",
        EMBED_TENANT_RATE_LIMIT="100/m",
    ):
        assert embed_get(url, token).status_code == 200
        assert embed_get(url, token).status_code == 200
        _assert_429(embed_get(url, token))
    assert redis.Redis.from_url(redis_url).keys(f"{KEY_PREFIX}*embed:session:*")
    assert embed_get(url, token).status_code == 200  # this process's memory: its own count
