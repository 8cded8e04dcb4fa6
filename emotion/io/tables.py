"""Reading the tables users bring (every format of :mod:`emotion.io.formats`), with one-line errors."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from emotion.io import formats
from emotion.io.files import DataError


def sheet_names(source: str | Path | bytes) -> list[str]:
    """Sheet names of an XLSX file (openpyxl parses through defusedxml when it is installed)."""
    try:
        with _open(source) as handle:
            return formats.sheet_names(handle)
    except Exception as error:
        raise DataError(f"cannot read the spreadsheet: {type(error).__name__}: {error}".splitlines()[0]) from None


def default_sheet(source: str | Path | bytes) -> str | int:
    """The sheet read when none is chosen: the first one holding any cell."""
    try:
        with _open(source) as handle:
            return formats.first_sheet_with_data(handle)
    except Exception as error:
        raise DataError(f"cannot read the spreadsheet: {type(error).__name__}: {error}".splitlines()[0]) from None


def _open(source: str | Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


def read_table(
    source: str | Path | bytes,
    name: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read any format of :data:`emotion.io.formats.FORMATS` (a path, or raw bytes with a file ``name``) as strings.

    Encoding (a byte-order mark, UTF-8 or cp1252) and delimiter of CSV files are detected. Cells stay
    strings (empty cells become NaN), so identifiers such as "007" are not turned into numbers. Rows
    with more fields than the header keep them in :data:`emotion.io.formats.OVERFLOW_COLUMN`.

    Args:
        source: A path, or the file's bytes.
        name: The file name when ``source`` is bytes; its suffix picks the format.
        sheet: XLSX sheet name or index (default: the first sheet holding data).
    """
    name = name or str(source)
    try:
        file_format = formats.format_for(name)
        with _open(source) as handle:
            frame = file_format.read(handle, sheet)
    except formats.FormatError as error:
        raise DataError(str(error)) from None
    except FileNotFoundError:
        raise DataError(f"file not found: {name}") from None
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{Path(name).name}: cannot read as {file_format.name}: {message}") from None
    if frame.empty and len(frame.columns) == 0:
        raise DataError(f"{Path(name).name}: the file or sheet is empty")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def guess_text_column(frame: pd.DataFrame) -> str:
    """The column most likely to hold free text: the string column with the longest mean length."""
    best, best_len = None, -1.0
    for column in frame.columns:
        values = frame[column].dropna().astype(str).head(200)
        if values.empty:
            continue
        letters = values.str.count(r"[A-Za-z]").mean()
        if letters > best_len:
            best, best_len = column, letters
    if best is None or best_len < 3:
        raise DataError("no text column found: every column is empty or holds no words")
    return best


def iter_chunks(path: Path, chunk_rows: int, handle: BinaryIO | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a file whose format streams (CSV, TSV, Parquet, JSON Lines), ``chunk_rows`` at a time, as strings.

    Args:
        path: The file; its suffix picks the format.
        chunk_rows: Rows per chunk.
        handle: An open, seekable binary file to read instead of opening ``path`` (a pyarrow filesystem's
            file, for object stores).
    """
    try:
        file_format = formats.format_for(path)
    except formats.FormatError as error:
        raise DataError(str(error)) from None
    if file_format.read_chunks is None:
        raise DataError(f"{path.name}: {file_format.name} files are read whole, not in chunks")
    try:
        with handle if handle is not None else open(path, "rb") as source:
            yield from file_format.read_chunks(source, chunk_rows)
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"{path.name}: cannot read as {file_format.name}: {str(error).splitlines()[0]}") from None


def count_rows(path: Path) -> int | None:
    """Data rows of a Parquet file (metadata) or a CSV (lines minus header; an estimate with quoted newlines)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as handle:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` in the format of ``path``'s suffix (see :func:`emotion.io.formats.write_frame`), to a
    temporary name renamed into place: a failure never leaves a half-written file nor wipes an existing one."""
    try:
        file_format = formats.format_for(path)
    except formats.FormatError as error:
        raise DataError(f"output: {error}") from None
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            formats.write_frame(frame, handle, file_format)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def read_parts(folder: Path) -> pd.DataFrame:
    """A folder of table parts (what ``label --engine ray`` writes: Parquet or CSV files) as one table, as strings.

    Parts are read in name order; files of other kinds (``_SUCCESS``, hidden files) are skipped.
    """
    parts = sorted(
        p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith((".", "_")) and _readable(p)
    )
    if not parts:
        raise DataError(f"{Path(folder).name}: the folder holds no table file ({', '.join(formats.SUFFIXES)})")
    return pd.concat([read_table(p) for p in parts], ignore_index=True)


def _readable(path: Path) -> bool:
    try:
        formats.format_for(path)
    except formats.FormatError:
        return False
    return True
