"""Script writers in order (Gemini, then the local writer) with every attempt recorded.

A writer that gives up passes its attempts on; the next one writes. The local writer is
the deterministic last resort: it cannot be down, and its script is validated by the
same rules as always. The attempts end up in the ScriptManifest, so the UI and the
manifest JSON show which model wrote the script, after what, and at what cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import NotesDocument, Script, ScriptAttempt
from notes_pipeline.domain.script_validation import validate_script
from notes_pipeline.providers.limits import SlotLimiter, slot
from notes_pipeline.providers.llm.base import RecordingScriptWriter, ScriptWriter, ScriptWriterError, WrittenScript

log = logging.getLogger(__name__)


class ScriptWriterChain:
    """A ScriptWriter made of writers tried in order; `write_recorded` also returns the attempts."""

    def __init__(
        self, writers: Sequence[ScriptWriter | RecordingScriptWriter], *, slots: SlotLimiter | None = None
    ) -> None:
        if not writers:
            raise ValueError("a script writer chain needs at least one writer")
        self.writers = list(writers)
        self.slots = slots  # each call holds one of its provider's slots (providers.yaml `concurrency`)
        self.name = ">".join(w.name for w in self.writers)

    def write(self, document: NotesDocument) -> Script:
        return self.write_recorded(document).script

    def write_recorded(self, document: NotesDocument) -> WrittenScript:
        attempts: list[ScriptAttempt] = []
        for position, writer in enumerate(self.writers):
            last = position == len(self.writers) - 1
            step = "generate" if position == 0 else "fallback"
            try:
                if isinstance(writer, RecordingScriptWriter):
                    with slot(self.slots, writer.name):
                        written = writer.write_recorded(document)
                    return WrittenScript(written.script, attempts + written.attempts)
                with slot(self.slots, writer.name):
                    script, attempt = self._plain(writer, document, step)
                return WrittenScript(script, [*attempts, attempt])
            except BadInputError:
                raise  # the document itself is the problem: no other writer can fix it
            except ScriptWriterError as err:
                attempts += err.attempts
                failure: Exception = err
            except Exception as err:  # noqa: BLE001 - any writer failure moves on to the next writer
                attempts.append(
                    ScriptAttempt(
                        writer=writer.name,
                        step=step,
                        outcome="error",
                        latency_s=0.0,
                        problems=[f"{type(err).__name__}: {err}"],
                    )
                )
                failure = err
            log.warning(
                "script writer %s failed for %s: %s%s",
                writer.name,
                document.doc_id,
                failure,
                "" if last else f"; falling back to {self.writers[position + 1].name}",
            )
            if last:
                if isinstance(failure, PipelineError):
                    raise failure
                raise PipelineError(f"the {writer.name} script writer failed: {failure}") from failure
        raise AssertionError("unreachable")

    @staticmethod
    def _plain(writer: ScriptWriter, document: NotesDocument, step: str) -> tuple[Script, ScriptAttempt]:
        """A writer that copies from the notes: one try, checked by the rules for copied scripts."""
        started = time.perf_counter()
        script = writer.write(document)
        latency = round(time.perf_counter() - started, 4)
        problems = validate_script(script, document.text, words_per_minute=document.options.words_per_minute)
        attempt = ScriptAttempt(
            writer=writer.name,
            step=step,
            outcome="invalid" if problems else "ok",
            latency_s=latency,
            calls=0,
            problems=problems,
        )
        if problems:
            raise ScriptWriterError(
                f"the {writer.name} script writer produced an invalid script: " + "; ".join(problems), [attempt]
            )
        return script, attempt
