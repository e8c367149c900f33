"""C2PA Content Credentials: signed with a test chain made here, read back with c2pa's own reader.

The signed MP4 keeps its streams bit for bit (FFmpeg's per-packet and decoded hashes), a
changed byte in the media fails validation, and without keys the video is delivered unsigned
and says so.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from notes_pipeline.domain.models import Provenance, SceneProvenance
from notes_pipeline.media.credentials import (
    ALGORITHMIC,
    COMPOSITE_AI,
    PROVENANCE_LABEL,
    SIGNED,
    TRAINED,
    UNSIGNED_NO_KEYS,
    CredentialsError,
    Ingredient,
    SigningKeys,
    read_credentials,
    sign_or_explain,
)
from notes_pipeline.media.ffmpeg import ffmpeg_exe
from notes_pipeline_tests.media.c2pa_keys import SigningChain, make_chain
from notes_pipeline_tests.providers.stubs import png_bytes


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    return make_chain()


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("c2pa") / "video.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=15",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330",
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path


def _provenance() -> Provenance:
    return Provenance(
        doc_id="solar-0123456789",
        render_id="480p-16x9-en-1a2b3c4d",
        created_at="2026-12-05T07:00:00+00:00",
        disclosure="AI-generated: made automatically from written notes.",
        source_name="solar.md",
        source_sha256="a" * 64,
        script_sha256="b" * 64,
        script_writer="local",
        narration_providers=["espeak:en"],
        image_providers=["cloudflare", "web_search"],
        software={},
        scenes=[
            SceneProvenance(scene_index=1, provider="cloudflare", visual_kind="generated", ai_generated=True),
            SceneProvenance(
                scene_index=2,
                provider="web_search",
                visual_kind="search",
                ai_generated=False,
                source_url="https://example.org/panel",
                attribution="Panel, example.org",
                licence="CC BY-SA 4.0",
                policy="public-figure",
            ),
        ],
    )


def _ingredients(folder: Path) -> list[Ingredient]:
    found = []
    for scene, colour in zip(_provenance().scenes, [(200, 40, 40), (40, 40, 200)], strict=True):
        path = folder / f"scene{scene.scene_index}.png"
        path.write_bytes(png_bytes(96, 54, colour=colour))
        found.append(Ingredient(scene, path, "image/png"))
    return found


def _stream_hashes(path: Path) -> tuple[str, str]:
    """Every packet's hash (-c copy framemd5) and the decoded streams' hash (-f md5)."""

    def run(*args: str) -> str:
        return subprocess.run(
            [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0", *args, "-"],
            check=True,
            capture_output=True,
        ).stdout.decode()

    packets = "\n".join(line for line in run("-c", "copy", "-f", "framemd5").splitlines() if not line.startswith("#"))
    return packets, run("-f", "md5").strip()


@pytest.fixture(scope="module")
def signed(chain: SigningChain, video: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    dest = folder / "signed.mp4"
    keys = SigningKeys(chain.cert_chain, chain.private_key)
    assert sign_or_explain(video, dest, keys, _provenance(), "Solar panels", _ingredients(folder)) == SIGNED
    return dest


def test_the_signed_video_reads_back_valid_with_its_actions_and_ingredients(chain, signed) -> None:
    read = read_credentials(signed, trust_anchors=chain.root)
    assert read is not None and read.state == "Trusted" and read.failures == []
    untrusted = read_credentials(signed)  # a verifier that does not know our root: valid, not trusted
    assert (
        untrusted is not None and untrusted.state == "Valid" and untrusted.failures == ["signingCredential.untrusted"]
    )

    manifest = read.manifest
    assert manifest["claim_generator_info"][0]["name"] == "notes_pipeline"
    assert manifest["signature_info"]["common_name"] == "notes_pipeline test signer"
    actions = next(a for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2")["data"]["actions"]
    assert actions[0]["action"] == "c2pa.created" and actions[0]["digitalSourceType"] == COMPOSITE_AI
    later = [(a["action"], a["description"], a.get("digitalSourceType")) for a in actions[1:]]
    assert later == [
        ("c2pa.edited", "synthetic narration by espeak:en", ALGORITHMIC),
        ("c2pa.placed", "scene 1 picture: generated by cloudflare", TRAINED),
        ("c2pa.placed", "scene 2 picture: search by web_search, CC BY-SA 4.0", None),
    ]
    assert all(len(a["parameters"]["ingredients"]) == 1 for a in actions if a["action"] == "c2pa.placed")
    assert [i["title"] for i in manifest["ingredients"]] == [
        "scene 1 picture: generated by cloudflare",
        "scene 2 picture: search by web_search, CC BY-SA 4.0",
    ]
    assert all(i["relationship"] == "componentOf" and i["format"] == "image/png" for i in manifest["ingredients"])
    record = next(a for a in manifest["assertions"] if a["label"] == PROVENANCE_LABEL)["data"]
    assert record["scenes"] == [s.model_dump(mode="json") for s in _provenance().scenes]


def test_signing_leaves_the_streams_bit_identical(video, signed) -> None:
    assert signed.stat().st_size > video.stat().st_size  # the manifest box was added
    assert _stream_hashes(signed) == _stream_hashes(video)


def test_a_tampered_video_fails_validation(chain, signed, tmp_path) -> None:
    data = bytearray(signed.read_bytes())
    at = data.find(b"mdat") + 500  # a byte of the media itself
    data[at] ^= 0xFF
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    read = read_credentials(tampered, trust_anchors=chain.root)
    assert read is not None and read.state == "Invalid" and "assertion.bmffHash.mismatch" in read.failures


def test_without_keys_the_video_is_delivered_unsigned_and_says_so(video, tmp_path) -> None:
    dest = tmp_path / "plain.mp4"
    assert sign_or_explain(video, dest, None, _provenance(), "Solar", []) == UNSIGNED_NO_KEYS
    assert not dest.exists() and read_credentials(video) is None  # the video is delivered as it was


def test_keys_come_as_pem_or_paths_and_half_a_pair_is_an_error(chain, tmp_path) -> None:
    cert_path = tmp_path / "chain.pem"
    cert_path.write_bytes(chain.cert_chain)
    keys = SigningKeys.from_values(str(cert_path), chain.private_key.decode())
    assert keys == SigningKeys(chain.cert_chain, chain.private_key)
    assert SigningKeys.from_values(None, None) is None
    with pytest.raises(CredentialsError, match="NOTES_PIPELINE_C2PA_KEY is not set"):
        SigningKeys.from_values(chain.cert_chain.decode(), None)
    with pytest.raises(CredentialsError) as caught:
        SigningKeys.from_values("/no/such/cert.pem", chain.private_key.decode())
    assert "PRIVATE" + " KEY" not in str(caught.value)


def test_a_refused_key_delivers_unsigned_with_the_reason(chain, video, tmp_path) -> None:
    other = make_chain()
    keys = SigningKeys(chain.cert_chain, other.private_key)  # the key does not match the certificate
    dest = tmp_path / "mismatch.mp4"
    outcome = sign_or_explain(video, dest, keys, _provenance(), "Solar", [])
    assert outcome.startswith("unsigned: ") and "PRIVATE" not in outcome
    assert not dest.exists() and not dest.with_name(dest.name + ".partial").exists()
