"""Small whole-organization facts about stored events (how many, the newest), for operations
such as `seed_demo` deciding whether to seed or top up. Never reachable from an embed."""

from dataclasses import dataclass
from datetime import UTC, datetime

from warehouse.backends import Backend
from warehouse.reads import CompiledQuery, run
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import DangerousOrgWideScope, scope_predicate


@dataclass(frozen=True)
class EventSummary:
    events: int
    latest: datetime | None  # UTC; None when there are no events


def event_summary(*, scope: DangerousOrgWideScope, backend: Backend | None = None) -> EventSummary:
    predicate, params = scope_predicate(scope)
    sql = (
        f"SELECT count() AS events, max(timestamp) AS latest"
        f" FROM {EVENTS_TABLE} FINAL WHERE {predicate}"
    )
    result = run(CompiledQuery(sql, dict(params), scope), backend=backend)
    events, latest = result.rows[0]
    if not events:
        return EventSummary(events=0, latest=None)
    return EventSummary(events=int(events), latest=_parse_utc(latest))


def _parse_utc(text: str) -> datetime:
    """'YYYY-MM-DD HH:MM:SS[.fff]' (both backends' text form of DateTime64(3, 'UTC'))."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
