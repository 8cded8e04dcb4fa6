"""Loading ISEAR and user spreadsheets (CSV, XLSX, Parquet), with one-line errors that name the problem."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd

from emotion.config import data_dir
from emotion.labels import LABELS, to_label

MAX_CHARS = 5000
"""Texts longer than this are cut before any model sees them (never an error)."""


CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""]}
"""Cells stay strings; only empty cells are missing (so "NA" or "007" survive as written)."""


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


def sniff_csv(raw: bytes) -> tuple[str, str]:
    """Guess a CSV's ``(encoding, delimiter)`` from its first bytes."""
    head = raw[: 64 * 1024]
    encoding = "utf-8-sig"
    try:
        head.decode(encoding)
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(head) - 4:
            encoding = "cp1252"
    sample = head.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), ",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return encoding, delimiter


def sheet_names(source: str | Path | bytes) -> list[str]:
    """Sheet names of an XLSX file (openpyxl parses through defusedxml when it is installed)."""
    try:
        with pd.ExcelFile(io.BytesIO(source) if isinstance(source, bytes) else source, engine="openpyxl") as book:
            return [str(name) for name in book.sheet_names]
    except Exception as error:
        raise DataError(f"cannot read the spreadsheet: {type(error).__name__}: {error}".splitlines()[0]) from None


def read_table(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | int | None = 0,
    nrows: int | None = None,
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file (a path, or raw bytes with a file ``name``) as strings.

    Encoding and delimiter of CSV files are detected. Cells stay strings (empty cells become NaN),
    so identifiers such as "007" are not turned into numbers.

    Args:
        source: A path, or the file's bytes.
        name: The file name when ``source`` is bytes; its suffix picks the format.
        sheet: XLSX sheet name or index.
        nrows: Read at most this many data rows (for previews).
    """
    name = name or str(source)
    suffix = Path(name).suffix.lower()
    raw = source if isinstance(source, bytes) else None
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(
                io.BytesIO(raw) if raw is not None else source,
                sheet_name=sheet,
                dtype=str,
                engine="openpyxl",
                nrows=nrows,
            )
        elif suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(raw) if raw is not None else source).astype("string").astype(object)
        elif suffix in (".csv", ".tsv", ".txt"):
            raw = raw if raw is not None else Path(source).read_bytes()
            encoding, delimiter = sniff_csv(raw)
            frame = pd.read_csv(io.BytesIO(raw), sep=delimiter, encoding=encoding, nrows=nrows, **CSV_OPTIONS)
        else:
            raise DataError(
                f"{Path(name).name}: unsupported file type {suffix or '(none)'} (use .csv, .xlsx or .parquet)"
            )
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"file not found: {name}") from None
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{Path(name).name}: cannot read as {suffix.lstrip('.').upper()}: {message}") from None
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
