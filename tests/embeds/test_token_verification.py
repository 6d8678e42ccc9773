"""Every way a token can be wrong is a 401 with no data, on the page and the JSON endpoints."""

import base64
import json
import time

import jwt
import pytest
from django.conf import settings

from dashboards.services import dashboard_unpublish
from embeds.models import EmbedSigningKey
from embeds.services import Actor, embed_signing_key_ensure
from embeds.tokens import LEEWAY_SECONDS
from tests.embeds.conftest import TENANT_A, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_get(embed_get, dashboard):
    def get(token: str | None):
        return embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")

    return get


def assert_refused(response, code: str = "invalid_token") -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert "widgets" not in body
    assert response["WWW-Authenticate"].startswith("Bearer")


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def sign(claims: dict, secret: str, kid: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": kid})


def b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_a_valid_token_reads_data(issue, data_get, seeded):
    assert data_get(issue()).status_code == 200


def test_missing_token_is_401(data_get):
    assert_refused(data_get(None), code="unauthenticated")


def test_malformed_token_is_401(data_get):
    assert_refused(data_get("not-a-jwt"))


def test_tampered_signature_is_401(issue, data_get, seeded):
    token = issue()
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    assert_refused(data_get(f"{head}.{payload}.{flipped}"))


def test_tampered_payload_is_401(issue, data_get, seeded):
    head, _, signature = issue(tenant_id=TENANT_A).split(".")
    claims = claims_of(issue(tenant_id=TENANT_A))
    claims["sub"] = "tenant_b"

    assert_refused(data_get(f"{head}.{b64(claims)}.{signature}"))


def test_alg_none_is_401(issue, data_get, seeded):
    token = issue()
    header = jwt.get_unverified_header(token)
    unsigned = (
        f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': header['kid']})}.{b64(claims_of(token))}."
    )

    assert_refused(data_get(unsigned))


def test_another_algorithm_with_the_right_secret_is_401(issue, org, data_get, seeded):
    token = issue()
    key = EmbedSigningKey.objects.get(organization=org.organization)

    assert_refused(data_get(sign(claims_of(token), key.secret, key.pk, algorithm="HS512")))


def test_token_signed_with_another_organizations_key_is_401(issue, other_org, data_get, seeded):
    their_key = embed_signing_key_ensure(organization=other_org.organization)
    claims = claims_of(issue())

    assert_refused(data_get(sign(claims, their_key.secret, their_key.pk)))  # their kid, our org
    our_kid = jwt.get_unverified_header(issue())["kid"]
    assert_refused(data_get(sign(claims, their_key.secret, our_kid)))  # our kid, their secret


def test_token_of_another_organization_for_our_dashboard_is_401(
    issue, other_org, dashboard, data_get, seeded
):
    theirs = publish(other_org.organization)
    token = issue(organization=other_org.organization, dashboard_id=theirs.pk)
    their_key = EmbedSigningKey.objects.get(organization=other_org.organization)
    claims = {**claims_of(token), "dash": dashboard.pk}

    assert_refused(data_get(sign(claims, their_key.secret, their_key.pk)))


def test_unknown_kid_is_401(issue, org, data_get, seeded):
    key = EmbedSigningKey.objects.get(organization=org.organization) if issue() else None

    assert_refused(data_get(sign(claims_of(issue()), key.secret, "ek_unknown")))


@pytest.mark.parametrize(("claim", "value"), [("aud", "someone-else"), ("iss", "evil")])
def test_wrong_audience_or_issuer_is_401(issue, org, data_get, seeded, claim, value):
    token = issue()
    key = EmbedSigningKey.objects.get(organization=org.organization)

    assert_refused(data_get(sign({**claims_of(token), claim: value}, key.secret, key.pk)))


@pytest.mark.parametrize("claim", ["sub", "org", "dash", "perm", "exp", "jti", "iat", "aud", "iss"])
def test_token_missing_a_required_claim_is_401(issue, org, data_get, seeded, claim):
    claims = claims_of(issue())
    del claims[claim]
    key = EmbedSigningKey.objects.get(organization=org.organization)

    assert_refused(data_get(sign(claims, key.secret, key.pk)))


def test_expired_token_is_401_token_expired(issue, org, data_get, seeded):
    claims = claims_of(issue())
    key = EmbedSigningKey.objects.get(organization=org.organization)
    now = int(time.time())

    assert_refused(
        data_get(sign({**claims, "exp": now - LEEWAY_SECONDS - 5}, key.secret, key.pk)),
        code="token_expired",
    )
    assert (
        data_get(sign({**claims, "exp": now - LEEWAY_SECONDS + 5}, key.secret, key.pk)).status_code
        == 200
    )


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_not_yet_valid_token_is_401(issue, org, data_get, seeded, claim):
    claims = claims_of(issue())
    key = EmbedSigningKey.objects.get(organization=org.organization)

    assert_refused(data_get(sign({**claims, claim: int(time.time()) + 3600}, key.secret, key.pk)))


def test_token_for_another_dashboard_is_404(issue, org, embed_get, seeded):
    """A dashboard outside the session is a 404, the same as one that does not exist."""
    second = publish(org.organization)
    token = issue()

    refused = embed_get(f"/embed/{second.pk}/data", token, period="7d")
    unknown = embed_get("/embed/dash_nope/data", token, period="7d")

    assert refused.status_code == 404 and refused.json() == unknown.json()
    assert refused.json()["error"]["code"] == "not_found" and "widgets" not in refused.json()


def test_unpublishing_stops_every_embed_at_once(issue, dashboard, client, data_get, seeded):
    token = issue()
    assert data_get(token).status_code == 200

    dashboard_unpublish(dashboard=dashboard)

    assert_refused(data_get(token), code="dashboard_unpublished")
    assert client.get(f"/embed/{dashboard.pk}", {"token": token}).status_code == 401


def test_deleted_dashboard_stops_its_embeds(issue, dashboard, embed_get, seeded):
    token, dashboard_id = issue(), dashboard.pk
    dashboard.delete()  # (sets dashboard.pk to None)

    assert embed_get(f"/embed/{dashboard_id}/data", token, period="7d").status_code == 401


@pytest.mark.parametrize("endpoint", ["", "/data", "/drill", "/export"])
def test_every_endpoint_refuses_a_bad_token(issue, client, embed_get, dashboard, seeded, endpoint):
    token = issue()[:-3] + "abc"
    url = f"/embed/{dashboard.pk}{endpoint}"

    response = (
        client.get(url, {"token": token})
        if not endpoint
        else embed_get(url, token, period="7d", widget="w_kpi")
    )

    assert response.status_code == 401
    assert "gpt-4" not in response.content.decode()


def test_page_token_is_not_accepted_in_the_data_query_string(issue, client, dashboard, seeded):
    response = client.get(f"/embed/{dashboard.pk}/data", {"token": issue(), "period": "7d"})

    assert response.status_code == 401


def test_issuer_and_audience_come_from_settings(settings, issue, org, data_get, seeded):
    token = issue()
    settings.EMBED_TOKEN_AUDIENCE = "another-deployment"

    assert_refused(data_get(token))


def test_data_endpoint_rejects_api_keys(org, data_get):
    assert_refused(data_get(org.admin_key.secret))


def test_secret_of_the_signing_key_is_256_bits(org):
    key = embed_signing_key_ensure(organization=org.organization)

    assert len(base64.urlsafe_b64decode(key.secret + "=")) == 32
    assert settings.EMBED_TOKEN_ISSUER and Actor().api_key_id == ""
