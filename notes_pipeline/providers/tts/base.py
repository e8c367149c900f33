"""The narration capability: text in, a WAV clip with word timings out."""

from typing import Protocol

from notes_pipeline.domain.models import SpeechAudio


class Narrator(Protocol):
    name: str

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        """Speak `text` in `language`; `voice` None means the language's default voice."""
        ...

    def identity(self, *, language: str, voice: str | None = None) -> str:
        """A string that changes whenever the same text would sound different (engine, version, voice).

        It is part of a clip's input hash, so a clip is reused only when it would come out the same.
        """
        ...
