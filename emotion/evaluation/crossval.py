"""Repeated stratified k-fold cross-validation over stored predictions: how choices on dev are made.

Ensemble members and weights are chosen by scoring each candidate out of fold: whatever a candidate fits
(weights) is fitted on the other folds and judged on the held-out one, every dev row once per repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from emotion.labels import LABELS

Predict = Callable[[np.ndarray, np.ndarray], Sequence[str]]
"""``predict(fit_rows, held_rows)``: labels for ``held_rows``, fitting only on ``fit_rows``."""


def repeated_folds(gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> list[list[tuple]]:
    """Per repeat, the ``(fit_rows, held_rows)`` of each fold; the same for the same arguments."""
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(splitter.split(np.zeros(len(gold)), np.asarray(gold)))
    return [splits[r * folds : (r + 1) * folds] for r in range(repeats)]


def out_of_fold(predict: Predict, gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> list[list]:
    """Per repeat, every row's out-of-fold label (each row held out exactly once per repeat)."""
    results = []
    for splits in repeated_folds(gold, folds, repeats, seed):
        labels = np.full(len(gold), None, dtype=object)
        for fit_rows, held_rows in splits:
            labels[held_rows] = list(predict(fit_rows, held_rows))
        results.append(list(labels))
    return results


def cv_macro_f1(predict: Predict, gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> dict:
    """Macro-F1 of the out-of-fold labels: ``{"mean", "sd", "runs": [per repeat]}``."""
    runs = [
        float(f1_score(list(gold), labels, labels=list(LABELS), average="macro", zero_division=0))
        for labels in out_of_fold(predict, gold, folds, repeats, seed)
    ]
    return {"mean": round(float(np.mean(runs)), 4), "sd": round(float(np.std(runs)), 4), "runs": runs}


FitPredictProba = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``fit_predict(fit_rows, held_rows)``: probabilities for ``held_rows`` from a model fitted on ``fit_rows`` only."""


def out_of_fold_proba(
    fit_predict: FitPredictProba, gold: Sequence[str], folds: int = 3, seed: int = 0, store: Path | None = None
) -> np.ndarray:
    """Every row's probabilities from the fit that held it out (one stratified ``folds``-fold split).

    Used to get a teacher's view of its own training texts as if unseen (a distillation target that is not
    the memorised gold label).

    Args:
        fit_predict: Fits on the given rows, predicts the held-out ones: one row of ``(7,)`` probabilities per
            held-out row, or of any fixed shape (several views of the row, for instance).
        gold: Labels, for stratification.
        folds, seed: The split (the same for the same arguments).
        store: A folder keeping each finished fold's probabilities (``fold<k>.npy``); a later call reuses them,
            so a killed run redoes only the folds it had not finished.

    Returns:
        ``(len(gold), 7)`` probabilities in :data:`LABELS` order (``(len(gold), *row shape)`` in general).
    """
    proba: np.ndarray | None = None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (fit_rows, held_rows) in enumerate(splitter.split(np.zeros(len(gold)), np.asarray(gold))):
        stored = store / f"fold{k}.npy" if store else None
        if stored is not None and stored.exists():
            part = np.load(stored)
        else:
            part = np.asarray(fit_predict(fit_rows, held_rows), dtype=float)
            if part.ndim < 2 or part.shape[0] != len(held_rows) or part.shape[-1] != len(LABELS):
                raise ValueError(
                    f"fold {k}: expected {len(held_rows)} rows of {len(LABELS)} probabilities, got {part.shape}"
                )
            if stored is not None:
                stored.parent.mkdir(parents=True, exist_ok=True)
                np.save(stored, part)
        if proba is None:
            proba = np.zeros((len(gold), *part.shape[1:]))
        proba[held_rows] = part
    return proba


def one_standard_error_choice(scores: dict[str, dict], complexity: Callable[[str], float]) -> str:
    """The simplest candidate whose mean is within one sd of the best one's (a guard against a lucky winner).

    The sd is the best candidate's, or the typical one if larger (the median over candidates whose repeats
    differ at all; fixed weights give the same answers on every repeat, sd 0 by construction): a best candidate
    whose repeats happen to agree, as when a member's fitted weight is near 0, must not make the tolerance vanish.
    """
    best = max(scores, key=lambda k: scores[k]["mean"])
    varying = [value["sd"] for value in scores.values() if value["sd"] > 0]
    typical = float(np.median(varying)) if varying else 0.0
    floor = scores[best]["mean"] - max(scores[best]["sd"], typical)
    close = [k for k in scores if scores[k]["mean"] >= floor]
    return min(close, key=lambda k: (complexity(k), -scores[k]["mean"]))
