"""Joining the clips of a long text, spoken in chunks, into one clip with one timeline of words.

Cloud voices take a few thousand bytes per request, so a long scene is spoken sentence
chunk by sentence chunk. Each chunk comes back with its own silence at both ends; left
as is, the seams would sound like hiccups. `join_pieces` trims every seam to one natural
sentence pause, concatenates the samples (same rate, no re-encoding) and shifts each
chunk's word timings by the audio before it, so the timeline is continuous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.domain.timing import estimate_word_timings
from notes_pipeline.media.audio import audible_span

SEAM_PAUSE_S = 0.3  # the silence kept at a seam, split between the two sides


@dataclass(frozen=True)
class Piece:
    """One chunk's audio and its words' start times (seconds from the chunk's start; None: unknown)."""

    samples: np.ndarray
    words: list[str]
    starts: list[float | None]


def _timings(
    piece: Piece, offset_s: float, lead_cut_s: float, speech: tuple[float, float]
) -> tuple[list[WordTiming], bool]:
    """Word timings of one piece on the joined timeline; estimated when the provider gave no times.

    `lead_cut_s` is the silence cut from the piece's start; `speech` its audible span after the cut.
    """
    speech_start_s, speech_end_s = speech
    known = [s for s in piece.starts if s is not None]
    if not known:
        estimated = estimate_word_timings(" ".join(piece.words), speech_start_s, max(speech_start_s, speech_end_s))
        return [
            w.model_copy(update={"start_s": round(w.start_s + offset_s, 3), "end_s": round(w.end_s + offset_s, 3)})
            for w in estimated
        ], True
    # A word without its own time shares the previous word's start (e.g. a mark the engine skipped).
    filled, last = [], 0.0
    for start in piece.starts:
        last = max(last, start - lead_cut_s) if start is not None else last
        filled.append(max(0.0, last))
    timings = []
    for i, word in enumerate(piece.words):
        end = filled[i + 1] if i + 1 < len(filled) else max(speech_end_s, filled[i])
        timings.append(
            WordTiming(
                text=word, start_s=round(filled[i] + offset_s, 3), end_s=round(max(end, filled[i]) + offset_s, 3)
            )
        )
    return timings, False


def join_pieces(
    pieces: list[Piece], sample_rate: int, *, seam_pause_s: float = SEAM_PAUSE_S
) -> tuple[np.ndarray, list[WordTiming], bool]:
    """(samples, word timings, any timings estimated) for the pieces spoken one after another."""
    keep = int(round(seam_pause_s / 2 * sample_rate))
    parts: list[np.ndarray] = []
    words: list[WordTiming] = []
    estimated = False
    offset = 0
    for i, piece in enumerate(pieces):
        samples = piece.samples
        start_s, end_s = audible_span(samples, sample_rate)
        lead = max(0, int(start_s * sample_rate) - keep) if i > 0 else 0
        tail = min(samples.size, int(end_s * sample_rate) + keep) if i < len(pieces) - 1 else samples.size
        trimmed = samples[lead:tail]
        cut_s = lead / sample_rate
        piece_words, guessed = _timings(piece, offset / sample_rate, cut_s, (start_s - cut_s, end_s - cut_s))
        words += piece_words
        estimated = estimated or guessed
        parts.append(trimmed)
        offset += trimmed.size
    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return joined.astype(np.int16, copy=False), words, estimated
