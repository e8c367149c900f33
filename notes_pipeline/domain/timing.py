"""Word timings when an engine gives none: spread the words over the audible span by length."""

from __future__ import annotations

from notes_pipeline.domain.models import WordTiming

# A word's share of time ~ its letters plus a constant for the gap after it.
_GAP_WEIGHT = 2


def estimate_word_timings(text: str, start_s: float, end_s: float) -> list[WordTiming]:
    words = text.split()
    if not words:
        return []
    weights = [len(w) + _GAP_WEIGHT for w in words]
    total = sum(weights)
    span = max(0.0, end_s - start_s)
    timings, cursor = [], start_s
    for word, weight in zip(words, weights, strict=True):
        length = span * weight / total
        timings.append(WordTiming(text=word, start_s=round(cursor, 3), end_s=round(cursor + length, 3)))
        cursor += length
    return timings
