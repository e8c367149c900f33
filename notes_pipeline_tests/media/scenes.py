"""Small, real inputs for composer tests: stills, narration clips with trailing silence, word timings.

Every clip is a tone for its "speech" and then silence, like an eSpeak clip with its
0.35 s tail, so tests know exactly where speech ends and where a fade may go. Real eSpeak
speech is used where the sound itself matters (loudness).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
from PIL import Image

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.domain.timing import estimate_word_timings
from notes_pipeline.media.audio import write_wav
from notes_pipeline.media.composer import SceneMedia
from notes_pipeline.providers.tts.espeak import EspeakNarrator

COLOURS = [(200, 60, 60), (60, 160, 60), (60, 60, 200), (220, 200, 40), (40, 40, 40)]
RATE = 22050
TAIL_S = 0.35


def still(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (640, 360)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def tone_clip(path: Path, speech_s: float, tail_s: float = TAIL_S, freq: float = 220.0, level: int = 6000) -> float:
    """A tone for `speech_s`, then `tail_s` of silence; returns the exact duration written."""
    t = np.arange(round(speech_s * RATE)) / RATE
    samples = np.concatenate([np.sin(2 * np.pi * freq * t) * level, np.zeros(round(tail_s * RATE))])
    path.write_bytes(write_wav(samples.astype(np.int16), RATE))
    return samples.size / RATE


def tone_scenes(
    tmp_path: Path,
    speech: Sequence[float],
    *,
    text: str = "Words for the subtitle line here.",
    size: tuple[int, int] = (640, 360),
    tail_s: float = TAIL_S,
    headings: bool = False,
) -> list[SceneMedia]:
    scenes = []
    for i, speech_s in enumerate(speech):
        image = still(tmp_path / f"s{i}.png", COLOURS[i % len(COLOURS)], size)
        duration = tone_clip(tmp_path / f"s{i}.wav", speech_s, tail_s)
        words = estimate_word_timings(text, 0.05, speech_s)
        scenes.append(
            SceneMedia(
                image, tmp_path / f"s{i}.wav", duration, words, heading=f"Scene {i + 1}: a heading" if headings else ""
            )
        )
    return scenes


def spoken_scenes(tmp_path: Path, texts: Sequence[str], language: str = "en") -> list[SceneMedia]:
    """Scenes narrated by the real offline voice (eSpeak NG), with its own word timings."""
    narrator, scenes = EspeakNarrator(), []
    for i, text in enumerate(texts):
        speech = narrator.synthesize(text, language=language)
        audio = tmp_path / f"v{i}.wav"
        audio.write_bytes(speech.wav)
        scenes.append(
            SceneMedia(still(tmp_path / f"v{i}.png", COLOURS[i % len(COLOURS)]), audio, speech.duration_s, speech.words)
        )
    return scenes


def frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every decoded frame as (time, RGB array)."""
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="rgb24").astype(np.int16)) for f in container.decode(video=0)]


def word_starts(scenes: Sequence[SceneMedia]) -> list[tuple[float, WordTiming]]:
    """Each word with its start in video time."""
    out, offset = [], 0.0
    for scene in scenes:
        out.extend((offset + w.start_s, w) for w in scene.words)
        offset += scene.duration_s
    return out
