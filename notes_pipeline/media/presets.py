"""Encode settings per quality preset: one definition shared by the composer and the benchmark floor.

The floor in `benchmarks/composer.py` must encode with exactly the settings the composer
uses, so both read them from here rather than repeating x264 options.
"""

from __future__ import annotations

from dataclasses import dataclass

from notes_pipeline.domain.models import Quality


@dataclass(frozen=True)
class EncodePreset:
    x264_preset: str
    crf: int
    audio_bitrate: str
    x264_params: str = ""  # on top of the preset


# draft: quick look at a render, smaller and quicker to encode than final; final: what gets published.
# The final preset's subpixel refinement is one notch lower than veryfast's (subme 1, superfast's):
# on panning and zooming slides x264 then spends a third less time, for files about 8% larger at
# 0.15 dB lower PSNR (benchmarks/RESULTS.md). Draft was ultrafast, which turns off CABAC and B-frames:
# its files came out 4x the final's. superfast at CRF 30 keeps them: a 20 s 720p render of four slides
# took 13% less FFmpeg CPU than final and its file was 26% smaller (benchmarks/RESULTS.md).
PRESETS: dict[Quality, EncodePreset] = {
    "draft": EncodePreset(x264_preset="superfast", crf=30, audio_bitrate="96k"),
    "final": EncodePreset(x264_preset="veryfast", crf=22, audio_bitrate="128k", x264_params="subme=1"),
}

AUDIO_RATE = 48_000


def video_args(quality: str, fps: int) -> dict[str, str | int]:
    """ffmpeg-python output keyword arguments for the H.264 stream."""
    preset = PRESETS[quality]
    args: dict[str, str | int] = dict(
        vcodec="libx264", preset=preset.x264_preset, crf=preset.crf, tune="stillimage", pix_fmt="yuv420p", r=fps
    )
    if preset.x264_params:
        args["x264-params"] = preset.x264_params
    return args


def audio_args(quality: str) -> dict[str, str | int]:
    """AAC, mono 48 kHz. Perceptual noise substitution and temporal noise shaping are off: on
    compressed speech they overshoot peaks by up to 3 dB (measured), breaking the true-peak ceiling."""
    return dict(acodec="aac", audio_bitrate=PRESETS[quality].audio_bitrate, ar=AUDIO_RATE, ac=1, aac_pns=0, aac_tns=0)


def encode_args(quality: str, fps: int) -> dict[str, str | int]:
    """Both streams, with the index at the front of the file (fast start)."""
    return dict(**video_args(quality, fps), **audio_args(quality), movflags="+faststart")
