"""Stock-like test clips made by FFmpeg: a moving test pattern, optionally with a loud tone on it."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from notes_pipeline.media.ffmpeg import run_ffmpeg


def make_clip(
    path: Path,
    seconds: float,
    *,
    size: tuple[int, int] = (960, 540),
    fps: int = 25,
    tone_hz: float | None = 1000.0,
    pattern: str = "testsrc2",
) -> Path:
    """An H.264 MP4 of `pattern` (every frame differs: a counter and moving shapes), with a full-scale
    sine tone as its audio track when `tone_hz` is set, as stock footage often carries sound."""
    video = ffmpeg.input(f"{pattern}=size={size[0]}x{size[1]}:rate={fps}", f="lavfi", t=seconds)
    streams = [video]
    if tone_hz:
        streams.append(
            ffmpeg.input(f"sine=frequency={tone_hz}:sample_rate=48000", f="lavfi", t=seconds).filter("volume", 8.0)
        )
    run_ffmpeg(
        ffmpeg.output(
            *streams,
            str(path),
            vcodec="libx264",
            preset="ultrafast",
            pix_fmt="yuv420p",
            **({"acodec": "aac"} if tone_hz else {}),
        ),
        what=f"a {seconds}s test clip",
    )
    return path
