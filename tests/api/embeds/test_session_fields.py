"""The embed-session fields of issue 11 (role, variant_scope, allowed_events,
allow_subscriptions, list and range locked filters, dashboard_ids, inactivity_timeout): each
validation rule is a 400 naming the field, the token carries them compactly, an old token
decodes to the defaults and a malformed claim is an InvalidToken."""

import time

import jwt
import pytest

from dashboards.services import dashboard_create
from embeds.models import AuditLogEntry, EmbedSigningKey
from embeds.selectors import signing_secret_for
from embeds.tokens import InvalidToken, token_decode
from tests.embeds.conftest import TENANT_A, publish
from warehouse.query import NumericRange

pytestmark = pytest.mark.django_db
URL = "/v1/embed-sessions"


def unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def body(dashboard_id: str = "x", **extra) -> dict:
    return {"tenant_id": TENANT_A, "dashboard_id": dashboard_id, **extra}


def many(dashboard_ids: list[str], **extra) -> dict:
    return {"tenant_id": TENANT_A, "dashboard_ids": dashboard_ids, **extra}


def perms(**permissions) -> dict:
    return body(permissions=permissions)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (perms(locked_filters={"region": []}), "permissions.locked_filters.region", "empty list"),
        (perms(locked_filters={"region": [""]}), "permissions.locked_filters.region", ""),
        (perms(locked_filters={"region": ["a", 3]}), "permissions.locked_filters.region", ""),
        (perms(locked_filters={"region": ["a"] * 101}), "permissions.locked_filters.region", ""),
        (perms(locked_filters={"tokens": {}}), "permissions.locked_filters.tokens", "at least"),
        (
            perms(locked_filters={"tokens": {"gte": 1, "between": 2}}),
            "permissions.locked_filters.tokens",
            "'between'",
        ),
        (
            perms(locked_filters={"tokens": {"gte": "100"}}),
            "permissions.locked_filters.tokens",
            "numbers",
        ),
        (
            perms(locked_filters={"tokens": {"gte": True}}),
            "permissions.locked_filters.tokens",
            "numbers",
        ),
        (
            perms(locked_filters={"tokens": {"gte": None}}),
            "permissions.locked_filters.tokens",
            "numbers",
        ),
        (
            perms(locked_filters={"tokens": {"gte": 500, "lt": 100}}),
            "permissions.locked_filters.tokens",
            "empty",
        ),
        (
            perms(locked_filters={"tokens": {"gt": 5, "lte": 5}}),
            "permissions.locked_filters.tokens",
            "empty",
        ),
        (perms(locked_filters={"region": ""}), "permissions.locked_filters.region", ""),
        (perms(role="admin"), "permissions.role", ""),
        (perms(variant_scope="org"), "permissions.variant_scope", ""),
        (perms(role="designer"), "user", "user"),
        (perms(role="designer", variant_scope="user"), "user", "user"),
        (perms(allowed_events=[]), "permissions.allowed_events", ""),
        (perms(allowed_events=["api.call", "9lives"]), "permissions.allowed_events", "'9lives'"),
        (perms(allowed_events=[3]), "permissions.allowed_events.0", ""),
        (perms(allowed_events="api.call"), "permissions.allowed_events", ""),
        (perms(allow_subscriptions="maybe"), "permissions.allow_subscriptions", ""),
        (body(dashboard_ids=[]), "dashboard_ids", ""),
        (body(dashboard_ids=["x", "x"]), "dashboard_ids", "once"),
        (body(dashboard_ids=[f"d{i}" for i in range(21)]), "dashboard_ids", ""),
        (body(dashboard_ids=["y", "z"]), "dashboard_id", "one of dashboard_ids"),
        (body(dashboard_ids=[3]), "dashboard_ids.0", ""),
        (body(dashboard_ids="x"), "dashboard_ids", ""),
        (body(dashboard_ids=["x", "y"], widget_id="w_kpi"), "widget_id", ""),
        ({"tenant_id": TENANT_A}, "dashboard_id", "dashboard_ids"),
        (body(inactivity_timeout=119), "inactivity_timeout", ""),
        (body(inactivity_timeout=601, expires_in=600), "inactivity_timeout", "expires_in"),
        (body(inactivity_timeout="long"), "inactivity_timeout", ""),
    ],
)
def test_each_rule_of_the_new_fields_is_a_400_naming_the_field(api, org, data, field, message):
    response = api.post(URL, data, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    matching = [d["message"] for d in error["details"] if d["field"] == field]
    assert matching, error["details"]
    assert message in matching[0]
    assert not AuditLogEntry.objects.filter(organization=org.organization).exists()


def test_designer_needs_a_user_unless_the_variant_is_the_tenants(api, dashboard):
    designer = {"role": "designer"}
    with_user = api.post(URL, body(dashboard.pk, permissions=designer, user="u1"), format="json")
    tenant_wide = {"role": "designer", "variant_scope": "tenant"}
    without_user = api.post(URL, body(dashboard.pk, permissions=tenant_wide), format="json")

    assert with_user.status_code == 201 and without_user.status_code == 201
    assert unverified(with_user.json()["token"])["perm"]["role"] == "designer"
    assert unverified(without_user.json()["token"])["perm"]["variant_scope"] == "tenant"


def test_every_new_field_travels_in_the_token_and_the_audit_log(api, org, dashboard):
    second = publish(org.organization)
    response = api.post(
        URL,
        {
            "tenant_id": TENANT_A,
            "dashboard_ids": [second.pk, dashboard.pk],
            "expires_in": 900,
            "inactivity_timeout": 300,
            "user": "u1",
            "permissions": {
                "locked_filters": {
                    "plan": "pro",
                    "region": ["eu", "us", "eu"],
                    "tokens": {"gte": 100, "lt": 500.5},
                },
                "role": "designer",
                "allowed_events": ["api.call", "login", "api.call"],
                "allow_subscriptions": True,
            },
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    out = response.json()
    assert out["dashboard_ids"] == [second.pk, dashboard.pk]
    assert f"/embed/{second.pk}?token=" in out["embed_url"]  # the first is the default
    raw = unverified(out["token"])
    assert raw["dash"] == second.pk and raw["dashes"] == [second.pk, dashboard.pk]
    assert raw["idle"] == 300
    assert raw["perm"]["locked_filters"] == {
        "plan": "pro",
        "region": ["eu", "us"],
        "tokens": {"gte": 100, "lt": 500.5},
    }
    assert "variant_scope" not in raw["perm"]  # the default is left out
    claims = token_decode(out["token"], secret_for=signing_secret_for)
    assert claims.dashboard_id == second.pk
    assert claims.dashboard_ids == (second.pk, dashboard.pk)
    assert claims.inactivity_timeout == 300
    p = claims.permissions
    assert (p.role, p.variant_scope, p.allow_subscriptions) == ("designer", "user", True)
    assert p.allowed_events == ("api.call", "login")
    assert p.locked_filters == {
        "plan": "pro",
        "region": ("eu", "us"),
        "tokens": NumericRange(gte=100, lt=500.5),
    }
    entry = AuditLogEntry.objects.get(organization=org.organization)
    assert entry.details["dashboard_ids"] == [second.pk, dashboard.pk]
    assert entry.details["inactivity_timeout"] == 300
    assert entry.details["permissions"]["role"] == "designer"
    listed = api.get(URL).json()["results"][0]
    assert listed["dashboard_ids"] == [second.pk, dashboard.pk]
    assert (listed["role"], listed["inactivity_timeout"]) == ("designer", 300)


def test_a_token_without_the_new_fields_decodes_to_the_defaults(api, dashboard):
    response = api.post(URL, body(dashboard.pk), format="json")

    out = response.json()
    raw = unverified(out["token"])
    assert "dashes" not in raw and "idle" not in raw
    assert set(raw["perm"]) == {
        "locked_filters",
        "hidden_widgets",
        "allowed_periods",
        "allow_drill_down",
        "max_date_range_days",
    }
    claims = token_decode(out["token"], secret_for=signing_secret_for)
    assert claims.dashboard_ids == (dashboard.pk,) and claims.inactivity_timeout is None
    p = claims.permissions
    assert (p.role, p.variant_scope, p.allowed_events, p.allow_subscriptions) == (
        "viewer",
        "user",
        (),
        False,
    )
    assert out["dashboard_ids"] == [dashboard.pk]
    listed = api.get(URL).json()["results"][0]
    assert (listed["dashboard_ids"], listed["role"], listed["inactivity_timeout"]) == (
        [dashboard.pk],
        "viewer",
        None,
    )


def test_dashboard_id_with_dashboard_ids_stays_the_default(api, org, dashboard):
    second = publish(org.organization)

    response = api.post(
        URL, body(dashboard.pk, dashboard_ids=[second.pk, dashboard.pk]), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["dashboard_ids"] == [dashboard.pk, second.pk]
    assert unverified(response.json()["token"])["dash"] == dashboard.pk


def test_each_of_dashboard_ids_must_be_a_published_dashboard_of_the_organization(
    api, org, other_org, dashboard
):
    theirs = publish(other_org.organization)
    draft = dashboard_create(organization=org.organization, spec={"name": "Draft", "widgets": []})

    another_orgs = api.post(URL, many([dashboard.pk, theirs.pk]), format="json")
    unknown = api.post(URL, many([dashboard.pk, "dash_nope"]), format="json")
    unpublished = api.post(URL, many([dashboard.pk, draft.pk]), format="json")

    assert another_orgs.status_code == 404 and unknown.status_code == 404
    assert another_orgs.json() == unknown.json()  # nothing tells one from the other
    assert unpublished.status_code == 409
    assert unpublished.json()["error"]["code"] == "dashboard_unpublished"
    assert not AuditLogEntry.objects.filter(organization=org.organization).exists()


def test_hidden_widgets_of_several_dashboards_are_checked_against_their_union(api, org, dashboard):
    second = publish(
        org.organization,
        {
            "name": "Second",
            "widgets": [
                {"id": "w_only_here", "title": "Calls", "kind": "kpi", "event_name": "api.call"}
            ],
        },
    )
    ids = [dashboard.pk, second.pk]

    good = api.post(
        URL,
        many(ids, permissions={"hidden_widgets": ["w_only_here", "w_kpi"]}),
        format="json",
    )
    bad = api.post(URL, many(ids, permissions={"hidden_widgets": ["w_nowhere"]}), format="json")

    assert good.status_code == 201, good.content
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["field"] == "permissions.hidden_widgets[0]"


def _signed(org, claims: dict) -> str:
    key = EmbedSigningKey.objects.get(organization=org.organization)
    return jwt.encode(claims, key.secret, algorithm="HS256", headers={"kid": key.pk})


@pytest.mark.parametrize(
    "change",
    [
        {"perm": {"locked_filters": {"region": []}}},
        {"perm": {"locked_filters": {"tokens": {}}}},
        {"perm": {"locked_filters": {"tokens": {"gte": "1"}}}},
        {"perm": {"locked_filters": {"region": 3}}},
        {"perm": {"role": "root"}},
        {"perm": {"variant_scope": "everyone"}},
        {"perm": {"allowed_events": "api.call"}},
        {"perm": {"allowed_events": ["no spaces"]}},
        {"dashes": "dash_x"},
        {"dashes": [3]},
        {"idle": "300"},
        {"idle": True},
    ],
)
def test_a_malformed_new_claim_is_an_invalid_token(api, org, dashboard, change):
    token = api.post(URL, body(dashboard.pk), format="json").json()["token"]
    claims = unverified(token)
    perm = {**claims["perm"], **change.pop("perm", {})}
    forged = _signed(org, {**claims, **change, "perm": perm, "iat": int(time.time())})

    with pytest.raises(InvalidToken):
        token_decode(forged, secret_for=signing_secret_for)
