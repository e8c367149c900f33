"""Running the FFmpeg that ships inside the imageio-ffmpeg wheel (no system FFmpeg needed)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import cache

import ffmpeg
import imageio_ffmpeg

from notes_pipeline.domain.errors import PipelineError


class MediaError(PipelineError):
    """FFmpeg (or a media file) failed; the message carries what was being made and FFmpeg's words."""


_PR_SET_PDEATHSIG = 1


@cache
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    stream: ffmpeg.nodes.OutputStream, *, what: str, timeout_s: float | None = 1800, log_level: str = "error"
) -> str:
    """Run a graph built with ffmpeg-python and return FFmpeg's log (stderr) at `log_level`;
    raise MediaError with the tail of that log when FFmpeg fails."""
    args: Sequence[str] = ffmpeg.compile(
        stream.global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", log_level).overwrite_output(),
        cmd=ffmpeg_exe(),
    )
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout_s, check=False, preexec_fn=die_with_parent())
    except subprocess.TimeoutExpired:
        raise MediaError(f"FFmpeg took longer than {timeout_s:.0f}s making {what}") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.decode(errors="replace").strip().splitlines()[-8:])
        raise MediaError(f"FFmpeg failed making {what} (exit {done.returncode}): {tail}")
    return done.stderr.decode(errors="replace")


def die_with_parent() -> Callable[[], None] | None:
    """For `preexec_fn`: on Linux the child gets SIGKILL when this process dies (even by kill -9),
    so a killed run worker never leaves an FFmpeg rendering on as an orphan."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm
