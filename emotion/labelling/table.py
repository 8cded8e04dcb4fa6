"""Bulk labelling of tables: per model a label and a confidence column, every input row kept in order."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from emotion import config
from emotion.classifier import Classifier, Predictions, Progress, members_first
from emotion.io.language import ENGLISH, detect_languages
from emotion.io.text import check_text
from emotion.labels import LABELS
from emotion.models import no_emotion
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


def no_emotion_column(name: str) -> str:
    """Output column holding a model's probability that the row shows no clear emotion."""
    return f"{name}_no_emotion"


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
    could not label say why. Nothing is dropped. Each text's ``language`` is checked
    (:mod:`emotion.io.language`): a text in another language is still labelled, and its status says
    ``ok; not English (fr)``.

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
    frame, renamed = keep_input_columns(frame, list(models))
    text_column = renamed.get(text_column, text_column)
    out = frame.copy()
    problems = [check_text(v) for v in frame[text_column]]
    valid = [i for i, p in enumerate(problems) if p is None]
    texts = [frame[text_column].iloc[i] for i in valid]
    status = ["ok" if p is None else p for p in problems]
    languages = np.full(len(frame), None, dtype=object)
    languages[valid] = detect_languages(texts)
    fallback = NoEmotionFallback(texts)
    for row in valid:
        if languages[row] != ENGLISH:
            status[row] = f"ok; not English ({languages[row]})"
    total = len(texts) * len(models)
    done: dict[Classifier, Predictions] = {}
    columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    extra: dict[str, np.ndarray] = {}
    calm: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    # Ensembles last: one whose members are also chosen averages their answers instead of running them again.
    for m, name in enumerate(members_first(models)):
        model = models[name]
        labels = np.full(len(frame), None, dtype=object)
        confidence = np.full(len(frame), np.nan)
        if texts and not (should_stop and should_stop()):
            # A model's own count is capped at its texts (one with two passes may count past them).
            step = (lambda d, _n, m=m: progress(m * len(texts) + min(d, len(texts)), total)) if progress else None
            result = model.from_members(done)
            if result is None:
                result = model.classify(texts, batch_size=batch_size, progress=step)
            elif step:
                step(len(texts), len(texts))
            done[model] = result
            labels[valid] = result.labels
            confidence[valid] = result.confidence
            calm[name] = fallback.columns(len(frame), valid, result, model)
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
        out[no_emotion_column(name)] = calm.get(name, (np.full(len(frame), np.nan), None))[0]
        kept = [answered_by_column(name)] + (
            [proba_column(name), proba_column(name, raw=True)] if probabilities else []
        )
        for column in filter(None, kept):
            out[column] = extra.get(column, np.full(len(frame), None, dtype=object))
    out["language"] = languages
    out["no_emotion"] = no_emotion_consensus(len(frame), list(calm.values()))
    if renamed:
        said = "; ".join(f"input column {old!r} kept as {new!r}" for old, new in renamed.items())
        status = [f"{s}; {said}" for s in status]
    out["status"] = status
    return out


INPUT_SUFFIX = " (input)"


def keep_input_columns(frame: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The input's columns that labelling would overwrite (``status``, ``language``, ``<model>_label``…) renamed to
    ``<name> (input)``, so their values are kept; returns the table and ``{old: new}``.

    The generated columns keep their documented names (Insights, the run store and other tools read them by name);
    the rename is said in every row's ``status``.
    """
    generated = set(result_columns(names)) | {"corrected_label"}
    renamed = {}
    taken = set(map(str, frame.columns))
    for column in frame.columns:
        if str(column) in generated:
            new = f"{column}{INPUT_SUFFIX}"
            while new in taken:
                new += "'"
            renamed[column] = new
            taken.add(new)
    return (frame.rename(columns=renamed) if renamed else frame), renamed


class NoEmotionFallback:
    """Each model's ``P(no clear emotion)`` per row: its own output when it has one (models trained on two domains),
    else the shared detector's (:mod:`emotion.models.no_emotion`), run at most once per table; empty when the model
    has none and the check is off (:func:`emotion.config.no_emotion_check`) or the detector is not installed.

    Args:
        texts: The valid rows' texts, in order.
    """

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._found: tuple[np.ndarray, float] | None = None

    def detector(self) -> tuple[np.ndarray, float] | None:
        """The shared detector's probabilities for :attr:`texts` and its threshold (computed once)."""
        if self._found is None:
            detector = no_emotion.shared() if config.no_emotion_check() and self.texts else None
            if detector is None:
                return None
            self._found = detector.proba(self.texts), detector.threshold
        return self._found

    def columns(self, rows: int, valid: list[int], result: Predictions, model: Classifier):
        """``(probability, flagged)`` over all ``rows``: NaN and ``None`` where there is no value."""
        probability = np.full(rows, np.nan)
        flagged = np.full(rows, None, dtype=object)
        if result.no_emotion is not None and model.no_emotion_scale is not None:
            found, threshold = result.no_emotion, model.no_emotion_scale.threshold
        else:
            found, threshold = self.detector() or (None, None)
        if found is not None:
            probability[valid] = np.round(found, 4)
            flagged[valid] = [bool(f) for f in np.asarray(found) >= threshold]
        return probability, flagged


def most_say(said: list[bool]) -> bool:
    """The models' consensus on "no clear emotion": more than half of those that said (a tie: no)."""
    return sum(said) * 2 > len(said)


def no_emotion_consensus(rows: int, columns: list[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    """Per row, :func:`most_say` over the models that answered (``None`` where none did)."""
    out = np.full(rows, None, dtype=object)
    flags = [flagged for _, flagged in columns if flagged is not None]
    for row in range(rows):
        said = [bool(f[row]) for f in flags if f[row] is not None]
        if said:
            out[row] = most_say(said)
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
        for column in (label_column(name), confidence_column(name), no_emotion_column(name), answered_by_column(name))
        if column
    ]
    return [
        *per_model,
        "language",
        "no_emotion",
        "status",
        "consensus_label",
        "agreement",
        "disagreement",
        "low_confidence",
    ]
