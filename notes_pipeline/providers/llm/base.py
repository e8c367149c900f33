"""The script-writer capability: notes in, a validated Script out."""

from typing import Protocol

from notes_pipeline.domain.models import NotesDocument, Script


class ScriptWriter(Protocol):
    name: str

    def write(self, document: NotesDocument) -> Script:
        """Turn one document into a script of 3-15 scenes in the document's language."""
        ...
