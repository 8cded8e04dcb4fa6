"""A labelled table as Insights reads it: which column holds the label, which rows count, and why the others don't.

Any table with a label column works: this project's ``label`` output is recognised in full (the consensus or one
model's label, its confidence, ``no_emotion`` and ``language``), and a file labelled elsewhere needs only a
column whose values name emotions. No row is dropped silently: each row left out has a reason, counted and
listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emotion.io.datasets import guess_label_column as guess_labels
from emotion.io.datasets import model_label_columns
from emotion.io.tables import DataError, guess_text_column
from emotion.labelling.table import result_columns
from emotion.labels import LABELS, NO_EMOTION, to_label

LABEL_SUFFIX = "_label"
CONFIDENCE_SUFFIX = "_confidence"
NO_CLEAR_EMOTION = "no clear emotion"
"""Why a row flagged by the "no emotion" check is left out of the shares (a reason, not a label)."""
NOT_ENGLISH = "not English"
NO_LABEL = "no label"
UNKNOWN_LABEL = "label names no emotion"
RESULT_COLUMNS = frozenset([*result_columns([]), "corrected_label"])
"""The columns labelling adds besides each model's own (``<model>_label``, ``_confidence``, ``_answered_by``)."""
MODEL_SUFFIXES = (LABEL_SUFFIX, CONFIDENCE_SUFFIX, "_answered_by")


@dataclass
class LabelledTable:
    """The rows of a labelled table, each with its emotion or the reason it is left out.

    Attributes:
        frame: Every row of the input, in order, with its columns.
        label_column: The column read as the label.
        text_column: The column holding the text, when one was found (drivers and examples need it).
        confidence_column: The label's confidence (0 to 1), when the table has one.
        model: The model that gave the label (``<model>_label`` columns), when known.
        labels: Per row, one of :data:`emotion.labels.LABELS`, or ``None`` when the row is left out.
        excluded: Per row, why it is left out (empty when it counts).
        proba_columns: ``{emotion: column}`` of per-emotion probabilities, when the table has all seven.
    """

    frame: pd.DataFrame
    label_column: str
    text_column: str | None
    confidence_column: str | None
    model: str | None
    labels: pd.Series
    excluded: pd.Series
    proba_columns: dict[str, str] = field(default_factory=dict)

    @property
    def kept(self) -> pd.Series:
        """Boolean per row: the row counts."""
        return self.excluded.eq("")

    @property
    def rows(self) -> pd.DataFrame:
        """The rows that count, with ``emotion`` (and ``confidence``) columns added."""
        out = self.frame.loc[self.kept].copy()
        out["emotion"] = pd.Categorical(self.labels[self.kept], categories=LABELS)  # fast to compare and count
        if self.confidence_column:
            out["confidence"] = pd.to_numeric(out[self.confidence_column], errors="coerce")
        return out

    def excluded_counts(self) -> dict[str, int]:
        """Rows left out, by reason (largest first)."""
        counts = self.excluded[self.excluded.ne("")].value_counts()
        return {str(reason): int(n) for reason, n in counts.items()}

    def excluded_rows(self, limit: int = 1000) -> pd.DataFrame:
        """The rows left out (their row number, text when known, reason and label cell), at most ``limit``."""
        mask = self.excluded.ne("")
        out = pd.DataFrame(
            {"row": np.flatnonzero(mask.to_numpy()) + 1, "reason": self.excluded[mask].to_numpy()},
        )
        if self.text_column:
            out.insert(1, self.text_column, self.frame.loc[mask, self.text_column].astype(str).to_numpy())
        out["label cell"] = self.frame.loc[mask, self.label_column].astype(str).to_numpy()
        return out.head(limit)


def with_corrections(frame: pd.DataFrame, label_column: str) -> pd.DataFrame:
    """A Bulk run's corrections (``corrected_label``) replace the label they correct."""
    if "corrected_label" not in frame or label_column == "corrected_label":
        return frame
    corrected = frame["corrected_label"]
    if not corrected.notna().any():
        return frame
    out = frame.copy()
    out[label_column] = corrected.where(corrected.notna(), out[label_column])
    return out


def guess_label_column(frame: pd.DataFrame) -> str:
    """Insights' label column: this project's output first, else :func:`emotion.io.datasets.guess_label_column`
    with at least half of the cells naming an emotion."""
    return guess_labels(frame, outputs=True, min_share=0.5)


def _model_of(label_column: str, frame: pd.DataFrame) -> str | None:
    if label_column.endswith(LABEL_SUFFIX) and f"{label_column[: -len(LABEL_SUFFIX)]}{CONFIDENCE_SUFFIX}" in frame:
        return label_column[: -len(LABEL_SUFFIX)]
    if label_column == "consensus_label":
        models = model_label_columns(frame)
        return models[0][: -len(LABEL_SUFFIX)] if len(models) == 1 else None
    return None


def _confidence_of(label_column: str, frame: pd.DataFrame, model: str | None) -> str | None:
    if model and f"{model}{CONFIDENCE_SUFFIX}" in frame:
        return f"{model}{CONFIDENCE_SUFFIX}"
    for name in ("confidence", "score", "probability"):
        if name in frame:
            return name
    return None


def _proba_columns(frame: pd.DataFrame, model: str | None) -> dict[str, str]:
    """Seven per-emotion probability columns: ``<model>_p_<emotion>``, ``p_<emotion>`` or ``<emotion>``."""
    for pattern in ([f"{model}_p_{{}}"] if model else []) + ["p_{}", "proba_{}", "{}"]:
        names = {label: pattern.format(label) for label in LABELS}
        if all(n in frame for n in names.values()) and all(
            pd.to_numeric(frame[n], errors="coerce").between(0, 1).mean() > 0.9 for n in names.values()
        ):
            return names
    return {}


_TRUE = re.compile(r"^(true|yes|1|1\.0)$", re.I)


def _flag(series: pd.Series) -> pd.Series:
    if series.dtype == bool:
        return series
    return series.astype(str).str.strip().str.match(_TRUE)


def recognise(
    frame: pd.DataFrame,
    label_column: str | None = None,
    text_column: str | None = None,
    include_no_emotion: bool = False,
    include_not_english: bool = False,
) -> LabelledTable:
    """Read ``frame`` as a labelled table.

    Args:
        frame: Any table; its rows and columns are kept.
        label_column: The label column (default: :func:`guess_label_column`).
        text_column: The text column (default: the model output's text column or the longest string column; none
            if no column holds words).
        include_no_emotion: Count rows marked ``no_emotion`` with their seven-way label (default: apart).
        include_not_english: Count rows whose ``language`` is not English (default: apart).
    """
    if frame.empty:
        raise DataError("the table has no rows")
    label_column = label_column or guess_label_column(frame)
    if label_column not in frame:
        raise DataError(f"no column {label_column!r} (columns: {', '.join(map(str, frame.columns))})")
    if text_column is None:
        try:
            text_column = guess_text_column(frame.drop(columns=[label_column]))
        except DataError:
            text_column = None
    elif text_column not in frame:
        raise DataError(f"no text column {text_column!r}")
    model = _model_of(label_column, frame)
    raw = frame[label_column]
    labels = raw.map(lambda v: to_label(v) if isinstance(v, str) else None)
    empty = raw.isna() | raw.astype(str).str.strip().eq("")
    said_none = raw.astype(str).str.strip().str.lower().eq(NO_EMOTION)
    unknown = np.where(labels.isna(), UNKNOWN_LABEL, "")
    reasons = np.where(empty, NO_LABEL, np.where(said_none, NO_CLEAR_EMOTION, unknown))
    excluded = pd.Series(reasons, index=frame.index, dtype=object)
    if "no_emotion" in frame and not include_no_emotion:
        flagged = _flag(frame["no_emotion"]).fillna(False).astype(bool)
        excluded = excluded.mask(excluded.eq("") & flagged, NO_CLEAR_EMOTION)
    if "language" in frame and not include_not_english:
        language = frame["language"].astype(str).str.lower()
        foreign = ~language.isin(["en", "", "nan", "none", "english"])
        excluded = excluded.mask(excluded.eq("") & foreign, NOT_ENGLISH)
    labels = labels.where(excluded.eq(""), None)
    if not excluded.eq("").any():
        counts = ", ".join(f"{n} {reason}" for reason, n in excluded.value_counts().items())
        raise DataError(f"no row can be counted: {counts}")
    return LabelledTable(
        frame=frame,
        label_column=label_column,
        text_column=text_column,
        confidence_column=_confidence_of(label_column, frame, model),
        model=model,
        labels=labels,
        excluded=excluded,
        proba_columns=_proba_columns(frame, model),
    )
