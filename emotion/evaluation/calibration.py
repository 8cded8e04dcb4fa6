"""Fitting calibration and judging it: the temperature and the confidence map fitted on dev
(:func:`fit_calibration`), and the scores that say whether a model's confidence is right: expected calibration error,
reliability tables, Brier score, their cross-validated values and what a perfectly calibrated model would score.

The fitted :class:`~emotion.confidence.Calibration` is what a card stores and what serving applies
(:mod:`emotion.confidence` describes the two steps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from emotion.confidence import _TINY, Calibration, NoEmotionScale, apply_calibration, apply_temperature
from emotion.evaluation.crossval import repeated_folds
from emotion.labels import LABEL_INDEX

ECE_BINS = 15
"""Equal-mass bins of :func:`expected_calibration_error`."""


def _gold_index(gold: Sequence[str]) -> np.ndarray:
    return np.array([LABEL_INDEX[g] for g in gold])


def log_loss(proba: np.ndarray, gold: Sequence[str]) -> float:
    """Mean negative log-probability of the gold label."""
    y = _gold_index(gold)
    return float(-np.log(np.clip(proba[np.arange(len(y)), y], _TINY, 1.0)).mean())


def fit_temperature(proba: np.ndarray, gold: Sequence[str]) -> float:
    """The temperature in [0.05, 20] minimising the log-loss of ``apply_temperature(proba, T)`` on ``gold``."""
    result = minimize_scalar(
        lambda log_t: log_loss(apply_temperature(proba, float(np.exp(log_t))), gold),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
        options={"xatol": 1e-5},
    )
    return float(np.exp(result.x))


def fit_confidence_map(confidence: np.ndarray, correct: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Knots ``(confidence, accuracy)`` of a strictly increasing map from a confidence to how often it is right.

    Centered isotonic regression: an isotonic fit of ``correct`` on ``confidence`` (scikit-learn), one knot
    per block of equal fitted value at the block's mean confidence. Each knot's accuracy is shrunk as
    ``(right + 0.5) / (rows + 1)``, so no confidence becomes 0 or 1 from a handful of rows. The ends are
    pinned at ``(1/7, 1/7)`` and ``(1, 1)``, and each knot is kept at least 1e-6 above the one before, so
    the map is strictly increasing: surer rows stay surer, and a cascade's threshold can split any share.

    Args:
        confidence: Probability of the predicted label, per row.
        correct: Whether the predicted label is the gold one, per row.
    """
    from sklearn.isotonic import IsotonicRegression

    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(confidence, correct)
    floor = 1.0 / len(LABEL_INDEX)  # the top of seven probabilities is never below 1/7
    knots = [(floor, floor)]
    for value in np.unique(fitted):
        block = fitted == value
        x = float(confidence[block].mean())
        if floor < x < 1.0:
            knots.append((x, float((correct[block].sum() + 0.5) / (block.sum() + 1))))
    knots.append((1.0, 1.0))
    out = []
    for x, y in knots:
        out.append((round(x, 6), round(max(y, out[-1][1] + 1e-6) if out else y, 6)))
    return tuple(out)


def fit_calibrator(proba: np.ndarray, gold: Sequence[str]) -> tuple[float, tuple[tuple[float, float], ...]]:
    """The temperature (:func:`fit_temperature`), then the confidence map of the temperature-scaled rows."""
    temperature = fit_temperature(proba, gold)
    scaled = apply_temperature(proba, temperature)
    return temperature, fit_confidence_map(scaled.max(axis=1), scaled.argmax(axis=1) == _gold_index(gold))


def _bins(confidence: np.ndarray, bins: int) -> list[np.ndarray]:
    """Row indices in ``bins`` groups of (nearly) equal size, by increasing confidence (ties in row order)."""
    order = np.argsort(confidence, kind="stable")
    return [part for part in np.array_split(order, min(bins, len(order))) if len(part)]


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE with equal-mass bins: ``sum_b |b|/n * |accuracy(b) - mean confidence(b)|``.

    Args:
        confidence: Probability of the predicted label, per row.
        correct: Whether the predicted label is the gold one, per row.
        bins: Number of bins; each holds ``n / bins`` rows (the first ones one more when it does not divide).
    """
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    if len(confidence) == 0:
        return float("nan")
    return float(
        sum(len(b) / len(confidence) * abs(correct[b].mean() - confidence[b].mean()) for b in _bins(confidence, bins))
    )


def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> pd.DataFrame:
    """One row per equal-mass bin: ``confidence`` (mean), ``accuracy``, ``rows``: what a reliability diagram draws."""
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    parts = _bins(confidence, bins) if len(confidence) else []
    return pd.DataFrame(
        {
            "confidence": [float(confidence[b].mean()) for b in parts],
            "accuracy": [float(correct[b].mean()) for b in parts],
            "rows": [len(b) for b in parts],
        }
    )


PERFECT_DRAWS = 500
"""Draws of :func:`perfectly_calibrated` (seeded, so stored figures do not move between runs)."""


def perfectly_calibrated(
    confidence: np.ndarray, bins: int = ECE_BINS, draws: int = PERFECT_DRAWS, seed: int = 0
) -> dict:
    """What a perfectly calibrated model with these confidences would show on this many rows.

    Each draw makes every row right with probability equal to its confidence, and is binned like
    :func:`reliability_table`. With a few hundred rows even such a model scores an ECE well above 0 (the
    estimator's noise floor), so an observed ECE is read against this distribution (Bröcker and Smith,
    2007, "consistency bars").

    Returns:
        ``{"ece": mean ECE over the draws, "ece_p95": its 95th percentile, "low", "high": per bin, the 2.5th
        and 97.5th percentiles of the accuracy}``.
    """
    confidence = np.asarray(confidence, dtype=float)
    parts = _bins(confidence, bins)
    correct = np.random.default_rng(seed).random((draws, len(confidence))) < confidence
    accuracy = np.stack([correct[:, part].mean(axis=1) for part in parts], axis=1)
    mean_confidence = np.array([confidence[part].mean() for part in parts])
    weight = np.array([len(part) for part in parts]) / len(confidence)
    ece = (np.abs(accuracy - mean_confidence) * weight).sum(axis=1)
    return {
        "ece": float(ece.mean()),
        "ece_p95": float(np.quantile(ece, 0.95)),
        "low": np.quantile(accuracy, 0.025, axis=0),
        "high": np.quantile(accuracy, 0.975, axis=0),
    }


def brier_score(proba: np.ndarray, gold: Sequence[str]) -> float:
    """Multi-class Brier score: mean over rows of ``sum_k (p_k - [k is gold])^2`` (0 best, 2 worst)."""
    target = np.zeros_like(proba, dtype=float)
    target[np.arange(len(gold)), _gold_index(gold)] = 1.0
    return float(((proba - target) ** 2).sum(axis=1).mean())


def calibration_scores(proba: np.ndarray, gold: Sequence[str], bins: int = ECE_BINS) -> dict:
    """``{"rows", "ece", "ece_perfect", "ece_perfect_p95", "brier", "reliability"}`` over the rows that have
    probabilities (NaN rows are left out).

    ``ece_perfect`` and ``ece_perfect_p95`` are the mean and 95th percentile of the ECE a perfectly
    calibrated model with the same confidences scores on as many rows (:func:`perfectly_calibrated`): an
    ECE up to ``ece_perfect_p95`` is within noise. ``reliability`` holds :func:`reliability_table`'s columns
    as lists, and ``low`` / ``high``: the band where 95% of a perfectly calibrated model's bin accuracies fall.
    """
    proba = np.asarray(proba, dtype=float)
    answered = ~np.isnan(proba).any(axis=1)
    proba, gold = proba[answered], [g for g, a in zip(gold, answered, strict=True) if a]
    if not len(proba):
        return {
            "rows": 0,
            "ece": None,
            "ece_perfect": None,
            "ece_perfect_p95": None,
            "brier": None,
            "reliability": {"confidence": [], "accuracy": [], "rows": [], "low": [], "high": []},
        }
    correct = proba.argmax(axis=1) == _gold_index(gold)
    confidence = proba.max(axis=1)
    perfect = perfectly_calibrated(confidence, bins)
    table = reliability_table(confidence, correct, bins).assign(low=perfect["low"], high=perfect["high"])
    return {
        "rows": len(proba),
        "ece": round(expected_calibration_error(confidence, correct, bins), 4),
        "ece_perfect": round(perfect["ece"], 4),
        "ece_perfect_p95": round(perfect["ece_p95"], 4),
        "brier": round(brier_score(proba, gold), 4),
        "reliability": {column: [round(float(v), 4) for v in table[column]] for column in table},
    }


def cross_validated(proba: np.ndarray, gold: Sequence[str], folds: int = 5, repeats: int = 3, seed: int = 0) -> dict:
    """Honest figures for a calibration fitted on the same rows: repeated stratified k-fold.

    For each split the temperature and the confidence map (:func:`fit_calibrator`) are fitted on the other
    folds and applied to the held-out one; the ECE and Brier score of the out-of-fold probabilities are
    averaged over the repeats.

    Returns:
        ``{"ece": mean, "ece_sd": sd, "brier": mean, "temperatures": [per split]}``.
    """

    out = np.zeros((repeats, *proba.shape))
    temperatures = []
    for repeat, splits in enumerate(repeated_folds(gold, folds, repeats, seed)):
        for fit_rows, held_rows in splits:
            t, knots = fit_calibrator(proba[fit_rows], [gold[r] for r in fit_rows])
            temperatures.append(round(t, 4))
            out[repeat, held_rows] = apply_calibration(proba[held_rows], t, knots)
    eces = [calibration_scores(p, gold)["ece"] for p in out]
    briers = [calibration_scores(p, gold)["brier"] for p in out]
    return {
        "ece": round(float(np.mean(eces)), 4),
        "ece_sd": round(float(np.std(eces)), 4),
        "brier": round(float(np.mean(briers)), 4),
        "temperatures": temperatures,
    }


def fit_calibration(proba: np.ndarray, gold: Sequence[str], fitted_on: str = "ISEAR dev") -> Calibration:
    """Fit on raw dev probabilities and gold labels (``fitted_on`` names the rows)."""
    temperature, knots = fit_calibrator(proba, gold)
    temperature = round(temperature, 4)
    before = calibration_scores(proba, gold)
    after = cross_validated(proba, gold)
    confidence = apply_calibration(proba, temperature, knots).max(axis=1)
    return Calibration(
        temperature=temperature,
        confidence_knots=knots,
        ece_before=before["ece"],
        ece_after=after["ece"],
        ece_after_sd=after["ece_sd"],
        brier_before=before["brier"],
        brier_after=after["brier"],
        share_thresholds=tuple(round(float(q), 5) for q in np.quantile(confidence, np.linspace(0, 1, 101))),
        fitted_on=fitted_on,
    )


NO_EMOTION_FALSE_FLAGS = 0.05
"""The "no emotion" threshold flags at most this share of the seven-emotion GoEmotions dev comments: a flagged row
is counted apart in Insights, so an emotional row wrongly flagged costs more than a neutral one missed."""


def fit_no_emotion_scale(
    raw: np.ndarray, neutral: np.ndarray, emotional: np.ndarray, *, domain: np.ndarray | None = None
) -> NoEmotionScale:
    """Platt scaling of a model's raw ``P(no emotion)`` and its threshold, from dev rows of one or more domains.

    Args:
        raw: The raw probability of every dev row.
        neutral: Boolean mask of the rows showing no emotion (the positives of the scaling).
        emotional: Boolean mask of the rows with one of the seven emotions. The threshold flags at most
            :data:`NO_EMOTION_FALSE_FLAGS` of them *in every domain*; the AUC is neutral against these.
        domain: Each row's domain (default: one domain, GoEmotions dev). With several, the threshold is the highest
            of the domains' own (the strictest), and ``by_domain`` records each domain's rows flagged and AUC.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    domain = np.full(len(raw), "GoEmotions dev", dtype=object) if domain is None else np.asarray(domain, dtype=object)
    p = np.clip(raw, 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    fitted = LogisticRegression(C=1e6).fit(logit, neutral.astype(int))
    scale = NoEmotionScale(float(fitted.coef_[0, 0]), float(fitted.intercept_[0]), 0.5)
    served = scale.apply(raw)
    names = list(dict.fromkeys(domain))
    thresholds = {}
    for name in names:
        flagged = np.sort(served[emotional & (domain == name)])
        thresholds[name] = float(flagged[int(np.ceil(len(flagged) * (1 - NO_EMOTION_FALSE_FLAGS))) - 1] + 1e-6)
    threshold = float(np.ceil(max(thresholds.values()) * 1e4) / 1e4)  # the strictest domain's, rounded up

    def auc_of(rows: np.ndarray) -> float:
        pos, neg = raw[neutral & rows], raw[emotional & rows]
        if not len(pos) or not len(neg):
            return float("nan")
        return float(roc_auc_score(np.r_[np.zeros(len(neg)), np.ones(len(pos))], np.r_[neg, pos]))

    by_domain = {}
    if len(names) > 1:
        for name in names:
            rows = domain == name
            by_domain[name] = {
                "emotional_flagged": round(float(np.mean(served[emotional & rows] >= threshold)), 4),
                "auc": round(auc, 4) if np.isfinite(auc := auc_of(rows)) else None,
            }
    first = domain == names[0]
    return NoEmotionScale(scale.slope, scale.intercept, threshold, round(auc_of(first), 4), ", ".join(names), by_domain)
