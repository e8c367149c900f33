"""A stock clip made ready for a scene: its sound removed and a poster frame taken from it.

A downloaded clip may carry an audio track (street noise, music) that would fight the
narration, so it is remuxed without audio (the video stream is copied, not re-encoded).
The poster frame is what the scene shows wherever a still is needed: the thumbnail, the
plain fallback render, and review (`notes-pipeline script`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import ffmpeg

from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg

POSTER_AT_S = 0.5  # past a fade-in from black at the very start


def muted_clip(mp4: bytes, *, what: str = "a stock clip", timeout_s: float = 120) -> bytes:
    """The clip's video stream alone, in an MP4 that starts playing at once (faststart)."""
    with tempfile.TemporaryDirectory(prefix="clip-") as folder:
        source, target = Path(folder, "in.mp4"), Path(folder, "out.mp4")
        source.write_bytes(mp4)
        stream = ffmpeg.input(str(source)).output(str(target), map="0:v:0", an=None, c="copy",
                                                  movflags="+faststart")
        run_ffmpeg(stream, what=f"the muted copy of {what}", timeout_s=timeout_s)
        return _read_output(target, what)


def poster_frame(mp4: bytes, *, at_s: float = POSTER_AT_S, what: str = "a stock clip", timeout_s: float = 60) -> bytes:
    """One decoded frame as a PNG at the clip's own size: at `at_s`, or the first frame of a shorter clip."""
    with tempfile.TemporaryDirectory(prefix="poster-") as folder:
        source, target = Path(folder, "in.mp4"), Path(folder, "poster.png")
        source.write_bytes(mp4)
        for seek in (at_s, 0.0) if at_s > 0 else (0.0,):
            stream = ffmpeg.input(str(source), ss=seek).output(str(target), vframes=1, format="image2",
                                                               vcodec="png")
            run_ffmpeg(stream, what=f"the poster frame of {what}", timeout_s=timeout_s)
            if target.is_file() and target.stat().st_size:
                return target.read_bytes()
        raise MediaError(f"{what} has no decodable video frame for a poster")


def _read_output(path: Path, what: str) -> bytes:
    if not path.is_file() or not path.stat().st_size:
        raise MediaError(f"FFmpeg wrote nothing for {what}: the clip has no video stream")
    return path.read_bytes()
