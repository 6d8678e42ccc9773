"""Celery interfaces: they take ids, reload, and call services. No logic here.

`deliver_notification` lives in `alerts.dispatch` (the evaluation enqueues it); it is imported
here so that Celery's discovery of `alerts.tasks` registers it."""

from celery import shared_task

from alerts.dispatch import deliver_notification
from alerts.evaluation import TICK_SECONDS, alerts_tick

__all__ = ["deliver_notification", "evaluate_alerts"]


@shared_task(name="alerts.tasks.evaluate_alerts", ignore_result=True, expires=TICK_SECONDS * 2)
def evaluate_alerts() -> str:
    """The 60-second job (ops.schedule). The evaluation's own lock and tick key make a late
    or duplicated run harmless."""
    return alerts_tick().line()
