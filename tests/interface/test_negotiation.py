"""Content negotiation of the /v1 API (interface/negotiation.py): the Accept headers clients
send get JSON without DRF's parsing; every other case keeps DRF's own answer."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _get(org, **headers):
    client = APIClient()
    return client.get(
        "/v1/embed-keys", HTTP_AUTHORIZATION=f"Bearer {org.admin_key.secret}", **headers
    )


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        " application/json ",
        "application/*",
        "text/html, */*;q=0.1",
    ],
)
def test_json_is_the_answer_to_what_api_clients_accept(org, accept):
    response = _get(org, **({} if accept is None else {"HTTP_ACCEPT": accept}))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert "results" in response.json()


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/png;q=1"])
def test_a_type_the_api_cannot_send_is_406_as_drf_answers(org, accept):
    response = _get(org, HTTP_ACCEPT=accept)

    assert response.status_code == 406, response.content
    assert response.json()["error"]["code"] == "not_acceptable"


def test_a_format_override_still_goes_through_drf(org):
    client = APIClient()
    auth = f"Bearer {org.admin_key.secret}"

    assert client.get("/v1/embed-keys?format=json", HTTP_AUTHORIZATION=auth).status_code == 200
    assert client.get("/v1/embed-keys?format=xml", HTTP_AUTHORIZATION=auth).status_code == 404
