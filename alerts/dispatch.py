"""The Celery task that sends one delivery, in a module of its own: the evaluation enqueues it
and `alerts.tasks` (which Celery discovers) runs the evaluation, so neither imports the other
through it. Like every task it takes an id, reloads, and calls a service."""

from celery import Task, shared_task

from alerts.delivery import MAX_ATTEMPTS, delivery_attempt, delivery_send_now, retry_delay


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


def delivery_enqueue(delivery_id: str, *, after_attempt: int = 0) -> None:
    """Send a delivery through Celery (in-process when tasks run eagerly); `after_attempt`:
    the number of the attempt already made, whose backoff the next one waits."""
    if after_attempt:
        countdown = retry_delay(attempt_number=after_attempt)
        deliver_notification.apply_async((delivery_id,), countdown=countdown)
    else:
        deliver_notification.delay(delivery_id)
