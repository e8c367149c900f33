"""Rules every script must pass before audio and images are paid for.

The pydantic Script model already enforces shape (3-15 scenes, required fields); these
are the rules about content: speakable narration of a sane length, no placeholder text,
no repeated scenes, and a script about the notes rather than something else.
"""

from __future__ import annotations

import re

from notes_pipeline.domain.models import Script

MAX_SCENE_SECONDS = 60
MAX_BULLETS = 4
MAX_BULLET_WORDS = 12
MIN_RELEVANCE = 0.5
_PLACEHOLDERS = re.compile(
    r"lorem ipsum|add (?:your )?content here|\bTODO\b|\bTBD\b|\[insert|placeholder|\bxxx\b|<[a-z_ ]+>",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)


def _content_words(text: str) -> set[str]:
    """Words long enough to carry meaning (4+ characters), lowercased."""
    return {w.lower() for w in _WORD.findall(text) if len(w) >= 4 and not w.isdigit()}


def relevance(script: Script, notes_text: str) -> float:
    """Share of the narration's content words that also occur in the notes (1.0: all of them)."""
    spoken = _content_words(" ".join(s.narration for s in script.scenes))
    if not spoken:
        return 0.0
    return len(spoken & _content_words(notes_text)) / len(spoken)


def validate_script(script: Script, notes_text: str, *, words_per_minute: int = 150) -> list[str]:
    """Human-readable problems; an empty list means the script may go on to narration."""
    problems: list[str] = []
    max_words = MAX_SCENE_SECONDS * words_per_minute // 60
    seen: dict[str, int] = {}
    for scene in script.scenes:
        where = f"scene {scene.index}"
        narration = scene.narration.strip()
        if not _WORD.search(narration):
            problems.append(f"{where} has no narration")
        elif len(narration.split()) > max_words:
            problems.append(f"{where} narration is {len(narration.split())} words, over {max_words} "
                            f"({MAX_SCENE_SECONDS}s at {words_per_minute} wpm)")
        if not scene.heading.strip():
            problems.append(f"{where} has an empty heading")
        if len(scene.bullets) > MAX_BULLETS:
            problems.append(f"{where} has {len(scene.bullets)} bullets, more than {MAX_BULLETS}")
        if any(len(b.split()) > MAX_BULLET_WORDS for b in scene.bullets):
            problems.append(f"{where} has a bullet longer than {MAX_BULLET_WORDS} words")
        if narration in seen:
            problems.append(f"{where} repeats the narration of scene {seen[narration]}")
        seen.setdefault(narration, scene.index)
        for field_text in (scene.heading, narration, *scene.bullets, scene.image_prompt or ""):
            if match := _PLACEHOLDERS.search(field_text):
                problems.append(f"{where} contains placeholder text {match.group()!r}")
                break
    if match := _PLACEHOLDERS.search(" ".join([script.title, script.summary, *script.objectives])):
        problems.append(f"the title, summary or objectives contain placeholder text {match.group()!r}")
    score = relevance(script, notes_text)
    if score < MIN_RELEVANCE:
        problems.append(f"the narration is not about the notes: only {score:.0%} of its words occur in them")
    return problems
