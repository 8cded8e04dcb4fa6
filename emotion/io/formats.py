"""The file formats users bring and take away, in one table: reader, chunked reader, writer, MIME type, suffixes.

Every reader gives cells as strings (``None``/NaN for empty cells); every writer goes through
:func:`write_frame`, the one place where text cells that a spreadsheet would run as formulas are
neutralised and characters a format cannot hold are replaced (and counted in ``status``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""]}
"""Cells stay strings; only empty cells are missing (so "NA" or "007" survive as written)."""
OVERFLOW_COLUMN = "extra_fields"
"""Where fields beyond the header's go (joined by the delimiter), for rows that have more than the header."""
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters an XLSX cell cannot hold (openpyxl refuses them)."""


class FormatError(ValueError):
    """A file that cannot be read as its format; the message is one line."""


@dataclass(frozen=True)
class CsvLayout:
    """What :func:`sniff_csv` found: encoding, delimiter, and the most fields any row has."""

    encoding: str
    delimiter: str
    header_fields: int = 0
    max_fields: int = 0

    @property
    def overflow(self) -> int:
        """How many fields some row has beyond the header's."""
        return max(0, self.max_fields - self.header_fields)


def detect_encoding(head: bytes) -> str:
    """The encoding of a text file from its first bytes: a byte-order mark, else UTF-8, else cp1252."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is still UTF-8
            return "cp1252"
    return "utf-8-sig"


def sniff_csv(raw: bytes, default_delimiter: str = ",") -> tuple[str, str]:
    """Guess a CSV's ``(encoding, delimiter)`` from its first bytes."""
    head = raw[: 64 * 1024]
    encoding = detect_encoding(head)
    if encoding == "utf-16" and len(head) % 2:
        head = head[:-1]
    sample = head.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), ",;\t|").delimiter
    except csv.Error:
        delimiter = default_delimiter
    return encoding, delimiter


def csv_layout(handle: BinaryIO, default_delimiter: str = ",") -> CsvLayout:
    """Encoding, delimiter and field counts of a CSV (one pass with the csv module); rewinds ``handle``."""
    encoding, delimiter = sniff_csv(handle.read(64 * 1024), default_delimiter)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        rows = csv.reader(text, delimiter=delimiter)
        header = next(rows, [])
        widest = max((len(row) for row in rows), default=len(header))
    except csv.Error:
        widest = 0  # let pandas report the problem
        header = []
    finally:
        text.detach()
    handle.seek(0)
    return CsvLayout(encoding, delimiter, len(header), max(widest, len(header)))


def _csv_reader_options(layout: CsvLayout, handle: BinaryIO) -> dict:
    options = {"sep": layout.delimiter, "encoding": layout.encoding, **CSV_OPTIONS}
    if layout.overflow:
        header = pd.read_csv(handle, nrows=0, sep=layout.delimiter, encoding=layout.encoding).columns
        handle.seek(0)
        extra = [f"{OVERFLOW_COLUMN}_{i}" for i in range(layout.overflow)]
        options |= {"names": [*map(str, header), *extra], "header": None, "skiprows": 1}
    return options


def _join_overflow(frame: pd.DataFrame, delimiter: str) -> pd.DataFrame:
    extra = [c for c in frame.columns if str(c).startswith(f"{OVERFLOW_COLUMN}_")]
    if not extra:
        return frame
    joined = [
        delimiter.join(v for v in row if isinstance(v, str)) or None
        for row in frame[extra].itertuples(index=False, name=None)
    ]
    return frame.drop(columns=extra).assign(**{OVERFLOW_COLUMN: joined})


def _csv_chunks(default_delimiter: str) -> Callable[[BinaryIO, int], Iterator[pd.DataFrame]]:
    def read_chunks(handle: BinaryIO, chunk_rows: int) -> Iterator[pd.DataFrame]:
        layout = csv_layout(handle, default_delimiter)
        for chunk in pd.read_csv(handle, chunksize=chunk_rows, **_csv_reader_options(layout, handle)):
            yield _join_overflow(chunk, layout.delimiter)

    return read_chunks


def _csv_read(default_delimiter: str) -> Callable[[BinaryIO, str | int | None], pd.DataFrame]:
    def read(handle: BinaryIO, _sheet: str | int | None = None) -> pd.DataFrame:
        layout = csv_layout(handle, default_delimiter)
        return _join_overflow(pd.read_csv(handle, **_csv_reader_options(layout, handle)), layout.delimiter)

    return read


def _csv_append(delimiter: str) -> Callable[[pd.DataFrame, BinaryIO, bool], None]:
    def append(frame: pd.DataFrame, handle: BinaryIO, first: bool) -> None:
        # CRLF line ends, so a cell holding a lone CR is quoted too (the csv module quotes the terminator's
        # characters); a BOM so Excel detects UTF-8.
        text = frame.to_csv(index=False, header=first, sep=delimiter, lineterminator="\r\n")
        handle.write(text.encode("utf-8-sig" if first else "utf-8"))

    return append


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("string").astype(object).where(lambda f: f.notna(), None)


def _parquet_read(handle: BinaryIO, _sheet: str | int | None = None) -> pd.DataFrame:
    return _strings(pd.read_parquet(handle))


def _parquet_chunks(handle: BinaryIO, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(handle).iter_batches(batch_size=chunk_rows):
        yield _strings(batch.to_pandas())


def _jsonl_read(handle: BinaryIO, _sheet: str | int | None = None) -> pd.DataFrame:
    return _strings(pd.read_json(handle, lines=True, dtype=False, encoding="utf-8"))


def _jsonl_chunks(handle: BinaryIO, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with pd.read_json(handle, lines=True, dtype=False, chunksize=chunk_rows, encoding="utf-8") as reader:
        for chunk in reader:
            yield _strings(chunk)


def _jsonl_append(frame: pd.DataFrame, handle: BinaryIO, _first: bool) -> None:
    if len(frame):
        text = frame.to_json(orient="records", lines=True, force_ascii=False)
        handle.write((text if text.endswith("\n") else text + "\n").encode("utf-8"))


MAX_TEXT_CHARS = 100_000_000
"""Characters of text one upload may hold in all (a shared string used by many rows counts each time)."""
MAX_CELLS = 20_000_000
"""Cells one sheet may declare (rows × columns of its used range)."""
MAX_XML_BYTES = 1_000_000_000
"""Uncompressed bytes of one workbook's XML parts."""


MAX_RATIO = 200
"""How many times its zipped size a large XML part may unpack to: sheets saved by spreadsheet programs stay far
below it; whitespace padding and zip bombs unpack about 1,000 times theirs."""
RATIO_FROM_BYTES = 20_000_000
"""Parts smaller than this unpacked are never refused for their ratio."""


def _xlsx_budget(handle: BinaryIO) -> None:
    """Refuse a workbook whose parts unpack past :data:`MAX_XML_BYTES`, or a large part unpacking more than
    :data:`MAX_RATIO` times its zipped size (the XML parser would hold the padding), before anything is parsed."""
    import zipfile

    try:
        with zipfile.ZipFile(handle) as archive:  # not a zip: the reader's one-line error says so
            parts = archive.infolist()
    finally:
        handle.seek(0)
    unpacked = sum(info.file_size for info in parts)
    if unpacked > MAX_XML_BYTES:
        raise FormatError(f"the workbook unpacks to {unpacked:,} bytes; the limit is {MAX_XML_BYTES:,}")
    for info in parts:
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FormatError(
                f"the workbook's {info.filename} unpacks from {info.compress_size:,} to {info.file_size:,} bytes "
                f"(padding, not data): open it in a spreadsheet program and save it again"
            )


def _xlsx_read(handle: BinaryIO, sheet: str | int | None = None) -> pd.DataFrame:
    """A sheet as strings, streamed row by row with bounded memory.

    The sheet's declared size is checked before any row is read (rows against ``EMOTION_MAX_ROWS``, rows × columns
    against :data:`MAX_CELLS`), then rows and characters are counted while reading, so a tiny file that declares a
    far-off cell, or repeats one huge shared string on many rows, is refused with one line instead of filling
    memory. Trailing empty columns and rows are dropped.
    """
    from openpyxl import load_workbook

    from emotion.config import max_rows

    _xlsx_budget(handle)
    chosen = first_sheet_with_data(handle) if sheet is None else sheet
    book = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    try:
        sheet_ = book.worksheets[chosen] if isinstance(chosen, int) else book[chosen]
        declared_rows, declared_columns = sheet_.max_row or 0, sheet_.max_column or 0
        limit = max_rows()
        if declared_rows > limit + 1:
            raise FormatError(f"the sheet declares {declared_rows:,} rows; the limit is {limit:,} (EMOTION_MAX_ROWS)")
        if declared_rows * declared_columns > MAX_CELLS:
            raise FormatError(
                f"the sheet declares {declared_rows:,} rows × {declared_columns:,} columns; the limit is "
                f"{MAX_CELLS:,} cells (a far-off cell stretches the sheet: delete it and save again)"
            )
        rows: list[list] = []
        chars = 0
        width = 0
        for values in sheet_.iter_rows(values_only=True):
            if len(rows) > limit:
                raise FormatError(f"the sheet has more than {limit:,} rows (EMOTION_MAX_ROWS)")
            cells = [_cell_text(v) for v in values]
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()
            chars += sum(len(c) for c in cells if c)
            if chars > MAX_TEXT_CHARS:
                raise FormatError(f"the sheet holds more than {MAX_TEXT_CHARS:,} characters of text")
            width = max(width, len(cells))
            rows.append(cells)
    finally:
        book.close()
    while rows and not any(c not in (None, "") for c in rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame()
    header = [
        c if c not in (None, "") else f"Unnamed: {i}" for i, c in enumerate(rows[0] + [None] * (width - len(rows[0])))
    ]
    body = [r + [None] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=_unique(header), dtype=object)


def _cell_text(value) -> str | None:
    """A cell as pandas' ``read_excel(dtype=str)`` gives it: whole numbers without ``.0``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does (``a``, ``a.1``, ``a.2``)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def _xlsx_write(frame: pd.DataFrame, handle: BinaryIO) -> None:
    frame.to_excel(handle, index=False, sheet_name="labelled", engine="openpyxl")


@dataclass(frozen=True)
class FileFormat:
    """One file format: how to read it whole or in chunks, how to write it, and how browsers call it.

    Attributes:
        name: Shown to users (``CSV``).
        suffixes: File name endings, lower case, the first used for downloads.
        mime: MIME type of downloads.
        read: ``read(binary file, sheet) -> DataFrame`` of strings.
        write: ``write(frame, binary file)``.
        read_chunks: ``read_chunks(binary file, rows) -> DataFrames`` for streaming, or ``None``.
        append: ``append(frame, binary file, first)`` writes one chunk after another (``first``: the
            file's start, with its header), or ``None`` when the format is written whole.
        spreadsheet: Opened by spreadsheet programs, so formula cells are neutralised when written.
        illegal: Characters the format cannot hold (replaced by U+FFFD on writing and counted in ``status``).
        max_cell_chars: The longest text a cell holds (longer ones are cut and counted in ``status``).
    """

    name: str
    suffixes: tuple[str, ...]
    mime: str
    read: Callable[[BinaryIO, str | int | None], pd.DataFrame]
    write: Callable[[pd.DataFrame, BinaryIO], None]
    read_chunks: Callable[[BinaryIO, int], Iterator[pd.DataFrame]] | None = None
    append: Callable[[pd.DataFrame, BinaryIO, bool], None] | None = None
    spreadsheet: bool = True
    illegal: re.Pattern | None = None
    max_cell_chars: int | None = None
    typed: bool = False
    """Holds numbers, dates and booleans as such: a whole file written in it gets them back (:func:`restore_types`).
    CSV and TSV are text: their cells stay as read (ISO dates, plain numbers)."""


def _whole(append: Callable[[pd.DataFrame, BinaryIO, bool], None]) -> Callable[[pd.DataFrame, BinaryIO], None]:
    return lambda frame, handle: append(frame, handle, True)


FORMATS: tuple[FileFormat, ...] = (
    FileFormat(
        "CSV",
        (".csv", ".txt"),
        "text/csv",
        _csv_read(","),
        _whole(_csv_append(",")),
        _csv_chunks(","),
        _csv_append(","),
    ),
    FileFormat(
        "TSV",
        (".tsv",),
        "text/tab-separated-values",
        _csv_read("\t"),
        _whole(_csv_append("\t")),
        _csv_chunks("\t"),
        _csv_append("\t"),
    ),
    FileFormat(
        "XLSX",
        (".xlsx", ".xlsm"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _xlsx_read,
        _xlsx_write,
        illegal=XLSX_ILLEGAL,
        max_cell_chars=32_767,
        typed=True,
    ),
    FileFormat(
        "Parquet",
        (".parquet",),
        "application/vnd.apache.parquet",
        _parquet_read,
        lambda frame, handle: frame.to_parquet(handle, index=False),
        _parquet_chunks,
        spreadsheet=False,
        typed=True,
    ),
    FileFormat(
        "JSON Lines",
        (".jsonl", ".ndjson"),
        "application/jsonl",
        _jsonl_read,
        _whole(_jsonl_append),
        _jsonl_chunks,
        _jsonl_append,
        spreadsheet=False,
        typed=True,
    ),
)
SUFFIXES = tuple(s for f in FORMATS for s in f.suffixes)


def format_for(name: str | Path) -> FileFormat:
    """The format of a file name by its suffix; :class:`FormatError` lists the supported ones."""
    suffix = Path(str(name)).suffix.lower()
    for file_format in FORMATS:
        if suffix in file_format.suffixes:
            return file_format
    raise FormatError(f"{Path(str(name)).name}: unsupported file type {suffix or '(none)'} (use {', '.join(SUFFIXES)})")


def by_name(name: str) -> FileFormat:
    """A format by its :attr:`FileFormat.name` or first suffix (``csv``, ``XLSX``)."""
    for file_format in FORMATS:
        if name.lower() in (file_format.name.lower(), file_format.suffixes[0].lstrip(".")):
            return file_format
    raise FormatError(f"unknown format {name!r} (use {', '.join(f.suffixes[0].lstrip('.') for f in FORMATS)})")


_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,17})")  # no leading zero: "007" is an id, and stays text
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_BOOLEANS = {"True": True, "False": False, "TRUE": True, "FALSE": False, "true": True, "false": False}


def restore_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every non-empty cell is a number, an ISO date or a boolean, as numbers, dates, booleans.

    Every reader gives cells as strings (so "007" stays "007"); a spreadsheet's numbers, dates and booleans come back
    as "4", "2026-01-01 00:00:00", "True". Writing a format that holds types turns them back. A column keeps its text
    when any cell is something else, and integers with a leading zero (ids, codes) are never numbers.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        present = series.dropna()
        present = present[present.map(lambda v: isinstance(v, str) and v.strip() != "")]
        if present.empty or len(present) < series.notna().sum():
            continue
        values = present.astype(str)
        if values.isin(list(_BOOLEANS)).all():
            out[column] = series.map(_BOOLEANS.get).astype("boolean")
        elif values.str.fullmatch(_INTEGER).all():
            out[column] = pd.to_numeric(series.where(series.isin(values)), errors="coerce").astype("Int64")
        elif values.str.fullmatch(_NUMBER).all():
            out[column] = pd.to_numeric(series.where(series.isin(values)), errors="coerce").astype("Float64")
        elif values.str.fullmatch(_DATE).all():
            out[column] = pd.to_datetime(series.where(series.isin(values)), errors="coerce", format="ISO8601")
    return out


def _neutral(value):
    return (
        "'" + value
        if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)
        else value
    )


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix an apostrophe to text cells, and column names, a spreadsheet would run as a formula (= + - @ tab CR);
    a plain number such as ``-1`` is no formula and stays as it is."""
    out = frame.copy()
    out.columns = [_neutral(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [_neutral(v) for v in out[column]]
    return out


def fit_cells(frame: pd.DataFrame, file_format: FileFormat) -> pd.DataFrame:
    """Replace characters the format cannot hold and cut cells it cannot hold whole; say so in ``status``."""
    if file_format.illegal is None and file_format.max_cell_chars is None:
        return frame
    out = frame.copy()
    replaced = pd.Series(0, index=out.index)
    cut = pd.Series(0, index=out.index)
    for column in out.columns:
        if not (out[column].dtype == object or pd.api.types.is_string_dtype(out[column])):
            continue
        values = list(out[column])
        if file_format.illegal is not None:
            found = [len(file_format.illegal.findall(v)) if isinstance(v, str) else 0 for v in values]
            if any(found):
                replaced += found
                values = [file_format.illegal.sub("\ufffd", v) if isinstance(v, str) else v for v in values]
        limit = file_format.max_cell_chars
        if limit is not None:
            long = [isinstance(v, str) and len(v) > limit for v in values]
            if any(long):
                cut += long
                values = [v[:limit] if too_long else v for v, too_long in zip(values, long, strict=True)]
        out[column] = values
    if replaced.any() or cut.any():
        notes = [
            "; ".join(
                part
                for part in (
                    f"{r} illegal character{'s' * (r > 1)} replaced" if r else "",
                    f"{c} cell{'s' * (c > 1)} cut to {file_format.max_cell_chars:,} characters" if c else "",
                )
                if part
            )
            for r, c in zip(replaced, cut, strict=True)
        ]
        status = out["status"] if "status" in out.columns else pd.Series(None, index=out.index)
        out["status"] = [
            "; ".join(p for p in (s if isinstance(s, str) else "", n) if p) or None
            for s, n in zip(status, notes, strict=True)
        ]
    return out


def prepare(frame: pd.DataFrame, file_format: FileFormat) -> pd.DataFrame:
    """What is written for ``frame`` in ``file_format``: formulas neutralised, cells fitted to the format."""
    if file_format.spreadsheet:
        frame = neutralise_formulas(frame)
    return fit_cells(frame, file_format)


def write_frame(frame: pd.DataFrame, handle: BinaryIO, file_format: FileFormat, first: bool | None = None) -> None:
    """Write ``frame`` in ``file_format`` (see :func:`prepare`); the one path every writer takes.

    Args:
        frame: The table.
        handle: A binary file.
        file_format: The format.
        first: ``None`` writes the whole file; ``True``/``False`` append a chunk (with or without the
            header) to a streamed file, for formats with :attr:`FileFormat.append`.
    """
    frame = prepare(frame, file_format)
    if first is None:
        file_format.write(restore_types(frame) if file_format.typed else frame, handle)
    elif file_format.append is None:
        raise FormatError(f"{file_format.name} files are written whole, not in chunks")
    else:
        file_format.append(frame, handle, first)


def to_bytes(frame: pd.DataFrame, file_format: FileFormat | str) -> bytes:
    """``frame`` as the bytes of a download in ``file_format`` (a format or its name)."""
    file_format = by_name(file_format) if isinstance(file_format, str) else file_format
    buffer = io.BytesIO()
    write_frame(frame, buffer, file_format)
    return buffer.getvalue()


def sheet_names(handle: BinaryIO) -> list[str]:
    """Sheet names of an XLSX workbook."""
    with pd.ExcelFile(handle, engine="openpyxl") as book:
        return [str(name) for name in book.sheet_names]


def first_sheet_with_data(handle: BinaryIO) -> str | int:
    """The first sheet holding any cell (a cover sheet is often empty); the first sheet if none does."""
    from openpyxl import load_workbook

    book = load_workbook(handle, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(max_row=50, values_only=True):
                if any(v is not None and str(v).strip() for v in row):
                    return sheet.title
        return 0
    finally:
        book.close()
        handle.seek(0)
