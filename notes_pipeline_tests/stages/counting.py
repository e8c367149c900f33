"""The real offline providers counting their calls, and registering a note: for the cache, review and tracking tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from notes_pipeline.domain.models import (
    ImageRequest,
    NotesDocument,
    Script,
    SpeechAudio,
)
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.store.bucket import Bucket
from notes_pipeline_tests.conftest import drop

# Small renders keep the test quick; the options are part of what must match for reuse.
PROMPT = b"---\nresolution: 480\n---\nCreate a friendly 30-second ad for a coffee cup brand about the morning ritual.\n"


@dataclass
class Calls:
    script: int = 0
    narration: list[str] = field(default_factory=list)
    images: list[int] = field(default_factory=list)


class CountingWriter(LocalScriptWriter):
    """The real local writer, counting its calls (and optionally editing one scene)."""

    def __init__(self, calls: Calls, edit_scene: int | None = None) -> None:
        super().__init__()
        self.calls, self.edit_scene = calls, edit_scene

    def write(self, document: NotesDocument) -> Script:
        self.calls.script += 1
        script = super().write(document)
        if self.edit_scene is None:
            return script
        scenes = [
            s.model_copy(update={"narration": s.narration + " And one more thing."})
            if s.index == self.edit_scene
            else s
            for s in script.scenes
        ]
        return script.model_copy(update={"scenes": scenes})


class CountingNarrator(EspeakNarrator):
    def __init__(self, calls: Calls) -> None:
        super().__init__()
        self.calls = calls

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        self.calls.narration.append(text)
        return super().synthesize(text, language=language, voice=voice)


class CountingSlides(SlideRenderer):
    def __init__(self, calls: Calls) -> None:
        super().__init__()
        self.calls = calls

    def render(self, request: ImageRequest) -> bytes:
        self.calls.images.append(request.scene.index)
        return super().render(request)


def register(bucket: Bucket, name: str, data: bytes) -> str:
    drop(bucket, name, data)
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=1_000_000, settle_s=0)
    return next(r.doc_id for r in scan.registered if r.source_name == name)
