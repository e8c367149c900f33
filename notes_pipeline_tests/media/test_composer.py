"""Render short videos for real and measure them by decoding."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import AspectRatio, RenderOptions
from notes_pipeline.media import composer
from notes_pipeline.media.audio import audible_span, read_wav
from notes_pipeline.media.composer import RenderSpec, compose_video, frame_plan
from notes_pipeline.media.probe import decode_all, probe, scene_change_times
from notes_pipeline.media.subtitles import SafeArea
from notes_pipeline_tests.media.scenes import COLOURS, frames, tone_scenes


def _frame_at(path: Path, when: float) -> np.ndarray:
    for time, frame in frames(path):
        if time >= when - 1e-6:
            return frame
    raise AssertionError(f"no frame at {when}s")


def _starts(scenes) -> list[float]:
    return np.concatenate([[0.0], np.cumsum([s.duration_s for s in scenes])[:-1]]).tolist()


def test_video_matches_its_narration_to_the_frame(tmp_path):
    scenes = tone_scenes(tmp_path, [1.3, 2.05, 0.97], tail_s=0.0)  # speech to the last sample: cuts, no fades
    composed = compose_video(scenes, RenderSpec(640, 360, fps=30), tmp_path / "out")
    total = sum(s.duration_s for s in scenes)
    info = probe(composed.video_path)
    assert not composed.degraded
    assert (info.video_streams, info.audio_streams) == (1, 1)
    assert (info.video.width, info.video.height, info.video.fps) == (640, 360, 30)
    assert (info.video.codec, info.video.pix_fmt, info.audio.codec) == ("h264", "yuv420p", "aac")
    assert abs(info.duration_s - total) < 0.05
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05
    assert decode_all(composed.video_path) == round(total * 30)
    changes = scene_change_times(composed.video_path)
    for expected in _starts(scenes)[1:]:
        assert min(abs(t - expected) for t in changes) <= 1 / 30 + 1e-6
    with composed.video_path.open("rb") as fh:  # +faststart: the index comes before the media data
        head = fh.read(4096)
    assert head.find(b"moov") != -1 and (head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat"))
    assert Image.open(composed.thumbnail_path).size == (640, 360)


def test_cross_fades_sit_in_the_silence_and_end_on_the_narration_start(tmp_path, monkeypatch):
    monkeypatch.setattr(composer, "CHUNK_S", 1.0)  # every scene its own chunk: fades cross chunk joins
    scenes = tone_scenes(tmp_path, [1.1, 0.9, 1.0, 0.8], tail_s=0.5)
    composed = compose_video(scenes, RenderSpec(640, 360, fps=30, burn_subtitles=False), tmp_path / "out")
    starts = _starts(scenes)
    video = frames(composed.video_path)
    assert len(video) == round(sum(s.duration_s for s in scenes) * 30)
    # Solid colours: how far each frame is from each scene's colour (the subtitle band left out).
    mean = np.array([f[:250].reshape(-1, 3).mean(axis=0) for _, f in video])
    times = np.array([t for t, _ in video])
    for i in range(1, len(scenes)):
        before, after = np.array(COLOURS[i - 1]), np.array(COLOURS[i])
        gone = np.abs(mean - before).max(axis=1) > 3  # no longer the previous scene's picture
        full = np.abs(mean - after).max(axis=1) <= 3  # only the new scene's picture
        fade_start = times[np.flatnonzero(gone & (times > starts[i - 1]))[0]]
        first_full = times[np.flatnonzero(full)[0]]
        speech_end = starts[i - 1] + audible_span(*read_wav(scenes[i - 1].audio_path.read_bytes()))[1]
        assert fade_start >= speech_end  # the picture starts changing only once the voice has stopped
        assert first_full - fade_start >= 0.2  # a real cross-fade, not a cut
        assert abs(first_full - starts[i]) <= 1 / 30 + 1e-6  # fully there within a frame of its narration
    assert [round(t, 3) for t in scene_change_times(composed.video_path)] == [
        round(round(s * 30) / 30, 3) for s in starts[1:]
    ]


@pytest.mark.parametrize("aspect", list(AspectRatio))
@pytest.mark.parametrize("quality", ["draft", "final"])
def test_every_format_and_preset_has_its_frame_size_and_rate(tmp_path, aspect, quality):
    options = RenderOptions(resolution=480, aspect_ratio=aspect, quality=quality)
    width, height = options.frame_size
    scenes = tone_scenes(tmp_path, [0.5, 0.4], tail_s=0.3, size=(400, 400))  # square stills in every shape
    composed = compose_video(scenes, RenderSpec(width, height, fps=options.fps, quality=quality), tmp_path / "out")
    info = probe(composed.video_path)
    assert not composed.degraded
    assert (info.video.width, info.video.height, info.video.fps, info.video.pix_fmt) == (width, height, 30, "yuv420p")
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05
    assert abs(info.duration_s - sum(s.duration_s for s in scenes)) < 0.05
    frame = _frame_at(composed.video_path, 0.05)
    if width > height:
        assert frame[height // 2, 2].max() < 30  # black bars at the sides
    elif height > width:
        assert frame[2, width // 2].max() < 30  # black bars top and bottom
    assert abs(frame[height // 2, width // 2] - np.array(COLOURS[0])).max() < 30


@pytest.mark.parametrize("aspect", list(AspectRatio))
@pytest.mark.parametrize("resolution", [720, 1080])
def test_larger_resolutions_have_their_frame_size_rate_and_scene_starts(tmp_path, resolution, aspect):
    """Every effect on (pan/zoom, a cross-fade, karaoke): short scenes keep the big frames cheap."""
    options = RenderOptions(resolution=resolution, aspect_ratio=aspect, quality="draft")
    width, height = options.frame_size
    scenes = tone_scenes(tmp_path, [0.3, 0.25], tail_s=0.3, size=(320, 320), text="Two words.")
    composed = compose_video(scenes, RenderSpec(width, height, fps=options.fps, quality="draft"), tmp_path / "out")
    info = probe(composed.video_path)
    assert not composed.degraded
    assert (info.video.width, info.video.height, info.video.fps) == (width, height, 30)
    assert min(width, height) == resolution
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05
    assert decode_all(composed.video_path) == round(sum(s.duration_s for s in scenes) * 30)
    second = _frame_at(composed.video_path, scenes[0].duration_s)  # the cross-fade has ended on this frame
    assert abs(second[height // 2, width // 2] - np.array(COLOURS[1])).max() < 30


def test_frame_plan_never_drifts():
    plan = frame_plan([1 / 3] * 300, 30)
    assert sum(n for _, n in plan) == 3000 and plan[-1][0] == round(299 / 3 * 30)
    assert {n for _, n in plan} == {10}


def test_subtitle_cues_stay_inside_their_scenes_narration(tmp_path):
    scenes = tone_scenes(
        tmp_path, [1.4, 1.2, 1.6], tail_s=0.3, text="One two three four five six seven eight nine ten eleven twelve."
    )
    composed = compose_video(scenes, RenderSpec(640, 360), tmp_path / "out")
    spans = list(zip(_starts(scenes), scenes, strict=True))
    assert composed.cues
    for cue in composed.cues:
        owners = [(start, s) for start, s in spans if start - 1e-6 <= cue.start_s < start + s.duration_s]
        assert len(owners) == 1
        start, scene = owners[0]
        assert cue.start_s >= start + scene.words[0].start_s - 1e-3  # not before the first word is spoken
        assert cue.end_s <= start + scene.duration_s + 1e-3  # not after the scene's narration ends


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Quotes \"x\" 'y', 50% off: {braces} {\\b1} \\N back\\slash 🎉🚀 — ok"),
        ("hi", "पानी भाप बनकर ऊपर उठता है"),
        ("ur", "پانی بھاپ بن کر اوپر اٹھتا ہے"),
    ],
)
def test_subtitles_are_drawn_in_every_script(tmp_path, language, text):
    scenes = tone_scenes(tmp_path, [1.5], text=text, headings=True)
    spec = RenderSpec(640, 360, language=language, heading_overlay=True)
    burned = compose_video(scenes, spec, tmp_path / "burned")
    plain = compose_video(scenes, RenderSpec(640, 360, language=language, burn_subtitles=False), tmp_path / "plain")
    assert not burned.degraded and not plain.degraded
    a, b = _frame_at(burned.video_path, 0.75), _frame_at(plain.video_path, 0.75)
    changed = np.abs(a - b).sum(axis=2) > 60
    ys, _ = np.nonzero(changed)
    assert changed[int(360 * 0.6) :].sum() > 800, "no subtitle ink: libass found no font?"
    assert changed[: int(360 * 0.25)].sum() > 300, "no heading ink"
    assert burned.srt_path.read_text().count(text.split()[0]) == 1


def test_vertical_video_keeps_text_inside_the_safe_area(tmp_path):
    width, height = RenderOptions(resolution=480, aspect_ratio="9:16").frame_size
    text = (
        "Photosynthesis converts light energy into chemical energy, storing it in sugars that "
        "plants, animals and people all depend on every single day."
    )
    scenes = tone_scenes(tmp_path, [4.0], text=text, size=(width, height), headings=True)
    black = Image.new("RGB", (width, height))
    black.save(scenes[0].image_path)
    scenes[0] = scenes[0].__class__(
        scenes[0].image_path,
        scenes[0].audio_path,
        scenes[0].duration_s,
        scenes[0].words,
        heading="A long heading that has to wrap inside the frame",
    )
    composed = compose_video(scenes, RenderSpec(width, height, heading_overlay=True, effects=False), tmp_path / "out")
    safe = SafeArea.for_frame(width, height)
    inked = 0
    for time, frame in frames(composed.video_path)[::10]:
        ys, xs = np.nonzero(frame.max(axis=2) > 60)
        if xs.size == 0:
            continue
        inked += 1
        assert xs.min() >= safe.left and xs.max() < width - safe.right, time
        assert ys.min() >= safe.top and ys.max() < height - safe.bottom, time
    assert inked >= 8


def test_a_failed_full_render_still_delivers_a_plain_video(tmp_path):
    """A music file that does not decode breaks the full render: the plain render steps in."""
    scenes = tone_scenes(tmp_path, [0.8, 0.7], tail_s=0.4)
    bad_music = tmp_path / "music.mp3"
    bad_music.write_bytes(b"ID3 this is not an mp3 at all" * 10)
    composed = compose_video(scenes, RenderSpec(640, 360, music=bad_music), tmp_path / "out")
    assert composed.degraded
    assert "FFmpeg failed" in composed.fallback_reason and "music" in composed.fallback_reason
    info = probe(composed.video_path)
    assert (info.video.width, info.video.height) == (640, 360)
    assert abs(info.duration_s - sum(s.duration_s for s in scenes)) < 0.05
    assert decode_all(composed.video_path) == round(sum(s.duration_s for s in scenes) * 30)
    assert min(abs(t - scenes[0].duration_s) for t in scene_change_times(composed.video_path)) <= 1 / 30 + 1e-6


def test_a_broken_input_fails_with_ffmpegs_words(tmp_path):
    scenes = tone_scenes(tmp_path, [0.5, 0.5])
    scenes[1].image_path.write_bytes(b"not a png")
    with pytest.raises(PipelineError, match="FFmpeg failed making the 640x360 video"):
        compose_video(scenes, RenderSpec(640, 360), tmp_path / "out")


def test_scenes_may_share_a_picture_and_a_clip(tmp_path):
    """Two scenes with the same words get the same clip (and may get the same picture): both renders
    must read a file twice, which FFmpeg graphs only allow through a split."""
    scenes = tone_scenes(tmp_path, [0.6, 0.5], tail_s=0.3)
    scenes.append(scenes[0])
    total = sum(s.duration_s for s in scenes)
    full = compose_video(scenes, RenderSpec(320, 180, music="ambient"), tmp_path / "full")
    bad_music = tmp_path / "music.mp3"
    bad_music.write_bytes(b"not music" * 50)
    plain = compose_video(scenes, RenderSpec(320, 180, music=bad_music), tmp_path / "plain")
    assert not full.degraded and plain.degraded
    for composed in (full, plain):
        assert decode_all(composed.video_path) == round(total * 30)
        info = probe(composed.video_path)
        assert abs(info.audio.duration_s - total) < 0.05
        last = _frame_at(composed.video_path, _starts(scenes)[2] + 0.05)
        assert abs(last[60, 160] - np.array(COLOURS[0])).max() < 30


def test_a_cross_fade_mixes_every_plane_of_the_two_pictures(tmp_path):
    """cross_fade fades each 4:2:0 plane as grey: every frame must be (1 - t) * first + t * second in
    all three planes (a plane mapped wrongly would swap colours), with t rising from 0 to 1."""
    import av
    import ffmpeg

    from notes_pipeline.media.ffmpeg import run_ffmpeg

    def picture(source: str):  # the source's first frame, held for a second
        return (
            ffmpeg.input(f"{source}=s=320x180:r=30:d=1", f="lavfi")
            .filter("format", "yuv420p")
            .filter("trim", end_frame=1)
            .filter("loop", loop=29, size=1, start=0)
            .filter("setpts", "N/(30*TB)")
        )

    def decoded(stream, name: str) -> list[np.ndarray]:
        run_ffmpeg(
            ffmpeg.output(
                stream, str(tmp_path / f"{name}.mkv"), vcodec="ffv1", pix_fmt="yuv420p", fps_mode="passthrough"
            ),
            what="a cross-fade test clip",
        )
        with av.open(str(tmp_path / f"{name}.mkv")) as container:
            return [f.to_ndarray(format="yuv420p").astype(float) for f in container.decode(video=0)]

    first, second = decoded(picture("testsrc2"), "a")[0], decoded(picture("smptebars"), "b")[0]
    faded = decoded(composer.cross_fade(picture("testsrc2"), picture("smptebars"), 1.0), "fade")
    assert len(faded) == 30
    span = second - first
    progress = []
    for frame in faded:
        t = float(((frame - first) * span).sum() / (span * span).sum())
        assert np.abs(frame - (first + t * span)).max() <= 2
        progress.append(t)
    assert progress[0] < 0.05 and progress[-1] > 0.9 and progress == sorted(progress)
