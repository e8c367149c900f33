"""A person's changes to a script: one scene at a time from the CLI, or the whole JSON edited by hand.

Either way the result must be a script the pipeline can render (3-15 scenes, speakable
narration of a sane length, no placeholder text), and each version says in words what
changed since the one before ("scene 2: narration; scene 5 dropped").
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError, model_validator

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.domain.models import Scene, Script
from notes_pipeline.domain.script_validation import describe_validation_error, validate_script

EDITED = "+edited"
MAX_SCRIPT_BYTES = 1_000_000
HEADING_WORDS = 6


class ScriptEditError(BadInputError):
    """The edit cannot be used; the message says what to fix."""


class SceneEdit(BaseModel):
    """One change: fields of scene `scene`, dropping it, or a new scene after `insert_after` (0: first)."""

    scene: int | None = Field(None, ge=1)
    insert_after: int | None = Field(None, ge=0)
    narration: str | None = None
    heading: str | None = None
    image_prompt: str | None = None
    user_image: str | None = Field(None, description="Bucket key of a picture the person supplied.")
    drop: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> SceneEdit:
        if (self.scene is None) == (self.insert_after is None):
            raise ValueError("name either the scene to change (--scene N) or where to insert one (--insert-after N)")
        fields = [self.narration, self.heading, self.image_prompt, self.user_image]
        if self.drop and (self.scene is None or any(f is not None for f in fields)):
            raise ValueError("--drop takes only --scene N")
        if self.insert_after is not None and not (self.narration and self.narration.strip()):
            raise ValueError("a new scene needs its --narration")
        if not self.drop and self.insert_after is None and all(f is None for f in fields):
            raise ValueError(
                "nothing to change: give --narration, --heading, --image-prompt, --image, --pick or --drop"
            )
        return self


def _first_words(text: str, words: int) -> str:
    found = text.split()
    return " ".join(found[:words]).rstrip(",;:.") + ("…" if len(found) > words else "")


def edited_writer(writer: str) -> str:
    """Provenance says a person changed the script: 'local' becomes 'local+edited' (once)."""
    return writer if writer.endswith(EDITED) else writer + EDITED


def renumbered(scenes: Sequence[Scene]) -> list[Scene]:
    return [s if s.index == i else s.model_copy(update={"index": i}) for i, s in enumerate(scenes, start=1)]


def apply_edit(script: Script, edit: SceneEdit, *, style: str = "clean") -> Script:
    """The script with `edit` applied; raises ScriptEditError when it names no such scene or breaks the rules."""
    scenes = list(script.scenes)
    if edit.insert_after is not None:
        if edit.insert_after > len(scenes):
            raise ScriptEditError(f"--insert-after {edit.insert_after}: the script has {len(scenes)} scenes")
        narration = (edit.narration or "").strip()
        heading = (edit.heading or "").strip() or _first_words(narration, HEADING_WORDS)
        scenes.insert(
            edit.insert_after,
            Scene(
                index=edit.insert_after + 1,
                heading=heading,
                narration=narration,
                image_prompt=edit.image_prompt or f"{style} illustration for an explainer: {heading}",
                user_image=edit.user_image,
            ),
        )
    else:
        assert edit.scene is not None
        if edit.scene > len(scenes):
            raise ScriptEditError(f"--scene {edit.scene}: the script has {len(scenes)} scenes")
        position = edit.scene - 1
        if edit.drop:
            del scenes[position]
        else:
            update: dict[str, object] = {}
            if edit.narration is not None:
                update["narration"] = edit.narration.strip()
            if edit.heading is not None:
                update["heading"] = edit.heading.strip()
            if edit.image_prompt is not None:
                # An AI picture was asked for: no web search, no supplied picture.
                update |= {"image_prompt": edit.image_prompt.strip(), "search_query": None, "user_image": None}
            if edit.user_image is not None:
                update["user_image"] = edit.user_image
            scenes[position] = scenes[position].model_copy(update=update)
    try:
        # Validated again from plain data: model_copy does not re-check fields.
        edited = Script.model_validate(
            {
                **script.model_dump(),
                "scenes": [s.model_dump() for s in renumbered(scenes)],
                "writer": edited_writer(script.writer),
            }
        )
    except ValidationError as err:
        raise ScriptEditError("the edited script is not valid: " + "; ".join(describe_validation_error(err))) from None
    return edited


def parse_edited_script(data: bytes) -> Script:
    """A script JSON a person edited by hand; scenes are renumbered in the order they appear."""
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptEditError(f"the script is {len(data):,} bytes, over {MAX_SCRIPT_BYTES:,}")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScriptEditError("the script is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ScriptEditError(
            f"the script is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("scenes"), list):
        raise ScriptEditError("the script must be a JSON object with a list of 'scenes'")
    raw["scenes"] = [{**s, "index": i} if isinstance(s, dict) else s for i, s in enumerate(raw["scenes"], start=1)]
    try:
        script = Script.model_validate(raw)
    except ValidationError as err:
        raise ScriptEditError("the script is not valid: " + "; ".join(describe_validation_error(err))) from None
    return script.model_copy(update={"writer": edited_writer(script.writer)})


def check_edited(script: Script, *, words_per_minute: int) -> None:
    """The rules every script meets (length per scene, no placeholders, no repeats), except relevance:
    the person editing is the judge of what the video is about, so the script is compared with itself."""
    own_text = " ".join(s.narration for s in script.scenes)
    problems = validate_script(script, own_text, words_per_minute=words_per_minute, compared_with_itself=True)
    if problems:
        raise ScriptEditError("the edited script breaks the rules: " + "; ".join(problems))


def _fields_changed(old: Scene, new: Scene) -> list[str]:
    changed = [name for name in ("heading", "narration", "bullets") if getattr(old, name) != getattr(new, name)]
    if (old.image_prompt, old.search_query, old.user_image) != (new.image_prompt, new.search_query, new.user_image):
        changed.append("picture")
    return changed


def describe_changes(old: Script, new: Script) -> list[str]:
    """What changed, scene by scene, in the new script's numbering ('scene 2: narration', 'scene 4 dropped')."""
    changes = [
        name for name in ("title", "summary", "objectives", "language") if getattr(old, name) != getattr(new, name)
    ]

    def content(scene: Scene) -> str:
        return json.dumps(scene.model_dump(exclude={"index"}), sort_keys=True)

    matcher = difflib.SequenceMatcher(
        a=[content(s) for s in old.scenes], b=[content(s) for s in new.scenes], autojunk=False
    )
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and a1 - a0 == b1 - b0:
            for o, n in zip(old.scenes[a0:a1], new.scenes[b0:b1]):
                changes.append(f"scene {n.index}: {', '.join(_fields_changed(o, n)) or 'changed'}")
            continue
        changes += [f"scene {s.index} dropped (was '{s.heading}')" for s in old.scenes[a0:a1]]
        changes += [f"scene {s.index} inserted" for s in new.scenes[b0:b1]]
    return changes
