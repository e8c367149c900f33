"""Stock pictures through the whole pipeline: a Pexels stub on 127.0.0.1 serves the scenes of a document
with `review: true`; its licence and credits reach provenance.json of the rendered video, each scene keeps
its candidates, and `notes-pipeline edit --pick` chooses another one without calling Pexels again."""

from __future__ import annotations

import io
import json

import dagster as dg
import pytest
from PIL import Image

from notes_pipeline.cli import main
from notes_pipeline.defs.resources import ProvidersResource
from notes_pipeline.domain.models import ImagesManifest, Provenance, Script, ScriptManifest, VideoRender
from notes_pipeline.media.probe import probe
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import reset_circuit_breakers
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.pexels import PexelsLibrary
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline_tests.defs.review_helpers import VOLCANO_NOTES as NOTES
from notes_pipeline_tests.defs.review_helpers import materialize, register
from notes_pipeline_tests.providers.stubs import StubServer
from notes_pipeline_tests.providers.stubs.stock import StockSite

KEY = "pexels-test-" + "k" * 20
RENDER = ["approved_script", "scene_narration", "scene_images", "final_video"]


class StubbedStockProviders(ProvidersResource):
    """The offline providers, with Pexels (photos, then videos) in front of the slides, served by the stub."""

    stub_port: int = 0

    def get_image_source(self):
        fast = HttpConfig(max_attempts=2, backoff_base_s=0.01, read_timeout_s=10, connect_timeout_s=2)
        pexels = PexelsLibrary(
            KEY,
            base_url=f"http://127.0.0.1:{self.stub_port}",
            media=("photos", "videos"),
            http=fast,
            download_guard=UrlGuard(allow=frozenset({("127.0.0.1", self.stub_port)})),
            sleep=lambda s: None,
        )
        return ImageChain(stock=[pexels], last_resort=SlideRenderer())


@pytest.fixture
def pexels():
    reset_circuit_breakers()
    with StubServer() as stub:
        shop = StockSite(stub.url)
        stub.handler = shop.handler(KEY)
        shop.pexels_photos = [
            shop.pexels_photo(1, photographer="Ana Lens", file=shop.photo_file("a.png", 1280, 720)),
            shop.pexels_photo(2, alt="volcano watermark", file=shop.photo_file("wm.png", 1280, 720)),
            shop.pexels_photo(
                3, photographer="Bo Field", file=shop.photo_file("b.png", 1280, 720, colour=(200, 40, 40))
            ),
        ]
        shop.pexels_videos = [shop.pexels_video(7, link=shop.video_file("lava.mp4", 854, 480), user="Rui Frames")]
        yield stub
    reset_circuit_breakers()


def _render(instance, resources, doc_id) -> VideoRender:
    assert materialize(instance, resources, doc_id, selection=RENDER).success
    render = load_model(resources["bucket"].get(), keys.manifest(doc_id, "final_video"), VideoRender)
    assert render is not None
    return render


def test_stock_candidates_provenance_and_pick_without_a_provider_call(
    resources, bucket, database, tmp_path, monkeypatch, pexels, capsys
):
    monkeypatch.setenv("NOTES_PIPELINE_HOME", str(tmp_path))
    resources = {**resources, "providers": StubbedStockProviders(stub_port=pexels.port)}
    instance = dg.DagsterInstance.ephemeral()
    doc = register(instance, resources, bucket, "volcanoes.md", NOTES)
    assert materialize(instance, resources, doc, selection=["video_script", "approved_script"]).success
    assert main(["approve", doc]) == 0
    render = _render(instance, resources, doc)

    images = load_model(bucket, keys.manifest(doc, "scene_images"), ImagesManifest)
    first = images.images[0]
    assert (first.provider, first.visual_kind, first.licence) == ("pexels", "stock", "Pexels License")
    assert first.attribution == "Photo by Ana Lens on Pexels" and first.clip_key is None
    # Each scene keeps the two clean photos and the clip; the watermarked photo was never fetched.
    assert [c.attribution for c in first.candidates] == [
        "Photo by Ana Lens on Pexels",
        "Photo by Bo Field on Pexels",
        "Video by Rui Frames on Pexels",
    ]
    clip = first.candidates[2]
    assert clip.clip_key and clip.clip_key.startswith(f"projects/{doc}/candidates/") and bucket.stat(clip.clip_key)
    assert all(bucket.stat(c.image_key) for c in first.candidates)
    assert "/files/wm.png" not in {r.route for r in pexels.requests}

    provenance = Provenance.model_validate_json(
        bucket.get_bytes(render.manifest_key.replace("render.json", "provenance.json"))
    )
    assert {(s.provider, s.licence, s.ai_generated) for s in provenance.scenes} == {("pexels", "Pexels License", False)}
    assert provenance.scenes[0].source_url == "https://www.pexels.com/photo/1/"
    assert probe(bucket.local_path(render.video_key)).video is not None

    capsys.readouterr()
    assert main(["script", doc]) == 0
    shown = capsys.readouterr().out
    assert f"pictures found (notes-pipeline edit {doc} --scene 2 --pick N):" in shown
    assert "2  stock still from pexels (Photo by Bo Field on Pexels, Pexels License)" in shown
    assert "1* stock still from pexels (Photo by Ana Lens on Pexels, Pexels License)" in shown
    assert "3  stock clip from pexels (Video by Rui Frames on Pexels, Pexels License)" in shown

    searched = len(pexels.requests)
    assert main(["edit", doc, "--scene", "2", "--pick", "3"]) == 0
    assert "scene 2: picture" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="scene 2 has candidates 1-3"):
        main(["edit", doc, "--scene", "2", "--pick", "9"])
    assert main(["approve", doc]) == 0
    again = _render(instance, resources, doc)
    assert len(pexels.requests) == searched  # the pick was served from the bucket: no search, no download
    assert again.render_id != render.render_id

    picked = load_model(bucket, keys.manifest(doc, "scene_images"), ImagesManifest).images[1]
    assert (picked.provider, picked.attribution, picked.licence) == (
        "pexels",
        "Video by Rui Frames on Pexels",
        "Pexels License",
    )
    assert picked.clip_key == keys.scene_clip(doc, 2) and bucket.stat(picked.clip_key)
    assert [c.image_key for c in picked.candidates] == [c.image_key for c in images.images[1].candidates]
    provenance = Provenance.model_validate_json(
        bucket.get_bytes(again.manifest_key.replace("render.json", "provenance.json"))
    )
    assert provenance.scenes[1].clip and provenance.scenes[1].attribution == "Video by Rui Frames on Pexels"
    with Image.open(io.BytesIO(bucket.get_bytes(picked.image_key))) as poster:
        assert poster.size == (854, 480)

    # The pick is part of the script version: the next render keeps it, still without calling Pexels.
    script = load_model(
        bucket, load_model(bucket, keys.manifest(doc, "video_script"), ScriptManifest).script_key, Script
    )
    assert script.scenes[1].user_image == images.images[1].candidates[2].image_key
    third = _render(instance, resources, doc)
    assert third.render_id == again.render_id and len(pexels.requests) == searched
    capsys.readouterr()
    assert main(["script", doc]) == 0
    assert "3* stock clip from pexels" in capsys.readouterr().out
    json.loads(bucket.get_bytes(keys.candidate_record(picked.candidates[2].image_key)))
