"""An embedder that falls back to the offline one: a failed embeddings call never fails a document.

Embeddings only serve the semantic cache, so a 500 or 403 from the remote embedder costs at
most a cache miss. The fallback is logged, counted, and its vectors carry the local model's
id, so they are only ever compared with other local vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from notes_pipeline.providers.embeddings.base import Embedder

log = logging.getLogger(__name__)


class FallbackEmbedder:
    """`primary` while it works, else `fallback`; `model_id()` names whichever made the last vectors."""

    def __init__(self, primary: Embedder, fallback: Embedder) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = f"{primary.name}>{fallback.name}"
        self.dimensions = primary.dimensions
        self.used: Embedder = primary
        self.fallbacks: list[str] = []  # why each fallback happened, for whoever reports on the run

    def model_id(self) -> str:
        return self.used.model_id()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        try:
            vectors = self.primary.embed(texts)
            self.used = self.primary
            return vectors
        except Exception as err:  # noqa: BLE001 - any failure of the remote embedder means: embed locally
            reason = f"{type(err).__name__}: {err}"
            self.fallbacks.append(reason)
            log.warning(
                "%s embeddings failed (%s); using the %s embedder for the semantic cache",
                self.primary.name,
                reason,
                self.fallback.name,
            )
            self.used = self.fallback
            return self.fallback.embed(texts)
