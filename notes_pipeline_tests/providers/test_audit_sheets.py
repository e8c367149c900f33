"""The Google Sheet copy of the audit trail, written by the real google-api-python-client to a stub.

The stub speaks the Sheets v4 wire format and the OAuth token exchange of a service
account (its JWT checked against the key), so this is the request flow production makes.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from notes_pipeline.domain.events import PipelineEvent, WorkflowRef
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.providers.audit.sheets import HEADER, SheetsAuditSink, column_letter, workflow_row
from notes_pipeline.providers.audit.sinks import close_sinks, sheets_sink
from notes_pipeline.providers.config import AuditConfig, HttpConfig, Secrets
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import StateStore
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs.sheets import TOKEN_ROUTE, SheetsStub, service_account_key

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FAST = HttpConfig(connect_timeout_s=1, read_timeout_s=2, max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2)


@pytest.fixture(autouse=True)
def fresh_state():
    reset_circuit_breakers()
    yield
    close_sinks()
    reset_circuit_breakers()


@pytest.fixture
def sheet():
    info, public_key = service_account_key()
    with StubServer() as stub:
        fake = SheetsStub(SHEET_ID, public_key, token_uri=stub.url + TOKEN_ROUTE)
        stub.handler = fake
        info["token_uri"] = fake.token_uri
        yield stub, fake, json.dumps(info)


def _sink(stub: StubServer, credentials_json: str, database: Database, **config) -> SheetsAuditSink:
    """Built the way the pipeline builds it: from the environment's secrets and providers.yaml."""
    secrets = Secrets.from_values({"sheets_credentials": credentials_json, "audit_sheet_id": SHEET_ID})
    audit = AuditConfig(**{"sheets_base_url": stub.url + "/", "sheets_flush_interval_s": 0.2, **config})
    sink = sheets_sink(audit, FAST, secrets, AuditLog(database).workflows, database.url)
    assert isinstance(sink, SheetsAuditSink)
    return sink


def _publish(database: Database, sink: SheetsAuditSink, ref: WorkflowRef, kind: str, seconds: float, **fields) -> None:
    event = PipelineEvent.of(ref, kind, **fields).model_copy(update={"at": T0 + timedelta(seconds=seconds)})
    AuditLog(database).record(event)  # what the Postgres sink does first
    sink.record(event)


def _register(database: Database, *doc_ids: str) -> None:
    for doc_id in doc_ids:
        StateStore(database).register_project(
            SourceRecord(
                doc_id=doc_id,
                source_key=f"inbox/{doc_id}.md",
                source_name=f"{doc_id}.md",
                content_hash="a" * 64,
                size_bytes=10,
                copy_key=None,
                registered_at="2026-11-23T00:00:00+00:00",
            )
        )


def test_one_row_per_workflow_updated_in_place_as_stages_finish(sheet, database: Database) -> None:
    stub, fake, credentials = sheet
    _register(database, "leaves", "tides")
    sink = _sink(stub, credentials, database)
    leaves = WorkflowRef(workflow_id="run-a", project_id="leaves", run_id="run-a", tier="premium")
    tides = WorkflowRef(workflow_id="run-b", project_id="tides", run_id="run-b")
    _publish(database, sink, leaves, "stage_started", 0, stage="video_script")
    _publish(database, sink, tides, "stage_started", 1, stage="video_script")
    assert sink.queue.drain(10)
    assert fake.rows[0] == HEADER and [r[0] for r in fake.rows[1:]] == ["run-a", "run-b"]

    for kind, seconds, stage in [
        ("stage_succeeded", 2, "video_script"),
        ("stage_started", 2, "scene_narration"),
        ("stage_succeeded", 5, "scene_narration"),
        ("stage_started", 5, "scene_images"),
        ("stage_succeeded", 6, "scene_images"),
        ("stage_started", 6, "final_video"),
        ("stage_succeeded", 9.5, "final_video"),
    ]:
        _publish(database, sink, leaves, kind, seconds, stage=stage)
    _publish(database, sink, tides, "stage_failed", 3, stage="video_script", error="the file is empty")
    assert sink.queue.drain(10)

    assert len(fake.rows) == 3  # still one row each: updated in place, not appended
    records = {r.id: r for r in AuditLog(database).workflows(["run-a", "run-b"])}
    assert fake.rows[1] == workflow_row(records["run-a"]) and fake.rows[2] == workflow_row(records["run-b"])
    row = dict(zip(HEADER, fake.rows[1], strict=True))
    assert (row["status"], row["tier"], row["total_s"], row["final_video_status"]) == (
        "succeeded",
        "premium",
        9.5,
        "succeeded",
    )
    assert row["scene_narration_started_at"] == (T0 + timedelta(seconds=2)).isoformat()
    failed = dict(zip(HEADER, fake.rows[2], strict=True))
    assert (failed["status"], failed["last_error"], failed["errors"]) == ("failed", "the file is empty", 1)
    assert fake.tokens_issued == 1  # one token exchange, reused by every call


def test_events_are_written_in_batches(sheet, database: Database) -> None:
    stub, fake, credentials = sheet
    _register(database, "leaves")
    sink = _sink(stub, credentials, database, sheets_flush_interval_s=0.5)
    ref = WorkflowRef(workflow_id="run-a", project_id="leaves", run_id="run-a")
    _publish(database, sink, ref, "stage_started", 0, stage="scene_images")
    for scene in range(1, 16):
        _publish(database, sink, ref, "scene_succeeded", scene, stage="scene_images", scene=scene)
    _publish(database, sink, ref, "stage_succeeded", 16, stage="scene_images")
    assert sink.queue.drain(10)
    sheets_calls = [r for r in stub.requests if r.route.startswith("/v4/")]
    assert len(sheets_calls) <= 4  # 17 events: one or two batches of (read column A + one write)
    assert [r[0] for r in fake.rows] == ["workflow", "run-a"]
    assert dict(zip(HEADER, fake.rows[1], strict=True))["scene_images_status"] == "succeeded"


def test_failed_writes_are_retried_and_never_reach_the_caller(sheet, database: Database, caplog) -> None:
    stub, fake, credentials = sheet
    _register(database, "leaves")
    sink = _sink(stub, credentials, database)
    ref = WorkflowRef(workflow_id="run-a", project_id="leaves", run_id="run-a")
    fake.fail_next = [503]  # one hiccup: the policy's own retry absorbs it
    _publish(database, sink, ref, "stage_started", 0, stage="video_script")
    assert sink.queue.drain(10)
    assert [r[0] for r in fake.rows] == ["workflow", "run-a"]

    fake.fail_next = [500] * 3  # a whole batch fails: its workflow rides along with the next batch
    with caplog.at_level(logging.WARNING):
        started = time.perf_counter()
        _publish(database, sink, ref, "stage_succeeded", 2, stage="video_script")
        assert time.perf_counter() - started < 0.5
        assert sink.queue.drain(10)
    assert "retried with the next batch" in caplog.text
    assert dict(zip(HEADER, fake.rows[1], strict=True))["video_script_status"] == "running"  # not written yet
    _publish(database, sink, ref, "stage_started", 2, stage="scene_narration")
    assert sink.queue.drain(10)
    row = dict(zip(HEADER, fake.rows[1], strict=True))
    assert (row["video_script_status"], row["scene_narration_status"]) == ("succeeded", "running")
    assert len(fake.rows) == 2
    assert SHEET_ID not in caplog.text and "PRIVATE" + " KEY" not in caplog.text


def test_unusable_credentials_disable_the_sheet_with_a_warning_that_shows_no_secret(database: Database, caplog) -> None:
    secret_path = "k3y-not-json-and-not-a-file"
    secrets = Secrets.from_values({"sheets_credentials": secret_path, "audit_sheet_id": SHEET_ID})
    with caplog.at_level(logging.WARNING):
        sink = sheets_sink(AuditConfig(), FAST, secrets, AuditLog(database).workflows, database.url)
    assert sink is None and "audit sheet disabled" in caplog.text
    assert secret_path not in caplog.text and SHEET_ID not in caplog.text


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, len(HEADER))] == ["A", "Z", "AA", "AZ", "BA", "AB"]
