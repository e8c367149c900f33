"""Stage 'final_video': compose narration and images into the MP4, subtitles, thumbnail and provenance."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import (
    ImagesManifest,
    NarrationManifest,
    Provenance,
    SceneImage,
    SceneProvenance,
    SceneWords,
    Script,
    ScriptManifest,
    VideoRender,
)
from notes_pipeline.domain.policy import PolicyName, policy_for
from notes_pipeline.media.composer import AMBIENT, RenderSpec, SceneMedia, compose_video
from notes_pipeline.media.credentials import (
    SIGNED,
    CredentialsError,
    Ingredient,
    SigningKeys,
    keys_from_env,
    sign_or_explain,
)
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.scratch import scratch_dir
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, ObjectInfo, load_model, put_model

# Bump when the composer's output changes for the same inputs, so old renders are not reused.
RENDER_VERSION = "2"
MUSIC_PREFIX = "music/"


def music_key(music: str) -> str | None:
    """Where a user's music file lives in the bucket ('music/<name>'); None for 'none' and 'ambient'."""
    return None if music in ("none", AMBIENT) else keys.validate_key(MUSIC_PREFIX + music)


def render_id_for(
    script: ScriptManifest, narration: NarrationManifest, images: ImagesManifest, music_etag: str | None = None
) -> str:
    """Readable and content-addressed: '720p-16x9-en-1a2b3c4d'. Same inputs, same id, same video."""
    options = script.options
    digest = input_hash(
        script=script.script_hash,
        clips=[(c.input_hash, c.duration_s) for c in narration.clips],
        images=[i.input_hash for i in images.images],
        options=options,
        music=music_etag,
        renderer=RENDER_VERSION,
    )
    aspect = options.aspect_ratio.value.replace(":", "x")
    return f"{options.resolution}p-{aspect}-{script.language}-{digest[:8]}"


def _local(bucket: Bucket, key: str, work: Path) -> Path:
    """Read objects in place when the bucket is a folder; download them otherwise."""
    path = bucket.local_path(key)
    if path is not None and path.is_file():
        return path
    return bucket.download(key, work / key.replace("/", "_"))


def render_video(
    bucket: Bucket,
    manifest: ScriptManifest,
    script: Script,
    narration: NarrationManifest,
    images: ImagesManifest,
    *,
    scratch_root: Path | None = None,
    exclusive: Callable[[str], AbstractContextManager[object]] = lambda render_id: nullcontext(),
    signing_keys: Callable[[], SigningKeys | None] = keys_from_env,
) -> VideoRender:
    """Compose the render, or reuse it when it exists. `exclusive(render_id)` is held while rendering so
    that of two processes asked for the same render one makes it and the other reuses it. The MP4 is
    signed with C2PA Content Credentials when `signing_keys()` gives keys (by default: the environment's).
    `script` is the manifest's script, loaded once by the caller and passed down."""
    doc_id = manifest.doc_id
    options = manifest.options
    user_music = music_key(options.music)
    music_info = bucket.stat(user_music) if user_music else None
    if user_music and music_info is None:
        raise BadInputError(f"the music file '{options.music}' was not found: put it in the bucket at {user_music}")
    render_id = render_id_for(manifest, narration, images, _music_version(music_info))
    manifest_key = keys.render_file(doc_id, render_id, "render.json")
    with exclusive(render_id):
        existing = load_model(bucket, manifest_key, VideoRender)
        if existing is not None and bucket.stat(existing.video_key):
            return existing.model_copy(update={"reused": True})
        return _compose(
            bucket,
            manifest,
            script,
            narration,
            images,
            render_id,
            manifest_key,
            scratch_root=scratch_root,
            signing_keys=signing_keys,
        )


def _compose(
    bucket: Bucket,
    manifest: ScriptManifest,
    script: Script,
    narration: NarrationManifest,
    images: ImagesManifest,
    render_id: str,
    manifest_key: str,
    *,
    scratch_root: Path | None,
    signing_keys: Callable[[], SigningKeys | None],
) -> VideoRender:
    doc_id = manifest.doc_id
    options = manifest.options
    user_music = music_key(options.music)
    width, height = options.frame_size
    started = time.perf_counter()
    with scratch_dir(f"{doc_id}-{render_id}", scratch_root) as work:
        images_by_scene = {i.scene_index: i for i in images.images}
        headings = {s.index: s.heading for s in script.scenes}
        scenes = []
        for clip in narration.clips:
            words = SceneWords.model_validate_json(bucket.get_bytes(clip.words_key))
            picture = images_by_scene[clip.scene_index]
            scenes.append(
                SceneMedia(
                    image_path=_local(bucket, picture.image_key, work),
                    clip_path=_local(bucket, picture.clip_key, work) if picture.clip_key else None,
                    audio_path=_local(bucket, clip.audio_key, work),
                    duration_s=clip.duration_s,
                    words=words.words,
                    heading=headings.get(clip.scene_index, ""),
                )
            )
        music: Path | str | None = None
        if options.music == AMBIENT:
            music = AMBIENT
        elif user_music:
            music = _local(bucket, user_music, work)
        spec = RenderSpec(
            width=width,
            height=height,
            fps=options.fps,
            language=manifest.language,
            quality=options.quality,
            heading_overlay=options.heading_overlay,
            music=music,
        )
        composed = compose_video(scenes, spec, work / "render")
        file_key = {
            name: keys.render_file(doc_id, render_id, name)
            for name in ("video.mp4", "subtitles.srt", "subtitles.vtt", "thumbnail.jpg", "provenance.json")
        }
        provenance = _provenance(bucket, manifest, script, narration, images, render_id).model_copy(
            update={
                "music": options.music,
                "render_degraded": composed.degraded,
                "fallback_reason": composed.fallback_reason,
            }
        )
        signed = work / "video.signed.mp4"
        credentials = _credentials(
            bucket, composed.video_path, signed, provenance, script.title, images, work, signing_keys
        )
        final = signed if credentials == SIGNED else composed.video_path
        provenance = provenance.model_copy(update={"content_credentials": credentials})
        bucket.put_file(file_key["video.mp4"], final)
        bucket.put_file(file_key["subtitles.srt"], composed.srt_path)
        bucket.put_file(file_key["subtitles.vtt"], composed.vtt_path)
        bucket.put_file(file_key["thumbnail.jpg"], composed.thumbnail_path)
        size = final.stat().st_size
    render_s = time.perf_counter() - started

    put_model(bucket, file_key["provenance.json"], provenance)
    render = VideoRender(
        doc_id=doc_id,
        render_id=render_id,
        video_key=file_key["video.mp4"],
        srt_key=file_key["subtitles.srt"],
        vtt_key=file_key["subtitles.vtt"],
        thumbnail_key=file_key["thumbnail.jpg"],
        manifest_key=manifest_key,
        width=width,
        height=height,
        fps=spec.fps,
        duration_s=round(composed.duration_s, 3),
        scene_starts_s=[round(s, 3) for s in composed.scene_starts_s],
        bytes=size,
        render_s=round(render_s, 3),
        quality=options.quality,
        music=options.music,
        degraded=composed.degraded,
        fallback_reason=composed.fallback_reason,
        content_credentials=credentials,
    )
    put_model(bucket, manifest_key, render)
    return render


def _credentials(
    bucket: Bucket,
    video: Path,
    dest: Path,
    provenance: Provenance,
    title: str,
    images: ImagesManifest,
    work: Path,
    signing_keys: Callable[[], SigningKeys | None],
) -> str:
    """Sign the final MP4 into `dest` with each scene's picture or clip as an ingredient; 'signed', or why not."""
    try:
        found = signing_keys()
    except CredentialsError as err:
        found, problem = None, f"unsigned: {err}"
    else:
        problem = None
    ingredients = []
    if found is not None:
        by_scene = {s.scene_index: s for s in provenance.scenes}
        for image in images.images:
            key = image.clip_key or image.image_key
            ingredients.append(
                Ingredient(
                    by_scene[image.scene_index],
                    _local(bucket, key, work),
                    "video/mp4" if image.clip_key else "image/png",
                )
            )
    outcome = sign_or_explain(video, dest, found, provenance, title, ingredients)
    return problem or outcome


def _music_version(info: ObjectInfo | None) -> str | None:
    """Size and modification time of the user's music file: a replaced file makes a new render."""
    return None if info is None else f"{info.size}:{info.modified_ns}"


def _provenance(
    bucket: Bucket,
    manifest: ScriptManifest,
    script: Script,
    narration: NarrationManifest,
    images: ImagesManifest,
    render_id: str,
) -> Provenance:
    source = load_source_record(bucket, manifest.doc_id)
    voices = sorted({f"{c.provider}:{c.voice}" for c in narration.clips})
    pictures = sorted({i.provider for i in images.images})
    scene_policies = {s.index: policy_for(s) for s in script.scenes}
    return Provenance(
        doc_id=manifest.doc_id,
        render_id=render_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        disclosure=(
            "AI-generated: this video was made automatically from written notes. "
            f"Script by {manifest.writer}; synthetic voice ({', '.join(voices)}); pictures by {', '.join(pictures)}."
        ),
        source_name=source.source_name,
        source_sha256=source.content_hash,
        script_sha256=manifest.script_hash,
        script_writer=manifest.writer,
        narration_providers=voices,
        image_providers=pictures,
        software={name: version(name) for name in ("notes_pipeline", "dagster", "imageio-ffmpeg", "pillow")},
        scenes=[scene_provenance(image, scene_policies.get(image.scene_index, "standard")) for image in images.images],
    )


def scene_provenance(image: SceneImage, policy: PolicyName = "standard") -> SceneProvenance:
    """One scene's line of provenance: only generated pictures and clips count as AI-made."""
    return SceneProvenance(
        scene_index=image.scene_index,
        provider=image.provider,
        visual_kind=image.visual_kind,
        ai_generated=image.visual_kind == "generated",
        clip=image.clip_key is not None,
        source_url=image.source_url,
        attribution=image.attribution,
        licence=image.licence,
        policy=policy,
    )
