"""C2PA Content Credentials embedded in the MP4, so the video carries its provenance wherever it is copied.

The manifest names the generator (notes_pipeline and its version), what was done (one
`c2pa.created` for the composed video, one `c2pa.placed` per scene picture or clip and one for
the narration, each with the IPTC digital source type of what made it) and the ingredients
(each scene's picture or clip, titled with its provider and licence). A custom assertion,
`org.notes-pipeline.provenance`, holds the readable record's scene lines (provider, licence,
attribution, source, policy). Signing inserts a box into the MP4 and never touches its streams.

The certificate chain and key come from the environment only (NOTES_PIPELINE_C2PA_CERT and
NOTES_PIPELINE_C2PA_KEY: PEM, or paths to PEM files); ES256 (P-256) keys are expected. Without
them the video is delivered unsigned and the render says so.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from notes_pipeline.domain.models import Provenance, SceneProvenance

log = logging.getLogger(__name__)

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"  # made by a trained model (image generators, neural voices)
ALGORITHMIC = IPTC + "algorithmicMedia"  # made by an algorithm with no training data (slides, eSpeak)
COMPOSITE_AI = IPTC + "compositeWithTrainedAlgorithmicMedia"
COMPOSITE = IPTC + "composite"
PROVENANCE_LABEL = "org.notes-pipeline.provenance"
SIGNED = "signed"
UNSIGNED_NO_KEYS = "unsigned: NOTES_PIPELINE_C2PA_CERT and NOTES_PIPELINE_C2PA_KEY are not set"
# Narration providers whose voices are not made by a trained model.
_RULE_BASED_VOICES = ("espeak",)
_PROGRAM_DRAWN = ("card", "code", "table", "formula", "diagram", "icon")


class CredentialsError(ValueError):
    """The signing certificate or key cannot be used; the message never repeats them."""


def _pem(value: str, name: str) -> bytes:
    if "-----BEGIN" in value:
        return value.strip().encode() + b"\n"
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        raise CredentialsError(f"{name} is neither PEM nor a readable file")
    return path.read_bytes()


@dataclass(frozen=True)
class SigningKeys:
    """A PEM certificate chain (signer first, then intermediates) and its PEM private key."""

    cert_chain: bytes
    private_key: bytes

    @classmethod
    def from_values(cls, cert: str | None, key: str | None) -> SigningKeys | None:
        """None when neither is set; CredentialsError when only one is, or one is unreadable."""
        if not cert and not key:
            return None
        if not cert or not key:
            missing = "NOTES_PIPELINE_C2PA_CERT" if not cert else "NOTES_PIPELINE_C2PA_KEY"
            raise CredentialsError(f"{missing} is not set: C2PA signing needs both the certificate and the key")
        return cls(_pem(cert, "NOTES_PIPELINE_C2PA_CERT"), _pem(key, "NOTES_PIPELINE_C2PA_KEY"))


def keys_from_env() -> SigningKeys | None:
    """The signing keys the environment gives (through `Secrets`, like every other credential)."""
    from notes_pipeline.providers.config import Secrets

    secrets = Secrets.from_env()
    return SigningKeys.from_values(secrets.value("c2pa_cert"), secrets.value("c2pa_key"))


@dataclass(frozen=True)
class Ingredient:
    """A scene's picture or clip as a file, to be listed (and hashed) in the manifest."""

    scene: SceneProvenance
    path: Path
    mime: str


def scene_source_type(scene: SceneProvenance) -> str | None:
    """The IPTC digital source type of a scene's visual; None for photographs and the notes' own figures."""
    if scene.ai_generated:
        return TRAINED
    if scene.visual_kind in _PROGRAM_DRAWN:
        return ALGORITHMIC
    return None


def voice_source_type(provider: str) -> str:
    return ALGORITHMIC if provider.split(":", 1)[0] in _RULE_BASED_VOICES else TRAINED


def _ingredient_title(scene: SceneProvenance) -> str:
    kind = "clip" if scene.clip else "picture"
    licence = f", {scene.licence}" if scene.licence else ""
    return f"scene {scene.scene_index} {kind}: {scene.visual_kind} by {scene.provider}{licence}"


def manifest_definition(provenance: Provenance, title: str, ingredients: list[Ingredient]) -> dict[str, Any]:
    """The manifest to sign: generator, actions with digital source types, the readable record's scenes."""
    agent = {"name": "notes_pipeline", "version": version("notes_pipeline")}
    any_ai = any(s.ai_generated for s in provenance.scenes) or any(
        voice_source_type(v) == TRAINED for v in provenance.narration_providers
    )
    actions: list[dict[str, Any]] = [
        {
            "action": "c2pa.created",
            "softwareAgent": agent,
            "digitalSourceType": COMPOSITE_AI if any_ai else COMPOSITE,
            "description": provenance.disclosure,
        }
    ]
    for voice in provenance.narration_providers:
        # Not 'placed': that action must name an ingredient, and the voice-over is made here, not taken in.
        actions.append(
            {
                "action": "c2pa.edited",
                "softwareAgent": agent,
                "digitalSourceType": voice_source_type(voice),
                "description": f"synthetic narration by {voice}",
            }
        )
    for ingredient in ingredients:
        action: dict[str, Any] = {
            "action": "c2pa.placed",
            "softwareAgent": agent,
            "description": _ingredient_title(ingredient.scene),
            "parameters": {"ingredientIds": [_instance_id(ingredient.scene)]},
        }
        if (source_type := scene_source_type(ingredient.scene)) is not None:
            action["digitalSourceType"] = source_type
        actions.append(action)
    record = {
        "doc_id": provenance.doc_id,
        "render_id": provenance.render_id,
        "source_sha256": provenance.source_sha256,
        "script_sha256": provenance.script_sha256,
        "script_writer": provenance.script_writer,
        "scenes": [s.model_dump(mode="json") for s in provenance.scenes],
    }
    return {
        "claim_generator_info": [agent],
        "title": title,
        "format": "video/mp4",
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {"label": PROVENANCE_LABEL, "data": record},
        ],
    }


def _instance_id(scene: SceneProvenance) -> str:
    return f"scene-{scene.scene_index:02d}{'-clip' if scene.clip else ''}"


def sign_video(
    source: Path, dest: Path, keys: SigningKeys, provenance: Provenance, title: str, ingredients: list[Ingredient]
) -> None:
    """Write `source` with an embedded, signed C2PA manifest to `dest` (the streams are copied untouched)."""
    import c2pa

    try:
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, keys.cert_chain, keys.private_key, None)
        )
    except c2pa.C2paError as err:
        raise CredentialsError(f"the C2PA certificate or key was refused ({type(err).__name__})") from None
    builder = c2pa.Builder(manifest_definition(provenance, title, ingredients))
    try:
        for ingredient in ingredients:
            with ingredient.path.open("rb") as stream:
                builder.add_ingredient(
                    {
                        "title": _ingredient_title(ingredient.scene),
                        "relationship": "componentOf",
                        "instance_id": _instance_id(ingredient.scene),
                    },
                    ingredient.mime,
                    stream,
                )
        partial = dest.with_name(dest.name + ".partial")
        try:
            with source.open("rb") as src, partial.open("wb") as out:
                builder.sign(signer, "video/mp4", src, out)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    finally:
        builder.close()
        signer.close()


def sign_or_explain(
    source: Path,
    dest: Path,
    keys: SigningKeys | None,
    provenance: Provenance,
    title: str,
    ingredients: list[Ingredient],
) -> str:
    """Sign `source` into `dest` when keys are given. Returns what the render records: 'signed' (the
    video is `dest`), or 'unsigned: <why>' (the video is `source` as it was: no keys, or keys the library
    refused; never their contents)."""
    if keys is None:
        return UNSIGNED_NO_KEYS
    try:
        sign_video(source, dest, keys, provenance, title, ingredients)
    except Exception as err:  # noqa: BLE001 - a signing failure must not lose the render
        import c2pa

        why = (
            str(err)
            if isinstance(err, CredentialsError)
            else (f"signing failed ({type(err).__name__})" if isinstance(err, c2pa.C2paError) else None)
        )
        if why is None:
            raise
        log.warning("video delivered without Content Credentials: %s", why)
        dest.unlink(missing_ok=True)
        return f"unsigned: {why}"
    return SIGNED


@dataclass(frozen=True)
class ReadCredentials:
    state: str  # 'Trusted', 'Valid' or 'Invalid' (c2pa's own verdict)
    manifest: dict[str, Any]  # the active manifest
    failures: list[str]  # validation status codes


def read_credentials(path: Path, *, trust_anchors: bytes | None = None) -> ReadCredentials | None:
    """The embedded manifest as c2pa's reader validates it; None when the file has none."""
    import c2pa

    context = (
        c2pa.Context(c2pa.Settings.from_dict({"trust": {"trust_anchors": trust_anchors.decode()}}))
        if trust_anchors
        else None
    )
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader("video/mp4", stream, context=context) if context else c2pa.Reader("video/mp4", stream)
            report = json.loads(reader.json())
            state = reader.get_validation_state() or "Invalid"
    except c2pa.C2paError.ManifestNotFound:
        return None
    active = report["manifests"][report["active_manifest"]]
    return ReadCredentials(state, active, [s["code"] for s in report.get("validation_status") or []])
