import re

import pytest

from notes_pipeline.domain.documents import content_hash, decode_notes, document_id, parse_document, slugify
from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import RESOLUTIONS, AspectRatio, RenderOptions

LIMIT = 1_000_000


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"", "the file is empty"),
        (b"  \n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a PNG image"),
        (b"%PDF-1.7\n", "looks like a PDF document"),
        (b"PK\x03\x04rest", "ZIP archive"),
        (b"abc\x00def" * 10, "contains NUL bytes"),
        ("caf\u00e9".encode("latin-1") + b" au lait", "not valid UTF-8: byte 0xe9 at offset 3"),
        (b"x" * (LIMIT + 1), "over the limit of 1.0 MB"),
        (bytes(range(1, 32)) * 20, "control characters"),
    ],
)
def test_bad_bytes_are_refused_with_the_cause(data, cause):
    with pytest.raises(BadInputError, match=cause) as err:
        decode_notes(data, max_bytes=LIMIT)
    assert not err.value.retryable


def test_front_matter_sets_options_and_is_not_narrated():
    data = b"---\nresolution: 480\naspect_ratio: '9:16'\nlanguage: en\n---\n# Title\n\nBody text.\n"
    doc = parse_document("t-1", "t.md", data, max_bytes=LIMIT)
    assert doc.options.resolution == 480
    assert doc.options.aspect_ratio is AspectRatio.VERTICAL
    assert doc.options.frame_size == (480, 854)
    assert doc.text.startswith("# Title")
    assert doc.content_hash == content_hash(data)


@pytest.mark.parametrize(
    ("front", "cause"),
    [
        ("resolution: 999", "resolution: Input should be 480, 720 or 1080"),
        ("- a list", "must be a mapping"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_bad_front_matter_names_the_option(front, cause):
    with pytest.raises(BadInputError, match=cause.replace("[", r"\[")):
        parse_document("t-1", "t.md", f"---\n{front}\n---\nSome notes.".encode(), max_bytes=LIMIT)


def test_each_resolution_offered_is_the_short_side_of_every_frame():
    assert RESOLUTIONS == (480, 720, 1080)
    for resolution in RESOLUTIONS:
        for aspect in AspectRatio:
            assert min(RenderOptions(resolution=resolution, aspect_ratio=aspect).frame_size) == resolution


def test_language_is_detected_when_not_given():
    hindi = parse_document("h", "h.md", "# जल चक्र\n\nपानी भाप बनकर ऊपर उठता है।".encode(), max_bytes=LIMIT)
    urdu = parse_document("u", "u.md", "پانی بھاپ بن کر اوپر اٹھتا ہے۔".encode(), max_bytes=LIMIT)
    english = parse_document("e", "e.md", b"Water rises as vapour.", max_bytes=LIMIT)
    assert (hindi.language, urdu.language, english.language) == ("hi", "ur", "en")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My Notes (v2).md", "my-notes-v2"),
        ("../../etc/passwd.md", "passwd"),
        ("Café déjà vu.txt", "cafe-deja-vu"),
        ("जल चक्र.md", "notes"),
        ("   .md", "notes"),
        ("a" * 200 + ".md", "a" * 40),
    ],
)
def test_names_become_safe_slugs(name, slug):
    assert slugify(name) == slug
    doc_id = document_id(name, "0123456789" + "a" * 54)
    assert doc_id == f"{slug}-0123456789"


def test_a_prompt_file_is_a_request_with_options():
    doc = parse_document(
        "coffee-ad-1",
        "coffee-ad.prompt",
        b"---\ntone: playful\ntarget_duration_s: 30\naspect_ratio: '9:16'\n---\n"
        b"Create a 30-sec ad for a coffee brand.\n",
        max_bytes=LIMIT,
    )
    assert doc.kind == "prompt" and doc.options.tone == "playful" and doc.options.target_duration_s == 30
    assert doc.options.aspect_ratio is AspectRatio.VERTICAL and doc.text.strip().startswith("Create a 30-sec")
    assert parse_document("n", "notes.md", b"# Notes\nText.", max_bytes=LIMIT).kind == "notes"
    assert slugify("Coffee Ad.prompt") == "coffee-ad"


def test_a_json_prompt_file_holds_the_request_and_its_options():
    doc = parse_document(
        "coffee-ad-2",
        "coffee-ad.json",
        b'{"prompt": "Create a 30-sec ad for a coffee brand.", "tone": "playful", '
        b'"target_duration_s": 30, "aspect_ratio": "9:16", "review": true}',
        max_bytes=LIMIT,
    )
    assert doc.kind == "prompt" and doc.text == "Create a 30-sec ad for a coffee brand."
    assert doc.options.review and doc.options.tone == "playful" and doc.options.aspect_ratio is AspectRatio.VERTICAL
    assert slugify("Coffee Ad.json") == "coffee-ad"


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (
            b'{"prompt": "An ad", }',
            "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 21)",
        ),
        (b'["An ad"]', "must be a JSON object"),
        (b'{"tone": "playful"}', 'has no "prompt"'),
        (b'{"prompt": "   "}', 'has no "prompt"'),
        (b'{"prompt": "An ad", "resolution": 123}', "invalid options in the prompt file: resolution"),
    ],
)
def test_a_bad_json_prompt_file_says_what_is_wrong(data: bytes, cause: str):
    with pytest.raises(BadInputError, match=re.escape(cause)):
        parse_document("ad-3", "ad.json", data, max_bytes=LIMIT)


# The post `jekyll new` writes (_posts/<date>-welcome-to-jekyll.markdown), with the keys themes add.
JEKYLL_POST = b"""---
layout: post
title:  "Welcome to Jekyll!"
date:   2024-01-12 10:21:00 +0530
categories: jekyll update
author: Parker Moore
permalink: /blog/welcome/
tags: [jekyll, static-sites]
description: How a Jekyll site turns posts into pages.
---
You'll find this post in your `_posts` directory. Go ahead and edit it and re-build the site to see your changes.
You can rebuild the site in many different ways, but the most common way is to run `jekyll serve`, which launches
a web server and auto-regenerates your site when a file is updated.
"""


def test_front_matter_of_a_jekyll_post_is_data_not_an_error():
    doc = parse_document("w-1", "2024-01-12-welcome-to-jekyll.markdown", JEKYLL_POST, max_bytes=LIMIT)
    assert doc.title == "Welcome to Jekyll!"
    assert doc.description == "How a Jekyll site turns posts into pages."
    assert doc.tags == ["jekyll", "static-sites"]
    assert doc.front_matter == {
        "layout": "post",
        "date": "2024-01-12 10:21:00 +0530",
        "categories": "jekyll update",
        "author": "Parker Moore",
        "permalink": "/blog/welcome/",
    }
    assert doc.options == RenderOptions() and doc.language == "en"
    assert doc.text.startswith("You'll find this post")


def test_hugo_toml_front_matter_is_read_too():
    data = (
        '+++\ntitle = "जल चक्र"\ndate = 2023-05-01T09:00:00Z\ndraft = false\ntags = ["science"]\n'
        'lang = "hi-IN"\nresolution = 480\n+++\nपानी भाप बनकर ऊपर उठता है।\n'
    ).encode()
    doc = parse_document("h-1", "water.md", data, max_bytes=LIMIT)
    assert doc.title == "जल चक्र" and doc.tags == ["science"] and doc.options.resolution == 480
    assert doc.language == "hi" and doc.front_matter == {
        "date": "2023-05-01 09:00:00+00:00",
        "draft": False,
        "lang": "hi-IN",
    }
    with pytest.raises(BadInputError, match="front matter is not valid TOML"):
        parse_document("h-2", "water.md", b'+++\ntitle = "unclosed\n+++\nText.', max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("front", "cause"),
    [
        ("resolutoin: 480", "resolutoin: unknown option; did you mean `resolution`?"),
        ("Aspect-Ratio: '9:16'", "Aspect-Ratio: unknown option; did you mean `aspect_ratio`?"),
        ("reveiw: true", "did you mean `review`?"),
    ],
)
def test_a_near_miss_of_an_owned_option_fails_with_a_suggestion(front, cause):
    with pytest.raises(BadInputError, match=re.escape(cause)):
        parse_document("t-1", "t.md", f"---\n{front}\n---\nSome notes.".encode(), max_bytes=LIMIT)


def test_lang_from_another_tool_is_used_only_when_supported():
    spanish = parse_document("s", "s.md", b"---\nlang: es-ES\n---\nNotas sobre el agua.", max_bytes=LIMIT)
    klingon = parse_document("k", "k.md", b"---\nlang: tlh\n---\nNotes about water.", max_bytes=LIMIT)
    assert spanish.language == "es" and klingon.language == "en" and klingon.front_matter == {"lang": "tlh"}


@pytest.mark.parametrize("language", ["xx", "bn", "tlh"])
def test_an_unsupported_language_option_names_the_supported_ones(language):
    with pytest.raises(BadInputError, match=r"language: .*not supported.*supported: .*en \(English\).*hi \(Hindi\)"):
        parse_document("t-1", "t.md", f"---\nlanguage: {language}\n---\nSome notes.".encode(), max_bytes=LIMIT)
    with pytest.raises(BadInputError, match="not supported"):
        parse_document("t-2", "t.json", f'{{"prompt": "An ad", "language": "{language}"}}'.encode(), max_bytes=LIMIT)


def test_a_bcp47_language_option_is_its_language():
    assert parse_document("t", "t.md", b"---\nlanguage: hi-IN\n---\nNotes.", max_bytes=LIMIT).language == "hi"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_notes_with_a_byte_order_mark_are_decoded(encoding):
    text = "---\nresolution: 480\n---\n# जल चक्र\n\nपानी भाप बनकर ऊपर उठता है।\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data  # the BOM Notepad and Word write
    doc = parse_document("h", "h.md", data, max_bytes=LIMIT)
    assert doc.text == "# जल चक्र\n\nपानी भाप बनकर ऊपर उठता है।\n" and doc.options.resolution == 480
    assert doc.language == "hi"


def test_utf16_without_its_byte_order_mark_is_still_refused_as_binary():
    with pytest.raises(BadInputError, match="NUL bytes"):
        decode_notes("Plain notes without a BOM".encode("utf-16-le"), max_bytes=LIMIT)
