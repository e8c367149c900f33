"""The offline script writer: the notes' most central sentences per section, within a length that fits.

It writes nothing the notes do not say. Headings become scenes; each scene narrates the
sentences that matter most to its section and to the whole note (TextRank, position,
heading terms, definitions and numbers), in the notes' order, until the scene's share of
the target length is spoken. Length is time as the narrator says it (domain/speaking_rate.py:
syllables, numbers, pauses), not words at a nominal rate. The intro and recap name the scenes actually kept; a note
with its own summary gets no generated recap. Same notes, same script. A prompt is a
request for new words, which only an LLM writer can give: it is refused here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import MAX_SCENES, NotesDocument, Scene, Script
from notes_pipeline.domain.notes_text import Outline, Section, as_sentence, parse_notes
from notes_pipeline.domain.policy import mentions_real_people
from notes_pipeline.domain.sentence_rank import key_phrases, sentence_scores, terms, tfidf
from notes_pipeline.domain.speaking_rate import SpeakingRate, espeak_rate
from notes_pipeline.domain.speech import markup_in

MAX_SCENE_SECONDS = 45
BULLET_WORDS = 10
MAX_BULLETS = 4
FRAME_SCENES = 2  # the intro and the recap
LEAD_WORDS = 60  # text before the first heading up to this long is the intro's; longer, a scene of its own
LENGTH_TOLERANCE = 0.15  # the narration lands within this share of its target
TOP_TERMS, TERM_WEIGHT = 5, 0.3  # a sentence that says more of its section's own top terms, not yet said, ranks higher
# Default length: short notes 60-90 s; longer notes grow a quarter as fast as the notes, to 5 minutes.
SHORT_SECONDS, CEILING_SECONDS, GROWTH = 60.0, 300.0, 0.25
NEEDS_A_WRITER = (
    "a prompt needs an LLM script writer, and none answered: set GEMINI_API_KEY, or OLLAMA_HOST for "
    "a local Ollama, or OPENAI_BASE_URL for an OpenAI-compatible server (script.writers in "
    "providers.yaml); the offline writer only narrates notes"
)
_OWN_SUMMARY = re.compile(
    r"^(?:summary|in summary|conclusions?|recap|key takeaways|takeaways|tl;? ?dr|wrap[- ]up|"
    r"सारांश|निष्कर्ष|خلاصہ)\s*:?$",
    re.IGNORECASE,
)

# The few words the writer adds itself, per language; other languages get no added words.
_PHRASES = {
    "en": {"intro": "In this video: {topics}.", "recap": "To recap: {topics}.", "and": "and", "recap_heading": "Recap"},
    "hi": {"intro": "इस वीडियो में: {topics}।", "recap": "सारांश: {topics}।", "and": "और", "recap_heading": "सारांश"},
    "ur": {"intro": "اس ویڈیو میں: {topics}۔", "recap": "خلاصہ: {topics}۔", "and": "اور", "recap_heading": "خلاصہ"},
}


@dataclass
class _Unit:
    """A content scene in the making: a heading, its sentences with their scores and seconds, and the ones chosen."""

    heading: str | None
    sentences: list[str]
    scores: list[float]
    costs: list[float]  # seconds the narrator takes to say each sentence
    items: list[str] = field(default_factory=list)
    chosen: set[int] = field(default_factory=set)

    @property
    def seconds(self) -> float:
        """The unit's length in the notes, in seconds spoken (what shares and splits are measured in)."""
        return sum(self.costs)

    @property
    def spoken_s(self) -> float:
        return sum(self.costs[i] for i in self.chosen)

    def narration(self) -> list[str]:
        return [self.sentences[i] for i in sorted(self.chosen)]


def default_target(natural: float) -> float:
    """The default length for notes that take `natural` seconds to say in full: all of a short note (up to
    60 s); longer notes get 60-90 s and more, never over 5 minutes.

    The offline writer counts its intro and recap in `natural`: a short note's target is then
    exactly what is said, never padded, and a longer one's frame comes out of the same target.
    """
    if natural <= SHORT_SECONDS:
        return natural
    return min(CEILING_SECONDS, SHORT_SECONDS + (natural - SHORT_SECONDS) * GROWTH)


def title_from_name(name: str) -> str:
    """A file name as a title, without its numbering ('06-rust-ownership.md' -> 'Rust Ownership')."""
    words = [w for w in re.sub(r"[-_.]+", " ", PurePosixPath(name).stem).split() if not w.isdigit()]
    return " ".join(w if w.isupper() else w.capitalize() for w in words) or "Notes"


def document_title(document: NotesDocument, outline: Outline) -> str:
    """Front matter `title`, the first H1, the first heading, else the file's name without its numbers."""
    first_heading = next((s.heading for s in outline.sections if s.heading), None)
    return document.title or outline.title or first_heading or title_from_name(document.source_name)


def _spoken_list(items: list[str], conjunction: str) -> str:
    """'A; B; C and D' — semicolons, since headings often contain commas themselves."""
    items = [i.rstrip(".;:!?।۔") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + f" {conjunction} " + items[-1]


def _phrase(text: str) -> str | None:
    """A complete short phrase for a slide (never cut): `text` itself when it is short enough."""
    words = text.rstrip(".;:!?।۔").split()
    return " ".join(words) if 0 < len(words) <= BULLET_WORDS and not markup_in(text) else None


def _bullets(unit: _Unit, other_text: list[str]) -> list[str]:
    """The notes' own short list items, else the section's short sentences, else its key phrases."""
    phrases = [p for p in map(_phrase, unit.items) if p]
    if not phrases:
        ranked = sorted(range(len(unit.sentences)), key=lambda i: -unit.scores[i])
        phrases = [p for i in ranked if (p := _phrase(unit.sentences[i]))]
    if not phrases:
        phrases = key_phrases(" ".join(unit.sentences), other_text, MAX_BULLETS)
    return list(dict.fromkeys(phrases))[:MAX_BULLETS]


def _heading(unit: _Unit, other_text: list[str], language: str) -> str:
    """The section's own heading; for text before any heading, a short sentence or its key terms."""
    if unit.heading:
        return unit.heading
    short = [p for s in unit.narration() if (p := _phrase(s)) and len(p.split()) <= 8]
    if short:
        return short[0]
    found = key_phrases(" ".join(unit.sentences), other_text, 2)
    return _spoken_list(found, _PHRASES.get(language, {}).get("and", "&")) or "Overview"


def _units(
    sections: list[Section], language: str, scene_cap: float, content_budget: float, speaking: SpeakingRate
) -> list[_Unit]:
    """One unit per section (adjacent small ones merged, big ones split) so intro + units + recap fits 3-15."""
    # A "sentence" longer than a scene (a list of names run together) cannot be narrated whole.
    sections = [
        Section(s.heading, [b for b in s.blocks if speaking.speech_seconds(b.text, language) <= scene_cap])
        for s in sections
    ]
    sections = [s for s in sections if s.blocks]
    scores = sentence_scores([(s.heading, s.sentences(language)) for s in sections])
    units = [
        _Unit(
            s.heading,
            s.sentences(language),
            score,
            [speaking.speech_seconds(t, language) for t in s.sentences(language)],
            s.items,
        )
        for s, score in zip(sections, scores, strict=True)
    ]
    limit = MAX_SCENES - FRAME_SCENES
    while len(units) > limit:
        i = min(range(len(units) - 1), key=lambda k: units[k].seconds + units[k + 1].seconds)
        a, b = units[i], units[i + 1]
        units[i : i + 2] = [
            _Unit(
                a.heading or b.heading,
                a.sentences + b.sentences,
                a.scores + b.scores,
                a.costs + b.costs,
                a.items + b.items,
            )
        ]
    total = sum(u.seconds for u in units) or 1
    while units and len(units) < limit:
        # A section whose share of the length is more than one scene can hold gets a second scene.
        k = max(range(len(units)), key=lambda j: units[j].seconds)
        unit = units[k]
        if content_budget * unit.seconds / total <= scene_cap or len(unit.sentences) < 2:
            break
        half = len(unit.sentences) // 2
        units[k : k + 1] = [
            _Unit(unit.heading, unit.sentences[part], unit.scores[part], unit.costs[part], unit.items)
            for part in (slice(0, half), slice(half, None))
        ]
    return units


def _top_terms(units: list[_Unit]) -> list[set[str]]:
    """Each unit's words most particular to it (TF-IDF with the units as documents): what it is about."""
    vectors, vocabulary = tfidf([terms(" ".join(u.sentences)) for u in units])
    return [{vocabulary[i] for i in row.argsort()[::-1][:TOP_TERMS] if row[i] > 0} for row in vectors]


def _choose(units: list[_Unit], budget: float, scene_cap: float, word_cap: int = 10**6) -> None:
    """Each unit's best sentence, then the best remaining sentences note-wide until `budget` seconds are spoken.

    A unit that has already spoken more than its share (by its words in the notes) ranks its
    next sentence lower, so long sections do not crowd out short ones; a sentence that says its
    section's own top terms not yet heard ranks higher, so what a section is about gets said;
    a sentence said once is not said again.
    """
    total = sum(u.seconds for u in units) or 1
    shares = [max(1.0, budget * u.seconds / total) for u in units]
    tops = _top_terms(units)
    unheard = [set(top) for top in tops]
    sentence_terms = [[set(terms(s)) for s in u.sentences] for u in units]

    def gain(k: int, i: int) -> float:
        return TERM_WEIGHT * len(sentence_terms[k][i] & unheard[k]) / (len(tops[k]) or 1)

    seen: set[str] = set()
    ceiling = budget * (1 + LENGTH_TOLERANCE / 2)
    firsts = []
    for k, unit in enumerate(units):
        fresh = [j for j, sentence in enumerate(unit.sentences) if sentence not in seen]
        if fresh:
            best = max(fresh, key=lambda j: unit.scores[j] + gain(k, j))
            firsts.append((unit.scores[best] + gain(k, best), k, best))
            seen.add(unit.sentences[best])
    # Every unit says its best sentence while the target allows; when there are more sections than the
    # target has time for, the least central ones are left out (a scene is never a fragment of one).
    spoken = 0.0
    for _, k, best in sorted(firsts, reverse=True):
        if spoken and spoken + units[k].costs[best] > ceiling:
            seen.discard(units[k].sentences[best])
            continue
        units[k].chosen.add(best)
        unheard[k] -= sentence_terms[k][best]
        spoken += units[k].costs[best]
    while spoken < budget:
        best_pick, best_priority = None, -1e9
        for k, unit in enumerate(units):
            fill = unit.spoken_s / shares[k]
            for i, sentence in enumerate(unit.sentences):
                n = unit.costs[i]
                too_long = spoken + n > ceiling or spoken + n - budget > budget - spoken  # only if it gets closer
                words = sum(len(unit.sentences[j].split()) for j in unit.chosen) + len(sentence.split())
                if (
                    i in unit.chosen
                    or sentence in seen
                    or too_long
                    or unit.spoken_s + n > scene_cap
                    or words > word_cap
                ):  # the validator's words-per-scene rule holds too
                    continue
                priority = unit.scores[i] + gain(k, i) - 0.5 * fill
                if priority > best_priority:
                    best_pick, best_priority = (k, i), priority
        if best_pick is None:
            break
        k, i = best_pick
        units[k].chosen.add(i)
        seen.add(units[k].sentences[i])
        unheard[k] -= sentence_terms[k][i]
        spoken += units[k].costs[i]


def _compose(
    units: list[_Unit], lead_unit: _Unit | None, title: str, language: str, style: str, own_summary: bool
) -> tuple[list[Scene], list[str]]:
    """The scenes for the sentences chosen: intro (title, lead, what comes), one per unit, and a recap."""
    phrases = _PHRASES.get(language)
    lead_sentences = lead_unit.narration() if lead_unit else []
    units = [u for u in units if u.chosen]  # a section the target had no time for is no scene
    every_text = [" ".join(u.sentences) for u in units]
    scenes: list[Scene] = []
    headings: list[str] = []
    for k, unit in enumerate(units):
        heading = _heading(unit, every_text[:k] + every_text[k + 1 :], language)
        headings.append(heading)
        scenes.append(
            Scene(
                index=len(scenes) + 2,
                heading=heading[:120],
                narration=" ".join(unit.narration()),
                bullets=_bullets(unit, every_text[:k] + every_text[k + 1 :]),
                image_prompt=f"{style} illustration for an explainer: {heading}",
                real_people=mentions_real_people(" ".join(unit.narration())),
            )
        )

    topics = list(dict.fromkeys(headings))  # split sections repeat their heading
    intro_text = [as_sentence(title, language), *lead_sentences]
    if phrases:
        intro_text.append(phrases["intro"].format(topics=_spoken_list(topics[:5], phrases["and"])))
    intro = Scene(
        index=1,
        heading=title[:120],
        narration=" ".join(intro_text),
        bullets=[b for t in topics[:MAX_BULLETS] if (b := _phrase(t))],
        image_prompt=f"{style} title card for an explainer: {title}",
    )
    scenes = [intro, *scenes]
    if not own_summary or len(scenes) < 3:
        recap_text = (
            [phrases["recap"].format(topics=_spoken_list(topics[:6], phrases["and"]))]
            if phrases
            else [as_sentence(t, language) for t in topics[:4]]
        )
        scenes.append(
            Scene(
                index=len(scenes) + 1,
                heading=phrases["recap_heading"] if phrases else title[:120],
                narration=" ".join(recap_text),
                bullets=[b for s in scenes[1:] for b in s.bullets[:1]][:MAX_BULLETS],
                image_prompt=f"{style} summary card for an explainer: {title}",
            )
        )
    return scenes, topics


class LocalScriptWriter:
    name = "local"
    needs = ()

    def __init__(self, max_scene_seconds: float = MAX_SCENE_SECONDS, speaking: SpeakingRate | None = None) -> None:
        """`speaking` is the narrator's clock; by default the calibrated offline voice (eSpeak NG) per language."""
        self.max_scene_seconds = max_scene_seconds
        self.speaking = speaking

    def write(self, document: NotesDocument) -> Script:
        if document.kind == "prompt":
            raise BadInputError(NEEDS_A_WRITER)
        language = document.language
        outline = parse_notes(document.text, markdown=not document.source_name.lower().endswith(".txt"))
        if not outline.sections:
            if outline.code_blocks:
                raise BadInputError("nothing to narrate: the notes contain only code blocks")
            raise BadInputError("nothing to narrate: the notes contain only links, images or markup")

        options = document.options
        speaking = self.speaking or espeak_rate(language)
        requested = options.target_duration_s
        # The notes said in full, in the narrator's seconds (speech only; each scene's clip adds its own).
        note_s = sum(speaking.speech_seconds(t, language) for sec in outline.sections for t in sec.sentences(language))
        # A first guess of the length, before the frame is known; it decides only which sections get two scenes.
        budget = requested or default_target(note_s)
        scene_cap = self.max_scene_seconds - speaking.clip_s
        word_cap = int(self.max_scene_seconds * options.words_per_minute // 60)
        title = document_title(document, outline)

        sections = outline.sections
        own_summary = next((s for s in sections if s.heading and _OWN_SUMMARY.match(s.heading)), None)
        # A short text before the first heading introduces the notes: it belongs to the intro scene.
        # A longer one (definitions, rules) is content of its own.
        first = sections[0]
        lead = (
            first
            if first.heading is None and len(sections) > 1 and not first.items and first.word_count <= LEAD_WORDS
            else None
        )
        body = [s for s in sections if s is not lead]
        lead_s = sum(speaking.speech_seconds(t, language) for t in lead.sentences(language)) if lead else 0.0
        units = _units(body, language, scene_cap, budget - (min(18, budget / 6) if lead else 0), speaking)
        if not units:
            raise BadInputError(
                f"nothing to narrate: every sentence of the notes runs over {scene_cap:.0f} seconds "
                "spoken, longer than one scene can hold; break them into sentences"
            )
        # The intro and recap name the scenes: their time comes out of the same target, as does each scene's clip.
        names = [u.heading or "a short heading" for u in units]
        frame_s = speaking.speech_seconds(f"{title}. In this video: {'; '.join(names[:5])}.", language)
        if own_summary is None:
            frame_s += speaking.speech_seconds(f"To recap: {'; '.join(names[:6])}.", language)
        frame_s += speaking.clip_s * (len(units) + (2 if own_summary is None else 1))
        whole_s = note_s + frame_s
        said_in_full = requested is None and whole_s <= SHORT_SECONDS  # framed by its intro and recap
        target_s = requested or default_target(whole_s)
        lead_budget = (lead_s if said_in_full else min(18, target_s / 6, lead_s)) if lead else 0.0
        content_budget = note_s if said_in_full else max(1.0, target_s - frame_s - lead_budget)
        # The headings the intro and recap name are only known once sentences are chosen: measure what was
        # written and correct the content budget by the difference (a pass or two settles it).
        best_pass = None
        for _ in range(4):
            for unit in units:
                unit.chosen = set()
            _choose(units, content_budget, scene_cap, word_cap)
            lead_unit = None
            if lead:
                lead_unit = _units([lead], language, scene_cap, lead_budget, speaking)[0]
                _choose([lead_unit], max(1.0, lead_budget), scene_cap, word_cap)
            scenes, topics = _compose(units, lead_unit, title, language, options.style, own_summary is not None)
            spoken_s = sum(speaking.clip_seconds(s.narration, language) for s in scenes)
            miss = abs(spoken_s - target_s)
            if best_pass is None or miss < best_pass[0]:
                best_pass = (miss, [set(u.chosen) for u in units], lead_unit, scenes, topics)
            if said_in_full or miss <= target_s * LENGTH_TOLERANCE / 3:
                break
            content_budget = max(1.0, content_budget - (spoken_s - target_s))
        _, chosen, lead_unit, scenes, topics = best_pass
        for unit, picked in zip(units, chosen, strict=True):
            unit.chosen = picked
        lead_sentences = lead_unit.narration() if lead_unit else []
        if said_in_full:  # its target is what is said: all of the notes and the intro and recap actually written
            target_s = sum(speaking.clip_seconds(s.narration, language) for s in scenes)
        best = sorted(((u.scores[i], k, i) for k, u in enumerate(units) for i in u.chosen), reverse=True)[:2]
        summary = lead_sentences[:2] or [units[k].sentences[i] for _, k, i in sorted(best, key=lambda x: x[1:])]
        return Script(
            title=title[:160],
            summary=" ".join(summary),
            objectives=[b for t in topics[:4] if (b := _phrase(t))],
            language=language,
            scenes=scenes,
            writer=self.name,
            target_duration_s=round(target_s, 1),
        )
