"""Product-state figures: semantic-cache lookups among 100,000 projects, and database writes per video.

Lookups run the real named query (`semantic_cache_lookup`) on the embedded Postgres 16 +
pgvector, once served by the HNSW index and once with index scans disabled (a sequential
scan computing every distance), side by side. Embeddings are clustered like real prompt
embeddings (topics with paraphrases around them), not uniform noise, on which HNSW recall
is known to be poor.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from notes_pipeline.domain.models import RenderOptions, Scene, Script, SourceRecord
from notes_pipeline.providers.embeddings.base import EMBEDDING_DIMENSIONS
from notes_pipeline.store.db import Database, create_database, migrate, query, start_embedded
from notes_pipeline.store.state import AssetRecord, StateStore, options_hash

PROJECTS = 100_000
TOPICS = 2_000
QUERIES = 200
SCENES = 10


def clustered(rng: np.random.Generator, n: int, topics: np.ndarray) -> np.ndarray:
    picks = topics[rng.integers(0, len(topics), n)]
    vectors = picks + rng.normal(0, 0.35 / np.sqrt(EMBEDDING_DIMENSIONS), picks.shape).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def load_projects(url: str, vectors: np.ndarray, opts_hash: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        register_vector(conn)
        with conn.cursor().copy(
            "COPY projects (id, source_key, source_name, content_hash, options_hash, embedding_model, "
            "prompt_embedding, status, final_video_key) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["text", "text", "text", "text", "text", "text", "vector", "text", "text"])
            for i, vector in enumerate(vectors):
                doc = f"p-{i:06d}"
                copy.write_row(
                    (
                        doc,
                        f"inbox/{doc}.txt",
                        f"{doc}.txt",
                        "0" * 64,
                        opts_hash,
                        "bench",
                        vector,
                        "done",
                        f"projects/{doc}/renders/x/video.mp4",
                    )
                )
    return time.perf_counter() - started


def lookups(url: str, queries: np.ndarray, opts_hash: str, *, use_index: bool) -> tuple[list[float], list[str | None]]:
    times, found = [], []
    with psycopg.connect(url) as conn:
        register_vector(conn)
        conn.execute("SET hnsw.ef_search = 100")
        if not use_index:
            conn.execute("SET enable_indexscan = off")
        sql = query("semantic_cache_lookup")
        for vector in queries:
            started = time.perf_counter()
            row = conn.execute(
                sql,
                {
                    "embedding": vector,
                    "options_hash": opts_hash,
                    "model": "bench",
                    "exclude_id": "",
                    "threshold": 0.0,
                    "candidates": 10,
                },
            ).fetchone()
            times.append((time.perf_counter() - started) * 1000)
            found.append(row[0] if row else None)
    return times, found


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def writes_per_video(db: Database, runs: int = 10) -> list[float]:
    """Every write the assets make for one 10-scene video, timed end to end."""
    state = StateStore(db)
    script = Script(
        title="T",
        summary="S",
        language="en",
        writer="local",
        scenes=[Scene(index=i, heading=f"H{i}", narration=f"Scene {i} words.") for i in range(1, SCENES + 1)],
    )
    timings = []
    for run in range(runs):
        doc = f"w-{run}"
        started = time.perf_counter()
        state.register_project(
            SourceRecord(
                doc_id=doc,
                source_key="inbox/w.md",
                source_name="w.md",
                content_hash="c" * 64,
                size_bytes=1,
                copy_key=None,
                registered_at="x",
            )
        )
        for stage in ("video_script", "scene_narration", "scene_images", "final_video"):
            state.set_status(doc, "running")
            with state.stage(doc, stage, "bench-run"):
                if stage == "video_script":
                    state.set_request(doc, RenderOptions(), prompt_text="notes")
                    state.sync_scenes(doc, script)
                    state.record_asset(AssetRecord(project_id=doc, asset_type="script", object_key="s"))
                elif stage in ("scene_narration", "scene_images"):
                    kind = "audio" if stage == "scene_narration" else "image"
                    state.prepare_tasks(doc, kind, range(1, SCENES + 1))
                    for i in range(1, SCENES + 1):
                        state.claim(doc, i, kind, "bench-run")
                        state.finish(doc, i, kind, "bench-run", succeeded=True, attempts=1, input_hash="h")
                        state.record_asset(
                            AssetRecord(project_id=doc, asset_type=kind, object_key=f"k{i}", sequence_number=i)
                        )
                else:
                    for asset_type in ("video", "subtitles", "subtitles", "thumbnail"):
                        state.record_asset(AssetRecord(project_id=doc, asset_type=asset_type, object_key="v"))
                    state.set_status(doc, "done", final_video_key="v")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    rng = np.random.default_rng(7)
    topics = rng.normal(0, 1, (TOPICS, EMBEDDING_DIMENSIONS)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    vectors = clustered(rng, PROJECTS, topics)
    queries = clustered(rng, QUERIES, topics)
    opts_hash = options_hash(RenderOptions())
    with tempfile.TemporaryDirectory(prefix="np-bench-pg-") as tmp:
        server = start_embedded(Path(tmp) / "pgdata", cleanup_mode="delete")
        try:
            create_database(server.get_uri(), "bench")
            url = server.get_uri("bench")
            migrate(url)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DROP INDEX projects_prompt_embedding_hnsw")
            load_s = load_projects(url, vectors, opts_hash)
            started = time.perf_counter()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '2GB'")
                conn.execute(
                    "CREATE INDEX projects_prompt_embedding_hnsw ON projects "
                    "USING hnsw (prompt_embedding vector_cosine_ops)"
                )
                conn.execute("ANALYZE projects")
            index_s = time.perf_counter() - started
            hnsw_ms, hnsw_found = lookups(url, queries, opts_hash, use_index=True)
            scan_ms, scan_found = lookups(url, queries, opts_hash, use_index=False)
            recall = sum(a == b for a, b in zip(hnsw_found, scan_found, strict=True)) / QUERIES
            db = Database(url)
            write_ms = writes_per_video(db)
            db.close()
        finally:
            server.cleanup()

    print(
        f"\n## Product state ({PROJECTS:,} projects, {EMBEDDING_DIMENSIONS}-d clustered embeddings, "
        f"{QUERIES} lookups)\n"
    )
    print(f"load (binary COPY): {load_s:.1f} s; HNSW build (m=16, ef_construction=64): {index_s:.1f} s\n")
    print("| semantic-cache lookup | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    print(f"| HNSW index (ef_search=100) | {percentile(hnsw_ms, 50):.2f} | {percentile(hnsw_ms, 95):.2f} |")
    print(f"| sequential scan | {percentile(scan_ms, 50):.2f} | {percentile(scan_ms, 95):.2f} |")
    print(
        f"\nHNSW top-1 agrees with the exact scan on {recall:.0%} of lookups; "
        f"speed-up at p50: {percentile(scan_ms, 50) / percentile(hnsw_ms, 50):.0f}x"
    )
    print(
        f"database writes per 10-scene video: median {statistics.median(write_ms):.0f} ms "
        f"(min {min(write_ms):.0f}, max {max(write_ms):.0f}; {len(write_ms)} videos)"
    )


if __name__ == "__main__":
    main()
