"""google-api-python-client requests under our HTTP policy: its errors read as the policy's Failures.

The client's own retries stay off (`num_retries=0`): the policy is the one retry owner,
with its backoff, Retry-After handling and circuit breaker.
"""

from __future__ import annotations

import http.client
from typing import Any

import httplib2
from google.auth import exceptions as auth_errors
from googleapiclient.errors import HttpError as GoogleHttpError

from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.http.retry import Failure, status_failure


def execute(request: Any) -> Any:
    """Run one `HttpRequest` once; raise a classified Failure (retryable or not) when it fails."""
    try:
        return request.execute(num_retries=0)
    except GoogleHttpError as err:
        failure = status_failure(err.resp.status, {"Retry-After": err.resp.get("retry-after", "")})
        raise failure or Failure(f"answered {err.resp.status}", retryable=False) from None
    except auth_errors.RefreshError as err:
        # The token exchange failed: a bad key stays bad; google-auth says when a retry may help.
        raise Failure(
            f"could not get an access token ({type(err).__name__})", retryable=bool(getattr(err, "retryable", False))
        ) from None
    except auth_errors.TransportError:
        raise Failure("could not reach the token endpoint", retryable=True) from None
    except UnicodeDecodeError:
        raise Failure("answered malformed JSON", retryable=False, kind=UnexpectedContentError) from None
    except TimeoutError:
        raise Failure("timed out", retryable=True) from None
    except http.client.IncompleteRead:
        raise Failure("sent a truncated body", retryable=True) from None
    except (httplib2.HttpLib2Error, OSError) as err:
        raise Failure(f"connection failed ({type(err).__name__})", retryable=True) from None
