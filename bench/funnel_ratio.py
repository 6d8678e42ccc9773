"""A 4-step funnel and a ratio KPI for one tenant: p50/p95 through `dashboard_data` (nothing
cached) next to the same compiled SQL run straight on the backend (a benchmark: it prints).

    .venv/bin/python bench/funnel_ratio.py [--events 10000000] [--runs 40] [--period 30d]

Data: bench/query.py's generator (200 tenants, 90 days, 400 users a tenant) with the event
names of a product funnel (visit, signup, activate, pay, api.call) and a 2 % error status, in
its own chDB directory under bench/out/funnel-<events>/ (built once, then reused).
Targets (issue 14): each p95 < 50 ms, overhead (dashboard_data / raw SQL) <= 1.3x.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import query as base  # noqa: E402 - the data generator, timers and the Django setup

STEPS = ["visit", "signup", "activate", "pay"]
NAMES = "['visit', 'visit', 'visit', 'signup', 'signup', 'activate', 'pay', 'api.call', 'api.call']"
SPEC = {
    "name": "Funnel and ratio",
    "widgets": [
        {"id": "w_funnel", "kind": "funnel", "steps": STEPS, "window_minutes": 7 * 24 * 60},
        {
            "id": "w_error_rate",
            "kind": "kpi",
            "event_name": "api.call",
            "metric": "ratio",
            "ratio": {
                "numerator": {"metric": "count", "filters": {"status": "error"}},
                "denominator": {"metric": "count"},
            },
            "format": {"unit": "percent"},
        },
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=base.EVENTS)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--period", default="30d", choices=["24h", "7d", "30d", "90d"])
    args = parser.parse_args()
    out = base.OUT / f"funnel-{args.events}"
    base.setup_django(out)
    base.GENERATE = base.GENERATE.replace(
        "['api.call', 'api.call', 'api.call', 'api.call', 'page.view', 'signup'][1 + h1 % 6]",
        f"{NAMES}[1 + h1 % 9]",
    )
    assert NAMES in base.GENERATE, "bench/query.py's generator changed: update the event names"
    base.ensure_data(args.events)

    from core.ids import new_id
    from dashboards.data import dashboard_data, parse_data_request
    from dashboards.spec import parse_spec
    from warehouse.backends import get_backend
    from warehouse.compiler import compile_widget
    from warehouse.scope import Scope

    spec = parse_spec(SPEC)
    scope = Scope(base.ORG, base.TENANT)
    request = parse_data_request({"period": args.period}, default_period="30d")
    backend = get_backend()
    events = backend.query(
        "SELECT count() FROM events WHERE org_id = {o:String} AND tenant_id = {t:String}"
        " AND timestamp >= {s:DateTime64(3, 'UTC')} AND timestamp < {e:DateTime64(3, 'UTC')}",
        {"o": base.ORG, "t": base.TENANT, "s": request.start, "e": request.end},
    ).scalar()
    print(f"one tenant ({base.TENANT}), period {args.period}: {int(events):,} of its events")
    for widget in spec.widgets:
        one = parse_spec({"name": "one", "widgets": [SPEC["widgets"][spec.widgets.index(widget)]]})
        query = compile_widget(
            widget.query, scope=scope, start=request.start, end=request.end, tz=request.tz
        )

        def raw(query=query) -> None:
            backend.query(query.sql, query.params)

        def ours(one=one) -> list:
            return dashboard_data(spec=one, scope=scope, request=request, version_key=new_id("v"))[
                "widgets"
            ]

        for _ in range(3):  # warm-up: first-query costs out of the figures
            raw()
            ours()
        raw_samples, our_samples = [], []
        for _ in range(args.runs):  # interleaved: both see the same machine load
            raw_samples += base.timed(raw, 1)
            our_samples += base.timed(ours, 1)
        data = ours()[0]["data"]
        print(f"\n{widget.id} ({widget.kind}): {data}")
        print(base.line("  dashboard_data (uncached)", our_samples))
        print(base.line("  raw SQL on the backend", raw_samples))
        p95 = base.p(our_samples, 0.95)
        ratio50 = base.p(our_samples, 0.5) / base.p(raw_samples, 0.5)
        ratio95 = p95 / base.p(raw_samples, 0.95)
        print(
            f"  overhead p50 {ratio50:.2f}x, p95 {ratio95:.2f}x · target p95 < 50 ms: "
            f"{'met' if p95 < 50 else 'NOT met'}, overhead <= 1.3x: "
            f"{'met' if ratio95 <= 1.3 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
