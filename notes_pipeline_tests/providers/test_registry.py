"""Config file, secrets and the registry: offline with no keys, real providers (built, not called) with keys;
the narrator chain's fallback order against real clients on stubs; `notes-pipeline providers`."""

from __future__ import annotations

import json
import logging

import dagster as dg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt as google_jwt

from notes_pipeline.cli import main
from notes_pipeline.defs.resources import ProvidersResource
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.providers.config import (
    CONFIG_ENV_VAR,
    SECRET_ENV_VARS,
    ProviderConfigError,
    Secrets,
    load_config,
)
from notes_pipeline.providers.images.chain import ImageChain
from notes_pipeline.providers.images.offline import OfflineVisuals
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.llm.gemini import GeminiScriptWriter
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.llm.local_llm import OllamaScriptWriter, OpenAICompatibleScriptWriter
from notes_pipeline.providers.registry import ProviderRegistry, UnknownProviderError
from notes_pipeline.providers.tts.elevenlabs import ElevenLabsNarrator
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.providers.tts.google import GoogleNarrator
from notes_pipeline_tests.providers.stubs import Recorded, Reply, StubServer
from notes_pipeline_tests.providers.stubs.elevenlabs import elevenlabs_handler
from notes_pipeline_tests.providers.stubs.google_tts import google_tts_handler
from notes_pipeline_tests.providers.stubs.provider_config import stub_config, write_config

FAKE_KEYS = {var: f"fake-{var.lower()}-5e1d9c" for var in SECRET_ENV_VARS.values()}


@pytest.fixture
def no_keys(monkeypatch):
    for var in SECRET_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)


def speech_stub(request: Recorded) -> Reply:
    """Google TTS and ElevenLabs on one port."""
    if request.route.startswith("/v1beta1/"):
        return google_tts_handler()(request)
    return elevenlabs_handler()(request)


def test_without_keys_every_chain_is_its_offline_member(no_keys):
    registry = ProviderRegistry(load_config(), Secrets.from_env())
    assert {s.name: s.configured for s in registry.statuses()} == {
        "gemini": False,
        "ollama": False,
        "openai_compatible": False,
        "local": True,
        "google": False,
        "elevenlabs": False,
        "espeak": True,
        "veo": False,
        "cloudflare": False,
        "together": False,
        "huggingface": False,
        "slides": True,
        "web_search": False,
        "pexels": False,
        "pixabay": False,
    }
    writer = registry.script_writer()
    assert [type(w) for w in writer.writers] == [LocalScriptWriter] and writer.name == "local"
    narrator = registry.narrator()
    assert [type(n) for n in narrator.narrators] == [EspeakNarrator]
    # The same identity as the bare eSpeak narrator: clips made before providers existed stay reusable.
    assert narrator.identity(language="en") == EspeakNarrator().identity(language="en")
    offline = registry.image_source()
    assert isinstance(offline, ImageChain) and not offline.generators and offline.search is None
    assert [s.name for s in offline.leading] == ["notes"] and type(offline.last_resort) is SlideRenderer
    assert [type(s) for s in offline.trailing] == [OfflineVisuals]


def test_with_keys_the_real_providers_are_built_in_config_order_without_a_call(no_keys):
    with StubServer() as stub:
        registry = ProviderRegistry(stub_config(stub.url), Secrets.from_env(FAKE_KEYS))
        writer, narrator, images = registry.script_writer(), registry.narrator(), registry.image_source()
        assert stub.requests == []
    assert [type(w) for w in writer.writers] == [
        GeminiScriptWriter,
        OllamaScriptWriter,
        OpenAICompatibleScriptWriter,
        LocalScriptWriter,
    ]
    assert [type(n) for n in narrator.narrators] == [GoogleNarrator, ElevenLabsNarrator, EspeakNarrator]
    assert isinstance(images, ImageChain)
    assert [g.name for g in images.generators] == ["veo", "cloudflare", "together", "huggingface"]
    assert images.search is not None and images.last_resort.name == "slides"
    assert [s.name for s in images.leading] == ["notes"]
    assert all(s.configured for s in registry.statuses())
    assert registry.active("narration") == ["google", "elevenlabs", "espeak"]


def test_veo_runs_only_on_its_own_key_never_on_the_gemini_key_alone(no_keys):
    gemini_only = ProviderRegistry(load_config(), Secrets.from_env({"GEMINI_API_KEY": FAKE_KEYS["GEMINI_API_KEY"]}))
    assert "veo" not in gemini_only.active("images")
    with_veo = ProviderRegistry(load_config(), Secrets.from_env({"VEO_API_KEY": FAKE_KEYS["VEO_API_KEY"]}))
    assert with_veo.active("images") == ["veo", "slides"]
    images = with_veo.image_source()
    assert isinstance(images, ImageChain) and [g.name for g in images.generators] == ["veo"]


def test_a_provider_needs_all_of_its_secrets(no_keys):
    half = Secrets.from_env({"CLOUDFLARE_API_TOKEN": "t", "GOOGLE_CSE_ID": "cx", "HF_TOKEN": ""})
    registry = ProviderRegistry(load_config(), half)
    status = {s.name: s for s in registry.statuses()}
    assert not status["cloudflare"].configured and "CLOUDFLARE_ACCOUNT_ID" in status["cloudflare"].detail
    assert not status["web_search"].configured and not status["huggingface"].configured  # empty = unset
    images = registry.image_source()
    assert isinstance(images, ImageChain) and images.generators == [] and images.search is None
    assert type(images.last_resort) is SlideRenderer


def test_config_errors_name_the_file_and_field(tmp_path, monkeypatch):
    bad = tmp_path / "providers.yaml"
    bad.write_text("script: [unclosed\n")
    with pytest.raises(ProviderConfigError, match="providers.yaml is not valid YAML"):
        load_config(bad)
    data = load_config().model_dump(mode="json")
    data["narration"]["chain"] = ["google", "polly", "espeak"]
    write_config(load_config().model_validate(data), bad)
    monkeypatch.setenv(CONFIG_ENV_VAR, str(bad))
    with pytest.raises(UnknownProviderError, match="unknown narration provider 'polly'"):
        ProviderRegistry(load_config(), Secrets())
    del data["script"]["gemini"]["models"]
    bad.write_text(json.dumps(data))
    with pytest.raises(ProviderConfigError, match=r"script\.gemini\.models: Field required"):
        load_config()


def test_the_resource_binds_env_vars_only_for_the_secrets_that_are_set(no_keys, monkeypatch, tmp_path):
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEYS["GEMINI_API_KEY"])
    monkeypatch.setenv("HF_TOKEN", "")
    resource = ProvidersResource.from_environment()
    assert resource.secrets["gemini_api_key"] == "GEMINI_API_KEY"  # the variable's name, resolved only at run time
    assert "hf_token" not in resource.secrets and "elevenlabs_api_key" not in resource.secrets
    assert FAKE_KEYS["GEMINI_API_KEY"] not in repr(resource)
    with StubServer() as stub:
        monkeypatch.setenv(CONFIG_ENV_VAR, str(write_config(stub_config(stub.url), tmp_path / "p.yaml")))
        with dg.build_resources({"providers": resource}) as built:
            assert built.providers.registry().active("script") == ["gemini", "local"]
            assert [type(w) for w in built.providers.get_script_writer().writers] == [
                GeminiScriptWriter,
                LocalScriptWriter,
            ]
            assert built.providers.registry().active("narration") == ["espeak"]


def test_the_narrator_chain_falls_back_in_config_order_and_reports_it(no_keys, caplog):
    with StubServer(speech_stub) as stub:
        config = stub_config(stub.url, max_attempts=2, breaker_failures=2)
        narrator = ProviderRegistry(config, Secrets.from_env(FAKE_KEYS)).narrator()

        speech = narrator.synthesize("Warm air rises.", language="en")
        assert (speech.provider, speech.attempts, speech.fallbacks) == ("google", 1, [])

        stub.script(Reply.error(503), Reply.error(503))  # google gives up after its 2 attempts
        speech = narrator.synthesize("Warm air rises.", language="en")
        assert (speech.provider, speech.attempts, speech.fallbacks) == ("elevenlabs", 3, ["google"])

        stub.requests.clear()
        stub.script(Reply.error(500), Reply.error(500), Reply.error(500), Reply.error(500))
        with caplog.at_level(logging.WARNING):
            speech = narrator.synthesize("Warm air rises.", language="en")
        assert (speech.provider, speech.fallbacks) == ("espeak", ["google", "elevenlabs"])
        assert speech.attempts == 5 and len(stub.requests) == 4
        assert "narrator google failed" in caplog.text and "narrator elevenlabs failed" in caplog.text

        # Google has now failed twice in a row: its circuit is open and it is skipped with no request.
        stub.requests.clear()
        speech = narrator.synthesize("Warm air rises.", language="en")
        assert speech.provider == "elevenlabs" and speech.fallbacks == ["google"]
        assert [r.route for r in stub.requests] == ["/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"]
    assert all(key not in caplog.text for key in FAKE_KEYS.values())


def test_the_chain_order_comes_from_the_config(no_keys):
    with StubServer(speech_stub) as stub:
        data = stub_config(stub.url).model_dump(mode="json")
        data["narration"]["chain"] = ["elevenlabs", "google", "espeak"]
        config = load_config().model_validate(data)
        speech = ProviderRegistry(config, Secrets.from_env(FAKE_KEYS)).narrator().synthesize("Hi there.", language="en")
    assert speech.provider == "elevenlabs" and [r.route for r in stub.requests][0].startswith("/v1/text-to-speech/")


def test_every_narrator_failing_is_a_pipeline_error_naming_each(no_keys):
    with StubServer(lambda r: Reply.error(500)) as stub:
        data = stub_config(stub.url, max_attempts=1).model_dump(mode="json")
        data["narration"]["chain"] = ["google", "elevenlabs"]
        narrator = ProviderRegistry(load_config().model_validate(data), Secrets.from_env(FAKE_KEYS)).narrator()
        with pytest.raises(PipelineError, match="every narrator failed: google: .*500.*elevenlabs: .*500"):
            narrator.synthesize("Rain.", language="en")


def test_google_tts_with_a_service_account_file(no_keys, tmp_path, monkeypatch):
    # A universe of our own, on both sides: google-auth then makes no call to Google's own
    # iamcredentials service (its regional access boundary lookup), so only the stub is contacted.
    monkeypatch.setenv("GOOGLE_CLOUD_UNIVERSE_DOMAIN", "stub.internal")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with StubServer(speech_stub) as stub:
        account = tmp_path / "service-account.json"
        account.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "p",
                    "private_key_id": "k1",
                    "private_key": pem,
                    "client_email": "tts@p.iam.gserviceaccount.com",
                    "client_id": "1",
                    "token_uri": f"{stub.url}/token",
                    "universe_domain": "stub.internal",
                }
            )
        )
        registry = ProviderRegistry(
            stub_config(stub.url), Secrets.from_env({"GOOGLE_APPLICATION_CREDENTIALS": str(account)})
        )
        assert registry.active("narration") == ["google", "espeak"]
        speech = registry.narrator().synthesize("Warm air rises.", language="en")
    assert speech.provider == "google"
    # Outside Google's default universe the account signs its own JWT (no token exchange):
    # the request carries it, and it verifies against the account's public key.
    (synthesize,) = stub.requests
    scheme, token = synthesize.header("Authorization").split(" ", 1)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    claims = google_jwt.decode(token, certs={"k1": public}, verify=True)
    assert scheme == "Bearer" and claims["iss"] == "tts@p.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"


def test_the_providers_command_lists_status_and_chains_without_secrets(no_keys, monkeypatch, capsys):
    assert main(["providers"]) == 0
    offline = capsys.readouterr().out
    assert "gemini" in offline and "not configured  needs GEMINI_API_KEY" in offline
    assert "narration: google > elevenlabs > espeak  ->  espeak" in offline

    for var, value in FAKE_KEYS.items():
        monkeypatch.setenv(var, value)
    assert main(["providers"]) == 0
    online = capsys.readouterr().out
    assert "GEMINI_API_KEY set" in online and "not configured" not in online
    assert (
        "images: veo > cloudflare > together > huggingface > slides  ->  "
        "veo > cloudflare > together > huggingface > slides"
    ) in online
    assert all(value not in online for value in FAKE_KEYS.values())
