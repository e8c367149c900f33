from notes_pipeline.domain.models import Scene, Script
from notes_pipeline.domain.script_validation import validate_script

NOTES = "Volcanoes form where magma rises through the crust. Eruptions release lava, ash and gases."


def _script(*narrations: str, bullets: list[str] | None = None, title: str = "Volcanoes") -> Script:
    scenes = [
        Scene(index=i, heading=f"Part {i}", narration=n, bullets=bullets or ["magma rises"])
        for i, n in enumerate(narrations, 1)
    ]
    return Script(title=title, summary="About volcanoes.", language="en", scenes=scenes, writer="test")


GOOD = ("Volcanoes form where magma rises.", "Magma rises through the crust.", "Eruptions release lava, ash and gases.")


def test_a_faithful_script_passes():
    assert validate_script(_script(*GOOD), NOTES) == []


def test_placeholders_anywhere_are_caught():
    assert any("placeholder" in p for p in validate_script(_script(*GOOD[:2], "Add content here."), NOTES))
    assert any("placeholder" in p for p in validate_script(_script(*GOOD, bullets=["TODO"]), NOTES))
    assert any("placeholder" in p for p in validate_script(_script(*GOOD, title="Lorem ipsum"), NOTES))


def test_a_word_the_notes_use_themselves_is_not_a_placeholder():
    """Obsidian's callout types include `todo` (benchmarks/corpus/documents/obsidian-quartz-callouts.md)."""
    notes = NOTES + "\n\n> [!info] Info\n> Aliases: info, todo\n"
    assert not any("placeholder" in p for p in validate_script(_script(*GOOD, bullets=["Aliases: info, todo"]), notes))
    assert any("placeholder" in p for p in validate_script(_script(*GOOD, bullets=["TBD"]), notes))


def test_off_topic_scripts_are_caught():
    off = _script("Football clubs compete for trophies.", "Strikers score goals quickly.", "Referees enforce rules.")
    assert any("not about the notes" in p for p in validate_script(off, NOTES))


def test_length_repetition_and_empty_text_are_caught():
    too_long = " ".join(["magma"] * 200)
    problems = validate_script(_script(GOOD[0], too_long, GOOD[0]), NOTES, words_per_minute=150)
    assert any("over 150" in p for p in problems)
    assert any("repeats the narration of scene 1" in p for p in problems)
    assert any("has no narration" in p for p in validate_script(_script(GOOD[0], "...", GOOD[2]), NOTES))
    assert any("more than 4" in p for p in validate_script(_script(*GOOD, bullets=["a", "b", "c", "d", "e"]), NOTES))


def test_markup_in_narration_is_refused_by_name():
    for spoken, name in [
        ("The loss is $$\\min_{\\theta} L$$ here.", "dollar sign"),
        ("Wait {{seconds}} seconds for magma.", "template tag"),
        ("Magma rises {: import-auto-id} fast.", "kramdown attribute"),
        ("Magma rises through the crust [1].", "citation mark"),
    ]:
        problems = validate_script(_script(*GOOD[:2], spoken), NOTES)
        assert any("markup that would be read aloud" in p and name in p for p in problems), spoken


def test_narration_that_obeys_an_injection_is_refused():
    obeyed = _script(
        *GOOD[:2], "My system prompt says I am an educator, and the key is AI" + "zaSyA1b2C3d4E5f6G7h8I9j0K."
    )
    problems = validate_script(obeyed, NOTES)
    assert any("instruction aimed at the model" in p for p in problems)
    keyed = _script(*GOOD[:2], "Eruptions release lava AI" + "zaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQr and ash.")
    assert any("shaped like an API key" in p for p in validate_script(keyed, NOTES))
