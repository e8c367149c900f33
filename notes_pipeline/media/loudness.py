"""The soundtrack: narration joined, music ducked under it, the mix brought to a measured loudness
target with its true peak checked on the encoded file (the passes: docs/rendering.md).
"""

from __future__ import annotations

import logging
import re
import wave
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from notes_pipeline.media.ffmpeg import MediaError, run_ffmpeg
from notes_pipeline.media.presets import AUDIO_RATE

log = logging.getLogger(__name__)
TARGET_LUFS = -14.0
TRUE_PEAK_DBTP = -1.0  # the delivered file's limit (EBU R128 for streaming, most platforms' specs)
CEILING_DBFS = -2.0  # the limiter's sample-peak ceiling: room for inter-sample peaks and, most of the time, AAC's
# What the encoded file is held to: the meter prints one decimal, and meters differ by a few hundredths.
_TRUE_PEAK_AIM = TRUE_PEAK_DBTP - 0.2
_ENCODE_ATTEMPTS = 4
VOICE_REFERENCE_LUFS = -20.0
MUSIC_BELOW_VOICE_LU = 16.0
_INTEGRATED = re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS", re.S)
_TRUE_PEAK = re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS", re.S)


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float | None = None


def parse_ebur128(log: str) -> Loudness:
    """The summary FFmpeg's ebur128 filter prints when it closes."""
    found = _INTEGRATED.findall(log)
    if not found:
        raise MediaError("the loudness meter printed no summary")
    peaks = _TRUE_PEAK.findall(log)
    as_float = lambda text: float("-inf") if text == "-inf" else float(text)  # noqa: E731
    return Loudness(as_float(found[-1]), as_float(peaks[-1]) if peaks else None)


def _meter(stream: ffmpeg.nodes.FilterableStream, *, true_peak: bool = False) -> ffmpeg.nodes.FilterableStream:
    return stream.filter("ebur128", framelog="quiet", peak="true" if true_peak else "none")


def measure(path: Path, *, true_peak: bool = False) -> Loudness:
    """Integrated loudness (and true peak) of a file's first audio stream."""
    audio = ffmpeg.input(str(path)).audio.filter("aresample", AUDIO_RATE)
    log = run_ffmpeg(
        ffmpeg.output(_meter(audio, true_peak=true_peak), "-", format="null"),
        what=f"the loudness of {path.name}",
        log_level="info",
    )
    return parse_ebur128(log)


def join_narration(clips: Sequence[Path], dest: Path) -> Path:
    """The clips back to back in one mono 16-bit WAV: the audio timeline of the video.

    Joined here, not by FFmpeg's concat filter: FFmpeg reads every input of a graph at once,
    so the clips the concat filter is not playing yet queue up decoded in memory (the mix of
    a 40-scene video held ~300 MB, of 10 scenes ~40 MB). Frames are copied from one file at
    a time, so memory stays flat whatever the length; a clip in another format (a fallback
    narrator's sample rate) is converted by FFmpeg first, one clip at a time.
    """
    formats = [_wav_format(clip) for clip in clips]
    rates = Counter(f[0] for f in formats if f[0])
    rate = rates.most_common(1)[0][0] if rates else AUDIO_RATE
    dest.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for n, (clip, fmt) in enumerate(zip(clips, formats, strict=True)):
            source = clip if fmt == (rate, 1, 2) else _converted(clip, rate, dest.with_name(f"{dest.stem}.{n:03d}.wav"))
            with wave.open(str(source), "rb") as src:
                while frames := src.readframes(1 << 16):
                    out.writeframes(frames)
            if source != clip:
                source.unlink()
    return dest


def _wav_format(clip: Path) -> tuple[int, int, int]:
    """(sample rate, channels, bytes per sample), or (0, 0, 0) for what the wave module cannot read."""
    if not clip.is_file():
        raise MediaError(f"the narration clip {clip.name} is missing")
    try:
        with wave.open(str(clip), "rb") as src:
            return src.getframerate(), src.getnchannels(), src.getsampwidth()
    except (wave.Error, EOFError):
        return 0, 0, 0


def _converted(clip: Path, rate: int, dest: Path) -> Path:
    run_ffmpeg(
        ffmpeg.output(ffmpeg.input(str(clip)).audio, str(dest), acodec="pcm_s16le", ar=rate, ac=1),
        what=f"the narration clip {clip.name}",
    )
    return dest


def narration(joined: Path) -> ffmpeg.nodes.FilterableStream:
    """The joined narration (`join_narration`) at the output rate."""
    return ffmpeg.input(str(joined)).audio.filter("aresample", AUDIO_RATE)


def music_bed(path: Path, duration_s: float) -> ffmpeg.nodes.FilterableStream:
    """A music file looped (or cut) to `duration_s`, mono, faded in and out."""
    fade_out = min(3.0, duration_s / 3)
    return (
        ffmpeg.input(str(path), stream_loop=-1)
        .audio.filter("aresample", AUDIO_RATE)
        .filter("aformat", channel_layouts="mono")
        .filter("atrim", duration=duration_s)
        .filter("afade", type="in", duration=min(2.0, duration_s / 3))
        .filter("afade", type="out", start_time=max(0.0, duration_s - fade_out), duration=fade_out)
    )


def _db(value: float) -> str:
    return f"{value:.2f}dB"


def mix_soundtrack(voice_track: Path, music: Path | None, duration_s: float, dest: Path) -> Loudness:
    """Write the voice (the joined narration, plus ducked music) mix to `dest` as float WAV; return its loudness."""
    voice_level, music_level = _levels(voice_track, music, duration_s)
    voice = (
        narration(voice_track)
        .filter("volume", _db(VOICE_REFERENCE_LUFS - voice_level.integrated_lufs))
        .filter("acompressor", threshold="-24dB", ratio=4, attack=1, release=100, knee=4)
        .filter("acompressor", threshold="-30dB", ratio=8, attack=0.1, release=30)
    )
    if music is not None and music_level is not None and music_level.integrated_lufs > -70:
        split = voice.filter_multi_output("asplit", 2)
        voice, key = split.stream(0), split.stream(1)
        gain = VOICE_REFERENCE_LUFS - MUSIC_BELOW_VOICE_LU - music_level.integrated_lufs
        bed = music_bed(music, duration_s).filter("volume", _db(gain))
        # Duck about 10 dB while the voice speaks; recover over half a second in pauses.
        ducked = ffmpeg.filter(
            [bed, key], "sidechaincompress", threshold=0.015, ratio=6, attack=30, release=500, knee=3
        )
        voice = ffmpeg.filter([voice, ducked], "amix", inputs=2, duration="first", normalize=0)
    outputs = voice.filter_multi_output("asplit", 2)
    log = run_ffmpeg(
        ffmpeg.merge_outputs(
            ffmpeg.output(outputs.stream(0), str(dest), acodec="pcm_f32le", ar=AUDIO_RATE, ac=1),
            ffmpeg.output(_meter(outputs.stream(1)), "-", format="null"),
        ),
        what="the soundtrack mix",
        log_level="info",
    )
    return parse_ebur128(log)


def _levels(voice_track: Path, music: Path | None, duration_s: float) -> tuple[Loudness, Loudness | None]:
    """Loudness of the narration and of the music bed, measured at the same time."""

    def voice() -> Loudness:
        log = run_ffmpeg(
            ffmpeg.output(_meter(narration(voice_track)), "-", format="null"),
            what="the narration's loudness",
            log_level="info",
        )
        return parse_ebur128(log)

    def bed() -> Loudness | None:
        if music is None:
            return None
        stream = music_bed(music, min(duration_s, 60.0))
        log = run_ffmpeg(
            ffmpeg.output(_meter(stream), "-", format="null"), what="the music's loudness", log_level="info"
        )
        return parse_ebur128(log)

    with ThreadPoolExecutor(max_workers=2) as pool:
        voice_level, music_level = pool.submit(voice), pool.submit(bed)
        return voice_level.result(), music_level.result()


def _limited(
    stream: ffmpeg.nodes.FilterableStream, gain_db: float, ceiling_dbfs: float = CEILING_DBFS
) -> ffmpeg.nodes.FilterableStream:
    return stream.filter("volume", _db(gain_db)).filter(
        "alimiter", limit=10 ** (ceiling_dbfs / 20), attack=5, release=60, level=0
    )


def gain_for_target(mix: Path, mix_loudness: Loudness, target_lufs: float = TARGET_LUFS) -> float:
    """The gain (dB) that puts the limited mix at `target_lufs`, by the secant through two trials."""
    first = target_lufs - mix_loudness.integrated_lufs
    trials = (first, first + 2.0)

    def trial(gain: float) -> float:
        limited = _limited(ffmpeg.input(str(mix)).audio, gain)
        log = run_ffmpeg(
            ffmpeg.output(_meter(limited), "-", format="null"),
            what="a trial of the soundtrack's level",
            log_level="info",
        )
        return parse_ebur128(log).integrated_lufs

    with ThreadPoolExecutor(max_workers=2) as pool:
        low, high = pool.map(trial, trials)
    slope = (high - low) / (trials[1] - trials[0])
    if slope < 0.2:  # the limiter is doing nearly everything: stay with the louder trial
        return trials[1]
    return first + (target_lufs - low) / slope


def encode_limited(mix: Path, gain_db: float, dest: Path, codec: Mapping[str, str | int]) -> Loudness:
    """Encode `mix` with the gain from `gain_for_target` and the peak limiter; return the encoded file's loudness.

    The limiter holds sample peaks at CEILING_DBFS, but the codec puts back peaks of its own:
    on heavily limited speech AAC overshot the limiter by up to 0.8 dB (measured), and by how
    much depends on the exact waveform. So the encoded file's true peak is measured, and while
    it is above the aim the ceiling is lowered by the overshoot and the mix encoded again
    (once, when at all). On speech a lower ceiling costs under 0.1 LU; on material the limiter
    already dominates (dense noise) it costs more, and the peak limit wins over the loudness target.
    """
    ceiling = CEILING_DBFS
    for _ in range(_ENCODE_ATTEMPTS):
        run_ffmpeg(
            ffmpeg.output(_limited(ffmpeg.input(str(mix)).audio, gain_db, ceiling), str(dest), **codec),
            what="the soundtrack",
        )
        encoded = measure(dest, true_peak=True)
        if encoded.true_peak_dbtp is None or encoded.true_peak_dbtp <= _TRUE_PEAK_AIM:
            return encoded
        overshoot = encoded.true_peak_dbtp - _TRUE_PEAK_AIM
        ceiling -= overshoot + 0.1
    # Not worth failing a finished render over a tenth of a decibel: say so and deliver it.
    log.warning(
        "the soundtrack's true peak is %s dBTP, above the %s dBTP limit, after %d encodings",
        encoded.true_peak_dbtp,
        TRUE_PEAK_DBTP,
        _ENCODE_ATTEMPTS,
    )
    return encoded
