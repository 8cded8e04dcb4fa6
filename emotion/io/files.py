"""Files on disk and the one error a bad file or column raises, without pandas (the model loaders and the text checks
read this, so loading a model never imports pandas)."""

from __future__ import annotations

import hashlib
from pathlib import Path


class DataError(ValueError):
    """A file or column that cannot be used; the message is one line naming the problem."""


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
