"""A scene picture that comes with a clip: stored beside the poster, cached, billed, and played in the video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import ImageRequest, RenderOptions, Scene, Script, ScriptManifest, SourceRecord
from notes_pipeline.media.clips import poster_frame
from notes_pipeline.providers.images.base import ImageResult
from notes_pipeline.providers.images.frames import to_frame_png
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import billed_usage, make_images
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_script
from notes_pipeline.stages.video import render_video
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, put_model
from notes_pipeline_tests.media.clip_media import make_clip
from notes_pipeline_tests.media.scenes import frames


class FootageSource:
    """Serves every scene a real clip (made by FFmpeg) with its first frame as the poster, counting calls."""

    name = "footage"

    def __init__(self, clip: bytes, kind: str = "stock") -> None:
        self.clip, self.kind, self.calls = clip, kind, []
        self.poster = poster_frame(clip, name="footage")

    def identity(self) -> str:
        return "footage v1"

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        self.calls.append(request.scene.index)
        png = to_frame_png(self.poster, request.style.width, request.style.height)
        return ImageResult(png=png, provider=self.name, visual_kind=self.kind, clip=self.clip, licence="test")


def _script(bucket: LocalBucket) -> ScriptManifest:
    scenes = [
        Scene(index=i, heading=f"Part {i}", narration=f"This is part {i} of the footage test.") for i in (1, 2, 3)
    ]
    put_model(
        bucket,
        keys.source_record("doc-1"),
        SourceRecord(
            doc_id="doc-1",
            source_key="inbox/clips.md",
            source_name="clips.md",
            content_hash="0" * 64,
            size_bytes=1,
            copy_key=None,
            registered_at="2026-12-05T00:00:00+00:00",
        ),
    )
    put_model(
        bucket, keys.script("doc-1"), Script(title="Clips", summary="s", language="en", scenes=scenes, writer="test")
    )
    return ScriptManifest(
        doc_id="doc-1",
        script_key=keys.script("doc-1"),
        script_hash="0" * 64,
        source_hash="0" * 64,
        language="en",
        scene_count=3,
        word_count=24,
        writer="test",
        options=RenderOptions(resolution=480),
    )


@pytest.fixture
def clip(tmp_path: Path) -> bytes:
    return make_clip(tmp_path / "footage.mp4", 1.0).read_bytes()


def test_clips_are_stored_beside_their_posters_cached_and_played(tmp_path, clip):
    bucket = LocalBucket(tmp_path / "bucket")
    script = _script(bucket)
    source = FootageSource(clip)
    images = make_images(bucket, script, source, workers=1)
    assert sorted(source.calls) == [1, 2, 3]
    for image in images.images:
        assert image.clip_key == keys.scene_clip("doc-1", image.scene_index)
        assert bucket.get_bytes(image.clip_key) == clip
        assert image.clip_s == pytest.approx(1.0, abs=0.05)
        assert billed_usage(image) == {"images": 1}  # stock footage: by the picture

    # Made again with no manifest and the stored clip gone: both come back from the cache, no call.
    bucket.delete(images.images[0].clip_key)
    again_source = FootageSource(clip)
    again = make_images(bucket, script, again_source, workers=1)
    assert again_source.calls == []
    assert all(i.reused and bucket.get_bytes(i.clip_key) == clip for i in again.images)

    narration = narrate_script(bucket, script, EspeakNarrator(), workers=1)
    render = render_video(
        bucket, script, load_script(bucket, script), narration, again, scratch_root=tmp_path / "scratch"
    )
    assert not render.degraded, render.fallback_reason
    video = [f for _, f in frames(bucket.local_path(render.video_key))]
    top = slice(0, render.height // 2)
    # 1 s of 25 fps footage looping behind ~2-3 s scenes: the picture keeps changing.
    changes = [float((np.abs(a[top] - b[top]).max(axis=2) > 40).mean()) for a, b in zip(video, video[2:])]
    assert min(changes) > 0.002


def test_generated_clips_are_billed_by_the_second(tmp_path, clip):
    bucket = LocalBucket(tmp_path / "bucket")
    images = make_images(bucket, _script(bucket), FootageSource(clip, kind="generated"), workers=1)
    assert billed_usage(images.images[0]) == {"video_seconds": images.images[0].clip_s}


def test_a_clip_that_is_not_video_fails_the_scene_with_its_cause(tmp_path, clip):
    bucket = LocalBucket(tmp_path / "bucket")
    source = FootageSource(clip)
    source.clip = b"<html>not a video</html>"
    with pytest.raises(PipelineError, match=r"doc-1 scene \d: footage returned an unusable clip"):
        make_images(bucket, _script(bucket), source, workers=1)
