"""An offline embedder: hashed word and character-trigram features, no model download.

It is no language model, but it does what the semantic cache needs from one: the same
request in other words ("coffee cup ad" / "ad for a cup of coffee") lands on nearly the
same vector, and unrelated requests land far apart. Word order, stop words, case and
plural endings are ignored; character trigrams make near-spellings close.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence

from notes_pipeline.providers.embeddings.base import EMBEDDING_DIMENSIONS

STOP_WORDS = frozenset(
    "a an the for of to in on at by with about from into and or but is are was were be been "
    "this that these those it its as make create please video explainer short".split()
)
TRIGRAM_WEIGHT = 0.35
VERSION = "1"


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return [_stem(w) for w in words if w not in STOP_WORDS]


def _bucket(feature: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimensions, 1.0 if (value >> 63) & 1 else -1.0


class LocalEmbedder:
    name = "local"

    def __init__(self, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        self.dimensions = dimensions

    def model_id(self) -> str:
        return f"local-hashed-v{VERSION}-{self.dimensions}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in tokens(text):
            index, sign = _bucket("w:" + word, self.dimensions)
            vector[index] += sign
            padded = f"#{word}#"
            grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
            for gram in grams:
                index, sign = _bucket("c:" + gram, self.dimensions)
                vector[index] += sign * TRIGRAM_WEIGHT / math.sqrt(len(grams))
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0:
            # Nothing to embed (only stop words): a fixed vector that matches nothing by accident.
            index, _ = _bucket("empty", self.dimensions)
            vector[index] = 1.0
            return vector
        return [v / norm for v in vector]
