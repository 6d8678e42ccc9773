"""ingest.first_stamps: the first arrival stamp of an event with an insert_id and no timestamp,
remembered in real Redis (shared by every web process) or in the process without REDIS_URL."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from core.ids import new_id
from ingest.first_stamps import first_stamps_recall
from tests.ingest.conftest import an_event, post_events, stored_count
from tools.clickhouse_server import free_ports
from warehouse.events import EventRow

T0 = datetime(2026, 4, 14, 10, 30, 5, 123000, tzinfo=UTC)


def _rows(org_id: str, *insert_ids: str, event_name: str = "api.call") -> list[EventRow]:
    return [EventRow(org_id, "t1", event_name, T0, "", i, {}, {}) for i in insert_ids]


@pytest.fixture(params=["redis", "in-process"])
def store(request, redis_url):
    if request.param == "redis":
        yield request.param
    else:
        with override_settings(REDIS_URL=""):
            yield request.param


def test_a_resend_gets_the_first_stamp_and_a_new_event_its_own(store) -> None:
    org_id = new_id("org")
    assert first_stamps_recall(rows=_rows(org_id, "a", "b"), received_at=T0) == [T0, T0]
    later = T0 + timedelta(seconds=7, milliseconds=5)
    assert first_stamps_recall(rows=_rows(org_id, "b", "c"), received_at=later) == [T0, later]


def test_the_stamp_is_per_organization_tenant_and_event_name(store) -> None:
    org_id, later = new_id("org"), T0 + timedelta(seconds=1)
    first_stamps_recall(rows=_rows(org_id, "a"), received_at=T0)
    assert first_stamps_recall(rows=_rows(new_id("org"), "a"), received_at=later) == [later]
    renamed = _rows(org_id, "a", event_name="other.event")
    assert first_stamps_recall(rows=renamed, received_at=later) == [later]
    moved = [_rows(org_id, "a")[0]._replace(tenant_id="t2")]
    assert first_stamps_recall(rows=moved, received_at=later) == [later]


@override_settings(INGEST_DEDUP_WINDOW_SECONDS=1)
def test_after_the_window_a_resend_is_stamped_anew(store) -> None:
    org_id = new_id("org")
    first_stamps_recall(rows=_rows(org_id, "a"), received_at=T0)
    time.sleep(1.2)
    later = T0 + timedelta(seconds=2)
    assert first_stamps_recall(rows=_rows(org_id, "a"), received_at=later) == [later]


def test_concurrent_resends_all_get_one_stamp(store) -> None:
    org_id = new_id("org")
    results: list[list[datetime]] = []
    start = threading.Barrier(8)

    def resend(n: int) -> None:
        start.wait()
        moment = T0 + timedelta(milliseconds=n)
        results.append(first_stamps_recall(rows=_rows(org_id, "a", "b"), received_at=moment))

    threads = [threading.Thread(target=resend, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len({stamp for stamps in results for stamp in stamps}) == 1


@pytest.mark.django_db
def test_without_redis_such_a_batch_is_a_503_and_nothing_is_stored(client_for, org) -> None:
    ingest = client_for(org.ingest_key.secret)
    (closed,) = free_ports(1)
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed}/0"):  # nothing listens there
        response = post_events(ingest, [an_event(insert_id="i-1", timestamp=None)])
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "ingest_unavailable"
        assert response["Retry-After"] == "1"
        # events with a timestamp, or without an insert_id, never need the memory
        assert post_events(ingest, [an_event(insert_id="i-2"), an_event()]).status_code == 202
    assert stored_count(org.organization.pk) == 2
