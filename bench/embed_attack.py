"""The embed data attack of issue 12, replayed, and the registration timing (printed figures,
never a test).

    .venv/bin/python bench/embed_attack.py [--events 1000000] [--seconds 8] [--attackers 16]

Data: bench/query.py's data set for `org_bench` (built under bench/out/ on first use, here
`--events` of it) and a victim organization with its own published dashboard and events.
Everything runs in this process through Django's WSGI handler, as `manage.py serve` runs it
(threads, one chDB session), with SQLite under bench/out/attack-var.

One token of org_bench runs `--attackers` parallel loops against /embed/<id>/data with a custom
`to` varied by milliseconds, while one viewer of the victim organization loads its dashboard
over and over (each load another of 40 tenants and a custom window of whole minutes no load
used before: a real query every time). Three phases of `--seconds`:
  A. the victim alone;
  B. the attack as before the fix: no rate limits, no concurrency budget, and nothing cached
     (WIDGET_CACHE_TTL=0, what milliseconds in `to` achieved before bounds were rounded);
  C. the attack with the defaults: per-session and per-tenant rates, the organization's budget
     of concurrent queries, custom bounds rounded to whole minutes (the cache hits again).
Printed: the victim's p50 / p95 latency in each phase, and what the attacker got (200 vs 429).

Then registration: the time `POST /app/register` takes for an address that has an account and
for a new one (the production password hasher), p50 of each, so a difference would show.
"""

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import query as query_bench  # noqa: E402 - bench/query.py: its data set and dashboard

VICTIM_ORG = "org_bench_victim"
VICTIM_TENANTS = 40


def setup(events: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(OUT / "attack-var")
    os.environ["CHDB_PATH"] = str(OUT / "chdb")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    query_bench.ensure_data(events)


def victim_events(count: int = 200_000) -> None:
    from core.ids import new_id
    from warehouse.backends import get_backend
    from warehouse.events import EventRow, insert_events

    have = get_backend().query(f"SELECT count() FROM events WHERE org_id = '{VICTIM_ORG}'")
    if have.rows[0][0] >= count:
        return
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(
                org_id=VICTIM_ORG,
                tenant_id=f"v_{i % VICTIM_TENANTS}",
                event_name="api.call",
                timestamp=now - timedelta(minutes=i % (60 * 24 * 30)),
                user_id=f"u{i % 500}",
                insert_id=new_id("ins"),
                string_props={"model": f"m{i % 7}", "region": "eu"},
                numeric_props={"tokens": float(i % 1000), "latency_ms": float(i % 300)},
            )
            for i in range(count)
        ]
    )


def published(org_id: str) -> tuple[object, object]:
    from accounts.models import Organization
    from dashboards.models import Dashboard
    from dashboards.services import dashboard_create, dashboard_publish

    organization, _ = Organization.objects.get_or_create(pk=org_id, defaults={"name": org_id})
    Dashboard.objects.filter(organization=organization).delete()
    spec = {**query_bench.SPEC, "default_period": "30d"}
    dashboard = dashboard_create(organization=organization, spec=spec)
    return organization, dashboard_publish(dashboard=dashboard).dashboard


def token(organization: object, dashboard: object, tenant: str) -> str:
    from embeds.services import Actor, SessionRequest, embed_session_create
    from embeds.tokens import EmbedPermissions

    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id=tenant,
        expires_in=3600,
        permissions=EmbedPermissions(allowed_periods=("7d", "30d", "custom")),
    )
    return embed_session_create(organization=organization, request=request, actor=Actor()).token


def run_phase(name: str, seconds: float, attackers: int, attack: dict, victim: dict) -> None:
    from django.test import Client

    stop = time.perf_counter() + seconds
    victim_ms: list[float] = []
    answers: dict[int, int] = {}
    lock = threading.Lock()

    def attacker(n: int) -> None:
        client, i = Client(), 0
        day = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
        while time.perf_counter() < stop:
            i += 1
            to = (day + timedelta(milliseconds=n * 100_000 + i)).isoformat()
            response = client.get(
                attack["url"],
                {"period": "custom", "from": (day - timedelta(days=20)).isoformat(), "to": to},
                HTTP_AUTHORIZATION=f"Bearer {attack['token']}",
            )
            with lock:
                answers[response.status_code] = answers.get(response.status_code, 0) + 1
            if response.status_code == 429:
                time.sleep(0.05)  # a client that backs off a little, not its Retry-After

    def viewer() -> None:
        client = Client()
        while time.perf_counter() < stop:
            victim["loads"] += 1
            i = victim["loads"]
            tenant_token = victim["tokens"][i % len(victim["tokens"])]
            # A window of whole minutes no load has used yet: a real query, in every phase.
            to = (victim["day"] + timedelta(minutes=i)).isoformat()
            frm = (victim["day"] - timedelta(days=20)).isoformat()
            started = time.perf_counter()
            response = client.get(
                victim["url"],
                {"period": "custom", "from": frm, "to": to},
                HTTP_AUTHORIZATION=f"Bearer {tenant_token}",
            )
            assert response.status_code == 200, response.content[:200]
            victim_ms.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=viewer)]
    threads += [threading.Thread(target=attacker, args=(n,)) for n in range(attackers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    quantiles = statistics.quantiles(victim_ms, n=20) if len(victim_ms) > 1 else victim_ms * 19
    print(
        f"  {name}: victim p50 {statistics.median(victim_ms):7.1f} ms, p95 {quantiles[18]:7.1f} ms"
        f" over {len(victim_ms)} loads; attacker answers {dict(sorted(answers.items())) or '-'}"
    )


def bench_attack(seconds: float, attackers: int) -> None:
    from django.conf import settings
    from django.core.cache import cache

    attack_org, attack_dash = published(query_bench.ORG)
    victim_org, victim_dash = published(VICTIM_ORG)
    attack = {"url": f"/embed/{attack_dash.pk}/data", "token": token(attack_org, attack_dash, "t")}
    victim = {
        "url": f"/embed/{victim_dash.pk}/data",
        "tokens": [token(victim_org, victim_dash, f"v_{i}") for i in range(VICTIM_TENANTS)],
        "day": datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2),
        "loads": 0,
    }
    defaults = {
        name: getattr(settings, name)
        for name in (
            "EMBED_SESSION_RATE_LIMIT",
            "EMBED_TENANT_RATE_LIMIT",
            "EMBED_ORG_CONCURRENT_QUERIES",
            "WIDGET_CACHE_TTL",
        )
    }
    print(f"Embed data under attack ({attackers} loops of one token, {seconds:.0f} s a phase):")
    run_phase("A victim alone         ", seconds, 0, attack, victim)
    settings.EMBED_SESSION_RATE_LIMIT = settings.EMBED_TENANT_RATE_LIMIT = "1000000/m"
    settings.EMBED_ORG_CONCURRENT_QUERIES = 1000
    settings.WIDGET_CACHE_TTL = 0  # every millisecond-varied request a fresh query
    run_phase("B attack, before fixes ", seconds, attackers, attack, victim)
    for name, value in defaults.items():
        setattr(settings, name, value)
    cache.clear()
    run_phase("C attack, with defaults", seconds, attackers, attack, victim)


def bench_registration(runs: int) -> None:
    from django.test import Client, override_settings

    from accounts.services import organization_create
    from core.ids import new_id

    taken = organization_create(
        name="Taken", owner_email=f"{new_id('u')}@example.com", owner_password="pw-Strong-123"
    ).owner.email

    def post(email: str) -> float:
        started = time.perf_counter()
        Client().post(
            "/app/register",
            {"organization_name": "X", "email": email, "password": "pw-Strong-123"},
        )
        return (time.perf_counter() - started) * 1000

    with override_settings(
        REGISTER_RATE_LIMIT="1000000/h",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        post(taken)  # warm up
        existing, new = [], []
        for _ in range(runs):  # interleaved: a change in the machine's load hits both alike
            existing.append(post(taken))
            new.append(post(f"{new_id('n')}@example.com"))
    print(
        f"Registration ({runs} each): an address with an account p50"
        f" {statistics.median(existing):.1f} ms, a new address p50 {statistics.median(new):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--attackers", type=int, default=16)
    parser.add_argument("--registrations", type=int, default=20)
    parser.add_argument("--skip-attack", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    logging.disable(logging.WARNING)  # one "Too Many Requests" line per refused request
    setup(args.events)
    victim_events()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.skip_attack:
        bench_attack(args.seconds, args.attackers)
    bench_registration(args.registrations)


if __name__ == "__main__":
    main()
