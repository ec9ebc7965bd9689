"""Content-addressed store of raw fetched bytes: ``<root>/<sha256[:2]>/<sha256>``.

Bytes are written once (atomically, via a temporary file and rename) and never modified, so a
better parser can re-read every document without the network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class BlobCorrupted(RuntimeError):
    """A stored blob's bytes no longer match its address."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store ``data`` (no-op if present) and return its sha256 hex digest."""
        digest = sha256_hex(data)
        path = self.path_for(digest)
        if path.exists() and path.stat().st_size == len(data):
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; raises FileNotFoundError or BlobCorrupted."""
        data = self.path_for(digest).read_bytes()
        if sha256_hex(data) != digest:
            raise BlobCorrupted(f"blob {digest} in {self.root} does not match its digest")
        return data

    def has(self, digest: str) -> bool:
        return self.path_for(digest).exists()
