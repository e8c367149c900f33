from notes_pipeline.domain.chunking import chunk_text, split_sentences
from notes_pipeline.domain.notes_text import clean_spoken, parse_notes


def test_markdown_structure_and_what_is_never_read_aloud():
    outline = parse_notes(
        "# Title\n\nLead with a [link](https://example.com) and https://bare.example/x done 😀.\n\n"
        "## Parts\n- first *item*\n- `second` item\n  - nested\n\n"
        "```python\nprint('code')\n```\n\n<div>html</div>\n\n"
        "| Name | Speed | Cost |\n|---|---|---|\n| a | 1 | 2 |\n| b | 3 | 4 |\n\n## Empty\n\n## Last\nEnd.\n"
    )
    assert outline.title == "Title" and outline.code_blocks == 1
    assert [s.heading for s in outline.sections] == [None, "Parts", "Last"]
    lead = outline.sections[0].blocks[0].text
    assert lead == "Lead with a link and done."
    parts = outline.sections[1]
    assert parts.items == ["first item", "second item", "nested"]
    assert parts.sentences()[-1] == "A table sets out Name, Speed and Cost."
    everything = " ".join(b.text for s in outline.sections for b in s.blocks)
    for absent in ("http", "print", "div", "*", "`", "|", "😀"):
        assert absent not in everything


def test_plain_text_headings_and_bullets_keep_their_order():
    outline = parse_notes(
        "Sourdough\n\nBread that rises slowly.\n\nFeeding\nFeed it daily.\n- flour\n- water\nThen wait.\n",
        markdown=False,
    )
    assert outline.title == "Sourdough"
    feeding = outline.sections[-1]
    assert feeding.heading == "Feeding"
    assert [(b.text, b.is_item) for b in feeding.blocks] == [
        ("Feed it daily.", False),
        ("flour", True),
        ("water", True),
        ("Then wait.", False),
    ]


def test_special_characters_stay_readable():
    assert (
        clean_spoken('He said "it\'s 100% done": {braces} \\ back.') == 'He said "it\'s 100% done": {braces} \\ back.'
    )


def test_list_items_become_sentences_in_their_language():
    hindi = parse_notes("## सूची\n- पानी\n- भाप\n").sections[0]
    assert hindi.sentences("hi") == ["पानी।", "भाप।"]


def test_sentences_split_in_three_scripts_but_not_on_abbreviations():
    assert split_sentences("Dr. Lee moved to the U.S. in 2020. It cost 3.5 dollars, e.g. a lot! Really? Yes.") == [
        "Dr. Lee moved to the U.S. in 2020.",
        "It cost 3.5 dollars, e.g. a lot!",
        "Really?",
        "Yes.",
    ]
    assert split_sentences("पानी भाप बनता है। बादल बनते हैं॥ अंत") == ["पानी भाप बनता है।", "बादल बनते हैं॥", "अंत"]
    assert split_sentences("پانی اٹھتا ہے۔ بادل بنتے ہیں؟ ہاں") == ["پانی اٹھتا ہے۔", "بادل بنتے ہیں؟", "ہاں"]


def test_chunks_respect_the_byte_limit_and_sentence_boundaries():
    hindi = "पानी भाप बनकर ऊपर उठता है। " * 400  # ~3 bytes a character
    chunks = chunk_text(hindi, 5000)
    assert all(len(c.encode()) <= 5000 for c in chunks) and len(chunks) >= 3
    assert all(c.endswith("।") for c in chunks)
    assert "".join(chunks).replace(" ", "") == hindi.replace(" ", "")
    no_spaces = "क" * 3000
    pieces = chunk_text(no_spaces, 1000)
    assert all(len(p.encode()) <= 1000 for p in pieces) and "".join(pieces) == no_spaces


def test_chunks_can_be_measured_by_the_request_they_become():
    """A provider whose limit counts markup passes its own size: each chunk's request stays under it."""
    text = "पानी भाप बनकर ऊपर उठता है। " * 300

    def wrapped(chunk: str) -> int:  # e.g. SSML: a mark before every word plus an envelope
        return len(
            ("<speak>" + "".join(f'<mark name="w{i}"/>{w} ' for i, w in enumerate(chunk.split())) + "</speak>").encode()
        )

    chunks = chunk_text(text, 5000, size=wrapped)
    assert all(wrapped(c) <= 5000 for c in chunks)
    assert max(len(c.encode()) for c in chunks) < 5000 * 0.7  # the markup really was counted
    assert all(c.endswith("।") for c in chunks) and " ".join(chunks).split() == text.split()
