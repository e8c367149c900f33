"""Video clips as scene backgrounds: cover-cropped to the frame, at the video's frame rate, muted,
trimmed to the scene or looped when shorter.

A clip scene is drawn like a still scene (media/composer.py): in pieces (its cross-fades and
its body, a long body in parts), each a pure function of the scene's own frame numbers. A
piece starting at frame `first` of the scene opens the clip with an input seek to that
instant (modulo the clip's length, as the clip loops), so no piece decodes the frames before
it and a clip loops without ever being held in memory: `-stream_loop -1` reopens the file
at its end, and `trim` stops the piece after its frames. Only the clip's video stream is read;
its audio never enters the graph.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import av
import ffmpeg
from PIL import Image

from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg

MIN_CLIP_S = 0.1  # shorter than this is not a clip but a still (and would loop thousands of times a scene)


@dataclass(frozen=True)
class ClipInfo:
    width: int
    height: int
    duration_s: float
    fps: float


def clip_info(path: Path) -> ClipInfo:
    """Size, length and frame rate of a clip's first video stream; raises MediaError if it has none,
    cannot be decoded or is too short to loop."""
    return _read_info(str(path), path.name)


def clip_bytes_info(data: bytes, *, name: str) -> ClipInfo:
    """`clip_info` of a clip still in memory (what a provider sent), so a bad one is refused before it is stored."""
    return _read_info(io.BytesIO(data), name)


def _read_info(source: str | io.BytesIO, name: str) -> ClipInfo:
    try:
        with av.open(source) as container:
            if not container.streams.video:
                raise MediaError(f"the clip {name} has no video stream")
            stream = container.streams.video[0]
            duration = _duration_s(container, stream)
            last = None
            for frame in container.decode(stream):  # at least one frame must decode; the length if unknown
                last = frame
                if duration is not None:
                    break
            if last is None:
                raise MediaError(f"the clip {name} has no decodable frame")
            if duration is None:
                duration = float(last.time or 0) + 1 / float(stream.average_rate or 30)
            info = ClipInfo(
                stream.codec_context.width, stream.codec_context.height, duration, float(stream.average_rate or 0)
            )
    except av.error.FFmpegError as err:
        raise MediaError(f"the clip {name} cannot be read as video: {err}") from None
    if info.width <= 0 or info.height <= 0 or info.duration_s < MIN_CLIP_S:
        raise MediaError(f"the clip {name} is not a usable video ({info.width}x{info.height}, {info.duration_s:.2f} s)")
    return info


def poster_frame(data: bytes, *, name: str, at_s: float = 0.0) -> Image.Image:
    """The clip's frame at `at_s` (or its last, if shorter) as an RGB picture: the still a clip scene
    shows in the thumbnail and wherever a clip cannot play (the plain render)."""
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                raise MediaError(f"the clip {name} has no video stream")
            picture = None
            for frame in container.decode(container.streams.video[0]):
                picture = frame
                if frame.time is not None and frame.time >= at_s:
                    break
            if picture is None:
                raise MediaError(f"the clip {name} has no decodable frame")
            return picture.to_image().convert("RGB")
    except av.error.FFmpegError as err:
        raise MediaError(f"the clip {name} cannot be read as video: {err}") from None


def muted_clip(mp4: bytes, *, what: str = "a stock clip", timeout_s: float = 120) -> bytes:
    """The clip's video stream alone (copied, not re-encoded), in an MP4 that starts playing at once.

    A downloaded clip may carry an audio track (street noise, music); the composer never reads it,
    but the stored copy should not carry it either.
    """
    with tempfile.TemporaryDirectory(prefix="clip-") as folder:
        source, target = Path(folder, "in.mp4"), Path(folder, "out.mp4")
        source.write_bytes(mp4)
        stream = ffmpeg.input(str(source)).output(str(target), map="0:v:0", an=None, c="copy", movflags="+faststart")
        run_ffmpeg(stream, what=f"the muted copy of {what}", timeout_s=timeout_s)
        if not target.is_file() or not target.stat().st_size:
            raise MediaError(f"FFmpeg wrote nothing for {what}: the clip has no video stream")
        return target.read_bytes()


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return None


def clip_offset_s(first: int, fps: int, clip_s: float) -> float:
    """Where in the clip frame `first` of its scene falls: the clip plays from its start and loops."""
    return math.fmod(first / fps, clip_s)


def seek_point(offset_s: float, clip_fps: float) -> tuple[float, float]:
    """(where to seek, how far before `offset_s` the first frame read lies).

    An accurate seek drops every frame before the instant asked for, so seeking to `offset_s`
    itself would start the piece on the clip's next frame and shift all of it by up to a frame.
    The seek goes a quarter frame before the clip frame at or before `offset_s` instead (a seek
    to a frame's exact time may land just past it), and that frame is placed `lead` seconds
    before the piece's first frame, where the `fps` filter's rounding to the nearest frame
    puts it exactly as a pass over the whole clip would."""
    if clip_fps <= 0:
        return offset_s, 0.0
    frame = math.floor(offset_s * clip_fps + 1e-6)
    return max(0.0, (frame - 0.25) / clip_fps), offset_s - frame / clip_fps


class ClipInputs:
    """Inputs for the pieces of one filter graph. ffmpeg-python merges inputs with equal arguments
    into one node, whose stream a graph may read only once: two pieces showing the same clip from
    the same instant (one clip behind two scenes, say) would collide. Each use therefore spells its
    seek differently (trailing zeros, same instant), so every piece has a decoder of its own."""

    def __init__(self) -> None:
        self._uses: Counter[tuple[str, str]] = Counter()

    def video(self, path: Path, offset_s: float) -> ffmpeg.nodes.FilterableStream:
        seek = f"{offset_s:.6f}"
        use = self._uses[(str(path), seek)]
        self._uses[(str(path), seek)] += 1
        # `an`: the clip's sound is never decoded, and its length cannot stretch the loop.
        return ffmpeg.input(str(path), ss=seek + "0" * use, stream_loop=-1, an=None).video


def clip_frames(
    inputs: ClipInputs, path: Path, info: ClipInfo, first: int, frames: int, *, width: int, height: int, fps: int
) -> ffmpeg.nodes.FilterableStream:
    """Frames [first, first + frames) of a clip scene: the clip from its start (looping), scaled to
    cover the frame and cropped about its centre, in yuv420p at `fps`, timestamps from zero at 1/fps."""
    seek, lead = seek_point(clip_offset_s(first, fps, info.duration_s), info.fps)
    video = inputs.video(path, seek)
    return (
        video.filter("setpts", f"PTS-STARTPTS-{lead:.6f}/TB")
        .filter("fps", fps, start_time=0)
        .filter("scale", width, height, force_original_aspect_ratio="increase", flags="bicubic")
        .filter("crop", width, height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
        .filter("trim", end_frame=frames)
        .filter("settb", f"1/{fps}")
        .filter("setpts", "N")
    )
