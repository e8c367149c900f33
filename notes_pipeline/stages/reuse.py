"""Reusing finished work across projects: the semantic cache for near-identical prompts.

Only prompts (a one-paragraph request, not notes) are matched by meaning: two sets of
notes that differ by one sentence must make two videos, while "coffee cup ad" and "ad
for a cup of coffee" with the same render options are the same request. A match reuses
the earlier script byte for byte; the exact caches then supply its audio and images and
its render is copied, so a near-duplicate request costs no provider call and no render.
"""

from __future__ import annotations

from pathlib import Path

from notes_pipeline.domain.models import NotesDocument, Provenance, Script, VideoRender
from notes_pipeline.providers.embeddings.base import Embedder
from notes_pipeline.stages.scratch import scratch_dir
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model, put_model
from notes_pipeline.store.state import SemanticMatch, StateStore

PROMPT_MAX_WORDS = 60
RENDER_FILES = ("video.mp4", "subtitles.srt", "subtitles.vtt", "thumbnail.jpg")


def is_prompt(document: NotesDocument) -> bool:
    """A single short paragraph: a request to make something, rather than notes to narrate."""
    text = document.text.strip()
    return "\n\n" not in text and len(text.split()) <= PROMPT_MAX_WORDS


class ReusedScript:
    """A script writer that hands back a finished project's script unchanged."""

    name = "semantic-cache"

    def __init__(self, script: Script) -> None:
        self.script = script

    def write(self, document: NotesDocument) -> Script:
        return self.script


def find_reusable_script(
    bucket: Bucket, state: StateStore, embedder: Embedder, document: NotesDocument, *, threshold: float
) -> tuple[Script, SemanticMatch] | None:
    """Embed a prompt (kept for later lookups) and return a finished near-identical project's script."""
    if not is_prompt(document):
        return None
    vector = embedder.embed([document.text])[0]
    state.set_embedding(document.doc_id, embedder.model_id(), vector)
    match = state.semantic_match(
        vector, model=embedder.model_id(), options=document.options, exclude_id=document.doc_id, threshold=threshold
    )
    if match is None:
        return None
    script = load_model(bucket, keys.script(match.project_id), Script)
    return None if script is None else (script, match)


def copy_render(
    bucket: Bucket, from_doc: str, to_doc: str, render_id: str, *, scratch_root: Path | None = None
) -> VideoRender | None:
    """Copy the earlier project's render of exactly these inputs, if it still exists."""
    source = load_model(bucket, keys.render_file(from_doc, render_id, "render.json"), VideoRender)
    if source is None or any(bucket.stat(keys.render_file(from_doc, render_id, n)) is None for n in RENDER_FILES):
        return None
    key = {name: keys.render_file(to_doc, render_id, name) for name in (*RENDER_FILES, "provenance.json")}
    with scratch_dir(f"copy-{to_doc}", scratch_root) as work:
        for name in RENDER_FILES:
            bucket.put_file(key[name], bucket.download(keys.render_file(from_doc, render_id, name), work / name))
    provenance = load_model(bucket, keys.render_file(from_doc, render_id, "provenance.json"), Provenance)
    if provenance is not None:
        record = load_source_record(bucket, to_doc)
        put_model(
            bucket,
            key["provenance.json"],
            provenance.model_copy(
                update={"doc_id": to_doc, "source_name": record.source_name, "source_sha256": record.content_hash}
            ),
        )
    render = source.model_copy(
        update={
            "doc_id": to_doc,
            "video_key": key["video.mp4"],
            "srt_key": key["subtitles.srt"],
            "vtt_key": key["subtitles.vtt"],
            "thumbnail_key": key["thumbnail.jpg"],
            "manifest_key": keys.render_file(to_doc, render_id, "render.json"),
            "render_s": 0.0,
            "reused": True,
        }
    )
    put_model(bucket, render.manifest_key, render)
    return render
