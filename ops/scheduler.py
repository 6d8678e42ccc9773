"""The in-process scheduler of the embedded default: Celery beat's job, inside `manage.py serve`.

Every `ops.schedule.PERIODIC_JOBS` job gets one daemon thread that calls its Celery task
directly (the task body runs in that thread; there is no broker) and then sleeps until the next
interval. One thread per job means a slow job never delays another, and a job can never overlap
itself: a run that outlasts its interval just makes the next run start late, never twice.
A failing run is logged and the job stays scheduled. A job whose module is missing (an app that
registers no tasks yet) is logged once and skipped for the life of the process.
"""

import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from ops.schedule import PeriodicJob

logger = logging.getLogger(__name__)

Task = Callable[[], object]
Resolver = Callable[[str], Task]


class JobUnavailable(Exception):
    """The job's task cannot be imported: it is skipped, with one log line."""


def import_task(dotted_path: str) -> Task:
    """`app.tasks.name` -> the callable. Calling a Celery task object runs its body right here."""
    module_path, _, attribute = dotted_path.rpartition(".")
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name and module_path.startswith(exc.name):  # the module itself, not one it imports
            raise JobUnavailable(f"module {module_path} does not exist") from exc
        raise
    task = getattr(module, attribute, None)
    if not callable(task):
        raise JobUnavailable(f"{module_path} has no task {attribute}")
    return task


# While a job keeps failing (say the ingest drain every second with Redis down), its traceback
# is logged at the first failure and then at most once per this many seconds.
FAILURE_LOG_INTERVAL = 60.0


@dataclass
class JobStats:
    runs: int = 0
    failures: int = 0
    failing_in_a_row: int = 0
    last_failure_logged: float = 0.0


@dataclass
class Scheduler:
    jobs: Sequence[PeriodicJob]
    resolve: Resolver = import_task
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)
    stats: dict[str, JobStats] = field(default_factory=dict, init=False)

    def start(self) -> list[str]:
        """Start one thread per available job; returns the names of the jobs started.
        First runs are due at once."""
        for job in self.jobs:
            task = self._resolve_or_skip(job)
            if task is None:
                continue
            self.stats[job.name] = JobStats()
            thread = threading.Thread(
                target=self._loop, args=(job, task), name=f"job-{job.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        started = list(self.stats)
        logger.info("Scheduler started: %s", ", ".join(started) or "no periodic jobs available")
        return started

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop scheduling and wait (bounded) for runs in progress. True when all threads ended."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        still_running = [t.name for t in self._threads if t.is_alive()]
        if still_running:
            logger.warning(
                "Scheduler stopped; still running (daemon threads): %s", ", ".join(still_running)
            )
        return not still_running

    def _resolve_or_skip(self, job: PeriodicJob) -> Task | None:
        try:
            return self.resolve(job.task)
        except JobUnavailable as exc:
            logger.info("Periodic job %s skipped: %s.", job.name, exc)
        except Exception:  # a broken import is a bug worth a traceback, not a dead scheduler
            logger.exception("Periodic job %s skipped: importing %s failed.", job.name, job.task)
        return None

    def _loop(self, job: PeriodicJob, task: Task) -> None:
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                self._run_once(job, task)
                # The interval counts from the start of a run; a late run is not made up for.
                self._stop.wait(max(0.0, job.every_seconds - (time.monotonic() - started)))
        finally:
            connections.close_all()  # this thread's DB connections

    def _run_once(self, job: PeriodicJob, task: Task) -> None:
        stats = self.stats[job.name]
        close_old_connections()  # as around a request: drop a stale or broken DB connection
        try:
            task()
        except Exception:
            self._record_failure(job, stats)
        else:
            if stats.failing_in_a_row:
                failed, stats.failing_in_a_row = stats.failing_in_a_row, 0
                logger.info("Periodic job %s works again after %d failed run(s).", job.name, failed)
        finally:
            stats.runs += 1
            close_old_connections()

    @staticmethod
    def _record_failure(job: PeriodicJob, stats: JobStats) -> None:
        stats.failures += 1
        stats.failing_in_a_row += 1
        now = time.monotonic()
        if stats.failing_in_a_row == 1 or now - stats.last_failure_logged >= FAILURE_LOG_INTERVAL:
            stats.last_failure_logged = now
            logger.exception(
                "Periodic job %s failed (%d run(s) in a row); it stays scheduled.",
                job.name,
                stats.failing_in_a_row,
            )
