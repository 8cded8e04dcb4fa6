"""Loading ISEAR and user files (every format of :mod:`emotion.formats`), with one-line errors naming the problem."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
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


def _as_label(value: object) -> str | None:
    text = str(value).strip().lower() if isinstance(value, str) else None
    return text if text in LABELS else to_label(value)


def guess_label_column(frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> str:
    """The column whose cells most often name one of the seven emotions (``label`` when it exists)."""
    if "label" in frame.columns and "label" not in exclude:
        return "label"
    shares = {
        column: sum(_as_label(v) is not None for v in frame[column].head(500)) / max(1, min(len(frame), 500))
        for column in frame.columns
        if column not in exclude
    }
    best = max(shares, key=shares.get, default=None)
    if best is None or shares[best] == 0:
        raise DataError("no label column found: no column names one of the seven emotions")
    return best


@dataclass
class LabelledData:
    """A labelled table ready to score: the usable rows, and the excluded ones with their reasons.

    Attributes:
        rows: ``id, label, text, placeholder, row`` for the rows that are scored, in file order (``row``:
            the spreadsheet row number, the header being row 1).
        excluded: ``row, id, reason, value`` for every row left out (empty text, a label naming no emotion).
        has_ids: Whether the file has an id column (otherwise ``id`` is the row position, from 0).
        text_column, label_column, id_column: The columns used.
    """

    rows: pd.DataFrame
    excluded: pd.DataFrame
    has_ids: bool
    text_column: str
    label_column: str
    id_column: str | None

    def summary(self) -> str:
        """E.g. ``"760 rows scored; 6 excluded: 4 label not an emotion (rows 3, 9, …), 2 empty text (…)"``."""
        line = f"{len(self.rows):,} rows scored"
        if len(self.excluded):
            groups = self.excluded.groupby("reason", sort=False)["row"]
            parts = [
                f"{len(rows)} {reason} (row{'s' * (len(rows) > 1)} {', '.join(map(str, rows.head(10)))}"
                + (", …" if len(rows) > 10 else "")
                + ")"
                for reason, rows in groups
            ]
            line += f"; {len(self.excluded):,} excluded: " + "; ".join(parts)
        return line


def labelled_data(
    frame: pd.DataFrame,
    text_column: str | None = None,
    label_column: str | None = None,
    id_column: str | None = None,
    source: str = "file",
) -> LabelledData:
    """Pick the columns (guessed when not given), map labels tolerantly, set aside rows that cannot be scored.

    Raises:
        DataError: a named column is missing; no label maps to an emotion; fewer than two emotions remain.
    """
    id_column = id_column or ("id" if "id" in frame.columns else None)
    text_column = text_column or ("text" if "text" in frame.columns else guess_text_column(frame))
    label_column = label_column or guess_label_column(frame, exclude=(text_column, id_column or ""))
    for column in (text_column, label_column, id_column):
        if column is not None and column not in frame.columns:
            raise DataError(f"{source}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    if label_column == text_column:
        raise DataError(f"{source}: the text and the label column are the same ({text_column!r})")
    labels = [_as_label(v) for v in frame[label_column]]
    problems = [check_text(v) for v in frame[text_column]]
    reasons = [
        problem or ("label not an emotion" if label is None else None)
        for problem, label in zip(problems, labels, strict=True)
    ]
    ids = frame[id_column].astype(str).str.strip() if id_column else pd.Series(range(len(frame)))
    placeholder = (
        frame["placeholder"].astype(str).str.lower().eq("true")
        if "placeholder" in frame.columns
        else pd.Series(False, index=frame.index)
    )
    table = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "label": labels,
            "text": frame[text_column].to_numpy(),
            "placeholder": placeholder.to_numpy(),
            "row": range(2, len(frame) + 2),
            "reason": reasons,
            "value": frame[label_column].to_numpy(),
        }
    )
    kept = table[table["reason"].isna()].drop(columns=["reason", "value"]).reset_index(drop=True)
    excluded = table[table["reason"].notna()][["row", "id", "reason", "value"]].reset_index(drop=True)
    if kept.empty:
        raise DataError(f"{source}: no row has both a text and a label naming one of the seven emotions")
    if kept["label"].nunique() < 2:
        raise DataError(f"{source}: every scored row is {kept['label'].iloc[0]!r}: scores need at least two emotions")
    return LabelledData(kept, excluded, id_column is not None, text_column, label_column, id_column)


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
