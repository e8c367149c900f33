"""Google Cloud Text-to-Speech (v1beta1 over REST) as a narrator, with word timings from SSML marks.

Why v1beta1: only it returns timepoints for `<mark>`s, which give each word's start for
subtitles. Why REST: the async client does not work over REST, and the sync client in the
scene worker threads is all we need. A long scene is chunked at sentence boundaries so
each request's SSML (marks included) stays under the API's 5,000 bytes; every chunk is
LINEAR16 at one fixed rate, so the chunks join sample-exactly into one WAV.

Each request runs under the shared HTTP policy (retries with backoff honouring
Retry-After, circuit breaker); the SDK's own retry is switched off so there is one owner.
"""

from __future__ import annotations

import io
import random
import re
import time
import wave

import numpy as np
import requests
from google.api_core import exceptions as google_exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import texttospeech_v1beta1 as tts
from pydantic import Field

from notes_pipeline.domain.chunking import chunk_text
from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import SpeechAudio
from notes_pipeline.media.audio import write_wav
from notes_pipeline.providers.config import HttpConfig, ProviderSettings, Secrets
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.retry import Clock, Failure, Sleep, sdk_failure
from notes_pipeline.providers.tts.joining import Piece, join_pieces
from notes_pipeline.providers.tts.ssml import marked_ssml, ssml_bytes, starts_from_marks

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
# A Google voice name: language-REGION-Family-Variant, e.g. hi-IN-Wavenet-A, en-US-Neural2-F.
_VOICE_NAME = re.compile(r"^(?P<code>[a-z]{2,3}-[A-Z]{2,3})-[A-Za-z0-9]+-[A-Za-z0-9]+$")


class GoogleTTSSettings(ProviderSettings):
    """providers.yaml `narration.google`."""

    base_url: str
    sample_rate: int = Field(24000, ge=8000, le=48000)
    max_request_bytes: int = Field(5000, ge=200, le=5000)
    speaking_rate: float = Field(1.0, ge=0.25, le=4.0)
    timeout_s: float = Field(60, gt=0)
    voices: dict[str, tuple[str, str]] = Field(description="language -> (BCP-47 code, voice name)")


class GoogleNarrator:
    name = "google"
    needs = (("google_tts_api_key",), ("google_application_credentials",))
    Settings = GoogleTTSSettings

    @classmethod
    def from_settings(
        cls, settings: GoogleTTSSettings, secrets: Secrets, *, http: HttpConfig, sleep: Sleep
    ) -> GoogleNarrator:
        """An API key if set, else the service-account file."""
        key = secrets.value("google_tts_api_key")
        return cls(
            settings,
            api_key=key,
            credentials_file=None if key else secrets.value("google_application_credentials"),
            http=http,
            sleep=sleep,
        )

    def __init__(
        self,
        config: GoogleTTSSettings,
        *,
        api_key: str | None = None,
        credentials_file: str | None = None,
        credentials: Credentials | None = None,
        http: HttpConfig | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        """Authenticate with an API key, a service-account JSON file, or given credentials (tests)."""
        if credentials is None and credentials_file:
            from google.oauth2 import service_account

            credentials = service_account.Credentials.from_service_account_file(credentials_file, scopes=SCOPES)
        if api_key is None and credentials is None:
            raise ValueError("Google TTS needs an API key or credentials")
        options = ClientOptions(api_endpoint=config.base_url, api_key=api_key if credentials is None else None)
        self.config = config
        self._client = tts.TextToSpeechClient(transport="rest", credentials=credentials, client_options=options)
        self._policy = HttpClient("google-tts", http, secrets=[api_key or ""], sleep=sleep, clock=clock, rng=rng)

    def voice_for(self, language: str, voice: str | None) -> tuple[str, str]:
        """(language code, voice name): a Google voice name given as `voice`, else the language's configured one."""
        if voice and (match := _VOICE_NAME.match(voice)):
            return match.group("code"), voice
        if language not in self.config.voices:
            raise PipelineError(
                f"no Google voice is configured for language '{language}' "
                f"(narration.google.voices in the provider config)"
            )
        code, name = self.config.voices[language]
        return code, name

    def identity(self, *, language: str, voice: str | None = None) -> str:
        try:
            code, name = self.voice_for(language, voice)
        except PipelineError:
            code, name = language, "unconfigured"
        return (
            f"google-tts v1beta1|{code}|{name}|LINEAR16 {self.config.sample_rate}Hz|"
            f"rate {self.config.speaking_rate}|marks"
        )

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        if not text.strip():
            raise BadInputError("there is no text to narrate")
        code, name = self.voice_for(language, voice)
        rate = self.config.sample_rate
        pieces, calls = [], 0
        for chunk in chunk_text(text, self.config.max_request_bytes, size=ssml_bytes):
            samples, marks, attempts = self._speak(chunk, code, name)
            calls += attempts
            words = chunk.split()
            pieces.append(Piece(samples, words, starts_from_marks(marks, len(words))))
        samples, words, estimated = join_pieces(pieces, rate)
        return SpeechAudio(
            wav=write_wav(samples, rate),
            sample_rate=rate,
            duration_s=samples.size / rate,
            words=words,
            voice=name,
            provider=self.name,
            timings_estimated=estimated,
            attempts=max(1, calls),
        )

    def _speak(self, chunk: str, code: str, name: str) -> tuple[np.ndarray, dict[str, float], int]:
        request = tts.SynthesizeSpeechRequest(
            input=tts.SynthesisInput(ssml=marked_ssml(chunk)),
            voice=tts.VoiceSelectionParams(language_code=code, name=name),
            audio_config=tts.AudioConfig(
                audio_encoding=tts.AudioEncoding.LINEAR16,
                sample_rate_hertz=self.config.sample_rate,
                speaking_rate=self.config.speaking_rate,
            ),
            enable_time_pointing=[tts.SynthesizeSpeechRequest.TimepointType.SSML_MARK],
        )

        def attempt() -> tts.SynthesizeSpeechResponse:
            try:
                return self._client.synthesize_speech(request=request, retry=None, timeout=self.config.timeout_s)
            except google_exceptions.GoogleAPICallError as err:
                raise _failure(err) from None
            except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as err:
                raise Failure(f"failed in transport ({type(err).__name__})", retryable=True) from None

        response, report = self._policy.call(f"text:synthesize {name}", attempt)
        samples = self._pcm(response.audio_content)
        marks = {t.mark_name: t.time_seconds for t in response.timepoints}
        return samples, marks, report.attempts

    def _pcm(self, audio: bytes) -> np.ndarray:
        """LINEAR16 comes as a WAV (RIFF header) or bare samples; either way, mono 16-bit at our rate."""
        if audio[:4] != b"RIFF":
            return np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2")
        try:
            with wave.open(io.BytesIO(audio), "rb") as src:
                channels, width, rate = src.getnchannels(), src.getsampwidth(), src.getframerate()
                frames = src.readframes(src.getnframes())
        except (wave.Error, EOFError) as err:
            raise PipelineError(f"google-tts returned unreadable audio: {err}") from None
        if (channels, width, rate) != (1, 2, self.config.sample_rate):
            raise PipelineError(
                f"google-tts returned {channels} channel(s), {8 * width}-bit, {rate} Hz; "
                f"expected mono 16-bit {self.config.sample_rate} Hz"
            )
        return np.frombuffer(frames, dtype="<i2")


def _failure(err: google_exceptions.GoogleAPICallError) -> Failure:
    """google-api-core's error read by the policy's rule (its class name says what the status means)."""
    headers = getattr(err.response, "headers", None) or {}
    return sdk_failure(int(err.code or 0), type(err).__name__, headers)
