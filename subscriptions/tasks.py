"""Celery interfaces: they take ids, reload, and call services. No logic here."""

from celery import shared_task

from subscriptions.runs import DIGEST_JOB_SECONDS, digests_run


@shared_task(
    name="subscriptions.tasks.send_digests", ignore_result=True, expires=DIGEST_JOB_SECONDS
)
def send_digests() -> str:
    """The digest job (ops.schedule): idempotent per subscription and slot."""
    return digests_run().line()
