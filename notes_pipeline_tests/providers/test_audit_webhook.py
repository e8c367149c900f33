"""The webhook sink against a receiver on 127.0.0.1: signed JSON, retries, and never in the way."""

from __future__ import annotations

import json
import logging
import time

import pytest

from notes_pipeline.domain.events import PipelineEvent, WorkflowRef
from notes_pipeline.providers.audit.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookConfigError,
    WebhookSink,
    sign,
    verify_signature,
)
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline_tests.providers.stubs import Reply, StubServer

SECRET = "whsec_5e1f0b7a9c"
REF = WorkflowRef(workflow_id="run-1", project_id="leaves-1a2b3c4d5e", run_id="run-1", tier="standard")
FAST = HttpConfig(connect_timeout_s=1, read_timeout_s=0.5, max_attempts=3, backoff_base_s=0.05, backoff_max_s=0.2)


@pytest.fixture(autouse=True)
def fresh_breakers():
    reset_circuit_breakers()
    yield
    reset_circuit_breakers()


def _events() -> list[PipelineEvent]:
    return [
        PipelineEvent.of(REF, "stage_started", stage="scene_narration"),
        PipelineEvent.of(
            REF, "scene_succeeded", stage="scene_narration", scene=1, data={"provider": "espeak", "attempts": 1}
        ),
        PipelineEvent.of(REF, "stage_failed", stage="scene_narration", error="every narrator failed"),
    ]


def test_each_event_arrives_as_json_whose_signature_verifies(tmp_path) -> None:
    with StubServer(lambda r: Reply.json({"ok": True})) as stub:
        sink = WebhookSink(stub.url + "/hooks/notes?team=7", SECRET, http=FAST)
        events = _events()
        for event in events:
            sink.record(event)
        assert sink.queue.drain(10)
        sink.close()
    received = stub.calls("/hooks/notes")
    assert [r.method for r in received] == ["POST"] * 3
    for request, event in zip(received, events, strict=True):
        body = request.body
        assert verify_signature(body, request.header(SIGNATURE_HEADER), SECRET)
        assert request.header(SIGNATURE_HEADER) == sign(body, SECRET)
        assert not verify_signature(body, request.header(SIGNATURE_HEADER), "another-secret")
        assert not verify_signature(
            body.replace(b"scene_narration", b"final_video"), request.header(SIGNATURE_HEADER), SECRET
        )
        payload = json.loads(body)
        assert payload["type"] == event.kind and payload["event_id"] == request.header(DELIVERY_HEADER)
        assert payload["document"] == REF.project_id and payload["workflow_id"] == "run-1"
        assert payload["stage"] == "scene_narration" and payload["tier"] == "standard"
        assert str(payload["timestamp"]) == request.header(TIMESTAMP_HEADER)
        assert request.header("Content-Type") == "application/json"
    assert json.loads(received[1].body)["data"] == {"provider": "espeak", "attempts": 1}
    assert json.loads(received[2].body)["error"] == "every narrator failed"
    # The signed time is checked too: a captured delivery replayed later is refused.
    late = time.time() + 3600
    assert not verify_signature(received[0].body, received[0].header(SIGNATURE_HEADER), SECRET, now=lambda: late)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://hooks.example.com/x", "gopher://h/", "hooks.example.com"])
def test_only_http_and_https_urls_are_accepted_and_the_error_does_not_repeat_the_url(url: str) -> None:
    with pytest.raises(WebhookConfigError) as raised:
        WebhookSink(url, SECRET)
    assert url not in str(raised.value) and "http or https" in str(raised.value)


def test_a_sink_without_a_secret_is_refused() -> None:
    with pytest.raises(WebhookConfigError, match="secret"):
        WebhookSink("https://hooks.example.com/x", "")


def test_a_failing_receiver_is_retried_with_backoff_and_never_holds_up_the_caller(caplog) -> None:
    with StubServer() as stub:
        stub.script(Reply.error(500), Reply.error(503), Reply.json({"ok": True}))  # first event: third try lands
        stub.handler = lambda r: Reply.error(500)  # every later delivery fails for good
        sink = WebhookSink(stub.url + "/hook", SECRET, http=FAST)
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING):
            for event in _events()[:2]:
                sink.record(event)
            queued_in = time.perf_counter() - started
            assert sink.queue.drain(10)
        sink.close()
    assert queued_in < 0.05
    deliveries = [r.header(DELIVERY_HEADER) for r in stub.calls("/hook")]
    assert len(deliveries) == 6 and len(set(deliveries)) == 2  # three attempts each, same delivery id
    assert sink.delivered == 1 and sink.failed == 1
    assert "not delivered" in caplog.text and SECRET not in caplog.text and stub.url not in caplog.text


def test_a_hanging_receiver_costs_the_caller_nothing_and_a_full_queue_drops_with_a_warning(caplog) -> None:
    with StubServer(lambda r: Reply.hang(30)) as stub:
        sink = WebhookSink(stub.url + "/hook", SECRET, http=FAST, queue_size=5)
        events = [PipelineEvent.of(REF, "scene_succeeded", stage="scene_images", scene=n) for n in range(1, 21)]
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING):
            for event in events:
                sink.record(event)
            elapsed = time.perf_counter() - started
            closed = time.perf_counter()
            assert not sink.close(timeout_s=0.2)  # could not drain: gives up after the window
            close_s = time.perf_counter() - closed
    assert elapsed < 0.1 and close_s < 1.0
    assert sink.queue.dropped >= 20 - 5 - 1  # at most one in the sender's hands, five queued
    assert "queue full" in caplog.text and "dropped" in caplog.text
