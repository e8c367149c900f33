"""A small threaded HTTP server that answers like a provider and fails on demand.

Each request is first matched against the scripted queue (`script(...)`, consumed in
order, one reply per request); when the queue is empty the handler gives the normal
answer. Every request is logged (method, path with query, headers, body) so tests can
check the exact wire format a real SDK sent. `latency_s` delays every answer, which the
benchmarks use to model slow providers.
"""

from __future__ import annotations

import io
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image


@dataclass(frozen=True)
class Recorded:
    """One request as the stub received it. `path` keeps the query string."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def route(self) -> str:
        """The path without the query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass(frozen=True)
class Reply:
    """What the stub answers to one request.

    hang_s: wait this long before answering (longer than the client's read timeout = a timeout).
    truncate_to: announce the full Content-Length but send only this many bytes, then close.
    announce_length: False sends no Content-Length; the body ends when the connection closes.
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    truncate_to: int | None = None
    announce_length: bool = True

    # ---- the normal answers ------------------------------------------------------------
    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(status=status, body=json.dumps(value).encode(), headers=headers or {})

    @classmethod
    def raw(cls, body: bytes, content_type: str | None, status: int = 200) -> Reply:
        return cls(status=status, body=body, content_type=content_type)

    @classmethod
    def png(cls, width: int = 64, height: int = 64, **kwargs: Any) -> Reply:
        return cls(body=png_bytes(width, height, **kwargs), content_type="image/png")

    # ---- the faults -------------------------------------------------------------------
    @classmethod
    def too_many(cls, retry_after: float | str | None = 1) -> Reply:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls.json(
            {"error": {"code": 429, "message": "rate limited", "status": "RESOURCE_EXHAUSTED"}},
            status=429,
            headers=headers,
        )

    @classmethod
    def error(cls, status: int = 500, message: str = "internal error") -> Reply:
        return cls.json({"error": {"code": status, "message": message}}, status=status)

    @classmethod
    def hang(cls, seconds: float = 5.0) -> Reply:
        return cls.json({"late": True}, headers={}).with_(hang_s=seconds)

    @classmethod
    def malformed_json(cls) -> Reply:
        return cls(body=b'{"result": {"image": "iVBORw0KGgo', content_type="application/json")

    @classmethod
    def truncated(cls, body: bytes | None = None, keep: float = 0.5, content_type: str = "image/png") -> Reply:
        body = body if body is not None else png_bytes(256, 256, pattern="gradient")
        return cls(body=body, content_type=content_type, truncate_to=int(len(body) * keep))

    @classmethod
    def wrong_type(
        cls, body: bytes = b"<html><body>Service busy</body></html>", content_type: str = "text/html; charset=utf-8"
    ) -> Reply:
        return cls(body=body, content_type=content_type)

    @classmethod
    def oversized(cls, size_bytes: int = 30_000_000, content_type: str = "image/png", announce: bool = True) -> Reply:
        """A big body; announce=False hides its size, so only a streaming cap can stop it."""
        return cls(
            body=b"\x89PNG\r\n\x1a\n" + b"\0" * (size_bytes - 8), content_type=content_type, announce_length=announce
        )

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status=status, body=b"", content_type=None, headers={"Location": location})

    def with_(self, **changes: Any) -> Reply:
        values = {**self.__dict__, **changes}
        return Reply(**values)


@lru_cache(maxsize=64)
def png_bytes(
    width: int = 64, height: int = 64, *, pattern: str = "gradient", colour: tuple[int, int, int] = (40, 90, 160)
) -> bytes:
    """A real PNG: 'gradient' (a plausible picture), 'flat' (one colour) or 'noise' (random pixels)."""
    if pattern == "flat":
        image = Image.new("RGB", (width, height), colour)
    elif pattern == "noise":
        import numpy as np

        rng = np.random.default_rng(7)
        image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    else:
        import numpy as np

        y, x = np.mgrid[0:height, 0:width]
        red = (x * 255 // max(1, width - 1)).astype(np.uint8)
        green = (y * 255 // max(1, height - 1)).astype(np.uint8)
        blue = ((x + y) * 127 // max(1, width + height - 2) + colour[2] // 2).astype(np.uint8)
        image = Image.fromarray(np.dstack([red, green, blue]))
        # A few shapes so the picture has edges like a real one, not just a smooth ramp.
        from PIL import ImageDraw

        draw = ImageDraw.Draw(image)
        for i in range(4):
            box = [width * (0.1 + 0.2 * i), height * 0.3, width * (0.25 + 0.2 * i), height * 0.7]
            draw.ellipse(box, fill=(250 - 40 * i, 200, 60 + 40 * i))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


Handler = Callable[[Recorded], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is what half the scripted faults are for: not an error."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def _not_found(request: Recorded) -> Reply:
    return Reply.error(404, f"no route for {request.method} {request.route}")


class StubServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) in a daemon thread; a context manager.

    Attributes: url ('http://127.0.0.1:PORT', no trailing slash), port, requests (the log),
    latency_s (added before every answer), in_flight and max_in_flight (requests being answered
    at once, now and at most: how concurrency limits are measured). Methods: script(*replies),
    calls(route_prefix).
    """

    def __init__(self, handler: Handler | None = None, *, latency_s: float = 0.0) -> None:
        self.handler: Handler = handler or _not_found
        self.latency_s = latency_s
        self.requests: list[Recorded] = []
        self._queue: deque[Reply | Handler] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.in_flight = 0
        self.max_in_flight = 0

    # ---- scripting ----------------------------------------------------------------------
    def script(self, *replies: Reply | Handler) -> StubServer:
        """Queue replies (or per-request handlers) for the next requests, in order."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def script_many(self, replies: Iterable[Reply | Handler]) -> StubServer:
        return self.script(*replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._queue)

    def calls(self, route_prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.route.startswith(route_prefix)]

    def _reply_for(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._queue.popleft() if self._queue else None
        if scripted is None:
            return self.handler(request)
        return scripted if isinstance(scripted, Reply) else scripted(request)

    # ---- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "the stub is not running"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StubServer:
        stub = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass  # keep pytest output clean; the request log is `stub.requests`

            def _serve(self) -> None:
                with stub._lock:
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    self._answer()
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, dict(self.headers.items()), body)
                try:
                    reply = stub._reply_for(recorded)
                except Exception as err:  # noqa: BLE001 - a broken handler is a 500, not a dead server
                    reply = Reply.error(500, f"stub handler failed: {err!r}")
                wait = stub.latency_s + reply.hang_s
                if wait and stub._closing.wait(wait):
                    return
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    closes = reply.truncate_to is not None or not reply.announce_length
                    if reply.announce_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    if closes:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to])
                    self.wfile.flush()
                    if closes:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading (size cap, timeout)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        server = _QuietServer(("127.0.0.1", 0), _RequestHandler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"stub-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
