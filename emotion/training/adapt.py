"""Adapting a model to a user's own labels: checks of the labelled rows, a cross-validated comparison with the base
models, and the ``custom:NAME`` model it saves (:mod:`emotion.models.custom`).

One typed job, :class:`AdaptJob`, runs it in the background for the CLI (``python -m emotion adapt``) and the pages:
they read its :attr:`~AdaptJob.stage` and :attr:`~AdaptJob.progress`, and may :meth:`~AdaptJob.stop` it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from emotion.evaluation.metrics import paired_difference
from emotion.io.text import check_text, prepare_text
from emotion.labels import LABELS, NO_EMOTION, to_label
from emotion.models.custom import HEAD_FILE, NAME_PATTERN, PREFIX, OffsetHead, folder_of

MIN_ROWS = 30
"""Fewer labelled rows than this are refused: five folds of six rows say nothing about a model."""


class AdaptDataError(ValueError):
    """Labelled rows that cannot train a model; the message says why and what to do."""


@dataclass
class AdaptData:
    """Labelled rows ready for adaptation, and what was left out of the file and why."""

    texts: list[str]
    labels: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        """A digest of the rows (text and label, in order): the card names the data without holding it."""
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels, strict=True):
            digest.update(f"{label}\t{text}\n".encode())
        return digest.hexdigest()


def check_adapt_data(texts: list, labels: list) -> AdaptData:
    """Clean labelled rows for adaptation: it refuses what cannot train a model, and warns about what it leaves out.

    Refused (:class:`AdaptDataError`): fewer than :data:`MIN_ROWS` usable rows; a single emotion.
    Warned, and the rows left out: empty texts; labels that name none of the seven emotions (each value counted);
    rows labelled "no emotion" (the adapted model answers among the seven; the base's no-emotion output stays);
    duplicate texts (one kept when their labels agree, all left out when they disagree).
    """
    warnings = []
    rows: dict[str, list[str]] = {}
    empty, unknown, calm = 0, {}, 0
    for text, value in zip(texts, labels, strict=True):
        if check_text(text):
            empty += 1
            continue
        label = to_label(value) if isinstance(value, str) else None
        if label is None:
            if isinstance(value, str) and value.strip().lower() in (NO_EMOTION, "neutral", "none"):
                calm += 1
                continue
            key = str(value)[:30] if not (isinstance(value, float) and np.isnan(value)) else "(empty)"
            unknown[key] = unknown.get(key, 0) + 1
            continue
        rows.setdefault(prepare_text(text), []).append(label)
    if empty:
        warnings.append(f"{empty} rows without text left out")
    if unknown:
        listed = ", ".join(
            f"{value!r} ({count})" for value, count in sorted(unknown.items(), key=lambda kv: -kv[1])[:8]
        )
        warnings.append(f"{sum(unknown.values())} rows whose label names none of the seven emotions left out: {listed}")
    if calm:
        warnings.append(f"{calm} rows labelled 'no emotion' left out (the model answers among the seven emotions)")
    repeated = {text: labels for text, labels in rows.items() if len(labels) > 1}
    clashing = [text for text, labels in repeated.items() if len(set(labels)) > 1]
    if repeated:
        warnings.append(
            f"{len(repeated)} texts appear more than once: one copy kept of each"
            + (f"; {len(clashing)} of them with different labels, left out" if clashing else "")
        )
    kept = [(text, labels[0]) for text, labels in rows.items() if text not in clashing]
    if len(kept) < MIN_ROWS:
        raise AdaptDataError(
            f"only {len(kept)} usable labelled rows: adapting needs at least {MIN_ROWS}"
            + (f" ({'; '.join(warnings)})" if warnings else "")
        )
    found = {label for _, label in kept}
    if len(found) < 2:
        raise AdaptDataError(
            f"every usable row is labelled {found.pop()!r}: a model needs at least two emotions to tell apart"
        )
    return AdaptData([t for t, _ in kept], [label for _, label in kept], warnings)


def read_adapt_file(path, text_column: str | None = None, label_column: str | None = None) -> AdaptData:
    """The labelled rows of a spreadsheet (any format the Bulk page reads), checked by :func:`check_adapt_data`."""
    from emotion.io.datasets import guess_label_column
    from emotion.io.tables import guess_text_column, read_table

    frame = read_table(path)
    text_column = text_column or guess_text_column(frame)
    label_column = label_column or guess_label_column(frame, exclude=(text_column,))
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise AdaptDataError(f"no column {column!r} in {path}; columns: {', '.join(map(str, frame.columns))}")
    return check_adapt_data(list(frame[text_column]), list(frame[label_column]))


def check_name(name: str) -> str:
    """The bare name of a new custom model; refuses bad names and names of built-in models."""
    from emotion import registry

    bare = name.removeprefix(PREFIX)
    if not NAME_PATTERN.match(bare):
        raise AdaptDataError(
            f"model name {bare!r}: use lower-case letters, digits, '-' and '_' (at most 40 characters)"
        )
    if bare in registry.model_names(include_llms=False) or bare in registry.LOCAL_MODELS:
        raise AdaptDataError(f"{bare!r} is a built-in model's name: choose another")
    return bare


@dataclass
class AdaptArgs:
    """The adaptation recipe.

    Args:
        base: The registered model adapted (its features and answers are the head's input).
        strength: L2 penalty of the head's correction; ``None``: ``3 / rows`` (chosen on the adaptation bench,
            ``bench/adaptation_curve.py``, on GoEmotions train rows, scored on GoEmotions dev).
        balanced: Each emotion weighs the same in the loss.
        folds: Cross-validation folds of the comparison (fewer when an emotion has fewer rows).
        repeats: Repeats of the cross-validation.
        seed: Seeds the folds and the bootstrap.
    """

    base: str = "encoder-fast"
    strength: float | None = None
    balanced: bool = True
    folds: int = 5
    repeats: int = 2
    seed: int = 0

    def strength_for(self, rows: int) -> float:
        return self.strength if self.strength is not None else 3.0 / rows

    def recipe(self, rows: int) -> str:
        """The recipe's words on the card, from the arguments."""
        return (
            f"softmax regression on `{self.base}`'s head features (standardised), offset by its log-probabilities; "
            f"L2 strength {self.strength_for(rows):.4g}"
            + (" (3 / rows)" if self.strength is None else "")
            + ("; classes weighted inversely to their counts" if self.balanced else "")
            + "; L-BFGS"
        )


@dataclass
class Comparison:
    """Cross-validated macro-F1 on the user's labels: the adapted model against its base and the other local models.

    Attributes:
        adapted: Mean out-of-fold macro-F1 of the adapted model over the repeats.
        models: Macro-F1 of each base model's own answers on the same rows (nothing fitted).
        difference: Adapted minus base, with its paired bootstrap interval (first repeat's out-of-fold answers).
        folds: Folds used.
    """

    adapted: float
    models: dict[str, float]
    difference: dict
    folds: int

    def summary(self, base: str) -> str:
        low, high = self.difference["interval"]
        verdict = "within noise" if self.difference["within_noise"] else ("better" if low > 0 else "worse")
        return (
            f"adapted {self.adapted:.3f} vs {base} {self.models[base]:.3f} macro-F1 on your labels "
            f"(cross-validated, {self.folds} folds): {self.difference['macro_f1_difference']:+.3f}, "
            f"95% interval {low:+.3f} to {high:+.3f}, {verdict}"
        )


def compare(
    features: np.ndarray, base_proba: np.ndarray, labels: list[str], args: AdaptArgs, others: dict[str, list] | None
) -> Comparison:
    """Out-of-fold answers of the adapted recipe against the base's answers (and ``others``' labels) on the rows."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    from emotion.evaluation.metrics import classification_metrics

    smallest = min(pd.Series(labels).value_counts())
    folds = int(min(args.folds, max(2, smallest)))
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=args.repeats, random_state=args.seed)
    gold = np.asarray(labels)
    runs = []
    labelled = np.full(len(labels), None, dtype=object)
    for i, (fit_rows, held_rows) in enumerate(splitter.split(features, gold)):
        head = OffsetHead(args.strength_for(len(fit_rows)), args.balanced)
        head.fit(features[fit_rows], base_proba[fit_rows], list(gold[fit_rows]))
        labelled[held_rows] = [
            LABELS[j] for j in head.predict_proba(features[held_rows], base_proba[held_rows]).argmax(1)
        ]
        if (i + 1) % folds == 0:
            runs.append(list(labelled))
            labelled = np.full(len(labels), None, dtype=object)
    base_labels = [LABELS[j] for j in base_proba.argmax(1)]
    models = {args.base: classification_metrics(labels, base_labels)["macro_f1"]}
    for name, answers in (others or {}).items():
        models[name] = classification_metrics(labels, answers)["macro_f1"]
    adapted = float(np.mean([classification_metrics(labels, run)["macro_f1"] for run in runs]))
    difference = paired_difference(labels, runs[0], base_labels, seed=args.seed)
    return Comparison(round(adapted, 4), {k: round(v, 4) for k, v in models.items()}, difference, folds)


class AdaptStage(StrEnum):
    """Where an :class:`AdaptJob` stands."""

    PENDING = "pending"
    ENCODING = "reading the texts with the base model"
    COMPARING = "cross-validating against the base models"
    SAVING = "fitting on every row and saving"
    DONE = "done"
    """Compared, and saved unless the job was made with ``save=False``."""
    STOPPED = "stopped"
    FAILED = "failed"


class _Stopped(Exception):
    pass


class AdaptJob:
    """Train ``custom:NAME`` on labelled rows in a background thread: encode, compare, fit, save.

    The caller reads :attr:`stage`, :attr:`progress` (0 to 1), :attr:`comparison` once compared, :attr:`card` once
    saved, and :attr:`error`; :meth:`stop` ends it at the next step. With ``save=False`` the job stops after the
    comparison (the Bulk page shows it first and saves on request).

    Args:
        name: The new model's name (checked by :func:`check_name`).
        data: Checked rows (:func:`check_adapt_data`).
        args: The recipe.
        compare_with: Other registered local models whose answers are scored on the same rows.
        overwrite: Replace a custom model of that name.
        save: Save when the comparison is done; ``False`` stops there (a page shows the comparison, then calls
            :meth:`save`).
    """

    def __init__(
        self,
        name: str,
        data: AdaptData,
        args: AdaptArgs | None = None,
        compare_with: tuple[str, ...] = (),
        overwrite: bool = False,
        save: bool = True,
    ) -> None:
        self.name = check_name(name)
        if (folder_of(self.name) / "card.json").exists() and not overwrite:
            raise AdaptDataError(f"a custom model {self.name!r} exists already: choose another name or overwrite it")
        self.data, self.args = data, args or AdaptArgs()
        self.compare_with = tuple(n for n in compare_with if n != self.args.base)
        self.save_when_compared = save
        self._encoded: tuple[np.ndarray, np.ndarray] | None = None
        self.stage = AdaptStage.PENDING
        self.progress = 0.0
        self.comparison: Comparison | None = None
        self.card: dict | None = None
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, name="emotion-adapt", daemon=True)

    @property
    def model_name(self) -> str:
        return PREFIX + self.name

    def start(self) -> AdaptJob:
        self._thread.start()
        return self

    def run(self) -> AdaptJob:
        """Run in the calling thread (the CLI, tests)."""
        self._guarded()
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; returns True while the job still runs."""
        self._thread.join(seconds)
        return self._thread.is_alive()

    def _check(self) -> None:
        if self._stop.is_set():
            raise _Stopped

    def _guarded(self) -> None:
        started = time.perf_counter()
        try:
            self._run()
            self.stage = AdaptStage.DONE
        except _Stopped:
            self.stage = AdaptStage.STOPPED
        except Exception as error:  # the caller reads `error`
            self.error, self.stage = error, AdaptStage.FAILED
        self.seconds = time.perf_counter() - started

    def _run(self) -> None:
        from emotion import registry

        base = registry.load(self.args.base)
        if not base.adaptable:
            raise AdaptDataError(f"{self.args.base} cannot be adapted: choose an encoder as the base")
        self.stage = AdaptStage.ENCODING
        texts, labels = self.data.texts, self.data.labels

        def progress(done: int, total: int) -> None:
            self._check()
            self.progress = 0.6 * done / max(total, 1)

        raw, features = base.encode(texts, progress=progress)
        others = {}
        for name in self.compare_with:
            self._check()
            others[name] = registry.load(name).predict(texts)
        self.stage, self.progress = AdaptStage.COMPARING, 0.7
        self._check()
        self.comparison = compare(features, raw.raw, labels, self.args, others)
        self._encoded = features, raw.raw
        self.progress = 0.9
        self._check()
        if self.save_when_compared:
            self.save()

    @property
    def compared(self) -> bool:
        """The comparison is done and the model can be saved."""
        return self._encoded is not None

    def save(self) -> dict:
        """Fit on every row and save ``custom:NAME`` (after the comparison); returns its card."""
        if self._encoded is None:
            raise RuntimeError("the job has not compared the model yet")
        self.stage = AdaptStage.SAVING
        self.card = save(self.name, self.args, self.data, *self._encoded, self.comparison)
        self.stage, self.progress = AdaptStage.DONE, 1.0
        return self.card


def save(name: str, args: AdaptArgs, data: AdaptData, features: np.ndarray, base_proba: np.ndarray, comparison) -> dict:
    """Fit the head on every row and write ``custom:NAME``'s folder: ``head.npz`` and its card."""
    from emotion.artifacts import write_card

    started = time.perf_counter()
    head = OffsetHead(args.strength_for(len(data.texts)), args.balanced).fit(features, base_proba, data.labels)
    folder = folder_of(name)
    folder.mkdir(parents=True, exist_ok=True)
    head.save(folder / HEAD_FILE)
    counts = pd.Series(data.labels).value_counts()
    return write_card(
        folder,
        [HEAD_FILE],
        family="custom",
        base=args.base,
        data={
            "sha256": data.sha256,
            "rows": len(data.texts),
            "labels": {label: int(counts.get(label, 0)) for label in LABELS},
            "left_out": data.warnings,
        },
        recipe=args.recipe(len(data.texts)),
        params=dataclasses.asdict(args),
        scores={
            "cross_validated_macro_f1": comparison.adapted,
            "base_models_macro_f1": comparison.models,
            "difference": comparison.difference,
            "folds": comparison.folds,
            "repeats": args.repeats,
        },
        training_seconds=round(time.perf_counter() - started, 2),
    )
