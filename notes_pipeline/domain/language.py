"""Which writing system a text uses, and which language to narrate it in when none is given."""

from __future__ import annotations

import re
from typing import Literal

Script = Literal["latin", "devanagari", "arabic"]

# Languages the pipeline can both voice (every narrator in the chain falls back to eSpeak NG, which speaks
# them all) and draw (media/fonts.py has a font for their writing system). Code -> English name.
SUPPORTED_LANGUAGES: dict[str, str] = {
    "en": "English",
    "hi": "Hindi",
    "ur": "Urdu",
    "ar": "Arabic",
    "mr": "Marathi",
    "ne": "Nepali",
    "fa": "Persian",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
}
# The writing system of each supported language not written in Latin letters (fonts pick by it).
LANGUAGE_SCRIPTS: dict[str, Script] = {
    "hi": "devanagari",
    "mr": "devanagari",
    "ne": "devanagari",
    "ur": "arabic",
    "ar": "arabic",
    "fa": "arabic",
}
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")

# Letters that Urdu uses and Arabic does not: enough to tell the two apart.
_URDU_LETTERS = re.compile("[ٹڈڑںھہۂۃیےۓ]")

# What is written but never read aloud, removed before letters are counted (order matters: fences before
# inline code, link targets before bare URLs). Each keeps what a reader sees, or nothing.
_NOT_PROSE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\A(?:---|\+\+\+)[ \t]*\r?\n.*?\r?\n(?:---|\+\+\+)[ \t]*(?:\r?\n|\Z)", re.DOTALL), ""),
    (re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.DOTALL | re.MULTILINE), " "),
    (re.compile(r"(?:\A|\n[ \t]*\n)((?:(?: {4}|\t)[^\n]*(?:\n|\Z))+)"), "\n\n"),
    (re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\\(.*?\\\)", re.DOTALL), " "),
    (re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$"), " "),
    (re.compile(r"(`+)[^`]*?\1"), " "),
    (re.compile(r"<!--.*?-->", re.DOTALL), " "),
    (re.compile(r"<[A-Za-z/!][^>]*>"), " "),
    (re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"), "] "),
    (re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE), " "),
    (re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+"), " "),
    (re.compile(r"\\[A-Za-z]+"), " "),
]


_DEVANAGARI = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def writing_system(text: str) -> Script:
    """The script most of the letters of `text` are written in (Latin when there are none).

    Counted without a Python loop over characters: notes run to megabytes.
    """
    counts = {"devanagari": len(_DEVANAGARI.findall(text)), "arabic": len(_ARABIC.findall(text))}
    counts["latin"] = sum(map(str.isalpha, _ARABIC.sub("", _DEVANAGARI.sub("", text))))
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "latin"  # type: ignore[return-value]


def prose_letters(text: str) -> str:
    """The text a listener would hear: front matter, code, LaTeX, HTML, URLs and link targets removed.

    Notes in Hindi or Urdu are full of English URLs, commands and markup; counting their letters
    would call such a note English.
    """
    for pattern, replacement in _NOT_PROSE:
        text = pattern.sub(replacement, text)
    return text


def detect_language(text: str) -> str:
    """A best guess good enough to pick a voice, from the letters of the prose only: hi for Devanagari,
    ur/ar for Arabic script, else en (Hinglish in Latin letters stays en)."""
    prose = prose_letters(text)
    system = writing_system(prose)
    if system == "devanagari":
        return "hi"
    if system == "arabic":
        return "ur" if _URDU_LETTERS.search(prose) else "ar"
    return "en"


def language_code(value: str) -> str | None:
    """The base language of a tag as other tools write it ('hi-IN', 'en_US', 'EN' -> 'hi', 'en', 'en'), else None."""
    match = _LANGUAGE_TAG.match(value.strip())
    return match.group(1).lower() if match else None


def supported_languages() -> str:
    return ", ".join(f"{code} ({name})" for code, name in SUPPORTED_LANGUAGES.items())


def is_right_to_left(language: str) -> bool:
    return language in {"ar", "ur", "fa", "he"}
