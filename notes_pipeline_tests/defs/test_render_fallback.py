"""A full render that fails still delivers a video, and the failure is recorded where people look."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from notes_pipeline.domain.models import VideoRender
from notes_pipeline.media.probe import decode_all, probe
from notes_pipeline_tests.defs.review_helpers import materialize, register

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
music: broken.mp3
---
# Tides

The moon pulls the oceans, and the water rises twice a day.
"""


def test_a_music_file_that_does_not_decode_gives_a_plain_render_and_says_why(resources, bucket):
    bucket.put_bytes("music/broken.mp3", b"ID3 this is not an mp3 at all" * 20)
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "tides.md", NOTES)
    result = materialize(instance, resources, doc_id)
    assert result.success
    render: VideoRender = result.output_for_node("final_video")
    assert render.degraded and "music" in render.fallback_reason and "FFmpeg failed" in render.fallback_reason

    # The manifest, the provenance and the asset's metadata all say so.
    manifest = json.loads(bucket.get_bytes(render.manifest_key))
    assert manifest["degraded"] is True and manifest["fallback_reason"] == render.fallback_reason
    provenance = json.loads(bucket.get_bytes(render.video_key.replace("video.mp4", "provenance.json")))
    assert provenance["render_degraded"] is True and provenance["fallback_reason"] == render.fallback_reason
    (materialization,) = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey("final_video")
    ]
    assert materialization.metadata["degraded"].value is True
    assert "music" in materialization.metadata["fallback_reason"].value

    # ...and the plain video is a real one: the right size, as long as its narration.
    video = bucket.local_path(render.video_key)
    info = probe(video)
    assert (info.video.width, info.video.height) == (854, 480)
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05
    assert decode_all(video) == round(render.duration_s * render.fps)
