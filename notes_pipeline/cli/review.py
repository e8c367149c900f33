"""The review and render commands of `notes-pipeline`: script, edit, approve, render.

They work on the same bucket, database and Dagster instance as the rest of the CLI. An
edit or an approval is recorded at once; the render follows from the review sensor (in
`make dev`), or in this process with `--run` (or `notes-pipeline run`), as `submit --run` does.
"""

from __future__ import annotations

import argparse
import getpass
import os
import textwrap
from pathlib import Path

from notes_pipeline.cli.environment import open_bucket, open_dagster_instance, open_state
from notes_pipeline.cli.outcomes import report_outcomes
from notes_pipeline.cli.runner import execute_request, process_reviews
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import RESOLUTIONS, AspectRatio, ImagesManifest, Script, ScriptManifest
from notes_pipeline.domain.script_edits import SceneEdit
from notes_pipeline.domain.variants import RenderVariant
from notes_pipeline.stages.candidates import describe, shown
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline.store.reviews import ReviewStore, ScriptVersion

WRAP = 96


def _reviews() -> ReviewStore:
    return ReviewStore(open_state().db)


def _fail(err: PipelineError | ValueError) -> SystemExit:
    return SystemExit(str(getattr(err, "cause", err)))


def _review_state(version: ScriptVersion) -> str:
    if version.approved:
        return f"approved by {version.approved_by}"
    return "awaiting approval" if version.review_required else "no review asked for"


def cmd_script(args: argparse.Namespace) -> int:
    bucket, reviews = open_bucket(), _reviews()
    versions = reviews.versions(args.doc_id)
    if not versions:
        raise SystemExit(f"{args.doc_id}: no script yet (see `notes-pipeline status {args.doc_id}`)")
    wanted = args.version or versions[-1].version
    chosen = next((v for v in versions if v.version == wanted), None)
    if chosen is None:
        raise SystemExit(f"{args.doc_id}: no version {wanted}; versions are 1-{versions[-1].version}")
    script = load_model(bucket, chosen.object_key, Script)
    if script is None:
        raise SystemExit(f"{chosen.object_key} is missing or unreadable")
    print(f"{script.title}   [{args.doc_id}]")
    print(
        f"version {chosen.version} of {len(versions)} ({chosen.origin}: {chosen.summary or '-'}), "
        f"{_review_state(chosen)}"
    )
    seconds = script.word_count * 60 / 150
    print(
        f"{script.language} · {len(script.scenes)} scenes · {script.word_count} words · about "
        f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    )
    watched = reviews.watched(args.doc_id)
    if watched.problem:
        print(f"warning: {watched.problem}")
    from notes_pipeline.domain.material import visual_label

    drawn = load_model(bucket, keys.manifest(args.doc_id, "scene_images"), ImagesManifest)
    found = {i.scene_index: i for i in drawn.images} if drawn else {}
    for scene in script.scenes:
        print()
        print(f"Scene {scene.index} · {scene.heading}")
        print(textwrap.fill(scene.narration, WRAP, initial_indent="  ", subsequent_indent="  "))
        if scene.user_image and keys.candidate_record(scene.user_image):
            picture = f"picked {scene.user_image}"
        elif scene.user_image:
            picture = f"your picture {scene.user_image}"
        elif scene.visual is not None:
            picture = f"the notes' {visual_label(scene.visual)}"
        elif scene.search_query:
            picture = f"web search: {scene.search_query}"
        else:
            picture = f"image prompt: {scene.image_prompt or '-'}"
        print(f"  [{picture}]")
        if scene.bullets:
            print("  bullets: " + " · ".join(scene.bullets))
        if (image := found.get(scene.index)) is not None and image.candidates:
            now = shown(image)
            print(f"  pictures found (notes-pipeline edit {args.doc_id} --scene {scene.index} --pick N):")
            for number, candidate in enumerate(image.candidates, start=1):
                path = bucket.local_path(candidate.image_key) or candidate.image_key
                print(f"    {number}{'*' if number == now else ' '} {describe(candidate)}  {path}")
    print()
    if chosen.review_required and not chosen.approved and chosen.version == versions[-1].version:
        print(
            f"edit: notes-pipeline edit {args.doc_id} --scene N --narration '...'   "
            f"(or edit {keys.script(args.doc_id)} in the bucket)"
        )
        print(f"approve: notes-pipeline approve {args.doc_id}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from notes_pipeline.stages.candidates import pick_candidate
    from notes_pipeline.stages.review import edit_script, store_user_image

    bucket, reviews = open_bucket(), _reviews()
    try:
        user_image = None
        if args.image:
            path = Path(args.image)
            if not path.is_file():
                raise SystemExit(f"{path}: no such file")
            user_image = store_user_image(bucket, args.doc_id, path.read_bytes(), source=path.name)
        if args.pick is not None:
            if args.scene is None or args.image:
                raise SystemExit("edit: --pick N takes --scene (and no --image)")
            user_image = pick_candidate(bucket, args.doc_id, args.scene, args.pick).image_key
        edit = SceneEdit(
            scene=args.scene,
            insert_after=args.insert_after,
            narration=args.narration,
            heading=args.heading,
            image_prompt=args.image_prompt,
            user_image=user_image,
            drop=args.drop,
        )
        version, changes = edit_script(bucket, reviews, args.doc_id, edit)
    except ValueError as err:  # pydantic's ValidationError of SceneEdit says which options go together
        message = err.errors()[0]["msg"].removeprefix("Value error, ") if hasattr(err, "errors") else str(err)
        raise SystemExit(f"edit: {message}") from None
    except PipelineError as err:
        raise _fail(err) from None
    print(f"{args.doc_id}: version {version.version}: {'; '.join(changes)}")
    if version.review_required:
        print(f"it waits for approval: notes-pipeline approve {args.doc_id}")
        return 0
    if args.run:
        return report_outcomes(process_reviews())
    print("the review sensor renders it (make dev); or render it here: notes-pipeline run")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from notes_pipeline.stages.review import approve

    try:
        version, created = approve(open_bucket(), _reviews(), args.doc_id, approved_by=args.by or getpass.getuser())
    except PipelineError as err:
        raise _fail(err) from None
    if created:
        print(f"{args.doc_id}: approved version {version.version} ({version.summary or version.origin})")
    else:
        print(f"{args.doc_id}: version {version.version} was already approved")
    if not version.review_required:
        print("note: this document does not ask for review; its versions render without approval")
    if args.run:
        return report_outcomes(process_reviews())
    print("the review sensor renders it (make dev); or render it here: notes-pipeline run")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """Another render of the approved script, beside the earlier ones."""
    import dagster as dg

    from notes_pipeline.defs.resources import ProvidersResource
    from notes_pipeline.defs.review.assets import variant_run_config
    from notes_pipeline.defs.review.sensors import RENDER_ASSETS
    from notes_pipeline.stages.variants import cannot_translate_note, translator_of

    bucket, reviews = open_bucket(), _reviews()
    latest = reviews.latest(args.doc_id)
    if latest is None:
        raise SystemExit(f"{args.doc_id}: no script yet (see `notes-pipeline status {args.doc_id}`)")
    chosen = latest if latest.renderable else reviews.latest_approved(args.doc_id)
    if chosen is None:
        raise SystemExit(
            f"{args.doc_id}: version {latest.version} awaits approval: notes-pipeline approve {args.doc_id}"
        )
    script = load_model(bucket, chosen.object_key, Script)
    manifest = load_model(bucket, keys.manifest(args.doc_id, "video_script"), ScriptManifest)
    if script is None or manifest is None:
        raise SystemExit(f"{args.doc_id}: its script files are missing from the bucket")
    try:
        variant = RenderVariant(
            language=args.lang, aspect_ratio=args.format, resolution=args.resolution, voice=args.voice
        )
        variant_id = variant.variant_id(manifest.options, script.language)
    except ValueError as err:
        raise SystemExit(f"render: {err}") from None
    print(f"{args.doc_id}: rendering script version {chosen.version} as {variant_id or 'the document’s own options'}")
    if args.lang and args.lang != script.language:
        if translator_of(ProvidersResource.from_environment().get_script_writer()) is None:
            print("note: " + cannot_translate_note(script.language, args.lang))
        else:
            print(f"the script is translated to '{args.lang}' by the configured script writer")
    request = dg.RunRequest(
        partition_key=args.doc_id,
        asset_selection=RENDER_ASSETS,
        tags={"notes_pipeline/script_version": str(chosen.version), "notes_pipeline/variant": variant_id or "default"},
    )
    outcome = execute_request(open_dagster_instance(), request, extra_config=variant_run_config(variant))
    if outcome.error:
        print(f"FAILED {args.doc_id}: {outcome.error}")
        return 1
    from notes_pipeline.stages.renders import find_render

    render = find_render(bucket, args.doc_id)
    print(f"render {render.render_id if render else '?'}: {outcome.video}")
    print(f"all renders: notes-pipeline list {args.doc_id}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    script = sub.add_parser("script", help="print a document's script, scene by scene")
    script.add_argument("doc_id")
    script.add_argument("--version", type=int, help="an earlier version (default: the latest)")
    script.set_defaults(func=cmd_script)

    edit = sub.add_parser("edit", help="change one scene: a new script version (the old ones are kept)")
    edit.add_argument("doc_id")
    where = edit.add_mutually_exclusive_group(required=True)
    where.add_argument("--scene", type=int, help="the scene to change")
    where.add_argument("--insert-after", type=int, help="add a new scene after this one (0: at the start)")
    edit.add_argument("--narration", help="what the narrator says")
    edit.add_argument("--heading", help="the heading on screen")
    edit.add_argument("--image-prompt", help="describe the picture to generate")
    edit.add_argument("--image", metavar="FILE", help="use this picture for the scene (fitted to the frame)")
    edit.add_argument(
        "--pick",
        type=int,
        metavar="N",
        help="use picture N of those found for the scene (listed by `script`; no new provider call)",
    )
    edit.add_argument("--drop", action="store_true", help="remove the scene")
    edit.add_argument("--run", action="store_true", help="render it now, in this process (no review asked for)")
    edit.set_defaults(func=cmd_edit)

    approve = sub.add_parser(
        "approve", help="approve the latest script version: its narration, images and video follow"
    )
    approve.add_argument("doc_id")
    approve.add_argument("--by", help=f"who approves (default: {os.environ.get('USER', 'the login name')})")
    approve.add_argument("--run", action="store_true", help="render it now, in this process")
    approve.set_defaults(func=cmd_approve)

    render = sub.add_parser("render", help="another render of the approved script (language, format, resolution)")
    render.add_argument("doc_id")
    render.add_argument("--lang", help="narration language, e.g. hi (translated when Gemini is configured)")
    render.add_argument("--format", choices=[a.value for a in AspectRatio], help="aspect ratio")
    render.add_argument("--resolution", type=int, choices=RESOLUTIONS)
    render.add_argument("--voice", help="a voice name of the narration provider")
    render.set_defaults(func=cmd_render)
