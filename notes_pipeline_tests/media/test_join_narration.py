"""The narration joined into one WAV: exact lengths, clips in order, other sample rates converted."""

import wave
from pathlib import Path

import numpy as np
import pytest

from notes_pipeline.media.audio import read_wav, write_wav
from notes_pipeline.media.ffmpeg import MediaError
from notes_pipeline.media.loudness import join_narration


def _tone(path: Path, hz: float, seconds: float, rate: int) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    path.write_bytes(write_wav((np.sin(2 * np.pi * hz * t) * 12000).astype(np.int16), rate))
    return path


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])


def test_clips_are_joined_in_order_with_their_exact_lengths(tmp_path: Path):
    clips = [
        _tone(tmp_path / f"{n}.wav", hz, seconds, 22050)
        for n, (hz, seconds) in enumerate([(300, 1.0), (600, 0.5), (300, 1.0)])
    ]  # the first clip used twice
    joined = join_narration([clips[0], clips[1], clips[0]], tmp_path / "narration.wav")
    samples, rate = read_wav(joined.read_bytes())
    assert rate == 22050 and samples.size == 22050 * 2 + 11025
    assert round(_dominant_hz(samples[:22050], rate)) == 300
    assert round(_dominant_hz(samples[22050:33075], rate)) == 600
    assert np.array_equal(samples[33075:], samples[:22050])


def test_a_clip_at_another_rate_is_converted_and_keeps_its_duration(tmp_path: Path):
    clips = [
        _tone(tmp_path / "a.wav", 300, 1.0, 24000),
        _tone(tmp_path / "b.wav", 500, 2.0, 22050),
        _tone(tmp_path / "c.wav", 300, 1.0, 24000),
    ]
    joined = join_narration(clips, tmp_path / "narration.wav")
    samples, rate = read_wav(joined.read_bytes())
    assert rate == 24000  # the rate most clips have
    assert abs(samples.size - 4 * 24000) <= 2
    middle = samples[24000 + 2400 : 3 * 24000 - 2400]
    assert abs(_dominant_hz(middle, rate) - 500) < 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.wav", "c.wav", "narration.wav"]


def test_a_missing_clip_is_named(tmp_path: Path):
    clip = _tone(tmp_path / "a.wav", 300, 0.2, 22050)
    with pytest.raises(MediaError, match="gone.wav is missing"):
        join_narration([clip, tmp_path / "gone.wav"], tmp_path / "narration.wav")
    with wave.open(str(clip)) as src:
        assert src.getnframes() == 4410  # the inputs are never touched
