"""Which writing system a text uses, and which language to narrate it in when none is given."""

from __future__ import annotations

from typing import Literal

Script = Literal["latin", "devanagari", "arabic"]

# Letters that Urdu uses and Arabic does not: enough to tell the two apart.
_URDU_LETTERS = set("ٹڈڑںھہۂۃیےۓ")


def _is_devanagari(ch: str) -> bool:
    return "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff"


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff"


def writing_system(text: str) -> Script:
    """The script most of the letters of `text` are written in (Latin when there are none)."""
    counts = {"devanagari": 0, "arabic": 0, "latin": 0}
    for ch in text:
        if _is_devanagari(ch):
            counts["devanagari"] += 1
        elif _is_arabic(ch):
            counts["arabic"] += 1
        elif ch.isalpha():
            counts["latin"] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "latin"  # type: ignore[return-value]


def detect_language(text: str) -> str:
    """A best guess good enough to pick a voice: hi for Devanagari, ur/ar for Arabic script, else en."""
    system = writing_system(text)
    if system == "devanagari":
        return "hi"
    if system == "arabic":
        return "ur" if any(ch in _URDU_LETTERS for ch in text) else "ar"
    return "en"


def is_right_to_left(language: str) -> bool:
    return language in {"ar", "ur", "fa", "he"}
