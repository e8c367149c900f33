from notes_pipeline.media.timeline import MAX_FADE_S, MIN_FADE_FRAMES, SPEECH_GUARD_S, frame_plan, plan_scenes


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
