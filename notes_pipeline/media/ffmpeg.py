"""Running the FFmpeg that ships inside the imageio-ffmpeg wheel (no system FFmpeg needed)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from functools import cache

import ffmpeg
import imageio_ffmpeg

from notes_pipeline.domain.errors import PipelineError


class MediaError(PipelineError):
    """FFmpeg (or a media file) failed; the message carries what was being made and FFmpeg's words."""


@cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(stream: ffmpeg.nodes.OutputStream, *, what: str, timeout_s: float | None = 1800,
               log_level: str = "error") -> str:
    """Run a graph built with ffmpeg-python and return FFmpeg's log (stderr) at `log_level`;
    raise MediaError with the tail of that log when FFmpeg fails."""
    args: Sequence[str] = ffmpeg.compile(
        stream.global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", log_level).overwrite_output(),
        cmd=ffmpeg_exe(),
    )
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"FFmpeg took longer than {timeout_s:.0f}s making {what}") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.decode(errors="replace").strip().splitlines()[-8:])
        raise MediaError(f"FFmpeg failed making {what} (exit {done.returncode}): {tail}")
    return done.stderr.decode(errors="replace")
