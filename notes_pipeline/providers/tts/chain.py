"""Narrators in the configured order, eSpeak NG last: the first that speaks a scene wins.

A provider that fails (after its own bounded retries) hands the scene to the next; one
whose circuit is open is skipped without a request. The clip records who spoke it, how
many calls it took in all and which providers failed before, so fallbacks show up in the
manifest and the UI instead of silently changing the voice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import SpeechAudio
from notes_pipeline.providers.http.errors import CircuitOpenError, HttpError
from notes_pipeline.providers.limits import SlotLimiter, slot
from notes_pipeline.providers.tts.base import Narrator

log = logging.getLogger(__name__)


class NarratorChain:
    """A Narrator made of narrators tried in order."""

    def __init__(self, narrators: Sequence[Narrator], *, slots: SlotLimiter | None = None) -> None:
        if not narrators:
            raise ValueError("a narrator chain needs at least one narrator")
        self.narrators = list(narrators)
        self.slots = slots  # each call holds one of its provider's slots (providers.yaml `concurrency`)
        self.name = ">".join(n.name for n in self.narrators)

    def identity(self, *, language: str, voice: str | None = None) -> str:
        """Every member's identity: a clip is reused only while the same chain would be asked."""
        return " > ".join(n.identity(language=language, voice=voice) for n in self.narrators)

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        fallbacks: list[str] = []
        failures: list[tuple[str, Exception]] = []
        calls = 0
        for narrator in self.narrators:
            try:
                with slot(self.slots, narrator.name):
                    speech = narrator.synthesize(text, language=language, voice=voice)
            except CircuitOpenError as err:
                failures.append((narrator.name, err))
            except HttpError as err:
                calls += err.attempts
                failures.append((narrator.name, err))
            except Exception as err:  # noqa: BLE001 - any provider failure hands the scene on
                calls += 1
                failures.append((narrator.name, err))
            else:
                return speech.model_copy(update={"attempts": calls + speech.attempts, "fallbacks": fallbacks})
            fallbacks.append(narrator.name)
            log.warning("narrator %s failed: %s", narrator.name, failures[-1][1])
        detail = "; ".join(f"{name}: {err}" for name, err in failures)
        if all(isinstance(err, BadInputError) for _, err in failures):
            raise BadInputError(f"no narrator could speak the text: {detail}")
        raise PipelineError(f"every narrator failed: {detail}")
