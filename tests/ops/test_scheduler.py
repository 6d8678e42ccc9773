"""The in-process scheduler of `manage.py serve`: real threads, real waits (bounded), no clock
assertions - only counts of what ran."""

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from core.ids import new_id
from ops.schedule import PeriodicJob
from ops.scheduler import JobUnavailable, Scheduler, import_task

WAIT_LIMIT = 15.0  # seconds; a bound for a hung test, never a performance assertion


def wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def resolver(tasks: dict[str, Callable[[], object]]) -> Callable[[str], Callable[[], object]]:
    def resolve(path: str) -> Callable[[], object]:
        if path not in tasks:
            raise JobUnavailable(f"no task {path}")
        return tasks[path]

    return resolve


@pytest.fixture
def scheduler_factory():
    started: list[Scheduler] = []

    def make(jobs: list[PeriodicJob], tasks: dict[str, Callable[[], object]]) -> Scheduler:
        scheduler = Scheduler(jobs, resolve=resolver(tasks))
        started.append(scheduler)
        return scheduler

    yield make
    for scheduler in started:
        scheduler.stop(timeout=5)


def test_a_job_runs_again_and_again(scheduler_factory) -> None:
    calls: list[int] = []
    scheduler = scheduler_factory(
        [PeriodicJob("tick", "t.tick", 0.01)], {"t.tick": lambda: calls.append(1)}
    )

    assert scheduler.start() == ["tick"]
    assert wait_until(lambda: len(calls) >= 5)
    assert scheduler.stop(timeout=5)
    stopped_at = len(calls)
    time.sleep(0.1)
    assert len(calls) == stopped_at, "no run after stop()"
    assert scheduler.stats["tick"].runs == stopped_at


def test_a_failing_job_keeps_its_schedule_and_never_stops_the_others(
    scheduler_factory, caplog
) -> None:
    good: list[int] = []

    def broken() -> None:
        raise RuntimeError("warehouse down")

    scheduler = scheduler_factory(
        [PeriodicJob("broken", "t.broken", 0.01), PeriodicJob("good", "t.good", 0.01)],
        {"t.broken": broken, "t.good": lambda: good.append(1)},
    )
    with caplog.at_level(logging.ERROR, logger="ops.scheduler"):
        scheduler.start()
        assert wait_until(lambda: scheduler.stats["broken"].failures >= 3 and len(good) >= 3)

    assert scheduler.stats["broken"].runs == scheduler.stats["broken"].failures
    assert scheduler.stats["good"].failures == 0
    assert "Periodic job broken failed" in caplog.text and "warehouse down" in caplog.text


def test_a_job_failing_every_run_logs_its_traceback_once_a_minute_and_its_recovery(
    scheduler_factory, caplog
) -> None:
    healthy = threading.Event()

    def flaky() -> None:
        if not healthy.is_set():
            raise RuntimeError("redis down")

    scheduler = scheduler_factory([PeriodicJob("drain", "t.drain", 0.01)], {"t.drain": flaky})
    with caplog.at_level(logging.INFO, logger="ops.scheduler"):
        scheduler.start()
        assert wait_until(lambda: scheduler.stats["drain"].failures >= 20)
        healthy.set()
        assert wait_until(lambda: "works again" in caplog.text)

    tracebacks = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(tracebacks) == 1 and tracebacks[0].exc_info is not None
    assert "(1 run(s) in a row)" in tracebacks[0].getMessage()
    assert scheduler.stats["drain"].failing_in_a_row == 0


def test_a_slow_job_never_overlaps_itself(scheduler_factory) -> None:
    lock = threading.Lock()
    running = 0
    most_at_once = 0
    runs = 0

    def slow() -> None:  # takes far longer than its 10 ms interval
        nonlocal running, most_at_once, runs
        with lock:
            running += 1
            most_at_once = max(most_at_once, running)
        time.sleep(0.1)
        with lock:
            running -= 1
            runs += 1

    scheduler = scheduler_factory([PeriodicJob("slow", "t.slow", 0.01)], {"t.slow": slow})
    scheduler.start()
    assert wait_until(lambda: runs >= 4)
    scheduler.stop(timeout=5)
    assert most_at_once == 1


def test_a_slow_job_does_not_hold_back_a_fast_one(scheduler_factory) -> None:
    release = threading.Event()
    fast: list[int] = []
    scheduler = scheduler_factory(
        [PeriodicJob("stuck", "t.stuck", 0.01), PeriodicJob("fast", "t.fast", 0.01)],
        {"t.stuck": lambda: release.wait(WAIT_LIMIT), "t.fast": lambda: fast.append(1)},
    )
    scheduler.start()
    try:
        assert wait_until(lambda: len(fast) >= 5)
        assert scheduler.stats["stuck"].runs == 0  # still inside its first run
    finally:
        release.set()


def test_stop_is_bounded_when_a_job_hangs(scheduler_factory) -> None:
    release = threading.Event()
    entered = threading.Event()

    def hang() -> None:
        entered.set()
        release.wait(WAIT_LIMIT)

    scheduler = scheduler_factory([PeriodicJob("hang", "t.hang", 60)], {"t.hang": hang})
    scheduler.start()
    assert entered.wait(WAIT_LIMIT)
    try:
        assert scheduler.stop(timeout=0.2) is False
    finally:
        release.set()
    assert scheduler.stop(timeout=5) is True


def test_a_job_without_its_module_is_skipped_with_one_log_line(scheduler_factory, caplog) -> None:
    calls: list[int] = []
    scheduler = Scheduler(
        [
            PeriodicJob("missing", "sightline_no_such_app.tasks.run", 0.01),
            PeriodicJob("present", "t.present", 0.01),
        ],
        resolve=lambda path: (
            import_task(path) if path.startswith("sightline") else lambda: calls.append(1)
        ),
    )
    with caplog.at_level(logging.INFO, logger="ops.scheduler"):
        assert scheduler.start() == ["present"]
        assert wait_until(lambda: len(calls) >= 3)
        scheduler.stop(timeout=5)

    skipped = [r for r in caplog.records if "missing skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "sightline_no_such_app.tasks does not exist" in skipped[0].getMessage()


@dataclass(frozen=True)
class TaskModules:
    tasks: str  # a module with a real Celery task `record`
    broken: str  # a module whose own import fails


@pytest.fixture
def task_modules(tmp_path, monkeypatch) -> Iterator[TaskModules]:
    """Real modules on sys.path, named afresh for each test: Celery keeps a task registered under
    its module's name for the whole session."""
    suffix = new_id("m").replace("m_", "")
    names = TaskModules(tasks=f"ops_tasks_{suffix}", broken=f"ops_broken_{suffix}")
    (tmp_path / f"{names.tasks}.py").write_text(
        "import threading\n"
        "from config.celery import app\n"
        "ran_in = []\n"
        "@app.task\n"
        "def record():\n"
        "    ran_in.append(threading.current_thread().name)\n"
    )
    (tmp_path / f"{names.broken}.py").write_text("import sightline_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield names
    for name in (names.tasks, names.broken):
        sys.modules.pop(name, None)


def test_import_task_calls_a_real_celery_task_in_the_scheduler_thread(task_modules) -> None:
    scheduler = Scheduler([PeriodicJob("record", f"{task_modules.tasks}.record", 60)])
    assert scheduler.start() == ["record"]
    module = sys.modules[task_modules.tasks]
    try:
        assert wait_until(lambda: len(module.ran_in) >= 1)
    finally:
        scheduler.stop(timeout=5)
    assert module.ran_in[0] == "job-record"


def test_import_task_tells_a_missing_task_from_a_broken_module(task_modules, caplog) -> None:
    with pytest.raises(JobUnavailable, match="has no task nope"):
        import_task(f"{task_modules.tasks}.nope")
    with pytest.raises(ModuleNotFoundError, match="sightline_missing_dependency"):
        import_task(f"{task_modules.broken}.run")  # a bug in the module: not "unavailable"

    scheduler = Scheduler([PeriodicJob("broken", f"{task_modules.broken}.run", 60)])
    with caplog.at_level(logging.ERROR, logger="ops.scheduler"):
        assert scheduler.start() == []
    scheduler.stop(timeout=1)
    assert f"importing {task_modules.broken}.run failed" in caplog.text
    assert caplog.records[-1].exc_info is not None
