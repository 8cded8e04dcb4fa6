"""Streaming file labelling for the CLI: chunked CSV/Parquet in, CSV out, resumable after a kill."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from tqdm.auto import tqdm

from emotion.base import Classifier
from emotion.data import CSV_OPTIONS, DataError, read_table, sniff_csv
from emotion.labelling import check_text_column, label_table, neutralise_formulas


def iter_chunks(path: Path, chunk_rows: int, handle: BinaryIO | None = None) -> Iterator[pd.DataFrame]:
    """The rows of a CSV or Parquet file, ``chunk_rows`` at a time, as strings.

    Args:
        path: The file; its suffix picks the format.
        chunk_rows: Rows per chunk.
        handle: An open, seekable binary file to read instead of opening ``path`` (a pyarrow filesystem's
            file, for object stores).
    """
    suffix = path.suffix.lower()
    try:
        with handle if handle is not None else open(path, "rb") as source:
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                for batch in pq.ParquetFile(source).iter_batches(batch_size=chunk_rows):
                    yield batch.to_pandas().astype("string").astype(object).where(lambda f: f.notna(), None)
                return
            encoding, delimiter = sniff_csv(source.read(64 * 1024))
            source.seek(0)
            yield from pd.read_csv(source, sep=delimiter, encoding=encoding, chunksize=chunk_rows, **CSV_OPTIONS)
    except DataError:
        raise
    except Exception as error:
        raise DataError(
            f"{path.name}: cannot read as {suffix.lstrip('.').upper()}: {str(error).splitlines()[0]}"
        ) from None


def count_rows(path: Path) -> int | None:
    """Data rows of a Parquet file (metadata) or a CSV (lines minus header; an estimate with quoted newlines)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as handle:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV, XLSX or Parquet by suffix; text cells that would run as formulas are neutralised."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        neutralise_formulas(frame).to_excel(path, index=False, engine="openpyxl")
    elif suffix == ".csv":
        neutralise_formulas(frame).to_csv(path, index=False)
    else:
        raise DataError(f"unsupported output type {suffix or '(none)'} (use .csv, .xlsx or .parquet)")


def label_file(
    source: Path,
    output: Path,
    text_column: str,
    models: Mapping[str, Classifier],
    chunk_rows: int = 20_000,
    resume: bool = True,
    batch_size: int | None = None,
) -> int:
    """Label a file into ``output``; returns the number of rows written.

    CSV and Parquet inputs with a CSV output are streamed chunk by chunk (flat memory). Progress goes
    to ``<output>.progress.json`` after every chunk, so a killed run started again with the same
    arguments continues after the last finished chunk: nothing redone, nothing duplicated. Other
    combinations (XLSX in or out, Parquet out) are labelled in memory. ``batch_size``: texts per forward
    pass (default: each model's own; 1 labels every text alone).
    """
    source, output = Path(source), Path(output)
    if not source.exists():
        raise DataError(f"file not found: {source}")
    streaming = source.suffix.lower() in (".csv", ".tsv", ".txt", ".parquet") and output.suffix.lower() == ".csv"
    if not streaming:
        frame = read_table(source, sheet=0)
        check_text_column(frame, text_column, source.name)
        labelled = label_table(
            frame, text_column, models, progress=_bar(len(frame) * len(models)), batch_size=batch_size
        )
        write_table(labelled, output)
        return len(labelled)

    partial = output.with_name(output.name + ".partial")
    state_file = output.with_name(output.name + ".progress.json")
    fingerprint = {
        "source": str(source.resolve()),
        "size": source.stat().st_size,
        "mtime": source.stat().st_mtime,
        "chunk_rows": chunk_rows,
        "text_column": text_column,
        "models": list(models),
    }
    state = json.loads(state_file.read_text()) if resume and state_file.exists() else None
    if state and state["fingerprint"] == fingerprint and partial.exists():
        with open(partial, "r+b") as handle:
            handle.truncate(state["bytes"])  # drop a chunk half-written when the run was killed
        done_rows = state["rows"]
    else:
        partial.unlink(missing_ok=True)
        done_rows = 0
    total = count_rows(source)
    bar = tqdm(total=total, initial=done_rows, unit="row", desc="labelling", smoothing=0.1)
    rows = 0
    for chunk in iter_chunks(source, chunk_rows):
        if rows == 0:
            check_text_column(chunk, text_column, source.name)
        if rows < done_rows:
            rows += len(chunk)
            continue
        labelled = neutralise_formulas(label_table(chunk, text_column, models, batch_size=batch_size))
        labelled.to_csv(partial, mode="a", header=rows == 0, index=False)
        rows += len(chunk)
        state_file.write_text(json.dumps({"fingerprint": fingerprint, "rows": rows, "bytes": partial.stat().st_size}))
        bar.update(len(chunk))
    bar.close()
    partial.replace(output)
    state_file.unlink(missing_ok=True)
    return rows


def _bar(total: int):
    bar = tqdm(total=total, unit="text", desc="labelling")

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return update
