"""The script-writer capability: notes in, a validated Script out."""

from typing import NamedTuple, Protocol, runtime_checkable

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import NotesDocument, Script, ScriptAttempt


class ScriptWriter(Protocol):
    name: str

    def write(self, document: NotesDocument) -> Script:
        """Turn one document into a script of 3-15 scenes in the document's language."""
        ...


class WrittenScript(NamedTuple):
    script: Script
    attempts: list[ScriptAttempt]


@runtime_checkable
class RecordingScriptWriter(Protocol):
    """A writer that tries several times (repair, regenerate) and reports every try."""

    name: str

    def write_recorded(self, document: NotesDocument) -> WrittenScript:
        """A valid script and the attempts it took; ScriptWriterError (with the attempts) when none was valid."""
        ...


class ScriptWriterError(PipelineError):
    """A writer gave up; the attempts say what was tried, so the next writer's record is complete."""

    def __init__(self, cause: str, attempts: list[ScriptAttempt]) -> None:
        super().__init__(cause)
        self.attempts = attempts
