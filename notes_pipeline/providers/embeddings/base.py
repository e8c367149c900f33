"""The embedding capability: texts in, unit vectors out, for the semantic cache in pgvector."""

from collections.abc import Sequence
from typing import Protocol

# The width of projects.prompt_embedding (sql/migrations/001_state.sql); every embedder must match it.
EMBEDDING_DIMENSIONS = 768


class Embedder(Protocol):
    name: str
    dimensions: int

    def model_id(self) -> str:
        """Which vector space: vectors from different models are never compared."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalised vector of `dimensions` floats per text."""
        ...
