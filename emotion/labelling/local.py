"""File labelling for the CLI: streamed chunk by chunk where the formats allow, resumable after a kill."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from tqdm.auto import tqdm

from emotion.classifier import Classifier
from emotion.io import formats
from emotion.io.tables import DataError, count_rows, iter_chunks, read_table, write_table
from emotion.io.text import check_text_column
from emotion.labelling.jobs import LabellingRun
from emotion.labelling.table import keep_input_columns, label_table


class LabelledFile(NamedTuple):
    """What :func:`label_file` did."""

    rows: int
    renamed: dict[str, str]
    """Input columns that labelling would have overwritten, kept under new names (``{old: new}``)."""


def label_file(
    source: Path,
    output: Path,
    text_column: str,
    models: Mapping[str, Classifier],
    chunk_rows: int = 20_000,
    resume: bool = True,
    batch_size: int | None = None,
    sheet: str | int | None = None,
) -> LabelledFile:
    """Label a file into ``output``; returns the rows written and the input columns kept under new names.

    Inputs whose format streams (CSV, TSV, Parquet, JSON Lines) into outputs that append (CSV, TSV,
    JSON Lines) go chunk by chunk (flat memory). Progress goes to ``<output>.progress.json`` after every
    chunk, so a killed run started again with the same arguments continues after the last finished
    chunk: nothing redone, nothing duplicated. Other combinations (XLSX in or out, Parquet out) are
    labelled in memory.

    Args:
        source: Input file.
        output: Output file; its suffix picks the format.
        text_column: Column with the texts.
        models: ``{name: classifier}``.
        chunk_rows: Rows per chunk when streaming.
        resume: Continue a killed run of the same arguments.
        batch_size: Texts per forward pass (default: each model's own; 1 labels every text alone).
        sheet: XLSX sheet (default: the first holding data).
    """
    source, output = Path(source), Path(output)
    if not source.exists():
        raise DataError(f"file not found: {source}")
    try:
        in_format, out_format = formats.format_for(source), formats.format_for(output)
    except formats.FormatError as error:
        raise DataError(str(error)) from None
    if in_format.read_chunks is None or out_format.append is None:
        return _label_in_memory(source, output, text_column, models, chunk_rows, batch_size, sheet)
    header: list = []
    partial = output.with_name(output.name + ".partial")
    progress = _Progress(
        output.with_name(output.name + ".progress.json"), _fingerprint(source, chunk_rows, text_column, models)
    )
    done_rows = progress.resume_into(partial) if resume else progress.start_over(partial)

    def remaining() -> Iterator[pd.DataFrame]:
        rows = 0
        for chunk in iter_chunks(source, chunk_rows):
            if rows == 0:
                check_text_column(chunk, text_column, source.name)
                header.extend(chunk.columns)
            if rows >= done_rows:
                yield chunk
            rows += len(chunk)

    def keep(start: int, part: pd.DataFrame) -> None:  # in the labelling thread, as each chunk finishes
        with open(partial, "ab") as handle:
            formats.write_frame(part, handle, out_format, first=start == 0)
        progress.save(start + len(part), partial.stat().st_size)

    run = LabellingRun(remaining(), text_column, models, done_rows, on_chunk=keep, batch_size=batch_size, keep=False)
    rows = _follow(run.start(), count_rows(source), done_rows)
    if not partial.exists():
        raise DataError(f"{source.name}: no data rows")
    partial.replace(output)
    progress.path.unlink(missing_ok=True)
    return LabelledFile(rows, keep_input_columns(pd.DataFrame(columns=header), list(models))[1])


def _label_in_memory(source, output, text_column, models, chunk_rows, batch_size, sheet) -> int:
    """XLSX in or out, Parquet out: the whole table in memory, written once."""
    frame = read_table(source, sheet=sheet)
    check_text_column(frame, text_column, source.name)
    run = LabellingRun.over_frame(frame, text_column, models, chunk_rows=chunk_rows, batch_size=batch_size)
    _follow(run.start(), len(frame))
    labelled = pd.concat(run.take()) if len(frame) else label_table(frame, text_column, models)
    write_table(labelled, output)
    return LabelledFile(len(labelled), keep_input_columns(frame.head(0), list(models))[1])


def _fingerprint(source: Path, chunk_rows: int, text_column: str, models: Mapping) -> dict:
    """What a resumed run must share with the killed one: the same file, unchanged, and the same arguments."""
    return {
        "source": str(source.resolve()),
        "size": source.stat().st_size,
        "mtime": source.stat().st_mtime,
        "chunk_rows": chunk_rows,
        "text_column": text_column,
        "models": list(models),
    }


@dataclass
class _Progress:
    """``<output>.progress.json``: rows and bytes of the partial output after the last finished chunk."""

    path: Path
    fingerprint: dict

    def resume_into(self, partial: Path) -> int:
        """Rows already done by a killed run of the same arguments (the partial file cut to its last whole
        chunk), else 0 after :meth:`start_over`."""
        try:
            state = json.loads(self.path.read_text()) if self.path.exists() else None
        except (ValueError, OSError):  # an empty or broken progress file: start over rather than refuse to run
            state = None
        if not (isinstance(state, dict) and state.get("fingerprint") == self.fingerprint and partial.exists()):
            return self.start_over(partial)
        with open(partial, "r+b") as handle:
            handle.truncate(state["bytes"])  # drop a chunk half-written when the run was killed
        return state["rows"]

    def start_over(self, partial: Path) -> int:
        partial.unlink(missing_ok=True)
        return 0

    def save(self, rows: int, size: int) -> None:
        """Written to a temporary name and renamed: a kill mid-write never leaves an empty progress file."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"fingerprint": self.fingerprint, "rows": rows, "bytes": size}))
        tmp.replace(self.path)


def _follow(run: LabellingRun, total: int | None, initial: int = 0) -> int:
    """Show a run's progress until it ends; Ctrl-C stops it after the chunks already written. Returns its rows."""
    bar = tqdm(total=total, initial=initial, unit="row", desc="labelling", smoothing=0.1)
    try:
        while run.wait(0.25):
            bar.update(int(run.rows_done) - bar.n)
    except KeyboardInterrupt:
        run.stop()
        run.wait(60)
        raise
    finally:
        bar.update(int(run.rows_done) - bar.n)
        if bar.total is not None and run.finished() and bar.n != bar.total:
            bar.total = bar.n  # the total was an estimate (quoted line breaks): show the rows of the file
            bar.refresh()
        bar.close()
    if run.error is not None:
        raise run.error
    return int(run.rows_done)
