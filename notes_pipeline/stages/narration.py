"""Stage 'scene_narration': one voice clip per scene, concurrently, each reused when unchanged."""

from __future__ import annotations

import time
from collections.abc import Callable

from notes_pipeline.domain.models import NarrationClip, NarrationManifest, Scene, SceneWords, ScriptManifest
from notes_pipeline.providers.tts.base import Narrator
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.scenes import run_per_scene
from notes_pipeline.stages.script import load_script
from notes_pipeline.stages.tracking import SceneTracker, cached_or_claimed, provider_attempt
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, put_model
from notes_pipeline.store.cache import ObjectCache
from notes_pipeline.store.state import AssetRecord

CACHE_KIND = "audio"


def narrate_script(
    bucket: Bucket,
    script_manifest: ScriptManifest,
    narrator: Narrator,
    *,
    previous: NarrationManifest | None = None,
    workers: int = 4,
    on_scene: Callable[[Scene, NarrationClip], None] | None = None,
    tracker: SceneTracker | None = None,
) -> NarrationManifest:
    """Synthesise every scene whose text, language, voice or engine changed since `previous`.

    A clip made before for the same input hash, by any project, comes from the cache and
    costs no provider call.
    """
    script = load_script(bucket, script_manifest)
    doc_id, language, voice = script_manifest.doc_id, script.language, script_manifest.options.voice
    earlier = {c.scene_index: c for c in previous.clips} if previous else {}
    cache = ObjectCache(bucket)
    if tracker is not None:
        tracker.prepare([s.index for s in script.scenes])

    def narrate(scene: Scene) -> NarrationClip:
        wanted = input_hash(
            text=scene.narration,
            language=language,
            voice=voice,
            engine=narrator.identity(language=language, voice=voice),
        )
        variant = script_manifest.variant
        audio_key, words_key = (
            keys.scene_audio(doc_id, scene.index, variant),
            keys.scene_words(doc_id, scene.index, variant),
        )
        old = earlier.get(scene.index)
        # Only this variant's own files: another variant may rewrite its keys later.
        if (
            old
            and old.input_hash == wanted
            and old.audio_key == audio_key
            and bucket.stat(old.audio_key)
            and bucket.stat(old.words_key)
        ):
            return old.model_copy(update={"reused": True})

        def from_cache() -> NarrationClip | None:
            hit = cache.get(CACHE_KIND, wanted, NarrationClip, ("audio.wav", "words.json"))
            if hit is None:
                return None
            meta, files = hit
            bucket.put_bytes(audio_key, files["audio.wav"])
            bucket.put_bytes(words_key, files["words.json"])
            return meta.model_copy(
                update={"scene_index": scene.index, "audio_key": audio_key, "words_key": words_key, "reused": True}
            )

        if (reused := cached_or_claimed(tracker, scene.index, from_cache)) is not None:
            return reused
        started = time.perf_counter()
        with provider_attempt(tracker, scene.index):
            speech = narrator.synthesize(scene.narration, language=language, voice=voice)
        latency = time.perf_counter() - started
        bucket.put_bytes(audio_key, speech.wav)
        words = put_model(
            bucket,
            words_key,
            SceneWords(
                scene_index=scene.index,
                duration_s=speech.duration_s,
                words=speech.words,
                timings_estimated=speech.timings_estimated,
            ),
        )
        clip = NarrationClip(
            scene_index=scene.index,
            audio_key=audio_key,
            words_key=words_key,
            duration_s=speech.duration_s,
            sample_rate=speech.sample_rate,
            input_hash=wanted,
            provider=speech.provider,
            voice=speech.voice,
            timings_estimated=speech.timings_estimated,
            latency_s=round(latency, 4),
            attempts=speech.attempts,
            fallbacks=speech.fallbacks,
        )
        cache.put(CACHE_KIND, wanted, clip, {"audio.wav": speech.wav, "words.json": words})
        return clip

    def done(scene: Scene, clip: NarrationClip) -> None:
        if tracker is not None:
            tracker.succeeded(scene.index, clip_record(doc_id, clip, len(scene.narration)))
        if on_scene is not None:
            on_scene(scene, clip)

    clips = run_per_scene(
        narrate,
        script.scenes,
        what="narration",
        workers=workers,
        on_done=done,
        on_failed=tracker.failed_scene if tracker is not None else None,
    )
    return NarrationManifest(doc_id=doc_id, clips=clips)


def clip_record(doc_id: str, clip: NarrationClip, characters: int) -> AssetRecord:
    """The database row of one clip; a reused clip is billed nothing."""
    return AssetRecord(
        project_id=doc_id,
        asset_type="audio",
        object_key=clip.audio_key,
        sequence_number=clip.scene_index,
        content_hash=clip.input_hash,
        duration_ms=round(clip.duration_s * 1000),
        provider=clip.provider,
        provider_latency_ms=None if clip.reused else round(clip.latency_s * 1000),
        attempts=0 if clip.reused else clip.attempts,
        fallbacks=clip.fallbacks,
        cache_hit="exact" if clip.reused else "none",
        usage={} if clip.reused else {"characters": characters},
    )
