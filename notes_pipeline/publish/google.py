"""What YouTube and Drive uploads share: user OAuth credentials, the client, the resumable upload loop.

Credentials are an authorized-user JSON (client id and secret and a refresh token, what
`gcloud auth application-default login` or an OAuth consent flow writes), read from
NOTES_PIPELINE_GOOGLE_OAUTH only: the JSON itself or a path to it. Access tokens are minted
from the refresh token by google-auth and refreshed on a 401 by `AuthorizedHttp`.

The upload loop is the one retry owner for uploads (the client's own `num_retries` stays 0):
a 5xx or a dropped connection is resumed, where google-api-python-client first asks the
session how far it got (`PUT Content-Range: bytes */N` -> 308 with `Range`) and sends only the
rest; a quota, permission or other 4xx answer stops at once with one line saying what to do.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httplib2
from google.auth import exceptions as auth_errors
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from notes_pipeline.domain.errors import BadInputError, PipelineError

log = logging.getLogger(__name__)
Sleep = Callable[[float], None]
Progress = Callable[[int, int], None]

YOUTUBE_SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)  # force-ssl: captions.insert
DRIVE_SCOPES = ("https://www.googleapis.com/auth/drive.file",)
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024  # a multiple of 256 KiB, as resumable sessions require
MAX_RESUMES = 8
ENV_NAME = "NOTES_PIPELINE_GOOGLE_OAUTH"

# 4xx reasons Google sends, worded as what a person does about them.
_REASONS = {
    "quotaExceeded": "the project's daily API quota is used up; try again after it resets (midnight Pacific time) "
    "or ask Google for more",
    "uploadLimitExceeded": "the channel has reached its upload limit for now; try again later",
    "dailyLimitExceeded": "the project's daily API quota is used up; try again tomorrow",
    "storageQuotaExceeded": "the Drive account is out of storage",
    "forbidden": "the account is not allowed to do this",
    "insufficientPermissions": "the OAuth token lacks a scope this needs; authorize again with the upload scopes",
    "youtubeSignupRequired": "the Google account has no YouTube channel yet",
    "notFound": "the folder or video was not found (or is not shared with this account)",
    "authError": "the credentials were refused; authorize again",
}


class PublishError(PipelineError):
    """Publishing failed with an answer that retrying will not change (quota, permissions, bad request)."""

    retryable = False


class PublishConfigError(BadInputError):
    """The publishing credentials or options cannot be used; the message never repeats a secret."""


def user_credentials(value: str | None, scopes: tuple[str, ...], *, token_uri: str | None = None) -> Any:
    """`google.oauth2.credentials.Credentials` from the authorized-user JSON (or a path to it).

    google-auth always sends refresh tokens to Google's own token endpoint, whatever the JSON
    says (so a forged file cannot redirect them); `token_uri` comes from our settings instead.
    """
    from google.oauth2.credentials import Credentials

    if not value or not value.strip():
        raise PublishConfigError(
            f"publishing needs {ENV_NAME}: an authorized-user JSON with a refresh token (or the path of one)"
        )
    text = value.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise PublishConfigError(f"{ENV_NAME} is neither authorized-user JSON nor a readable file")
        text = path.read_text(encoding="utf-8")
    try:
        info = json.loads(text)
        credentials = Credentials.from_authorized_user_info(info, scopes=list(scopes))
    except (ValueError, KeyError, TypeError) as err:
        raise PublishConfigError(
            f"{ENV_NAME} is not a usable authorized-user JSON ({type(err).__name__}: it needs "
            "client_id, client_secret and refresh_token)"
        ) from None
    return credentials.with_token_uri(token_uri) if token_uri else credentials


def google_service(
    api: str,
    version: str,
    credentials: Any,
    *,
    endpoint: str | None = None,
    timeout_s: float = 60,
    ca_certs: str | None = None,
) -> Any:
    """The real client from its bundled discovery document (building it makes no request).

    `ca_certs`: a CA bundle to trust instead of the system's (a TLS emulator or proxy); the
    client sends media uploads over https to the endpoint's host, so an emulator speaks TLS.
    """
    import google_auth_httplib2
    from googleapiclient.discovery import build

    raw = httplib2.Http(timeout=timeout_s, ca_certs=ca_certs)
    # 308 is "Resume Incomplete" to an upload session, not a redirect (googleapiclient's own build_http
    # does the same; it is not used here because the credentials wrap the Http object).
    raw.redirect_codes = raw.redirect_codes - {308}
    authorized = google_auth_httplib2.AuthorizedHttp(credentials, http=raw)
    options = {"api_endpoint": endpoint if endpoint.endswith("/") else endpoint + "/"} if endpoint else None
    return build(api, version, http=authorized, static_discovery=True, cache_discovery=False, client_options=options)


class ReplayableFileUpload(MediaFileUpload):
    """A file upload whose chunks are sent as bytes rather than as a slice of the open file.

    httplib2 sends a request once more by itself when the connection closes before the answer
    (the server went away after the whole chunk was written). A file slice was read by the first
    attempt, so the second would announce the chunk's length, send nothing and hang until the
    read timeout; bytes are sent again whole, and the session keeps what it already had.
    """

    def has_stream(self) -> bool:
        return False


def _reason(err: HttpError) -> str:
    """Google's error reason ('quotaExceeded') from the JSON body, or ''."""
    try:
        body = json.loads(err.content.decode("utf-8", "replace"))
        error = body.get("error", {})
        details = error.get("errors") or [{}]
        return str(details[0].get("reason") or error.get("status") or "")
    except (ValueError, AttributeError, TypeError):
        return ""


# 403s that Google documents as "slow down and try again", unlike quotaExceeded (the day's quota is gone).
_RATE_LIMITS = ("rateLimitExceeded", "userRateLimitExceeded")


def _transient(err: HttpError) -> bool:
    return err.resp.status >= 500 or err.resp.status in (408, 429) or _reason(err) in _RATE_LIMITS


def final_error(err: HttpError, what: str) -> PublishError:
    """One line: what failed, Google's status and reason, and what a person can do."""
    reason = _reason(err)
    advice = _REASONS.get(reason) or (
        "the credentials were refused; authorize again" if err.resp.status == 401 else "the request was refused"
    )
    return PublishError(f"{what} failed: Google answered {err.resp.status}{f' {reason}' if reason else ''}: {advice}")


def _connection_errors() -> tuple[type[BaseException], ...]:
    # TransportError: the token endpoint could not be reached (a refresh before a chunk).
    return (httplib2.HttpLib2Error, http.client.HTTPException, OSError, TimeoutError, auth_errors.TransportError)


def _backoff(attempt: int) -> float:
    return min(30.0, 2.0**attempt) * (0.5 + random.random() / 2)


def call(request: Any, what: str, *, attempts: int = 3, sleep: Sleep = time.sleep) -> Any:
    """Execute one small (non-resumable) request; transient failures are retried a few times."""
    for attempt in range(1, attempts + 1):
        try:
            return request.execute(num_retries=0)
        except HttpError as err:
            if not _transient(err) or attempt == attempts:
                raise (
                    final_error(err, what)
                    if not _transient(err)
                    else PipelineError(f"{what} failed: Google answered {err.resp.status} {attempts} times")
                ) from None
        except auth_errors.RefreshError:
            raise PublishError(f"{what} failed: the OAuth refresh token was refused; authorize again") from None
        except _connection_errors() as err:
            if attempt == attempts:
                raise PipelineError(f"{what} failed: the connection kept failing ({type(err).__name__})") from None
        sleep(_backoff(attempt))
    raise AssertionError("unreachable")


def resumable_upload(
    request: Any,
    what: str,
    *,
    max_resumes: int = MAX_RESUMES,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a resumable media request to the end and return the created resource (it has an id).

    Each `next_chunk()` sends one chunk; after a 5xx or a dropped connection the next call
    asks the session for the last byte it acknowledged and resumes there (never from zero).
    Up to `max_resumes` interruptions in a row are resumed; a 4xx stops at once.
    """
    failures_in_a_row = 0
    while True:
        try:
            status, response = request.next_chunk(num_retries=0)
        except HttpError as err:
            if not _transient(err):
                raise final_error(err, what) from None
            cause = f"Google answered {err.resp.status}"
        except auth_errors.RefreshError:
            raise PublishError(f"{what} failed: the OAuth refresh token was refused; authorize again") from None
        except _connection_errors() as err:
            cause = f"the connection failed ({type(err).__name__})"
        else:
            failures_in_a_row = 0
            if response is not None:
                if not isinstance(response.get("id"), str) or not response["id"]:
                    raise PipelineError(f"{what} answered without an id")
                return response
            if status is not None and progress is not None:
                progress(status.resumable_progress, status.total_size)
            continue
        failures_in_a_row += 1
        if failures_in_a_row > max_resumes:
            raise PipelineError(f"{what} failed: {cause}, {max_resumes} resumes in a row did not get further")
        log.warning("%s: %s; resuming the upload session (%d of %d)", what, cause, failures_in_a_row, max_resumes)
        sleep(_backoff(failures_in_a_row))
