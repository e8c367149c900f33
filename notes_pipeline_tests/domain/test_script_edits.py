"""A person's edits: one scene from the CLI or the whole JSON by hand, always a script that can be rendered."""

from __future__ import annotations

import json

import pytest

from notes_pipeline.domain.models import AspectRatio, RenderOptions, Scene, Script
from notes_pipeline.domain.script_edits import (
    SceneEdit,
    ScriptEditError,
    apply_edit,
    check_edited,
    describe_changes,
    parse_edited_script,
)
from notes_pipeline.domain.variants import RenderVariant


def _script(scenes: int = 4) -> Script:
    return Script(
        title="Leaves",
        summary="Why leaves change colour.",
        language="en",
        writer="local",
        scenes=[
            Scene(
                index=i,
                heading=f"Heading {i}",
                narration=f"Narration number {i} about leaves turning.",
                bullets=[f"point {i}"],
                image_prompt=f"clean illustration {i}",
            )
            for i in range(1, scenes + 1)
        ],
    )


def test_field_edits_change_only_that_scene_and_mark_the_script_edited():
    before = _script()
    after = apply_edit(before, SceneEdit(scene=2, narration="  Chlorophyll fades in autumn.  ", heading="Green goes"))
    assert after.scenes[1].narration == "Chlorophyll fades in autumn." and after.scenes[1].heading == "Green goes"
    assert after.scenes[0] == before.scenes[0] and after.scenes[2:] == before.scenes[2:]
    assert after.writer == "local+edited"
    assert apply_edit(after, SceneEdit(scene=1, heading="x")).writer == "local+edited"  # marked once
    assert describe_changes(before, after) == ["scene 2: heading, narration"]


def test_an_image_prompt_replaces_a_search_or_a_supplied_picture():
    before = _script()
    scenes = list(before.scenes)
    scenes[2] = scenes[2].model_copy(update={"search_query": "Eiffel tower", "user_image": "projects/d/uploads/x.png"})
    before = before.model_copy(update={"scenes": scenes})
    after = apply_edit(before, SceneEdit(scene=3, image_prompt="watercolour maple leaf"))
    assert (after.scenes[2].image_prompt, after.scenes[2].search_query, after.scenes[2].user_image) == (
        "watercolour maple leaf",
        None,
        None,
    )
    assert describe_changes(before, after) == ["scene 3: picture"]


def test_drop_and_insert_renumber_and_say_what_moved():
    before = _script(4)
    dropped = apply_edit(before, SceneEdit(scene=2, drop=True))
    assert [s.index for s in dropped.scenes] == [1, 2, 3]
    assert [s.heading for s in dropped.scenes] == ["Heading 1", "Heading 3", "Heading 4"]
    assert describe_changes(before, dropped) == ["scene 2 dropped (was 'Heading 2')"]

    inserted = apply_edit(
        before, SceneEdit(insert_after=0, narration="A new opening about the autumn forest floor."), style="watercolour"
    )
    first = inserted.scenes[0]
    assert [s.index for s in inserted.scenes] == [1, 2, 3, 4, 5]
    assert first.heading == "A new opening about the autumn…"
    assert first.image_prompt == "watercolour illustration for an explainer: A new opening about the autumn…"
    assert describe_changes(before, inserted) == ["scene 1 inserted"]


@pytest.mark.parametrize(
    ("edit", "scenes", "message"),
    [
        (SceneEdit(scene=9, heading="x"), 4, "--scene 9: the script has 4 scenes"),
        (SceneEdit(insert_after=5, narration="More words here."), 4, "--insert-after 5: the script has 4 scenes"),
        (SceneEdit(scene=1, drop=True), 3, "at least 3"),
        (SceneEdit(insert_after=1, narration="One too many scenes now."), 15, "at most 15"),
        (SceneEdit(scene=1, narration=""), 4, "at least 1 character"),
    ],
)
def test_edits_that_would_break_the_script_are_refused(edit, scenes, message):
    with pytest.raises(ScriptEditError) as raised:
        apply_edit(_script(scenes), edit)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scene": 1}, "nothing to change"),
        ({"scene": 1, "insert_after": 1, "narration": "x"}, "either the scene"),
        ({"scene": 1, "drop": True, "heading": "x"}, "--drop takes only --scene N"),
        ({"insert_after": 1}, "needs its --narration"),
    ],
)
def test_options_that_do_not_go_together_are_named(fields, message):
    with pytest.raises(ValueError, match=message):
        SceneEdit(**fields)


def test_a_hand_edited_json_is_renumbered_validated_and_checked():
    raw = json.loads(_script(4).model_dump_json())
    raw["scenes"] = [raw["scenes"][2], raw["scenes"][0], raw["scenes"][3]]  # reordered, one deleted, old indexes
    script = parse_edited_script(json.dumps(raw).encode())
    assert [s.index for s in script.scenes] == [1, 2, 3]
    assert [s.heading for s in script.scenes] == ["Heading 3", "Heading 1", "Heading 4"]
    assert script.writer == "local+edited"

    with pytest.raises(ScriptEditError, match="not valid JSON: .* line 1"):
        parse_edited_script(b'{"title": ')
    raw["scenes"][0].pop("narration")
    with pytest.raises(ScriptEditError, match="scenes #1 narration: Field required"):
        parse_edited_script(json.dumps(raw).encode())
    with pytest.raises(ScriptEditError, match="list of 'scenes'"):
        parse_edited_script(b"[1, 2]")

    placeholder = apply_edit(_script(), SceneEdit(scene=2, narration="TODO write this part"))
    with pytest.raises(ScriptEditError, match="placeholder text"):
        check_edited(placeholder, words_per_minute=150)
    unrelated = apply_edit(_script(), SceneEdit(scene=2, narration="Completely different words from a person."))
    check_edited(unrelated, words_per_minute=150)  # a person decides what the video says: no relevance rule


def test_variant_ids_name_what_differs_and_an_empty_variant_is_the_documents_own():
    options = RenderOptions(resolution=720)
    assert RenderVariant().is_empty()
    assert RenderVariant(language="en", aspect_ratio=AspectRatio.WIDESCREEN).variant_id(options, "en") is None
    variant = RenderVariant(language="hi", aspect_ratio=AspectRatio.VERTICAL, resolution=480)
    assert variant.variant_id(options, "en") == "hi-9x16-480p"
    merged, language = variant.apply(options, "en")
    assert (merged.frame_size, merged.language, language, merged.tone) == ((480, 854), "hi", "hi", options.tone)
    assert RenderVariant(voice="en-US-Neural2-F").variant_id(options, "en") == "en-16x9-720p-en-us-neural2-f"
    with pytest.raises(ValueError, match="resolution"):
        RenderVariant(resolution=333).apply(options, "en")


def test_review_and_a_missing_user_image_leave_existing_json_and_hashes_unchanged():
    assert RenderOptions().model_dump_json() == RenderOptions(review=False).model_dump_json()
    assert (
        "review" not in RenderOptions().model_dump_json()
        and '"review":true' in RenderOptions(review=True).model_dump_json()
    )
    assert "user_image" not in _script().model_dump_json()
