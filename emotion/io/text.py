"""Text checks: which cells a model can read, and how a text is cleaned before any model sees it."""

from __future__ import annotations

import pandas as pd

from emotion.io.tables import DataError

MAX_CHARS = 5000
"""Texts longer than this are cut before any model sees them (never an error)."""


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


def check_text_column(frame: pd.DataFrame, column: str, source: str = "file") -> None:
    """Raise ``DataError`` if ``column`` is missing or holds no words at all (numbers only, empty)."""
    if column not in frame.columns:
        raise DataError(f"{source}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    values = frame[column].dropna().astype(str)
    if not values.str.contains(r"[^\W\d_]", regex=True).any():
        raise DataError(f"{source}: column {column!r} holds no text (empty or numbers only)")
