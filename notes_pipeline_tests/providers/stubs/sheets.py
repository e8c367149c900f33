"""Google Sheets v4 `spreadsheets.values` (get, batchUpdate, append) and an OAuth token endpoint.

The sheet is kept in memory as rows of cells, so tests read back exactly what the real
client wrote. The token endpoint checks the service account's signed JWT (RS256, against
the key's public half, Google's token audience, the spreadsheets scope) before it hands
out an access token, and every Sheets call must carry that token.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply

TOKEN_ROUTE = "/token"
ACCESS_TOKEN = "ya29.stub-access-token"
# google-auth signs service-account grants for Google's token audience whatever token_uri is.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
VALUES = re.compile(r"^/v4/spreadsheets/(?P<sheet>[^/]+)/values(?:/(?P<range>[^:]+))?(?::(?P<verb>\w+))?$")
CELL = re.compile(r"^(?P<col>[A-Z]+)(?P<row>\d*)$")


def service_account_key() -> tuple[dict[str, str], rsa.RSAPublicKey]:
    """A fresh RSA key as a service-account JSON (token_uri filled in by the caller), and its public half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "notes-test",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "audit@notes-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return info, key.public_key()


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


@dataclass
class SheetsStub:
    """One spreadsheet with one tab, and the token endpoint; `fail_next` queues error statuses."""

    spreadsheet_id: str
    public_key: rsa.RSAPublicKey
    token_uri: str = ""
    rows: list[list[object]] = field(default_factory=list)
    tokens_issued: int = 0
    fail_next: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Recorded) -> Reply:
        if request.route == TOKEN_ROUTE:
            return self._token(request)
        if request.header("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return Reply.json({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status=401)
        match = VALUES.match(request.route)
        if not match or unquote(match["sheet"]) != self.spreadsheet_id:
            return Reply.error(404, f"no route {request.route}")
        with self._lock:
            if self.fail_next:
                return Reply.error(self.fail_next.pop(0), "backend error")
            verb = match["verb"]
            if request.method == "GET" and verb is None:
                return self._get(unquote(match["range"]), request.query)
            if request.method == "POST" and verb == "batchUpdate":
                return self._batch_update(request.json())
            if request.method == "POST" and verb == "append":
                return self._append(unquote(match["range"]), request.query, request.json())
        return Reply.error(400, f"unsupported {request.method} {request.route}")

    # ---- OAuth ---------------------------------------------------------------------------
    def _token(self, request: Recorded) -> Reply:
        form = parse_qs(request.body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return Reply.json({"error": "unsupported_grant_type"}, status=400)
        header, claims, signature = form["assertion"][0].split(".")
        try:
            self.public_key.verify(_b64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001 - any bad signature is the same refusal
            return Reply.json({"error": "invalid_grant", "error_description": "bad signature"}, status=400)
        payload = json.loads(_b64(claims))
        if payload.get("aud") not in (self.token_uri, GOOGLE_TOKEN_AUDIENCE) or "auth/spreadsheets" not in payload.get(
            "scope", ""
        ):
            return Reply.json({"error": "invalid_grant", "error_description": "audience or scope"}, status=400)
        self.tokens_issued += 1
        return Reply.json({"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})

    # ---- values ----------------------------------------------------------------------------
    @staticmethod
    def _cells(a1: str) -> tuple[int, int | None, int, int | None]:
        """(first column, first row or None, last column, last row or None) of an A1 range in the one tab."""
        a1 = a1.split("!", 1)[-1]
        start, _, end = a1.partition(":")
        first, last = CELL.match(start), CELL.match(end or start)
        assert first and last, a1
        return (
            _column_number(first["col"]),
            int(first["row"]) if first["row"] else None,
            _column_number(last["col"]),
            int(last["row"]) if last["row"] else None,
        )

    def _get(self, a1: str, query: dict[str, list[str]]) -> Reply:
        col, _, last_col, _ = self._cells(a1)
        assert query.get("majorDimension") == ["COLUMNS"] and col == last_col == 1, (a1, query)
        column = [row[0] if row else "" for row in self.rows]
        answer: dict[str, object] = {"range": f"Sheet1!{a1}", "majorDimension": "COLUMNS"}
        if column:
            answer["values"] = [column]
        return Reply.json(answer)

    def _batch_update(self, body: dict) -> Reply:
        assert body["valueInputOption"] == "RAW"
        updated = 0
        for item in body["data"]:
            col, row, _, _ = self._cells(item["range"])
            assert col == 1 and row is not None and row <= len(self.rows), item["range"]
            for offset, values in enumerate(item["values"]):
                self.rows[row - 1 + offset] = list(values)
                updated += 1
        return Reply.json({"spreadsheetId": self.spreadsheet_id, "totalUpdatedRows": updated})

    def _append(self, a1: str, query: dict[str, list[str]], body: dict) -> Reply:
        assert query.get("valueInputOption") == ["RAW"] and query.get("insertDataOption") == ["INSERT_ROWS"], query
        first = len(self.rows) + 1
        self.rows.extend(list(values) for values in body["values"])
        return Reply.json(
            {
                "spreadsheetId": self.spreadsheet_id,
                "tableRange": a1,
                "updates": {"updatedRange": f"Sheet1!A{first}:A{len(self.rows)}", "updatedRows": len(body["values"])},
            }
        )
