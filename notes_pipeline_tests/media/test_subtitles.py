from notes_pipeline.domain.models import WordTiming
from notes_pipeline.domain.timing import estimate_word_timings
from notes_pipeline.media.subtitles import SceneTiming, ass_escape, build_cues, write_ass, write_srt, write_vtt

TEXT = (
    "Solar cells make direct current, which flows one way. Homes use alternating current, "
    "which reverses direction fifty times per second. An inverter converts one into the other."
)


def _scenes() -> list[SceneTiming]:
    return [
        SceneTiming(0.0, 9.0, estimate_word_timings(TEXT, 0.1, 8.6)),
        SceneTiming(9.0, 4.0, estimate_word_timings("A second scene, short and sweet.", 0.0, 3.5)),
    ]


def test_cues_are_short_ordered_and_stay_in_their_scene():
    cues = build_cues(_scenes(), max_chars=42)
    assert len(cues) >= 4
    assert all(len(c.lines) <= 2 and all(len(line) <= 42 for line in c.lines) for c in cues)
    assert all(a.end_s <= b.start_s for a, b in zip(cues, cues[1:]))
    first_scene = [c for c in cues if c.start_s < 9.0]
    assert 0 < len(first_scene) < len(cues)
    assert all(c.end_s <= 9.0 for c in first_scene)
    assert all(9.0 <= c.start_s and c.end_s <= 13.0 for c in cues if c not in first_scene)
    # sentence ends close a cue: no cue carries the end of one sentence and the start of the next
    assert all(not any(line.rstrip().endswith(".") for line in c.lines[:-1]) for c in cues)
    assert " ".join(" ".join(c.lines) for c in cues) == TEXT + " A second scene, short and sweet."


def test_vertical_frames_get_shorter_lines():
    cues = build_cues(_scenes(), max_chars=26)
    assert sum(len(c.lines) for c in cues) >= 8
    assert all(len(line) <= 26 for c in cues for line in c.lines)


def test_sidecars_keep_text_and_escape_only_what_their_format_needs(tmp_path):
    words = [
        WordTiming(text=w, start_s=i * 0.5, end_s=i * 0.5 + 0.4)
        for i, w in enumerate('He said "50%": {x} \\N <b> & done.'.split())
    ]
    cues = build_cues([SceneTiming(0, 5, words)])
    srt = write_srt(cues, tmp_path / "s.srt").read_text()
    vtt = write_vtt(cues, tmp_path / "s.vtt").read_text()
    assert "{x} \\N <b> & done." in srt and srt.startswith("1\n00:00:00,000 --> ")
    assert vtt.startswith("WEBVTT\n\n") and "&lt;b&gt; &amp; done." in vtt
    ass = write_ass(cues, tmp_path / "s.ass", width=1280, height=720, language="hi").read_text()
    assert "Noto Sans Devanagari" in ass and "PlayResX: 1280" in ass
    dialogue = [line for line in ass.splitlines() if line.startswith("Dialogue:")][0]
    text = dialogue.split(",,", 1)[1]
    assert "{x}" not in text and "\\{x\\}" in text  # no override block can open
    assert "\\N <b>" not in text  # the user's backslash-N is not a line break


def test_ass_escape_neutralises_markup():
    assert ass_escape("{\\b1}") == "\\{\\\u2060b1\\}"
    assert ass_escape("plain text") == "plain text"
