"""Examples: the comments that show an emotion best, near-duplicates removed."""

from __future__ import annotations

import re

import pandas as pd

SIMILAR = 0.7
"""Two comments whose word sets overlap this much (Jaccard) count as near-duplicates; the first one shown wins."""
_WORDS = re.compile(r"[^\W_]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORDS.findall(str(text).lower()))


def representative(
    rows: pd.DataFrame,
    text_column: str,
    k: int = 5,
    score_column: str | None = "confidence",
    candidates: int = 200,
) -> pd.DataFrame:
    """The ``k`` rows of ``rows`` with the highest score, skipping near-duplicates of those already picked.

    Args:
        rows: The rows of one emotion (and segment), with the text and, when known, a score column.
        text_column: The text column.
        k: How many examples.
        score_column: The calibrated confidence (or probability) to rank by; without it, rows keep their order.
        candidates: How many of the best rows are scanned for ``k`` distinct ones.
    """
    if rows.empty:
        return rows.head(0)
    order = rows.index[:candidates]
    if score_column and score_column in rows:
        order = pd.to_numeric(rows[score_column], errors="coerce").nlargest(candidates, keep="first").index
    picked: list = []
    seen: list[frozenset[str]] = []
    for index, text in rows.loc[order, text_column].items():
        if not isinstance(text, str) or not text.strip():
            continue
        words = _words(text)
        if any(len(words & other) / max(1, len(words | other)) >= SIMILAR for other in seen):
            continue
        picked.append(index)
        seen.append(words)
        if len(picked) == k:
            break
    return rows.loc[picked] if picked else rows.head(0)
