"""`manage.py seed_demo`: the demo organization, fresh keys, ~1M events, a published dashboard
and an alert on it.

Idempotent: a second run reuses the organization, dashboard, alert and events (only topping up
the time since the last run) and prints the same login. The keys are new on every run: only
their hashes are stored, so an earlier run's secrets cannot be shown again; the previous demo
keys are revoked.
"""

import random
import shlex
import time

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.demo import (
    DEFAULT_DAYS,
    DEFAULT_EVENTS,
    DemoAccess,
    DemoDashboard,
    demo_access_ensure,
    demo_alert_ensure,
    demo_dashboard_ensure,
    demo_events_seed,
)


class Command(BaseCommand):
    help = "Create (or reuse) the demo organization with realistic events and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--events", type=int, default=DEFAULT_EVENTS, help="events in the window"
        )
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="length of the window")
        parser.add_argument(
            "--seed", type=int, default=None, help="random seed (reproducible data)"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="seed even when SIGHTLINE_ENV=production",
        )

    def handle(
        self,
        *args: object,
        events: int,
        days: int,
        seed: int | None,
        allow_production: bool,
        **options: object,
    ) -> None:
        if settings.PRODUCTION and not allow_production:
            raise CommandError("Refusing to seed demo data in production (--allow-production).")
        if events < 0 or not 1 <= days <= settings.WAREHOUSE_RETENTION_DAYS:
            raise CommandError("--events must be >= 0 and --days within the retention period.")
        access = demo_access_ensure(password_file=settings.VAR_DIR / "demo_password")
        self._seed_events(access, events, days, seed)
        dashboard = demo_dashboard_ensure(organization=access.organization, owner=access.owner)
        alert = demo_alert_ensure(
            organization=access.organization, dashboard_id=dashboard.dashboard_id
        )
        self._print_access(access, dashboard, alert)

    def _seed_events(self, access: DemoAccess, events: int, days: int, seed: int | None) -> None:
        started = time.monotonic()

        def progress(inserted: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {inserted:>10,} events inserted ({elapsed:.1f} s)")
            self.stdout.flush()  # progress, also when piped (make run | tee)

        self.stdout.write(f"Demo events: {events:,} over {days} days for the demo organization...")
        result = demo_events_seed(
            organization=access.organization,
            total=events,
            days=days,
            rng=random.Random(seed),
            on_chunk=progress,
        )
        self.stdout.write(
            f"Demo events {result.mode}: {result.inserted:,} inserted, {result.stored:,} stored "
            f"({time.monotonic() - started:.1f} s)."
        )

    def _print_access(
        self, access: DemoAccess, dashboard: DemoDashboard, alert: str | None
    ) -> None:
        base = settings.PUBLIC_URL
        body = orjson.dumps(
            {
                "events": [
                    {
                        "tenant_id": "acme-corp",
                        "event_name": "api.call",
                        "user_id": "acme-corp-u0001",
                        "string_props": {
                            "model": "gpt-4o",
                            "endpoint": "/v1/chat",
                            "status": "success",
                        },
                        "numeric_props": {"tokens": 512, "latency_ms": 840, "cost_usd": 0.0038},
                    }
                ]
            }
        ).decode()
        state = "created and published" if dashboard.created else "kept as it was"
        lines = [
            "",
            f"Sightline demo ({'created' if access.created else 'reused'}):"
            f" {access.organization.name} ({access.organization.pk})",
            f"  Open        {base}/app/",
            f"  Log in      {access.owner.email}  /  {access.password}",
            f"  Admin key   {access.admin_key.secret}",
            f"  Ingest key  {access.ingest_key.secret}",
            f"  Dashboard   {dashboard.name} ({dashboard.dashboard_id}), {state}",
            f"  Alert       {alert or 'none'}: more than 25 errors in an hour at a tenant,"
            f" e-mailed to {access.owner.email}",
            "  (Keys are new on every run and the previous demo keys are revoked: only their",
            "   hashes are stored, so an earlier run's secrets cannot be shown again.)",
            "",
            "  Send an event:",
            f"  curl -X POST {base}/v1/events \\",
            f"    -H 'Authorization: Bearer {access.ingest_key.secret}' \\",
            "    -H 'Content-Type: application/json' \\",
            f"    -d {shlex.quote(body)}",
            "",
        ]
        self.stdout.write("\n".join(lines))
