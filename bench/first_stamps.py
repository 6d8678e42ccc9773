"""What remembering first stamps costs ingest (a benchmark, never a test).

    .venv/bin/python bench/first_stamps.py [--batches 50]

For 1,000-event batches whose events carry an insert_id but no timestamp (the only ones that
use ingest.first_stamps): the time `first_stamps_recall` adds per batch, first sends (every id
new) and re-sends (every id known), with the memory in real Redis and in the process; and the
Redis memory one remembered id takes. Keys expire after 60 s (the window is shortened here).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

import django  # noqa: E402

django.setup()

from django.test import override_settings  # noqa: E402

from core.ids import new_id  # noqa: E402
from ingest.first_stamps import _key, first_stamps_recall  # noqa: E402
from ingest.stream import redis_client  # noqa: E402
from warehouse.events import EventRow  # noqa: E402

BATCH = 1000


def _batch(org_id: str) -> list[EventRow]:
    now = datetime.now(UTC)
    return [EventRow(org_id, "t1", "api.call", now, "", f"ins-{i}", {}, {}) for i in range(BATCH)]


def _median_ms(batches: int, resend: bool) -> float:
    times = []
    for _ in range(batches):
        rows = _batch(new_id("org"))
        received_at = datetime.now(UTC).replace(microsecond=0)
        if resend:
            first_stamps_recall(rows=rows, received_at=received_at)
        started = time.perf_counter()
        first_stamps_recall(rows=rows, received_at=received_at)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=50)
    args = parser.parse_args()
    print(f"first_stamps_recall, {BATCH}-event batch, median of {args.batches}:")
    for label, url in (("redis", os.environ["REDIS_URL"]), ("in-process", "")):
        with override_settings(REDIS_URL=url, INGEST_DEDUP_WINDOW_SECONDS=60):
            new = _median_ms(args.batches, resend=False)
            known = _median_ms(args.batches, resend=True)
        print(f"  {label:10}  first send {new:6.2f} ms   re-send {known:6.2f} ms")
    with override_settings(INGEST_DEDUP_WINDOW_SECONDS=60):
        rows = _batch(new_id("org"))
        first_stamps_recall(rows=rows, received_at=datetime.now(UTC))
    usage = redis_client().memory_usage(_key(rows[0]))
    print(f"  Redis memory per remembered id: {usage} bytes (MEMORY USAGE of one key)")


if __name__ == "__main__":
    main()
