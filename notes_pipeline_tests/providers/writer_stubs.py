"""Script writers pointed at the loopback stubs: shared by the writer tests and the script-kind tests."""

from __future__ import annotations

from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.llm.gemini import GeminiScriptWriter
from notes_pipeline.providers.llm.local_llm import OllamaScriptWriter, OpenAICompatibleScriptWriter
from notes_pipeline_tests.providers.stubs import StubServer

KEY = "AI" + "zaSy-test-gemini-key-7c1e"


def writer(stub: StubServer, sleeps: list[float] | None = None, **gemini) -> GeminiScriptWriter:
    config = load_config().script.gemini.model_copy(update={"base_url": stub.url, "timeout_s": 2, **gemini})
    http = HttpConfig(max_attempts=3, backoff_base_s=0.25, backoff_max_s=5)
    return GeminiScriptWriter(
        config, api_key=KEY, http=http, sleep=sleeps.append if sleeps is not None else (lambda s: None)
    )


HTTP = HttpConfig(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05)


def ollama(stub: StubServer) -> OllamaScriptWriter:
    return OllamaScriptWriter(load_config().script.ollama, base_url=stub.url, http=HTTP, sleep=lambda s: None)


def openai(stub: StubServer, key: str | None = "lm-studio-key") -> OpenAICompatibleScriptWriter:
    return OpenAICompatibleScriptWriter(
        load_config().script.openai_compatible, base_url=f"{stub.url}/v1", api_key=key, http=HTTP, sleep=lambda s: None
    )
