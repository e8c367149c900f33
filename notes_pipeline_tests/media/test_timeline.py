from notes_pipeline.media.timeline import (
    MAX_FADE_S,
    MIN_FADE_FRAMES,
    SPEECH_GUARD_S,
    frame_plan,
    group_pieces,
    pieces,
    plan_scenes,
)


def test_fades_end_on_the_narration_start_and_start_after_the_last_word():
    durations = [2.0, 1.5, 3.2, 1.1]
    speech_ends = [1.6, 1.45, 2.5, 1.0]  # seconds into each clip
    spans = plan_scenes(durations, speech_ends, 30)
    offsets = [0.0, 2.0, 3.5, 6.7]
    for i, span in enumerate(spans):
        assert span.first_frame == round(offsets[i] * 30)  # fully visible on the frame nearest its narration
        assert span.end_frame == (spans[i + 1].first_frame if i + 1 < len(spans) else round(sum(durations) * 30))
        if i and span.fade_in:
            fade_start_s = span.visible_from / 30
            assert fade_start_s >= offsets[i - 1] + speech_ends[i - 1] + SPEECH_GUARD_S - 1e-9
            assert MIN_FADE_FRAMES <= span.fade_in <= round(MAX_FADE_S * 30)
    assert spans[0].fade_in == 0
    assert spans[1].fade_in == 10  # 0.4 s of silence less the guard: 0.36 s, 10 whole frames
    assert spans[2].fade_in == 0  # 0.05 s of silence: too short for a fade, so a cut
    assert spans[3].fade_in == round(MAX_FADE_S * 30)  # 0.7 s of silence: the longest fade


def test_no_transitions_means_cuts_exactly_on_the_frame_plan():
    durations = [1 / 3] * 30
    spans = plan_scenes(durations, [0.1] * 30, 30, transitions=False)
    assert all(s.fade_in == 0 for s in spans)
    assert [(s.first_frame, s.end_frame - s.first_frame) for s in spans] == frame_plan(durations, 30)


def test_a_fade_never_reaches_back_before_the_previous_scene():
    spans = plan_scenes([0.2, 2.0], [0.0, 1.0], 30)  # a 6-frame scene with nothing audible
    assert spans[1].fade_in <= spans[0].end_frame - spans[0].first_frame
    assert spans[1].visible_from >= spans[0].first_frame


def test_pieces_tile_the_video_and_cut_long_scenes_into_parts():
    """Every frame drawn exactly once, each scene's frames in order, fades whole, no part much over `longest`."""
    durations = [180.0, 2.0, 0.9, 31.0, 12.0, 45.0]
    spans = plan_scenes(durations, [d - 0.4 for d in durations], 30)
    assert all(s.fade_in for s in spans[1:])  # fades everywhere, so parts must fit around them
    all_pieces = pieces(spans, 300)
    assert all_pieces[0].start == 0 and all_pieces[-1].end == spans[-1].end_frame
    assert all(a.end == b.start for a, b in zip(all_pieces, all_pieces[1:]))
    for i, span in enumerate(spans):  # each scene's own frames, from its first shown to its last, once each
        own = [f for p in all_pieces for s in p.shown if s.scene == i for f in range(s.first, s.first + s.frames)]
        assert own == list(range(span.shown_frames))
    assert all(
        len(p.shown) == 2 and p.frames == spans[p.shown[1].scene].fade_in for p in all_pieces if len(p.shown) > 1
    )
    assert max(p.frames for p in all_pieces) < 2 * 300
    assert all(p.frames >= 300 for p in all_pieces if p.shown[0].scene in (0, 3, 5) and len(p.shown) == 1)
    body = spans[0].end_frame - spans[1].fade_in  # just under 180 s: 17 parts of a little over 10 s
    parts = [p.frames for p in all_pieces if p.shown[0].scene == 0 and len(p.shown) == 1]
    assert len(parts) == 17 and sum(parts) == body and max(parts) - min(parts) <= 1


def test_pieces_group_into_chunks_of_at_least_the_given_length():
    spans = plan_scenes([1.0] * 25 + [95.0], [0.6] * 26, 30)
    groups = group_pieces(pieces(spans, 300), 300)
    assert [p for g in groups for p in g] == pieces(spans, 300)
    assert all(g[-1].end - g[0].start >= 300 for g in groups[:-1])
    assert all(g[-1].end - g[0].start < 300 + 2 * 300 for g in groups)
    long_scene = spans[-1].end_frame - spans[-1].first_frame
    assert len([g for g in groups if g[-1].shown[0].scene == 25]) == long_scene // 300  # not one chunk
