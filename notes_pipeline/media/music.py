"""A quiet ambient music bed, generated (no downloads, no files to license), and looped seamlessly.

The bed is a short loop: a soft minor-ninth pad (a few detuned sine partials per note,
slowly breathing) over low, filtered noise. Every partial and every slow modulation makes
a whole number of cycles in the loop, and the noise is shaped in the frequency domain
(so it is circular), which makes the loop seamless: FFmpeg repeats it for any length
with `-stream_loop -1`, and memory does not grow with the video.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notes_pipeline.media.audio import write_wav

LOOP_S = 24
SAMPLE_RATE = 48_000
# A2, E3, G3, B3, C4, D4: a calm A-minor(add9) voicing.
_NOTES_HZ = (110.0, 164.81, 196.0, 246.94, 261.63, 293.66)


def _cycles(freq_hz: float) -> float:
    """The nearest frequency that fits a whole number of cycles into the loop."""
    return max(1, round(freq_hz * LOOP_S)) / LOOP_S


def ambient_loop(seed: int = 7) -> np.ndarray:
    """LOOP_S seconds of mono float samples in [-1, 1] that join end to start without a click.

    Built as one spectrum and one inverse FFT: every partial makes a whole number of cycles in
    the loop, so each is a single bin (a breathing partial, sin x times a slow sine, is three),
    which takes a few milliseconds where summing sines sample by sample took 0.6 s of a render.
    """
    rng = np.random.default_rng(seed)
    size = LOOP_S * SAMPLE_RATE
    pad = np.zeros(size // 2 + 1, dtype=complex)

    def cosine(cycles: int, amplitude: float, phase: float) -> None:
        """Add amplitude * cos(2 pi cycles t / LOOP_S + phase), as irfft scales it."""
        pad[cycles] += amplitude * size / 2 * np.exp(1j * phase)

    for i, note in enumerate(_NOTES_HZ):
        slow, slow_phase = round(_cycles((i + 1) / LOOP_S * 2) * LOOP_S), rng.uniform(0, 2 * np.pi)
        for detune in (-0.6, 0.0, 0.6):  # cents-level detuning for a soft chorus
            cycles, phase = round(_cycles(note + detune * note / 1000) * LOOP_S), rng.uniform(0, 2 * np.pi)
            gain = 1 / (1 + i * 0.35)
            # (0.55 + 0.45 sin b) sin a = 0.55 sin a + 0.225 cos(a - b) - 0.225 cos(a + b)
            cosine(cycles, 0.55 * gain, phase - np.pi / 2)
            cosine(cycles - slow, 0.225 * gain, phase - slow_phase)
            cosine(cycles + slow, -0.225 * gain, phase + slow_phase)
    spectrum = np.fft.rfft(rng.standard_normal(size))
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    spectrum *= 1 / (1 + (freqs / 400.0) ** 2) * (freqs > 40)  # gentle low-pass, no rumble
    noise = np.fft.irfft(spectrum, n=size)
    tone = np.fft.irfft(pad, n=size)
    mix = tone / np.abs(tone).max() + 0.25 * noise / np.abs(noise).max()
    return (mix / np.abs(mix).max() * 0.7).astype(np.float32)


def write_ambient_loop(path: Path) -> Path:
    """The loop as a 16-bit mono WAV (about 2 MB), written once per render."""
    path.write_bytes(write_wav(np.round(ambient_loop() * 32767).astype(np.int16), SAMPLE_RATE))
    return path
