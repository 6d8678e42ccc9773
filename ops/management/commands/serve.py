"""`manage.py serve [ADDR:PORT]`: the embedded default's one process.

A multi-threaded WSGI server (waitress) for the whole app, static files included (WhiteNoise),
plus the in-process scheduler for the periodic jobs (ops.scheduler). chDB allows one process
per data directory, so this is how the embedded default runs: one process, many threads.
In production Celery beat runs the periodic jobs; there `serve` starts no scheduler unless
`--scheduler` asks for one.
"""

import gc
import logging
import signal
import socket
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.wsgi import application
from ops.oversized_bodies import create_server_dropping_oversized
from ops.schedule import PERIODIC_JOBS
from ops.scheduler import Scheduler
from usage.recorder import usage_flush
from warehouse.backends import set_backend

logger = logging.getLogger("sightline.serve")

DEFAULT_ADDR = "127.0.0.1:8000"
# Bytes waitress asks the socket for at a time (its default: 8 KiB). A 1,000-event ingest batch
# is ~270 KB: 8 KiB reads made its I/O thread go round its select loop 34 times per request,
# holding the GIL the request threads need; 256 KiB takes it in one or two.
RECV_BYTES = 256 * 1024


def parse_addr(addr: str) -> tuple[str, int]:
    """`HOST:PORT`, `PORT` or `[::1]:PORT` -> (host, port). Port 0 picks a free port."""
    host, sep, port = addr.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", addr
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or int(port) > 65535:
        raise CommandError(f"Not an ADDR:PORT: {addr!r}")
    return host, int(port)


def _raise_system_exit(signum: int, frame: FrameType | None) -> None:
    # waitress's run loop turns SystemExit into an orderly shutdown of its worker threads.
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Serve Sightline: a multi-threaded WSGI server plus the in-process periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addr", nargs="?", default=DEFAULT_ADDR, help=f"ADDR:PORT (default {DEFAULT_ADDR})"
        )
        parser.add_argument(
            "--threads", type=int, default=8, help="WSGI worker threads (default 8)"
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--no-scheduler", action="store_true", help="Do not run the periodic jobs here."
        )
        group.add_argument(
            "--scheduler", action="store_true", help="Run them even when SIGHTLINE_ENV=production."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that ADDR:PORT is free, and exit (make run does, before migrating).",
        )

    def handle(
        self,
        *args: object,
        addr: str,
        threads: int,
        no_scheduler: bool,
        scheduler: bool,
        check: bool,
        **options: object,
    ) -> None:
        host, port = parse_addr(addr)
        if check:
            _probe_listen(host, port, addr)
            self.stdout.write(f"{addr} is free.")
            return
        try:
            # waitress buffers a body before the app sees it: one declared larger than any the
            # app accepts is read and dropped, and answered with the JSON 413; a chunked one
            # stops at waitress's cap (1 GB by default, here twice that limit).
            limit = max(settings.INGEST_MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            server = create_server_dropping_oversized(
                application,
                limit=limit,
                host=host,
                port=port,
                threads=threads,
                ident="sightline",
                max_request_body_size=2 * limit,
                recv_bytes=RECV_BYTES,
            )
        except OSError as exc:
            raise _cannot_listen(addr, exc) from exc
        url = f"http://{_url_host(server.effective_host)}:{server.effective_port}/"
        jobs = self._start_scheduler(force=scheduler, disabled=no_scheduler)
        _freeze_startup_objects()  # before the signal handlers: a signal then stops the server
        # Both explicitly: a process started in the background inherits SIGINT as ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_system_exit)
        try:  # from here a signal's SystemExit always passes through the shutdown below
            self.stdout.write(f"Sightline is serving {url} ({threads} threads; Ctrl-C stops it)")
            self.stdout.flush()
            server.run()  # returns after SIGINT / SIGTERM, worker threads shut down
        finally:
            self._shutdown(jobs)

    def _start_scheduler(self, *, force: bool, disabled: bool) -> Scheduler | None:
        if disabled:
            self.stdout.write("Periodic jobs: not run here (--no-scheduler).")
            return None
        if settings.PRODUCTION and not force:
            self.stdout.write(
                "Periodic jobs: not run here (production: Celery beat runs them; see --scheduler)."
            )
            return None
        jobs = Scheduler(PERIODIC_JOBS)
        started = jobs.start()
        self.stdout.write(
            f"Periodic jobs in this process: {', '.join(started) or 'none available yet'}."
        )
        return jobs

    def _shutdown(self, jobs: Scheduler | None) -> None:
        if jobs is not None:
            jobs.stop(timeout=10)
        flushed = usage_flush()  # the embed usage still buffered, before the warehouse closes
        if flushed:
            self.stdout.write(f"Wrote {flushed} buffered embed-usage rows.")
        previous = set_backend(None)
        if previous is not None:
            previous.close()  # chDB flushes and releases its data directory
        self.stdout.write("Sightline stopped.")


def _freeze_startup_objects() -> None:
    """Move everything start-up made (Django, the apps, chDB's bindings: hundreds of thousands
    of objects that live as long as the process) out of the collector's reach. Otherwise each
    full collection walks all of them, an 80 ms pause of every thread at a time under ingest
    load (the p99 of a batch); requests still get every generation's collections."""
    gc.collect()
    gc.freeze()


def _probe_listen(host: str, port: int, addr: str) -> None:
    """Bind as the server would (SO_REUSEADDR, like waitress) and let go at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise _cannot_listen(addr, exc) from exc


def _cannot_listen(addr: str, exc: OSError) -> CommandError:
    """Typically the port is taken, often by an earlier `make run`: say what to do instead of a
    traceback (and before chDB, which one process at a time may open, fails less clearly)."""
    return CommandError(
        f"Cannot listen on {addr}: {exc.strerror or exc}. Is Sightline already running? Stop"
        " it (Ctrl-C), or pick another address (make run ADDR=127.0.0.1:8001)."
    )


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
