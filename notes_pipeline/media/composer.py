"""Scenes (a still or clip and a narration each) to one H.264/AAC MP4 that looks edited.

Rendered in chunks in parallel and joined without re-encoding; a failed full render falls back to a
plain one and says why (the how and why: docs/rendering.md).
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np
from PIL import Image

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.audio import audible_span, read_wav
from notes_pipeline.media.burnin import burn_subtitles
from notes_pipeline.media.clips import ClipInfo, ClipInputs, clip_frames, clip_info
from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg
from notes_pipeline.media.fonts import FONTS_DIR
from notes_pipeline.media.loudness import encode_limited, gain_for_target, join_narration, mix_soundtrack, narration
from notes_pipeline.media.motion import keyframe_source, move_for_scene, moving_still, still_frames
from notes_pipeline.media.music import write_ambient_loop
from notes_pipeline.media.presets import audio_args, encode_args, video_args
from notes_pipeline.media.subtitles import (
    Cue,
    Heading,
    SceneTiming,
    build_cues,
    write_ass,
    write_srt,
    write_vtt,
)
from notes_pipeline.media.timeline import Piece, SceneSpan, Shown, frame_plan, group_pieces, pieces, plan_scenes

__all__ = ["ComposedVideo", "RenderSpec", "SceneMedia", "compose_video", "fit_to_frame", "fitted_stills", "frame_plan"]

log = logging.getLogger(__name__)

CHUNK_S = 10.0  # about a scene: small enough that both cores finish together (20 s left one idle)
AMBIENT = "ambient"


@dataclass(frozen=True)
class SceneMedia:
    image_path: Path
    audio_path: Path
    duration_s: float
    words: Sequence[WordTiming] = field(default_factory=list)
    heading: str = ""
    clip_path: Path | None = None  # a muted background clip instead of the still (image_path is its poster)


@dataclass(frozen=True)
class RenderSpec:
    width: int
    height: int
    fps: int = 30
    language: str = "en"
    quality: str = "final"
    burn_subtitles: bool = True
    karaoke: bool = True
    effects: bool = True  # pan/zoom and cross-fades
    heading_overlay: bool = False
    music: Path | str | None = None  # None, AMBIENT, or a music file
    loudness_lufs: float | None = -14.0  # None: the narration as recorded
    workers: int = 0  # chunks rendered at once; 0: one per core

    @property
    def subtitle_chars(self) -> int:
        """Characters per subtitle line: fewer on narrow (vertical) frames."""
        return 42 if self.width >= self.height else 24


@dataclass(frozen=True)
class ComposedVideo:
    video_path: Path
    srt_path: Path
    vtt_path: Path
    thumbnail_path: Path
    duration_s: float
    scene_starts_s: list[float]
    cues: list[Cue]
    degraded: bool = False
    fallback_reason: str | None = None


def fit_to_frame(still: ffmpeg.nodes.FilterableStream, width: int, height: int) -> ffmpeg.nodes.FilterableStream:
    """A still scaled to fit the frame, letterboxed in black, as 4:2:0 (done once per still)."""
    return (
        still.filter("scale", width, height, force_original_aspect_ratio="decrease")
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2", color="black")
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )


def fitted_stills(paths: Sequence[Path], width: int, height: int) -> list[ffmpeg.nodes.FilterableStream]:
    """One fitted still per entry of `paths`. A file listed more than once (the same picture for two
    scenes) is decoded once and split: ffmpeg-python merges identical inputs into one node, and a
    filter graph cannot read one node's output twice without a split."""
    counts = Counter(str(p) for p in paths)
    outlets: dict[str, list[ffmpeg.nodes.FilterableStream]] = {}
    for path, count in counts.items():
        outlets[path] = _shared(fit_to_frame(ffmpeg.input(path), width, height), count)
    return [outlets[str(p)].pop() for p in paths]


def compose_video(scenes: Sequence[SceneMedia], spec: RenderSpec, workdir: Path) -> ComposedVideo:
    """The full render; if it fails for any reason, the plain render, marked as degraded."""
    if not scenes:
        raise MediaError("there are no scenes to compose")
    workdir.mkdir(parents=True, exist_ok=True)
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    if any(count <= 0 for _, count in plan):
        raise MediaError(f"a scene is shorter than one frame at {spec.fps} fps")

    offsets = np.concatenate([[0.0], np.cumsum([s.duration_s for s in scenes])[:-1]]).tolist()
    cues = build_cues(
        [SceneTiming(off, s.duration_s, s.words) for off, s in zip(offsets, scenes, strict=True)],
        max_chars=spec.subtitle_chars,
    )
    srt = write_srt(cues, workdir / "subtitles.srt")
    vtt = write_vtt(cues, workdir / "subtitles.vtt")
    thumbnail = _thumbnail(scenes[0], spec, workdir / "thumbnail.jpg")
    out = workdir / "video.mp4"
    degraded, reason = False, None
    try:
        _full_render(scenes, spec, cues, workdir / "full", out)
    except Exception as err:  # noqa: BLE001 - any failure of the fancy render falls back to the plain one
        degraded, reason = True, _reason(err)
        log.warning("full render failed, delivering the plain render: %s", reason)
        _plain_render(scenes, spec, cues, workdir / "plain", out)
    duration = sum(s.duration_s for s in scenes)
    starts = [first / spec.fps for first, _ in plan]
    return ComposedVideo(out, srt, vtt, thumbnail, duration, starts, cues, degraded, reason)


def _reason(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text if len(text) <= 600 else text[:597] + "..."


def _thumbnail(scene: SceneMedia, spec: RenderSpec, dest: Path) -> Path:
    with Image.open(scene.image_path) as first:
        picture = first.convert("RGB")
        picture.thumbnail((spec.width, spec.height))
        canvas = Image.new("RGB", (spec.width, spec.height))
        canvas.paste(picture, ((spec.width - picture.width) // 2, (spec.height - picture.height) // 2))
        canvas.save(dest, "JPEG", quality=88)
    return dest


# ---- the full render ------------------------------------------------------------------


def _speech_end_s(clip: Path) -> float:
    samples, rate = read_wav(clip.read_bytes())
    return audible_span(samples, rate)[1]


def _full_render(scenes: Sequence[SceneMedia], spec: RenderSpec, cues: Sequence[Cue], work: Path, out: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    speech_ends = [_speech_end_s(s.audio_path) for s in scenes]
    spans = plan_scenes([s.duration_s for s in scenes], speech_ends, spec.fps, transitions=spec.effects)
    headings = [
        Heading(span.first_frame / spec.fps, span.end_frame / spec.fps, scene.heading)
        for span, scene in zip(spans, scenes, strict=True)
        if scene.heading.strip()
    ]
    # Two scripts: the subtitles are still and opaque and are drawn once per change; headings fade
    # on a translucent box and need libass on every frame they show (media/burnin.py).
    scripts: list[Path] = []
    if spec.burn_subtitles and cues:
        scripts.append(
            write_ass(
                cues,
                work / "subtitles.ass",
                width=spec.width,
                height=spec.height,
                language=spec.language,
                karaoke=spec.karaoke,
            )
        )
    if spec.heading_overlay and headings:
        scripts.append(
            write_ass(
                [],
                work / "headings.ass",
                width=spec.width,
                height=spec.height,
                language=spec.language,
                headings=headings,
            )
        )
    chunks = group_pieces(pieces(spans, round(CHUNK_S * spec.fps)), round(CHUNK_S * spec.fps))
    clips = {i: clip_info(s.clip_path) for i, s in enumerate(scenes) if s.clip_path is not None}
    workers = spec.workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="render") as pool:
        soundtrack = pool.submit(_soundtrack, scenes, spec, work)
        # Longest first, so no core idles at the end waiting on one long chunk.
        by_length = sorted(range(len(chunks)), key=lambda n: chunks[n][0].start - chunks[n][-1].end)
        parts = {
            n: pool.submit(_render_chunk, scenes, spans, chunks[n], spec, scripts, clips, work / f"chunk{n:03d}.mp4")
            for n in by_length
        }
        paths = [parts[n].result() for n in range(len(chunks))]
        audio = soundtrack.result()
    listing = work / "chunks.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in paths), encoding="utf-8")
    video = ffmpeg.input(str(listing), format="concat", safe=0).video
    run_ffmpeg(
        ffmpeg.output(
            video, ffmpeg.input(str(audio)).audio, str(out), vcodec="copy", acodec="copy", movflags="+faststart"
        ),
        what=f"the {spec.width}x{spec.height} video",
    )


def _soundtrack(scenes: Sequence[SceneMedia], spec: RenderSpec, work: Path) -> Path:
    """The finished soundtrack, mixed, brought to the target loudness and encoded (AAC in MP4)."""
    voice = join_narration([s.audio_path for s in scenes], work / "narration.wav")
    encoded = work / "soundtrack.m4a"
    if spec.loudness_lufs is None and spec.music is None:
        run_ffmpeg(
            ffmpeg.output(narration(voice), str(encoded), **audio_args(spec.quality)), what="the narration track"
        )
        return encoded
    music = spec.music
    if music == AMBIENT:
        music = write_ambient_loop(work / "ambient.wav")
    mix = work / "mix.wav"
    measured = mix_soundtrack(voice, Path(music) if music else None, sum(s.duration_s for s in scenes), mix)
    target = spec.loudness_lufs if spec.loudness_lufs is not None else measured.integrated_lufs
    encode_limited(mix, gain_for_target(mix, measured, target), encoded, audio_args(spec.quality))
    return encoded


def _render_chunk(
    scenes: Sequence[SceneMedia],
    spans: Sequence[SceneSpan],
    chunk: Sequence[Piece],
    spec: RenderSpec,
    scripts: Sequence[Path],
    clips: Mapping[int, ClipInfo],
    dest: Path,
) -> Path:
    """The frames of `chunk` (consecutive pieces of the video) as one H.264 file.

    The chunk is a concatenation of its pieces: each cross-fade (both scenes drawn for just the
    fade's frames) and each scene's body or part of it. `xfade` costs time on every frame it sees,
    even outside its transition, so it only ever sees the fade's own frames (`cross_fade`).
    A scene with a clip shows the clip instead of its moving still (media/clips.py), each piece
    reading the clip from its own instant.
    """
    w, h, fps = spec.width, spec.height, spec.fps
    # Each picture is decoded and fitted once, and each scene's keyframe source made once, then split
    # among the pieces that show the scene (in this order).
    shown_scenes = Counter(shown.scene for piece in chunk for shown in piece.shown)
    uses = Counter({i: n for i, n in shown_scenes.items() if i not in clips})
    clip_inputs = ClipInputs()
    moves = {i: move_for_scene(i, spans[i].shown_frames / fps, w, h) for i in uses}
    fitted = dict(zip(uses, fitted_stills([scenes[i].image_path for i in uses], w, h), strict=True))
    supply = {
        i: _shared(keyframe_source(fitted[i], moves[i], width=w, height=h) if spec.effects else fitted[i], n)
        for i, n in uses.items()
    }

    def drawn(shown: Shown) -> ffmpeg.nodes.FilterableStream:
        if shown.scene in clips:
            return clip_frames(
                clip_inputs,
                scenes[shown.scene].clip_path,
                clips[shown.scene],
                shown.first,
                shown.frames,
                width=w,
                height=h,
                fps=fps,
            )
        picture = supply[shown.scene].pop(0)
        if not spec.effects:
            return still_frames(picture, shown.frames, fps=fps)
        return moving_still(
            picture,
            moves[shown.scene],
            shown.first,
            shown.frames,
            spans[shown.scene].shown_frames,
            width=w,
            height=h,
            fps=fps,
        )

    parts = [
        drawn(piece.shown[0])
        if len(piece.shown) == 1
        else cross_fade(drawn(piece.shown[0]), drawn(piece.shown[1]), piece.frames / fps)
        for piece in chunk
    ]
    video = parts[0] if len(parts) == 1 else ffmpeg.concat(*parts, n=len(parts), v=1, a=0)
    begin, end = chunk[0].start, chunk[-1].end
    for script in scripts:
        video = burn_subtitles(video, script, begin=begin, frames=end - begin, width=w, height=h, fps=fps)
    threads = max(1, math.ceil((os.cpu_count() or 1) / max(1, spec.workers or os.cpu_count() or 1)))
    run_ffmpeg(
        ffmpeg.output(
            video.filter("trim", end_frame=end - begin), str(dest), **video_args(spec.quality, fps), threads=threads
        ),
        what=f"frames {begin}-{end - 1} (scenes {min(shown_scenes) + 1}-{max(shown_scenes) + 1}) of the video",
    )
    return dest


def _shared(stream: ffmpeg.nodes.FilterableStream, count: int) -> list[ffmpeg.nodes.FilterableStream]:
    """`count` outlets of one stream (a filter's output can be read only once without a split)."""
    if count == 1:
        return [stream]
    split = stream.filter_multi_output("split", count)
    return [split.stream(k) for k in range(count)]


def cross_fade(
    first: ffmpeg.nodes.FilterableStream, second: ffmpeg.nodes.FilterableStream, duration_s: float
) -> ffmpeg.nodes.FilterableStream:
    """`first` fading into `second` over `duration_s`, both 4:2:0 and starting together.

    `xfade` takes no subsampled format, and converting 4:2:0 to 4:4:4 and back costs swscale
    about 2 ms a 720p frame each way; a fade mixes each plane on its own, so each plane is
    faded as a grey picture (0.9 ms a frame for all three) and the planes are merged again.
    """
    a, b = (stream.filter_multi_output("extractplanes", "y+u+v") for stream in (first, second))
    planes = [
        ffmpeg.filter([a.stream(n), b.stream(n)], "xfade", transition="fade", duration=duration_s, offset=0)
        for n in range(3)
    ]
    return ffmpeg.filter(planes, "mergeplanes", map1s=1, map2s=2, format="yuv420p")


# ---- the plain render (fallback) --------------------------------------------------------


def _plain_render(scenes: Sequence[SceneMedia], spec: RenderSpec, cues: Sequence[Cue], work: Path, out: Path) -> None:
    """Stills cut exactly on the narration, plain subtitles, the narration as recorded: one pass."""
    work.mkdir(parents=True, exist_ok=True)
    plan = frame_plan([s.duration_s for s in scenes], spec.fps)
    stills = fitted_stills([s.image_path for s in scenes], spec.width, spec.height)
    streams = [still_frames(still, count, fps=spec.fps) for still, (_, count) in zip(stills, plan, strict=True)]
    video = streams[0] if len(streams) == 1 else ffmpeg.concat(*streams, n=len(streams), v=1, a=0)
    if spec.burn_subtitles and cues:
        ass = write_ass(cues, work / "subtitles.ass", width=spec.width, height=spec.height, language=spec.language)
        video = video.filter("ass", str(ass), fontsdir=str(FONTS_DIR))
    audio = narration(join_narration([s.audio_path for s in scenes], work / "narration.wav"))
    run_ffmpeg(
        ffmpeg.output(video, audio, str(out), **encode_args(spec.quality, spec.fps)),
        what=f"the {spec.width}x{spec.height} video",
    )
