"""Stage 'scene_images': one picture per scene in one locked style, each reused when unchanged."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable
from functools import lru_cache

from PIL import Image

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import (
    FigureVisual,
    ImageRequest,
    ImagesManifest,
    Scene,
    SceneImage,
    ScriptManifest,
)
from notes_pipeline.domain.style import style_lock
from notes_pipeline.media.clips import ClipInfo, clip_bytes_info
from notes_pipeline.media.ffmpeg import MediaError
from notes_pipeline.providers.images.base import ImageResult, ImageSource
from notes_pipeline.stages.candidates import carried_over, store_candidates
from notes_pipeline.stages.figures import FigureError, FigureFetcher, figure_fetcher
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.scenes import run_per_scene
from notes_pipeline.stages.script import load_script
from notes_pipeline.stages.tracking import SceneTracker, cached_or_claimed, provider_attempt
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.cache import ObjectCache
from notes_pipeline.store.state import AssetRecord

CACHE_KIND = "images"
CLIP_FILE = "clip.mp4"
log = logging.getLogger(__name__)


def make_images(
    bucket: Bucket,
    script_manifest: ScriptManifest,
    source: ImageSource,
    *,
    previous: ImagesManifest | None = None,
    workers: int = 4,
    on_scene: Callable[[Scene, SceneImage], None] | None = None,
    tracker: SceneTracker | None = None,
    figures: FigureFetcher | None = None,
    review_candidates: int = 1,
) -> ImagesManifest:
    """Draw every scene whose request (scene, title, style, size) or image source changed.

    An image drawn before for the same request and source, by any project, comes from the
    cache and costs no provider call. With review (`review: true`) each scene keeps up to
    `review_candidates` pictures (the one shown first) for `notes-pipeline edit --pick`.
    """
    script = load_script(bucket, script_manifest)
    options = script_manifest.options
    width, height = options.frame_size
    style = style_lock(f"{script.title}|{options.style}", options.style, width, height)
    doc_id = script_manifest.doc_id
    earlier = {i.scene_index: i for i in previous.images} if previous else {}
    cache = ObjectCache(bucket)

    @lru_cache(maxsize=1)
    def fetcher() -> FigureFetcher:  # only documents with figures read source.json or open a client
        return figures or figure_fetcher(bucket, doc_id)

    def with_figure(request: ImageRequest) -> tuple[ImageRequest, str | None]:
        """The request carrying the scene's figure (bytes and sha256), or why there is none."""
        visual = request.scene.visual
        if not isinstance(visual, FigureVisual):
            return request, None
        try:
            data = fetcher().fetch(visual)
        except FigureError as err:
            log.warning("scene %d: %s; the scene falls back to its next picture", request.scene.index, err)
            return request, str(err)
        return request.model_copy(update={"figure": data, "figure_sha256": hashlib.sha256(data).hexdigest()}), None

    if tracker is not None:
        tracker.prepare([s.index for s in script.scenes])

    def draw(scene: Scene) -> SceneImage:
        request, figure_problem = with_figure(
            ImageRequest(
                scene=scene,
                title=script.title,
                scene_count=len(script.scenes),
                language=script.language,
                style=style,
                candidates=review_candidates if options.review and not scene.user_image else 1,
            )
        )
        wanted = input_hash(request=request, source=source.identity())
        key = keys.scene_image(doc_id, scene.index, script_manifest.variant)
        clip_key = keys.scene_clip(doc_id, scene.index, script_manifest.variant)
        old = earlier.get(scene.index)
        if (
            old
            and old.input_hash == wanted
            and old.image_key == key
            and bucket.stat(old.image_key)
            and (old.clip_key is None or (old.clip_key == clip_key and bucket.stat(old.clip_key)))
        ):
            return old.model_copy(update={"reused": True})

        def from_cache() -> SceneImage | None:
            hit = cache.get(CACHE_KIND, wanted, SceneImage, ("image.png",))
            if hit is None:
                return None
            meta, files = hit
            clip = None
            if meta.clip_key is not None:
                with_clip = cache.get(CACHE_KIND, wanted, SceneImage, (CLIP_FILE,))
                if with_clip is None:
                    return None  # the clip was collected: make the scene again
                clip = with_clip[1][CLIP_FILE]
                bucket.put_bytes(clip_key, clip)
            bucket.put_bytes(key, files["image.png"])
            # Another project's candidates live in its own folder: not offered here.
            candidates = [c for c in meta.candidates if c.image_key.startswith(keys.project_prefix(doc_id))]
            return meta.model_copy(
                update={
                    "scene_index": scene.index,
                    "image_key": key,
                    "reused": True,
                    "clip_key": clip_key if clip is not None else None,
                    "candidates": candidates,
                }
            )

        if (reused := cached_or_claimed(tracker, scene.index, from_cache)) is not None:
            return reused
        started = time.perf_counter()
        reporting = getattr(source, "render_with_report", None)  # a chain says who served and who failed
        with provider_attempt(tracker, scene.index):
            result = reporting(request) if reporting else ImageResult(png=source.render(request), provider=source.name)
        png = result.png
        latency = time.perf_counter() - started
        with Image.open(io.BytesIO(png)) as image:
            size = image.size
        if size != (width, height):
            raise PipelineError(f"{source.name} returned a {size[0]}x{size[1]} image, expected {width}x{height}")
        clip_s = None
        if result.clip is not None:
            clip_s = round(_checked_clip(result.clip, doc_id, scene.index, result.provider).duration_s, 3)
            bucket.put_bytes(clip_key, result.clip)
        bucket.put_bytes(key, png)
        found = [result, *result.alternatives][: request.candidates]
        if len(found) > 1:  # a single picture (a slide, an AI image) offers nothing to choose from
            candidates = store_candidates(bucket, doc_id, found)
        else:
            candidates = carried_over(scene.user_image, old)
        image = SceneImage(
            scene_index=scene.index,
            image_key=key,
            width=width,
            height=height,
            input_hash=wanted,
            provider=result.provider,
            latency_s=round(latency, 4),
            attempts=result.attempts,
            fallbacks=result.fallbacks,
            source_url=result.source_url,
            attribution=result.attribution,
            visual_kind=result.visual_kind,
            licence=result.licence,
            figure_problem=figure_problem,
            candidates=candidates,
            clip_key=clip_key if result.clip is not None else None,
            clip_s=clip_s,
        )
        files = {"image.png": png, **({CLIP_FILE: result.clip} if result.clip is not None else {})}
        cache.put(CACHE_KIND, wanted, image, files)
        return image

    def done(scene: Scene, image: SceneImage) -> None:
        if tracker is not None:
            tracker.succeeded(scene.index, image_record(doc_id, image))
        if on_scene is not None:
            on_scene(scene, image)

    images = run_per_scene(
        draw,
        script.scenes,
        what="images",
        workers=workers,
        on_done=done,
        on_failed=tracker.failed_scene if tracker is not None else None,
    )
    return ImagesManifest(doc_id=doc_id, style=style, images=images)


def _checked_clip(clip: bytes, doc_id: str, scene_index: int, provider: str) -> ClipInfo:
    """A provider's clip must be a video that decodes; anything else fails the scene with its cause."""
    try:
        return clip_bytes_info(clip, name=f"from {provider}")
    except MediaError as err:
        raise PipelineError(f"{doc_id} scene {scene_index}: {provider} returned an unusable clip: {err}") from None


def billed_usage(image: SceneImage) -> dict[str, float]:
    """What a new picture costs in the provider's units: generated clips by the second, the rest by the picture."""
    if image.clip_key is not None and image.visual_kind == "generated" and image.clip_s:
        return {"video_seconds": image.clip_s}
    return {"images": 1}


def image_record(doc_id: str, image: SceneImage) -> AssetRecord:
    """The database row of one scene image; a reused image is billed nothing."""
    return AssetRecord(
        project_id=doc_id,
        asset_type="image",
        object_key=image.image_key,
        sequence_number=image.scene_index,
        content_hash=image.input_hash,
        provider=image.provider,
        provider_latency_ms=None if image.reused else round(image.latency_s * 1000),
        attempts=0 if image.reused else image.attempts,
        fallbacks=image.fallbacks,
        cache_hit="exact" if image.reused else "none",
        usage={} if image.reused else billed_usage(image),
    )
