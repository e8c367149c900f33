"""YouTube Data API v3 and Drive v3 uploads, and Google's OAuth token endpoint, on 127.0.0.1.

Speaks the resumable upload protocol the real client uses: `POST ...?uploadType=resumable`
with the metadata opens a session (200 + Location); each `PUT` to the session carries
`Content-Range: bytes a-b/N` and is answered 308 with `Range: bytes=0-<last byte kept>` until
the last byte, then 200 with the created resource; `PUT` with `bytes */N` asks how far the
session got. Faults are scripted per kind of request ('init', 'chunk', 'caption', 'thumbnail'):
an error status with Google's error body, or a dropped connection (TCP reset) after part of a
chunk's body was read, the bytes read so far kept as a real session keeps them.

The body of every chunk is read from the socket as it arrives, so the stub can count every
byte it received: `bytes_received` over all PUTs, and `bytes_resent` for bytes that arrived
for an offset the session already had.

It serves HTTPS with a certificate for 127.0.0.1 made at start (`ca_certs` is its PEM): the
client sends media uploads to the discovery document's https scheme on the endpoint's host,
so a plain-HTTP stub could not receive them.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import socket
import ssl
import struct
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TOKEN_ROUTE = "/token"
CLIENT_ID, CLIENT_SECRET = "stub-client.apps.example", "stub-" + "client-secret"
REFRESH_TOKEN = "1//stub-" + "refresh-token"
_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


@dataclass
class Fault:
    """What to do to the next request of a kind: answer `status` (with `reason`), or drop the connection
    once the session holds `drop_at` bytes (a chunk is cut there)."""

    status: int | None = None
    reason: str = ""
    drop_at: int | None = None


@dataclass
class Session:
    kind: str  # 'youtube' or 'drive'
    metadata: dict[str, Any]
    query: dict[str, list[str]]
    total: int | None = None
    data: bytearray = field(default_factory=bytearray)
    created: dict[str, Any] | None = None


@dataclass
class Logged:
    method: str
    route: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body_bytes: int
    status: int


class GoogleStub:
    """The server and its state; a context manager. `url` has no trailing slash."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self.log: list[Logged] = []
        self.captions: list[dict[str, Any]] = []
        self.thumbnails: list[dict[str, Any]] = []
        self.valid_tokens: set[str] = set()
        self.tokens_issued = 0
        self.bytes_received = 0
        self.bytes_resent = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="google-stub-")
        self.ca_certs = f"{self._folder.name}/cert.pem"

    # ---- scripting and reading back -----------------------------------------------------
    def fail(self, kind: str, *faults: Fault) -> None:
        with self._lock:
            self.faults.setdefault(kind, deque()).extend(faults)

    def expire_tokens(self) -> None:
        """Every access token handed out so far is now refused with 401."""
        with self._lock:
            self.valid_tokens.clear()

    def requests(self, route_part: str = "") -> list[Logged]:
        with self._lock:
            return [r for r in self.log if route_part in r.route]

    def uploaded(self, kind: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.kind == kind and s.created is not None]

    def _fault(self, kind: str, span: tuple[int, int] | None = None) -> Fault | None:
        """The next fault of this kind; a drop waits for the chunk whose bytes [start, end) cross it."""
        with self._lock:
            queue = self.faults.get(kind)
            if not queue:
                return None
            head = queue[0]
            if head.drop_at is not None and span is not None and not span[0] <= head.drop_at < span[1]:
                return None
            return queue.popleft()

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GoogleStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _handle(self) -> None:
                stub._serve(self)

            do_GET = do_POST = do_PUT = _handle

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # dropped connections are what the faults are for

        self._server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
        # A small receive window, as over a real network: a client sending a chunk bigger than its own send
        # buffer (at most 4 MiB here) is still sending when a drop cuts the chunk, and sees it then.
        self._server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        self._server.server_bind()
        self._server.server_activate()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_self_signed(self._folder.name))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def token_uri(self) -> str:
        return self.url + TOKEN_ROUTE

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._folder.cleanup()

    # ---- the wire --------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        route, query = parts.path, parse_qs(parts.query)
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(h.headers.get("Content-Length") or 0)

        def answer(status: int, body: Any = None, extra: dict[str, str] | None = None, read: int = 0) -> None:
            with self._lock:
                self.log.append(Logged(h.command, route, query, headers, read, status))
            payload = b"" if body is None else json.dumps(body).encode()
            h.send_response(status)
            for name, value in (extra or {}).items():
                h.send_header(name, value)
            if body is not None:
                h.send_header("Content-Type", "application/json; charset=UTF-8")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)

        def error(status: int, reason: str, read: int) -> None:
            answer(
                status,
                {
                    "error": {
                        "code": status,
                        "message": reason or "error",
                        "errors": [{"reason": reason or "backendError", "domain": "youtube"}],
                    }
                },
                read=read,
            )

        if route == TOKEN_ROUTE:
            form = parse_qs(h.rfile.read(length).decode())
            if (form.get("grant_type"), form.get("refresh_token"), form.get("client_id")) != (
                ["refresh_token"],
                [REFRESH_TOKEN],
                [CLIENT_ID],
            ):
                return answer(400, {"error": "invalid_grant"}, read=length)
            with self._lock:
                self.tokens_issued += 1
                token = f"stub-access-{self.tokens_issued}"
                self.valid_tokens.add(token)
            return answer(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}, read=length)

        authorised = (h.headers.get("Authorization") or "").removeprefix("Bearer ") in self.valid_tokens
        session_match = re.fullmatch(r"/upload/session/(\w+)", route)
        if session_match:
            session = self.sessions.get(session_match[1])
            if session is None:
                h.rfile.read(length)
                return error(404, "notFound", length)
            return self._chunk(h, session, length, answer, error)
        body = h.rfile.read(length)
        if not authorised:
            return answer(
                401,
                {"error": {"code": 401, "status": "UNAUTHENTICATED", "errors": [{"reason": "authError"}]}},
                read=length,
            )
        kind = {
            "/upload/youtube/v3/videos": "init",
            "/upload/drive/v3/files": "init",
            "/upload/youtube/v3/captions": "caption",
            "/upload/youtube/v3/thumbnails/set": "thumbnail",
        }.get(route)
        if kind is None:
            return error(404, "notFound", length)
        fault = self._fault(kind)
        if fault and fault.status:
            return error(fault.status, fault.reason, length)
        if kind == "init":
            if query.get("uploadType") != ["resumable"]:
                return error(400, "badRequest", length)
            sid = f"s{len(self.sessions) + 1}"
            total = h.headers.get("X-Upload-Content-Length")
            self.sessions[sid] = Session(
                "youtube" if "youtube" in route else "drive",
                json.loads(body or b"{}"),
                query,
                int(total) if total else None,
            )
            return answer(200, None, {"Location": f"{self.url}/upload/session/{sid}"}, read=length)
        record = {"query": query, "body": body, "content_type": h.headers.get("Content-Type", "")}
        if kind == "caption":
            self.captions.append(record)
            return answer(200, {"kind": "youtube#caption", "id": f"cap{len(self.captions)}"}, read=length)
        self.thumbnails.append(record)
        return answer(200, {"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "x"}}]}, read=length)

    def _chunk(self, h: BaseHTTPRequestHandler, session: Session, length: int, answer: Any, error: Any) -> None:
        content_range = _RANGE.match(h.headers.get("Content-Range", ""))
        if content_range is None:
            h.rfile.read(length)
            return error(400, "badContentRange", length)
        first, total = content_range[1], content_range[3]
        if total != "*":
            session.total = int(total)
        fault = None if first is None else self._fault("chunk", (int(first), int(first) + length))
        if fault and fault.status:
            h.rfile.read(length)
            return error(fault.status, fault.reason, length)
        read = 0
        if first is not None:
            offset = int(first)
            take = length
            if fault and fault.drop_at is not None:
                take = max(0, min(length, fault.drop_at - offset))
            body = h.rfile.read(take)
            read = len(body)
            with self._lock:
                self.bytes_received += read
                overlap = max(0, len(session.data) - offset)
                self.bytes_resent += min(overlap, read)
                if offset <= len(session.data):
                    session.data[offset : offset + read] = body
            if take < length:  # the connection drops mid-chunk: a TCP reset, no answer
                with self._lock:
                    self.log.append(
                        Logged("PUT", urlsplit(h.path).path, {}, {k.lower(): v for k, v in h.headers.items()}, read, 0)
                    )
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # The socket's file objects would keep it open past close(): take its descriptor away from
                # them and close that, so the reset goes out now, like a network dropping the connection.
                os.close(h.connection.detach())
                h.close_connection = True
                return None
        if session.total is not None and len(session.data) >= session.total:
            if session.created is None:
                session.created = self._created(session)
            return answer(200, session.created, read=read)
        extra = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        return answer(308, None, extra, read=read)

    def _created(self, session: Session) -> dict[str, Any]:
        number = len([s for s in self.sessions.values() if s.created is not None]) + 1
        if session.kind == "youtube":
            return {
                "kind": "youtube#video",
                "id": f"vid{number:08d}",
                "snippet": session.metadata.get("snippet", {}),
                "status": session.metadata.get("status", {}),
            }
        return {
            "kind": "drive#file",
            "id": f"file{number:06d}",
            "name": session.metadata.get("name"),
            "parents": session.metadata.get("parents", []),
            "webViewLink": f"https://drive.google.com/file/d/file{number:06d}/view",
        }


def authorized_user(stub: GoogleStub) -> str:
    """The authorized-user JSON NOTES_PIPELINE_GOOGLE_OAUTH holds (google-auth ignores a token_uri in it)."""
    return json.dumps(
        {
            "type": "authorized_user",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        }
    )


def _self_signed(folder: str) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files in `folder` (the cert is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = f"{folder}/cert.pem", f"{folder}/key.pem"
    with open(cert_path, "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path
