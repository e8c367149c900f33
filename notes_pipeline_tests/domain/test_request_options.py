"""A prompt's own words set its options (issue 14: a prompt asking for 90 seconds got 11 s)."""

import pytest

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.models import AspectRatio
from notes_pipeline.domain.request_options import requested_options, with_requested_options


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A 90 seconds explainer about tides", {"target_duration_s": 90.0}),
        ("Make a 3-minute video on volcanoes", {"target_duration_s": 180.0}),
        (
            "Create a 30-sec ad for a coffee brand, vertical 9:16",
            {"target_duration_s": 30.0, "aspect_ratio": AspectRatio.VERTICAL},
        ),
        ("Explain photosynthesis in Hindi, square format", {"aspect_ratio": AspectRatio.SQUARE, "language": "hi"}),
        ("A two minute tribute to my grandmother", {"target_duration_s": 120.0}),
        ("coffee cup ad", {}),
    ],
)
def test_the_words_of_a_request_name_options(text, expected):
    assert requested_options(text) == expected


def _prompt(data: bytes, name: str = "request.prompt"):
    return with_requested_options(parse_document("req-1", name, data, max_bytes=10**6))


def test_a_prompt_gets_them_but_explicit_options_win_and_notes_are_untouched():
    doc = _prompt(b"Create a 90-second explainer in Hindi about the monsoon, vertical 9:16")
    assert doc.options.target_duration_s == 90 and doc.options.aspect_ratio is AspectRatio.VERTICAL
    assert doc.language == "hi" and doc.options.language == "hi"
    explicit = _prompt(b'{"prompt": "A 3-minute video about tides", "target_duration_s": 45}', "r.json")
    assert explicit.options.target_duration_s == 45
    notes = with_requested_options(parse_document("n-1", "notes.md", b"The race lasts 90 seconds.\n", max_bytes=10**6))
    assert notes.options.target_duration_s is None
