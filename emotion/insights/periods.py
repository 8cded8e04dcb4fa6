"""Time: a date column read whatever its form, shares per day, week or month, and the periods that moved.

Dates come as ISO text, day-first or month-first text (resolved from the cells themselves: a first number above
12 means day-first), Excel serial numbers, Unix times in seconds or milliseconds, or typed dates from a
spreadsheet. Cells that cannot be read are counted and listed, never guessed. A period whose share of an
emotion differs from the period before beyond noise (exact two-proportion test, mid-p; Benjamini–Hochberg over all
periods and emotions) and by at least :data:`~emotion.insights.segments.MIN_DIFFERENCE` is marked as moved and told in
words; periods with fewer than :data:`~emotion.insights.segments.MIN_ROWS` rows are marked small and not tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from emotion.insights.segments import MIN_DIFFERENCE, MIN_ROWS
from emotion.insights.shares import count_table, two_proportions_p_value, wilson
from emotion.labels import LABELS

FREQUENCIES = {"day": "D", "week": "W-MON", "month": "M"}
ORDERS = ("auto", "day-first", "month-first")
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T].*)?$")
_ISO = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T].*)?$")
EXCEL_SERIALS = (20_000, 80_000)
"""Excel serial day numbers read as dates: 1954-10-03 to 2119-01-10."""
UNIX_SECONDS = (1e8, 5e9)
UNIX_MILLISECONDS = (1e11, 5e12)
DATE_NAMES = ("date", "time", "day", "created", "timestamp", "submitted", "month", "week")


@dataclass
class ParsedDates:
    """A column read as dates.

    Attributes:
        values: One timestamp per row (``NaT`` where the cell is empty or unreadable).
        kind: How the column was read, in words (shown on the page and in the report).
        unreadable: The cells that could not be read: ``row`` (1-based) and ``cell``.
        empty: Rows whose cell is empty.
    """

    values: pd.Series
    kind: str
    unreadable: pd.DataFrame
    empty: int


def _numeric_dates(numbers: pd.Series) -> tuple[pd.Series, str] | None:
    valid = numbers.dropna()
    if valid.empty:
        return None
    for (low, high), unit, kind in (
        (UNIX_MILLISECONDS, "ms", "Unix times in milliseconds"),
        (UNIX_SECONDS, "s", "Unix times in seconds"),
    ):
        if valid.between(low, high).all():
            return pd.to_datetime(numbers, unit=unit, errors="coerce"), kind
    if valid.between(*EXCEL_SERIALS).all():
        return pd.to_datetime(numbers, unit="D", origin="1899-12-30", errors="coerce"), "Excel serial day numbers"
    return None


PLAUSIBLE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01"))
"""Dates outside these years are read as unreadable (``-5`` is no date of a comment, whatever pandas makes of it)."""


def _naive_utc(stamps: pd.Series) -> pd.Series:
    """Timestamps without a zone: aware ones converted to UTC first (so mixed offsets compare), as ``ns``; those
    outside :data:`PLAUSIBLE` are ``NaT``."""
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = stamps.where((stamps >= PLAUSIBLE[0]) & (stamps < PLAUSIBLE[1]))
    return stamps.astype("datetime64[ns]")


def _to_datetime(text: pd.Series, **options) -> pd.Series:
    """``pd.to_datetime`` that never raises: a cell pandas cannot place (out of range, an odd form) is ``NaT``.

    pandas raises on some cells even with ``errors="coerce"`` (an out-of-bounds year, mixed offsets): then the
    cells are read one by one.
    """
    try:
        return pd.to_datetime(text, errors="coerce", **options)
    except (ValueError, OverflowError, TypeError):
        out = []
        for cell in text:
            try:
                out.append(pd.to_datetime(cell, errors="coerce", **options))
            except (ValueError, OverflowError, TypeError):
                out.append(pd.NaT)
        return pd.Series(pd.to_datetime(out, utc=True), index=text.index)


def day_first(cells: pd.Series) -> bool | None:
    """Whether slashed dates are day-first: ``True``/``False`` when a cell settles it, ``None`` when none does."""
    parts = cells.astype(str).str.extract(_SLASHED).dropna()
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[1].astype(int)
    if (first > 12).any() and not (second > 12).any():
        return True
    if (second > 12).any() and not (first > 12).any():
        return False
    return None


def parse_dates(values: pd.Series, order: str = "auto") -> ParsedDates:
    """Read a column as dates.

    Args:
        values: The column (strings, numbers or timestamps).
        order: For slashed dates such as 03/04/2026: ``auto`` (settled by the cells; month-first when no cell
            settles it, and the kind says so), ``day-first`` or ``month-first``.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    empty_mask = values.isna() | values.astype(str).str.strip().isin(["", "nan", "NaT", "None"])
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed, kind = _naive_utc(pd.to_datetime(values, errors="coerce")), "dates"
    else:
        numbers = pd.to_numeric(values.where(~empty_mask), errors="coerce")
        numeric = _numeric_dates(numbers) if numbers.notna().sum() == (~empty_mask).sum() else None
        if numeric is not None:
            parsed, kind = numeric
        else:
            text = values.where(~empty_mask).astype("string").str.strip()
            iso = text.str.match(_ISO).fillna(False).astype(bool)
            parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
            if iso.any():  # offsets may differ from cell to cell: every time converted to UTC
                parsed[iso] = _naive_utc(_to_datetime(text[iso], format="ISO8601", utc=True))
            rest = ~iso & text.notna()
            settled = day_first(text[rest]) if rest.any() else None
            first = {"day-first": True, "month-first": False}.get(order, settled if settled is not None else False)
            if rest.any():
                parsed[rest] = _naive_utc(_to_datetime(text[rest], format="mixed", dayfirst=first, utc=True))
            slashed = text[rest].str.match(_SLASHED).fillna(False).any() if rest.any() else False
            forms = []
            if iso.any():
                forms.append("ISO dates")
            if slashed:
                how = "day-first" if first else "month-first"
                why = (
                    "as chosen"
                    if order != "auto"
                    else ("settled by the cells" if settled is not None else "no cell settles it")
                )
                forms.append(f"{how} dates ({why})")
            elif rest.any():
                forms.append("written dates")
            kind = " and ".join(forms) or "dates"
    unreadable_mask = parsed.isna() & ~empty_mask
    unreadable = pd.DataFrame(
        {"row": np.flatnonzero(unreadable_mask.to_numpy()) + 1, "cell": values[unreadable_mask].astype(str).to_numpy()}
    )
    return ParsedDates(parsed, kind, unreadable, int(empty_mask.sum()))


def detect_date_column(frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> str | None:
    """The column that most looks like dates: typed dates, or a date-like name whose cells mostly parse."""
    candidates = [c for c in frame.columns if c not in exclude]
    for column in candidates:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            return column
    for column in candidates:
        if any(name in str(column).lower() for name in DATE_NAMES):
            sample = frame[column].head(500)
            parsed = parse_dates(sample)
            if parsed.values.notna().mean() >= 0.8:
                return column
    return None


def choose_frequency(dates: pd.Series, *, min_rows: int = MIN_ROWS) -> str:
    """The finest of ``day``, ``week``, ``month`` that the span allows and that avoids small periods where it can.

    The span sets the finest candidate (``day`` up to two weeks, ``week`` up to four months, ``month`` beyond).
    From there the first frequency with at least four periods and none under ``min_rows`` rows wins; failing
    that, among those with at least three periods, the one whose small periods hold the fewest rows (the finer
    on a tie). So a handful of rows on a first day costs nothing, but a file with a few rows a day is shown
    by week or month, where its periods can be tested.
    """
    valid = dates.dropna()
    if valid.empty:
        return "month"
    span = (valid.max() - valid.min()).days
    names = list(FREQUENCIES)
    candidates = names[names.index("day" if span <= 14 else "week" if span <= 120 else "month") :]
    in_small = {}
    for name in candidates:
        per_period = valid.dt.to_period(FREQUENCIES[name]).value_counts()
        full = pd.period_range(per_period.index.min(), per_period.index.max(), freq=per_period.index.freq)
        per_period = per_period.reindex(full, fill_value=0)
        small = per_period < min_rows
        if len(per_period) >= 4 and not small.any():
            return name
        if len(per_period) >= 3:
            in_small[name] = int(per_period[small].sum())
    return min(in_small, key=in_small.get) if in_small else candidates[0]


def period_shares(
    dates: pd.Series,
    emotions: pd.Series,
    frequency: str,
    alpha: float = 0.05,
    *,
    min_difference: float = MIN_DIFFERENCE,
    categories: list[str] | None = None,
) -> pd.DataFrame:
    """Per period and emotion (or theme: ``categories``): ``period, start, emotion, rows, count, share, low, high,
    change, p_adjusted, small, moved, sentence``.

    ``moved`` marks a share that differs from the period before beyond noise and by at least ``min_difference``
    (``change`` is the difference); ``small`` marks periods under :data:`MIN_ROWS` rows (never tested).

    Args:
        dates: Each counted row's timestamp (``NaT`` rows are left out by the caller).
        emotions: Each counted row's emotion (same index).
        frequency: ``day``, ``week`` or ``month``.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    periods = dates.dt.to_period(FREQUENCIES[frequency])
    categories = list(categories or LABELS)
    table = count_table(periods, emotions, categories)
    table.index = pd.PeriodIndex(table.index, freq=periods.dt.freq)
    full = pd.period_range(table.index.min(), table.index.max(), freq=table.index.freq) if len(table) else table.index
    table = table.reindex(full, fill_value=0)
    x = table.to_numpy(dtype=np.int64)  # every period × category against the period before, tested in one call
    n = np.broadcast_to(x.sum(axis=1, keepdims=True), x.shape)
    y, n_prev = np.roll(x, 1, axis=0), np.roll(n, 1, axis=0)
    after = np.broadcast_to((np.arange(len(table)) > 0)[:, np.newaxis], x.shape) & (n > 0) & (n_prev > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, x / n, np.nan)
        change = np.where(after, share - y / n_prev, np.nan)
    tested = after & (x + y > 0) & (x + y < n + n_prev) & (np.minimum(n, n_prev) >= MIN_ROWS)
    p_value = np.full(x.shape, np.nan)
    if tested.any():
        p_value[tested] = two_proportions_p_value(x[tested], n[tested], y[tested], n_prev[tested])
    out = pd.DataFrame(
        {
            "period": np.repeat(table.index.astype(str).to_numpy(dtype=object), len(categories)),
            "start": np.repeat(table.index.start_time, len(categories)),
            "emotion": np.tile(np.array(categories, dtype=object), len(table)),
            "rows": n.ravel(),
            "count": x.ravel(),
            "share": share.ravel(),
            "change": change.ravel(),
            "p_value": p_value.ravel(),
        }
    )
    out["low"], out["high"] = wilson(out["count"].to_numpy(), out["rows"].to_numpy())
    out["p_adjusted"] = np.nan
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "p_adjusted"] = multipletests(out.loc[tested, "p_value"], method="fdr_bh")[1]
    out["small"] = out["rows"].lt(MIN_ROWS)
    out["moved"] = out["p_adjusted"].lt(alpha) & out["change"].abs().ge(min_difference - 1e-12)
    out["sentence"] = ""
    out.loc[out["moved"], "sentence"] = [period_sentence(r) for r in out.loc[out["moved"]].itertuples()]
    return out


def period_sentence(row) -> str:
    """A period that moved, in words: ``2026-08: fear 31%, up 18 points from the period before (95% band 24-39%)``."""
    direction = "up" if row.change > 0 else "down"
    return (
        f"{row.period}: {row.emotion} {row.share:.0%}, {direction} {abs(row.change) * 100:.0f} points from the period "
        f"before ({row.rows:,} rows; 95% band {row.low:.0%} to {row.high:.0%})"
    )
