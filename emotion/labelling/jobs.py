"""Labelling jobs: a table labelled chunk by chunk in the background (:class:`LabellingRun`, a
:class:`~emotion.jobs.BackgroundJob`), and the Bulk page's job state (:class:`BulkJob`), shared by the CLI and the
pages."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emotion.classifier import Classifier, TokenUsage, sequential_texts_per_s
from emotion.jobs import BackgroundJob, JobState
from emotion.labelling.table import (
    add_consensus,
    answered_by_column,
    confidence_column,
    keep_input_columns,
    label_column,
    label_table,
    no_emotion_column,
)


class LabellingRun(BackgroundJob):
    """Label a table chunk by chunk in a background thread: the one labelling job of the CLI and the Bulk page.

    The caller (a page redrawing progress, the CLI's progress bar) reads :attr:`rows_done` whenever it likes
    (finished chunks plus the share of the current one) and collects finished chunks, in order, with
    :meth:`take`; ``on_chunk`` sees each one first, in the labelling thread, to keep it at once (the run
    store, the CLI's resumable output). :meth:`stop` abandons the current chunk at its next batch without
    waiting; finished chunks are kept. Each chunk gets :func:`label_table`'s columns. Nothing here touches a UI.

    Args:
        chunks: The rows to label, in order, from row ``start`` on (see :meth:`over_frame` for a table in
            memory; the CLI passes a file's chunks as they are read).
        text_column: Column with the texts.
        models: ``{name: classifier}``.
        start: Row number of the first chunk's first row (rows before it were labelled by an earlier run).
        on_chunk: Called with ``(first row, labelled chunk)`` as each chunk finishes.
        batch_size: Texts per forward pass (default: each model's own).
        keep: Keep finished chunks for :meth:`take` (off when ``on_chunk`` writes them away, so a streamed
            file is never held in memory).
        probabilities: Keep each model's probabilities in the chunks (an evaluation; see :func:`label_frame`).
    """

    def __init__(
        self,
        chunks: Iterable[pd.DataFrame],
        text_column: str,
        models: Mapping[str, Classifier],
        start: int = 0,
        on_chunk: Callable[[int, pd.DataFrame], None] | None = None,
        batch_size: int | None = None,
        keep: bool = True,
        probabilities: bool = False,
    ) -> None:
        super().__init__()
        self.chunks, self.text_column, self.models = chunks, text_column, dict(models)
        self.on_chunk, self.batch_size, self.keep = on_chunk, batch_size, keep
        self.probabilities = probabilities
        self.start_row = start
        self.rows_done: float = start
        self.total_rows: int | None = None
        """Rows of the whole table when known (:meth:`over_frame`): :attr:`progress` is then ``rows_done / total``."""
        self._complete = False
        self._parts: queue.SimpleQueue[pd.DataFrame] = queue.SimpleQueue()

    thread_name = "emotion-labelling"

    @classmethod
    def over_frame(
        cls,
        frame: pd.DataFrame,
        text_column: str,
        models: Mapping[str, Classifier],
        start: int = 0,
        chunk_rows: int = 2048,
        on_chunk: Callable[[int, pd.DataFrame], None] | None = None,
        batch_size: int | None = None,
        probabilities: bool = False,
    ) -> LabellingRun:
        """A run over a table in memory from row ``start``, ``chunk_rows`` rows per chunk (index kept)."""
        step = max(1, chunk_rows)
        chunks = (frame.iloc[begin : begin + step] for begin in range(start, len(frame), step))
        run = cls(chunks, text_column, models, start, on_chunk, batch_size, probabilities=probabilities)
        run.total_rows = len(frame)
        return run

    def _advance(self, rows: float) -> None:
        rows = max(rows, self.rows_done)  # a model that reports out of order never moves the count back
        self.rows_done = rows
        if self.total_rows:
            self.report(rows / self.total_rows)
        else:
            self.check_stop()

    def finished(self) -> bool:
        return self._complete

    def work(self) -> None:
        begin = self.start_row
        for chunk in self.chunks:
            self.check_stop()

            def progress(done: int, total: int, begin: int = begin, rows: int = len(chunk)) -> None:
                self._advance(begin + rows * min(done, total) / max(total, 1))

            part = label_table(
                chunk,
                self.text_column,
                self.models,
                progress=progress,
                batch_size=self.batch_size,
                probabilities=self.probabilities,
            )
            if self.on_chunk is not None:
                self.on_chunk(begin, part)
            begin += len(part)
            if self.keep:
                self._parts.put(part)
            self.rows_done = begin
        self._complete = True

    def take(self) -> list[pd.DataFrame]:
        """The chunks finished since the last call, in row order."""
        parts = []
        while not self._parts.empty():
            parts.append(self._parts.get())
        return parts


def assemble(frame: pd.DataFrame, parts: list[pd.DataFrame], names: list[str], threshold: float = 0.5) -> pd.DataFrame:
    """Join labelled chunks; rows not reached (a stopped run) stay, with status ``not run (stopped)``."""
    done = sum(len(p) for p in parts)
    rest, _ = keep_input_columns(frame.iloc[done:], names)
    rest = rest.copy()
    for name in names:
        rest[label_column(name)] = None
        rest[confidence_column(name)] = np.nan
        rest[no_emotion_column(name)] = np.nan
        if answered_by_column(name):
            rest[answered_by_column(name)] = None
    rest["language"] = None
    rest["no_emotion"] = None
    rest["status"] = "not run (stopped)"
    result = pd.concat([*parts, rest]) if parts else rest
    return add_consensus(result, names, threshold)


def chunk_rows_for(models: Mapping[str, Classifier], target_seconds: float = 4.0) -> int:
    """Rows per chunk so that one chunk takes about ``target_seconds`` (what a stop may throw away)."""
    rates = [model.expected_texts_per_s for model in models.values()]
    seconds_per_row = 1 / sequential_texts_per_s(rates) if models else 0.01
    return int(max(4, min(8192, target_seconds / seconds_per_row)))


@dataclass
class BulkJob:
    """A bulk labelling job's state: the table, the models chosen, the finished chunks and the corrections.

    The Bulk page draws it; :class:`LabellingRun` does the work; a :class:`~emotion.labelling.run_store.RunStore` (when
    given) keeps every chunk and correction as it is made, under :attr:`token`. :attr:`tokens` and
    :attr:`cost_usd` hold, per model that calls an endpoint, what the endpoint reported for this job's
    requests and its price (``None``: no price known).
    """

    frame: pd.DataFrame
    file_name: str
    text_column: str
    names: list[str]
    token: str | None = None
    file_sha256: str | None = None
    """The uploaded bytes' sha256: what the page compares with a new upload (a different file is not this run's)."""
    settings: dict = field(default_factory=dict)
    """How the run was started (prompt mode, cascade share, sheet...): a resumed run uses these, not today's."""
    parts: list[pd.DataFrame] = field(default_factory=list)
    corrections: dict[int, str | None] = field(default_factory=dict)
    status: JobState = JobState.NEW
    error: str | None = None
    tokens: dict[str, TokenUsage] = field(default_factory=dict)
    cost_usd: dict[str, float | None] = field(default_factory=dict)
    run: LabellingRun | None = field(default=None, repr=False)
    _usage_at_start: dict[str, TokenUsage] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_stored(cls, stored) -> BulkJob:
        """A job from a :class:`~emotion.labelling.run_store.StoredRun` (stopped unless every row was labelled)."""
        job = cls(
            frame=stored.frame,
            file_name=stored.file_name,
            text_column=stored.text_column,
            names=list(stored.models),
            token=stored.token,
            file_sha256=stored.file_sha256,
            settings=dict(stored.settings),
            parts=list(stored.parts),
            corrections=dict(stored.corrections),
        )
        job.status = JobState.DONE if job.rows_done >= len(job.frame) else JobState.STOPPED
        return job

    @property
    def rows_done(self) -> int:
        """Rows in finished chunks."""
        return sum(len(p) for p in self.parts)

    def start(
        self,
        models: Mapping[str, Classifier],
        store=None,
        chunk_rows: int | None = None,
        probabilities: bool = False,
    ) -> LabellingRun:
        """Label the rows not done yet in a background thread; each finished chunk is stored at once.

        ``probabilities`` keeps each model's probabilities in the chunks (an evaluation; not with a store).
        """
        if self.run is not None:  # a stopped run may still be finishing a batch (an LLM request)
            self.run.stop()
            self.run.wait(60)
            self.collect()
        token = self.token

        def keep(start: int, part: pd.DataFrame) -> None:
            if store is not None and token is not None:
                store.add_chunk(token, start, part)

        self._usage_at_start = {  # a copy of the counts: the model keeps counting
            name: usage + TokenUsage() for name, model in models.items() if (usage := model.token_usage()) is not None
        }
        self.run = LabellingRun.over_frame(
            self.frame,
            self.text_column,
            models,
            self.rows_done,
            chunk_rows or chunk_rows_for(models),
            on_chunk=keep,
            probabilities=probabilities,
        ).start()
        self.status, self.error = JobState.RUNNING, None
        return self.run

    def collect(self) -> None:
        """Take the chunks the run finished since the last call."""
        if self.run is not None:
            self.parts.extend(self.run.take())

    def finish(self) -> None:
        """After the run's thread ended or was asked to stop: keep its chunks, set the status."""
        if self.run is None:
            return
        self.run.stop()
        self.collect()
        self._count_usage()
        if self.run.error is not None:
            self.status, self.error = JobState.FAILED, f"{type(self.run.error).__name__}: {self.run.error}"
        elif self.rows_done >= len(self.frame):
            self.status = JobState.DONE
        else:
            self.status = JobState.STOPPED

    def _count_usage(self) -> None:
        """Add what each model's endpoint reported since :meth:`start` to :attr:`tokens` and :attr:`cost_usd`."""
        for name, before in self._usage_at_start.items():
            model = self.run.models[name]
            spent = model.token_usage() - before
            total = self.tokens.get(name, TokenUsage()) + spent
            cost, previous = model.usage_cost_usd(spent), self.cost_usd.get(name, 0.0)
            self.tokens[name] = total
            self.cost_usd[name] = None if cost is None or previous is None else previous + cost
        self._usage_at_start = {}

    def correct(self, row: int, label: str | None, store=None) -> None:
        """Set (or clear) a row's corrected label, stored at once."""
        self.corrections[int(row)] = label
        if store is not None and self.token is not None:
            store.set_correction(self.token, int(row), label)

    def result(self, threshold: float = 0.5) -> pd.DataFrame:
        """Every row: finished chunks, the rest ``not run (stopped)``, consensus columns, ``corrected_label``."""
        result = assemble(self.frame, self.parts, self.names, threshold)
        result.index = range(len(result))
        result["corrected_label"] = [self.corrections.get(i) for i in range(len(result))]
        return result
