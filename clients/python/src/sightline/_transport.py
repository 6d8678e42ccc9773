"""One HTTP call to the Sightline API with retries: a 429 (honouring Retry-After) always, 5xx
and broken connections when the call is safe to repeat, with exponential backoff and jitter."""

from __future__ import annotations

import email.utils
import gzip
import json
import random
import time
from typing import Any

import httpx

from sightline.errors import SightlineConnectionError, api_error_from

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Transport:
    def __init__(
        self,
        *,
        host: str,
        api_key: str,
        timeout: float,
        max_retries: int,
        retry_base: float,
        max_retry_delay: float,
        user_agent: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Any = time.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.retry_base = retry_base
        self.max_retry_delay = max_retry_delay
        self.sleep = sleep
        self.client = httpx.Client(
            base_url=host,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": user_agent,
            },
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        compress: bool = False,
        idempotent: bool | None = None,
    ) -> Any:
        """The answer's JSON (None for 204). `idempotent`: may a 5xx or a broken connection be
        retried (a 429 always is: nothing ran)? Defaults to True for GET and DELETE."""
        if idempotent is None:
            idempotent = method in ("GET", "DELETE")
        params = {
            key: json.dumps(value) if isinstance(value, (dict, list)) else _plain(value)
            for key, value in (query or {}).items()
            if value is not None
        }
        headers: dict[str, str] = {}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            if compress:
                content = gzip.compress(content, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        attempt = 0
        while True:
            try:
                response = self.client.request(
                    method, path, params=params, content=content, headers=headers
                )
            except httpx.TransportError as error:
                if idempotent and attempt < self.max_retries:
                    self.sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise SightlineConnectionError(f"{method} {path}: {error!r}") from error
            if response.is_success:
                return response.json() if response.status_code != 204 and response.content else None
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            retryable = response.status_code == 429 or (
                idempotent and response.status_code in RETRY_STATUSES
            )
            if retryable and attempt < self.max_retries:
                delay = self._backoff(attempt) if retry_after is None else retry_after
                self.sleep(min(delay, self.max_retry_delay))
                attempt += 1
                continue
            try:
                answer = response.json()
            except ValueError:
                answer = None
            raise api_error_from(response.status_code, answer, retry_after)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_retry_delay, self.retry_base * 2**attempt)
        return ceiling / 2 + random.random() * ceiling / 2


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date; None when absent or odd."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
