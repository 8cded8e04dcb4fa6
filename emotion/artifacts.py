"""Trained artifacts under ``data/``: each folder holds the files and a ``card.json`` describing them."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

from emotion.config import ARTIFACTS_DIR
from emotion.io.files import file_sha256


class ArtifactError(FileNotFoundError):
    """A committed artifact that is missing or does not match its card."""


def artifact_dir(name: str) -> Path:
    """Folder of a committed model, ``data/<name>``."""
    return ARTIFACTS_DIR / name


def write_card(folder: Path, files: list[str], **info: object) -> dict:
    """Write ``card.json`` (files with sha256, date, machine, plus ``info``) and a readable ``CARD.md``."""
    card = {
        "model": folder.name,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        **info,
        "files": {
            name: {"sha256": file_sha256(folder / name), "bytes": (folder / name).stat().st_size} for name in files
        },
    }
    _write(folder, card)
    return card


def update_card(folder: Path, **info: object) -> dict:
    """Add or replace entries of an existing card (files and their sha256 stay as they are)."""
    card = {**read_card(folder, verify=False), **info}
    _write(folder, card)
    return card


def _write(folder: Path, card: dict) -> None:
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    lines = [f"# Model card: `{folder.name}`", ""]
    for key, value in card.items():
        if key == "files":
            continue
        if isinstance(value, dict):
            lines.append(f"- **{key}**: " + ", ".join(f"{k}={v}" for k, v in value.items()))
        else:
            lines.append(f"- **{key}**: {value}")
    lines += ["", "| file | bytes | sha256 |", "|---|---|---|"]
    lines += [f"| `{n}` | {f['bytes']:,} | `{f['sha256']}` |" for n, f in card["files"].items()]
    (folder / "CARD.md").write_text("\n".join(lines) + "\n")


def read_card(folder: Path, verify: bool = True) -> dict:
    """Read a card; with ``verify``, check that every listed file exists with its sha256."""
    path = folder / "card.json"
    if not path.exists():
        raise ArtifactError(
            f"missing artifact: {folder} has no card.json (train it: python -m emotion train {folder.name})"
        )
    try:
        card = json.loads(path.read_text())
        files = card["files"] if verify else {}
        listed = {str(name): str(meta["sha256"]) for name, meta in files.items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ArtifactError(f"{path} is not a card this program wrote (no readable file list)") from None
    if verify:
        for name, sha256 in listed.items():
            if Path(name).name != name or name in ("", ".", ".."):
                raise ArtifactError(f"{path} lists a file outside its folder: {name!r}")
            file = folder / name
            if not file.exists():
                raise ArtifactError(f"missing artifact file: {file}")
            if file_sha256(file) != sha256:
                raise ArtifactError(f"artifact file {file} does not match the sha256 on its card")
    return card
