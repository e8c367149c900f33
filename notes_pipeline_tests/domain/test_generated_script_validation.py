"""The stricter rules for scripts a model wrote: paraphrase, translation, prompts, length, visuals."""

from notes_pipeline.domain.models import Scene, Script
from notes_pipeline.domain.script_validation import validate_script

NOTES = (
    "Volcanoes form where magma rises through the crust. Eruptions release lava, ash and gases. "
    "Magma chambers sit 5 to 10 km deep; the 1980 eruption of Mount St Helens removed 400 m of its summit."
)


def _script(*narrations: str, language: str = "en", visuals: bool = True, title: str = "Volcanoes") -> Script:
    scenes = [
        Scene(
            index=i, heading=f"Part {i}", narration=n, bullets=[], image_prompt="a volcano at dusk" if visuals else None
        )
        for i, n in enumerate(narrations, 1)
    ]
    return Script(title=title, summary="About volcanoes.", language=language, scenes=scenes, writer="gemini:test")


PARAPHRASE = (
    "Deep below our feet, molten magma pushes upward until volcanoes are born.",
    "When pressure builds, eruptions throw out glowing lava, clouds of ash and hot gases.",
    "Some chambers of magma hide several kilometres down, feeding every new eruption.",
)


def test_a_paraphrase_that_names_the_main_subjects_passes_only_as_generated():
    script = _script(*PARAPHRASE)
    assert any("not about the notes" in p for p in validate_script(script, NOTES))
    assert validate_script(script, NOTES, generated=True, source_language="en") == []


def test_generated_scripts_need_visuals_and_speakable_scenes():
    problems = validate_script(
        _script(PARAPHRASE[0], "Magma rises.", PARAPHRASE[2], visuals=False),
        NOTES,
        generated=True,
        source_language="en",
    )
    assert any("scene 2 narration is under 4 words" in p for p in problems)
    assert sum("neither an image_prompt nor a search_query" in p for p in problems) == 3


def test_a_translation_must_be_in_the_target_script_and_keep_the_numbers():
    hindi = _script(
        "ज्वालामुखी वहाँ बनते हैं जहाँ मैग्मा ऊपर उठता है।",
        "मैग्मा कक्ष ५ से 10 किलोमीटर नीचे होते हैं।",
        "1980 के विस्फोट ने शिखर का 400 मीटर हिस्सा हटा दिया।",
        language="hi",
    )
    assert validate_script(hindi, NOTES, generated=True, source_language="en") == []
    untranslated = _script(*PARAPHRASE, language="hi")
    assert any(
        "not written in 'hi'" in p for p in validate_script(untranslated, NOTES, generated=True, source_language="en")
    )
    lost = _script(
        "ज्वालामुखी वहाँ बनते हैं जहाँ मैग्मा ऊपर उठता है।", "विस्फोट से लावा निकलता है।", "राख और गैसें भी निकलती हैं।", language="hi"
    )
    assert any("not a translation" in p for p in validate_script(lost, NOTES, generated=True, source_language="en"))


def test_a_prompt_script_must_be_about_the_request_and_of_the_promised_length():
    prompt = "Create a 30-sec ad for a coffee brand."
    ad = _script(
        "Mornings start slow, until the first sip of our dark roast coffee wakes you up.",
        "Every bean is picked by hand and roasted the same day for a richer cup.",
        "Brew it your way, share it with friends, and taste why our brand is loved.",
        title="Wake up",
    )
    assert validate_script(ad, prompt, generated=True, source_language="en", is_prompt=True, target_words=45) == []
    tea = _script(
        "Green tea leaves are steamed gently to keep their fresh colour and taste.",
        "Pour water below boiling and wait three minutes for the best cup ever.",
        "Share a pot with friends in the afternoon and enjoy the calm it brings.",
    )
    assert any(
        "not about the request" in p
        for p in validate_script(tea, prompt, generated=True, source_language="en", is_prompt=True)
    )
    problems = validate_script(ad, prompt, generated=True, source_language="en", is_prompt=True, target_words=150)
    assert any("it must be about 150" in p for p in problems)
