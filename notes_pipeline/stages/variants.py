"""A render variant of an approved script: its language, format, resolution and voice.

Another language needs a script in that language. A writer that can translate (Gemini)
is given the approved script as notes and writes it in the target language; the result is
cached by the script's hash, so a second render of the same variant pays nothing. The
offline writer copies sentences from the notes and cannot translate: the script keeps its
words and is spoken with the requested language's voice, and the result says so.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.models import NotesDocument, RenderOptions, Script, ScriptAttempt, ScriptManifest
from notes_pipeline.domain.variants import RenderVariant
from notes_pipeline.providers.llm.base import ScriptWriter
from notes_pipeline.providers.llm.chain import ScriptWriterChain
from notes_pipeline.providers.llm.prompts import language_name
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.stages.script import load_script
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, put_model
from notes_pipeline.store.cache import ObjectCache

log = logging.getLogger(__name__)
CACHE_KIND = "translations"
OFFLINE_WRITERS = frozenset({"local"})


@dataclass
class VariantScript:
    manifest: ScriptManifest
    translated: bool | None = None  # None: same language as the script
    notes: list[str] = field(default_factory=list)  # what a person should know about this render


def translator_of(writer: ScriptWriter) -> ScriptWriterChain | None:
    """The writers of `writer` that can translate (every configured one but the offline writer), or None."""
    writers = writer.writers if isinstance(writer, ScriptWriterChain) else [writer]
    able = [w for w in writers if w.name not in OFFLINE_WRITERS]
    return ScriptWriterChain(able) if able else None


def cannot_translate_note(source: str, target: str) -> str:
    return (
        f"the offline script writer cannot translate: the narration stays in {language_name(source)} and is "
        f"spoken with the {language_name(target)} voice (set GEMINI_API_KEY to have the script translated)"
    )


def script_as_notes(script: Script) -> str:
    """The approved script as markdown notes, the shape a script writer reads."""
    lines = [f"# {script.title}", "", script.summary, ""]
    for scene in script.scenes:
        lines += [f"## {scene.heading}", "", scene.narration, "", *[f"- {b}" for b in scene.bullets], ""]
    return "\n".join(lines)


def _translate(
    bucket: Bucket,
    script: Script,
    manifest: ScriptManifest,
    options: RenderOptions,
    target: str,
    translator: ScriptWriterChain,
) -> tuple[Script, list[ScriptAttempt]]:
    digest = input_hash(script=manifest.script_hash, language=target, options=options, writer=translator.name)
    cache = ObjectCache(bucket)
    hit = cache.get(CACHE_KIND, digest, Script, ())
    if hit is not None:
        return hit[0], []
    document = NotesDocument(
        doc_id=manifest.doc_id,
        source_name=f"script.v{manifest.version or 0}.md",
        content_hash=manifest.script_hash,
        text=script_as_notes(script),
        language=target,
        options=options,
        kind="notes",
    )
    translated, attempts = translator.write_recorded(document)
    # The person's pictures stay with their scenes when the translation keeps the scene count.
    if len(translated.scenes) == len(script.scenes):
        translated = translated.model_copy(
            update={
                "scenes": [
                    t.model_copy(update={"user_image": s.user_image}) for t, s in zip(translated.scenes, script.scenes)
                ]
            }
        )
    cache.put(CACHE_KIND, digest, translated, {})
    return translated, attempts


def apply_variant(
    bucket: Bucket, manifest: ScriptManifest, variant: RenderVariant, *, writer: ScriptWriter
) -> VariantScript:
    """The manifest to render for `variant`: unchanged for the document's own render, else a variant script."""
    if variant.is_empty():
        return VariantScript(manifest)
    script = load_script(bucket, manifest)
    try:
        options, target = variant.apply(manifest.options, script.language)
        variant_id = variant.variant_id(manifest.options, script.language)
    except ValueError as err:
        raise BadInputError(f"the render variant is not valid: {err}") from None
    if variant_id is None:
        return VariantScript(manifest)

    result = VariantScript(manifest)
    attempts = list(manifest.attempts)
    if target != script.language:
        translator = translator_of(writer)
        if translator is None:
            result.translated = False
            result.notes.append(cannot_translate_note(script.language, target))
            script = script.model_copy(update={"language": target})
        else:
            try:
                script, tried = _translate(bucket, script, manifest, options, target, translator)
                attempts += tried
                result.translated = True
            except PipelineError as err:
                # A render in the requested voice beats no render: say plainly that it is not translated.
                log.warning("translating %s to %s failed: %s", manifest.doc_id, target, err)
                result.translated = False
                result.notes.append(
                    f"the translation failed ({err.cause}); the narration stays in "
                    f"{language_name(script.language)}, spoken with the {language_name(target)} voice"
                )
                script = script.model_copy(update={"language": target})
    key = keys.variant_script(manifest.doc_id, variant_id, manifest.version or 0)
    data = put_model(bucket, key, script)
    result.manifest = manifest.model_copy(
        update={
            "script_key": key,
            "script_hash": hashlib.sha256(data).hexdigest(),
            "language": script.language,
            "scene_count": len(script.scenes),
            "word_count": script.word_count,
            "writer": script.writer,
            "options": options,
            "variant": variant_id,
            "attempts": attempts,
        }
    )
    return result
