"""Every render of a document, read from the bucket: each lives in renders/<render_id>/ with its render.json."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from notes_pipeline.domain.models import VideoRender
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model
from notes_pipeline.store.keys import InvalidKeyError


@dataclass(frozen=True)
class RenderListing:
    render: VideoRender
    modified_ns: int
    latest: bool  # the render the document's final_video currently names


def list_renders(bucket: Bucket, doc_id: str) -> list[RenderListing]:
    """The document's renders whose video is still in the bucket, oldest first."""
    current = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    found = []
    for obj in bucket.list(keys.project_prefix(doc_id) + "renders/"):
        if not obj.key.endswith("/render.json"):
            continue
        render = load_model(bucket, obj.key, VideoRender)
        if render is None or bucket.stat(render.video_key) is None:
            continue
        found.append(
            RenderListing(render, obj.modified_ns, current is not None and current.render_id == render.render_id)
        )
    return sorted(found, key=lambda r: (r.modified_ns, r.render.render_id))


def find_render(bucket: Bucket, doc_id: str, render_id: str | None = None) -> VideoRender | None:
    """One render by id, or the latest (the one final_video names) when no id is given."""
    if render_id is None:
        render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    else:
        render = load_model(bucket, keys.render_file(doc_id, render_id, "render.json"), VideoRender)
    return render if render is not None and bucket.stat(render.video_key) is not None else None


def document_exists(bucket: Bucket, doc_id: str) -> bool:
    """Whether the inbox sensor ever registered this document (its source record is in the bucket)."""
    try:
        return bucket.stat(keys.source_record(doc_id)) is not None
    except InvalidKeyError:
        return False


def near_documents(bucket: Bucket, wanted: str, limit: int = 5) -> list[str]:
    """Registered documents a person probably meant: those starting with `wanted` (a name without its
    hash), then the closest spellings."""
    known = sorted(
        {
            o.key[len(keys.PROJECTS_PREFIX) :].split("/", 1)[0]
            for o in bucket.list(keys.PROJECTS_PREFIX)
            if o.key.endswith("/source.json")
        }
    )
    wanted = wanted.lower()
    starting = [d for d in known if d.startswith(wanted)]
    # Spellings are compared without the content hash that ends every id ("clouds-07d28042b9").
    stems = {d: d.rsplit("-", 1)[0] for d in known}
    close = [
        d
        for d in known
        if difflib.SequenceMatcher(None, wanted, stems[d]).ratio() >= 0.5
        or difflib.SequenceMatcher(None, wanted, d).ratio() >= 0.6
    ]
    return list(dict.fromkeys(starting + close))[:limit]
