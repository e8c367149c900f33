"""ElevenLabs as a narrator: the with-timestamps endpoint, raw PCM out, character alignment to words.

We ask for `pcm_<rate>` so the answer is bare 16-bit samples we wrap as WAV ourselves (no
MP3 decoder needed, nothing lost). The answer's `alignment` gives a start and end time for
every character of the text we sent; a word starts when its first character does. Long
scenes are sent in sentence chunks with the neighbouring text as context
(`previous_text`/`next_text`) so the voice keeps its intonation across the seams.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import time
from typing import Any

import numpy as np
from pydantic import Field

from notes_pipeline.domain.chunking import chunk_text
from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import SpeechAudio
from notes_pipeline.media.audio import write_wav
from notes_pipeline.providers.config import HttpConfig, ProviderSettings, Secrets
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.http.retry import Clock, Sleep
from notes_pipeline.providers.tts.joining import Piece, join_pieces

_VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")


def word_starts_from_alignment(text: str, alignment: dict[str, Any] | None) -> list[float | None]:
    """Start of each whitespace-separated word of `text` from per-character times; all None if they do not fit."""
    words = text.split()
    unknown: list[float | None] = [None] * len(words)
    if not alignment:
        return unknown
    characters = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    if len(characters) != len(starts) or "".join(characters).split() != words:
        return unknown  # the alignment is of some other text (e.g. normalised): do not guess
    found: list[float | None] = []
    previous_blank = True
    for character, start in zip(characters, starts, strict=True):
        blank = not character.strip()
        if previous_blank and not blank:
            found.append(float(start))
        previous_blank = blank
    return found if len(found) == len(words) else unknown


class ElevenLabsSettings(ProviderSettings):
    """providers.yaml `narration.elevenlabs`."""

    base_url: str
    model: str
    output_format: str = Field("pcm_22050", pattern=r"^pcm_\d{4,5}$")
    max_request_chars: int = Field(4000, ge=100)
    voices: dict[str, str] = Field(description="language -> voice id; 'default' for any other language")

    @property
    def sample_rate(self) -> int:
        return int(self.output_format.removeprefix("pcm_"))

    def voice_for(self, language: str) -> str | None:
        return self.voices.get(language) or self.voices.get("default")


class ElevenLabsNarrator:
    name = "elevenlabs"
    needs = (("elevenlabs_api_key",),)
    Settings = ElevenLabsSettings

    @classmethod
    def from_settings(
        cls, settings: ElevenLabsSettings, secrets: Secrets, *, http: HttpConfig, sleep: Sleep
    ) -> ElevenLabsNarrator:
        return cls(settings, api_key=secrets.require("elevenlabs_api_key"), http=http, sleep=sleep)

    def __init__(
        self,
        config: ElevenLabsSettings,
        *,
        api_key: str,
        http: HttpConfig | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._api_key = api_key
        self._http = HttpClient(self.name, http, secrets=[api_key], sleep=sleep, clock=clock, rng=rng)

    def voice_for(self, language: str, voice: str | None) -> str:
        """An ElevenLabs voice id given as `voice`, else the language's configured voice (or the default)."""
        if voice and _VOICE_ID.match(voice):
            return voice
        chosen = self.config.voice_for(language)
        if not chosen:
            raise PipelineError(f"no ElevenLabs voice is configured for language '{language}'")
        return chosen

    def identity(self, *, language: str, voice: str | None = None) -> str:
        try:
            voice_id = self.voice_for(language, voice)
        except PipelineError:
            voice_id = "unconfigured"
        return f"elevenlabs|{self.config.model}|{voice_id}|{self.config.output_format}"

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        if not text.strip():
            raise BadInputError("there is no text to narrate")
        voice_id = self.voice_for(language, voice)
        rate = self.config.sample_rate
        chunks = chunk_text(text, self.config.max_request_chars, size=len)
        pieces, calls = [], 0
        for i, chunk in enumerate(chunks):
            body: dict[str, Any] = {"text": chunk, "model_id": self.config.model}
            if i > 0:
                body["previous_text"] = chunks[i - 1]
            if i + 1 < len(chunks):
                body["next_text"] = chunks[i + 1]
            answer = self._http.request(
                "POST",
                f"{self.config.base_url.rstrip('/')}/v1/text-to-speech/{voice_id}/with-timestamps",
                headers={"xi-api-key": self._api_key, "Accept": "application/json"},
                params={"output_format": self.config.output_format},
                json=body,
                expect=("application/json",),
            )
            calls += answer.attempts
            data = answer.json()
            samples = self._pcm(data)
            pieces.append(Piece(samples, chunk.split(), word_starts_from_alignment(chunk, data.get("alignment"))))
        samples, words, estimated = join_pieces(pieces, rate)
        return SpeechAudio(
            wav=write_wav(samples, rate),
            sample_rate=rate,
            duration_s=samples.size / rate,
            words=words,
            voice=voice_id,
            provider=self.name,
            timings_estimated=estimated,
            attempts=max(1, calls),
        )

    def _pcm(self, data: Any) -> np.ndarray:
        encoded = data.get("audio_base64") if isinstance(data, dict) else None
        try:
            raw = base64.b64decode(encoded or "", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) < 2:
            raise UnexpectedContentError(
                "elevenlabs: the answer has no audio_base64 audio", provider=self.name, retryable=False
            )
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")
