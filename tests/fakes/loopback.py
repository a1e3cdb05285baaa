"""A reusable loopback HTTP server for faking outside APIs in tests.

Subclass :class:`LoopbackServer` and override :meth:`LoopbackServer.handle` to
give the fake its default behaviour (the happy path of the API it imitates).
Tests then steer it per case:

* ``server.script(Reply(...), ...)`` queues replies that are served, in order,
  *instead of* ``handle`` to the next matching requests (``method``/``path``
  narrow which requests a scripted reply may answer; ``None`` matches any);
* ``server.requests`` lists every request received, so tests can assert on the
  headers, query and body that the code under test actually sent.

Usage::

    class EchoServer(LoopbackServer):
        def handle(self, request):
            return Reply.json({"echo": request.json()})

    with EchoServer() as server:
        server.script(Reply.json({"error": "slow down"}, status=429))
        requests.post(server.url + "/echo", json={"a": 1})  # -> 429
        requests.post(server.url + "/echo", json={"a": 1})  # -> 200, echoed
        assert len(server.requests) == 2

The server binds 127.0.0.1 on a free port and serves from a background thread;
it speaks HTTP/1.1 with keep-alive, as real APIs and their clients do.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Leave out Content-Length and close the connection after the body, so the
    # client must stream until EOF (tests of size limits that cannot trust headers).
    without_content_length: bool = False
    delay_seconds: float = 0.0  # think this long before answering, like a slow API

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> "Reply":
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )


@dataclass(frozen=True)
class _ScriptedReply:
    reply: Reply
    method: str | None
    path: str | None

    def matches(self, request: RecordedRequest) -> bool:
        return (self.method in (None, request.method)) and (self.path in (None, request.path))


class LoopbackServer:
    """Base class of the fakes: subclasses override :meth:`handle`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._script: list[_ScriptedReply] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # clients may keep idle keep-alive connections open
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # how fast stop() is noticed
            name=type(self).__name__,
            daemon=True,
        )

    # -- lifecycle -------------------------------------------------------
    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- steering from tests ----------------------------------------------
    def script(self, *replies: Reply, method: str | None = None, path: str | None = None) -> None:
        """Queue replies for the next requests matching ``method`` and ``path``."""
        with self._lock:
            self._script.extend(_ScriptedReply(reply, method, path) for reply in replies)

    def reset(self) -> None:
        """Forget the requests received and the replies still scripted (a server shared by several tests)."""
        with self._lock:
            self._requests.clear()
            self._script.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    # -- for subclasses ----------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        """The fake's default behaviour when no scripted reply matches."""
        return Reply.json({"error": f"no route for {request.method} {request.path}"}, status=404)

    def gate(self, request: RecordedRequest) -> Reply | None:
        """A reply that pre-empts everything else (scripted or not), e.g. a rate limit; None lets the request in."""
        return None

    # -- internals -----------------------------------------------------------
    def _respond(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
        refused = self.gate(request)
        if refused is not None:
            return refused
        with self._lock:
            scripted = next((s for s in self._script if s.matches(request)), None)
            if scripted is not None:
                self._script.remove(scripted)
        return scripted.reply if scripted is not None else self.handle(request)


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # drop idle keep-alive connections so worker threads end

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            request = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            try:
                reply = server._respond(request)
            except Exception as error:  # a bug in a fake must show up as a clear 500, not a hang
                reply = Reply.json({"error": f"fake server crashed: {error!r}"}, status=500)
            self._write(reply)

        def _write(self, reply: Reply) -> None:
            time.sleep(reply.delay_seconds)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.without_content_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args) -> None:  # keep test output quiet
            pass

    return Handler
