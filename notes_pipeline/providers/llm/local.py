"""The offline script writer: the notes' own structure and sentences, fitted to a time budget.

It writes nothing the notes do not say. Headings become scenes, list items become
bullets and sentences, paragraphs are trimmed to whole sentences within each scene's
share of the budget; an intro (title, lead paragraph, what is covered) and a recap frame
the video. Same notes, same script.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import MAX_SCENES, NotesDocument, Scene, Script
from notes_pipeline.domain.notes_text import Block, Section, as_sentence, parse_notes

MAX_SCENE_SECONDS = 45
BULLET_WORDS = 8
MAX_BULLETS = 4
FRAME_SCENES = 2  # the intro and the recap
OVERFILL = 1.15  # a sentence may overrun its scene's share by this factor rather than be cut

# The few words the writer adds itself, per language; other languages get no added words.
_PHRASES = {
    "en": {"intro": "In this video: {topics}.", "recap": "To recap: {topics}.", "and": "and", "recap_heading": "Recap"},
    "hi": {"intro": "इस वीडियो में: {topics}।", "recap": "सारांश: {topics}।", "and": "और", "recap_heading": "सारांश"},
    "ur": {"intro": "اس ویڈیو میں: {topics}۔", "recap": "خلاصہ: {topics}۔", "and": "اور", "recap_heading": "خلاصہ"},
}


@dataclass
class _Unit:
    """A content scene in the making: a heading and the sections it may narrate from."""

    heading: str | None
    sections: list[Section]

    def sentences(self, language: str) -> list[str]:
        return [s for section in self.sections for s in section.sentences(language)]

    @property
    def items(self) -> list[str]:
        return [i for section in self.sections for i in section.items]

    @property
    def words(self) -> int:
        return sum(s.word_count for s in self.sections)


def default_target_seconds(spoken_words: int, words_per_minute: int) -> float:
    """60-90 s for short notes; longer notes get longer videos, growing more slowly than the notes."""
    natural = spoken_words * 60 / words_per_minute
    if natural <= 90:
        return max(60.0, natural)
    return min(600.0, 90 + (natural - 90) * 0.5)


def _title_from_name(name: str) -> str:
    words = re.sub(r"[-_]+", " ", PurePosixPath(name).stem).split()
    return " ".join(w if w.isupper() else w.capitalize() for w in words) or "Notes"


def _shorten(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]).rstrip(".,;:!?।۔") + ("…" if len(parts) > words else "")


def _spoken_list(items: list[str], conjunction: str) -> str:
    """'A; B; C and D' — semicolons, since headings often contain commas themselves."""
    items = [i.rstrip(".;:!?।۔") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _pick_sentences(sentences: list[str], budget: int) -> list[str]:
    """Whole sentences in order while they fit `budget` words; always at least the first."""
    chosen, used = [], 0
    for sentence in sentences:
        n = len(sentence.split())
        if chosen and used + n > budget * OVERFILL:
            break
        chosen.append(sentence)
        used += n
    return chosen


def _bullets(unit: _Unit, language: str) -> list[str]:
    """Up to four short points: the notes' own list items, else each sentence's first clause.

    Taken from the whole section, not only the narrated sentences: the slide may show more
    than the voice has time to say.
    """
    source = unit.items or [_first_clause(s) for s in unit.sentences(language)]
    bullets: list[str] = []
    for text in source:
        bullet = _shorten(text, BULLET_WORDS)
        if bullet and bullet not in bullets:
            bullets.append(bullet)
    return bullets[:MAX_BULLETS]


def _first_clause(sentence: str) -> str:
    """The sentence up to its first clause break, unless that leaves a fragment of under four words."""
    for part in re.split(r"[;:—–]\s|,\s", sentence):
        if len(part.split()) >= 4 or part is sentence:
            return part
        break
    return sentence


def _plan_units(sections: list[Section], budget: int, scene_cap: int, language: str) -> list[_Unit]:
    """One scene per section, merged or split so intro + content + recap stays within 3-15 scenes."""
    units = [_Unit(s.heading, [s]) for s in sections]
    limit = MAX_SCENES - FRAME_SCENES
    while len(units) > limit:
        # Merge the adjacent pair with the fewest words; the first heading names the merged scene.
        i = min(range(len(units) - 1), key=lambda k: units[k].words + units[k + 1].words)
        units[i : i + 2] = [_Unit(units[i].heading or units[i + 1].heading, units[i].sections + units[i + 1].sections)]
    total = sum(u.words for u in units) or 1
    while len(units) < limit:
        # A section whose share of the budget is more than one scene can hold gets a second scene.
        biggest = max(range(len(units)), key=lambda k: units[k].words)
        unit = units[biggest]
        sentences = unit.sentences(language)
        if budget * unit.words / total <= scene_cap or len(sentences) < 2:
            break
        half = len(sentences) // 2
        units[biggest : biggest + 1] = [
            _Unit(unit.heading, [Section(unit.heading, [Block(s) for s in part])])
            for part in (sentences[:half], sentences[half:])
        ]
    return units


class LocalScriptWriter:
    name = "local"

    def __init__(self, max_scene_seconds: float = MAX_SCENE_SECONDS) -> None:
        self.max_scene_seconds = max_scene_seconds

    def write(self, document: NotesDocument) -> Script:
        language = document.language
        outline = parse_notes(document.text, markdown=not document.source_name.lower().endswith(".txt"))
        if not outline.sections:
            if outline.code_blocks:
                raise BadInputError("nothing to narrate: the notes contain only code blocks")
            raise BadInputError("nothing to narrate: the notes contain only links, images or markup")

        options = document.options
        wpm = options.words_per_minute
        budget = round((options.target_duration_s or default_target_seconds(outline.word_count, wpm)) * wpm / 60)
        scene_cap = round(self.max_scene_seconds * wpm / 60)
        title = outline.title or _title_from_name(document.source_name)
        phrases = _PHRASES.get(language)

        sections = outline.sections
        # Text before the first heading introduces the notes: it belongs to the intro scene.
        lead = sections[0] if sections[0].heading is None and len(sections) > 1 else None
        body = sections[1:] if lead else sections
        frame_budget = min(45, budget // 5)
        lead_sentences = _pick_sentences(lead.sentences(language), frame_budget) if lead else []
        content_budget = max(1, budget - 2 * frame_budget)
        units = _plan_units(body, content_budget, scene_cap, language)
        total_words = sum(u.words for u in units) or 1

        scenes: list[Scene] = []
        headings: list[str] = []
        for unit in units:
            share = min(scene_cap, max(1, math.floor(content_budget * unit.words / total_words)))
            narration = _pick_sentences(unit.sentences(language), share)
            heading = unit.heading or _shorten(narration[0], 6)
            headings.append(heading)
            scenes.append(Scene(
                index=len(scenes) + 2,
                heading=_shorten(heading, 10),
                narration=" ".join(narration),
                bullets=_bullets(unit, language),
                image_prompt=f"{options.style} illustration for an explainer: {heading}",
            ))

        topics = list(dict.fromkeys(headings))  # split sections repeat their heading
        if phrases:
            intro_text = [as_sentence(title, language), *lead_sentences,
                          phrases["intro"].format(topics=_spoken_list(topics[:5], phrases["and"]))]
            recap_text = [phrases["recap"].format(topics=_spoken_list(topics[:6], phrases["and"]))]
        else:
            intro_text = [as_sentence(title, language), *lead_sentences]
            recap_text = [as_sentence(t, language) for t in topics[:4]]
        intro = Scene(index=1, heading=_shorten(title, 10), narration=" ".join(intro_text),
                      bullets=[_shorten(t, BULLET_WORDS) for t in topics[:MAX_BULLETS]],
                      image_prompt=f"{options.style} title card for an explainer: {title}")
        recap_heading = phrases["recap_heading"] if phrases else _shorten(title, 10)
        recap = Scene(index=len(scenes) + 2, heading=recap_heading, narration=" ".join(recap_text),
                      bullets=[b for s in scenes for b in s.bullets[:1]][:MAX_BULLETS],
                      image_prompt=f"{options.style} summary card for an explainer: {title}")
        summary = lead_sentences or _pick_sentences(units[0].sentences(language), 40)
        return Script(
            title=title[:160],
            summary=" ".join(summary[:2]),
            objectives=[_shorten(t, BULLET_WORDS) for t in topics[:4]],
            language=language,
            scenes=[intro, *scenes, recap],
            writer=self.name,
        )
