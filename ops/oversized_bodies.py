"""Waitress, taught to answer a too-large request body with the app's JSON 413.

Waitress reads a whole body before the app sees it, and one over its `max_request_body_size`
it refuses with a plain-text 413 and closes the connection at once: a client still sending
(a 36 MB batch) gets its connection reset and never reads the answer. Here a fixed-length body
over `limit` bytes is read and dropped instead (never buffered), and a thin WSGI layer answers
it with the project's JSON 413 (whatever the route and the credentials: nobody can act on a
body that was not kept), which the client, having sent everything, reads. Chunked bodies (no
declared length) keep waitress's own cap.
"""

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import FixedStreamReceiver
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from core.errors import PayloadTooLarge

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

DROP_AT_MOST = 1024**3  # past this a body is not worth reading to answer it: waitress closes


class _Dropped:
    """A body buffer that keeps nothing (the parts of waitress's buffers that a request uses)."""

    def __init__(self) -> None:
        self.dropped = 0

    def append(self, data: bytes) -> None:
        self.dropped += len(data)

    def __len__(self) -> int:
        return 0

    def getfile(self) -> io.BytesIO:
        return io.BytesIO(b"")

    def close(self) -> None:
        pass


def _parser_class(limit: int) -> type[HTTPRequestParser]:
    class Parser(HTTPRequestParser):
        dropping = False

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            declared = self.content_length
            if isinstance(self.body_rcv, FixedStreamReceiver) and limit < declared <= DROP_AT_MOST:
                self.body_rcv = FixedStreamReceiver(declared, _Dropped())
                self.dropping = True
                # Past waitress's own refusal; the app layer reads the declared CONTENT_LENGTH.
                self.content_length = 0

        def received(self, data: bytes) -> int:
            if not (self.dropping and self.headers_finished) or self.completed:
                return super().received(data)
            consumed = self.body_rcv.received(data)  # waitress would count it against its cap
            self.completed = self.body_rcv.completed
            return consumed

    return Parser


def _refusing_oversized(application: WSGIApp, limit: int) -> WSGIApp:
    body = PayloadTooLarge(f"The body is larger than {limit} bytes; send smaller batches.")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared <= limit:
            return application(environ, start_response)
        payload = orjson.dumps(body.body())
        start_response(
            "413 Payload Too Large",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    return app


def create_server_dropping_oversized(
    application: WSGIApp, *, limit: int, **adjustments: Any
) -> BaseWSGIServer | MultiSocketServer:
    """waitress.create_server, where a body declared over `limit` bytes is read, dropped and
    answered with the JSON 413."""
    server = create_server(_refusing_oversized(application, limit), **adjustments)
    channel_class = type("Channel", (HTTPChannel,), {"parser_class": _parser_class(limit)})
    servers = server.effective_listen if isinstance(server, MultiSocketServer) else [server]
    for each in servers:
        each.channel_class = channel_class
    return server
