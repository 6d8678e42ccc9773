"""POST /v1/events takes a lean path past DRF's request wrapper and renderer (api.ingest.views).
The oracle is DRF's own dispatch of the same view: for every kind of request, accepted or
refused, both give the same status, headers and body."""

import gzip
from collections.abc import Callable

import orjson
import pytest
from django.test import RequestFactory, override_settings
from rest_framework.views import APIView

from api.ingest.views import EventsView
from tests.ingest.conftest import an_event, stored_count

pytestmark = pytest.mark.django_db


class _DrfDispatch(EventsView):
    """The same view through DRF's dispatch only (what every POST took before the lean path)."""

    dispatch = APIView.dispatch


lean, drf = EventsView.as_view(), _DrfDispatch.as_view()
BATCH = orjson.dumps({"events": [an_event(), an_event(tenant_id="b")]})


def _answer(view: Callable, **request: object) -> tuple[int, dict[str, str], bytes]:
    body = request.pop("body", BATCH)
    headers = request.pop("headers", {})
    made = RequestFactory().generic(
        "POST",
        "/v1/events",
        body,
        content_type=request.pop("content_type", "application/json"),
        headers=headers,
        **request,
    )
    response = view(made)
    if hasattr(response, "render"):
        response.render()
    return response.status_code, dict(response.items()), response.content


def _both(**request: object) -> tuple[int, dict[str, str], bytes]:
    answered_lean = _answer(lean, **request)
    assert answered_lean == _answer(drf, **request)
    return answered_lean


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_an_accepted_batch_is_answered_alike_and_stored(org) -> None:
    status, headers, content = _both(headers=_bearer(org.ingest_key.secret))
    assert (status, orjson.loads(content)) == (202, {"accepted": 2})
    assert headers == {"Content-Type": "application/json", "Allow": "POST, OPTIONS"}
    assert stored_count(org.organization.pk) == 4  # each path stored its batch


@pytest.mark.parametrize(
    "case, request_, status, code",
    [
        ("no key", {}, 401, "unauthenticated"),
        ("not bearer", {"headers": {"Authorization": "Basic eDp5"}}, 401, "unauthenticated"),
        ("unknown key", {"headers": _bearer("sl_ingest_nope")}, 401, "unauthenticated"),
        ("bad json", {"body": b'{"events": ['}, 400, "malformed_json"),
        ("bad event", {"body": orjson.dumps({"events": [{"x": 1}]})}, 400, "invalid_input"),
        ("text/plain", {"content_type": "text/plain"}, 415, "unsupported_media_type"),
        ("brotli", {"headers": {"Content-Encoding": "br"}}, 415, "unsupported_media_type"),
        (
            "bad gzip",
            {"body": gzip.compress(BATCH)[:-12], "headers": {"Content-Encoding": "gzip"}},
            400,
            "malformed_gzip",
        ),
        ("declared too large", {"CONTENT_LENGTH": str(6 * 1024**2)}, 413, "payload_too_large"),
        ("html wanted", {"headers": {"Accept": "text/html"}}, 406, "not_acceptable"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_refusal_is_drfs_own(org, case, request_, status, code) -> None:
    headers = dict(request_.pop("headers", {}))
    if case not in ("no key", "not bearer", "unknown key"):
        headers = {**_bearer(org.ingest_key.secret), **headers}
    answered_status, answered_headers, content = _both(headers=headers, **request_)
    assert answered_status == status, content
    assert orjson.loads(content)["error"]["code"] == code
    if status == 401:
        assert answered_headers["WWW-Authenticate"] == 'Bearer realm="sightline"'
    assert stored_count(org.organization.pk) == 0


def test_a_read_key_is_forbidden_alike(org, read_key) -> None:
    status, _, content = _both(headers=_bearer(read_key.secret))
    assert status == 403 and orjson.loads(content)["error"]["code"] == "forbidden"


def test_another_orgs_key_stores_under_its_own_org_alike(org, other_org) -> None:
    status, _, _ = _both(headers=_bearer(other_org.ingest_key.secret))
    assert status == 202
    assert stored_count(other_org.organization.pk) == 4 and stored_count(org.organization.pk) == 0


def test_the_rate_limit_is_counted_and_refused_alike(org) -> None:
    with override_settings(INGEST_RATE_LIMIT="1/h"):
        assert _answer(lean, headers=_bearer(org.ingest_key.secret))[0] == 202
        refused = _both(headers=_bearer(org.ingest_key.secret))  # the budget is spent: 429
    status, headers, content = refused
    assert status == 429 and orjson.loads(content)["error"]["code"] == "rate_limited"
    assert int(headers["Retry-After"]) >= 1
    assert stored_count(org.organization.pk) == 2
