"""Render short videos for real and measure them by decoding."""

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.timing import estimate_word_timings
from notes_pipeline.media.audio import write_wav
from notes_pipeline.media.composer import RenderSpec, SceneMedia, compose_video, frame_plan
from notes_pipeline.media.probe import decode_all, probe, scene_change_times

COLOURS = [(200, 60, 60), (60, 160, 60), (60, 60, 200), (220, 200, 40)]


def _scenes(tmp_path: Path, durations, size=(640, 360), text="Words for the subtitle line here.") -> list[SceneMedia]:
    scenes = []
    for i, duration in enumerate(durations):
        image = tmp_path / f"s{i}.png"
        Image.new("RGB", size, COLOURS[i % len(COLOURS)]).save(image)
        rate = 22050
        t = np.arange(round(duration * rate)) / rate
        audio = tmp_path / f"s{i}.wav"
        audio.write_bytes(write_wav((np.sin(2 * np.pi * 220 * t) * 6000).astype(np.int16), rate))
        scenes.append(SceneMedia(image, audio, round(duration * rate) / rate, estimate_word_timings(text, 0.05, duration - 0.1)))
    return scenes


def _frame_at(path: Path, when: float) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time >= when:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {when}s")


def test_video_matches_its_narration_to_the_frame(tmp_path):
    durations = [1.3, 2.05, 0.97]
    composed = compose_video(_scenes(tmp_path, durations), RenderSpec(640, 360, fps=30), tmp_path / "out")
    info = probe(composed.video_path)
    assert (info.video_streams, info.audio_streams) == (1, 1)
    assert (info.video.width, info.video.height, info.video.fps) == (640, 360, 30)
    assert (info.video.codec, info.video.pix_fmt, info.audio.codec) == ("h264", "yuv420p", "aac")
    assert abs(info.duration_s - sum(durations)) < 0.05
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05
    assert decode_all(composed.video_path) == round(sum(durations) * 30)
    changes = scene_change_times(composed.video_path)
    for expected in (1.3, 1.3 + 2.05):
        assert min(abs(t - expected) for t in changes) <= 1 / 30 + 1e-6
    with composed.video_path.open("rb") as fh:  # +faststart: the index comes before the media data
        head = fh.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    assert Image.open(composed.thumbnail_path).size == (640, 360)


def test_frame_plan_never_drifts():
    plan = frame_plan([1 / 3] * 300, 30)
    assert sum(n for _, n in plan) == 3000 and plan[-1][0] == round(299 / 3 * 30)
    assert {n for _, n in plan} == {10}


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", 'Quotes "x", 50% off: {braces} \\ back'), ("hi", "पानी भाप बनकर ऊपर उठता है"), ("ur", "پانی بھاپ بن کر اوپر اٹھتا ہے")],
)
def test_subtitles_are_drawn_in_every_script(tmp_path, language, text):
    scenes = _scenes(tmp_path, [1.5], text=text)
    burned = compose_video(scenes, RenderSpec(640, 360, language=language), tmp_path / "burned")
    plain = compose_video(scenes, RenderSpec(640, 360, language=language, burn_subtitles=False), tmp_path / "plain")
    a, b = _frame_at(burned.video_path, 0.75), _frame_at(plain.video_path, 0.75)
    changed = np.abs(a - b).sum(axis=2) > 60
    ys, _ = np.nonzero(changed)
    assert changed.sum() > 800, "no subtitle ink: libass found no font?"
    assert ys.min() > 360 * 0.6  # drawn in the bottom band
    assert burned.srt_path.read_text().count(text.split()[0]) == 1


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (720, 720)])
def test_formats_and_letterboxing(tmp_path, size):
    scenes = _scenes(tmp_path, [0.6, 0.6], size=(400, 400))  # square stills in every frame shape
    composed = compose_video(scenes, RenderSpec(*size, burn_subtitles=False), tmp_path / "out")
    info = probe(composed.video_path)
    assert (info.video.width, info.video.height) == size
    frame = _frame_at(composed.video_path, 0.2)
    if size[0] > size[1]:
        assert frame[size[1] // 2, 5].max() < 30  # black bars at the sides
    elif size[1] > size[0]:
        assert frame[5, size[0] // 2].max() < 30  # black bars top and bottom
    assert abs(frame[size[1] // 2, size[0] // 2] - np.array(COLOURS[0])).max() < 30


def test_a_broken_input_fails_with_ffmpegs_words(tmp_path):
    scenes = _scenes(tmp_path, [0.5, 0.5])
    scenes[1].image_path.write_bytes(b"not a png")
    with pytest.raises(PipelineError, match="FFmpeg failed making the 640x360 video"):
        compose_video(scenes, RenderSpec(640, 360), tmp_path / "out")
