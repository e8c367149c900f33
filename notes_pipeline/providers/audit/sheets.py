"""The audit trail as a Google Sheet: one row per workflow, updated in place as its stages finish.

The sheet is a projection of the Postgres record, not a second source of truth: an event
only marks its workflow as changed; a background thread gathers the changed workflows for
a short window, reads their rows from Postgres (so a row written by any step process is
complete) and writes them in two calls at most: one `values.batchUpdate` for rows already
in the sheet (found by the workflow id in column A), one `values.append` for new ones.
Calls go through the shared HTTP policy (retries with backoff on 429/5xx/timeouts); a batch
that still fails is tried again with the next one, and never reaches the pipeline.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from notes_pipeline.domain.events import PipelineEvent, WorkflowRecord
from notes_pipeline.providers.audit.background import BackgroundQueue
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.google_api import execute
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import HttpError

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
DEFAULT_ENDPOINT = "https://sheets.googleapis.com/"
STAGES = ("video_script", "scene_narration", "scene_images", "final_video")
WORKFLOW_COLUMNS = (
    "workflow",
    "document",
    "run",
    "tier",
    "status",
    "started_at",
    "ended_at",
    "total_s",
    "retries",
    "errors",
    "last_error",
)
HEADER = [
    *WORKFLOW_COLUMNS,
    *(f"{stage}_{part}" for stage in STAGES for part in ("status", "attempts", "started_at", "ended_at")),
    "other_stages",
]
# A failed batch's workflows ride along with the next batches this many times before being given up.
MAX_BATCH_RETRIES = 3
CELL_LIMIT = 5000  # Sheets allows 50,000 characters per cell; errors are cut well before that

Loader = Callable[[list[str]], list[WorkflowRecord]]


class SheetsConfigError(ValueError):
    """The service-account credentials cannot be used; the message never repeats them."""


def column_letter(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _time(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def workflow_row(record: WorkflowRecord) -> list[str | int | float]:
    """The sheet row of a workflow, in HEADER's order; plain values (RAW input, no formulas)."""
    row: list[str | int | float] = [
        record.id,
        record.project_id,
        record.run_id or "",
        record.tier or "",
        record.status,
        _time(record.started_at),
        _time(record.ended_at),
        round(record.total_s, 3) if record.total_s is not None else "",
        record.retries,
        record.errors,
        (record.last_error or "")[:CELL_LIMIT],
    ]
    for stage in STAGES:
        found = record.stages.get(stage)
        row += [found.status, found.attempts, _time(found.started_at), _time(found.ended_at)] if found else [""] * 4
    others = {name: s.model_dump(mode="json") for name, s in record.stages.items() if name not in STAGES}
    row.append(json.dumps(others, sort_keys=True)[:CELL_LIMIT] if others else "")
    return row


def service_account_credentials(value: str) -> Any:
    """Credentials from GOOGLE_SHEETS_CREDENTIALS: the service account's JSON itself, or a path to it."""
    from google.oauth2 import service_account

    text = value.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise SheetsConfigError("GOOGLE_SHEETS_CREDENTIALS is neither service-account JSON nor a readable file")
        text = path.read_text(encoding="utf-8")
    try:
        info = json.loads(text)
        return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, KeyError, TypeError) as err:
        raise SheetsConfigError(
            f"GOOGLE_SHEETS_CREDENTIALS is not a usable service-account key ({type(err).__name__})"
        ) from None


def sheets_service(credentials: Any, *, endpoint: str = DEFAULT_ENDPOINT, timeout_s: float = 10) -> Any:
    """The real Sheets v4 client (static discovery document: building it makes no request)."""
    import google_auth_httplib2
    import httplib2
    from googleapiclient.discovery import build

    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout_s))
    return build(
        "sheets",
        "v4",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": endpoint if endpoint.endswith("/") else endpoint + "/"},
    )


class SheetsAuditSink:
    """An AuditSink keeping one row per workflow in the first (or the named) tab of a spreadsheet.

    service: a Sheets v4 client (`sheets_service`), used from the background thread only
    (httplib2 is not thread-safe). load: workflow ids -> their records (Postgres).
    """

    name = "sheets"

    def __init__(
        self,
        service: Any,
        spreadsheet_id: str,
        load: Loader,
        *,
        tab: str = "",
        http: HttpConfig | None = None,
        flush_interval_s: float = 2.0,
        max_batch: int = 200,
        queue_size: int = 1000,
        secrets: Sequence[str] = (),
    ) -> None:
        self.service, self.spreadsheet_id, self.load = service, spreadsheet_id, load
        self.prefix = f"'{tab.replace(chr(39), chr(39) * 2)}'!" if tab else ""
        self.client = HttpClient(self.name, http, secrets=[spreadsheet_id, *secrets])
        self._retry: dict[str, int] = {}
        self.writes = 0
        self.queue: BackgroundQueue[str] = BackgroundQueue(
            self.name, self._flush, maxsize=queue_size, max_batch=max_batch, batch_window_s=flush_interval_s
        )

    def record(self, event: PipelineEvent) -> None:
        # Only the workflow id travels: the row is read from Postgres when the batch is written.
        self.queue.submit(event.workflow_id)

    def close(self, timeout_s: float = 0.0) -> bool:
        return self.queue.close(timeout_s)

    # ---- the background side -------------------------------------------------------------
    def _flush(self, workflow_ids: list[str]) -> None:
        wanted = list(dict.fromkeys([*workflow_ids, *self._retry]))
        try:
            self.write(wanted)
        except Exception as err:  # noqa: BLE001 - the API, the token or the database: all retried the same way
            given_up = []
            for workflow_id in wanted:
                self._retry[workflow_id] = self._retry.get(workflow_id, 0) + 1
                if self._retry[workflow_id] > MAX_BATCH_RETRIES:
                    del self._retry[workflow_id]
                    given_up.append(workflow_id)
            log.warning(
                "sheets: writing %d workflow row(s) failed%s: %s",
                len(wanted),
                f" ({len(given_up)} given up until their next event)"
                if given_up
                else "; they are retried with the next batch",
                err if isinstance(err, HttpError) else type(err).__name__,
            )
        else:
            self._retry.clear()

    def write(self, workflow_ids: list[str]) -> None:
        """Write the current rows of these workflows: in place when present, appended when new."""
        records = self.load(workflow_ids)
        if not records:
            return
        values = self.service.spreadsheets().values()
        column = self._call(
            "read column A",
            lambda: values.get(spreadsheetId=self.spreadsheet_id, range=f"{self.prefix}A:A", majorDimension="COLUMNS"),
        )
        ids = (column.get("values") or [[]])[0] if isinstance(column, dict) else []
        at_row = {value: number for number, value in enumerate(ids, start=1) if value}
        last = column_letter(len(HEADER))
        updates = [
            {"range": f"{self.prefix}A{at_row[r.id]}:{last}{at_row[r.id]}", "values": [workflow_row(r)]}
            for r in records
            if r.id in at_row
        ]
        new_rows = [workflow_row(r) for r in records if r.id not in at_row]
        if not ids:
            new_rows.insert(0, list(HEADER))
        if updates:
            self._call(
                "batchUpdate",
                lambda: values.batchUpdate(
                    spreadsheetId=self.spreadsheet_id, body={"valueInputOption": "RAW", "data": updates}
                ),
            )
        if new_rows:
            self._call(
                "append",
                lambda: values.append(
                    spreadsheetId=self.spreadsheet_id,
                    range=f"{self.prefix}A1",
                    valueInputOption="RAW",
                    insertDataOption="INSERT_ROWS",
                    body={"values": new_rows},
                ),
            )
        self.writes += 1

    def _call(self, describe: str, request: Callable[[], Any]) -> Any:
        answer, _ = self.client.call(f"spreadsheets.values {describe}", lambda: execute(request()))
        return answer
