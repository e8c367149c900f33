"""A 500 or 403 from the embeddings API costs a cache miss at most, never the document (issue 14)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from notes_pipeline.providers.embeddings.fallback import FallbackEmbedder
from notes_pipeline.providers.embeddings.gemini import GeminiEmbedder
from notes_pipeline.providers.embeddings.local import LocalEmbedder
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.stages.project import project_stage, script_stage
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline.store.db import Database
from notes_pipeline.store.state import StateStore
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.stages.counting import PROMPT, register


@pytest.mark.parametrize("status", [500, 403])
def test_an_embeddings_error_falls_back_and_the_script_is_written(
    database: Database, tmp_path: Path, status: int
) -> None:
    bucket, state = LocalBucket(tmp_path / "bucket"), StateStore(database)
    doc_id = register(bucket, f"coffee-{status}.txt", PROMPT)
    with StubServer(lambda request: Reply.error(status, "embeddings are down")) as stub:
        embedder = FallbackEmbedder(GeminiEmbedder(api_key="AI" + "za-test-key", base_url=stub.url), LocalEmbedder())
        with project_stage(bucket, state, doc_id, "video_script", run_id="test"):
            manifest, script, match = script_stage(
                bucket, state, doc_id, LocalScriptWriter(), embedder, max_bytes=1_000_000, semantic_threshold=0.98
            )
        assert any(":batchEmbedContents" in r.route for r in stub.requests)
    assert manifest.writer == "local" and len(script.scenes) >= 3 and match is None
    assert len(embedder.fallbacks) == 1 and str(status) in embedder.fallbacks[0]
    with psycopg.connect(database.url) as conn:
        (model,) = conn.execute("SELECT embedding_model FROM projects WHERE id = %s", (doc_id,)).fetchone()
    assert model == LocalEmbedder().model_id()
