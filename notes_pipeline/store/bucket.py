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

from notes_pipeline.store.keys import validate_key

M = TypeVar("M", bound=BaseModel)
# mkstemp makes private files; objects are ordinary files a person opens and shares.
OBJECT_MODE = 0o644


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
    def list(self, prefix: str, *, start_after: str | None = None, limit: int | None = None) -> list[ObjectInfo]: ...
    def delete(self, key: str) -> None: ...
    def uri(self, key: str) -> str: ...
    def local_path(self, key: str) -> Path | None:
        """A path on this machine for reading the object in place, when there is one."""
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
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
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
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
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

    def list(self, prefix: str, *, start_after: str | None = None, limit: int | None = None) -> list[ObjectInfo]:
        """Regular files under `prefix` after `start_after`, in key order, at most `limit` of them.

        Folders are walked in key order and the walk stops at `limit`, skipping whole
        folders that sort before `start_after`: a capped listing costs about `limit` entries,
        not the whole inbox (as S3's StartAfter/MaxKeys do). Dotfiles and dot-folders (our
        in-flight temp files), FIFOs and symlinks are never listed.
        """
        found: list[ObjectInfo] = []
        if limit is not None and limit <= 0:
            return found
        folder = prefix.rpartition("/")[0]
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return found
        self._walk(base, f"{folder}/" if folder else "", prefix, start_after or "", limit, found)
        return found

    def _walk(self, folder: Path, at: str, prefix: str, after: str, limit: int | None, found: list[ObjectInfo]) -> bool:
        """Append matching files below `folder` (whose keys start with `at`); False once `limit` is reached."""
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if not e.name.startswith(".")]
        except (FileNotFoundError, NotADirectoryError):
            return True  # removed while we listed
        # A folder's keys all start with "name/": sorting folders by that string gives key order.
        entries.sort(key=lambda e: e.name + "/" if e.is_dir(follow_symlinks=False) else e.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                sub = f"{at}{entry.name}/"
                if not (sub.startswith(prefix) or prefix.startswith(sub)) or (sub < after and not after.startswith(sub)):
                    continue
                if not self._walk(Path(entry.path), sub, prefix, after, limit, found):
                    return False
                continue
            key = at + entry.name
            if not key.startswith(prefix) or key <= after:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we listed
            # Only regular files: a FIFO would block a reader, a symlink could point anywhere.
            if stat.S_ISREG(st.st_mode):
                found.append(ObjectInfo(key, st.st_size, st.st_mtime_ns))
                if limit is not None and len(found) >= limit:
                    return False
        return True

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


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
