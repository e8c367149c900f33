import pytest

from notes_pipeline.domain.documents import content_hash, parse_document
from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import Script
from notes_pipeline.domain.script_validation import validate_script
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline_tests.conftest import EXAMPLES


def _doc(text: str, name: str = "notes.md"):
    return parse_document(f"doc-{content_hash(text.encode())[:10]}", name, text.encode(), max_bytes=10**7)


def _write(text: str, name: str = "notes.md") -> Script:
    doc = _doc(text, name)
    script = LocalScriptWriter().write(doc)
    assert validate_script(script, doc.text, words_per_minute=doc.options.words_per_minute) == []
    return script


def test_the_bundled_example_makes_ten_scenes_in_budget():
    script = _write((EXAMPLES / "how-solar-panels-work.md").read_text(), "how-solar-panels-work.md")
    assert len(script.scenes) == 10
    assert script.title == "How Solar Panels Work"
    assert script.scenes[1].heading == "Sunlight is a stream of photons"
    assert script.scenes[-1].heading == "Recap"
    assert all(1 <= len(s.bullets) <= 4 for s in script.scenes)
    narration = " ".join(s.narration for s in script.scenes)
    assert "http" not in narration and "print(" not in narration and "|" not in narration


def test_budget_follows_the_target_duration():
    body = "\n\n".join(f"## Part {i}\n" + " ".join(f"Sentence {j} of part {i} has seven words." for j in range(12))
                       for i in range(6))
    short = _write("---\ntarget_duration_s: 60\n---\n" + body)
    long = _write("---\ntarget_duration_s: 240\n---\n" + body)
    assert abs(short.word_count - 150) <= 150 * 0.25
    assert abs(long.word_count - 600) <= 600 * 0.25


def test_scene_count_stays_within_3_and_15():
    one = _write("# Only\n\nJust one short sentence here.")
    assert len(one.scenes) == 3
    many = _write("\n\n".join(f"## Heading {i}\nText for section number {i} goes here." for i in range(40)))
    assert len(many.scenes) == 15
    headings = [s.heading for s in many.scenes[1:-1]]
    assert headings[0] == "Heading 0" and len(set(headings)) == 13


def test_one_long_paragraph_is_split_into_several_scenes():
    paragraph = " ".join(f"Fact number {i} is about how rivers carry sediment to the sea." for i in range(60))
    script = _write(paragraph, "rivers.txt")
    assert len(script.scenes) >= 5
    assert all(len(s.narration.split()) <= 45 * 150 / 60 * 1.2 for s in script.scenes)


def test_bullets_only_notes():
    script = _write("# Packing list\n\n- Passport and tickets\n- Charger for the phone\n- Warm jacket\n- Snacks\n")
    content = script.scenes[1]
    assert content.bullets == ["Passport and tickets", "Charger for the phone", "Warm jacket", "Snacks"]
    assert content.narration.startswith("Passport and tickets. Charger for the phone.")


def test_code_heavy_notes_narrate_only_the_prose():
    text = "# Loops\n\nA loop repeats work.\n\n```python\nfor i in range(3):\n    print(i)\n```\n\n## While\n\nIt stops on a condition.\n\n```\nwhile x: pass\n```\n"
    narration = " ".join(s.narration for s in _write(text).scenes)
    assert "range" not in narration and "print" not in narration and "It stops on a condition." in narration


def test_only_code_is_refused_with_the_cause():
    with pytest.raises(BadInputError, match="nothing to narrate: the notes contain only code blocks"):
        LocalScriptWriter().write(_doc("```\nx = 1\n```\n\n    indented = 2\n"))


def test_hindi_and_urdu_keep_their_language_and_full_stops():
    hindi = _write((EXAMPLES / "jal-chakra.md").read_text(), "jal-chakra.md")
    assert hindi.language == "hi" and hindi.scenes[-1].heading == "सारांश"
    assert hindi.scenes[0].narration.startswith("जल चक्र।")
    urdu = _write("# پانی کا چکر\n\n## بخارات\nسورج کی گرمی سے پانی بھاپ بنتا ہے۔\n\n## بارش\nبادل برستے ہیں۔\n")
    assert urdu.language == "ur" and "اس ویڈیو میں" in urdu.scenes[0].narration


def test_special_characters_reach_the_narration_intact():
    script = _write('# Odd\n\n## Symbols\nShe said "50% off": {really} \\ yes.\n')
    assert 'She said "50% off": {really} \\ yes.' in script.scenes[1].narration


def test_same_notes_same_script():
    text = (EXAMPLES / "sourdough-basics.txt").read_text()
    assert _write(text, "sourdough-basics.txt") == _write(text, "sourdough-basics.txt")
