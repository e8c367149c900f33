"""Mono 16-bit WAV in and out of numpy: the one audio format between narrator and composer."""

from __future__ import annotations

import io
import wave

import numpy as np


def write_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data), "rb") as src:
        if src.getsampwidth() != 2 or src.getnchannels() != 1:
            raise ValueError("expected a mono 16-bit WAV")
        return np.frombuffer(src.readframes(src.getnframes()), dtype="<i2"), src.getframerate()


def wav_duration_s(data: bytes) -> float:
    """Duration from the WAV header's frame count: exact, no decoding."""
    with wave.open(io.BytesIO(data), "rb") as src:
        return src.getnframes() / src.getframerate()


def audible_span(samples: np.ndarray, sample_rate: int, threshold: float = 0.01) -> tuple[float, float]:
    """Where sound begins and ends (seconds): the first and last 10 ms window above `threshold` of full scale."""
    window = max(1, sample_rate // 100)
    usable = samples[: samples.size // window * window].astype(np.float32) / 32768.0
    if usable.size == 0:
        return 0.0, samples.size / sample_rate
    rms = np.sqrt((usable.reshape(-1, window) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > threshold)
    if loud.size == 0:
        return 0.0, samples.size / sample_rate
    return loud[0] * window / sample_rate, min(samples.size, (loud[-1] + 1) * window) / sample_rate
