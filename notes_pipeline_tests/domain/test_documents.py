import pytest

from notes_pipeline.domain.documents import content_hash, decode_notes, document_id, parse_document, slugify
from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import AspectRatio

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
        ("colour: red", "colour: Extra inputs are not permitted"),
        ("- a list", "must be a mapping"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_bad_front_matter_names_the_option(front, cause):
    with pytest.raises(BadInputError, match=cause.replace("[", r"\[")):
        parse_document("t-1", "t.md", f"---\n{front}\n---\nSome notes.".encode(), max_bytes=LIMIT)


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
    doc = parse_document("coffee-ad-1", "coffee-ad.prompt",
                         b"---\ntone: playful\ntarget_duration_s: 30\naspect_ratio: '9:16'\n---\n"
                         b"Create a 30-sec ad for a coffee brand.\n", max_bytes=LIMIT)
    assert doc.kind == "prompt" and doc.options.tone == "playful" and doc.options.target_duration_s == 30
    assert doc.options.aspect_ratio is AspectRatio.VERTICAL and doc.text.strip().startswith("Create a 30-sec")
    assert parse_document("n", "notes.md", b"# Notes\nText.", max_bytes=LIMIT).kind == "notes"
    assert slugify("Coffee Ad.prompt") == "coffee-ad"
