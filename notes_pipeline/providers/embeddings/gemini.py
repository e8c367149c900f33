"""Gemini embeddings through google-genai, reduced to the database's vector width and normalised."""

from __future__ import annotations

import math
from collections.abc import Sequence

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.providers.embeddings.base import EMBEDDING_DIMENSIONS
from notes_pipeline.providers.http.retry import Failure


class GeminiEmbedder:
    name = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = "gemini-embedding-001",
        dimensions: int = EMBEDDING_DIMENSIONS,
        base_url: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        from google import genai
        from google.genai import types

        from notes_pipeline.providers.google_errors import genai_http_options

        self._client = genai.Client(
            api_key=api_key, http_options=genai_http_options(base_url=base_url, timeout_s=timeout_s)
        )
        self._types = types
        self.model, self.dimensions = model, dimensions

    def model_id(self) -> str:
        return f"gemini:{self.model}:{self.dimensions}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from notes_pipeline.providers.google_errors import genai_call

        config = self._types.EmbedContentConfig(output_dimensionality=self.dimensions)
        try:
            response = genai_call(
                lambda: self._client.models.embed_content(model=self.model, contents=list(texts), config=config)
            )
        except Failure as failure:
            # Not retried: a failed lookup costs one semantic-cache miss (the fallback embeds locally), not a
            # wait. The reason names the status only; the SDK's message can echo the request.
            raise PipelineError(f"Gemini embeddings failed: {failure.reason}") from None
        vectors = [list(e.values or []) for e in (response.embeddings or [])]
        if len(vectors) != len(texts) or any(len(v) != self.dimensions for v in vectors):
            raise PipelineError(
                f"Gemini returned {len(vectors)} embeddings of sizes {sorted({len(v) for v in vectors})} "
                f"for {len(texts)} texts of {self.dimensions} dimensions"
            )
        return [_unit(v) for v in vectors]


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        raise PipelineError("Gemini returned an all-zero embedding")
    return [v / norm for v in vector]
