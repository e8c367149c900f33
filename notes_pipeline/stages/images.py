"""Stage 'scene_images': one picture per scene in one locked style, each reused when unchanged."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from PIL import Image

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import ImageRequest, ImagesManifest, Scene, SceneImage, ScriptManifest
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.images.base import ImageResult, ImageSource
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.scenes import run_per_scene
from notes_pipeline.stages.script import load_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket


def make_images(
    bucket: Bucket,
    script_manifest: ScriptManifest,
    source: ImageSource,
    *,
    previous: ImagesManifest | None = None,
    workers: int = 4,
    on_scene: Callable[[Scene, SceneImage], None] | None = None,
) -> ImagesManifest:
    """Draw every scene whose request (scene, title, style, size) or image source changed."""
    script = load_script(bucket, script_manifest)
    options = script_manifest.options
    width, height = options.frame_size
    style = style_lock(f"{script.title}|{options.style}", options.style, width, height)
    doc_id = script_manifest.doc_id
    earlier = {i.scene_index: i for i in previous.images} if previous else {}

    def draw(scene: Scene) -> SceneImage:
        request = ImageRequest(scene=scene, title=script.title, scene_count=len(script.scenes),
                               language=script.language, style=style)
        wanted = input_hash(request=request, source=source.identity())
        old = earlier.get(scene.index)
        if old and old.input_hash == wanted and bucket.stat(old.image_key):
            return old.model_copy(update={"reused": True})
        started = time.perf_counter()
        reporting = getattr(source, "render_with_report", None)  # a chain says who served and who failed
        result = reporting(request) if reporting else ImageResult(png=source.render(request), provider=source.name)
        png = result.png
        latency = time.perf_counter() - started
        with Image.open(io.BytesIO(png)) as image:
            size = image.size
        if size != (width, height):
            raise PipelineError(f"{source.name} returned a {size[0]}x{size[1]} image, expected {width}x{height}")
        key = keys.scene_image(doc_id, scene.index)
        bucket.put_bytes(key, png)
        return SceneImage(scene_index=scene.index, image_key=key, width=width, height=height,
                          input_hash=wanted, provider=result.provider, latency_s=round(latency, 4),
                          attempts=result.attempts, fallbacks=result.fallbacks, source_url=result.source_url,
                          attribution=result.attribution)

    images = run_per_scene(draw, script.scenes, what="images", workers=workers, on_done=on_scene)
    return ImagesManifest(doc_id=doc_id, style=style, images=images)
