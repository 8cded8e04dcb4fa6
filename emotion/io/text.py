"""Text checks: which cells a model can read, and how a text is cleaned before any model sees it."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING

from emotion.io.files import DataError

if TYPE_CHECKING:
    import pandas as pd

MAX_CHARS = 5000
"""Texts longer than this are cut before any model sees them (never an error)."""


def check_text(value: object) -> str | None:
    """Why a cell cannot be classified (``"empty text"``, ``"not text"``), or ``None`` if it can."""
    pandas = sys.modules.get("pandas")  # a pandas missing value can only come from a pandas already imported
    if value is None or (isinstance(value, float) and math.isnan(value)) or (pandas and value is pandas.NA):
        return "empty text"
    if not isinstance(value, str):
        return "not text"
    if not value.strip():
        return "empty text"
    return None


def prepare_text(value: str) -> str:
    """Collapse white space and cut at :data:`MAX_CHARS`."""
    return " ".join(value.split())[:MAX_CHARS]


def check_text_column(frame: pd.DataFrame, column: str, source: str = "file") -> None:
    """Raise ``DataError`` if ``column`` is missing or holds no words at all (numbers only, empty)."""
    if column not in frame.columns:
        raise DataError(f"{source}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    values = frame[column].dropna().astype(str)
    if not values.str.contains(r"[^\W\d_]", regex=True).any():
        raise DataError(f"{source}: column {column!r} holds no text (empty or numbers only)")
