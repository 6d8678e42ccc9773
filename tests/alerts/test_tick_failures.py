"""How the tick fails: a warehouse that does not answer is recorded on the rule's history (and
logged with its traceback) and retried next tick; a bug is not disguised as a history entry;
a batch the database refuses is counted once, as failed, and nothing of it as evaluated."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from alerts.models import AlertEvaluation, AlertState
from tests.factories import event, insert
from warehouse.backends import Backend, ServerBackend, get_backend, set_backend

pytestmark = pytest.mark.django_db

UNREACHABLE = "clickhouse://default:@127.0.0.1:8392/default"  # nothing listens on 8392


def calls(org, tenant_id: str, count: int) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    insert(
        event(org_id=org.organization.pk, tenant_id=tenant_id, timestamp=at) for _ in range(count)
    )


@pytest.fixture
def backend_swap() -> Iterator:
    swapped: list[Backend] = []

    def swap(backend: Backend) -> None:
        swapped.append(set_backend(backend))

    yield swap
    if swapped:
        set_backend(swapped[0]).close()


def test_a_warehouse_failure_is_history_logged_with_its_traceback_and_counted_once(
    org, make_rule, clock, caplog, backend_swap
) -> None:
    rule = make_rule("gt", 2)
    backend_swap(ServerBackend(UNREACHABLE))

    with caplog.at_level(logging.WARNING, logger="alerts.evaluation"):
        summary = clock.tick()

    assert (summary.rules_failed, summary.rules_evaluated) == (1, 0)
    evaluation = AlertEvaluation.objects.get(rule=rule)
    assert evaluation.error.startswith("The metric query failed") and "8392" in evaluation.error
    tracebacks = [r for r in caplog.records if r.name == "alerts.evaluation" and r.exc_info]
    assert tracebacks and "8392" in str(tracebacks[0].exc_info[1])


class BuggyBackend(Backend):
    """The real backend for everything but reads, which hit a programming error."""

    name = "buggy"

    def __init__(self, real: Backend) -> None:
        self.real = real

    def query(self, sql, params=None):
        raise TypeError("a bug in the read path")

    def command(self, sql, params=None) -> None:
        self.real.command(sql, params)

    def insert(self, table, columns, rows) -> int:
        return self.real.insert(table, columns, rows)


def test_a_bug_is_raised_not_written_into_the_history(org, make_rule, clock, backend_swap) -> None:
    rule = make_rule("gt", 2)
    backend_swap(BuggyBackend(get_backend()))

    with pytest.raises(TypeError, match="a bug in the read path"):
        clock.tick()

    assert not AlertEvaluation.objects.filter(rule=rule).exists()


def test_a_batch_the_database_refuses_counts_once_as_failed(org, make_rule, clock) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce column lengths")
    # A tenant id longer than any stored state can hold (written straight to the warehouse,
    # past ingest's checks): the rule fires for it, and storing that state fails the batch.
    calls(org, "t" * 300, 3)
    rule = make_rule("gt", 2)

    summary = clock.tick()

    assert (summary.rules_failed, summary.rules_evaluated, summary.transitions) == (1, 0, 0)
    assert summary.deliveries == 0
    assert not AlertState.objects.filter(rule=rule).exists()
    assert not AlertEvaluation.objects.filter(rule=rule).exists()
