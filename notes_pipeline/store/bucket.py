"""Object storage behind one small interface: a local folder by default, or S3/R2 (store/s3.py).

Writes are atomic (temp file + rename locally; a PUT is atomic on S3), so a reader never
sees half an object and a crashed run never leaves a truncated video under its final key.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from notes_pipeline.store.keys import MAX_KEY_LENGTH, InvalidKeyError, validate_key

M = TypeVar("M", bound=BaseModel)
# mkstemp makes private files; objects are ordinary files a person opens and shares.
OBJECT_MODE = 0o644
# Bytes of an object's name kept in its temporary file's name: a 250-byte name plus '.' + 8 + '.part' would
# pass the 255 bytes a folder entry may hold.
_TEMP_NAME_BYTES = 120


class ObjectNotFoundError(KeyError):
    pass


class BucketError(OSError):
    """The bucket could not be reached or refused a request (after the client's own retries)."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified_ns: int
    etag: str | None = None  # S3's entity tag; None for local files
    refused: str | None = None  # why the name cannot be used as a key (only listed with hidden=True)

    @property
    def version(self) -> str:
        """What changes when the object is rewritten: the ETag on S3, the modification time locally."""
        return self.etag or str(self.modified_ns)


class Bucket(Protocol):
    def put_bytes(self, key: str, data: bytes) -> None: ...
    def put_file(self, key: str, path: Path) -> None: ...
    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes: ...
    def download(self, key: str, dest: Path) -> Path: ...
    def stat(self, key: str) -> ObjectInfo | None: ...
    def list(
        self, prefix: str, *, start_after: str | None = None, limit: int | None = None, hidden: bool = False
    ) -> list[ObjectInfo]:
        """Objects under `prefix` in key order; `hidden` adds dot-named files and names no key can hold
        (with `refused` set), for the inbox, which names what it skips instead of ignoring it."""
        ...

    def delete(self, key: str) -> None: ...
    def uri(self, key: str) -> str: ...
    def local_path(self, key: str) -> Path | None:
        """A path on this machine for reading the object in place, when there is one."""
        ...

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        """A time-limited HTTPS link anyone can fetch the object with, when the store can sign one."""
        ...


class LocalBucket:
    """A folder used as a bucket; object keys are '/'-separated paths below `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"object key {key!r} resolves outside the bucket")
        return path

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path.name), suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, OBJECT_MODE)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: Path) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=_temp_prefix(dest.name), suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.chmod(tmp, OBJECT_MODE)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        try:
            with self._path(key).open("rb") as fh:
                return fh.read() if max_bytes is None else fh.read(max_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFoundError(key) from None

    def download(self, key: str, dest: Path) -> Path:
        src = self._path(key)
        if not src.is_file():
            raise ObjectNotFoundError(key)
        shutil.copyfile(src, dest)
        return dest

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(key, st.st_size, st.st_mtime_ns)

    def list(
        self, prefix: str, *, start_after: str | None = None, limit: int | None = None, hidden: bool = False
    ) -> list[ObjectInfo]:
        """Regular files under `prefix` after `start_after`, in key order, at most `limit` of them.

        Folders are walked in key order and the walk stops at `limit`, skipping whole
        folders that sort before `start_after`: a capped listing costs about `limit` entries,
        not the whole inbox (as S3's StartAfter/MaxKeys do). Dotfiles (our in-flight temp files)
        and names that are not valid keys (not UTF-8, control characters) are listed only with
        `hidden`; dot-folders, FIFOs and symlinks never.
        """
        validate_prefix(prefix)
        found: list[ObjectInfo] = []
        if limit is not None and limit <= 0:
            return found
        folder = prefix.rpartition("/")[0]
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return found
        self._walk(base, f"{folder}/" if folder else "", prefix, start_after or "", limit, found, hidden)
        return found

    def _walk(
        self, folder: Path, at: str, prefix: str, after: str, limit: int | None, found: list[ObjectInfo], hidden: bool
    ) -> bool:
        """Append matching files below `folder` (whose keys start with `at`); False once `limit` is reached."""
        try:
            with os.scandir(folder) as it:
                entries = [
                    e for e in it if not e.name.startswith(".") or (hidden and not e.is_dir(follow_symlinks=False))
                ]
        except (FileNotFoundError, NotADirectoryError):
            return True  # removed while we listed
        # A folder's keys all start with "name/": sorting folders by that string gives key order.
        entries.sort(key=lambda e: e.name + "/" if e.is_dir(follow_symlinks=False) else e.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                sub = f"{at}{entry.name}/"
                if not (sub.startswith(prefix) or prefix.startswith(sub)) or (
                    sub < after and not after.startswith(sub)
                ):
                    continue
                if not self._walk(Path(entry.path), sub, prefix, after, limit, found, hidden):
                    return False
                continue
            key = at + entry.name
            if not key.startswith(prefix) or key <= after:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we listed
            refused = refusal(key)
            # Only regular files: a FIFO would block a reader, a symlink could point anywhere.
            if stat.S_ISREG(st.st_mode) and (hidden or refused is None):
                found.append(ObjectInfo(key, st.st_size, st.st_mtime_ns, refused=refused))
                if limit is not None and len(found) >= limit:
                    return False
        return True

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def presigned_url(self, key: str, expires_s: int = 3600) -> str | None:
        return None


def validate_prefix(prefix: str) -> str:
    """A listing prefix obeys the key rules ('' is the whole bucket): list('../') must not reach outside."""
    return validate_key(prefix) if prefix else prefix


def refusal(key: str) -> str | None:
    """Why a listed name cannot be used as an object key (without repeating the name), or None when it can."""
    try:
        validate_key(key)
    except InvalidKeyError:
        bad = next((ch for ch in key if "\udc80" <= ch <= "\udcff"), None)
        if bad is not None:  # os.scandir hands over undecodable bytes as these surrogates
            return f"the file name is not valid UTF-8 (byte 0x{ord(bad) - 0xDC00:02x})"
        control = next((ch for ch in key if ord(ch) < 32 or ord(ch) == 127), None)
        if control is not None:
            return f"the file name contains a control character ({control!r})"
        if "\\" in key:
            return "the file name contains a backslash"
        if len(key.encode()) > MAX_KEY_LENGTH:
            return f"the name is over {MAX_KEY_LENGTH:,} bytes"
        return "the name has an empty, '.' or '..' folder in its path"
    return None


def _temp_prefix(name: str) -> str:
    return "." + name.encode()[:_TEMP_NAME_BYTES].decode(errors="ignore") + "."


def put_model(bucket: Bucket, key: str, model: BaseModel) -> bytes:
    """Store a pydantic model as indented JSON; returns the bytes written (for hashing)."""
    data = model.model_dump_json(indent=2).encode()
    bucket.put_bytes(key, data)
    return data


def get_json(bucket: Bucket, key: str) -> object:
    return json.loads(bucket.get_bytes(key))


def load_model(bucket: Bucket, key: str, model: type[M]) -> M | None:
    """The stored model at `key`, or None when it is missing or no longer matches the model."""
    try:
        return model.model_validate_json(bucket.get_bytes(key))
    except (ObjectNotFoundError, ValueError):
        return None


def open_bucket(location: str, *, s3_client: Callable[[], Any] | None = None) -> Bucket:
    """The bucket at `location`: a local folder path, or `s3://bucket[/prefix]` (S3, R2, MinIO).

    `s3_client` makes the boto3 client for an s3:// location (the Dagster resource passes
    dagster-aws's S3Resource client); it is only called when one is needed.
    """
    if location.startswith("s3://"):
        if s3_client is None:
            raise ValueError(f"bucket {location} is on S3 but no S3 client was given")
        from notes_pipeline.store.s3 import S3Bucket  # boto3 loads only when a bucket is on S3

        return S3Bucket.from_url(location, s3_client())
    if "://" in location:
        raise ValueError(f"unsupported bucket location {location!r}: use a folder path or s3://bucket/prefix")
    return LocalBucket(location)
