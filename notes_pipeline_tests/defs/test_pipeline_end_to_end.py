"""The whole pipeline on an ephemeral Dagster instance with the offline providers, measured by decoding."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, VideoRender
from notes_pipeline.media.probe import probe, scene_change_times
from notes_pipeline_tests.conftest import EXAMPLES, drop
from notes_pipeline_tests.defs.review_helpers import materialize, register

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
---
# Why leaves change colour

## Chlorophyll fades
In autumn, trees stop making chlorophyll. The green pigment breaks down: "it's 100% gone" by late October.

## Hidden colours appear
Carotenoids were there all summer. They show yellow and orange once the green is gone {like magic}.

## New reds are made
Some trees make anthocyanins in autumn. Cold nights and sunny days give the brightest reds.
"""


def _srt_cues(text: str) -> list[tuple[float, float]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    return [(seconds(a), seconds(b)) for a, b in re.findall(r"(\S+) --> (\S+)", text)]


def _rows(database_url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()


def test_one_document_becomes_a_video_that_matches_its_narration(resources, bucket, database_url):
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "leaves.md", NOTES)
    result = materialize(instance, resources, doc_id)
    assert result.success
    narration: NarrationManifest = result.output_for_node("scene_narration")
    images: ImagesManifest = result.output_for_node("scene_images")
    render: VideoRender = result.output_for_node("final_video")
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)

    video = bucket.local_path(render.video_key)
    info = probe(video)
    assert info.video is not None and info.audio is not None
    assert (info.video.width, info.video.height) == (854, 480)
    assert info.video.codec == "h264" and info.video.pix_fmt == "yuv420p"
    assert abs(info.duration_s - narration.total_duration_s) < 0.2
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05

    fps = info.video.fps
    starts, offset = [], 0.0
    for clip in narration.clips:
        starts.append(offset)
        offset += clip.duration_s
    changes = scene_change_times(video)
    for expected in starts[1:]:
        assert min(abs(t - expected) for t in changes) <= 1 / fps + 1e-6, (expected, changes)

    cues = _srt_cues(bucket.get_bytes(render.srt_key).decode())
    assert cues and all(a < b for a, b in cues)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(cues, cues[1:]))
    assert cues[-1][1] <= info.duration_s
    srt = bucket.get_bytes(render.srt_key).decode()
    assert "100%" in srt and "{like magic}" in srt

    assert list((bucket.root.parent / "scratch").iterdir()) == []  # per-run scratch space is removed
    for name in ("thumbnail.jpg", "subtitles.vtt", "provenance.json"):
        assert bucket.stat(render.video_key.replace("video.mp4", name))
    assert len(images.images) == len(narration.clips) >= 3

    # The product database saw it all: the project, every scene, every artefact, every stage.
    assert _rows(database_url, "SELECT status, final_video_key FROM projects WHERE id = %s", doc_id) == [
        ("done", render.video_key)
    ]
    scenes = _rows(database_url, "SELECT status FROM scenes WHERE project_id = %s", doc_id)
    assert scenes == [("done",)] * len(narration.clips)
    stages = _rows(
        database_url, "SELECT stage, status, run_id FROM stage_runs WHERE project_id = %s ORDER BY id", doc_id
    )
    assert sorted((s, st) for s, st, _ in stages) == [
        ("final_video", "succeeded"),
        ("scene_images", "succeeded"),
        ("scene_narration", "succeeded"),
        ("video_script", "succeeded"),
    ]
    assert {run for _, _, run in stages} == {result.run_id}
    audio = _rows(
        database_url,
        "SELECT sequence_number, provider, duration_ms, usage->>'characters' FROM assets "
        "WHERE project_id = %s AND asset_type = 'audio' ORDER BY sequence_number",
        doc_id,
    )
    assert [(n, p) for n, p, _, _ in audio] == [(c.scene_index, "espeak") for c in narration.clips]
    assert all(
        abs(ms - c.duration_s * 1000) <= 1 and float(chars) > 0
        for (_, _, ms, chars), c in zip(audio, narration.clips, strict=True)
    )
    kinds = _rows(
        database_url, "SELECT asset_type, count(*) FROM assets WHERE project_id = %s GROUP BY 1 ORDER BY 1", doc_id
    )
    assert dict(kinds) == {
        "audio": len(narration.clips),
        "image": len(images.images),
        "script": 1,
        "subtitles": 2,
        "thumbnail": 1,
        "video": 1,
    }

    # Re-materialising reuses every clip, image and the render itself.
    again = materialize(instance, resources, doc_id)
    assert again.success
    assert [c.reused for c in again.output_for_node("scene_narration").clips] == [True] * len(narration.clips)
    assert [i.reused for i in again.output_for_node("scene_images").images] == [True] * len(images.images)
    assert again.output_for_node("final_video").reused


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    (event,) = [e for e in result.all_events if e.is_step_failure]
    return event.step_failure_data.error.message


@pytest.mark.parametrize(
    ("name", "data", "cause"),
    [
        ("empty.md", b"", "the file is empty"),
        ("photo.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "looks like a PNG image"),
        ("latin1.txt", "Caf\u00e9 notes".encode("latin-1"), "not valid UTF-8"),
        ("only-code.md", b"```python\nprint('hi')\n```\n\n    indented = 1\n", "nothing to narrate"),
        ("huge.md", b"word " * 4_000_000, "over the limit"),
        ("klingon.md", b"---\nlanguage: xx\n---\nNotes.", "'xx' is not supported; supported: en (English), hi"),
        ("typo.md", b"---\nresolutoin: 480\n---\nNotes.", "resolutoin: unknown option; did you mean `resolution`?"),
    ],
)
def test_bad_input_fails_its_own_run_naming_document_stage_and_cause(
    resources, bucket, database_url, name, data, cause
):
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, name, data)
    result = materialize(instance, resources, doc_id)
    assert not result.success
    message = _failure_message(result)
    assert doc_id in message and "video_script" in message and cause in message
    ((status, error),) = _rows(database_url, "SELECT status, last_error FROM projects WHERE id = %s", doc_id)
    assert status == "failed" and cause in error
    assert _rows(database_url, "SELECT stage, status FROM stage_runs WHERE project_id = %s", doc_id) == [
        ("video_script", "failed")
    ]


def test_a_bad_document_does_not_affect_another(resources, bucket):
    instance = dg.DagsterInstance.ephemeral()
    drop(bucket, "bad.md", b"\xff\xfe\x00binary", mtime_s=1000)
    drop(bucket, "Notes with spaces & \u00fcnicode \u091c\u0932.md", NOTES, mtime_s=1001)
    result = inbox_tick(instance, resources)
    outcomes = {
        r.tags["notes_pipeline/source"]: materialize(instance, resources, r.partition_key).success
        for r in result.run_requests
    }
    assert outcomes == {"inbox/bad.md": False, "inbox/Notes with spaces & \u00fcnicode \u091c\u0932.md": True}


def test_hindi_example_renders(resources, bucket):
    instance = dg.DagsterInstance.ephemeral()
    data = (EXAMPLES / "jal-chakra.md").read_bytes()
    doc_id = register(instance, resources, bucket, "jal-chakra.md", b"---\nresolution: 480\n---\n" + data)
    result = materialize(instance, resources, doc_id)
    assert result.success
    render: VideoRender = result.output_for_node("final_video")
    assert render.render_id.startswith("480p-16x9-hi-")
    assert Path(bucket.local_path(render.video_key)).stat().st_size > 10_000
