"""The ensemble: which members and which weighting, chosen by cross-validation on both dev sets, then calibrated."""

from __future__ import annotations

import json
import time

import numpy as np

from emotion.artifacts import artifact_dir, read_card, write_card
from emotion.classifier import sequential_texts_per_s
from emotion.evaluation.metrics import classification_metrics
from emotion.io.datasets import load_isear
from emotion.labels import LABELS
from emotion.models.ensemble import fit_weights
from emotion.training.data import data_info, ensemble_dev
from emotion.training.publishing import calibrate_and_record

WEIGHTINGS = {
    "uniform": lambda probas, gold: np.full(len(probas), 1 / len(probas)),
    "log-loss fit": lambda probas, gold: fit_weights(probas, gold),
}


def _subset_scores(probas: dict[str, np.ndarray], gold: np.ndarray, folds: int, repeats: int, seed: int) -> dict:
    """Cross-validated macro-F1 of every subset of two or more members with every weighting, keyed
    ``"a+b / weighting"``."""
    import itertools

    from emotion.evaluation.crossval import cv_macro_f1

    def predictor(names: tuple[str, ...], weighting):
        def predict(fit_rows, held_rows):
            weights = weighting([probas[n][fit_rows] for n in names], gold[fit_rows])
            mixed = sum(w * probas[n][held_rows] for w, n in zip(weights, names, strict=True))
            return [LABELS[i] for i in mixed.argmax(axis=1)]

        return predict

    members = list(probas)
    subsets = [c for k in range(2, len(members) + 1) for c in itertools.combinations(members, k)]
    return {
        f"{'+'.join(names)} / {weighting}": cv_macro_f1(
            predictor(names, WEIGHTINGS[weighting]), gold, folds, repeats, seed
        )
        for names in subsets
        for weighting in WEIGHTINGS
    }


def _parse_candidate(key: str) -> tuple[tuple[str, ...], str]:
    """``"a+b / weighting"`` -> ``(("a", "b"), "weighting")``."""
    names, weighting = key.split(" / ")
    return tuple(names.split("+")), weighting


def train_ensemble(
    candidates: tuple[str, ...] | None = None,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    min_texts_per_s: float = 100.0,
) -> dict:
    """Choose the members and the weighting by cross-validation on dev; write ``data/ensemble``.

    Every subset of two or more ready ``candidates``, each with every weighting of :data:`WEIGHTINGS`, is
    scored by repeated stratified k-fold cross-validation over the members' dev probabilities as served
    (weights fitted on the other folds; :func:`emotion.evaluation.crossval.cv_macro_f1`), dev being both domains
    (:func:`ensemble_dev`). Among the subsets expected to run at least ``min_texts_per_s`` (the members one after
    another, each at its ``expected_texts_per_s``), the simplest candidate within one standard deviation of the best
    is kept (fewest members, uniform before fitted), fitted on all of dev and written. Every candidate's mean ± sd
    and speed goes on the card; then its confidence calibration and its "no emotion" scaling are fitted.

    Args:
        candidates: Registry names of the possible members (default: every spec with ``ensemble_candidate``).
        folds, repeats, seed: The cross-validation.
        min_texts_per_s: The throughput floor of the kept ensemble (0: none).
    """

    from emotion import registry
    from emotion.evaluation.crossval import one_standard_error_choice
    from emotion.models.ensemble import WEIGHTS_FILE

    started = time.time()
    texts, gold, dev_name = ensemble_dev()
    candidates = candidates or tuple(spec.name for spec in registry.SPECS if spec.ensemble_candidate)
    members = [name for name in candidates if name in registry.local_ready()]
    models = {name: registry.load(name) for name in members}
    probas = {name: model.classify(texts).raw for name, model in models.items()}

    def texts_per_s(key: str) -> float:
        return sequential_texts_per_s([models[name].expected_texts_per_s for name in _parse_candidate(key)[0]])

    scores = _subset_scores(probas, gold, folds, repeats, seed)
    for key, value in sorted(scores.items(), key=lambda kv: -kv[1]["mean"]):
        print(f"{key}: CV macro-F1 {value['mean']:.4f} ± {value['sd']:.4f}", flush=True)
    fast_enough = {key: value for key, value in scores.items() if texts_per_s(key) >= min_texts_per_s}
    if not fast_enough:
        raise ValueError(f"no candidate ensemble is expected to run {min_texts_per_s} texts/s")
    chosen = one_standard_error_choice(
        fast_enough, lambda key: len(_parse_candidate(key)[0]) + 0.5 * (_parse_candidate(key)[1] != "uniform")
    )
    names, weighting = _parse_candidate(chosen)
    weights = [round(float(w), 4) for w in WEIGHTINGS[weighting]([probas[n] for n in names], gold)]
    folder = artifact_dir("ensemble")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / WEIGHTS_FILE).write_text(json.dumps({"weights": dict(zip(names, weights, strict=True))}, indent=2) + "\n")
    mixed = sum(w * probas[n] for w, n in zip(weights, names, strict=True))

    def macro_f1(proba: np.ndarray, rows: slice = slice(None)) -> float:
        predicted = [LABELS[i] for i in proba[rows].argmax(1)]
        return round(classification_metrics(list(gold[rows]), predicted)["macro_f1"], 4)

    isear = slice(0, len(load_isear("dev")))  # ensemble_dev puts ISEAR dev first

    write_card(
        folder,
        [WEIGHTS_FILE],
        family="ensemble",
        data={**data_info(), "chosen_on": dev_name},
        seed=seed,
        recipe=f"weighted average of member probabilities; members and weighting chosen by {repeats}x{folds}-fold "
        f"stratified cross-validated macro-F1 on {dev_name} among every subset of two or more of "
        f"{', '.join(members)} (their served probabilities) with uniform weights or weights minimising "
        f"log-loss; among the candidates expected to run at least {min_texts_per_s:g} texts/s, the simplest "
        "within one sd of the best is kept",
        members=list(names),
        weighting=weighting,
        weights=dict(zip(names, weights, strict=True)),
        cv_macro_f1={
            k: {"mean": v["mean"], "sd": v["sd"], "expected_texts_per_s": round(texts_per_s(k))}
            for k, v in scores.items()
        },
        min_texts_per_s=min_texts_per_s,
        best_candidate=max(scores, key=lambda k: scores[k]["mean"]),
        chosen=chosen,
        member_dev_macro_f1={n: macro_f1(probas[n]) for n in members},
        training_seconds=round(time.time() - started),
        dev_metrics={"macro_f1": macro_f1(mixed, isear), "pooled_macro_f1": macro_f1(mixed)},
    )
    from emotion.training.publishing import record_no_emotion_scale

    calibrate_and_record(["ensemble"])
    record_no_emotion_scale("ensemble")
    return read_card(folder)
