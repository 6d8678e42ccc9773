"""`manage.py ingest_drain [--once]`: the stream writer in the foreground, without Celery - for
an operator draining a backlog by hand, or a deployment that runs writers as plain processes.
Each round is `ingest.drain.stream_drain`, the same code the periodic Celery task runs."""

import json
import time
from dataclasses import asdict

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingest.drain import DrainConfig, stream_drain
from ingest.stream import redis_client


class Command(BaseCommand):
    help = "Write the events buffered in the Redis stream to the warehouse (INGEST_BUFFER=redis)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then print its result")
        parser.add_argument("--every", type=float, default=1.0, help="seconds between rounds")

    def handle(self, *args: object, once: bool, every: float, **options: object) -> None:
        if settings.INGEST_BUFFER != "redis":
            raise CommandError(
                "INGEST_BUFFER is not 'redis': the API inserts directly, nothing to drain."
            )
        client, config = redis_client(), DrainConfig.from_settings()
        if once:
            self.stdout.write(json.dumps(asdict(stream_drain(client=client, config=config))))
            return
        self.stdout.write(f"Draining {config.stream} as {config.consumer}; Ctrl-C stops.")
        try:
            while True:
                began = time.monotonic()
                result = stream_drain(client=client, config=config)
                if result.events or result.dead_lettered:
                    self.stdout.write(json.dumps(asdict(result)))
                time.sleep(max(0.0, began + every - time.monotonic()))
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
