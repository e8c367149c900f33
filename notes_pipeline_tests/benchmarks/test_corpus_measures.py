"""The corpus measures judge other people's work, so they are checked on strings whose answer is known."""

from __future__ import annotations

import pytest

from benchmarks.corpus.coverage import coverage, sections, top_terms
from benchmarks.corpus.glyphs import missing_glyphs
from benchmarks.corpus.markup import markup_count, markup_hits


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The loss is $$ \\min_{\\theta} L $$ here.", "latex dollars"),
        ("We call $p(z)$ the prior.", "latex dollars"),
        ("dollar dollar \\begin aligned", "backslash command"),
        ("Run `pip install black` first.", "backtick"),
        ("It takes {{seconds}} seconds.", "template braces"),
        ("{% include note.html %} then", "template braces"),
        ("Paragraph {: import-auto-id}", "kramdown attribute"),
        ("Growth is logistic.[1]", "citation"),
        ("as shown before [2, 3]", "citation"),
        ("See https://example.com/page for more.", "url"),
        ("Visit www.example.org today.", "url"),
        ("Click <summary>here</summary> to open.", "html tag"),
        ("Notebook | Description | Notebook", "table pipe"),
        ("Can callouts be nested? [!todo]- Yes!, they can.", "callout marker"),
    ],
)
def test_markup_detector_finds_each_kind(text: str, kind: str) -> None:
    assert kind in markup_hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "A coffee costs $5 and a cake $10 at the corner shop.",
        "Either/or, and/or: 3 < 4 and 5 > 2 are plain comparisons.",
        "In 1977 he joined Bell Labs; see chapter 3 for details.",
        "Pipes carry water [in most houses] to the tap.",
        'She said: "Hello, world!" and left.',
    ],
)
def test_ordinary_prose_is_not_markup(text: str) -> None:
    assert markup_hits(text) == {}


def test_markup_count_adds_every_occurrence() -> None:
    assert markup_count("See [1] and [2] at https://a.example and https://b.example `x`") == 2 + 2 + 1


NOTE = """---
title: Two topics
---
# Photosynthesis
Plants capture sunlight with chlorophyll. Chlorophyll absorbs light; the plant makes glucose.

# Volcanoes
Magma rises through the crust. Magma erupts as lava; lava cools into basalt rock.
"""


def test_sections_follow_headings_and_drop_front_matter() -> None:
    found = sections(NOTE)
    assert len(found) == 2
    assert "title" not in found[0] and "Photosynthesis" in found[0] and "Volcanoes" in found[1]


def test_top_terms_are_the_words_particular_to_each_section() -> None:
    first, second = top_terms(NOTE, k=2)
    assert first == ["chlorophyll", "photosynthesis"]
    assert second == ["magma", "lava"]


def test_coverage_is_the_mean_share_of_top_terms_heard() -> None:
    assert coverage(NOTE, "Chlorophyll and photosynthesis. Magma and lava.", k=2) == 1.0
    assert coverage(NOTE, "Chlorophyll drives it all.", k=2) == pytest.approx(0.25)  # 1/2 and 0/2
    assert coverage(NOTE, "Nothing relevant was said.", k=2) == 0.0


def test_coverage_ignores_code_urls_and_latex_in_the_notes() -> None:
    note = "# Setup\nInstall the package.\n```\nsudo apt-get frobnicate\n```\nSee https://frobnicate.example $x^2$\n"
    assert "frobnicate" not in top_terms(note)[0]
    assert coverage(note, "Setup: install the package.") == 1.0  # the heading is content too


def test_coverage_counts_only_what_may_be_spoken() -> None:
    """Apparatus, language lists, link lists, template sentences, alt text, RST machinery and sessions never count."""
    note = (
        "# Volcanoes\nMagma rises through the crust. ![Magma chamber diagram](chamber.png)\n\n"
        "To ensure {% data variables.product.prodname %} renders basalt, check it.\n\n"
        "- [Eruption glossary](https://example.org/glossary) *(in English)*\n- [[Pyroclastic flows]]\n\n"
        "Read this in other languages: Deutsch, Español\n\n"
        ".. image:: https://example.org/badge.svg\n   :target: https://example.org/ci\n\n"
        "    >>> erupt(volcano)\n    ashfall tephra\n\n"
        "## License\nPermission is hereby granted, free of charge, to any person obtaining a copy.\n"
    )
    assert sections(note) == [sections(note)[0]]  # the License section is gone
    words = set(top_terms(note, k=20)[0])
    assert {"magma", "crust", "volcanoes"} <= words
    assert words.isdisjoint(
        {
            "chamber",
            "diagram",
            "basalt",
            "eruption",
            "glossary",
            "pyroclastic",
            "deutsch",
            "image",
            "target",
            "erupt",
            "ashfall",
            "tephra",
            "permission",
            "granted",
        }
    )


def test_a_plain_text_metadata_header_counts_only_its_summary() -> None:
    note = (
        "Metadata-Version: 2.1\nName: sniffio\nSummary: Sniff out which async library runs\n"
        "Classifier: License :: OSI Approved\nClassifier: Framework :: Trio\n\nThe library detects the loop.\n"
    )
    words = set(top_terms(note, k=20)[0])
    assert {"sniff", "async", "library", "loop"} <= words
    assert words.isdisjoint({"classifier", "metadata", "version", "osi", "approved", "framework"})


def test_coverage_reads_devanagari_words_whole() -> None:
    note = "# पानी\nपानी जीवन है। पानी बचाओ।\n"
    assert top_terms(note, k=1) == [["पानी"]]  # vowel signs are marks: the word is not cut at them
    assert coverage(note, "हमें पानी बचाना है", k=1) == 1.0


def test_coverage_of_a_note_without_words_is_undefined() -> None:
    assert coverage("```\ncode only\n```\n", "anything") is None


def test_missing_glyphs_counts_what_the_drawing_font_lacks() -> None:
    # Every shipped script is drawn per run by a font that has it, whatever the video's language.
    assert missing_glyphs([("Plain Latin text, 1-2-3.", "slide", False)], "en") == []
    assert missing_glyphs([("पानी water · 3…", "subtitle", False)], "en") == []
    assert missing_glyphs([("پانی water · 3…", "slide", True)], "ur") == []
    # No shipped font has CJK or a private-use character: each occurrence is counted.
    assert missing_glyphs([("水 and 水", "subtitle", False), ("\ue000", "slide", False)], "en") == [
        "水",
        "水",
        "\ue000",
    ]


def test_visual_share_counts_every_scene_that_is_more_than_a_text_card():
    from benchmarks.corpus.visuals import visual_share
    from notes_pipeline.domain.models import ImagesManifest, SceneImage
    from notes_pipeline.domain.style import style_lock

    def image(index: int, kind: str, provider: str) -> SceneImage:
        return SceneImage(
            scene_index=index,
            image_key=f"k{index}",
            width=64,
            height=36,
            input_hash="h",
            provider=provider,
            latency_s=0.0,
            visual_kind=kind,
        )

    style = style_lock("t", "clean", 64, 36)
    images = [
        image(1, "diagram", "visuals"),
        image(2, "icon", "visuals"),
        image(3, "card", "slides"),
        image(4, "code", "notes"),
    ]
    assert visual_share(ImagesManifest(doc_id="d", style=style, images=images)) == 0.75
    assert visual_share(ImagesManifest(doc_id="d", style=style, images=[])) is None
