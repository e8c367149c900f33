"""Object storage behind one small interface: a local folder by default, S3/R2 later.

Writes are atomic (temp file + rename), so a reader never sees half an object and a
crashed run never leaves a truncated video under its final key.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel

from notes_pipeline.store.keys import validate_key

M = TypeVar("M", bound=BaseModel)
# mkstemp makes private files; objects are ordinary files a person opens and shares.
OBJECT_MODE = 0o644


class ObjectNotFoundError(KeyError):
    pass


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified_ns: int


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
        """Regular files under `prefix` in key order, skipping dotfiles (our in-flight temp files)."""
        base = self.root / prefix.rstrip("/") if prefix.endswith("/") else self.root
        found: list[ObjectInfo] = []
        if not base.is_dir():
            return found
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith("."):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if not key.startswith(prefix) or (start_after is not None and key <= start_after):
                    continue
                try:
                    st = full.lstat()
                except FileNotFoundError:
                    continue  # removed while we listed
                # Only regular files: a FIFO would block a reader, a symlink could point anywhere.
                if stat.S_ISREG(st.st_mode):
                    found.append(ObjectInfo(key, st.st_size, st.st_mtime_ns))
        found.sort(key=lambda o: o.key)
        return found[:limit] if limit is not None else found

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
