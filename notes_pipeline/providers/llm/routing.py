"""Which Gemini model writes a document: fast, strong, or fast with Google Search grounding.

Decided from the document alone, with thresholds from providers.yaml, so the choice is
repeatable and recorded: short simple notes and prompts go to the fast model, long or
many-sectioned notes (and translations, when configured) to the strong one, and a prompt
about recent or factual news to the grounded one, which may look things up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from notes_pipeline.domain.models import NotesDocument
from notes_pipeline.domain.notes_text import parse_notes
from notes_pipeline.providers.config import GeminiConfig

Use = Literal["fast", "strong", "grounded"]


@dataclass(frozen=True)
class Route:
    use: Use
    model: str
    reason: str

    @property
    def grounded(self) -> bool:
        return self.use == "grounded"


def _mentions(text: str, cues: list[str]) -> str | None:
    lowered = text.lower()
    for cue in cues:
        if re.search(rf"(?<!\w){re.escape(cue.lower())}(?!\w)", lowered):
            return cue
    return None


def route(document: NotesDocument, config: GeminiConfig, *, translates: bool) -> Route:
    rules, models = config.routing, config.models
    if document.kind == "prompt" and (cue := _mentions(document.text, rules.grounding_cues)):
        return Route("grounded", models.grounded, f"a prompt about current facts ('{cue}')")
    words = len(document.text.split())
    if words >= rules.strong_min_words:
        return Route("strong", models.strong, f"{words} words of notes (>= {rules.strong_min_words})")
    if document.kind == "notes":
        sections = sum(1 for s in parse_notes(document.text).sections if s.heading)
        if sections >= rules.strong_min_sections:
            return Route("strong", models.strong, f"{sections} sections (>= {rules.strong_min_sections})")
    if translates and rules.strong_for_translation:
        return Route("strong", models.strong, "a translation")
    return Route("fast", models.fast, f"{words} words, simple")
