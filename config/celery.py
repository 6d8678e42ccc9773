"""The Celery app. In the embedded default tasks run eagerly in-process and the serve command's
scheduler thread plays beat; in production Celery workers and beat run from compose.yaml."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sightline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {}  # filled from ops.schedule.PERIODIC_JOBS once the app is final


@app.on_after_finalize.connect
def _register_periodic_jobs(sender: Celery, **_: object) -> None:
    from ops.schedule import celery_beat_schedule

    sender.conf.beat_schedule = celery_beat_schedule()
