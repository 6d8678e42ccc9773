"""`manage.py seed_demo` on a small scale, and the shape of the generated data."""

import io
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ApiKey, Membership, Organization, Role
from accounts.selectors import api_key_for_secret
from alerts.models import AlertRule
from dashboards.models import Dashboard
from ops.demo import (
    DEFAULT_EVENTS,
    DEMO_ALERT,
    DEMO_OWNER_EMAIL,
    ENDPOINTS,
    INCIDENT,
    MODEL_MIXES,
    TENANTS,
    demo_events_seed,
    demo_organization_get,
    generate_events,
)
from warehouse.scope import DangerousOrgWideScope
from warehouse.stats import event_summary

SMALL = 3000


def seed(**options: object) -> str:
    out = io.StringIO()
    call_command("seed_demo", events=SMALL, days=14, seed=7, stdout=out, **options)
    return out.getvalue()


def printed(output: str, label: str) -> str:
    match = re.search(rf"^\s+{label}\s+(\S+)", output, re.MULTILINE)
    assert match, f"{label} not printed in:\n{output}"
    return match.group(1)


def seeded_counts(output: str) -> tuple[int, int]:
    match = re.search(r"Demo events [a-z ]+: ([\d,]+) inserted, ([\d,]+) stored", output)
    assert match, output
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


@pytest.mark.django_db
def test_seed_demo_creates_org_owner_keys_events_and_a_published_dashboard() -> None:
    output = seed()

    organization = demo_organization_get()
    assert organization is not None and organization.name == "Demo SaaS"
    owner = Membership.objects.get(organization=organization, role=Role.OWNER).user
    assert owner.email == DEMO_OWNER_EMAIL

    password = re.search(r"Log in\s+\S+\s+/\s+(\S+)", output).group(1)
    assert owner.check_password(password)
    admin_secret, ingest_secret = printed(output, "Admin key"), printed(output, "Ingest key")
    assert api_key_for_secret(secret=admin_secret).scope == "admin"
    assert api_key_for_secret(secret=ingest_secret).scope == "ingest"
    assert api_key_for_secret(secret=admin_secret).organization_id == organization.pk

    stored = event_summary(scope=DangerousOrgWideScope(org_id=organization.pk)).events
    assert abs(stored - SMALL) < SMALL * 0.05  # randomised rounding keeps the total close
    assert f"{stored:,} stored" in output

    dashboard = Dashboard.objects.get(organization=organization)
    assert dashboard.is_published and dashboard.published_version.number == 1
    alert = AlertRule.objects.get(organization=organization)
    assert (alert.dashboard_id, alert.widget_id, alert.enabled) == (dashboard.pk, "w_errors", True)

    assert "http://testserver/app/" in output
    assert "curl -X POST http://testserver/v1/events" in output
    assert f"Bearer {ingest_secret}" in output


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_reissues_the_keys(settings) -> None:
    first = seed()
    second = seed()

    assert Organization.objects.filter(name="Demo SaaS").count() == 1
    organization = demo_organization_get()
    assert Dashboard.objects.filter(organization=organization).count() == 1
    assert AlertRule.objects.filter(organization=organization).count() == 1
    assert "Sightline demo (reused)" in second and "kept as it was" in second

    log_in = re.compile(r"Log in\s+(\S+\s+/\s+\S+)")
    assert log_in.search(first).group(1) == log_in.search(second).group(1)  # same login printed
    assert (settings.VAR_DIR / "demo_password").stat().st_mode & 0o777 == 0o600

    for label in ("Admin key", "Ingest key"):
        old, new = printed(first, label), printed(second, label)
        assert old != new
        assert api_key_for_secret(secret=old) is None  # only hashes are kept: old keys revoked
        assert api_key_for_secret(secret=new) is not None
    assert ApiKey.objects.filter(organization=organization, revoked_at=None).count() == 2
    # organization_create's never-shown "Default" keys are gone, not listed as revoked.
    assert not ApiKey.objects.filter(organization=organization, name__startswith="Default")

    # Events are not seeded twice: the second run only adds the minutes since the newest one.
    inserted_then, stored_then = seeded_counts(first)
    inserted_now, stored_now = seeded_counts(second)
    assert inserted_now < SMALL * 0.01
    assert stored_now == stored_then + inserted_now
    assert stored_now == event_summary(scope=DangerousOrgWideScope(org_id=organization.pk)).events


@pytest.mark.django_db
def test_a_later_run_tops_up_only_the_time_since_the_newest_event() -> None:
    seed()
    organization = demo_organization_get()
    scope = DangerousOrgWideScope(org_id=organization.pk)
    before = event_summary(scope=scope)

    later = before.latest + timedelta(days=1)
    result = demo_events_seed(
        organization=organization, total=SMALL, days=14, now=later, rng=random.Random(1)
    )

    after = event_summary(scope=scope)
    assert result.mode == "topped up"
    assert 0 < result.inserted < SMALL / 3  # about one day of fourteen, not a second full seed
    assert after.events == before.events + result.inserted
    assert before.latest < after.latest <= later


@pytest.mark.django_db
def test_seed_demo_refuses_production_unless_asked(settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed()
    assert demo_organization_get() is None


@pytest.mark.django_db
def test_seed_demo_refuses_a_window_outside_retention() -> None:
    with pytest.raises(CommandError, match="--days"):
        call_command("seed_demo", events=10, days=10_000, stdout=io.StringIO())


# --- The generator, without the database -------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def generated(total: int, days: int, seed_value: int = 3) -> list:
    chunks = generate_events(
        org_id="org_t", total=total, days=days, now=NOW, rng=random.Random(seed_value)
    )
    return [row for chunk in chunks for row in chunk]


def test_the_same_seed_generates_the_same_events() -> None:
    assert generated(2000, 7) == generated(2000, 7)
    assert generated(2000, 7) != generated(2000, 7, seed_value=4)


def test_events_have_the_documented_shape() -> None:
    rows = generated(20_000, 28)
    assert {row.tenant_id for row in rows} == {t.tenant_id for t in TENANTS}
    names = Counter(row.event_name for row in rows)
    assert set(names) == {"api.call", "user.login", "report.export"}
    assert names["api.call"] > 10 * names["user.login"]
    for row in rows:
        assert NOW - timedelta(days=28) <= row.timestamp < NOW
        assert row.user_id.startswith(row.tenant_id + "-u")
        if row.event_name == "api.call":
            assert set(row.string_props) == {"model", "endpoint", "status", "region"}
            assert set(row.numeric_props) == {"tokens", "latency_ms", "cost_usd"}
            assert row.numeric_props["latency_ms"] > 0
            if row.string_props["status"] != "success":
                assert row.numeric_props["tokens"] == 0 and row.numeric_props["cost_usd"] == 0
    statuses = Counter(r.string_props["status"] for r in rows if r.event_name == "api.call")
    assert statuses["success"] > 0.9 * sum(statuses.values())
    assert statuses["error"] and statuses["rate_limited"]
    assert len({row.insert_id for row in rows}) == len(rows)


def test_models_and_endpoints_follow_their_documented_shares() -> None:
    calls = [r for r in generated(40_000, 28) if r.event_name == "api.call"]
    acme = [r.string_props["model"] for r in calls if r.tenant_id == "acme-corp"]
    for model, share in MODEL_MIXES["openai"]:  # acme-corp's mix
        assert abs(acme.count(model) / len(acme) - share) < 0.03, model
    endpoints = Counter(r.string_props["endpoint"] for r in calls)
    for endpoint in ENDPOINTS:
        assert abs(endpoints[endpoint.path] / len(calls) - endpoint.share) < 0.02, endpoint.path


def test_a_growing_tenant_gains_users() -> None:
    rows = [r for r in generated(40_000, 28) if r.tenant_id == "cyberdyne"]  # triples its traffic
    first_week = {r.user_id for r in rows if r.timestamp < NOW - timedelta(days=21)}
    last_week = {r.user_id for r in rows if r.timestamp >= NOW - timedelta(days=7)}
    assert len(last_week) > len(first_week)


def test_tenants_differ_in_size() -> None:
    per_tenant = Counter(row.tenant_id for row in generated(20_000, 28))
    assert per_tenant["acme-corp"] > 20 * per_tenant["prestige-worldwide"]


def test_traffic_follows_business_hours_and_dips_at_weekends_in_the_tenant_time_zone() -> None:
    zone = ZoneInfo("America/New_York")
    local = [
        r.timestamp.astimezone(zone) for r in generated(40_000, 28) if r.tenant_id == "acme-corp"
    ]
    working_day_afternoons = sum(1 for t in local if t.weekday() < 5 and 13 <= t.hour < 16)
    working_day_nights = sum(1 for t in local if t.weekday() < 5 and 2 <= t.hour < 5)
    assert working_day_afternoons > 4 * working_day_nights
    weekdays = sum(1 for t in local if t.weekday() < 5) / 5
    weekend_days = sum(1 for t in local if t.weekday() >= 5) / 2
    assert weekdays > 2 * weekend_days


def test_the_demo_alert_stays_quiet_on_the_seeded_data_outside_the_incident() -> None:
    start = NOW - INCIDENT.starts_ago
    errors_per_tenant_hour = Counter(
        (r.tenant_id, r.timestamp.replace(minute=0, second=0, microsecond=0))
        for r in generated(DEFAULT_EVENTS // 45, 2)  # two days at the full seed's rate
        if r.string_props.get("status") == "error"
        and not start <= r.timestamp < start + INCIDENT.duration
    )
    assert max(errors_per_tenant_hour.values()) < DEMO_ALERT["threshold_value"]


def error_share(sample: list) -> float:
    return sum(r.string_props["status"] == "error" for r in sample) / len(sample)


def test_the_incident_shows_as_an_error_spike() -> None:
    rows = [
        r
        for r in generated(60_000, 7)
        if r.tenant_id == INCIDENT.tenant_id and r.event_name == "api.call"
    ]
    start = NOW - INCIDENT.starts_ago
    inside = [r for r in rows if start <= r.timestamp < start + INCIDENT.duration]
    outside = [r for r in rows if not start <= r.timestamp < start + INCIDENT.duration]
    assert inside and error_share(inside) > 5 * error_share(outside)
