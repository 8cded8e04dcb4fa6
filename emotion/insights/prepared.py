"""A labelled table prepared once for every Insights analysis: counted rows, the model's measured quality and
confusion, and a cache of what is costly to build (the term index, parsed dates, segment columns), so each
interaction of the page and each analysis of the report reuses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from emotion.evaluation.comparison import STORED_EVALUATIONS, load_evaluation
from emotion.evaluation.stored import feedback_figures
from emotion.insights import drivers, periods, segments, shares
from emotion.insights.table import MODEL_SUFFIXES, RESULT_COLUMNS, LabelledTable
from emotion.labels import LABELS

MODEL_LABEL = {"consensus_label": "the consensus of the models chosen"}


def _models_in(frame: pd.DataFrame) -> list[str]:
    """Models whose outputs the table holds (``<model>_label`` columns)."""
    return [str(c)[: -len("_label")] for c in frame.columns if str(c).endswith("_label")]


def model_quality(model: str | None) -> dict | None:
    """The model's measured quality from the stored evaluations: ``model, data, rows, macro_f1, low, high`` on ISEAR
    dev, ``domains``: the same per stored domain (ISEAR; Reddit comments, the nearest to customer comments), and
    ``feedback``: its customer-feedback dev figures when it was trained on feedback
    (:func:`emotion.evaluation.stored.feedback_figures`)."""
    if not model:
        return None
    domains = {}
    for name, folder in STORED_EVALUATIONS.items():
        if not (folder / "metrics.json").exists():
            continue
        metrics, _ = load_evaluation(folder)
        entry = metrics["models"].get(model) or metrics.get("imported", {}).get(model)
        if not entry:
            continue
        low, high = entry.get("intervals", {}).get("macro_f1", [None, None])
        domains[name] = {
            "rows": metrics["data"]["rows"],
            "macro_f1": round(entry["macro_f1"], 4),
            "low": None if low is None else round(low, 4),
            "high": None if high is None else round(high, 4),
        }
    if not domains:
        return None
    first_name, first = next(iter(domains.items()))
    return {"model": model, "data": first_name, **first, "domains": domains, "feedback": feedback_figures(model)}


def stored_confusion(model: str | None) -> shares.Confusion | None:
    """The model's confusion on the labelled rows of every stored evaluation it was part of (both domains pooled:
    self-reports and short comments), when it was evaluated there."""
    if not model:
        return None
    gold, predicted, sources = [], [], []
    for name, folder in STORED_EVALUATIONS.items():
        if not (folder / "metrics.json").exists():
            continue
        _, predictions = load_evaluation(folder)
        if model not in predictions:
            continue
        answered = predictions[model].notna()
        gold += list(predictions.loc[answered, "gold"])
        predicted += list(predictions.loc[answered, model])
        sources.append(f"{name} ({int(answered.sum())} rows)")
    if not gold:
        return None
    return shares.Confusion.measure(gold, predicted, source=f"{model} on {' and '.join(sources)}")


RANKING_ROWS = 20_000
"""Rows (a seeded sample) that rank the segment candidates by what they tell about the emotions."""


@dataclass
class Prepared:
    """A labelled table with what Insights builds once per table: counted rows, term index, confusion.

    Attributes:
        table: The recognised table.
        confusion: The model's confusion measured on labelled rows (``None`` for unknown models).
    """

    table: LabelledTable
    confusion: shares.Confusion | None = None
    themes: pd.Series | None = None
    """Each row's theme (every row of the table, in order), once themes were discovered or applied
    (:meth:`with_themes`)."""
    themes_method: dict = field(default_factory=dict)
    """How the themes were found, and each theme's words and examples (``{"themes": [...], ...}``)."""
    _dates: dict = field(default_factory=dict, repr=False)
    _segments: dict = field(default_factory=dict, repr=False)
    _periods: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, table: LabelledTable) -> Prepared:
        return cls(table, stored_confusion(table.model))

    @cached_property
    def rows(self) -> pd.DataFrame:
        return self.table.rows

    def memo(self, key, compute):
        """``compute()`` once per ``key`` for this table: a page redraws every view on each rerun, and a view's
        section stays the same until the choices in ``key`` change (a view that reads the themes puts
        :attr:`themes_version` in its key)."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @property
    def themes_version(self) -> int:
        """Changes whenever :meth:`with_themes` sets other themes."""
        return self.__dict__.get("_themes_version", 0)

    def with_themes(self, labels, method: dict) -> Prepared:
        """Set every row's theme (``labels``: one per row of the table, in order); returns ``self``."""
        if labels is self.__dict__.get("_themes_from"):  # the same themes again (a page's rerun)
            return self
        self.__dict__["_themes_from"] = labels
        self.__dict__["_themes_version"] = self.themes_version + 1
        # categorical: every view's crosstab and comparison reads codes, not 200,000 strings
        labels = pd.Series(pd.Categorical(np.asarray(labels, dtype=object)), index=self.table.frame.index)
        if len(labels) != len(self.table.frame):
            raise ValueError(f"{len(labels)} themes for {len(self.table.frame)} rows")
        self.themes, self.themes_method = labels, dict(method)
        return self

    def row_themes(self) -> pd.Series | None:
        """The counted rows' themes (same index as :attr:`rows`; categorical, the themes without rows left out)."""
        if self.themes is None:
            return None
        return self.memo(
            ("row_themes", self.themes_version), lambda: self.themes.loc[self.rows.index].cat.remove_unused_categories()
        )

    @cached_property
    def terms(self) -> drivers.TermIndex | None:
        if not self.table.text_column:
            return None
        return drivers.TermIndex.build(self.rows[self.table.text_column])

    @cached_property
    def segment_candidates(self) -> list[str]:
        """Columns worth comparing segments on, most informative first.

        Never the text, label, result, model-output or date columns, nor an id-like column (more than half of its
        values unique) nor a measurement (decimal numbers with many values). Among the rest, columns with
        :data:`~emotion.insights.segments.TOP_SEGMENTS` values or fewer come first, named groups (products,
        channels) before numbers (a rating), each ordered by how much they tell about the emotions (mutual
        information, corrected for chance).
        """
        table = self.table
        dates = periods.detect_date_column(table.frame, exclude=(table.text_column,))
        skip = RESULT_COLUMNS | {table.label_column, table.text_column, table.confidence_column, dates}
        model_outputs = {f"{model}_" for model in _models_in(table.frame)}
        kept = []
        rows = self.rows
        if len(rows) > RANKING_ROWS:  # the ranking needs no more (adjusted MI costs seconds on 200,000 rows)
            rows = rows.sample(RANKING_ROWS, random_state=0)
        for column in table.frame.columns:
            values = table.frame[column]
            distinct = values.nunique(dropna=True)
            if (
                column in skip
                or str(column).endswith(MODEL_SUFFIXES)
                or any(str(column).startswith(prefix) for prefix in model_outputs)
                or pd.api.types.is_datetime64_any_dtype(values)
                or distinct < 2
                or (distinct > segments.TOP_SEGMENTS and distinct > 0.5 * values.notna().sum())  # an id
                or (pd.api.types.is_float_dtype(values) and distinct > segments.TOP_SEGMENTS)  # a measurement
            ):
                continue
            kept.append(column)

        def informative(column) -> tuple[bool, bool, float]:
            from sklearn.metrics import adjusted_mutual_info_score

            values = rows[column].astype("string").fillna("")
            few = table.frame[column].nunique() <= segments.TOP_SEGMENTS
            numbers = pd.to_numeric(table.frame[column], errors="coerce").notna().mean() > 0.9  # a score or rating
            return (not few, numbers, -adjusted_mutual_info_score(rows["emotion"], values) if len(rows) else 0.0)

        return sorted(kept, key=informative)

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

    @cached_property
    def emotions_present(self) -> list[str]:
        """The emotions that label at least one counted row, in the fixed order."""
        found = set(self.rows["emotion"].unique())
        return [e for e in LABELS if e in found]

    def segment_options(self, column: str, second: str | None = None) -> list[str]:
        """The segments of ``column`` (or of ``column`` × ``second``), largest first (cached per choice)."""
        return self.memo(
            ("segment_options", column, second),
            lambda: list(self.segment_column(column, second)[0].value_counts().index),
        )

    def period_labels(self, column: str, order: str, frequency: str) -> pd.Series:
        """Each counted row's period (``2026-08``, a week's range, a day) as text; empty where undated (cached)."""
        key = (column, order, frequency)
        if key not in self._periods:
            stamps = self.dates(column, order).values
            labels = stamps.dt.to_period(periods.FREQUENCIES[frequency]).astype("string")
            self._periods[key] = labels.fillna("")
        return self._periods[key]
