"""Where uploaded files live: one small interface, a local folder by default.

Two areas share it:

- ``public/...``: files anyone may fetch (product images, logos), served under content-hashed
  names with long cache headers.
- ``private/...``: files only the app hands out after a permission check (a download product's
  file, lesson attachments, assignment submissions).

Keys are relative POSIX paths chosen by the app (never by the uploader). The default backend,
``LocalStorage``, writes under ``UPLOAD_FOLDER`` (default ``<instance>/uploads``). Several app hosts
must share that folder (NFS, a mounted volume), or a deployment sets ``STORAGE_BACKEND`` to a class
with the same five methods (``save``, ``open``, ``exists``, ``delete``, ``local_path``), for example
one that talks to an object store.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from flask import current_app
from werkzeug.utils import import_string

AREAS = ("public", "private")


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def local_path(self, key: str) -> Path | None: ...


def check_key(key: str) -> str:
    """``key`` if it is a relative path inside one of the areas; ValueError otherwise."""
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2 or path.parts[0] not in AREAS:
        raise ValueError(f"bad storage key: {key!r}")
    return str(path)


class LocalStorage:
    """Files in a folder of this machine (``UPLOAD_FOLDER``); writes are atomic (temp + rename)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        """The file on this machine (for ``send_file``), or None for a remote backend."""
        return self._path(key)


def storage() -> Storage:
    """The app's storage (one per app, built on first use from ``STORAGE_BACKEND`` and ``UPLOAD_FOLDER``)."""
    ext = current_app.extensions
    backend = current_app.config.get("STORAGE_BACKEND")
    root = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    built = ext.get("volmify_storage")
    if built is None or built[0] != (backend, root):  # built again when the configuration changed (tests)
        built = ((backend, root), import_string(backend)(root) if backend else LocalStorage(root))
        ext["volmify_storage"] = built
    return built[1]
