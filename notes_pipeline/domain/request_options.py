"""A prompt's own words as options: "a 90-second explainer", "3-minute", "vertical 9:16", "in Hindi".

People write what they want in the request rather than in front matter; without this, a
prompt asking for 90 seconds got 11 s. Options set explicitly (front matter, JSON keys)
always win over words in the request.
"""

from __future__ import annotations

import re

from notes_pipeline.domain.language import SUPPORTED_LANGUAGES
from notes_pipeline.domain.models import AspectRatio, NotesDocument, RenderOptions

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "ten": 10,
    "half a": 0.5,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "fifteen": 15,
    "twenty": 20,
    "forty-five": 45,
}
_DURATION = re.compile(
    r"\b(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s*-?\s*"
    r"(seconds?|secs?|s|minutes?|mins?)\b",
    re.IGNORECASE,
)
_ASPECTS = [
    (
        re.compile(r"\b9\s*:\s*16\b|\bvertical\b|\bportrait\b|\b(?:tiktok|reels?|shorts)\b", re.IGNORECASE),
        AspectRatio.VERTICAL,
    ),
    (re.compile(r"\b1\s*:\s*1\b|\bsquare\b", re.IGNORECASE), AspectRatio.SQUARE),
    (re.compile(r"\b16\s*:\s*9\b|\bwidescreen\b|\blandscape\b", re.IGNORECASE), AspectRatio.WIDESCREEN),
]
_LANGUAGE = re.compile(r"\bin (" + "|".join(SUPPORTED_LANGUAGES.values()) + r")\b", re.IGNORECASE)
MIN_SECONDS, MAX_SECONDS = 15, 900  # RenderOptions.target_duration_s bounds


def language_name(code: str) -> str:
    return SUPPORTED_LANGUAGES.get(code, code)


def requested_options(text: str) -> dict[str, object]:
    """The options a request's words name: target_duration_s, aspect_ratio and language, when present."""
    found: dict[str, object] = {}
    for match in _DURATION.finditer(text):
        amount, unit = match.group(1).lower(), match.group(2).lower()
        if unit == "s" and amount in _NUMBER_WORDS:
            continue  # 'a s' is no duration; '30s' is
        value = float(_NUMBER_WORDS[amount]) if amount in _NUMBER_WORDS else float(amount)
        seconds = value * 60 if unit.startswith("m") else value
        found["target_duration_s"] = min(MAX_SECONDS, max(MIN_SECONDS, seconds))
        break
    for pattern, aspect in _ASPECTS:
        if pattern.search(text):
            found["aspect_ratio"] = aspect
            break
    if match := _LANGUAGE.search(text):
        name = match.group(1).lower()
        found["language"] = next(code for code, n in SUPPORTED_LANGUAGES.items() if n.lower() == name)
    return found


def with_requested_options(document: NotesDocument) -> NotesDocument:
    """A prompt with the options its words name applied, where no option was set explicitly."""
    if document.kind != "prompt":
        return document
    explicit = document.options.model_fields_set
    update = {k: v for k, v in requested_options(document.text).items() if k not in explicit}
    if not update:
        return document
    options = RenderOptions.model_validate({**document.options.model_dump(exclude_unset=True), **update})
    return document.model_copy(update={"options": options, "language": options.language or document.language})
