"""Scenes (a still and a narration clip each) to one H.264/AAC MP4 with burned-in subtitles.

One FFmpeg process, one filter graph: every still is decoded and scaled once, then
repeated in memory by the `loop` filter (an image input with `-loop 1` would decode the
PNG again for every frame). Scene boundaries are quantised to frames from the running
offset, so rounding never accumulates and every scene starts within half a frame of its
narration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np
from PIL import Image

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.audio import read_wav, write_wav
from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg
from notes_pipeline.media.fonts import FONTS_DIR
from notes_pipeline.media.presets import encode_args
from notes_pipeline.media.subtitles import Cue, SceneTiming, build_cues, write_ass, write_srt, write_vtt


@dataclass(frozen=True)
class SceneMedia:
    image_path: Path
    audio_path: Path
    duration_s: float
    words: Sequence[WordTiming] = field(default_factory=list)
    heading: str = ""


@dataclass(frozen=True)
class RenderSpec:
    width: int
    height: int
    fps: int = 30
    language: str = "en"
    quality: str = "final"
    burn_subtitles: bool = True

    @property
    def subtitle_chars(self) -> int:
        """Characters per subtitle line: fewer on narrow (vertical) frames."""
        return 42 if self.width >= self.height else 26


@dataclass(frozen=True)
class ComposedVideo:
    video_path: Path
    srt_path: Path
    vtt_path: Path
    thumbnail_path: Path
    duration_s: float
    scene_starts_s: list[float]
    cues: list[Cue]


def frame_plan(durations: Sequence[float], fps: int) -> list[tuple[int, int]]:
    """(first frame, frame count) per scene, each boundary rounded from the exact running offset."""
    plan, offset = [], 0.0
    for duration in durations:
        first, offset = round(offset * fps), offset + duration
        plan.append((first, round(offset * fps) - first))
    return plan


def join_narration(clips: Sequence[Path], dest: Path) -> float:
    """Concatenate the clips' samples into one WAV (resampling any clip at another rate)."""
    parts, rate = [], 0
    for path in clips:
        samples, clip_rate = read_wav(path.read_bytes())
        rate = rate or clip_rate
        if clip_rate != rate:
            positions = np.arange(round(samples.size * rate / clip_rate)) * clip_rate / rate
            samples = np.interp(positions, np.arange(samples.size), samples).astype(np.int16)
        parts.append(samples)
    joined = np.concatenate(parts)
    dest.write_bytes(write_wav(joined, rate))
    return joined.size / rate


def fit_to_frame(still: ffmpeg.nodes.FilterableStream, width: int, height: int) -> ffmpeg.nodes.FilterableStream:
    """A still scaled to fit the frame, letterboxed in black, as 4:2:0 (done once per still)."""
    return (
        still.filter("scale", width, height, force_original_aspect_ratio="decrease")
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )


def _scene_stream(image: Path, frames: int, spec: RenderSpec) -> ffmpeg.nodes.FilterableStream:
    still = fit_to_frame(ffmpeg.input(str(image)), spec.width, spec.height)
    return still.filter("loop", loop=frames - 1, size=1, start=0).filter("setpts", f"N/({spec.fps}*TB)")


def compose_video(scenes: Sequence[SceneMedia], spec: RenderSpec, workdir: Path) -> ComposedVideo:
    if not scenes:
        raise MediaError("there are no scenes to compose")
    workdir.mkdir(parents=True, exist_ok=True)
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    if any(count <= 0 for _, count in plan):
        raise MediaError(f"a scene is shorter than one frame at {spec.fps} fps")

    audio_path = workdir / "narration.wav"
    duration = join_narration([s.audio_path for s in scenes], audio_path)
    offsets = [first / spec.fps for first, _ in plan]
    exact_offsets = np.concatenate([[0.0], np.cumsum([s.duration_s for s in scenes])[:-1]]).tolist()
    cues = build_cues(
        [SceneTiming(off, s.duration_s, s.words) for off, s in zip(exact_offsets, scenes, strict=True)],
        max_chars=spec.subtitle_chars,
    )
    srt = write_srt(cues, workdir / "subtitles.srt")
    vtt = write_vtt(cues, workdir / "subtitles.vtt")

    video = ffmpeg.concat(*(_scene_stream(s.image_path, n, spec) for s, (_, n) in zip(scenes, plan, strict=True)), n=len(scenes), v=1, a=0)
    if spec.burn_subtitles and cues:
        ass = write_ass(cues, workdir / "subtitles.ass", width=spec.width, height=spec.height, language=spec.language)
        video = video.filter("ass", str(ass), fontsdir=str(FONTS_DIR))
    out = workdir / "video.mp4"
    stream = ffmpeg.output(video, ffmpeg.input(str(audio_path)).audio, str(out), **encode_args(spec.quality, spec.fps))
    run_ffmpeg(stream, what=f"the {spec.width}x{spec.height} video")

    thumbnail = workdir / "thumbnail.jpg"
    with Image.open(scenes[0].image_path) as first:
        first.convert("RGB").resize((spec.width, spec.height)).save(thumbnail, "JPEG", quality=88)
    return ComposedVideo(out, srt, vtt, thumbnail, duration, offsets, cues)
