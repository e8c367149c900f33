"""The mix as delivered: loudness and true peak measured on the decoded MP4, music ducked under the voice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest

from notes_pipeline.media.audio import write_wav
from notes_pipeline.media.composer import AMBIENT, RenderSpec, SceneMedia, compose_video
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.loudness import CEILING_DBFS, TARGET_LUFS, encode_limited, gain_for_target, measure
from notes_pipeline.media.presets import audio_args
from notes_pipeline.media.probe import probe
from notes_pipeline_tests.media.scenes import spoken_scenes, still, tone_clip

TEXTS = [
    "Light arrives at the leaf as tiny packets of energy called photons.",
    "Chlorophyll absorbs red and blue light, and reflects the green.",
    "The captured energy splits water and builds sugar from the air.",
]


def _loudnorm(path: Path) -> dict[str, float]:
    """FFmpeg's loudnorm analysis of the decoded file: an EBU R128 meter with 4x oversampled true peak,
    a different implementation from the ebur128 meter the composer levels with."""
    log = run_ffmpeg(
        ffmpeg.output(ffmpeg.input(str(path)).audio.filter("loudnorm", print_format="json"), "-", format="null"),
        what="a loudness check",
        log_level="info",
    )
    report = json.loads(re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log).group(0))
    return {key: float(report[key]) for key in ("input_i", "input_tp")}


@pytest.mark.parametrize("music", [None, AMBIENT], ids=["voice", "voice+ambient"])
def test_the_delivered_mix_is_at_minus_14_lufs_with_true_peak_under_minus_1(tmp_path, music):
    scenes = spoken_scenes(tmp_path, TEXTS)
    composed = compose_video(scenes, RenderSpec(640, 360, music=music, burn_subtitles=False), tmp_path / "out")
    assert not composed.degraded
    measured = _loudnorm(composed.video_path)
    assert abs(measured["input_i"] - TARGET_LUFS) <= 1.0, measured
    assert measured["input_tp"] <= -1.0, measured
    info = probe(composed.video_path)
    assert abs(info.video.duration_s - info.audio.duration_s) < 0.05


def test_what_the_codec_adds_over_the_limiter_is_taken_off_the_ceiling(tmp_path):
    """Bursts of noise driven hard into the limiter: encoded once at the limiter's usual ceiling the
    AAC file peaks above -1 dBTP (this is what the check is for); `encode_limited` delivers it under."""
    rate = 48_000
    t = np.arange(6 * rate) / rate
    noise = np.random.default_rng(3).standard_normal(t.size) * (np.sin(2 * np.pi * 3 * t) > 0.5)
    mix = tmp_path / "bursts.wav"
    mix.write_bytes(write_wav(np.round(noise / np.abs(noise).max() * 16_000).astype(np.int16), rate))
    gain = gain_for_target(mix, measure(mix))

    once = tmp_path / "once.m4a"
    limited = (
        ffmpeg.input(str(mix))
        .audio.filter("volume", f"{gain}dB")
        .filter("alimiter", limit=10 ** (CEILING_DBFS / 20), attack=5, release=60, level=0)
    )
    run_ffmpeg(ffmpeg.output(limited, str(once), **audio_args("final")), what="one encoding")
    assert _loudnorm(once)["input_tp"] > -1.0

    delivered = tmp_path / "delivered.m4a"
    reported = encode_limited(mix, gain, delivered, audio_args("final"))
    measured = _loudnorm(delivered)
    assert measured["input_tp"] <= -1.0, measured
    assert abs(reported.true_peak_dbtp - measured["input_tp"]) <= 0.15, (reported, measured)
    assert abs(reported.integrated_lufs - measured["input_i"]) <= 0.15, (reported, measured)


def _samples(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
        rate = container.streams.audio[0].rate
    return np.concatenate(frames).astype(np.float64), rate


def _low_band_db(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> float:
    """Energy below 400 Hz (the music bed; the test voice is a 3 kHz tone) in a stretch of the mix."""
    window = samples[round(start_s * rate) : round(end_s * rate)]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(window.size))) ** 2
    freqs = np.fft.rfftfreq(window.size, 1 / rate)
    return float(10 * np.log10(spectrum[(freqs > 40) & (freqs < 400)].sum() / window.size + 1e-20))


def _bed_under(tmp_path: Path, name: str, silent_scene: int | None) -> np.ndarray:
    """Low-band level (dB) per half second of a 3-scene render with the ambient bed; the voice is a
    3 kHz tone for 2 s of each 4 s scene, or silence throughout scene `silent_scene`."""
    scenes = []
    for i in range(3):
        clip = tmp_path / f"{name}{i}.wav"
        duration = tone_clip(clip, 2.0, tail_s=2.0, freq=3000.0, level=0 if i == silent_scene else 6000)
        scenes.append(SceneMedia(still(tmp_path / f"s{i}.png", (40, 40, 40)), clip, duration))
    composed = compose_video(
        scenes, RenderSpec(320, 180, music=AMBIENT, burn_subtitles=False, effects=False), tmp_path / name
    )
    samples, rate = _samples(composed.video_path)
    return np.array([_low_band_db(samples, rate, t, t + 0.5) for t in np.arange(0.0, 11.5, 0.5)])


def test_the_music_bed_ducks_while_the_voice_speaks_and_comes_back_in_pauses(tmp_path):
    """Two renders with the same bed, one with scene 2 silent: the bed itself swells and fades, so
    the duck is read as the difference between them, and scene 1 (the same in both) calibrates
    the small difference in overall gain that loudness normalisation makes."""
    speaking = _bed_under(tmp_path, "all", None)
    quiet_middle = _bed_under(tmp_path, "quiet", 1)
    difference = quiet_middle - speaking
    calibration = difference[0:4].mean()  # 0-2 s: scene 1 speaks in both renders
    duck = difference[9:12] - calibration  # 4.5-6 s: scene 2 speaks in one render only
    assert (duck >= 4.0).all(), duck  # the bed goes down under the voice...
    recovered = difference[13:16] - calibration  # 6.5-8 s: both silent after the release
    assert (np.abs(recovered) < 1.0).all(), recovered  # ...and comes back in the pause
    assert speaking[13:16].min() > _low_band_db(np.zeros(48_000), 48_000, 0, 1) + 60  # it is really there
