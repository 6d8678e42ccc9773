"""POST /v1/events on the embedded default (INGEST_BUFFER="direct"): every batch is inserted
into chDB before the answer, so each test reads the warehouse back by its organization's id."""

import gzip
import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.test import override_settings

from accounts.models import ApiKey
from accounts.services import api_key_revoke
from ingest.validation import MAX_EVENTS_PER_BATCH
from tests.ingest.cases import BAD_EVENTS
from tests.ingest.conftest import an_event, post_events, stored_count, stored_rows

pytestmark = pytest.mark.django_db


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# --- Happy path ----------------------------------------------------------------------------


def test_batch_lands_with_maps_millisecond_timestamps_and_the_keys_org(ingest_client, org) -> None:
    events = [
        an_event(
            tenant_id="acme-eu",
            event_name="api.call",
            timestamp="2026-01-10T10:30:05.123Z",
            user_id="u-1",
            insert_id="ins-1",
            string_props={"model": "it's é 漢字", "status": "success"},
            numeric_props={"tokens": 1200, "cost_usd": 0.25},
        ),
        an_event(
            tenant_id="acme-us",
            event_name="user:login",
            timestamp="2026-01-10T12:00:00.987654+02:00",  # 10:00:00.987 UTC, truncated to ms
            user_id=None,
            insert_id="ins-2",
            string_props=None,
            numeric_props=None,
        ),
    ]
    org.organization.retention_days = 3650  # the fixed 2026-01-10 stays inside retention
    org.organization.save()
    response = post_events(ingest_client, events)

    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 2}
    assert stored_rows(org.organization.pk) == [
        {
            "org_id": org.organization.pk,
            "tenant_id": "acme-us",
            "event_name": "user:login",
            "timestamp": "2026-01-10 10:00:00.987",
            "user_id": "",
            "insert_id": "ins-2",
            "string_props": {},
            "numeric_props": {},
        },
        {
            "org_id": org.organization.pk,
            "tenant_id": "acme-eu",
            "event_name": "api.call",
            "timestamp": "2026-01-10 10:30:05.123",
            "user_id": "u-1",
            "insert_id": "ins-1",
            "string_props": {"model": "it's é 漢字", "status": "success"},
            "numeric_props": {"tokens": 1200.0, "cost_usd": 0.25},
        },
    ]


def test_events_land_only_under_the_keys_organization(ingest_client, org, other_org) -> None:
    assert post_events(ingest_client, [an_event(), an_event()]).status_code == 202
    assert stored_count(org.organization.pk) == 2
    assert stored_count(other_org.organization.pk) == 0


def test_a_client_cannot_choose_the_org_id(ingest_client, org, other_org) -> None:
    response = post_events(ingest_client, [an_event(org_id=other_org.organization.pk)])
    error = _error(response, 400, "invalid_input")
    assert error["details"] == [
        {"index": 0, "field": "org_id", "message": "is not a known event field"}
    ]
    assert stored_count(org.organization.pk) == 0
    assert stored_count(other_org.organization.pk) == 0


def test_an_admin_key_may_send_events(api, org) -> None:
    assert post_events(api, [an_event()]).status_code == 202
    assert stored_count(org.organization.pk) == 1


def test_missing_timestamp_is_the_receive_time(ingest_client, org) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert post_events(ingest_client, [an_event(timestamp=None)]).status_code == 202
    after = datetime.now(UTC) + timedelta(seconds=1)
    stored = datetime.fromisoformat(stored_rows(org.organization.pk)[0]["timestamp"]).replace(
        tzinfo=UTC
    )
    assert before <= stored <= after


def test_timestamp_without_offset_is_utc(ingest_client, org) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    naive = moment.replace(tzinfo=None).isoformat()
    assert post_events(ingest_client, [an_event(timestamp=naive)]).status_code == 202
    assert stored_rows(org.organization.pk)[0]["timestamp"] == moment.strftime(
        "%Y-%m-%d %H:%M:%S.000"
    )


def test_gzip_body_is_accepted(ingest_client, org) -> None:
    body = gzip.compress(orjson.dumps({"events": [an_event(), an_event(tenant_id="b")]}))
    response = post_events(ingest_client, body=body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 2}
    assert stored_count(org.organization.pk) == 2


def test_a_full_batch_of_1000_is_accepted(ingest_client, org) -> None:
    events = [an_event(user_id=f"u{i}") for i in range(MAX_EVENTS_PER_BATCH)]
    assert post_events(ingest_client, events).json() == {"accepted": MAX_EVENTS_PER_BATCH}
    assert stored_count(org.organization.pk) == MAX_EVENTS_PER_BATCH


def test_the_same_batch_twice_with_insert_ids_is_counted_once(ingest_client, org) -> None:
    events = [an_event(insert_id=f"ins-{i}", user_id=f"u{i}") for i in range(5)]
    assert post_events(ingest_client, events).status_code == 202
    assert post_events(ingest_client, events).status_code == 202  # a client retry
    assert stored_count(org.organization.pk) == 5


def test_a_batch_resent_with_insert_ids_but_no_timestamps_is_counted_once(
    ingest_client, org, client_for, other_org
) -> None:
    events = [an_event(insert_id=f"ins-{i}", user_id=f"u{i}", timestamp=None) for i in range(5)]
    for _ in range(3):  # the first send and two client retries, each stamped on arrival
        assert post_events(ingest_client, events).status_code == 202
        time.sleep(0.01)
    rows = stored_rows(org.organization.pk)
    assert len(rows) == 5
    (first_stamp,) = {row["timestamp"] for row in rows}

    newcomer = an_event(insert_id="ins-new", timestamp=None)
    assert post_events(ingest_client, [events[0], newcomer]).status_code == 202
    stamps = {row["insert_id"]: row["timestamp"] for row in stored_rows(org.organization.pk)}
    assert len(stamps) == 6
    assert stamps["ins-0"] == first_stamp and stamps["ins-new"] > first_stamp

    other = client_for(other_org.ingest_key.secret)  # the same ids elsewhere are other events
    assert post_events(other, events).status_code == 202
    (other_stamp,) = {row["timestamp"] for row in stored_rows(other_org.organization.pk)}
    assert other_stamp > first_stamp
    assert stored_count(org.organization.pk) == 6


def test_identical_events_without_insert_id_are_all_kept(ingest_client, org) -> None:
    twin = an_event()  # same tenant, name and timestamp: only the random insert_id differs
    assert post_events(ingest_client, [twin, twin, twin]).status_code == 202
    assert stored_count(org.organization.pk) == 3
    assert len({row["insert_id"] for row in stored_rows(org.organization.pk)}) == 3


def test_sending_events_records_the_keys_last_use(ingest_client, org) -> None:
    assert post_events(ingest_client, [an_event()]).status_code == 202
    assert ApiKey.objects.get(pk=org.ingest_key.key.pk).last_used_at is not None


# --- Credentials ---------------------------------------------------------------------------


def test_no_key_is_401(client, org) -> None:
    response = post_events(client, [an_event()])
    _error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert stored_count(org.organization.pk) == 0


def test_unknown_key_is_401(client_for, org) -> None:
    response = post_events(client_for("sl_ingest_not-a-real-key"), [an_event()])
    _error(response, 401, "unauthenticated")
    assert stored_count(org.organization.pk) == 0


def test_revoked_key_is_401(ingest_client, org) -> None:
    api_key_revoke(key=org.ingest_key.key)
    _error(post_events(ingest_client, [an_event()]), 401, "unauthenticated")
    assert stored_count(org.organization.pk) == 0


def test_read_scope_key_is_403(client_for, read_key, org) -> None:
    _error(post_events(client_for(read_key.secret), [an_event()]), 403, "forbidden")
    assert stored_count(org.organization.pk) == 0


def test_only_post_is_allowed(ingest_client) -> None:
    _error(ingest_client.get("/v1/events"), 405, "method_not_allowed")


# --- The body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"events": [',
        b"not json",
        b'{"events": [{"tenant_id": "a", "event_name": "x", "numeric_props": {"n": NaN}}]}',
    ],
    ids=["truncated", "not-json", "nan-literal"],
)
def test_malformed_json_is_400(ingest_client, org, raw: bytes) -> None:
    _error(post_events(ingest_client, body=raw), 400, "malformed_json")
    assert stored_count(org.organization.pk) == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_wrong_content_type_is_415(ingest_client, org, content_type: str) -> None:
    response = post_events(ingest_client, [an_event()], content_type=content_type)
    _error(response, 415, "unsupported_media_type")
    assert stored_count(org.organization.pk) == 0


def test_json_with_charset_is_accepted(ingest_client, org) -> None:
    response = post_events(
        ingest_client, [an_event()], content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 202


def test_unsupported_content_encoding_is_415(ingest_client, org) -> None:
    response = post_events(ingest_client, [an_event()], HTTP_CONTENT_ENCODING="br")
    _error(response, 415, "unsupported_media_type")
    assert stored_count(org.organization.pk) == 0


def test_corrupt_gzip_is_400(ingest_client, org) -> None:
    body = gzip.compress(orjson.dumps({"events": [an_event()]}))[:-12]  # trailer cut off
    _error(
        post_events(ingest_client, body=body, HTTP_CONTENT_ENCODING="gzip"), 400, "malformed_gzip"
    )
    _error(
        post_events(ingest_client, body=b"plain", HTTP_CONTENT_ENCODING="gzip"),
        400,
        "malformed_gzip",
    )
    assert stored_count(org.organization.pk) == 0


@override_settings(INGEST_MAX_BODY_BYTES=2_000)
def test_body_over_the_limit_is_413(ingest_client, org) -> None:
    events = [an_event(user_id=f"user-{i}") for i in range(30)]
    _error(post_events(ingest_client, events), 413, "payload_too_large")
    assert stored_count(org.organization.pk) == 0


@override_settings(INGEST_MAX_BODY_BYTES=2_000)
def test_gzip_that_inflates_over_the_limit_is_413(ingest_client, org) -> None:
    bomb = gzip.compress(orjson.dumps({"events": [an_event(user_id="x" * 200) for _ in range(50)]}))
    assert len(bomb) < 2_000  # small on the wire, far larger once decompressed
    _error(
        post_events(ingest_client, body=bomb, HTTP_CONTENT_ENCODING="gzip"),
        413,
        "payload_too_large",
    )
    assert stored_count(org.organization.pk) == 0


@override_settings(INGEST_MAX_BODY_BYTES=2_000)
def test_a_body_just_under_the_limit_is_accepted(ingest_client, org) -> None:
    body = orjson.dumps({"events": [an_event()]})
    assert len(body) < 2_000
    assert post_events(ingest_client, body=body).status_code == 202


def test_more_than_1000_events_is_400(ingest_client, org) -> None:
    error = _error(
        post_events(ingest_client, [an_event()] * (MAX_EVENTS_PER_BATCH + 1)), 400, "invalid_input"
    )
    assert error["details"][0]["field"] == "events"
    assert "1000" in error["details"][0]["message"]
    assert stored_count(org.organization.pk) == 0


def test_an_empty_list_is_400(ingest_client, org) -> None:
    error = _error(post_events(ingest_client, []), 400, "invalid_input")
    assert error["details"] == [{"field": "events", "message": "must hold at least one event"}]
    assert stored_count(org.organization.pk) == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ([an_event()], "events"),
        ({}, "events"),
        ({"events": "many"}, "events"),
        ({"events": [], "org_id": "x"}, "org_id"),
    ],
    ids=["a-list", "no-events", "events-not-a-list", "unknown-key"],
)
def test_body_shape_errors_are_400(ingest_client, org, body, field: str) -> None:
    error = _error(post_events(ingest_client, body=body), 400, "invalid_input")
    assert error["details"][0]["field"] == field
    assert stored_count(org.organization.pk) == 0


# --- Each event ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field", [case[1:] for case in BAD_EVENTS], ids=[case[0] for case in BAD_EVENTS]
)
def test_one_bad_event_rejects_the_whole_batch(
    ingest_client, org, overrides: dict, field: str
) -> None:
    events = [an_event(), an_event(**overrides), an_event()]
    error = _error(post_events(ingest_client, events), 400, "invalid_input")
    assert [(d["index"], d["field"]) for d in error["details"]] == [(1, field)]
    assert error["details"][0]["message"]
    assert stored_count(org.organization.pk) == 0


def test_every_bad_event_and_field_is_listed(ingest_client, org) -> None:
    events = [
        an_event(tenant_id=""),
        an_event(),
        an_event(event_name="bad name", numeric_props={"tokens": "many"}),
        "not an object",
        an_event(string_props={"a": 1, "b": 2}),
    ]
    error = _error(post_events(ingest_client, events), 400, "invalid_input")
    assert [(d["index"], d["field"]) for d in error["details"]] == [
        (0, "tenant_id"),
        (2, "event_name"),
        (2, "numeric_props.tokens"),
        (3, None),
        (4, "string_props.a"),
        (4, "string_props.b"),
    ]
    assert error["message"].startswith("4 of 5 events are invalid")
    assert stored_count(org.organization.pk) == 0


def test_a_timestamp_a_few_minutes_ahead_is_tolerated(ingest_client, org) -> None:
    skewed = _iso(datetime.now(UTC) + timedelta(minutes=4))
    assert post_events(ingest_client, [an_event(timestamp=skewed)]).status_code == 202


def test_retention_is_the_organizations(ingest_client, org) -> None:
    org.organization.retention_days = 30
    org.organization.save()
    old = _iso(datetime.now(UTC) - timedelta(days=31))
    error = _error(post_events(ingest_client, [an_event(timestamp=old)]), 400, "invalid_input")
    assert error["details"][0]["field"] == "timestamp"
    assert stored_count(org.organization.pk) == 0


# --- Rate limit and warehouse failure ------------------------------------------------------


@override_settings(INGEST_RATE_LIMIT="2/m")
def test_rate_limit_per_key_answers_429_with_retry_after(ingest_client, api, org) -> None:
    assert post_events(ingest_client, [an_event()]).status_code == 202
    assert post_events(ingest_client, [an_event()]).status_code == 202
    response = post_events(ingest_client, [an_event()])
    _error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60  # the rest of the key's minute
    assert stored_count(org.organization.pk) == 2
    assert post_events(api, [an_event()]).status_code == 202  # another key: its own budget


def test_warehouse_failure_answers_503_and_stores_nothing(
    ingest_client, org, flaky_warehouse
) -> None:
    flaky = flaky_warehouse(failures=1)
    response = post_events(ingest_client, [an_event()])
    _error(response, 503, "ingest_unavailable")
    assert response["Retry-After"] == "1"
    assert flaky.insert_calls == 1
    assert stored_count(org.organization.pk) == 0
    assert post_events(ingest_client, [an_event()]).status_code == 202  # the client's retry
    assert stored_count(org.organization.pk) == 1
