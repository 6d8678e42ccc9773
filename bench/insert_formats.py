"""Which input format the warehouse inserts fastest, printed (a benchmark, never a test).

    .venv/bin/python bench/insert_formats.py [--events 50000] [--rounds 5]

The same realistic events (bench/query.py's generator: maps of strings and numbers) inserted
into a throwaway chDB `events` table in each input format, the payload made by ClickHouse
itself (so only the warehouse's parsing and part writing is timed), in inserts of the ingest
worker's size. And what building each payload costs in Python from the API's rows
(JSONCompactColumns with orjson, as ingest does today; Arrow with pyarrow): the other half of
the trade, since the API process pays it.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("JSONCompactColumns", "JSONEachRow", "RowBinary", "Native", "Arrow")
COLUMNS = (
    "org_id, tenant_id, event_name, timestamp, user_id, insert_id, string_props, numeric_props"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sightline-formats-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(work)
    os.environ["CHDB_PATH"] = str(work / "chdb")
    import django

    django.setup()
    import orjson
    import pyarrow as pa
    from query import GENERATE

    from warehouse.backends import encode_compact_columns, get_backend
    from warehouse.schema import migrate

    backend = get_backend()
    migrate(backend)
    backend.command(GENERATE, {"tenants": 200, "days": 90, "offset": 0, "count": args.events})
    session = backend._session  # bench only: the raw formats
    payloads = {fmt: session.query(f"SELECT {COLUMNS} FROM events", fmt).bytes() for fmt in FORMATS}
    rows = backend.query(f"SELECT {COLUMNS} FROM events").rows
    per_thousand = 1000 / args.events
    print(
        f"{args.events:,} events per insert, best of {args.rounds}; load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'format':<20} {'payload':>10} {'insert ms / 1,000 events':>26}")
    for fmt in FORMATS:
        samples = []
        for _ in range(args.rounds):
            backend.command("TRUNCATE TABLE events")
            started = time.perf_counter()
            with session.send_insert(
                f"INSERT INTO events ({COLUMNS}) SETTINGS optimize_on_insert = 0", fmt
            ) as inserter:
                inserter.append(payloads[fmt])
                inserter.finish()
            samples.append((time.perf_counter() - started) * 1000 * per_thousand)
        print(f"{fmt:<20} {len(payloads[fmt]) / 1e6:8.1f} MB {min(samples):14.2f} "
              f"(median {statistics.median(samples):.2f})")  # fmt: skip
    columns = [c.strip() for c in COLUMNS.split(",")]
    encode = {
        "JSONCompactColumns (orjson)": lambda: encode_compact_columns(columns, rows),
        "Arrow (pyarrow)": lambda: _arrow(pa, columns, rows),
    }
    print(f"{'building the payload in Python':<32} {'ms / 1,000 events':>18}")
    for label, build in encode.items():
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            build()
            samples.append((time.perf_counter() - started) * 1000 * per_thousand)
        print(f"{label:<32} {min(samples):12.2f}")
    del orjson


def _arrow(pa, columns, rows):  # noqa: ANN001, ANN202 - bench helper
    data = list(zip(*rows, strict=True))
    arrays = []
    for name, values in zip(columns, data, strict=True):
        if name.endswith("_props"):
            arrays.append(
                pa.array(
                    [list(v.items()) for v in values],
                    type=pa.map_(
                        pa.string(), pa.float64() if name == "numeric_props" else pa.string()
                    ),
                )
            )
        else:
            arrays.append(pa.array(values, type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=columns)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


if __name__ == "__main__":
    main()
