"""A small HTTP proxy on loopback in front of the live server that injects faults into
POST /v1/events: a 429 with Retry-After (not forwarded), or a dropped connection AFTER the
server accepted the batch (the client never sees the answer, so it must retry)."""

import gzip
import http.client
import http.server
import json
import threading
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy:
    def __init__(self, upstream: str, faults: dict[int, str]) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = faults
        self.log: list[dict[str, Any]] = []  # one entry per POST /v1/events
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                proxy.handle(self)

            do_POST = do_PATCH = do_DELETE = do_GET  # noqa: N815

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        action = "forward"
        if handler.command == "POST" and handler.path.startswith("/v1/events"):
            action = self.faults.get(len(self.log) + 1, "forward")
            compressed = handler.headers.get("Content-Encoding") == "gzip"
            events = json.loads(gzip.decompress(body) if compressed else body)["events"]
            self.log.append(
                {
                    "action": action,
                    "gzip": compressed,
                    "events": [(e["insert_id"], e["timestamp"]) for e in events],
                }
            )
        if action == "429":
            answer = json.dumps({"error": {"code": "rate_limited", "message": "Injected."}})
            handler.send_response(429)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Retry-After", "1")
            handler.send_header("Content-Length", str(len(answer)))
            handler.end_headers()
            handler.wfile.write(answer.encode())
            return
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        connection.request(handler.command, handler.path, body=body, headers=headers)
        upstream = connection.getresponse()
        answer = upstream.read()
        connection.close()
        if action == "drop":
            handler.close_connection = True  # the server has the events; no answer at all
            handler.connection.close()
            return
        handler.send_response(upstream.status)
        for name, value in upstream.getheaders():
            if name.lower() not in HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)
