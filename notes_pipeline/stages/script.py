"""Stage 'video_script': the registered notes become a validated script.json."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.errors import BadInputError, PipelineError
from notes_pipeline.domain.material import attach_material, visual_label
from notes_pipeline.domain.models import (
    NotesDocument,
    Publishing,
    Script,
    ScriptAttempt,
    ScriptManifest,
    SourceRecord,
)
from notes_pipeline.domain.request_options import with_requested_options
from notes_pipeline.providers.llm.base import ScriptWriter
from notes_pipeline.providers.llm.chain import ScriptWriterChain
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, ObjectNotFoundError, put_model


def load_source_record(bucket: Bucket, doc_id: str) -> SourceRecord:
    try:
        return SourceRecord.model_validate_json(bucket.get_bytes(keys.source_record(doc_id)))
    except ObjectNotFoundError:
        raise BadInputError(
            "no registered notes for this document (projects/<doc>/source.json is missing); "
            "drop the file into the inbox so the sensor registers it"
        ) from None


def load_document(bucket: Bucket, doc_id: str, *, max_bytes: int) -> NotesDocument:
    """The registered notes parsed, with the options they ask for: video_script parses them once and passes them on."""
    record = load_source_record(bucket, doc_id)
    if record.copy_key is None or record.size_bytes > max_bytes:
        raise BadInputError(
            f"'{record.source_name}' is {record.size_bytes / 1_000_000:.1f} MB, over the limit of "
            f"{max_bytes / 1_000_000:.1f} MB (setting max_notes_bytes); split the notes into several documents"
        )
    data = bucket.get_bytes(record.copy_key)
    return with_requested_options(parse_document(doc_id, record.source_name, data, max_bytes=max_bytes))


def load_script(bucket: Bucket, manifest: ScriptManifest) -> Script:
    try:
        return Script.model_validate_json(bucket.get_bytes(manifest.script_key))
    except ObjectNotFoundError:
        raise PipelineError(f"{manifest.script_key} is missing: re-materialise video_script") from None
    except ValidationError as err:
        raise BadInputError(
            f"{manifest.script_key} is not a valid script: {err.error_count()} problems, first: "
            f"{err.errors()[0]['msg']}"
        ) from None


def write_script(bucket: Bucket, document: NotesDocument, writer: ScriptWriter) -> tuple[ScriptManifest, Script]:
    """The writer (a chain, or one writer taken as a chain of one) writes; its attempts go into the manifest.

    The notes' own material is put on the scenes here, so every writer's script shows it."""
    doc_id = document.doc_id
    chain = writer if isinstance(writer, ScriptWriterChain) else ScriptWriterChain([writer])
    script, attempts = chain.write_recorded(document)
    script = attach_material(script, document)  # the notes' figures, code, tables and formulas, whoever wrote
    key = keys.script(doc_id)
    data = put_model(bucket, key, script)
    manifest = ScriptManifest(
        doc_id=doc_id,
        script_key=key,
        script_hash=hashlib.sha256(data).hexdigest(),
        source_hash=document.content_hash,
        language=script.language,
        scene_count=len(script.scenes),
        word_count=script.word_count,
        writer=script.writer,
        options=document.options,
        attempts=attempts,
        publishing=Publishing.asked_by(document),
    )
    return manifest, script


def script_markdown(script: Script) -> str:
    """A readable preview for the Dagster UI."""
    lines = [f"# {script.title}", "", script.summary, ""]
    if script.objectives:
        lines += ["**Objectives**", *[f"- {o}" for o in script.objectives], ""]
    for scene in script.scenes:
        lines += [f"### {scene.index}. {scene.heading}", "", scene.narration, ""]
        lines += [f"- {b}" for b in scene.bullets]
        if scene.visual is not None:
            lines.append(f"*Shows the notes' {visual_label(scene.visual)}*")
        lines.append("")
    return "\n".join(lines)


def attempts_markdown(attempts: list[ScriptAttempt]) -> str:
    """How the script came to be, for the Dagster UI: one row per writer attempt."""
    rows = [
        f"| {a.writer} | {a.model or ''} | {a.step} | {a.outcome} | {a.calls} | {a.latency_s:.2f} | "
        f"{(a.prompt_tokens or 0) + (a.output_tokens or 0)} | {'; '.join(a.problems)[:160].replace('|', '/')} |"
        for a in attempts
    ]
    return "\n".join(
        [
            "| writer | model | step | outcome | calls | seconds | tokens | problems |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
