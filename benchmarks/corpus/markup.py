"""Markup read aloud: a detector over narration text.

Narration is what a voice speaks, so any of these in it is heard as noise ("dollar backslash
frac…"). Each pattern counts separate occurrences; the total is the document's "markup spoken".
"""

from __future__ import annotations

import re

# name -> pattern. Kept narrow so ordinary prose never counts: a lone "$5" is money, not LaTeX,
# but "$x$" or "$$" is; a pipe counts only between two cells ("a | b"), never in "either/or".
MARKUP_PATTERNS: dict[str, re.Pattern[str]] = {
    "latex dollars": re.compile(r"\$\$|\$[^$\s](?:[^$]*[^$\s])?\$(?!\d)"),
    "backslash command": re.compile(r"\\[A-Za-z]+"),
    "backtick": re.compile(r"`+[^`\n]*`+|`+"),  # a code span counts once, like "$x$"
    "template braces": re.compile(r"\{\{|\}\}|\{%|%\}"),
    "kramdown attribute": re.compile(r"\{:"),
    "citation": re.compile(r"\[\d+(?:[,–-]\s*\d+)*\]"),
    "url": re.compile(r"\bhttps?://\S+|\bwww\.[\w-]+\.\w\S*"),
    "html tag": re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    "table pipe": re.compile(r"\S\s*\|\s*\S"),
    "callout marker": re.compile(r"\[![\w-]+\][+-]?"),
}


def markup_hits(text: str) -> dict[str, int]:
    """How often each kind of markup occurs in `text` (kinds with no hit are left out)."""
    hits = {name: len(pattern.findall(text)) for name, pattern in MARKUP_PATTERNS.items()}
    return {name: count for name, count in hits.items() if count}


def markup_count(text: str) -> int:
    return sum(markup_hits(text).values())
