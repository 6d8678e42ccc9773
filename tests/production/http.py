"""A small HTTP client for the production tests (urllib: the real sockets of the topology)."""

import urllib.error
import urllib.request
from typing import Any

import orjson


def call(
    method: str,
    url: str,
    body: Any = None,
    *,
    key: str = "",
    headers: dict | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body or raw text). Connection failures raise OSError."""
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), dict(error.headers)
    try:
        return status, got, orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return status, got, raw.decode(errors="replace")
