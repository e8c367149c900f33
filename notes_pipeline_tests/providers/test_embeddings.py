"""Embedders: the offline one ranks paraphrases above unrelated requests; Gemini's over its wire format."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.providers.embeddings.fallback import FallbackEmbedder
from notes_pipeline.providers.embeddings.gemini import GeminiEmbedder
from notes_pipeline.providers.embeddings.local import LocalEmbedder


def _cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b))


def test_local_embedder_ranks_near_duplicates_above_unrelated_prompts() -> None:
    embedder = LocalEmbedder()
    query, paraphrase, *unrelated = embedder.embed(
        [
            "coffee cup ad",
            "ad for a cup of coffee",
            "history of the roman empire",
            "how solar panels turn light into electricity",
            "a tea pot commercial",
        ]
    )
    assert _cosine(query, paraphrase) >= 0.98
    assert all(_cosine(query, other) < 0.5 for other in unrelated)
    assert len(query) == embedder.dimensions == 768
    assert abs(np.linalg.norm(query) - 1) < 1e-9


def test_local_embedder_separates_requests_that_share_words_but_not_meaning() -> None:
    embedder = LocalEmbedder()
    a, b = embedder.embed(["a 30 second ad for a coffee brand", "a 30 second ad for a car brand"])
    assert 0.3 < _cosine(a, b) < 0.98  # related, yet not the same request


class _GeminiStub(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []
    seen: list[tuple[str, dict, str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, body, self.headers.get("x-goog-api-key", "")))
        status, answer = type(self).answers.pop(0)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gemini_stub() -> Iterator[str]:
    _GeminiStub.answers, _GeminiStub.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GeminiStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_gemini_embedder_sends_batch_and_normalises(gemini_stub: str) -> None:
    _GeminiStub.answers = [
        (200, {"embeddings": [{"values": [3.0, 4.0] + [0.0] * 766}, {"values": [0.0, 2.0] + [0.0] * 766}]})
    ]
    embedder = GeminiEmbedder(api_key="test-key-123", base_url=gemini_stub)
    first, second = embedder.embed(["coffee cup ad", "tea"])
    assert first[:2] == [0.6, 0.8] and second[:2] == [0.0, 1.0]
    path, body, key = _GeminiStub.seen[0]
    assert path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    assert [r["content"]["parts"][0]["text"] for r in body["requests"]] == ["coffee cup ad", "tea"]
    assert body["requests"][0]["outputDimensionality"] == 768
    assert key == "test-key-123"
    assert embedder.model_id() == "gemini:gemini-embedding-001:768"


def test_gemini_embedder_errors_are_clear_and_carry_no_key(gemini_stub: str) -> None:
    _GeminiStub.answers = [
        (429, {"error": {"code": 429, "message": "quota for key test-key-123", "status": "RESOURCE_EXHAUSTED"}}),
        (200, {"embeddings": [{"values": [1.0, 0.0]}]}),
    ]
    embedder = GeminiEmbedder(api_key="test-key-123", base_url=gemini_stub)
    with pytest.raises(PipelineError) as raised:
        embedder.embed(["x"])
    assert "429" in str(raised.value) and "test-key-123" not in str(raised.value)
    assert len(_GeminiStub.seen) == 1  # sent once: neither the SDK nor a policy retries a cache lookup
    with pytest.raises(PipelineError, match="sizes \\[2\\]"):
        embedder.embed(["x"])  # a vector of the wrong width is refused, not stored


def test_the_registry_picks_gemini_embeddings_only_when_its_key_is_set() -> None:
    from notes_pipeline.providers.config import Secrets, load_config
    from notes_pipeline.providers.registry import ProviderRegistry

    config = load_config(None)
    offline = ProviderRegistry(config, Secrets.from_values({})).embedder()
    online = ProviderRegistry(config, Secrets.from_values({"gemini_api_key": "k"})).embedder()
    assert isinstance(offline, LocalEmbedder) and isinstance(online, FallbackEmbedder)
    assert isinstance(online.primary, GeminiEmbedder) and isinstance(online.fallback, LocalEmbedder)
    assert offline.model_id() != online.model_id()  # vectors of two spaces are never compared
    assert online.dimensions == offline.dimensions == 768


@pytest.mark.parametrize("status", [500, 403])
def test_a_failing_gemini_embeddings_call_falls_back_to_the_local_embedder(
    gemini_stub: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    _GeminiStub.answers = [
        (status, {"error": {"code": status, "message": "boom test-key-123", "status": "X"}}),
        (200, {"embeddings": [{"values": [3.0, 4.0] + [0.0] * 766}]}),
    ]
    embedder = FallbackEmbedder(GeminiEmbedder(api_key="test-key-123", base_url=gemini_stub), LocalEmbedder())
    (vector,) = embedder.embed(["coffee cup ad"])
    assert vector == LocalEmbedder().embed(["coffee cup ad"])[0]
    assert embedder.model_id() == LocalEmbedder().model_id()  # stored beside local vectors only
    assert len(embedder.fallbacks) == 1 and str(status) in embedder.fallbacks[0]
    assert "using the local embedder" in caplog.text
    assert "test-key-123" not in caplog.text
    (vector,) = embedder.embed(["coffee cup ad"])  # Gemini answers again: its vectors, its model id
    assert vector[:2] == [0.6, 0.8] and embedder.model_id() == "gemini:gemini-embedding-001:768"
