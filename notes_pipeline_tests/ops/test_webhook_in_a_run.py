"""The webhook during real materialisations: signed events as stages and scenes finish, and a
receiver that fails or hangs costs the run nothing (wall time measured side by side)."""

from __future__ import annotations

import json
import time

import dagster as dg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.defs.media.assets import approved_script, scene_images, scene_narration, video_script
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.providers.audit.sinks import close_sinks
from notes_pipeline.providers.audit.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.db import Database
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.providers.stubs import Reply, StubServer

SECRET = "whsec_pipeline_77aa"
TOPICS = ["tides", "volcanoes", "glaciers", "deserts"]


def _notes(topic: str) -> bytes:
    return (
        f"# {topic.title()}\n\n## What they are\n{topic.title()} shape the land over long years.\n\n"
        f"## How they change\n{topic.title()} change slowly, then all at once.\n\n"
        f"## Why it matters\nPeople who live near {topic} plan around them.\n"
    ).encode()


@pytest.fixture(autouse=True)
def fresh_senders():
    reset_circuit_breakers()
    yield
    close_sinks()
    reset_circuit_breakers()


def test_a_failing_or_hanging_receiver_does_not_slow_or_fail_the_run(tmp_path, database: Database, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    base = pipeline_resources(
        bucket_root=str(tmp_path / "bucket"),
        database_url=database.url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
    )
    bucket = base["bucket"].get()
    for n, topic in enumerate(TOPICS):
        drop(bucket, f"{topic}.md", _notes(topic), mtime_s=1000 + n)
    result = inbox_tick(instance, base)
    docs = {
        r.tags["notes_pipeline/source"].removeprefix("inbox/").removesuffix(".md"): r.partition_key
        for r in result.run_requests
    }

    def run(topic: str, hook: str | None) -> tuple[float, dg.ExecuteInProcessResult]:
        if hook is None:
            monkeypatch.delenv("NOTES_PIPELINE_WEBHOOK_URL", raising=False)
            monkeypatch.delenv("NOTES_PIPELINE_WEBHOOK_SECRET", raising=False)
        else:
            monkeypatch.setenv("NOTES_PIPELINE_WEBHOOK_URL", hook)
            monkeypatch.setenv("NOTES_PIPELINE_WEBHOOK_SECRET", SECRET)
        resources = pipeline_resources(
            bucket_root=str(tmp_path / "bucket"),
            database_url=database.url,
            scratch_dir=str(tmp_path / "scratch"),
            inbox_settle_s=0,
        )
        started = time.perf_counter()
        outcome = dg.materialize(
            [video_script, approved_script, scene_narration, scene_images],
            partition_key=docs[topic],
            instance=instance,
            resources=resources,
        )
        return time.perf_counter() - started, outcome

    with (
        StubServer(lambda r: Reply.json({"ok": True})) as ok,
        StubServer(lambda r: Reply.hang(60)) as hanging,
        StubServer(lambda r: Reply.error(500)) as failing,
    ):
        # First run (also the warm-up of eSpeak, fonts and Dagster): a healthy receiver gets every event, signed.
        _, first = run("tides", ok.url + "/hook")
        assert first.success
        count = len(first.output_for_node("scene_narration").clips)
        deadline = time.monotonic() + 10
        while len(ok.calls("/hook")) < 6 + 2 * count and time.monotonic() < deadline:
            time.sleep(0.05)
        received = [json.loads(r.body) for r in ok.calls("/hook")]
        assert all(verify_signature(r.body, r.header(SIGNATURE_HEADER), SECRET) for r in ok.calls("/hook"))
        stages = [(e["type"], e["stage"]) for e in received if e["scene"] is None]
        for stage in ("video_script", "scene_narration", "scene_images"):  # narration and images in either order
            assert stages.index(("stage_started", stage)) < stages.index(("stage_succeeded", stage))
        assert len(stages) == 6 and stages[:2] == [
            ("stage_started", "video_script"),
            ("stage_succeeded", "video_script"),
        ]
        scenes = sorted((e["stage"], e["scene"]) for e in received if e["scene"] is not None)
        assert scenes == sorted(
            [("scene_narration", n) for n in range(1, count + 1)] + [("scene_images", n) for n in range(1, count + 1)]
        )
        assert {e["document"] for e in received} == {docs["tides"]}

        without, plain = run("volcanoes", None)
        with_hanging, hung = run("glaciers", hanging.url + "/hook")
        with_failing, failed = run("deserts", failing.url + "/hook")
        print(
            f"\nwall time without a webhook {without:.2f} s, hanging receiver {with_hanging:.2f} s, "
            f"failing receiver {with_failing:.2f} s"
        )
        assert plain.success and hung.success and failed.success
        assert hanging.calls("/hook")  # the webhook was in play: its first delivery is hanging
        deadline = time.monotonic() + 10
        while len(failing.calls("/hook")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        retried = [r.header(DELIVERY_HEADER) for r in failing.calls("/hook")]
        assert len(retried) >= 2 and retried[0] == retried[1]  # a 500 is retried with the same delivery id
        for elapsed in (with_hanging, with_failing):
            assert elapsed < without * 1.5 + 0.5, (elapsed, without)
        close_sinks()

    # Postgres, the record, has every run's events whatever the receivers did.
    for topic in ("glaciers", "deserts"):
        (workflow,) = AuditLog(database).project_workflows(docs[topic])
        assert workflow.stages["scene_images"].status == "succeeded"
        assert len(AuditLog(database).events(workflow.id)) == 6 + 2 * count
