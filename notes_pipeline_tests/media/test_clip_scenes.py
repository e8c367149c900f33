"""Clip scenes rendered for real: looped or trimmed to the narration, cover-cropped, moving under the
subtitles, and never heard."""

from dataclasses import replace
from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest

from notes_pipeline.media import composer
from notes_pipeline.media.clips import clip_info
from notes_pipeline.media.composer import RenderSpec, compose_video
from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg
from notes_pipeline.media.probe import probe
from notes_pipeline.media.timeline import plan_scenes
from notes_pipeline_tests.media.clip_media import make_clip
from notes_pipeline_tests.media.scenes import frames, tone_scenes

FPS = 30
W, H = 640, 360
TOP = slice(0, 200)  # rows above the subtitle band


def _spans(scenes):
    ends = [composer._speech_end_s(s.audio_path) for s in scenes]
    return plan_scenes([s.duration_s for s in scenes], ends, FPS)


def _reference(clip: Path, dest: Path, frames_wanted: int) -> list[np.ndarray]:
    """The clip cover-cropped to the frame at the video's rate, by a plain FFmpeg pass of its own."""
    graph = (
        ffmpeg.input(str(clip))
        .video.filter("fps", FPS)
        .filter("scale", W, H, force_original_aspect_ratio="increase")
        .filter("crop", W, H)
    )
    run_ffmpeg(
        ffmpeg.output(graph, str(dest), vcodec="libx264", crf=10, pix_fmt="yuv420p", frames=frames_wanted),
        what="the reference",
    )
    return [f for _, f in frames(dest)]


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a[TOP] - b[TOP]).mean())


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    """The share of pixels that changed clearly (more than 40 levels in a channel)."""
    return float((np.abs(a - b).max(axis=2) > 40).mean())


def test_a_short_clip_loops_to_fill_its_scene_even_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(composer, "CHUNK_S", 0.5)  # the scene's body is drawn in several parts
    scenes = tone_scenes(tmp_path, [1.0, 2.4, 1.0], tail_s=0.5)
    clip = make_clip(tmp_path / "short.mp4", 0.8)  # 20 frames at 25 fps: 24 frames of the video at 30
    scenes[1] = replace(scenes[1], clip_path=clip)
    composed = compose_video(scenes, RenderSpec(W, H, fps=FPS, burn_subtitles=False), tmp_path / "out")
    assert not composed.degraded, composed.fallback_reason
    video = [f for _, f in frames(composed.video_path)]
    assert len(video) == round(sum(s.duration_s for s in scenes) * FPS)
    span = _spans(scenes)[1]
    body = range(span.first_frame, span.end_frame - 15)  # clear of the fade into scene 3
    period = 24
    looped = [_diff(video[n], video[n + period]) for n in body if n + period in body]
    moved = [_changed(video[n], video[n + 2]) for n in body if n + 2 in body]
    assert len(looped) > 30  # the scene runs well past the clip's own 0.8 s
    assert max(looped) < 1.5  # a clip period later, the same picture: it loops (to encoding noise)
    # and within a period it moves: 25 fps shown at 30 repeats one frame in six, never two in a row
    assert min(moved) > 0.01
    # The looped scene is the clip, from its start, frame for frame (offset by the scene's fade-in).
    reference = _reference(clip, tmp_path / "ref.mp4", period)
    for n in body:
        k = (n - span.visible_from) % period
        assert _diff(video[n], reference[k]) < 4, n


def test_a_long_portrait_clip_is_trimmed_and_cover_cropped(tmp_path):
    scenes = tone_scenes(tmp_path, [1.2, 1.5], tail_s=0.5)
    clip = make_clip(tmp_path / "long.mp4", 8.0, size=(540, 960))
    scenes[1] = replace(scenes[1], clip_path=clip)
    composed = compose_video(scenes, RenderSpec(W, H, fps=FPS), tmp_path / "out")
    assert not composed.degraded, composed.fallback_reason
    total = sum(s.duration_s for s in scenes)
    info = probe(composed.video_path)
    assert abs(info.video.duration_s - total) < 0.05 and abs(info.audio.duration_s - total) < 0.05
    video = [f for _, f in frames(composed.video_path)]
    assert len(video) == round(total * FPS)  # the 8 s clip did not lengthen the video
    span = _spans(scenes)[1]
    reference = _reference(clip, tmp_path / "ref.mp4", span.shown_frames)
    for n in range(span.first_frame, span.end_frame):
        assert _diff(video[n], reference[n - span.visible_from]) < 4, n
    # Cover-cropped: no black bars at the sides or the top.
    last = video[span.end_frame - 1]
    for edge in (last[:, :8], last[:, -8:], last[:8]):
        assert edge.mean() > 30


def test_a_clip_scene_moves_under_burned_in_subtitles(tmp_path):
    scenes = tone_scenes(tmp_path, [2.0], tail_s=0.3, text="Subtitles stay readable over moving footage.")
    scenes[0] = replace(scenes[0], clip_path=make_clip(tmp_path / "c.mp4", 3.0))
    with_subs = compose_video(scenes, RenderSpec(W, H, fps=FPS), tmp_path / "subs")
    without = compose_video(scenes, RenderSpec(W, H, fps=FPS, burn_subtitles=False), tmp_path / "plain")
    a, b = [f for _, f in frames(with_subs.video_path)], [f for _, f in frames(without.video_path)]
    assert not with_subs.degraded and len(a) == len(b)
    band = slice(int(H * 0.72), H)
    above = slice(0, band.start)
    moving = [_changed(a[n][above], a[n + 2][above]) for n in range(len(a) - 2)]
    # The clip plays behind the subtitles (at 25 fps in 30 one frame in six repeats, never two).
    assert min(moving) > 0.002
    speaking = [n for n in range(len(a)) if 0.1 < n / FPS < 1.9]
    drawn = [np.abs(a[n][band] - b[n][band]).max(axis=2) > 60 for n in speaking]
    assert min(d.mean() for d in drawn) > 0.01  # the subtitles' pixels are in the band on every spoken frame
    assert max(np.abs(a[n][TOP] - b[n][TOP]).mean() for n in speaking) < 3  # and only there


def _audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [f.to_ndarray().reshape(-1) for f in container.decode(stream)]
        return np.concatenate(chunks).astype(np.float64), stream.rate


def _band_power(samples: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return float(spectrum[(freqs > hz - 20) & (freqs < hz + 20)].sum())


def test_the_clip_is_never_heard(tmp_path):
    scenes = tone_scenes(tmp_path, [1.5, 1.5], tail_s=0.4)  # narration: 220 Hz tones
    clipped = [
        replace(s, clip_path=make_clip(tmp_path / f"loud{i}.mp4", 2.5, tone_hz=1000.0)) for i, s in enumerate(scenes)
    ]
    spec = RenderSpec(W, H, fps=FPS, loudness_lufs=None)
    with_clips = compose_video(clipped, spec, tmp_path / "clips")
    stills = compose_video(scenes, spec, tmp_path / "stills")
    assert not with_clips.degraded
    assert probe(with_clips.video_path).audio_streams == 1
    heard, rate = _audio(with_clips.video_path)
    narration, _ = _audio(stills.video_path)
    assert _band_power(heard, rate, 220) > 1e4 * _band_power(heard, rate, 1000)  # no trace of the loud tone
    assert heard.size == narration.size and np.abs(heard - narration).max() < 1e-6  # the narration, exactly


def test_an_unreadable_clip_falls_back_to_the_plain_render(tmp_path):
    scenes = tone_scenes(tmp_path, [1.0])
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    with pytest.raises(MediaError, match="broken.mp4"):
        clip_info(broken)
    composed = compose_video([replace(scenes[0], clip_path=broken)], RenderSpec(W, H, fps=FPS), tmp_path / "out")
    assert composed.degraded and "broken.mp4" in composed.fallback_reason
    assert probe(composed.video_path).video.frames > 0  # the poster, cut on the narration
