"""Publishing end to end: the real pipeline renders and signs the video, the opt-in `published_video` asset
uploads it to the YouTube stub with the real client, and neither a re-run nor the CLI uploads it twice."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from notes_pipeline.cli import main
from notes_pipeline.defs.resources import pipeline_resources
from notes_pipeline.domain.models import Provenance, RenderOptions, VideoRender
from notes_pipeline.media.credentials import read_credentials
from notes_pipeline.media.probe import probe
from notes_pipeline.providers.config import CONFIG_ENV_VAR, default_config_path
from notes_pipeline.publish.publisher import PublishOutcome
from notes_pipeline.stages.hashing import input_hash
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline.store.db import DATABASE_URL_ENV, Database
from notes_pipeline.store.publications import PublicationStore
from notes_pipeline_tests.defs.review_helpers import materialize, register
from notes_pipeline_tests.media.c2pa_keys import make_chain
from notes_pipeline_tests.publish.google_stub import GoogleStub, authorized_user

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
quality: draft
title: How solar panels make electricity
tags: [solar, energy, physics]
publish: youtube
privacy: unlisted
---
# Solar panels

## Light in
Sunlight is made of photons. A solar cell absorbs them in a thin layer of silicon.

## Electrons out
Each absorbed photon frees an electron. An electric field in the cell pushes the electrons into a wire.

## Power for the house
An inverter turns the direct current into alternating current for the sockets at home.
"""


def test_publishing_options_never_change_a_hash() -> None:
    asked = RenderOptions(publish="drive", privacy="public", drive_folder="folder_abc123")
    assert input_hash(options=asked) == input_hash(options=RenderOptions())


@pytest.fixture
def stub():
    with GoogleStub() as server:
        yield server


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stub: GoogleStub, database_url: str):
    """Credentials and signing keys in the environment, the provider config pointing publishing at the stub."""
    chain = make_chain()
    config = yaml.safe_load(default_config_path().read_text(encoding="utf-8"))
    config["publish"] = {
        "youtube_base_url": stub.url + "/",
        "drive_base_url": stub.url + "/",
        "token_uri": stub.token_uri,
        "ca_certs": stub.ca_certs,
        "chunk_mb": 1,
    }
    config_file = tmp_path / "providers.yaml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config_file))
    monkeypatch.setenv("NOTES_PIPELINE_GOOGLE_OAUTH", authorized_user(stub))
    monkeypatch.setenv("NOTES_PIPELINE_C2PA_CERT", chain.cert_chain.decode())
    monkeypatch.setenv("NOTES_PIPELINE_C2PA_KEY", chain.private_key.decode())
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    resources = pipeline_resources(
        bucket_root=str(tmp_path / "bucket"),
        database_url=database_url,
        scratch_dir=str(tmp_path / "scratch"),
        inbox_settle_s=0,
    )
    return resources, chain


def test_a_signed_video_is_published_once(
    environment, stub: GoogleStub, database: Database, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources, chain = environment
    bucket = resources["bucket"].get()
    instance = dg.DagsterInstance.ephemeral()
    doc_id = register(instance, resources, bucket, "solar.md", NOTES)
    result = materialize(instance, resources, doc_id)
    assert result.success
    render: VideoRender = result.output_for_node("final_video")
    outcome: PublishOutcome = result.output_for_node("published_video")

    # The MP4 carries valid Content Credentials naming each scene's picture, and still plays.
    video = bucket.local_path(render.video_key)
    assert render.content_credentials == "signed"
    provenance = load_model(bucket, keys.render_file(doc_id, render.render_id, "provenance.json"), Provenance)
    assert provenance is not None and provenance.content_credentials == "signed"
    read = read_credentials(video, trust_anchors=chain.root)
    assert read is not None and read.state == "Trusted"
    assert len(read.manifest["ingredients"]) == len(provenance.scenes) >= 3
    info = probe(video)
    assert info.video is not None and info.audio is not None and abs(info.duration_s - render.duration_s) < 0.2

    # Uploaded once, byte for byte, with the notes' own words and the asked-for privacy.
    assert (outcome.target, outcome.uploaded) == ("youtube", True) and outcome.url.endswith(outcome.remote_id)
    [session] = stub.uploaded("youtube")
    assert bytes(session.data) == video.read_bytes() and stub.bytes_resent == 0
    snippet, status = session.metadata["snippet"], session.metadata["status"]
    assert snippet["title"] == "How solar panels make electricity"
    assert snippet["tags"] == ["solar", "energy", "physics"] and snippet["defaultLanguage"] == "en"
    assert "AI-generated" in snippet["description"] and status["privacyStatus"] == "unlisted"
    assert len(stub.captions) == 1 and len(stub.thumbnails) == 1
    [row] = PublicationStore(database).of_project(doc_id)
    assert (row.render_id, row.remote_id, row.privacy) == (render.render_id, outcome.remote_id, "unlisted")

    # A second run and the CLI find the publication: no request at all.
    requests_before = len(stub.log)
    again = materialize(instance, resources, doc_id)
    assert again.success and again.output_for_node("published_video").uploaded is False
    assert main(["publish", doc_id, "--to", "youtube"]) == 0
    assert "already published" in capsys.readouterr().out
    assert len(stub.log) == requests_before

    # Without credentials: one line naming the document, the stage and the variable; no request.
    oauth = authorized_user(stub)
    monkeypatch.delenv("NOTES_PIPELINE_GOOGLE_OAUTH")
    with pytest.raises(SystemExit) as refused:
        main(["publish", doc_id, "--to", "drive"])
    message = str(refused.value)
    assert doc_id in message and "published_video" in message and "NOTES_PIPELINE_GOOGLE_OAUTH" in message
    assert "\n" not in message and len(stub.log) == requests_before
    monkeypatch.setenv("NOTES_PIPELINE_GOOGLE_OAUTH", oauth)

    # Drive is another target: uploaded once too.
    assert main(["publish", doc_id, "--to", "drive", "--folder", "folder_abc123"]) == 0
    assert main(["publish", doc_id, "--to", "drive"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  published  " in lines[0] and "already published" in lines[1]
    [drive] = stub.uploaded("drive")
    assert bytes(drive.data) == video.read_bytes() and drive.metadata["parents"] == ["folder_abc123"]
