"""Sentence-aware splitting: for choosing what to narrate and for provider size limits."""

from __future__ import annotations

import re
from collections.abc import Callable

# Sentence ends in Latin script, Devanagari (danda, double danda) and Urdu/Arabic,
# optionally followed by closing quotes or brackets.
_MARKS = ".!?…।॥۔؟"
_CLOSERS = "'\"”’)\\]"
_END = re.compile(f"[{_MARKS}]+[{_CLOSERS}]*\\s+")
_ENDS = re.compile(f"[{_MARKS}][{_CLOSERS}]*$")
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "vs",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "no",
    "fig",
    "approx",
    "cf",
    "jr",
    "sr",
    "inc",
    "ltd",
}
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.)+$")
_CLAUSE = re.compile(r"(?<=[,;:،؛])\s+|\s+(?=[—–]\s)")


def ends_sentence(text: str) -> bool:
    """True when `text` ends with a full stop, question or exclamation mark in any of our scripts."""
    return bool(_ENDS.search(text))


def _is_abbreviation(before: str) -> bool:
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    return word.rstrip(".").lower() in _ABBREVIATIONS or bool(_INITIALISM.search(word))


def split_sentences(text: str) -> list[str]:
    """Sentences in order, keeping their punctuation; 'e.g.', 'Dr.', 'U.S.' and '3.5' do not split."""
    text = " ".join(text.split())
    sentences, start = [], 0
    for match in _END.finditer(text + " "):
        end = match.end()
        before = text[start : match.start() + 1]
        following = text[end : end + 1]
        if match.group().startswith(".") and (_is_abbreviation(before) or following.islower()):
            continue
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


Size = Callable[[str], int]


def utf8_size(text: str) -> int:
    return len(text.encode())


def _split_long(sentence: str, max_bytes: int, size: Size) -> list[str]:
    """Split one over-long sentence at clause punctuation, then spaces, then characters."""
    if size(sentence) <= max_bytes:
        return [sentence]
    for pattern in (_CLAUSE, re.compile(r"\s+")):
        parts = [p for p in pattern.split(sentence) if p]
        if len(parts) > 1:
            return _pack(parts, max_bytes, size)
    pieces, current = [], ""
    for ch in sentence:  # no spaces at all: cut between characters, never inside one
        if current and size(current + ch) > max_bytes:
            pieces.append(current)
            current = ""
        current += ch
    return pieces + ([current] if current else [])


def _pack(parts: list[str], max_bytes: int, size: Size) -> list[str]:
    chunks: list[str] = []
    for part in parts:
        for piece in _split_long(part, max_bytes, size):
            candidate = f"{chunks[-1]} {piece}" if chunks else piece
            if chunks and size(candidate) <= max_bytes:
                chunks[-1] = candidate
            else:
                chunks.append(piece)
    return chunks


def chunk_text(text: str, max_bytes: int, *, size: Size = utf8_size) -> list[str]:
    """Whole sentences packed into chunks whose `size` is at most `max_bytes` each.

    `size` defaults to the UTF-8 length; a provider whose limit counts its markup (Google's
    5,000 bytes of SSML, marks included) passes the size of the request it will build.
    Sentences are never split unless one alone is too big.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must fit at least one UTF-8 character")
    chunks = _pack(split_sentences(text), max_bytes, size)
    if too_big := [c for c in chunks if size(c) > max_bytes]:
        raise ValueError(f"a piece of {size(too_big[0])} bytes cannot be made to fit {max_bytes} bytes")
    return chunks
