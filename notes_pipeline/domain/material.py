"""The notes' own material on the scenes that talk about it, whichever writer wrote the script.

The script writers (local or LLM) write headings and narration; none of them carries the
notes' figures, code, tables or formulas. Here each markdown section's visuals go to the scene
made from that section: the scene with the section's heading, else the scene whose narration
shares the most words with the section. A scene shows one visual; a section split over
several scenes gives its visuals to them in order. Scenes the notes give nothing keep none.
"""

from __future__ import annotations

import re

from notes_pipeline.domain.models import NotesDocument, Scene, SceneVisual, Script
from notes_pipeline.domain.notes_text import Section, parse_notes

# A section and a scene with fewer shared words than this share of the section's are not the same text.
MIN_OVERLAP = 0.3
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _key(heading: str | None) -> str:
    return " ".join(_WORD.findall((heading or "").lower()))


def _scenes_for(section: Section, scenes: list[Scene], language: str) -> list[Scene]:
    """The scenes made from `section`: those with its heading, else the one that says most of its words."""
    if section.heading and (same := [s for s in scenes if _key(s.heading) == _key(section.heading)]):
        return same
    said = _words(" ".join(section.sentences(language)))
    if not said:
        return []
    best = max(scenes, key=lambda s: len(said & _words(s.narration)))
    return [best] if len(said & _words(best.narration)) >= MIN_OVERLAP * len(said) else []


def attach_material(script: Script, document: NotesDocument) -> Script:
    """`script` with each scene's `visual` set from the notes (markdown notes only; a prompt has none).

    A visual a scene already has (a person's edit) is kept.
    """
    if document.kind != "notes" or document.source_name.lower().endswith(".txt"):
        return script
    sections = [s for s in parse_notes(document.text).sections if s.visuals]
    if not sections:
        return script
    chosen: dict[int, object] = {}
    for section in sections:
        pending = list(section.visuals)
        for scene in _scenes_for(section, list(script.scenes), script.language):
            if scene.visual is None and scene.index not in chosen and pending:
                chosen[scene.index] = pending.pop(0)
    if not chosen:
        return script
    scenes = [s.model_copy(update={"visual": chosen[s.index]}) if s.index in chosen else s for s in script.scenes]
    return script.model_copy(update={"scenes": scenes})


def visual_label(visual: SceneVisual) -> str:
    """'code (python)', 'figure img/a.png', 'table (3 columns, 4 rows)', 'formula': what a scene shows."""
    if visual.kind == "figure":
        return f"figure {visual.source}"
    if visual.kind == "code":
        return f"code ({visual.language})" if visual.language else "code"
    if visual.kind == "table":
        return f"table ({len(visual.header)} columns, {len(visual.rows)} rows)"
    return "formula"
