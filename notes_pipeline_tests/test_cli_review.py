"""The review commands: script, edit (every kind of change), approve; render variants, list and download."""

from __future__ import annotations

import io
import json
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.cli import main
from notes_pipeline.domain.models import Script, ScriptManifest
from notes_pipeline.media.probe import probe
from notes_pipeline.providers.images.user import UserImages
from notes_pipeline.stages.images import make_images
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline.store.reviews import ReviewStore
from notes_pipeline_tests.defs.review_helpers import VOLCANO_NOTES as NOTES
from notes_pipeline_tests.defs.review_helpers import materialize, register
from notes_pipeline_tests.stages.counting import Calls, CountingSlides


@pytest.fixture
def doc(resources, bucket, database, tmp_path, monkeypatch):
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database.url)
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "volcanoes.md", NOTES)
    assert materialize(instance, resources, doc_id, selection=["video_script", "approved_script"]).success
    return doc_id


def _latest(bucket, doc_id: str) -> Script:
    manifest = load_model(bucket, keys.manifest(doc_id, "video_script"), ScriptManifest)
    return Script.model_validate_json(bucket.get_bytes(manifest.script_key))


def _picture(width: int = 800, height: int = 600) -> bytes:
    """A photo-like picture: smooth gradients and a shape, which the quality gate accepts."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], axis=-1).astype(np.uint8)
    rgb[height // 3 : height // 2, width // 3 : width // 2] = (250, 200, 40)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_script_edit_and_approve_from_the_command_line(doc, bucket, database, tmp_path, capsys):
    reviews = ReviewStore(database)
    assert main(["script", doc]) == 0
    shown = capsys.readouterr().out
    original = _latest(bucket, doc)
    assert "version 1 of 1 (writer: written by local), awaiting approval" in shown
    assert all(f"Scene {s.index} · {s.heading}" in shown for s in original.scenes)
    assert f"approve: notes-pipeline approve {doc}" in shown

    assert main(["edit", doc, "--scene", "2", "--heading", "Rising magma"]) == 0
    assert main(["edit", doc, "--scene", "3", "--image-prompt", "ash cloud over a volcano, watercolour"]) == 0
    photo = tmp_path / "hawaii.jpg"
    photo.write_bytes(_picture())
    assert main(["edit", doc, "--scene", "4", "--image", str(photo)]) == 0
    assert main(["edit", doc, "--insert-after", "1", "--narration", "Volcanoes shape the land we live on."]) == 0
    assert main(["edit", doc, "--scene", "6", "--drop"]) == 0
    out = capsys.readouterr().out
    assert f"{doc}: version 6: scene 6 dropped" in out and "it waits for approval" in out

    script = _latest(bucket, doc)
    assert [s.heading for s in script.scenes] == [
        original.scenes[0].heading,
        "Volcanoes shape the land we live…",
        "Rising magma",
        original.scenes[2].heading,
        original.scenes[3].heading,
    ]
    assert script.scenes[3].image_prompt == "ash cloud over a volcano, watercolour"
    upload = script.scenes[4].user_image
    assert upload and upload.startswith(f"projects/{doc}/uploads/") and bucket.stat(upload)
    assert [(v.version, v.origin) for v in reviews.versions(doc)] == [(1, "writer")] + [(n, "cli") for n in range(2, 7)]
    assert bucket.get_bytes(keys.script(doc)) == bucket.get_bytes(keys.script_version(doc, 6))

    # Refusals name the problem and change nothing.
    for argv, message in [
        (["edit", doc, "--scene", "9", "--heading", "x"], "--scene 9: the script has 5 scenes"),
        (["edit", doc, "--scene", "2"], "nothing to change"),
        (["edit", doc, "--scene", "2", "--drop", "--heading", "x"], "--drop takes only --scene N"),
        (["edit", doc, "--insert-after", "2"], "needs its --narration"),
        (["edit", doc, "--scene", "2", "--narration", "TODO"], "placeholder text"),
        (["edit", doc, "--scene", "2", "--image", str(tmp_path / "missing.png")], "no such file"),
    ]:
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert message in str(raised.value.code), (argv, raised.value.code)
    blank = tmp_path / "blank.png"
    Image.new("RGB", (640, 480), "white").save(blank)
    with pytest.raises(SystemExit, match="blank"):
        main(["edit", doc, "--scene", "2", "--image", str(blank)])
    assert len(reviews.versions(doc)) == 6

    assert main(["approve", doc, "--by", "editor"]) == 0
    assert "approved version 6" in capsys.readouterr().out
    assert main(["approve", doc]) == 0
    assert "version 6 was already approved" in capsys.readouterr().out
    assert reviews.latest(doc).approved_by == "editor"
    assert main(["script", doc, "--version", "1"]) == 0
    assert "version 1 of 6 (writer: written by local), awaiting approval" in capsys.readouterr().out


def test_a_supplied_picture_is_fitted_to_the_frame_and_calls_no_provider(doc, bucket, database, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(_picture(1200, 1200))
    assert main(["edit", doc, "--scene", "2", "--image", str(photo)]) == 0
    manifest = load_model(bucket, keys.manifest(doc, "video_script"), ScriptManifest)
    calls = Calls()
    images = make_images(bucket, manifest, UserImages(CountingSlides(calls), bucket.get_bytes))
    assert sorted(calls.images) == [i for i in range(1, manifest.scene_count + 1) if i != 2]
    user = images.images[1]
    assert (user.provider, user.attempts, user.width, user.height) == ("user", 0, 854, 480)
    with Image.open(io.BytesIO(bucket.get_bytes(user.image_key))) as picture:
        assert picture.size == (854, 480)
        # Cover-cropped around the centre: the square's middle band, not a squashed whole.
        assert abs(picture.getpixel((427, 240))[0] - 127) < 12


def test_approve_refuses_while_the_working_copy_is_broken(doc, bucket):
    bucket.put_bytes(keys.script(doc), b'{"title": "half saved')
    with pytest.raises(SystemExit) as raised:
        main(["approve", doc])
    assert "not valid JSON" in str(raised.value.code) and keys.script_version(doc, 1) in str(raised.value.code)


@pytest.mark.slow
def test_render_variants_sit_beside_each_other_and_download_by_id(tmp_path, database_url, monkeypatch, capsys):
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NOTES_PIPELINE_DATABASE_URL", database_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    notes = tmp_path / "volcanoes.md"
    notes.write_bytes(NOTES)
    assert main(["submit", str(notes), "--run"]) == 0
    out = capsys.readouterr().out
    (doc,) = [line.split()[3] for line in out.splitlines() if line.startswith("waiting for review: ")]
    with pytest.raises(SystemExit, match="awaits approval"):
        main(["render", doc, "--format", "1:1"])
    assert main(["approve", doc, "--run"]) == 0
    first = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert first.is_file() and "480p-16x9-en-" in str(first)

    assert main(["render", doc, "--lang", "hi", "--format", "9:16"]) == 0
    out = capsys.readouterr().out
    assert "as hi-9x16-480p" in out
    assert (
        "the offline script writer cannot translate: the narration stays in English and is spoken with the "
        "Hindi voice" in out
    )
    (render_id,) = [line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("render ")]
    assert render_id.startswith("480p-9x16-hi-")

    assert main(["list", doc]) == 0
    listing = capsys.readouterr().out
    assert f"{doc}: 2 renders" in listing and render_id in listing and first.parts[-2] in listing
    dest = tmp_path / "vertical.mp4"
    assert main(["download", doc, "--render", render_id, "--to", str(dest)]) == 0
    info = probe(dest)
    assert (info.video.width, info.video.height) == (480, 854) and info.audio is not None
    assert main(["download", doc, "--render", first.parts[-2], "--to", str(tmp_path / "wide.mp4")]) == 0
    assert (tmp_path / "wide.mp4").read_bytes() == first.read_bytes()
    # The variant's clips are its own: the document's scene files were not overwritten.
    bucket_root = tmp_path / "home" / "bucket"
    variant_clips = sorted(
        (bucket_root / "projects" / doc / "variants" / "hi-9x16-480p" / "scenes").glob("*/audio.wav")
    )
    own_clips = sorted((bucket_root / "projects" / doc / "scenes").glob("*/audio.wav"))
    assert len(variant_clips) == len(own_clips) >= 3
    assert variant_clips[0].read_bytes() != own_clips[0].read_bytes()  # another voice
    words = json.loads((variant_clips[0].parent / "words.json").read_text())
    assert words["words"]


def test_status_follow_right_after_approve_follows_the_render_instead_of_asking_for_approval(doc, database, capsys):
    from notes_pipeline.store.state import StateStore

    assert main(["status", doc]) == 0
    assert f"notes-pipeline approve {doc}" in capsys.readouterr().out
    assert main(["approve", doc]) == 0
    capsys.readouterr()
    # Out of review; its script is made and its render not yet begun (the review sensor queues it).
    assert StateStore(database).project(doc)["status"] == "incomplete"
    code = main(["status", doc, "--follow", "--interval", "0.05", "--timeout", "0.3"])
    out = capsys.readouterr().out
    assert "approve" not in out and "waiting for review" not in out
    assert code == 1 and f"nothing is running for {doc}" in out  # no run was queued in this test: it says so
