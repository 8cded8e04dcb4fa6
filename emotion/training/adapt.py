"""Adapting a model to a user's own labels: checks of the labelled rows, fine-tuning the base encoder on them (a
small LoRA adapter on its merged weights), a cross-validated comparison with the base models, and the
``custom:NAME`` model it saves (:mod:`emotion.models.custom`).

One typed job, :class:`AdaptJob`, runs it in the background for the CLI (``python -m emotion adapt``) and the pages:
they read its :attr:`~AdaptJob.stage` and :attr:`~AdaptJob.progress`, and may :meth:`~AdaptJob.stop` it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from emotion.config import private_dir
from emotion.evaluation.metrics import paired_difference
from emotion.io.text import check_text, prepare_text
from emotion.jobs import BackgroundJob, JobState
from emotion.labels import LABELS, NO_EMOTION, to_label
from emotion.models.custom import ADAPTER_FILES, NAME_PATTERN, PREFIX, folder_of

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
    if len(kept) > MAX_ROWS:
        kept = _stratified_sample(kept, MAX_ROWS)
        warnings.append(
            f"{len(rows):,} usable rows: a stratified sample of {MAX_ROWS:,} is used (adapting on 2 cores takes about "
            "a minute per 1,000 rows; the adaptation curve flattens well before)"
        )
    return AdaptData([t for t, _ in kept], [label for _, label in kept], warnings)


MAX_ROWS = 2_000
"""Labelled rows adaptation uses at most (a stratified sample beyond): gains flatten long before (200 labels gave
+0.16 on Reddit comments) and cross-validated fine-tuning of more rows takes many minutes on 2 cores."""


def _stratified_sample(rows: list[tuple[str, str]], size: int, seed: int = 0) -> list[tuple[str, str]]:
    """``size`` of ``rows`` keeping each label's share (at least one row of each), in their original order."""
    rng = np.random.default_rng(seed)
    labels = np.array([label for _, label in rows])
    picked: list[int] = []
    for label in sorted(set(labels)):
        where = np.flatnonzero(labels == label)
        take = max(1, round(size * len(where) / len(rows)))
        picked += list(rng.choice(where, min(take, len(where)), replace=False))
    return [rows[i] for i in sorted(picked)[:size]]


def read_adapt_file(path, text_column: str | None = None, label_column: str | None = None) -> AdaptData:
    """The labelled rows of a spreadsheet (any format the Bulk page reads), checked by :func:`check_adapt_data`."""
    from emotion.io.datasets import guess_label_column
    from emotion.io.tables import guess_text_column, read_table

    frame = read_table(path)
    text_column = text_column or guess_text_column(frame)
    if text_column in frame.columns and not frame[text_column].map(lambda v: not check_text(v)).any():
        raise AdaptDataError(f"column {text_column!r} of {Path(path).name} holds no text: name the text column")
    label_column = label_column or guess_label_column(frame, exclude=(text_column,))
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise AdaptDataError(f"no column {column!r} in {path}; columns: {', '.join(map(str, frame.columns))}")
    return check_adapt_data(list(frame[text_column]), list(frame[label_column]))


def check_name(name: str) -> str:
    """The bare name of a new custom model; refuses bad names and names of built-in models."""
    from emotion import registry

    bare = name.removeprefix(PREFIX)
    if not NAME_PATTERN.fullmatch(bare):
        raise AdaptDataError(
            f"model name {bare!r}: use lower-case letters, digits, '-' and '_' (at most 40 characters)"
        )
    if bare in registry.model_names(include_llms=False) or bare in registry.LOCAL_MODELS:
        raise AdaptDataError(f"{bare!r} is a built-in model's name: choose another")
    return bare


@dataclass
class AdaptArgs:
    """The adaptation recipe: a new LoRA adapter on the base's merged weights, its head trained in full.

    Chosen on the adaptation bench (``bench/adaptation_curve.py``: GoEmotions train rows as the user's labels,
    GoEmotions dev as their held-out text, a base that never saw GoEmotions), where it beat a linear correction of
    the base's answers (+0.03 with 100 labels) by far.

    Args:
        base: The registered encoder adapted.
        rank: LoRA rank on the attention's query and value projections.
        epochs, lr, batch_size: AdamW, constant learning rate.
        balanced: Each emotion weighs the same in the loss (inverse to its count).
        folds: Cross-validation folds of the comparison (fewer when an emotion has fewer rows).
        seed: Seeds the folds, the new weights and the batches.
    """

    base: str = "encoder-fast"
    rank: int = 8
    epochs: int = 8
    lr: float = 5e-4
    batch_size: int = 16
    balanced: bool = True
    folds: int = 3
    seed: int = 0

    def recipe(self) -> str:
        """The recipe's words on the card, from the arguments."""
        return (
            f"`{self.base}`'s merged weights with a new LoRA adapter (r={self.rank}, alpha={2 * self.rank}, dropout "
            f"0.1) on the attention's query and value projections, its classification layer trained in full; "
            f"cross-entropy over the seven emotions"
            + (" with each emotion weighted inversely to its count" if self.balanced else "")
            + f"; AdamW lr {self.lr:g}, batch {self.batch_size}, {self.epochs} epochs, seed {self.seed}"
        )


def _base_class(base: str):
    """The torch class of a registered encoder (its spec's ``torch`` runtime)."""
    from emotion import registry

    return registry.SPEC[base].torch_class()


def fine_tune(base: str, texts: list[str], labels: list[str], args: AdaptArgs, progress=None, folder=None):
    """The base's merged weights with a new LoRA adapter trained on ``texts`` and ``labels``.

    Args:
        base: A registered encoder.
        texts, labels: The user's rows (labels among the seven emotions).
        args: The recipe.
        progress: Called with the share of steps done (0 to 1); may raise to stop.
        folder: The base's artifact folder (default: the committed ``data/<base>``).

    Returns:
        The torch classifier (peft-wrapped, in eval mode): ``predict`` and ``save`` work on it.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    from emotion.labels import LABELS

    cls = _base_class(base)
    model = cls.load(folder)
    for parameter in model.model.parameters():
        parameter.requires_grad = False
    torch.manual_seed(args.seed)
    targets = [t for t in cls.lora_targets if t in ("query", "value", "q", "v")]
    model.model = get_peft_model(
        model.model,
        LoraConfig(
            r=args.rank,
            lora_alpha=2 * args.rank,
            lora_dropout=0.1,
            target_modules=targets,
            modules_to_save=["classifier"],
        ),
    )
    y = torch.tensor([LABELS.index(label) for label in labels])
    counts = np.bincount(y.numpy(), minlength=len(LABELS))
    weight = torch.tensor(len(y) / (len(set(labels)) * np.maximum(counts, 1)), dtype=torch.float32)
    optimizer = torch.optim.AdamW([p for p in model.model.parameters() if p.requires_grad], lr=args.lr)
    rng = np.random.default_rng(args.seed)
    steps, done = args.epochs * -(-len(texts) // args.batch_size), 0
    for _ in range(args.epochs):
        model.model.train()
        order = rng.permutation(len(texts))
        for start in range(0, len(texts), args.batch_size):
            batch = order[start : start + args.batch_size]
            logits = model.logits([texts[i] for i in batch])[:, : len(LABELS)]  # an eighth output is left as it is
            loss = torch.nn.functional.cross_entropy(logits, y[batch], weight=weight if args.balanced else None)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            done += 1
            if progress:
                progress(done / steps)
    model.model.eval()
    return model


def merged_model(base: str, folder):
    """The base's torch model with ``custom:NAME``'s adapter (in ``folder``) merged in, for export."""
    from peft import PeftModel

    model = _base_class(base).load()
    model.model = PeftModel.from_pretrained(model.model, str(folder)).merge_and_unload().eval()
    return model


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
    texts: list[str], labels: list[str], args: AdaptArgs, answers: dict[str, list], progress=None
) -> Comparison:
    """Out-of-fold answers of the recipe (fitted on the other folds) against the base's and other models' answers.

    Args:
        texts, labels: The user's rows.
        args: The recipe.
        answers: Each compared model's labels for ``texts`` (the base first).
        progress: Called with the share of the folds done (0 to 1).
    """
    from sklearn.model_selection import StratifiedKFold

    from emotion.evaluation.metrics import classification_metrics

    smallest = min(pd.Series(labels).value_counts())
    folds = int(min(args.folds, max(2, smallest)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=args.seed)
    gold = np.asarray(labels)
    adapted = np.full(len(labels), None, dtype=object)
    for i, (fit_rows, held_rows) in enumerate(splitter.split(np.zeros(len(gold)), gold)):
        step = (lambda share, i=i: progress((i + share) / folds)) if progress else None
        model = fine_tune(args.base, [texts[r] for r in fit_rows], list(gold[fit_rows]), args, step)
        adapted[held_rows] = model.predict([texts[r] for r in held_rows])
    scores = {name: round(classification_metrics(labels, found)["macro_f1"], 4) for name, found in answers.items()}
    difference = paired_difference(labels, list(adapted), answers[args.base], seed=args.seed)
    return Comparison(round(classification_metrics(labels, list(adapted))["macro_f1"], 4), scores, difference, folds)


class AdaptStage(StrEnum):
    """Where an :class:`AdaptJob` stands."""

    PENDING = "pending"
    ANSWERING = "the base models answer your rows"
    COMPARING = "cross-validating the adapted model against them"
    FITTING = "fitting on every row"
    SAVING = "saving"
    DONE = "done"
    """Compared, and saved unless the job was made with ``save=False``."""
    STOPPED = "stopped"
    FAILED = "failed"


class AdaptJob(BackgroundJob):
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
        super().__init__()
        self.name = check_name(name)
        if (folder_of(self.name) / "card.json").exists() and not overwrite:
            raise AdaptDataError(f"a custom model {self.name!r} exists already: choose another name or overwrite it")
        self.data, self.args = data, args or AdaptArgs()
        self.compare_with = tuple(n for n in compare_with if n != self.args.base)
        self.save_when_compared = save
        self._model = None
        self._started = time.perf_counter()
        self.stage = AdaptStage.PENDING
        self.comparison: Comparison | None = None
        self.card: dict | None = None

    thread_name = "emotion-adapt"

    @property
    def model_name(self) -> str:
        return PREFIX + self.name

    def _guarded(self) -> None:
        self._started = time.perf_counter()
        super()._guarded()
        self.stage = {JobState.DONE: AdaptStage.DONE, JobState.STOPPED: AdaptStage.STOPPED}.get(
            self.state, AdaptStage.FAILED
        )

    def work(self) -> None:
        from emotion import registry

        base = registry.load(self.args.base)
        if not base.adaptable:
            raise AdaptDataError(f"{self.args.base} cannot be adapted: choose an encoder as the base")
        self.stage = AdaptStage.ANSWERING
        texts, labels = self.data.texts, self.data.labels
        answers = {}
        for name in (self.args.base, *self.compare_with):
            self.check_stop()
            answers[name] = registry.load(name).predict(texts)
        self.stage = AdaptStage.COMPARING
        self.comparison = compare(texts, labels, self.args, answers, self._progress(0.05, 0.75))
        self.stage = AdaptStage.FITTING
        self._model = fine_tune(self.args.base, texts, labels, self.args, self._progress(0.75, 0.99))
        if self.save_when_compared:
            self.save()

    def _progress(self, start: float, end: float):
        """A progress callback mapping a stage's share (0 to 1) onto ``start``-``end``; it stops the job when asked."""

        def report(share: float) -> None:
            self.check_stop()
            self.progress = start + (end - start) * share

        return report

    @property
    def compared(self) -> bool:
        """The comparison is done and the model fitted on every row: it can be saved."""
        return self._model is not None

    def save(self) -> dict:
        """Write ``custom:NAME`` (after the comparison and the fit); returns its card."""
        if self._model is None:
            raise RuntimeError("the job has not fitted the model yet")
        self.stage = AdaptStage.SAVING
        self.card = save(self.name, self.args, self.data, self._model, self.comparison, self.seconds_so_far())
        self.stage, self.progress = AdaptStage.DONE, 1.0
        return self.card

    def seconds_so_far(self) -> float:
        return time.perf_counter() - self._started


def save(name: str, args: AdaptArgs, data: AdaptData, model, comparison: Comparison, seconds: float) -> dict:
    """Write ``custom:NAME``'s folder: the fine-tuned adapter and its card."""
    from emotion.artifacts import write_card

    folder = private_dir(folder_of(name))
    for stale in folder.glob("*"):
        if stale.is_file():
            stale.unlink()
    model.model.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)  # peft's empty template; CARD.md is ours
    counts = pd.Series(data.labels).value_counts()
    return write_card(
        folder,
        list(ADAPTER_FILES),
        family="custom",
        base=args.base,
        data={
            "sha256": data.sha256,
            "rows": len(data.texts),
            "labels": {label: int(counts.get(label, 0)) for label in LABELS},
            "left_out": data.warnings,
        },
        recipe=args.recipe(),
        params=dataclasses.asdict(args),
        scores={
            "cross_validated_macro_f1": comparison.adapted,
            "base_models_macro_f1": comparison.models,
            "difference": comparison.difference,
            "folds": comparison.folds,
        },
        training_seconds=round(seconds, 1),
    )
