"""Stage 'scene_narration': one voice clip per scene, concurrently, each reused when unchanged."""

from __future__ import annotations

import time
from collections.abc import Callable

from notes_pipeline.domain.models import NarrationClip, NarrationManifest, Scene, SceneWords, ScriptManifest
from notes_pipeline.providers.tts.base import Narrator
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.scenes import run_per_scene
from notes_pipeline.stages.script import load_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, put_model


def narrate_script(
    bucket: Bucket,
    script_manifest: ScriptManifest,
    narrator: Narrator,
    *,
    previous: NarrationManifest | None = None,
    workers: int = 4,
    on_scene: Callable[[Scene, NarrationClip], None] | None = None,
) -> NarrationManifest:
    """Synthesise every scene whose text, language, voice or engine changed since `previous`."""
    script = load_script(bucket, script_manifest)
    doc_id, language, voice = script_manifest.doc_id, script.language, script_manifest.options.voice
    earlier = {c.scene_index: c for c in previous.clips} if previous else {}

    def narrate(scene: Scene) -> NarrationClip:
        wanted = input_hash(text=scene.narration, language=language, voice=voice,
                            engine=narrator.identity(language=language, voice=voice))
        old = earlier.get(scene.index)
        if old and old.input_hash == wanted and bucket.stat(old.audio_key) and bucket.stat(old.words_key):
            return old.model_copy(update={"reused": True})
        started = time.perf_counter()
        speech = narrator.synthesize(scene.narration, language=language, voice=voice)
        latency = time.perf_counter() - started
        audio_key, words_key = keys.scene_audio(doc_id, scene.index), keys.scene_words(doc_id, scene.index)
        bucket.put_bytes(audio_key, speech.wav)
        put_model(bucket, words_key, SceneWords(scene_index=scene.index, duration_s=speech.duration_s,
                                                words=speech.words, timings_estimated=speech.timings_estimated))
        return NarrationClip(
            scene_index=scene.index, audio_key=audio_key, words_key=words_key, duration_s=speech.duration_s,
            sample_rate=speech.sample_rate, input_hash=wanted, provider=speech.provider, voice=speech.voice,
            timings_estimated=speech.timings_estimated, latency_s=round(latency, 4),
            attempts=speech.attempts, fallbacks=speech.fallbacks,
        )

    clips = run_per_scene(narrate, script.scenes, what="narration", workers=workers, on_done=on_scene)
    return NarrationManifest(doc_id=doc_id, clips=clips)
