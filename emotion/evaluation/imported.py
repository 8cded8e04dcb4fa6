"""Imported predictions: labels another system gave (a vendor, GPT-4 run elsewhere, a second annotator).

A predictions file holds an id column (or exactly the data's rows, in order) and one label column per
system. Each column joins evaluations and comparisons as a named prediction set. ISEAR's
``llm_zero_shot.csv`` (GPT-3.5 and Llama-2-70B answers by id) is one such file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from emotion.config import data_dir
from emotion.io.tables import DataError, read_table
from emotion.labels import to_label


@dataclass
class ImportedSets:
    """Prediction sets aligned to the rows of some labelled data.

    Attributes:
        file: The predictions file's name.
        sets: ``{system: label per data row}`` (``None``: no usable answer for that row).
        aligned_by: ``"id column 'id'"`` or ``"row order"``.
        unknown_ids: Ids in the file that are not in the data (counted, never used).
        missing_ids: Data rows whose id is not in the file (unanswered by every system of the file).
        unanswered: Per system, data rows without a usable answer (no row for the id, an empty cell, or
            an answer naming no single emotion).
        unmapped: Per system, non-empty answers naming no single emotion (part of ``unanswered``).
    """

    file: str
    sets: dict[str, list[str | None]]
    aligned_by: str
    unknown_ids: int = 0
    missing_ids: int = 0
    unanswered: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line per file: what was joined and what was not."""
        parts = [f"{self.file}: {', '.join(self.sets)} joined by {self.aligned_by}"]
        if self.unknown_ids:
            parts.append(f"{self.unknown_ids:,} ids not in the data ignored")
        if self.missing_ids:
            parts.append(f"{self.missing_ids:,} data rows have no row in the file")
        for name, count in self.unanswered.items():
            if count:
                parts.append(f"{name}: {count:,} rows unanswered ({self.unmapped.get(name, 0):,} not an emotion)")
        return "; ".join(parts)


def _keys(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip()


def align_predictions(
    table: pd.DataFrame,
    data_ids: pd.Series | None,
    rows: int,
    file: str = "predictions",
    id_column: str | None = None,
) -> ImportedSets:
    """Align a predictions table to labelled data.

    Args:
        table: The predictions file as read (strings).
        data_ids: The data's ids, or ``None`` when the data has no id column (then rows align by order).
        rows: The data's row count.
        file: Name shown in messages.
        id_column: The data's id column name: the table's id column is the one of that name, else ``id``,
            else none (rows align by order).

    Raises:
        DataError: no label column, duplicate ids (naming the first), an id column on one side only, or a
            different row count without ids.
    """
    id_column = next((c for c in (id_column, "id") if c is not None and c in table.columns), None)
    systems = [c for c in table.columns if c != id_column]
    if not systems:
        raise DataError(f"{file}: no label column besides the id column")
    if id_column is None:
        if len(table) != rows:
            raise DataError(f"{file}: {len(table):,} rows but the data has {rows:,}, and no id column to join them by")
        aligned, aligned_by, unknown, missing = table.reset_index(drop=True), "row order", 0, 0
    else:
        if data_ids is None:
            raise DataError(f"{file}: has an id column {id_column!r} but the data has none to join it with")
        keys = _keys(table[id_column])
        duplicated = keys[keys.duplicated()]
        if len(duplicated):
            raise DataError(f"{file}: id {duplicated.iloc[0]!r} appears more than once")
        data_keys = _keys(pd.Series(data_ids))
        if data_keys.duplicated().any():
            raise DataError(f"data: id {data_keys[data_keys.duplicated()].iloc[0]!r} appears more than once")
        indexed = table.set_axis(keys.to_numpy())
        unknown = int((~keys.isin(set(data_keys))).sum())
        missing = int((~data_keys.isin(set(keys))).sum())
        aligned = indexed.reindex(data_keys.to_numpy()).reset_index(drop=True)
        aligned_by = f"id column {id_column!r}"
    sets, unanswered, unmapped = {}, {}, {}
    for system in systems:
        raw = aligned[system]
        labels = [to_label(v) if isinstance(v, str) else None for v in raw]
        filled = [isinstance(v, str) and v.strip() != "" for v in raw]
        sets[system] = labels
        unanswered[system] = sum(label is None for label in labels)
        unmapped[system] = sum(f and label is None for f, label in zip(filled, labels, strict=True))
    return ImportedSets(file, sets, aligned_by, unknown, missing, unanswered, unmapped)


def read_predictions(
    source: str | Path | bytes,
    data_ids: pd.Series | None,
    rows: int,
    name: str | None = None,
    id_column: str | None = None,
) -> ImportedSets:
    """Read a predictions file (any format of :mod:`emotion.io.formats`) and align it to the data.

    A bare file name that does not exist is looked up in the data folder (``llm_zero_shot.csv``).
    """
    if not isinstance(source, bytes) and not Path(source).exists() and (data_dir() / Path(source).name).exists():
        source = data_dir() / Path(source).name
    file = name or Path(str(source)).name
    return align_predictions(read_table(source, name=name), data_ids, rows, file, id_column)


def default_predictions(data_path: Path) -> list[Path]:
    """Prediction files joined when none are given: ``llm_zero_shot.csv`` beside an ISEAR split."""
    candidate = data_path.parent / "llm_zero_shot.csv"
    return [candidate] if data_path.parent.resolve() == data_dir().resolve() and candidate.exists() else []


def align_prediction_files(files: list[tuple[bytes, str]], scored) -> tuple[list[ImportedSets], list[str]]:
    """Read and align other systems' prediction files to labelled data (the Compare page's uploads).

    Args:
        files: ``(bytes, file name)`` of each file.
        scored: The :class:`~emotion.io.datasets.LabelledData` they predict.

    Returns:
        The aligned sets, and one message per file that could not be read or aligned.
    """
    from emotion.io.tables import read_table

    aligned, problems = [], []
    ids = scored.rows["id"] if scored.has_ids else None
    for raw, name in files:
        try:
            aligned.append(align_predictions(read_table(raw, name=name), ids, len(scored.rows), name, scored.id_column))
        except DataError as error:
            problems.append(str(error))
    return aligned, problems
