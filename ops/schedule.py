"""Periodic jobs, declared once and run by Celery beat (production) or by the scheduler thread
inside `manage.py serve` (embedded default).

Apps register their jobs by adding to PERIODIC_JOBS: (name, dotted task path, every seconds).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str  # dotted path of a Celery task
    every_seconds: float


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("ingest-drain", "ingest.tasks.drain_stream", 1.0),
    PeriodicJob("alerts-tick", "alerts.tasks.evaluate_alerts", 60.0),
    PeriodicJob("subscriptions-digests", "subscriptions.tasks.send_digests", 300.0),
    PeriodicJob("warehouse-retention", "accounts.tasks.enforce_retention", 3600.0),
]


def celery_beat_schedule() -> dict:
    return {
        job.name: {
            "task": job.task,
            "schedule": job.every_seconds,
            "options": {"expires": job.every_seconds * 2},
        }
        for job in PERIODIC_JOBS
    }
