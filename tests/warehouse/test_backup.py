"""warehouse.backup on the REAL backend of the run (chDB, or the server in `make test-server`):
the export holds every event once, with its values intact, across page boundaries (keyset
pagination); importing it again changes nothing anyone reads (FINAL)."""

import gzip
from datetime import UTC, datetime, timedelta

import orjson

from core.ids import new_id
from tests.factories import event, insert
from warehouse.backends import get_backend
from warehouse.backup import events_export, events_import


def org_rows(org_id: str) -> list[tuple]:
    return (
        get_backend()
        .query(
            "SELECT tenant_id, event_name, toString(timestamp), user_id, insert_id, string_props,"
            " numeric_props FROM events FINAL WHERE org_id = {o:String} ORDER BY insert_id",
            {"o": org_id},
        )
        .rows
    )


def _page_rows_for_about(pages: int) -> int:
    """Small pages, but a bounded number of them: the export reads the whole table of the run
    (every earlier test's events too), and tiny pages over a large table are one FINAL sort
    each (3-row pages took over ten minutes in a full run)."""
    (count,) = get_backend().query("SELECT count() FROM events FINAL").rows[0]
    return max(3, int(count) // pages + 1)


def test_export_then_import_round_trips_every_event_once(tmp_path) -> None:
    org = new_id("org")
    base = datetime(2026, 11, 20, 10, tzinfo=UTC)
    rows = [
        event(org_id=org, tenant_id=f"t{i % 3}", timestamp=base + timedelta(milliseconds=i),
              user_id=f"u'{i}\\", string_props={"model": "gpt-ü \"q\"", "": ""},
              numeric_props={"tokens": i + 0.5})
        for i in range(7)
    ]  # fmt: skip
    insert(rows)
    insert(rows[:2])  # re-inserted: still one each for every read
    before = org_rows(org)
    assert len(before) == 7

    path = tmp_path / "events.jsonl.gz"
    total = events_export(path=path, page_rows=_page_rows_for_about(20))
    exported = [orjson.loads(line) for line in gzip.open(path)]
    assert total == len(exported)
    mine = [line for line in exported if line[0] == org]
    assert sorted(line[5] for line in mine) == sorted(r.insert_id for r in rows)
    assert len({tuple(map(str, line)) for line in exported}) == len(exported)  # none twice

    assert events_import(path=path) == total
    assert org_rows(org) == before
