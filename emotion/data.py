"""Loading ISEAR and user files (every format of :mod:`emotion.formats`), with one-line errors naming the problem."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from emotion import formats
from emotion.config import data_dir
from emotion.formats import CSV_OPTIONS, sniff_csv  # noqa: F401  (re-exported)
from emotion.labels import LABELS, to_label

MAX_CHARS = 5000
"""Texts longer than this are cut before any model sees them (never an error)."""


class DataError(ValueError):
    """A file or column that cannot be used; the message is one line naming the problem."""


def isear_path(split: str) -> Path:
    """Path of an ISEAR file (``train``, ``dev`` or ``llm_zero_shot``) inside :func:`data_dir`."""
    path = data_dir() / f"{split}.csv"
    if not path.exists():
        raise DataError(f"ISEAR file not found: {path} (set EMOTION_DATA_DIR to the folder holding train.csv/dev.csv)")
    return path


def load_isear(split: str = "train") -> pd.DataFrame:
    """Load an ISEAR split as columns ``id, label, text, placeholder``.

    Args:
        split: ``train`` or ``dev`` (or a path to any CSV with the same columns).
    """
    path = Path(split) if split.endswith(".csv") else isear_path(split)
    return load_labelled(path, text_column="text", label_column="label")


def load_labelled(path: str | Path, text_column: str = "text", label_column: str = "label") -> pd.DataFrame:
    """Load a labelled CSV/XLSX; return ``id, label, text, placeholder`` with labels checked.

    Rows keep their order; a missing ``id`` column becomes the row number. Every label must map to
    one of the seven emotions, otherwise the error names the first bad row.
    """
    frame = read_table(path)
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise DataError(f"{Path(path).name}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    labels = [
        to_label(v) if str(v).strip().lower() not in LABELS else str(v).strip().lower() for v in frame[label_column]
    ]
    for row, (raw, label) in enumerate(zip(frame[label_column], labels, strict=True)):
        if label is None:
            raise DataError(f"{Path(path).name}: row {row + 2}: label {raw!r} is not one of {', '.join(LABELS)}")
    ids = frame["id"] if "id" in frame.columns else pd.Series(range(len(frame)))
    placeholder = (
        frame["placeholder"].astype(str).str.lower().eq("true")
        if "placeholder" in frame.columns
        else pd.Series(False, index=frame.index)
    )
    return pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "label": labels,
            "text": frame[text_column].to_numpy(),
            "placeholder": placeholder.to_numpy(),
        }
    )


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sheet_names(source: str | Path | bytes) -> list[str]:
    """Sheet names of an XLSX file (openpyxl parses through defusedxml when it is installed)."""
    try:
        with _open(source) as handle:
            return formats.sheet_names(handle)
    except Exception as error:
        raise DataError(f"cannot read the spreadsheet: {type(error).__name__}: {error}".splitlines()[0]) from None


def default_sheet(source: str | Path | bytes) -> str | int:
    """The sheet read when none is chosen: the first one holding any cell."""
    try:
        with _open(source) as handle:
            return formats.first_sheet_with_data(handle)
    except Exception as error:
        raise DataError(f"cannot read the spreadsheet: {type(error).__name__}: {error}".splitlines()[0]) from None


def _open(source: str | Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


def read_table(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read any format of :data:`emotion.formats.FORMATS` (a path, or raw bytes with a file ``name``) as strings.

    Encoding (a byte-order mark, UTF-8 or cp1252) and delimiter of CSV files are detected. Cells stay
    strings (empty cells become NaN), so identifiers such as "007" are not turned into numbers. Rows
    with more fields than the header keep them in :data:`emotion.formats.OVERFLOW_COLUMN`.

    Args:
        source: A path, or the file's bytes.
        name: The file name when ``source`` is bytes; its suffix picks the format.
        sheet: XLSX sheet name or index (default: the first sheet holding data).
    """
    name = name or str(source)
    try:
        file_format = formats.format_for(name)
        with _open(source) as handle:
            frame = file_format.read(handle, sheet)
    except formats.FormatError as error:
        raise DataError(str(error)) from None
    except FileNotFoundError:
        raise DataError(f"file not found: {name}") from None
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{Path(name).name}: cannot read as {file_format.name}: {message}") from None
    if frame.empty and len(frame.columns) == 0:
        raise DataError(f"{Path(name).name}: the file or sheet is empty")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def guess_text_column(frame: pd.DataFrame) -> str:
    """The column most likely to hold free text: the string column with the longest mean length."""
    best, best_len = None, -1.0
    for column in frame.columns:
        values = frame[column].dropna().astype(str).head(200)
        if values.empty:
            continue
        letters = values.str.count(r"[A-Za-z]").mean()
        if letters > best_len:
            best, best_len = column, letters
    if best is None or best_len < 3:
        raise DataError("no text column found: every column is empty or holds no words")
    return best


def check_text(value: object) -> str | None:
    """Why a cell cannot be classified (``"empty text"``, ``"not text"``), or ``None`` if it can."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "empty text"
    if not isinstance(value, str):
        return "not text"
    if not value.strip():
        return "empty text"
    return None


def prepare_text(value: str) -> str:
    """Collapse white space and cut at :data:`MAX_CHARS`."""
    return " ".join(value.split())[:MAX_CHARS]
