"""The rows an analyst drills down to: filters by emotion, segment, period and term, each one visible and
removable, and when nothing is left, which filters did it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from emotion.insights import drivers
from emotion.insights.prepared import Prepared

ALL = "(all)"


@dataclass(frozen=True)
class Filters:
    """The active filters (``None``: off).

    Attributes:
        emotion: One of the seven.
        segment: A segment of :attr:`by` (crossed with :attr:`by2` when set).
        by: The segment column the segment belongs to.
        by2: The second column of a crossed segment.
        period: A period label of :attr:`time` at :attr:`frequency`.
        time: The date column.
        frequency: ``day``, ``week`` or ``month``.
        date_order: How slashed dates read.
        term: Words a comment must hold.
    """

    emotion: str | None = None
    segment: str | None = None
    by: str | None = None
    by2: str | None = None
    period: str | None = None
    time: str | None = None
    frequency: str = "month"
    date_order: str = "auto"
    term: str | None = None

    def active(self) -> dict[str, str]:
        """``{filter key: its value in words}`` for each filter on (the chips above the rows)."""
        out = {}
        if self.emotion:
            out["emotion"] = f"emotion: {self.emotion}"
        if self.segment and self.by:
            out["segment"] = f"{self.by if not self.by2 else f'{self.by} × {self.by2}'}: {self.segment}"
        if self.period and self.time:
            out["period"] = f"{self.time}: {self.period}"
        if self.term:
            out["term"] = f"term: {self.term}"
        return out


def masks(prepared: Prepared, filters: Filters) -> dict[str, np.ndarray]:
    """One boolean mask over the counted rows per active filter."""
    rows = prepared.rows
    out: dict[str, np.ndarray] = {}
    if filters.emotion:
        out["emotion"] = rows["emotion"].eq(filters.emotion).to_numpy()
    if filters.segment and filters.by and filters.by in rows:
        values, _ = prepared.segment_column(filters.by, filters.by2 if filters.by2 in rows else None)
        out["segment"] = values.eq(filters.segment).to_numpy()
    if filters.period and filters.time and filters.time in rows:
        labels = prepared.period_labels(filters.time, filters.date_order, filters.frequency)
        out["period"] = labels.eq(filters.period).to_numpy()
    if filters.term and prepared.table.text_column:
        out["term"] = np.asarray(drivers.rows_with(rows[prepared.table.text_column], filters.term), dtype=bool)
    return out


def filtered(prepared: Prepared, filters: Filters) -> tuple[pd.DataFrame, str | None]:
    """The counted rows every active filter keeps, and, when none is left, a sentence naming the filters that
    emptied it (each alone, or only together)."""
    rows = prepared.rows
    found = masks(prepared, filters)
    keep = np.ones(len(rows), dtype=bool)
    for mask in found.values():
        keep &= mask
    if keep.any() or not found:
        return rows.loc[keep], None
    words = filters.active()
    alone = [words[key] for key, mask in found.items() if not mask.any()]
    if alone:
        return rows.loc[keep], f"No row matches {' and '.join(alone)}."
    return rows.loc[keep], f"No row matches {' and '.join(words[k] for k in found)} together (each alone matches rows)."
