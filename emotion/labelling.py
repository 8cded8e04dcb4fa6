"""Bulk labelling of tables: per model a label and a confidence column, every input row kept in order."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from emotion.base import Classifier, Predictions, Progress, TokenUsage, members_first
from emotion.data import check_text
from emotion.labels import LABELS
from emotion.models.cascade import CascadeName


def label_column(name: str) -> str:
    """Output column holding a model's label."""
    return f"{name}_label"


def confidence_column(name: str) -> str:
    """Output column holding a model's confidence in its label."""
    return f"{name}_confidence"


def answered_by_column(name: str) -> str | None:
    """Output column naming, per row, the model that answered for a cascade; ``None`` for other models."""
    return f"{name}_answered_by" if CascadeName.parse(name) else None


def proba_column(name: str, raw: bool = False) -> str:
    """In-memory column holding a model's seven probabilities per row (calibrated, or ``raw``)."""
    return f"{name}_{'raw_' if raw else ''}proba"


def label_frame(
    frame: pd.DataFrame,
    text_column: str,
    models: Mapping[str, Classifier],
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch_size: int | None = None,
    probabilities: bool = False,
) -> pd.DataFrame:
    """Label every row of ``frame``; returns a copy with the new columns and a ``status`` column.

    Rows whose text is empty or not a string keep their place with ``status`` saying so; rows an LLM
    could not label say why. Nothing is dropped.

    Args:
        frame: The table; its columns and order are kept.
        text_column: Column with the texts.
        models: ``{name: classifier}``.
        progress: ``progress(done, total)`` over rows times models.
        should_stop: Polled between models; when it returns True the remaining models are skipped
            and their columns left empty (the rows stay).
        batch_size: Texts per forward pass (default: each model's own).
        probabilities: Also keep each model's probabilities, calibrated and raw, as arrays in the columns
            :func:`proba_column` (for evaluations; never written to files).
    """
    if text_column not in frame.columns:
        raise KeyError(f"no column {text_column!r}")
    out = frame.copy()
    problems = [check_text(v) for v in frame[text_column]]
    valid = [i for i, p in enumerate(problems) if p is None]
    texts = [frame[text_column].iloc[i] for i in valid]
    status = ["ok" if p is None else p for p in problems]
    total = len(texts) * len(models)
    done: dict[Classifier, Predictions] = {}
    columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    extra: dict[str, np.ndarray] = {}
    # Ensembles last: one whose members are also chosen averages their answers instead of running them again.
    for m, name in enumerate(members_first(models)):
        model = models[name]
        labels = np.full(len(frame), None, dtype=object)
        confidence = np.full(len(frame), np.nan)
        if texts and not (should_stop and should_stop()):
            step = (lambda d, _n, m=m: progress(m * len(texts) + d, total)) if progress else None
            result = model.from_members(done)
            if result is None:
                result = model.classify(texts, batch_size=batch_size, progress=step)
            elif step:
                step(len(texts), len(texts))
            done[model] = result
            labels[valid] = result.labels
            confidence[valid] = result.confidence
            if answered_by_column(name):
                extra[answered_by_column(name)] = _spread(len(frame), valid, result.answered_by)
            if probabilities:
                extra[proba_column(name)] = _spread(len(frame), valid, list(result.proba))
                extra[proba_column(name, raw=True)] = _spread(len(frame), valid, list(result.raw))
            for row, error in zip(valid, result.errors, strict=True):
                if error:
                    status[row] = f"{name}: {error}" if status[row] == "ok" else f"{status[row]}; {name}: {error}"
        columns[name] = labels, confidence
    for name in models:
        labels, confidence = columns[name]
        out[label_column(name)] = labels
        out[confidence_column(name)] = np.round(confidence, 4)
        kept = [answered_by_column(name)] + (
            [proba_column(name), proba_column(name, raw=True)] if probabilities else []
        )
        for column in filter(None, kept):
            out[column] = extra.get(column, np.full(len(frame), None, dtype=object))
    out["status"] = status
    return out


def _spread(rows: int, valid: list[int], values: list | None) -> np.ndarray:
    """``values`` placed at the ``valid`` positions of an object array of ``rows`` (``None`` elsewhere)."""
    out = np.full(rows, None, dtype=object)
    if values is not None:
        for row, value in zip(valid, values, strict=True):
            out[row] = value
    return out


def add_consensus(frame: pd.DataFrame, names: list[str], threshold: float = 0.5) -> pd.DataFrame:
    """Add ``consensus_label``, ``agreement``, ``disagreement`` and ``low_confidence`` columns.

    The consensus is the majority label (ties go to the label with the larger summed confidence);
    ``low_confidence`` is set when the mean confidence of the models voting for it is below ``threshold``.
    """
    out = frame.copy()
    labels = frame[[label_column(n) for n in names]].to_numpy(dtype=object)
    confidence = np.nan_to_num(frame[[confidence_column(n) for n in names]].to_numpy(dtype=float))
    votes = np.stack([(labels == label).sum(axis=1) for label in LABELS], axis=1)
    weight = np.stack([((labels == label) * confidence).sum(axis=1) for label in LABELS], axis=1)
    best = np.argmax(votes * (len(names) + 1) + weight, axis=1)  # summed confidence < models + 1 breaks ties
    rows = np.arange(len(frame))
    answered = votes.sum(axis=1)
    best_votes = votes[rows, best]
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(answered > 0, best_votes / answered, np.nan)
        mean_confidence = np.where(best_votes > 0, weight[rows, best] / best_votes, np.nan)
    out["consensus_label"] = [LABELS[b] if n else None for b, n in zip(best, answered, strict=True)]
    out["agreement"] = np.round(agreement, 3)
    out["disagreement"] = (answered > 0) & (agreement < 1)
    out["low_confidence"] = (answered > 0) & (mean_confidence < threshold)
    return out


def label_table(
    frame: pd.DataFrame,
    text_column: str,
    models: Mapping[str, Classifier],
    progress: Progress | None = None,
    threshold: float = 0.5,
    batch_size: int | None = None,
    probabilities: bool = False,
) -> pd.DataFrame:
    """What every labelling engine writes for a table: the input columns, then :func:`result_columns`.

    Each row depends only on its own text, so chunks labelled apart (a resumed run, a Ray worker) and
    joined give the same table as one call over all rows. ``probabilities``: see :func:`label_frame`.
    """
    labelled = label_frame(
        frame, text_column, models, progress=progress, batch_size=batch_size, probabilities=probabilities
    )
    return add_consensus(labelled, list(models), threshold)


def result_columns(names: list[str]) -> list[str]:
    """The columns labelling adds after the input's, in order."""
    per_model = [
        column
        for name in names
        for column in (label_column(name), confidence_column(name), answered_by_column(name))
        if column
    ]
    return [*per_model, "status", "consensus_label", "agreement", "disagreement", "low_confidence"]


def check_text_column(frame: pd.DataFrame, column: str, source: str = "file") -> None:
    """Raise ``DataError`` if ``column`` is missing or holds no words at all (numbers only, empty)."""
    from emotion.data import DataError

    if column not in frame.columns:
        raise DataError(f"{source}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    values = frame[column].dropna().astype(str)
    if not values.str.contains(r"[^\W\d_]", regex=True).any():
        raise DataError(f"{source}: column {column!r} holds no text (empty or numbers only)")


class _Stopped(Exception):
    """Raised inside a model's progress callback to abandon the current chunk."""


class LabellingRun:
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
        self.chunks, self.text_column, self.models = chunks, text_column, dict(models)
        self.on_chunk, self.batch_size, self.keep = on_chunk, batch_size, keep
        self.probabilities = probabilities
        self.start_row = start
        self.rows_done: float = start
        self.error: BaseException | None = None
        self._parts: queue.SimpleQueue[pd.DataFrame] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emotion-labelling", daemon=True)

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
        return cls(chunks, text_column, models, start, on_chunk, batch_size, probabilities=probabilities)

    def start(self) -> LabellingRun:
        """Start the background thread; returns ``self``."""
        self._thread.start()
        return self

    def _run(self) -> None:
        begin = self.start_row
        try:
            for chunk in self.chunks:
                if self._stop.is_set():
                    break

                def progress(done: int, total: int, begin: int = begin, rows: int = len(chunk)) -> None:
                    if self._stop.is_set():
                        raise _Stopped
                    self.rows_done = begin + rows * done / max(total, 1)

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
        except _Stopped:
            pass
        except Exception as error:  # the run ends; the caller reads `error`
            self.error = error

    def take(self) -> list[pd.DataFrame]:
        """The chunks finished since the last call, in row order."""
        parts = []
        while not self._parts.empty():
            parts.append(self._parts.get())
        return parts

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the run to end; returns True while it is still running."""
        self._thread.join(seconds)
        return self._thread.is_alive()

    def stop(self) -> None:
        """Ask the run to stop at its next batch (does not wait; see :meth:`wait`)."""
        self._stop.set()


def assemble(frame: pd.DataFrame, parts: list[pd.DataFrame], names: list[str], threshold: float = 0.5) -> pd.DataFrame:
    """Join labelled chunks; rows not reached (a stopped run) stay, with status ``not run (stopped)``."""
    done = sum(len(p) for p in parts)
    rest = frame.iloc[done:].copy()
    for name in names:
        rest[label_column(name)] = None
        rest[confidence_column(name)] = np.nan
        if answered_by_column(name):
            rest[answered_by_column(name)] = None
    rest["status"] = "not run (stopped)"
    result = pd.concat([*parts, rest]) if parts else rest
    return add_consensus(result, names, threshold)


def chunk_rows_for(models: Mapping[str, Classifier], target_seconds: float = 4.0) -> int:
    """Rows per chunk so that one chunk takes about ``target_seconds`` (what a stop may throw away)."""
    seconds_per_row = sum(1 / model.expected_texts_per_s for model in models.values()) if models else 0.01
    return int(max(4, min(8192, target_seconds / seconds_per_row)))


class JobStatus(StrEnum):
    """Where a bulk job stands."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"
    DONE = "done"


@dataclass
class BulkJob:
    """A bulk labelling job's state: the table, the models chosen, the finished chunks and the corrections.

    The Bulk page draws it; :class:`LabellingRun` does the work; a :class:`~emotion.runs.RunStore` (when
    given) keeps every chunk and correction as it is made, under :attr:`token`. :attr:`tokens` and
    :attr:`cost_usd` hold, per model that calls an endpoint, what the endpoint reported for this job's
    requests and its price (``None``: no price known).
    """

    frame: pd.DataFrame
    file_name: str
    text_column: str
    names: list[str]
    token: str | None = None
    parts: list[pd.DataFrame] = field(default_factory=list)
    corrections: dict[int, str | None] = field(default_factory=dict)
    status: JobStatus = JobStatus.NEW
    error: str | None = None
    tokens: dict[str, TokenUsage] = field(default_factory=dict)
    cost_usd: dict[str, float | None] = field(default_factory=dict)
    run: LabellingRun | None = field(default=None, repr=False)
    _usage_at_start: dict[str, TokenUsage] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_stored(cls, stored) -> BulkJob:
        """A job from a :class:`~emotion.runs.StoredRun` (stopped unless every row was labelled)."""
        job = cls(
            frame=stored.frame,
            file_name=stored.file_name,
            text_column=stored.text_column,
            names=list(stored.models),
            token=stored.token,
            parts=list(stored.parts),
            corrections=dict(stored.corrections),
        )
        job.status = JobStatus.DONE if job.rows_done >= len(job.frame) else JobStatus.STOPPED
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
        self.status, self.error = JobStatus.RUNNING, None
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
            self.status, self.error = JobStatus.FAILED, f"{type(self.run.error).__name__}: {self.run.error}"
        elif self.rows_done >= len(self.frame):
            self.status = JobStatus.DONE
        else:
            self.status = JobStatus.STOPPED

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
