"""Widgets drawn on the server by the browser's own renderer: a small pool of long-lived Node
processes running build/chart-worker.mjs (scripts/chart-worker.mjs bundled by `npm run build`:
@sightline/charts' `server.js`, ECharts' server-side SVG renderer, rasterized to PNG by resvg),
driven over stdin/stdout with one JSON line per request and one per answer.

A worker starts on first use, is restarted when it has died (and the request retried once),
and is killed when it does not answer within `CHART_RENDER_TIMEOUT` seconds. `CHART_WORKERS`
processes (default: one per core, at most 4) render concurrently: `render_cards` splits its jobs
between them. Node (`SIGHTLINE_NODE`, default `node` on the PATH) is a runtime dependency.
"""

import atexit
import base64
import logging
import os
import queue
import selectors
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings

logger = logging.getLogger(__name__)

WORKER_SCRIPT = Path(settings.BASE_DIR) / "build" / "chart-worker.mjs"
READ_CHUNK = 1 << 16


class ChartRenderError(RuntimeError):
    """The renderer could not answer (Node missing, the worker died twice, or a timeout)."""


class ChartWorker:
    """One Node process; used by one thread at a time (the pool hands it out)."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._next_id = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.stop()
        if not WORKER_SCRIPT.exists():
            raise ChartRenderError(f"{WORKER_SCRIPT} is missing: run `make install`")
        try:
            self.process = subprocess.Popen(
                [settings.SIGHTLINE_NODE, str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=settings.BASE_DIR,
            )
        except OSError as exc:
            raise ChartRenderError(f"cannot start the chart renderer (Node): {exc}") from exc
        self._buffer = b""
        threading.Thread(target=self._log_stderr, args=(self.process,), daemon=True).start()

    @staticmethod
    def _log_stderr(process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            logger.warning(
                "chart worker %s: %s", process.pid, line.decode(errors="replace").rstrip()
            )

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def request(self, jobs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The worker's answer to `jobs`; a dead worker is restarted and asked once more."""
        for attempt in (1, 2):
            if not self.alive():
                self.start()
            try:
                return self._exchange(jobs)
            except (BrokenPipeError, EOFError) as exc:
                logger.warning("chart worker %s died (%s); restarting", self.pid, exc or "EOF")
                self.stop()
                if attempt == 2:
                    raise ChartRenderError("the chart renderer died twice on one request") from exc
        raise AssertionError("unreachable")

    def _exchange(self, jobs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin is not None
        self._next_id += 1
        line = orjson.dumps({"id": self._next_id, "jobs": list(jobs)}) + b"\n"
        self.process.stdin.write(line)
        self.process.stdin.flush()
        answer = orjson.loads(self._read_line(time.monotonic() + self.timeout))
        if answer.get("id") != self._next_id:
            self.stop()
            raise ChartRenderError(f"the chart renderer answered out of turn: {answer!r:.200}")
        return answer

    def _read_line(self, deadline: float) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    pid = self.pid
                    self.stop()
                    raise ChartRenderError(f"the chart renderer ({pid}) timed out; killed")
                chunk = os.read(fd, READ_CHUNK)
                if not chunk:
                    raise EOFError
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


class ChartPool:
    """`size` workers; `render_cards` spreads its jobs over them, each from its own thread."""

    def __init__(self, *, size: int, timeout: float) -> None:
        self.workers = [ChartWorker(timeout=timeout) for _ in range(size)]
        self._idle: queue.SimpleQueue[ChartWorker] = queue.SimpleQueue()
        for worker in self.workers:
            self._idle.put(worker)
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="chart-worker")
        self.meta: dict[str, Any] = {}
        self.busy_seconds = 0.0  # summed over the workers: time spent answering requests
        self._busy_lock = threading.Lock()

    def submit(self, jobs: Sequence[dict[str, Any]]) -> "Future[list[dict[str, Any]]]":
        """Render `jobs` on the next free worker; the future's result is one card per job (a
        card that failed is {"error": ...})."""
        return self._threads.submit(self._run, list(jobs))

    def render_cards(self, jobs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        size = len(self.workers)
        step = max(1, -(-len(jobs) // size))
        futures = [self.submit(jobs[i : i + step]) for i in range(0, len(jobs), step)]
        return [card for future in futures for card in future.result()]

    def _run(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        worker = self._idle.get()
        started = time.perf_counter()
        try:
            answer = worker.request(jobs)
        finally:
            self._idle.put(worker)
            with self._busy_lock:
                self.busy_seconds += time.perf_counter() - started
        if "error" in answer:
            raise ChartRenderError(str(answer["error"]))
        self.meta = {"colors": answer["colors"], "states": answer["states"]}
        for card in answer["cards"]:
            for image in (card, (card.get("kpi") or {}).get("sparkline") or {}):
                if "png" in image:
                    image["png"] = base64.b64decode(image["png"])
        return answer["cards"]

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        for worker in self.workers:
            worker.stop()


_pool: ChartPool | None = None
_pool_lock = threading.Lock()


def chart_pool() -> ChartPool:
    """The process's pool, created on first use (no Node process starts before a render)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ChartPool(size=settings.CHART_WORKERS, timeout=settings.CHART_RENDER_TIMEOUT)
            atexit.register(_pool.close)
        return _pool
