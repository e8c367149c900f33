"""Render variants of an approved script: translated by a writer that can (the real Gemini client against a
stub), or spoken as they are with the requested voice when only the offline writer is there."""

from __future__ import annotations

import hashlib

import pytest

from notes_pipeline.domain.models import AspectRatio, RenderOptions, Scene, Script, ScriptManifest
from notes_pipeline.domain.variants import RenderVariant
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.llm.chain import ScriptWriterChain
from notes_pipeline.providers.llm.gemini import GeminiScriptWriter
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.stages.variants import apply_variant
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import LocalBucket, load_model, put_model
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.gemini import gemini_handler, script_json, texts_of

DOC = "tides-0123456789"
APPROVED = Script(
    title="Tides",
    summary="Why the sea rises and falls twice a day.",
    language="en",
    writer="local+edited",
    scenes=[
        Scene(
            index=1,
            heading="Tides",
            narration="The sea rises and falls twice every day, about 12 hours apart.",
            image_prompt="clean title card: tides",
        ),
        Scene(
            index=2,
            heading="The moon pulls",
            narration="The moon pulls the oceans; a bulge forms 2 times a day.",
            image_prompt="clean illustration: the moon pulls",
            user_image=f"projects/{DOC}/uploads/{'a' * 64}.png",
        ),
        Scene(
            index=3,
            heading="Spring tides",
            narration="With the sun in line, 3 bodies pull together for big tides.",
            image_prompt="clean illustration: spring tides",
        ),
    ],
)
HINDI = script_json(
    "ज्वार",
    [
        ("ज्वार", "समुद्र हर दिन दो बार चढ़ता और उतरता है, लगभग 12 घंटे के अंतर पर।"),
        ("चंद्रमा का खिंचाव", "चंद्रमा महासागरों को खींचता है; दिन में 2 बार उभार बनता है।"),
        ("बड़े ज्वार", "सूर्य के एक सीध में होने पर 3 पिंड मिलकर बड़े ज्वार बनाते हैं।"),
    ],
)


@pytest.fixture(autouse=True)
def fresh_breakers():
    reset_circuit_breakers()
    yield
    reset_circuit_breakers()


@pytest.fixture
def approved(tmp_path):
    bucket = LocalBucket(tmp_path / "bucket")
    data = put_model(bucket, keys.script_version(DOC, 2), APPROVED)
    manifest = ScriptManifest(
        doc_id=DOC,
        script_key=keys.script_version(DOC, 2),
        script_hash=hashlib.sha256(data).hexdigest(),
        source_hash="0" * 64,
        language="en",
        scene_count=3,
        word_count=APPROVED.word_count,
        writer=APPROVED.writer,
        options=RenderOptions(resolution=480),
        version=2,
    )
    return bucket, manifest


def _gemini(stub: StubServer) -> ScriptWriterChain:
    config = load_config().script.gemini.model_copy(update={"base_url": stub.url, "timeout_s": 2})
    gemini = GeminiScriptWriter(config, api_key="test-key", http=HttpConfig(max_attempts=1), sleep=lambda s: None)
    return ScriptWriterChain([gemini, LocalScriptWriter()])


def test_the_documents_own_render_is_the_approved_manifest(approved):
    bucket, manifest = approved
    assert apply_variant(bucket, manifest, RenderVariant(), writer=LocalScriptWriter()).manifest is manifest
    same = RenderVariant(language="en", resolution=480, aspect_ratio=AspectRatio.WIDESCREEN)
    assert apply_variant(bucket, manifest, same, writer=LocalScriptWriter()).manifest is manifest


def test_gemini_translates_the_approved_script_once(approved):
    bucket, manifest = approved
    with StubServer(gemini_handler(HINDI)) as stub:
        first = apply_variant(
            bucket, manifest, RenderVariant(language="hi", aspect_ratio=AspectRatio.VERTICAL), writer=_gemini(stub)
        )
        again = apply_variant(
            bucket, manifest, RenderVariant(language="hi", aspect_ratio=AspectRatio.VERTICAL), writer=_gemini(stub)
        )
        (request,) = stub.requests  # the second render of the variant pays nothing
    sent = "\n".join(texts_of(request))
    assert "a bulge forms 2 times a day" in sent and "Hindi" in sent  # the approved (edited) words, to Hindi
    assert first.translated is True and first.notes == []
    out = first.manifest
    assert (out.variant, out.language, out.options.frame_size, out.version) == ("hi-9x16-480p", "hi", (480, 854), 2)
    assert out.script_key == keys.variant_script(DOC, "hi-9x16-480p", 2)
    script = load_model(bucket, out.script_key, Script)
    assert script.language == "hi" and script.scenes[1].narration.startswith("चंद्रमा")
    assert script.scenes[1].user_image == APPROVED.scenes[1].user_image  # the person's picture stays
    assert again.manifest.script_hash == out.script_hash
    assert [a.writer for a in out.attempts] == ["gemini"]


def test_without_a_translating_writer_the_words_stay_and_the_voice_changes(approved):
    bucket, manifest = approved
    result = apply_variant(bucket, manifest, RenderVariant(language="hi"), writer=LocalScriptWriter())
    assert result.translated is False
    (note,) = result.notes
    assert "cannot translate" in note and "English" in note and "Hindi" in note
    script = load_model(bucket, result.manifest.script_key, Script)
    assert script.language == "hi" and script.scenes == APPROVED.scenes
    assert result.manifest.variant == "hi-16x9-480p"


def test_a_failing_translation_degrades_to_the_untranslated_script(approved):
    bucket, manifest = approved
    with StubServer(lambda request: Reply.error(500)) as stub:
        result = apply_variant(bucket, manifest, RenderVariant(language="hi"), writer=_gemini(stub))
    assert result.translated is False and "the translation failed" in result.notes[0]
    assert load_model(bucket, result.manifest.script_key, Script).scenes == APPROVED.scenes
