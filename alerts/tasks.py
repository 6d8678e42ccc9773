"""Celery interfaces: they take ids, reload, and call services. No logic here."""

from celery import Task, shared_task

from alerts.delivery import MAX_ATTEMPTS, delivery_attempt, delivery_send_now, retry_delay
from alerts.evaluation import TICK_SECONDS, alerts_tick


@shared_task(name="alerts.tasks.evaluate_alerts", ignore_result=True, expires=TICK_SECONDS * 2)
def evaluate_alerts() -> str:
    """The 60-second job (ops.schedule). The evaluation's own lock and tick key make a late
    or duplicated run harmless."""
    return alerts_tick().line()


@shared_task(
    bind=True,
    name="alerts.tasks.deliver_notification",
    ignore_result=True,
    max_retries=MAX_ATTEMPTS - 1,
)
def deliver_notification(self: Task, delivery_id: str) -> str:
    if self.request.is_eager:
        # No broker to bring a retry back later (embedded default): every attempt now, bounded.
        return delivery_send_now(delivery_id=delivery_id).status
    outcome = delivery_attempt(delivery_id=delivery_id)
    if outcome.should_retry:
        raise self.retry(countdown=retry_delay(attempt_number=outcome.attempt_number))
    return outcome.status
