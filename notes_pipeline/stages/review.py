"""Script versions and the review gate, as plain functions over the bucket and the database.

`projects/<doc>/script.json` is the working copy a person may edit; every distinct content
it ever had is kept as `script.v<N>.json` with a row in `script_versions`. A version is
recorded when the writer writes a script, when `notes-pipeline edit` changes one, or when
the review sensor finds the working copy edited by hand. The video_script manifest always
names the latest version, so Dagster's stored value of `video_script` follows the edits.

Which version is rendered: the latest, or for a document with `review: true` the latest
one a person approved; with none approved the render waits.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import Script, ScriptManifest
from notes_pipeline.domain.script_edits import (
    SceneEdit,
    ScriptEditError,
    apply_edit,
    check_edited,
    describe_changes,
    parse_edited_script,
)
from notes_pipeline.providers.images.frames import decode_image
from notes_pipeline.stages.script import load_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model, put_model
from notes_pipeline.store.reviews import Origin, ReviewStore, ScriptVersion
from notes_pipeline.store.state import StateStore

MAX_UPLOAD_BYTES = 25_000_000


def script_bytes(script: Script) -> bytes:
    """A script as stored: the same bytes `put_model` writes, so equal scripts hash equal."""
    return script.model_dump_json(indent=2).encode()


def version_manifest(base: ScriptManifest, version: ScriptVersion, script: Script) -> ScriptManifest:
    """The manifest of one version: the document's options and source, this version's file and counts."""
    return base.model_copy(
        update={
            "script_key": version.object_key,
            "script_hash": version.content_hash,
            "language": script.language,
            "scene_count": len(script.scenes),
            "word_count": script.word_count,
            "writer": script.writer,
            "version": version.version,
            "variant": None,
        }
    )


def current_manifest(bucket: Bucket, doc_id: str) -> ScriptManifest:
    manifest = load_model(bucket, keys.manifest(doc_id, "video_script"), ScriptManifest)
    if manifest is None:
        raise ScriptEditError(
            f"{doc_id} has no script yet: wait for its video_script to finish (notes-pipeline status) or materialise it"
        )
    return manifest


def _see_working_copy(
    bucket: Bucket, reviews: ReviewStore, doc_id: str, content_hash: str, problem: str | None = None
) -> None:
    info = bucket.stat(keys.script(doc_id))
    if info is not None:
        reviews.seen(doc_id, size=info.size, modified_ns=info.modified_ns, content_hash=content_hash, problem=problem)


def record_version(
    bucket: Bucket, reviews: ReviewStore, base: ScriptManifest, script: Script, *, origin: Origin, summary: str = ""
) -> tuple[ScriptVersion, ScriptManifest, bool]:
    """Keep `script` as the document's next version unless it equals the latest; (version, its manifest, created).

    An edit becomes the stored value of video_script; a CLI edit also becomes the working copy (a hand
    edit stays as the person saved it: their editor may still have it open).
    """
    doc_id = base.doc_id
    data = script_bytes(script)
    digest = hashlib.sha256(data).hexdigest()
    with reviews.versioning(doc_id) as versions:
        latest = versions.latest()
        created = latest is None or latest.content_hash != digest
        if created:
            number = (latest.version if latest else 0) + 1
            key = keys.script_version(doc_id, number)
            bucket.put_bytes(key, data)
            latest = versions.insert(
                version=number,
                content_hash=digest,
                object_key=key,
                origin=origin,
                summary=summary,
                scene_count=len(script.scenes),
                review_required=base.options.review,
            )
    assert latest is not None
    manifest = version_manifest(base, latest, script)
    if origin == "cli":
        bucket.put_bytes(keys.script(doc_id), data)
    if origin != "writer":
        put_model(bucket, keys.manifest(doc_id, "video_script"), manifest)
    _see_working_copy(bucket, reviews, doc_id, digest)
    return latest, manifest, created


def record_written(
    bucket: Bucket, reviews: ReviewStore, manifest: ScriptManifest, script: Script
) -> tuple[ScriptVersion, ScriptManifest]:
    """The writer's script (`manifest`'s, passed in rather than read back) as a version; the manifest
    returned names the immutable version file."""
    version, versioned, _ = record_version(
        bucket, reviews, manifest, script, origin="writer", summary=f"written by {script.writer}"
    )
    return version, versioned


def edit_script(bucket: Bucket, reviews: ReviewStore, doc_id: str, edit: SceneEdit) -> tuple[ScriptVersion, list[str]]:
    """Apply one edit to the latest version (after taking in any hand edit of the working copy)."""
    notice = notice_edit(bucket, reviews, doc_id)
    if notice.problem:  # editing now would overwrite the person's unfinished hand edit
        raise ScriptEditError(notice.problem)
    base = current_manifest(bucket, doc_id)
    latest = reviews.latest(doc_id)
    if latest is None:
        raise ScriptEditError(f"{doc_id} has no recorded script version yet: wait for video_script to finish")
    before = _load_version(bucket, latest)
    after = apply_edit(before, edit, style=base.options.style)
    check_edited(after, words_per_minute=base.options.words_per_minute)
    changes = describe_changes(before, after)
    if not changes:
        raise ScriptEditError("the edit changes nothing")
    version, _, _ = record_version(bucket, reviews, base, after, origin="cli", summary="; ".join(changes))
    return version, changes


def _load_version(bucket: Bucket, version: ScriptVersion) -> Script:
    loaded = load_model(bucket, version.object_key, Script)
    if loaded is None:
        raise PipelineError(f"{version.object_key} is missing or unreadable")
    return loaded


@dataclass
class EditNotice:
    version: ScriptVersion | None = None  # a new version made from a hand edit
    problem: str | None = None  # the hand edit cannot be used, and why
    new_problem: bool = False  # not reported before (so it is logged once, not every tick)


def notice_edit(bucket: Bucket, reviews: ReviewStore, doc_id: str) -> EditNotice:
    """Take in a hand edit of projects/<doc>/script.json as a new version, if there is one.

    Cheap when nothing changed: an unchanged size and modification time is not even read.
    """
    key = keys.script(doc_id)
    info = bucket.stat(key)
    seen = reviews.watched(doc_id)
    if info is None or (info.size, info.modified_ns) == (seen.size, seen.modified_ns):
        return EditNotice(problem=seen.problem)
    data = bucket.get_bytes(key, max_bytes=info.size + 1)
    raw_hash = hashlib.sha256(data).hexdigest()
    if raw_hash == seen.content_hash:
        reviews.seen(doc_id, size=info.size, modified_ns=info.modified_ns, content_hash=raw_hash, problem=seen.problem)
        return EditNotice(problem=seen.problem)
    latest = reviews.latest(doc_id)
    try:
        base = current_manifest(bucket, doc_id)
        script = parse_edited_script(data)
        check_edited(script, words_per_minute=base.options.words_per_minute)
    except ScriptEditError as err:
        restore = f"; fix it, or copy {latest.object_key} over it" if latest else ""
        problem = f"{key} was edited but cannot be used: {err.cause}{restore}"
        reviews.seen(doc_id, size=info.size, modified_ns=info.modified_ns, content_hash=raw_hash, problem=problem)
        return EditNotice(problem=problem, new_problem=True)
    before = _load_version(bucket, latest) if latest else None
    if before is not None and script.model_copy(update={"writer": before.writer}) == before:
        # Only the formatting changed: still the same version.
        reviews.seen(doc_id, size=info.size, modified_ns=info.modified_ns, content_hash=raw_hash)
        return EditNotice()
    changes = describe_changes(before, script) if before else []
    version, _, created = record_version(
        bucket, reviews, base, script, origin="bucket", summary="; ".join(changes) or "edited in the bucket"
    )
    # The working copy stays as the person saved it; remember its own hash so it is not read again.
    reviews.seen(doc_id, size=info.size, modified_ns=info.modified_ns, content_hash=raw_hash)
    return EditNotice(version=version if created else None)


def approve(bucket: Bucket, reviews: ReviewStore, doc_id: str, *, approved_by: str) -> tuple[ScriptVersion, bool]:
    """Approve the latest version (after taking in any hand edit: what is approved is what the person sees)."""
    notice = notice_edit(bucket, reviews, doc_id)
    if notice.problem:
        raise ScriptEditError(notice.problem)
    latest = reviews.latest(doc_id)
    if latest is None:
        raise ScriptEditError(f"{doc_id} has no script to approve yet: wait for its video_script to finish")
    created = reviews.approve(doc_id, latest.version, approved_by)
    return latest, created


@dataclass
class Gate:
    """What the review gate decided for one run: the manifest to render, or why it waits."""

    manifest: ScriptManifest | None
    latest: ScriptVersion
    chosen: ScriptVersion | None

    @property
    def waiting(self) -> bool:
        return self.manifest is None


def review_gate(bucket: Bucket, state: StateStore, reviews: ReviewStore, video_script: ScriptManifest) -> Gate:
    """Pick the version to render; record that a run renders it, or mark the project as waiting for review."""
    doc_id = video_script.doc_id
    latest = reviews.latest(doc_id)
    if latest is None:  # a script written before versions were kept
        latest, video_script = record_written(bucket, reviews, video_script, load_script(bucket, video_script))
    chosen = latest if latest.renderable else reviews.latest_approved(doc_id)
    if chosen is None:
        state.set_status(doc_id, "review")
        return Gate(manifest=None, latest=latest, chosen=None)
    script = _load_version(bucket, chosen)
    manifest = version_manifest(video_script, chosen, script)
    state.sync_scenes(doc_id, script)
    reviews.mark_rendering(doc_id, chosen.version)
    return Gate(manifest=manifest, latest=latest, chosen=chosen)


def store_user_image(bucket: Bucket, doc_id: str, data: bytes, *, source: str) -> str:
    """A person's picture for a scene, checked and kept as PNG under its content hash; returns its key.

    It is fitted to the frame when the scene is drawn, so one upload serves every format.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScriptEditError(f"{source} is {len(data) / 1e6:.1f} MB, over {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    try:
        image = decode_image(data, source=source)
    except PipelineError as err:
        raise ScriptEditError(f"{source} is not a picture we can read: {err.cause}") from None
    problems = QualityGate().problems(image)
    if problems:
        raise ScriptEditError(f"{source} cannot be used: " + "; ".join(problems))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    png = out.getvalue()
    key = keys.upload(doc_id, hashlib.sha256(png).hexdigest())
    if bucket.stat(key) is None:
        bucket.put_bytes(key, png)
    return key
