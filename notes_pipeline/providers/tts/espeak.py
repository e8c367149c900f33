"""The offline narrator: eSpeak NG from the espeakng-loader wheel, driven through ctypes.

No Debian package and no network: the wheel ships libespeak-ng and its voice data. The
library is process-global and not thread-safe, so every call holds one lock; it is fast
enough (~100x realtime) that serialising it costs little next to images and rendering.
"""

from __future__ import annotations

import ctypes
import re
import threading
from pathlib import Path

import espeakng_loader
import numpy as np
from pydantic import Field

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import SpeechAudio, WordTiming
from notes_pipeline.domain.timing import estimate_word_timings
from notes_pipeline.media.audio import audible_span, write_wav
from notes_pipeline.providers.config import HttpConfig, ProviderSettings, Secrets
from notes_pipeline.providers.http.retry import Sleep

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_WORD = 1
_EVENT_LIST_TERMINATED = 0
_PARAM_RATE = 1

# Default voice per language; any other language code is tried as an eSpeak voice name.
DEFAULT_VOICES = {"en": "en-us", "hi": "hi", "ur": "ur", "ar": "ar"}


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """The one eSpeak instance of this process; use only while holding `_LOCK`."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Info.restype = ctypes.c_char_p
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, _INITIALIZE_DONT_EXIT)
        if self.sample_rate <= 0:
            raise PipelineError("eSpeak NG failed to initialise (its voice data was not found)")
        self.version = (self.lib.espeak_Info(None) or b"?").decode()
        self.samples: list[np.ndarray] = []
        self.events: list[tuple[int, int]] = []  # (character position, milliseconds)
        # Kept on the instance for the life of the process: the C library holds this pointer.
        self._callback = _Callback(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self.samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            if events[i].type == _EVENT_WORD:
                self.events.append((events[i].text_position, events[i].audio_position))
            i += 1
        return 0

    def speak(self, text: str, voice: str, rate: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise BadInputError(f"eSpeak NG has no voice {voice!r}; set 'voice' or 'language' to one it has")
        self.lib.espeak_SetParameter(_PARAM_RATE, rate, 0)
        self.samples, self.events = [], []
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise PipelineError(f"eSpeak NG could not synthesise the text (error {status})")
        self.lib.espeak_Synchronize()
        samples = np.concatenate(self.samples) if self.samples else np.zeros(0, dtype=np.int16)
        return samples.astype(np.int16, copy=False), self.events


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


_WORD = re.compile(r"\S+")


def _timings_from_events(text: str, events: list[tuple[int, int]], speech_end_s: float) -> list[WordTiming] | None:
    """Map eSpeak's word events (1-based character positions) onto the words of `text`.

    Returns None when the events do not line up with the text's words, so the caller
    can fall back to estimated timings.
    """
    words = [(m.start(), m.group()) for m in _WORD.finditer(text)]
    starts: dict[int, float] = {}
    for position, ms in events:
        # The word the event falls in: the last word starting at or before that character.
        index = max((i for i, (start, _) in enumerate(words) if start <= position - 1), default=None)
        if index is not None and index not in starts:
            starts[index] = ms / 1000
    if len(starts) < max(1, len(words) // 2):
        return None
    # Words eSpeak merged or skipped (e.g. punctuation-only tokens) share the previous start.
    timings: list[WordTiming] = []
    last = 0.0
    filled = []
    for i in range(len(words)):
        last = max(last, starts.get(i, last))
        filled.append(last)
    for i, (_, word) in enumerate(words):
        end = filled[i + 1] if i + 1 < len(words) else speech_end_s
        timings.append(WordTiming(text=word, start_s=round(filled[i], 3), end_s=round(max(end, filled[i]), 3)))
    return timings


class EspeakSettings(ProviderSettings):
    """providers.yaml `narration.espeak` (optional)."""

    words_per_minute: int = Field(160, ge=80, le=450)
    tail_silence_s: float = Field(0.35, ge=0, le=2)


class EspeakNarrator:
    """A real, offline voice for en, hi, ur and the ~100 other languages eSpeak NG speaks."""

    name = "espeak"
    needs = ()
    Settings = EspeakSettings

    @classmethod
    def from_settings(
        cls, settings: EspeakSettings, secrets: Secrets, *, http: HttpConfig, sleep: Sleep
    ) -> EspeakNarrator:
        return cls(settings.words_per_minute, settings.tail_silence_s)

    def __init__(self, words_per_minute: int = 160, tail_silence_s: float = 0.35) -> None:
        self.words_per_minute = words_per_minute
        self.tail_silence_s = tail_silence_s

    def _voice(self, language: str, voice: str | None) -> str:
        return voice or DEFAULT_VOICES.get(language, language)

    def identity(self, *, language: str, voice: str | None = None) -> str:
        with _LOCK:
            version = _engine().version
        return (
            f"espeak-ng {version}|{self._voice(language, voice)}|{self.words_per_minute}wpm|tail {self.tail_silence_s}"
        )

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        if not text.strip():
            raise BadInputError("there is no text to narrate")
        chosen = self._voice(language, voice)
        with _LOCK:
            engine = _engine()
            samples, events = engine.speak(text, chosen, self.words_per_minute)
            rate = engine.sample_rate
        if samples.size == 0:
            raise PipelineError(f"eSpeak NG produced no audio for voice {chosen!r}")
        speech_start, speech_end = audible_span(samples, rate)
        tail = np.zeros(int(round(self.tail_silence_s * rate)), dtype=np.int16)
        samples = np.concatenate([samples, tail])
        words = _timings_from_events(text, events, speech_end)
        estimated = words is None
        if words is None:
            words = estimate_word_timings(text, speech_start, speech_end)
        return SpeechAudio(
            wav=write_wav(samples, rate),
            sample_rate=rate,
            duration_s=samples.size / rate,
            words=words,
            voice=chosen,
            provider=self.name,
            timings_estimated=estimated,
        )
