"""The bucket on S3 or anything speaking its API (Cloudflare R2, MinIO), through one boto3 client.

Retries have one owner: boto3. The client comes from dagster-aws's S3Resource, which sets
botocore's "standard" retry mode (exponential backoff with jitter on throttling, 5xx and
connection errors, bounded by `max_attempts`). This module never retries a call itself:
a second layer would multiply attempts (ours x boto3's) and hide throttling from boto3's
own back-off. What fails after boto3's attempts is raised as `BucketError`, and the caller
decides (a sensor skips the tick and tries again on the next one; an asset fails its step).

Every key is validated (`keys.validate_key`) before any request is made, and the bucket's
own prefix is added here, so no caller can reach outside `s3://bucket/prefix/`.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from notes_pipeline.store.bucket import BucketError, ObjectInfo, ObjectNotFoundError, refusal, validate_prefix
from notes_pipeline.store.keys import MAX_KEY_LENGTH, InvalidKeyError, validate_key

# list_objects_v2 returns at most 1,000 keys per page whatever MaxKeys asks for.
PAGE_SIZE = 1000
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """('bucket', 'prefix/') from 's3://bucket/prefix'; the prefix is '' or ends with '/'."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// bucket URL: {url!r}")
    name, _, prefix = url[len("s3://") :].partition("/")
    if not _BUCKET_NAME.match(name) or ".." in name:
        raise ValueError(f"{url!r}: {name!r} is not a valid bucket name (3-63 lowercase letters, digits, '.', '-')")
    prefix = prefix.rstrip("/")
    if prefix:
        validate_key(prefix)
        prefix += "/"
    return name, prefix


def _modified_ns(when: datetime) -> int:
    # Integer arithmetic: a float timestamp * 1e9 loses the last digits.
    return int(when.timestamp()) * 1_000_000_000 + when.microsecond * 1000


def _is_listable(key: str, refused: str | None, hidden: bool) -> bool:
    """Keys a listing may return, like the local bucket's: never folder markers or keys inside dot-folders;
    dot-named files and keys our validation refuses only when `hidden`."""
    folders, _, name = key.rpartition("/")
    if not name or any(part.startswith(".") and part not in (".", "..") for part in folders.split("/")):
        return False
    return hidden or (refused is None and not name.startswith("."))


class S3Bucket:
    """A bucket (optionally below a prefix) on S3/R2; object keys are the keys below that prefix."""

    def __init__(self, client: Any, name: str, prefix: str = "") -> None:
        if prefix and not prefix.endswith("/"):
            raise ValueError(f"bucket prefix {prefix!r} must end with '/'")
        self.client = client
        self.name = name
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, client: Any) -> S3Bucket:
        name, prefix = parse_s3_url(url)
        return cls(client, name, prefix)

    def _key(self, key: str) -> str:
        full = self.prefix + validate_key(key)
        if len(full.encode()) > MAX_KEY_LENGTH:
            raise InvalidKeyError(f"object key {key!r} with the bucket prefix is over {MAX_KEY_LENGTH} bytes")
        return full

    def _error(self, operation: str, key: str, err: Exception) -> Exception:
        """Our error for a failed call: names bucket, key and S3's error code, never credentials."""
        where = f"s3://{self.name}/{self.prefix}{key}"
        if isinstance(err, ClientError):
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND:
                return ObjectNotFoundError(key)
            if code == "NoSuchBucket":
                return BucketError(f"bucket {self.name!r} does not exist (at {operation} {key!r})")
            message = str(err.response.get("Error", {}).get("Message", ""))
            return BucketError(f"{operation} {where} failed: {code or 'error'} {message}".rstrip())
        return BucketError(f"{operation} {where} failed: {type(err).__name__}: {err}")

    def put_bytes(self, key: str, data: bytes) -> None:
        full = self._key(key)
        try:
            self.client.put_object(Bucket=self.name, Key=full, Body=data, **self._content_type(key))
        except (ClientError, BotoCoreError) as err:
            raise self._error("put", key, err) from None

    def put_file(self, key: str, path: Path) -> None:
        """Streams the file (multipart above boto3's threshold): a video never sits whole in memory."""
        full = self._key(key)
        try:
            self.client.upload_file(str(path), self.name, full, ExtraArgs=self._content_type(key) or None)
        except (ClientError, BotoCoreError) as err:
            raise self._error("upload", key, err) from None
        except S3UploadFailedError as err:
            # boto3 wraps the ClientError of a failed upload; S3's error code is on the wrapped one.
            raise self._error(
                "upload", key, err.__context__ if isinstance(err.__context__, ClientError) else err
            ) from None

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        """The object's bytes; with `max_bytes`, only that many are requested (an HTTP Range)."""
        full = self._key(key)
        extra = {} if max_bytes is None else {"Range": f"bytes=0-{max(max_bytes, 1) - 1}"}
        try:
            response = self.client.get_object(Bucket=self.name, Key=full, **extra)
            with response["Body"] as body:
                return body.read() if max_bytes is None else body.read(max_bytes)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""  # a range on an empty object: there is nothing to read
            raise self._error("get", key, err) from None
        except BotoCoreError as err:
            raise self._error("get", key, err) from None

    def download(self, key: str, dest: Path) -> Path:
        full = self._key(key)
        try:
            self.client.download_file(self.name, full, str(dest))
        except (ClientError, BotoCoreError, RetriesExceededError) as err:
            raise self._error("download", key, err) from None
        return dest

    def stat(self, key: str) -> ObjectInfo | None:
        full = self._key(key)
        try:
            head = self.client.head_object(Bucket=self.name, Key=full)
        except ClientError as err:
            found = self._error("stat", key, err)
            if isinstance(found, ObjectNotFoundError):
                return None
            raise found from None
        except BotoCoreError as err:
            raise self._error("stat", key, err) from None
        return ObjectInfo(key, int(head["ContentLength"]), _modified_ns(head["LastModified"]), head.get("ETag"))

    def list(
        self, prefix: str, *, start_after: str | None = None, limit: int | None = None, hidden: bool = False
    ) -> list[ObjectInfo]:
        """Objects under `prefix` after `start_after`, in key order, at most `limit` of them.

        Pages through list_objects_v2 (1,000 keys a page) only as far as `limit` needs, so a
        caller with a cap never pays for the rest of a large prefix. Keys our validation
        refuses, folder markers and dot segments are left out (like the local bucket's
        dotfiles), so every key returned can be used with the other methods; `hidden` adds
        dot-named files and refused keys (with `refused` set) but never what is inside dot-folders.
        """
        validate_prefix(prefix)
        params: dict[str, Any] = {"Bucket": self.name, "Prefix": self.prefix + prefix}
        if start_after:
            # A hidden listing's keys include names our validation refuses; each is a position the next page
            # must be able to start after. A position is never read or written, and Prefix still bounds the list.
            params["StartAfter"] = self.prefix + start_after if hidden else self._key(start_after)
        found: list[ObjectInfo] = []
        while limit is None or len(found) < limit:
            page_size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - len(found))
            try:
                page = self.client.list_objects_v2(**params, MaxKeys=page_size)
            except (ClientError, BotoCoreError) as err:
                raise self._error("list", prefix, err) from None
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                refused = refusal(key)
                if _is_listable(key, refused, hidden):
                    found.append(
                        ObjectInfo(
                            key,
                            int(item["Size"]),
                            _modified_ns(item["LastModified"]),
                            item.get("ETag"),
                            refused=refused,
                        )
                    )
            if not page.get("IsTruncated"):
                break
            params.pop("StartAfter", None)
            params["ContinuationToken"] = page["NextContinuationToken"]
        return found if limit is None else found[:limit]

    def delete(self, key: str) -> None:
        full = self._key(key)
        try:
            self.client.delete_object(Bucket=self.name, Key=full)
        except (ClientError, BotoCoreError) as err:
            raise self._error("delete", key, err) from None

    def uri(self, key: str) -> str:
        return f"s3://{self.name}/{self._key(key)}"

    def local_path(self, key: str) -> Path | None:
        self._key(key)
        return None

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        """Signed locally with the client's credentials: no request is made, so it cannot fail on the network."""
        try:
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.name, "Key": self._key(key)}, ExpiresIn=expires_s
            )
        except (ClientError, BotoCoreError) as err:
            raise self._error("presign", key, err) from None

    @staticmethod
    def _content_type(key: str) -> dict[str, str]:
        """A Content-Type from the name, so a presigned link plays a video instead of downloading bytes."""
        guessed, _ = mimetypes.guess_type(key)
        return {"ContentType": guessed} if guessed else {}
