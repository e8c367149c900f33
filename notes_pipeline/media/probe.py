"""Measuring media files with PyAV (the FFmpeg wheel has no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from notes_pipeline.media.ffmpeg import MediaError


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frames: int
    codec: str
    pix_fmt: str
    duration_s: float


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    channels: int
    codec: str
    duration_s: float


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    video: VideoInfo | None
    audio: AudioInfo | None
    video_streams: int
    audio_streams: int


def _stream_seconds(stream: av.stream.Stream) -> float:
    return float(stream.duration * stream.time_base) if stream.duration is not None else 0.0


def probe(path: Path) -> MediaInfo:
    try:
        with av.open(str(path)) as container:
            videos, audios = container.streams.video, container.streams.audio
            video = audio = None
            if videos:
                v = videos[0]
                fps = float(v.average_rate) if v.average_rate else 0.0
                video = VideoInfo(
                    v.codec_context.width,
                    v.codec_context.height,
                    fps,
                    v.frames,
                    v.codec_context.name,
                    v.codec_context.format.name if v.codec_context.format else "",
                    _stream_seconds(v),
                )
            if audios:
                a = audios[0]
                audio = AudioInfo(
                    a.codec_context.sample_rate, a.codec_context.channels, a.codec_context.name, _stream_seconds(a)
                )
            duration = container.duration / av.time_base if container.duration else 0.0
            return MediaInfo(duration, video, audio, len(videos), len(audios))
    except av.error.FFmpegError as err:
        raise MediaError(f"{path.name} cannot be read as media: {err}") from None


def decode_all(path: Path) -> int:
    """Decode every frame of every stream; returns the video frame count, raises on corrupt data."""
    frames = 0
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(*container.streams):
                if isinstance(frame, av.VideoFrame):
                    frames += 1
    except av.error.FFmpegError as err:
        raise MediaError(f"{path.name} does not decode: {err}") from None
    return frames


def scene_change_times(
    path: Path, *, threshold: float = 4.0, step: float = 0.3, top_fraction: float = 0.75
) -> list[float]:
    """When each new picture is fully on screen, comparing small grey frames above the subtitle band.

    A change is a run of consecutive frames that each differ from the one before by more
    than `step` (mean grey level) and whose last frame differs from the frame before the
    run by more than `threshold`: a cut is a run of one frame, a cross-fade a run as long
    as the fade. Its time is the run's last frame, the first showing only the new picture.
    Gentle pan and zoom move far less than `step` per frame.
    """
    times: list[float] = []
    previous = before_run = last = None
    last_time = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            small = frame.reformat(width=96, height=54, format="gray").to_ndarray().astype(np.float32)
            small = small[: int(small.shape[0] * top_fraction)]
            if previous is not None:
                if float(np.abs(small - previous).mean()) > step:
                    before_run = previous if before_run is None else before_run
                    last, last_time = small, float(frame.time)
                elif before_run is not None:
                    if float(np.abs(last - before_run).mean()) > threshold:
                        times.append(last_time)
                    before_run = None
            previous = small
    if before_run is not None and float(np.abs(last - before_run).mean()) > threshold:
        times.append(last_time)
    return times
