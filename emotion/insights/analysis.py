"""Every answer Insights gives about one labelled table, computed once and shared by the page, the report and
``insights.json``.

:func:`analyse` runs the whole analysis (what ``python -m emotion report`` writes); the page calls the same
functions one view at a time, on a :class:`Prepared` table that holds what is costly to build (the term index,
the parsed dates), so each interaction reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from emotion.evaluation.comparison import EVALUATION_DIR, load_evaluation
from emotion.insights import drivers, examples, periods, segments, shares
from emotion.insights.table import MODEL_SUFFIXES, RESULT_COLUMNS, LabelledTable
from emotion.labels import LABELS

MODEL_LABEL = {"consensus_label": "the consensus of the models chosen"}


def model_quality(model: str | None) -> dict | None:
    """The model's measured quality from the stored evaluation: ``model, data, rows, macro_f1, low, high``."""
    if not model or not (EVALUATION_DIR / "metrics.json").exists():
        return None
    metrics, _ = load_evaluation()
    entry = metrics["models"].get(model) or metrics.get("imported", {}).get(model)
    if not entry:
        return None
    low, high = entry.get("intervals", {}).get("macro_f1", [None, None])
    return {
        "model": model,
        "data": f"ISEAR {metrics['data']['file']}",
        "rows": metrics["data"]["rows"],
        "macro_f1": round(entry["macro_f1"], 4),
        "low": None if low is None else round(low, 4),
        "high": None if high is None else round(high, 4),
    }


def stored_confusion(model: str | None) -> shares.Confusion | None:
    """The model's confusion on the stored evaluation's labelled rows, when it was evaluated there."""
    if not model or not (EVALUATION_DIR / "metrics.json").exists():
        return None
    metrics, predictions = load_evaluation()
    if model not in predictions:
        return None
    answered = predictions[model].notna()
    return shares.Confusion.measure(
        list(predictions.loc[answered, "gold"]),
        list(predictions.loc[answered, model]),
        source=f"{model} on ISEAR {metrics['data']['file']} ({int(answered.sum())} labelled rows)",
    )


@dataclass
class Prepared:
    """A labelled table with what Insights builds once per table: counted rows, term index, confusion.

    Attributes:
        table: The recognised table.
        confusion: The model's confusion measured on labelled rows (``None`` for unknown models).
    """

    table: LabelledTable
    confusion: shares.Confusion | None = None
    _dates: dict = field(default_factory=dict, repr=False)
    _segments: dict = field(default_factory=dict, repr=False)
    _periods: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, table: LabelledTable) -> Prepared:
        return cls(table, stored_confusion(table.model))

    @cached_property
    def rows(self) -> pd.DataFrame:
        return self.table.rows

    @cached_property
    def terms(self) -> drivers.TermIndex | None:
        if not self.table.text_column:
            return None
        return drivers.TermIndex.build(self.rows[self.table.text_column])

    @cached_property
    def segment_candidates(self) -> list[str]:
        """Columns worth comparing segments on: not the text, label, result or date columns, with 2+ values."""
        table = self.table
        dates = periods.detect_date_column(table.frame, exclude=(table.text_column,))
        skip = RESULT_COLUMNS | {table.label_column, table.text_column, table.confidence_column, dates}
        return [
            column
            for column in table.frame.columns
            if column not in skip
            and not str(column).endswith(MODEL_SUFFIXES)
            and not pd.api.types.is_datetime64_any_dtype(table.frame[column])
            and table.frame[column].nunique(dropna=True) >= 2
        ]

    def estimators(self) -> list[str]:
        """The estimators this table allows (the adjusted count needs a measured confusion)."""
        return [name for name in shares.ESTIMATORS if name != "adjusted" or self.confusion is not None]

    def default_estimator(self) -> str:
        allowed = self.estimators()
        return shares.DEFAULT_ESTIMATOR if shares.DEFAULT_ESTIMATOR in allowed else allowed[0]

    def overall(self, estimator: str | None = None, mask: np.ndarray | None = None) -> pd.DataFrame:
        """Each emotion's share with its 95% interval (``mask``: only those counted rows)."""
        rows = self.rows if mask is None else self.rows.loc[mask]
        proba = None
        if self.table.proba_columns:
            proba = rows[[self.table.proba_columns[label] for label in LABELS]].apply(pd.to_numeric, errors="coerce")
            proba = proba.fillna(0).to_numpy()
            proba = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
        confidence = rows["confidence"].to_numpy(dtype=float) if "confidence" in rows else None
        return shares.estimate(
            rows["emotion"], estimator or self.default_estimator(), confidence, proba, self.confusion
        )

    def dates(self, column: str, order: str = "auto") -> periods.ParsedDates:
        """The column's counted rows read as dates (cached per column and order)."""
        key = (column, order)
        if key not in self._dates:
            self._dates[key] = periods.parse_dates(self.rows[column], order)
        return self._dates[key]

    def segment_column(self, column: str, second: str | None = None) -> tuple[pd.Series, str | None]:
        """Each counted row's segment of ``column`` (or of ``column`` × ``second``) and a note on gathered values
        (cached per choice)."""
        key = (column, second)
        if key not in self._segments:
            values, note = segments.segment_values(self.rows[column])
            if second:
                other, note2 = segments.segment_values(self.rows[second])
                values, note = segments.segment_values(segments.cross_column(values, other))
                note = "; ".join(filter(None, [note2, note])) or None
            self._segments[key] = values, note
        return self._segments[key]

    def period_labels(self, column: str, order: str, frequency: str) -> pd.Series:
        """Each counted row's period (``2026-08``, a week's range, a day) as text; empty where undated (cached)."""
        key = (column, order, frequency)
        if key not in self._periods:
            stamps = self.dates(column, order).values
            labels = stamps.dt.to_period(periods.FREQUENCIES[frequency]).astype("string")
            self._periods[key] = labels.fillna("")
        return self._periods[key]


def analyse(
    prepared: Prepared,
    by: list[str] | None = None,
    time: str | None = None,
    frequency: str | None = None,
    estimator: str | None = None,
    date_order: str = "auto",
) -> dict:
    """The whole analysis as ``insights.json`` holds it.

    Args:
        prepared: The table.
        by: Categorical columns to compare segments on.
        time: A date column (``None``: no time view).
        frequency: ``day``, ``week`` or ``month`` (default: chosen from the span).
        estimator: The shares' estimator (default: :data:`emotion.insights.shares.DEFAULT_ESTIMATOR` when allowed).
        date_order: ``auto``, ``day-first`` or ``month-first`` for slashed dates.
    """
    table = prepared.table
    estimator = estimator or prepared.default_estimator()
    rows = prepared.rows
    overall = prepared.overall(estimator)
    out: dict = {
        "model": table.model or MODEL_LABEL.get(table.label_column, f"labels from column {table.label_column!r}"),
        "label_column": table.label_column,
        "model_quality": model_quality(table.model),
        "estimator": {"name": estimator, "description": shares.ESTIMATORS[estimator]},
        "rows": {"total": len(table.frame), "counted": len(rows)},
        "excluded": table.excluded_counts(),
        "overall": {
            r.emotion: {
                "share": round(r.share, 4),
                "low": round(r.low, 4),
                "high": round(r.high, 4),
                "rows": int(r.rows),
            }
            for r in overall.itertuples()
        },
        "findings": [],
        "segment_notes": {},
        "periods": [],
        "drivers": {},
    }
    if prepared.confusion is not None:
        out["estimator"]["confusion_measured_on"] = prepared.confusion.source
    columns = {}
    for column in by or []:
        values, note = prepared.segment_column(column)
        columns[column] = values
        if note:
            out["segment_notes"][column] = note
    if columns:
        found = segments.compare_segments(columns, rows["emotion"])
        keep = ["column", "segment", "emotion", "rows", "share", "rest_share", "difference", "low", "high"]
        for record in found.loc[found["significant"]].to_dict("records"):
            entry = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items() if k in keep}
            entry.update(p_adjusted=float(record["p_adjusted"]), significant=True, sentence=record["sentence"])
            out["findings"].append(entry)
        small = found.loc[found["small"], ["column", "segment", "rows"]].drop_duplicates()
        out["small_segments"] = small.to_dict("records")
    if time:
        parsed = prepared.dates(time, date_order)
        frequency = frequency or periods.choose_frequency(parsed.values)
        valid = parsed.values.notna().to_numpy()
        table_periods = periods.period_shares(parsed.values[valid], rows["emotion"][valid], frequency)
        out["time"] = {
            "column": time,
            "read_as": parsed.kind,
            "frequency": frequency,
            "unreadable": len(parsed.unreadable),
            "unreadable_rows": parsed.unreadable.head(100).to_dict("records"),
            "empty": parsed.empty,
        }
        for period, group in table_periods.groupby("period", sort=False):
            entry = {"period": period, "rows": int(group["rows"].iloc[0])}
            for r in group.itertuples():
                entry[r.emotion] = {
                    "share": None if np.isnan(r.share) else round(r.share, 4),
                    "low": round(r.low, 4),
                    "high": round(r.high, 4),
                    "moved": bool(r.moved),
                    "change": None if np.isnan(r.change) else round(r.change, 4),
                }
            out["periods"].append(entry)
    if prepared.terms is not None:
        by_emotion = drivers.drivers_by_group(prepared.terms, rows["emotion"].reset_index(drop=True))
        out["drivers"] = {
            emotion: by_emotion[emotion].to_dict("records") for emotion in LABELS if emotion in by_emotion
        }
        out["examples"] = {}
        for emotion in LABELS:
            picked = examples.representative(
                rows.loc[rows["emotion"].eq(emotion)],
                table.text_column,
                k=3,
                score_column="confidence" if "confidence" in rows else None,
            )
            out["examples"][emotion] = picked[table.text_column].tolist()
    return out
