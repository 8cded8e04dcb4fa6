"""Segments: the emotions of each value of a categorical column, and which differ from the rest beyond noise.

Each segment × emotion is compared with all other rows by the exact conditional test (mid-p,
:func:`~emotion.insights.shares.two_proportions_p_value`); the p-values are adjusted by
Benjamini–Hochberg (``statsmodels``) within each question (one column, or one crossed pair of columns), so a column
that carries nothing never hides a finding in another, and about 5% of one question's findings at most are expected
to be noise. A finding also needs a difference worth reporting: at least :data:`MIN_DIFFERENCE` (adjustable), so a
very large file does not turn every one-point difference into a finding. The difference's 95% interval is
Newcombe's hybrid score interval. Segments are compared on hard labels (counts of rows), which these tests need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from emotion.insights.shares import count_table, two_proportions_p_value, wilson
from emotion.labels import LABELS

OTHER = "other"
BLANK = "(blank)"
TOP_SEGMENTS = 12
"""A column with more values shows its largest ones and gathers the rest as :data:`OTHER`."""
MIN_ROWS = 20
"""Segments with fewer rows are flagged as small and left out of the findings."""
ALPHA = 0.05
MIN_DIFFERENCE = 0.05
"""A finding differs from the rest by at least this much (5 percentage points) as well as beyond noise; smaller
significant differences stay in the table, marked as too small to report."""


def segment_values(values: pd.Series, top: int = TOP_SEGMENTS) -> tuple[pd.Series, str | None]:
    """Each row's segment: its value, :data:`BLANK` when empty, :data:`OTHER` beyond the ``top`` largest values.

    Returns:
        The segments, and a note when values were gathered into :data:`OTHER` (``None`` otherwise).
    """
    text = values.astype("string").str.strip().fillna(BLANK).replace("", BLANK)
    counts = text.value_counts()
    if len(counts) <= top:
        return text.astype(object), None
    kept = set(counts.index[:top])
    note = f"{len(counts):,} distinct values: the {top} largest are shown, the other {len(counts) - top:,} as '{OTHER}'"
    return text.where(text.isin(kept), OTHER).astype(object), note


def segment_shares(segments: pd.Series, emotions: pd.Series, categories: list[str] | None = None) -> pd.DataFrame:
    """Per segment and emotion: ``segment, emotion, rows, count, share, low, high, small``.

    Args:
        segments: Each counted row's segment.
        emotions: Each counted row's emotion (same index).
        categories: The values counted (default the seven emotions).
    """
    table = count_table(segments, emotions, list(categories or LABELS))
    rows = table.sum(axis=1)
    long = table.stack().rename("count").reset_index()
    long.columns = ["segment", "emotion", "count"]
    long["rows"] = long["segment"].map(rows).astype(int)
    long["share"] = long["count"] / long["rows"]
    long["low"], long["high"] = wilson(long["count"].to_numpy(), long["rows"].to_numpy())
    long["small"] = long["rows"] < MIN_ROWS
    order = rows.sort_values(ascending=False).index
    long["segment"] = pd.Categorical(long["segment"], categories=list(order), ordered=True)
    return (
        long.sort_values(["segment", "emotion"]).reset_index(drop=True).assign(segment=lambda f: f.segment.astype(str))
    )


def share_cells(shares: pd.DataFrame) -> pd.DataFrame:
    """:func:`segment_shares` as a table to read: one row per segment (largest first) with its row count, one column
    per emotion holding ``share (low–high)``."""
    wide = (
        shares.assign(
            cell=lambda f: [
                f"{s:.0%} ({lo:.0%}–{hi:.0%})" for s, lo, hi in zip(f["share"], f["low"], f["high"], strict=True)
            ]
        )
        .pivot(index="segment", columns="emotion", values="cell")
        .reindex(columns=LABELS)
    )
    wide.insert(0, "rows", shares.drop_duplicates("segment").set_index("segment")["rows"])
    return wide.loc[list(dict.fromkeys(shares["segment"]))]


def _points(value: float) -> str:
    return f"{value * 100:+.0f}"


def sentence(row: pd.Series) -> str:
    """A finding in plain words.

    For example ``StreamBox TV: anger 31% against 12% elsewhere (+19 points, 95% interval +11 to +27)``.
    """
    return (
        f"{row['segment']}: {row['emotion']} {row['share']:.0%} against {row['rest_share']:.0%} elsewhere "
        f"({_points(row['difference'])} points, 95% interval {_points(row['low'])} to {_points(row['high'])})"
    )


def compare_segments(
    columns: dict[str, pd.Series],
    emotions: pd.Series,
    alpha: float = ALPHA,
    *,
    min_difference: float = MIN_DIFFERENCE,
    categories: list[str] | None = None,
) -> pd.DataFrame:
    """Every segment × emotion of every column against the rest, adjusted for multiple testing within each column.

    Args:
        columns: ``{column name: each counted row's segment}``; each is one question with its own
            Benjamini–Hochberg family.
        emotions: Each counted row's emotion.
        alpha: False discovery rate of each question's comparisons marked significant.
        min_difference: A significant comparison is a finding only when its difference is at least this large.
        categories: The values compared (default the seven emotions; themes pass theirs). The result's ``emotion``
            column holds them.

    Returns:
        One row per comparison, findings first, largest first: ``column, segment, emotion, rows, share,
        rest_share, difference, low, high, p_value, p_adjusted, significant, finding, small, sentence``.
    """
    parts = []
    categories = list(categories or LABELS)
    total = emotions.value_counts().reindex(categories, fill_value=0).to_numpy()
    n_all = len(emotions)
    for column, segments in columns.items():  # every segment × category of a column tested in one call
        table = count_table(segments, emotions, categories)
        x = table.to_numpy(dtype=np.int64)
        n = np.broadcast_to(x.sum(axis=1, keepdims=True), x.shape)
        y, rest = total[np.newaxis, :] - x, n_all - n
        with np.errstate(divide="ignore", invalid="ignore"):
            share, rest_share = np.where(n > 0, x / n, np.nan), np.where(rest > 0, y / rest, np.nan)
        part = pd.DataFrame(
            {
                "column": column,
                "segment": np.repeat(table.index.to_numpy(dtype=object), len(categories)),
                "emotion": np.tile(np.array(categories, dtype=object), len(table)),
                "rows": n.ravel(),
                "share": share.ravel(),
                "rest_share": rest_share.ravel(),
                "small": (n < MIN_ROWS).ravel(),
            }
        )
        part["difference"] = part["share"] - part["rest_share"]
        part[["p_value", "low", "high"]] = np.nan
        tested = ((n >= MIN_ROWS) & (rest >= MIN_ROWS) & (x + y > 0) & (x + y < n_all)).ravel()
        if tested.any():
            args = (x.ravel()[tested], n.ravel()[tested], y.ravel()[tested], rest.ravel()[tested])
            p_value = two_proportions_p_value(*args)
            low, high = confint_proportions_2indep(*args, method="newcomb")
            part.loc[tested, "p_value"] = p_value
            part.loc[tested, "low"], part.loc[tested, "high"] = np.asarray(low, float), np.asarray(high, float)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if out.empty:
        return out
    out["p_adjusted"] = np.nan
    for _, family in out.groupby("column", sort=False):
        tested = family.index[family["p_value"].notna()]
        if len(tested):
            out.loc[tested, "p_adjusted"] = multipletests(out.loc[tested, "p_value"], alpha=alpha, method="fdr_bh")[1]
    out["significant"] = out["p_adjusted"].lt(alpha) & out["segment"].ne(OTHER)
    out["finding"] = out["significant"] & out["difference"].abs().ge(min_difference - 1e-12)
    out["sentence"] = ""
    significant = out.loc[out["significant"]]
    out.loc[out["significant"], "sentence"] = [sentence(row) for row in significant.to_dict("records")]
    out["magnitude"] = out["difference"].abs()
    out = out.sort_values(["finding", "significant", "magnitude"], ascending=[False, False, False])
    return out.drop(columns="magnitude").reset_index(drop=True)


def cross_column(first: pd.Series, second: pd.Series, name: str | None = None) -> pd.Series:
    """Two segment columns as one: ``"A × B"`` per row."""
    return (first.astype(str) + " × " + second.astype(str)).rename(name)
