"""google-genai calls under our HTTP policy: the SDK's errors read as the policy's Failures, its own retries off.

Gemini scripts, Veo clips and Gemini embeddings all call through here, so the policy's loop
(`HttpClient.call`) is the one retry owner of every google-genai request.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

from google.genai import errors as genai_errors
from google.genai import types

from notes_pipeline.providers.http.retry import Failure, sdk_failure

T = TypeVar("T")


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP library's own errors, which the SDK lets through unwrapped (timeouts, refused connections)."""
    found: list[type[BaseException]] = [TimeoutError, ConnectionError]
    for module in ("httpx2", "httpx"):  # google-genai uses one of them, depending on its version
        try:
            found.append(importlib.import_module(module).TransportError)
        except (ImportError, AttributeError):
            pass
    return tuple(found)


TRANSPORT_ERRORS = _transport_errors()


def genai_http_options(*, base_url: str | None, timeout_s: float) -> types.HttpOptions:
    """The client's HTTP options. google-genai retries nothing while `retry_options` is unset; one attempt is
    asked for explicitly so a changed SDK default can never add a second retry loop under ours."""
    return types.HttpOptions(
        base_url=base_url, timeout=int(timeout_s * 1000), retry_options=types.HttpRetryOptions(attempts=1)
    )


def genai_failure(err: genai_errors.APIError) -> Failure:
    """429 and 5xx are retried (Retry-After honoured); 401/403 count towards the breaker; other 4xx are final."""
    headers = getattr(err.response, "headers", None) or {}
    retry_after = next((value for name, value in headers.items() if name.lower() == "retry-after"), None)
    return sdk_failure(int(err.code or 0), err.status or "", {"Retry-After": retry_after} if retry_after else {})


def genai_call(call: Callable[[], T]) -> T:
    """One SDK request; an API error or a transport failure is raised as the policy's classified Failure."""
    try:
        return call()
    except genai_errors.APIError as err:
        raise genai_failure(err) from None
    except TRANSPORT_ERRORS as err:
        raise Failure(f"failed in transport ({type(err).__name__})", retryable=True) from None
