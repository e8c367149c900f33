"""Pictures kept for review: each scene's best results, stored so a person can pick another one later.

With `review: true` an image source may return alternatives beside its picture (the stock
libraries do). The picture and its alternatives are kept under
`projects/<doc>/candidates/<sha256>.{png,mp4,json}`: the framed still, the clip if it is
one, and an `ImageCandidate` saying what it is (provider, licence, attribution). Candidate 1
is the picture the scene got. `notes-pipeline edit DOC --scene N --pick K` makes candidate K
the scene's `user_image`; `UserImages` then serves it from the bucket with its own provider,
licence and clip, and no provider is called again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import ImageCandidate, ImagesManifest, SceneImage
from notes_pipeline.providers.images.base import ImageResult
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model, put_model


class NoSuchCandidateError(BadInputError):
    """`--pick` names a candidate the scene does not have."""


def store_candidates(bucket: Bucket, doc_id: str, results: Sequence[ImageResult]) -> list[ImageCandidate]:
    """Keep each result (picture first, then alternatives) under its content hash; equal results are kept once."""
    kept: list[ImageCandidate] = []
    for result in results:
        digest = hashlib.sha256(result.png + (result.clip or b"")).hexdigest()
        image_key = keys.candidate(doc_id, digest, "png")
        clip_key = keys.candidate(doc_id, digest, "mp4") if result.clip else None
        candidate = ImageCandidate(
            image_key=image_key,
            provider=result.provider,
            visual_kind=result.visual_kind,
            clip_key=clip_key,
            source_url=result.source_url,
            attribution=result.attribution,
            licence=result.licence,
        )
        if any(c.image_key == image_key for c in kept):
            continue
        record = keys.candidate_record(image_key)
        assert record is not None
        if bucket.stat(record) is None:  # the record is written last: present means complete
            bucket.put_bytes(image_key, result.png)
            if clip_key and result.clip:
                bucket.put_bytes(clip_key, result.clip)
            put_model(bucket, record, candidate)
        kept.append(candidate)
    return kept


def carried_over(scene_user_image: str | None, old: SceneImage | None) -> list[ImageCandidate]:
    """After a pick the scene is served from its candidate, with no new search: its list stays as it was."""
    if old is None or scene_user_image is None:
        return []
    return list(old.candidates) if any(c.image_key == scene_user_image for c in old.candidates) else []


def pick_candidate(bucket: Bucket, doc_id: str, scene_index: int, number: int) -> ImageCandidate:
    """Candidate `number` (1-based, as `notes-pipeline script` lists them) of a scene in the last images drawn."""
    images = load_model(bucket, keys.manifest(doc_id, "scene_images"), ImagesManifest)
    if images is None:
        raise NoSuchCandidateError(
            f"{doc_id} has no pictures yet: --pick chooses among the pictures found when the "
            "scenes were drawn (approve and render first)"
        )
    scene = next((i for i in images.images if i.scene_index == scene_index), None)
    if scene is None or not scene.candidates:
        raise NoSuchCandidateError(
            f"scene {scene_index} of {doc_id} has no candidates to pick from (they are kept "
            "for documents with `review: true` whose pictures come from stock libraries)"
        )
    if not 1 <= number <= len(scene.candidates):
        raise NoSuchCandidateError(f"--pick {number}: scene {scene_index} has candidates 1-{len(scene.candidates)}")
    chosen = scene.candidates[number - 1]
    if bucket.stat(chosen.image_key) is None:
        raise NoSuchCandidateError(
            f"candidate {number} of scene {scene_index} is no longer in the bucket ({chosen.image_key})"
        )
    return chosen


def shown(image: SceneImage) -> int | None:
    """Which candidate (1-based) the scene shows now: the first whose source and credit are the scene's."""
    for number, candidate in enumerate(image.candidates, start=1):
        if (candidate.provider, candidate.source_url, candidate.attribution, candidate.clip_key is not None) == (
            image.provider,
            image.source_url,
            image.attribution,
            image.clip_key is not None,
        ):
            return number
    return None


def describe(candidate: ImageCandidate) -> str:
    kind = f"{candidate.visual_kind} {'clip' if candidate.clip_key else 'still'}"
    credit = ", ".join(x for x in (candidate.attribution, candidate.licence) if x)
    return f"{kind} from {candidate.provider}" + (f" ({credit})" if credit else "")


def candidates_markdown(images: Sequence[SceneImage]) -> str:
    """The candidates of every scene, for the Dagster UI: number, kind, provider, credit."""
    rows = [
        f"| {i.scene_index} | {n}{' (shown)' if n == shown(i) else ''} | {c.visual_kind}"
        f"{' clip' if c.clip_key else ''} | {c.provider} | {(c.attribution or '-').replace('|', '/')} | "
        f"{c.licence or '-'} |"
        for i in images
        for n, c in enumerate(i.candidates, start=1)
    ]
    if not rows:
        return ""
    return "\n".join(["| scene | pick | kind | provider | credit | licence |", "|---|---|---|---|---|---|", *rows])
