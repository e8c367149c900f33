"""How central each sentence of the notes is: TextRank over TF-IDF cosine similarity, plus cues.

The offline writer picks sentences rather than cutting the first ones, so it needs a
score that says which sentences carry a section and the note: similarity to the rest of
the note and of its own section (TextRank), an early position in its section, words
shared with headings, and the definitions and numbers that explanations hinge on.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

# A word with its combining marks: Python's \w stops at Devanagari and Arabic vowel signs ("करना" -> "करन").
_MARKS = "\u0300-\u036f\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d"
_WORD = re.compile(rf"\w[\w{_MARKS}]*", re.UNICODE)
_STOP = frozenset(
    "the and for are but not you all any can had her was one our out has him his how its may new now old see two "
    "who did get let put say she too use that with have this will your from they know want been good much some "
    "time very when come here just like long make many more most only over such take than them then they well "
    "were what which while would there their these those about after again also because before being between "
    "both could does doing each into itself other should through under until where whom why yours".split()
)
_DEFINITION = re.compile(
    r"\b(?:is|are|means|mean|refers? to|is called|are called|is defined as|stands for)\b", re.IGNORECASE
)
_NUMBER = re.compile(r"\d")
# A sentence opening with a pronoun or connective leans on the one before it: alone it says less.
_LEANS_BACK = re.compile(
    r"^(?:it|its|they|them|this|these|that|those|he|she|but|and|so|however|thus|also)\b", re.IGNORECASE
)
LEANING_FACTOR = 0.8
DAMPING = 0.85
# Weights of the score's parts (they sum to 1): the note, the section, position, headings, facts.
WEIGHTS = (0.35, 0.25, 0.15, 0.15, 0.10)


def terms(text: str) -> list[str]:
    """Lowercased content words (3+ characters, not stop words, not bare numbers)."""
    return [w for w in (m.lower() for m in _WORD.findall(text)) if len(w) >= 3 and w not in _STOP and not w.isdigit()]


def tfidf(documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[str]]:
    """Row-normalised TF-IDF vectors of tokenised `documents` and the vocabulary of their columns."""
    vocabulary = sorted({t for doc in documents for t in doc})
    column = {t: i for i, t in enumerate(vocabulary)}
    frequency = Counter(t for doc in documents for t in set(doc))
    idf = np.array([math.log((1 + len(documents)) / (1 + frequency[t])) + 1 for t in vocabulary])
    matrix = np.zeros((len(documents), len(vocabulary)))
    for row, doc in enumerate(documents):
        for term, count in Counter(doc).items():
            matrix[row, column[term]] = count
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0), vocabulary


def textrank(similarity: np.ndarray, iterations: int = 60) -> np.ndarray:
    """PageRank over a sentence-similarity graph, scaled to 0..1 (all equal when nothing is similar)."""
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = similarity.copy()
    np.fill_diagonal(weights, 0.0)
    out = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, out, out=np.full_like(weights, 1.0 / n), where=out > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        rank = (1 - DAMPING) / n + DAMPING * transition.T @ rank
    span = rank.max() - rank.min()
    return (rank - rank.min()) / span if span > 1e-12 else np.ones(n)


def sentence_scores(sections: Sequence[tuple[str | None, Sequence[str]]]) -> list[list[float]]:
    """A 0..1 score for every sentence of every (heading, sentences) section, in the same shape."""
    flat = [(k, pos, s) for k, (_, sentences) in enumerate(sections) for pos, s in enumerate(sentences)]
    if not flat:
        return [[] for _ in sections]
    vectors, _ = tfidf([terms(s) for _, _, s in flat])
    note_rank = textrank(vectors @ vectors.T)
    heading_terms = {t for heading, _ in sections if heading for t in terms(heading)}
    scores: list[list[float]] = [[] for _ in sections]
    start = 0
    for k, (heading, sentences) in enumerate(sections):
        rows = slice(start, start + len(sentences))
        section_rank = textrank(vectors[rows] @ vectors[rows].T)
        own = set(terms(heading or "")) | heading_terms
        for pos, sentence in enumerate(sentences):
            words = set(terms(sentence))
            shared = len(words & own) / (len(words) or 1)
            facts = 0.5 * bool(_DEFINITION.search(sentence)) + 0.5 * bool(_NUMBER.search(sentence))
            parts = (note_rank[start + pos], section_rank[pos], 1 / (1 + pos), min(1.0, 2 * shared), facts)
            score = float(sum(w * p for w, p in zip(WEIGHTS, parts, strict=True)))
            scores[k].append(score * (LEANING_FACTOR if _LEANS_BACK.match(sentence) else 1.0))
        start += len(sentences)
    return scores


def key_phrases(text: str, corpus: Sequence[str], top: int) -> list[str]:
    """The `top` phrases of `text` (runs of up to three content words, as written) by TF-IDF against `corpus`.

    Phrases rather than single words, so a slide says 'electric field', not 'electric'.
    """
    vectors, vocabulary = tfidf([terms(text), *(terms(c) for c in corpus)])
    weight = {t: vectors[0, i] for i, t in enumerate(vocabulary)}
    candidates: dict[str, float] = {}
    breaks = rf"[^\w\s{_MARKS}-]|\s-\s|\b(?:" + "|".join(sorted(_STOP)) + r"|a|an|of|to|in|on|at|by|or|as|is|be|it)\b"
    for run in re.split(breaks, text, flags=re.IGNORECASE):
        words = [w for w in run.split() if w]
        for size in (3, 2, 1):
            for start in range(0, max(0, len(words) - size) + 1):
                phrase = words[start : start + size]
                keys = [w.lower() for w in phrase]
                if len(phrase) == size and all(k in weight and weight[k] > 0 for k in keys):
                    candidates.setdefault(" ".join(phrase), sum(weight[k] for k in keys))
    chosen: list[str] = []
    used: set[str] = set()
    for phrase in sorted(candidates, key=lambda p: (-candidates[p], p)):
        words = {w.lower() for w in phrase.split()}
        if words & used:
            continue
        chosen.append(phrase[0].upper() + phrase[1:])
        used |= words
        if len(chosen) == top:
            break
    return chosen
