"""Ingest load for the fault tests: threads posting batches with fixed insert_ids to both web
processes, remembering exactly which batches were answered 202 (and which got what)."""

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from tests.production.http import call


@dataclass
class IngestLoad:
    urls: list[str]
    key: str
    batch_size: int = 20
    threads: int = 2
    pause: float = 0.02
    accepted: dict[str, int] = field(default_factory=dict)  # batch (tenant) id -> events
    statuses: Counter = field(default_factory=Counter)  # 202, 503, "error", …
    retry_after: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def batch(self) -> tuple[str, dict]:
        """One batch = one tenant of its own, so a partial write would show as a short count."""
        batch_id = f"b{uuid.uuid4().hex[:12]}"
        events = [
            {"tenant_id": batch_id, "event_name": "api.call", "insert_id": f"{batch_id}-{i}",
             "user_id": f"u{i}", "numeric_props": {"n": i}}
            for i in range(self.batch_size)
        ]  # fmt: skip
        return batch_id, {"events": events}

    def send_one(self, url: str) -> int | str:
        batch_id, body = self.batch()
        try:
            status, headers, _ = call("POST", f"{url}/v1/events", body, key=self.key, timeout=30)
        except OSError:
            status, headers = "error", {}
        with self._lock:
            self.statuses[status] += 1
            if status == 202:
                self.accepted[batch_id] = self.batch_size
            if "Retry-After" in headers:
                self.retry_after.add(headers["Retry-After"])
        return status

    def _run(self, index: int) -> None:
        sent = 0
        while not self._stop.is_set():
            self.send_one(self.urls[(index + sent) % len(self.urls)])
            sent += 1
            time.sleep(self.pause)

    def start(self) -> "IngestLoad":
        for index in range(self.threads):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(60)

    @property
    def accepted_events(self) -> int:
        return sum(self.accepted.values())
