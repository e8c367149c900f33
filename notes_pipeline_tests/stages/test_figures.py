"""A figure the notes embed: read from beside the note, or fetched safely from the web; never a failed document."""

from __future__ import annotations

import pytest

from notes_pipeline.domain.models import FigureVisual
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.cards import NotesMaterial
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.stages.figures import FigureError, FigureFetcher, figure_key
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.script import load_document, write_script
from notes_pipeline.store.bucket import LocalBucket
from notes_pipeline_tests.providers.stubs import Reply, StubServer, png_bytes

NOTE = "inbox/course/lesson.md"


@pytest.mark.parametrize(
    "source, key",
    [
        ("img/stages.png", "inbox/course/img/stages.png"),
        ("./stages.png", "inbox/course/stages.png"),
        ("../shared/stages.png", "inbox/shared/stages.png"),
        ("/shared/stages.png", "inbox/shared/stages.png"),
        ("img/two%20words.png", "inbox/course/img/two words.png"),
    ],
)
def test_paths_resolve_against_the_notes_folder_or_the_inbox_root(source, key):
    assert figure_key(source, NOTE) == key


@pytest.mark.parametrize(
    "source",
    [
        "../../projects/other-0123456789/source.json",
        "/../.pgdata/secret.png",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd.png",
        "..\\..\\x.png",
    ],
)
def test_a_path_out_of_the_inbox_is_refused(source):
    with pytest.raises(FigureError, match="outside the inbox"):
        figure_key(source, NOTE)


def test_local_figures_are_read_capped_and_must_be_pictures(tmp_path):
    bucket = LocalBucket(tmp_path)
    picture = png_bytes(40, 30)
    bucket.put_bytes("inbox/course/img/stages.png", picture)
    bucket.put_bytes("inbox/course/notes.png", b"not a picture at all")
    fetcher = FigureFetcher(bucket, NOTE)
    assert fetcher.fetch(FigureVisual(source="img/stages.png")) == picture
    with pytest.raises(FigureError, match="not in the bucket at inbox/course/missing.png"):
        fetcher.fetch(FigureVisual(source="missing.png"))
    with pytest.raises(FigureError, match="not a usable image"):
        fetcher.fetch(FigureVisual(source="notes.png"))
    with pytest.raises(FigureError, match="over the 0 MB limit"):
        FigureFetcher(bucket, NOTE, max_bytes=100).fetch(FigureVisual(source="img/stages.png"))
    with pytest.raises(FigureError, match="file: address is not fetched"):
        fetcher.fetch(FigureVisual(source="file:///etc/passwd"))


def _client(guard: UrlGuard) -> HttpClient:
    return HttpClient(
        "figures-test", HttpConfig(max_attempts=1, read_timeout_s=2), url_guard=guard, sleep=lambda s: None
    )


def test_remote_figures_come_through_the_ssrf_safe_download(tmp_path):
    with StubServer(
        lambda r: Reply.png(320, 200) if r.route == "/fig.png" else Reply.raw(b"no", "text/plain", 404)
    ) as stub:
        allowed = _client(UrlGuard(allow=frozenset({("127.0.0.1", stub.port)})))
        fetcher = FigureFetcher(LocalBucket(tmp_path), NOTE, allowed)
        data = fetcher.fetch(FigureVisual(source=f"{stub.url}/fig.png"))
        assert data.startswith(b"\x89PNG") and stub.requests[0].route == "/fig.png"
        with pytest.raises(FigureError, match="404"):
            fetcher.fetch(FigureVisual(source=f"{stub.url}/gone.png"))
        seen = len(stub.requests)
        # The ordinary guard: a figure URL pointing at a loopback address is refused before any byte goes out.
        with pytest.raises(FigureError, match="non-public address"):
            FigureFetcher(LocalBucket(tmp_path), NOTE, _client(UrlGuard())).fetch(
                FigureVisual(source=f"{stub.url}/fig.png")
            )
        with pytest.raises(FigureError, match="remote figures are off"):
            FigureFetcher(LocalBucket(tmp_path), NOTE, None).fetch(FigureVisual(source=f"{stub.url}/fig.png"))
        assert len(stub.requests) == seen


def test_a_figure_that_cannot_be_had_falls_back_with_its_reason_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTES_PIPELINE_REMOTE_FIGURES", "off")
    bucket = LocalBucket(tmp_path)
    notes = (
        "---\nresolution: 480\n---\n# Figures\n\nA first section that introduces the subject at some length.\n\n"
        "## The stages\n\nThe pipeline runs several stages one after another for each document.\n\n"
        "![The stages](img/missing.png)\n\n## The end\n\nThat is the whole pipeline from start to finish.\n"
    )
    bucket.put_bytes(NOTE, notes.encode())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=1_000_000, settle_s=0)
    manifest, script = write_script(
        bucket, load_document(bucket, scan.registered[0].doc_id, max_bytes=1_000_000), LocalScriptWriter()
    )
    scene = next(s for s in script.scenes if s.visual is not None)
    images = make_images(bucket, manifest, ImageChain(leading=[NotesMaterial()]), workers=1)
    image = images.images[scene.index - 1]
    assert (image.provider, image.visual_kind, image.fallbacks) == ("slides", "card", [])
    assert image.figure_problem == "figure 'img/missing.png' is not in the bucket at inbox/course/img/missing.png"
    # Once the picture is there, the scene's request changes (its sha256) and the figure card is drawn.
    bucket.put_bytes("inbox/course/img/missing.png", png_bytes(200, 120))
    again = make_images(bucket, manifest, ImageChain(leading=[NotesMaterial()]), previous=images, workers=1)
    fixed = again.images[scene.index - 1]
    assert (fixed.provider, fixed.visual_kind, fixed.reused, fixed.figure_problem) == ("notes", "figure", False, None)


def test_a_web_figure_is_drawn_and_its_address_kept_for_provenance(tmp_path):
    with StubServer(lambda r: Reply.png(320, 200)) as stub:
        bucket = LocalBucket(tmp_path)
        url = f"{stub.url}/fig.png"
        notes = (
            f"---\nresolution: 480\n---\n# Figures\n\nA first section that introduces the subject at some "
            f"length.\n\n## The stages\n\nThe pipeline runs several stages one after another for each "
            f"document.\n\n![The stages]({url})\n\n## The end\n\nThat is the whole pipeline from start to end.\n"
        )
        bucket.put_bytes(NOTE, notes.encode())
        scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=1_000_000, settle_s=0)
        document = load_document(bucket, scan.registered[0].doc_id, max_bytes=1_000_000)
        manifest, script = write_script(bucket, document, LocalScriptWriter())
        fetcher = FigureFetcher(bucket, NOTE, _client(UrlGuard(allow=frozenset({("127.0.0.1", stub.port)}))))
        images = make_images(bucket, manifest, ImageChain(leading=[NotesMaterial()]), workers=1, figures=fetcher)
    scene = next(s for s in script.scenes if s.visual is not None)
    image = images.images[scene.index - 1]
    assert (image.provider, image.visual_kind, image.source_url, image.figure_problem) == ("notes", "figure", url, None)
