"""The simulated product behind the demo data: an LLM API used by about twenty tenants of very
different sizes, each in its own time zone, calling models (`api.call` with model / endpoint /
status / region, tokens, latency_ms, cost_usd), logging in (`user.login`) and exporting reports
(`report.export`). Traffic follows business hours in the tenant's time zone, dips at weekends,
grows (or shrinks) per tenant over the window and has one incident (an error and latency spike
at one tenant three days ago) for alerts to find.

Generation is plain Python driven by one `random.Random`, so a seed reproduces the same data.
"""

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from warehouse.events import EventRow

CHUNK_ROWS = 100_000
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Model:
    name: str
    latency_ms: float  # median for a typical chat call
    usd_per_1k_tokens: float


MODELS = {
    m.name: m
    for m in (
        Model("gpt-4o", 950, 0.0075),
        Model("gpt-4o-mini", 420, 0.0004),
        Model("claude-3.5-sonnet", 1150, 0.0090),
        Model("claude-3-haiku", 380, 0.0008),
        Model("llama-3.1-70b", 700, 0.0009),
        Model("llama-3.1-8b", 210, 0.0002),
        Model("mistral-large", 820, 0.0040),
    )
}

# Model mixes a tenant can have: (model, share).
MODEL_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "openai": (
        ("gpt-4o", 0.45),
        ("gpt-4o-mini", 0.40),
        ("claude-3.5-sonnet", 0.10),
        ("llama-3.1-8b", 0.05),
    ),
    "anthropic": (("claude-3.5-sonnet", 0.50), ("claude-3-haiku", 0.35), ("gpt-4o", 0.15)),
    "open": (("llama-3.1-70b", 0.45), ("llama-3.1-8b", 0.35), ("mistral-large", 0.20)),
    "mixed": (
        ("gpt-4o", 0.20),
        ("gpt-4o-mini", 0.20),
        ("claude-3.5-sonnet", 0.20),
        ("claude-3-haiku", 0.15),
        ("llama-3.1-70b", 0.15),
        ("mistral-large", 0.10),
    ),
}


@dataclass(frozen=True)
class Endpoint:
    path: str
    share: float
    median_tokens: float
    latency_factor: float  # relative to a chat call of the same model


ENDPOINTS = (
    Endpoint("/v1/chat", 0.58, 900, 1.0),
    Endpoint("/v1/completions", 0.12, 600, 0.85),
    Endpoint("/v1/embeddings", 0.20, 250, 0.12),
    Endpoint("/v1/moderations", 0.06, 120, 0.10),
    Endpoint("/v1/images", 0.04, 300, 3.0),
)
REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-northeast-1",
    "ap-southeast-2",
)


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: str
    size: float  # relative traffic
    tz: str
    region: str  # where most of its calls land
    growth: float  # traffic at the end of the window relative to its start
    users: int
    mix: str  # a key of MODEL_MIXES
    error_rate: float


TENANTS: tuple[DemoTenant, ...] = (
    DemoTenant("acme-corp", 100, "America/New_York", "us-east-1", 1.6, 600, "openai", 0.015),
    DemoTenant("globex", 70, "America/Chicago", "us-east-1", 1.2, 420, "mixed", 0.020),
    DemoTenant("initech", 45, "America/Los_Angeles", "us-west-2", 1.0, 260, "openai", 0.012),
    DemoTenant("umbrella-health", 38, "Europe/London", "eu-west-1", 2.4, 240, "anthropic", 0.010),
    DemoTenant("hooli", 30, "America/Los_Angeles", "us-west-2", 0.7, 300, "open", 0.030),
    DemoTenant(
        "stark-industries", 26, "America/New_York", "us-east-1", 1.3, 150, "anthropic", 0.015
    ),
    DemoTenant("wayne-enterprises", 22, "America/New_York", "us-east-1", 1.1, 140, "openai", 0.010),
    DemoTenant("wonka-foods", 18, "Europe/Zurich", "eu-central-1", 1.5, 90, "mixed", 0.020),
    DemoTenant("cyberdyne", 15, "Asia/Tokyo", "ap-northeast-1", 3.0, 80, "open", 0.025),
    DemoTenant("soylent", 12, "America/Denver", "us-west-2", 1.0, 70, "openai", 0.018),
    DemoTenant("tyrell", 10, "Asia/Singapore", "ap-southeast-2", 1.4, 60, "anthropic", 0.012),
    DemoTenant("massive-dynamic", 9, "Europe/Berlin", "eu-central-1", 1.2, 55, "mixed", 0.015),
    DemoTenant("oscorp", 7, "America/New_York", "us-east-1", 0.8, 45, "openai", 0.035),
    DemoTenant("aperture-labs", 6, "America/Chicago", "us-east-1", 2.0, 40, "open", 0.020),
    DemoTenant("vandelay-imports", 5, "America/New_York", "us-east-1", 1.0, 25, "openai", 0.015),
    DemoTenant("pied-piper", 4, "America/Los_Angeles", "us-west-2", 4.0, 30, "mixed", 0.030),
    DemoTenant("dunder-mifflin", 3, "America/New_York", "us-east-1", 0.9, 20, "anthropic", 0.010),
    DemoTenant("bluth-company", 2, "America/Los_Angeles", "us-west-2", 0.5, 15, "open", 0.040),
    DemoTenant("gringotts", 1.5, "Europe/London", "eu-west-1", 1.1, 10, "anthropic", 0.008),
    DemoTenant(
        "prestige-worldwide", 0.8, "Australia/Sydney", "ap-southeast-2", 2.5, 8, "mixed", 0.020
    ),
)

# Relative traffic per local hour (0..23) and per local weekday (Monday first).
HOURLY = (
    0.18, 0.14, 0.12, 0.11, 0.12, 0.16, 0.28, 0.48, 0.75, 0.95, 1.00, 0.98,
    0.90, 0.96, 1.00, 0.97, 0.88, 0.72, 0.55, 0.45, 0.38, 0.32, 0.26, 0.21,
)  # fmt: skip
WEEKDAY = (1.00, 1.04, 1.05, 1.02, 0.93, 0.38, 0.30)
EVENT_MIX = (("api.call", 0.93), ("user.login", 0.05), ("report.export", 0.02))
RATE_LIMITED_SHARE = 0.012
Props = tuple[dict[str, str], dict[str, float]]  # string_props, numeric_props


@dataclass(frozen=True)
class Incident:
    """A few bad hours at one tenant: many errors and slow calls (something for alerts)."""

    tenant_id: str
    starts_ago: timedelta
    duration: timedelta
    error_rate: float
    latency_factor: float


INCIDENT = Incident("globex", timedelta(days=3, hours=2), timedelta(hours=3), 0.35, 3.0)


@dataclass(frozen=True)
class Cell:
    """One tenant-hour, clipped to the window, and its weight: its share of the traffic."""

    tenant: DemoTenant
    start: datetime
    seconds: float
    weight: float
    user_share: float  # the part of the tenant's users active by then: it grows with traffic


def plan_cells(
    *, now: datetime, days: int, since: datetime, rng: random.Random
) -> tuple[list[Cell], float]:
    """The tenant-hours from `since` to `now`, and the total weight of the whole `days` window
    ending at `now` (so a top-up of a few hours gets the same rate as a full seed)."""
    window_start = now - timedelta(days=days)
    first_hour = window_start.replace(minute=0, second=0, microsecond=0)
    cells: list[Cell] = []
    total_weight = 0.0
    for tenant in TENANTS:
        zone = ZoneInfo(tenant.tz)
        day_noise: dict[int, float] = {}
        hour = first_hour
        while hour < now:
            start, end = max(hour, window_start), min(hour + HOUR, now)
            local = hour.astimezone(zone)
            progress = (hour - window_start) / (now - window_start)
            noise = day_noise.setdefault(local.toordinal(), rng.lognormvariate(0, 0.12))
            weight = (
                tenant.size
                * HOURLY[local.hour]
                * WEEKDAY[local.weekday()]
                * tenant.growth**progress
                * noise
                * (end - start).total_seconds()
                / 3600
            )
            total_weight += weight
            if end > since:
                clipped = max(start, since)
                user_share = tenant.growth**progress / max(tenant.growth, 1.0)
                cells.append(
                    Cell(tenant, clipped, (end - clipped).total_seconds(), weight, user_share)
                )
            hour += HOUR
    return cells, total_weight


@dataclass(frozen=True)
class Distribution:
    """Items with cumulative weights: draws stay in C (random.choices), and a prefix of the
    items is itself a distribution (the users active so far)."""

    items: list[Any]
    cum_weights: list[float]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Any, float]]) -> "Distribution":
        items, weights = zip(*pairs, strict=True)
        return cls(list(items), list(accumulate(weights)))

    def draw(self, rng: random.Random, k: int, *, first: int | None = None) -> list[Any]:
        if first is None:
            return rng.choices(self.items, cum_weights=self.cum_weights, k=k)
        return rng.choices(self.items[:first], cum_weights=self.cum_weights[:first], k=k)


class EventMaker:
    """Builds the events of a tenant-hour. Its per-event code runs a million times a seed."""

    def __init__(self, *, org_id: str, now: datetime, rng: random.Random) -> None:
        self.org_id = org_id
        self.rng = rng
        self.incident_start = now - INCIDENT.starts_ago
        self.incident_end = self.incident_start + INCIDENT.duration
        # Zipf-like: a few power users make most calls.
        self.users = {
            t.tenant_id: Distribution.of(
                (f"{t.tenant_id}-u{n:04d}", 1 / (n + 1) ** 0.9) for n in range(t.users)
            )
            for t in TENANTS
        }
        self.models = {
            mix: Distribution.of((MODELS[name], share) for name, share in shares)
            for mix, shares in MODEL_MIXES.items()
        }
        self.endpoints = Distribution.of((e, e.share) for e in ENDPOINTS)
        self.event_names = Distribution.of(EVENT_MIX)

    def cell_events(self, cell: Cell, count: int) -> list[EventRow]:
        rng, tenant = self.rng, cell.tenant
        # Categorical draws for the whole cell at once: rng.choices per event is the slow part.
        active_users = max(1, round(tenant.users * cell.user_share))
        users = self.users[tenant.tenant_id].draw(rng, count, first=active_users)
        names = self.event_names.draw(rng, count)
        models = self.models[tenant.mix].draw(rng, count)
        endpoints = self.endpoints.draw(rng, count)
        span_ms = max(1, int(cell.seconds * 1000))
        near_incident = (
            tenant.tenant_id == INCIDENT.tenant_id
            and cell.start < self.incident_end
            and cell.start + timedelta(seconds=cell.seconds) > self.incident_start
        )
        rows = []
        for user_id, name, model, endpoint in zip(users, names, models, endpoints, strict=True):
            timestamp = cell.start + timedelta(milliseconds=int(rng.random() * span_ms))
            if name == "api.call":
                in_incident = near_incident and self.incident_start <= timestamp < self.incident_end
                props = self._api_call(tenant, model, endpoint, in_incident)
            elif name == "user.login":
                props = self._login()
            else:
                props = self._export()
            insert_id = f"demo-{rng.getrandbits(64):016x}"
            rows.append(
                EventRow(self.org_id, tenant.tenant_id, name, timestamp, user_id, insert_id, *props)
            )
        return rows

    def _api_call(
        self, tenant: DemoTenant, model: Model, endpoint: Endpoint, in_incident: bool
    ) -> Props:
        rng, lognormal = self.rng, self._lognormal
        region = tenant.region if rng.random() < 0.9 else rng.choice(REGIONS)
        error_rate = INCIDENT.error_rate if in_incident else tenant.error_rate
        slowdown = INCIDENT.latency_factor if in_incident else 1.0
        roll = rng.random()
        if roll < RATE_LIMITED_SHARE:  # rejected at the gateway: fast and free
            status, tokens, latency = "rate_limited", 0, lognormal(18, 0.3)
        elif roll < RATE_LIMITED_SHARE + error_rate:
            status, tokens = "error", 0
            latency = lognormal(model.latency_ms * 0.4 * slowdown, 0.6)
        else:
            status = "success"
            tokens = max(1, int(lognormal(endpoint.median_tokens, 0.7)))
            size_factor = 0.6 + 0.4 * tokens / endpoint.median_tokens
            median = model.latency_ms * endpoint.latency_factor * size_factor * slowdown
            latency = lognormal(median, 0.35)
        string_props = {
            "model": model.name,
            "endpoint": endpoint.path,
            "status": status,
            "region": region,
        }
        numeric_props = {
            "tokens": float(tokens),
            "latency_ms": round(latency, 1),
            "cost_usd": round(tokens / 1000 * model.usd_per_1k_tokens, 6),
        }
        return string_props, numeric_props

    def _login(self) -> Props:
        method = self.rng.choices(("password", "sso", "google"), cum_weights=(0.5, 0.85, 1.0))[0]
        return {"method": method}, {}

    def _export(self) -> Props:
        rng = self.rng
        string_props = {
            "format": rng.choices(("csv", "pdf", "xlsx"), cum_weights=(0.55, 0.8, 1.0))[0],
            "report": rng.choice(("usage", "billing", "audit", "latency")),
        }
        return string_props, {"rows": float(int(self._lognormal(2000, 1.2)) + 1)}

    def _lognormal(self, median: float, sigma: float) -> float:
        # random.lognormvariate's normal sampler is several times slower than gauss().
        return median * math.exp(sigma * self.rng.gauss())


def generate_events(
    *,
    org_id: str,
    total: int,
    days: int,
    now: datetime,
    since: datetime | None = None,
    rng: random.Random,
) -> Iterator[list[EventRow]]:
    """Chunks of at most CHUNK_ROWS events from `since` (default: the window start) to `now`, at
    the rate that puts `total` events in `days` days."""
    window_start = now - timedelta(days=days)
    cells, total_weight = plan_cells(
        now=now, days=days, since=max(since or window_start, window_start), rng=rng
    )
    maker = EventMaker(org_id=org_id, now=now, rng=rng)
    chunk: list[EventRow] = []
    for cell in cells:
        expected = total * cell.weight / total_weight
        count = int(expected) + (rng.random() < expected % 1)  # randomised rounding keeps the sum
        if count:
            chunk.extend(maker.cell_events(cell, count))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
