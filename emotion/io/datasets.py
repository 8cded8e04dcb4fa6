"""Labelled data: the ISEAR splits and any labelled file, with labels checked against the seven emotions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emotion.config import data_dir
from emotion.io.tables import DataError, guess_text_column, read_table
from emotion.io.text import check_text
from emotion.labels import LABELS, to_label


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


LABEL_NAMES = ("label", "consensus_label", "emotion", "predicted", "prediction")
"""Column names read as a label column, in order of preference."""
OUTPUT_SUFFIX = "_label"


def model_label_columns(frame: pd.DataFrame) -> list[str]:
    """The ``<model>_label`` columns this project's labelling wrote (each beside its ``_confidence``), in order."""
    return [
        c
        for c in frame.columns
        if str(c).endswith(OUTPUT_SUFFIX) and f"{str(c)[: -len(OUTPUT_SUFFIX)]}_confidence" in frame
    ]


def guess_label_column(
    frame: pd.DataFrame, exclude: tuple[str, ...] = (), *, outputs: bool = False, min_share: float = 0.0
) -> str:
    """The label column of a table: the one home of this guess (gold labels for Compare and adapt, labels to analyse
    for Insights).

    In order: with ``outputs``, this project's own output (``consensus_label`` when several models labelled, the one
    model's ``<model>_label`` otherwise); a column named like a label (:data:`LABEL_NAMES`); else the column whose
    first 500 cells most often name one of the seven emotions, if more than ``min_share`` of them do.

    Raises:
        DataError: no column qualifies.
    """
    candidates = [c for c in frame.columns if c not in exclude]
    if outputs:
        models = [c for c in model_label_columns(frame) if c not in exclude]
        if "consensus_label" in candidates and len(models) != 1:
            return "consensus_label"
        if len(models) == 1:
            return models[0]
    lowered = {str(c).lower(): c for c in candidates}
    for name in LABEL_NAMES:
        if name in lowered:
            return lowered[name]
    shares = {}
    for column in candidates:
        values = frame[column].dropna().head(500)
        if len(values):
            shares[column] = sum(_as_label(v) is not None for v in values) / len(values)
    best = max(shares, key=shares.get, default=None)
    if best is None or shares[best] <= min_share:
        raise DataError("no label column found: no column's values name one of the seven emotions")
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
