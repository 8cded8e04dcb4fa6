"""Calibrated confidence: temperature scaling and a confidence map fitted on dev, expected calibration error,
Brier score.

A model's served probabilities come from its raw probabilities ``p`` in two steps, both fitted on ISEAR dev:

1. ``softmax(log p / T)``: one number ``T`` per model, fitted by minimising the log-loss;
2. the top probability of each row through a monotone map of the confidence (centered isotonic regression,
   Oron and Flournoy, 2017: knots at the mean confidence of each isotonic block, straight lines between),
   the other six scaled to keep the row summing to 1.

Step 2 exists because one temperature cannot fix every shape: a model trained with label smoothing and soft
teachers says 0.93 for rows it gets right 98% of the time and 0.8 for rows it gets right 65% of the time,
and no single ``T`` moves both the right way. Neither step ever changes a label (the top class stays on
top), only how sure the model says it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from emotion.labels import LABEL_INDEX

ECE_BINS = 15
"""Equal-mass bins of :func:`expected_calibration_error`."""

CARD_ENTRY = "confidence_calibration"
"""Where a model's card keeps its :class:`Calibration`."""

DEFAULT_FALLBACK_SHARE = 0.4
"""A cascade's default threshold sends this share of dev rows to its fallback."""

_TINY = 1e-12


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``proba`` (each summing to 1) rescaled as ``softmax(log p / temperature)``; NaN rows stay NaN."""
    if temperature == 1.0 or len(proba) == 0:
        return proba
    logits = np.log(np.clip(proba, _TINY, 1.0)) / temperature
    logits -= np.nanmax(logits, axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


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


def apply_confidence_map(proba: np.ndarray, knots: Sequence[Sequence[float]]) -> np.ndarray:
    """Rows of ``proba`` with their top probability replaced by the map's value at it (linear between knots),
    the other six scaled to keep the row's sum. Labels never change: a mapped top is raised, if needed, just
    above the scaled runner-up. NaN rows stay NaN."""
    if not len(knots) or len(proba) == 0:
        return proba
    proba = np.asarray(proba, dtype=float)
    xs, ys = np.array(knots, dtype=float).T
    rows = np.arange(len(proba))
    order = np.argsort(-np.nan_to_num(proba, nan=0.0), axis=1, kind="stable")
    top, second = proba[rows, order[:, 0]], proba[rows, order[:, 1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        keep_label = second / (1.0 - top + second)  # the top at which the scaled runner-up would catch up
        new_top = np.clip(np.maximum(np.interp(top, xs, ys), keep_label + 1e-6), 0.0, 1.0)
        scale = np.where(top < 1.0, (1.0 - new_top) / np.maximum(1.0 - top, _TINY), 0.0)
    out = proba * scale[:, None]
    out[rows, order[:, 0]] = new_top
    out[np.isnan(proba).any(axis=1)] = np.nan
    return out


def calibrate(proba: np.ndarray, temperature: float, knots: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """Served probabilities: :func:`apply_temperature`, then :func:`apply_confidence_map`."""
    return apply_confidence_map(apply_temperature(proba, temperature), knots)


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
    from emotion.crossval import repeated_folds

    out = np.zeros((repeats, *proba.shape))
    temperatures = []
    for repeat, splits in enumerate(repeated_folds(gold, folds, repeats, seed)):
        for fit_rows, held_rows in splits:
            t, knots = fit_calibrator(proba[fit_rows], [gold[r] for r in fit_rows])
            temperatures.append(round(t, 4))
            out[repeat, held_rows] = calibrate(proba[held_rows], t, knots)
    eces = [calibration_scores(p, gold)["ece"] for p in out]
    briers = [calibration_scores(p, gold)["brier"] for p in out]
    return {
        "ece": round(float(np.mean(eces)), 4),
        "ece_sd": round(float(np.std(eces)), 4),
        "brier": round(float(np.mean(briers)), 4),
        "temperatures": temperatures,
    }


@dataclass(frozen=True)
class Calibration:
    """What a model's card says about its confidence (the :data:`CARD_ENTRY` entry).

    Attributes:
        temperature: Fitted on all of dev; served probabilities use it.
        confidence_knots: The confidence map fitted on all of dev after the temperature
            (:func:`fit_confidence_map`); empty: none (cards written before it existed).
        ece_before: Dev ECE of the raw probabilities.
        ece_after: Dev ECE after calibration, cross-validated (temperature and map fitted on the other folds).
        ece_after_sd: Its standard deviation over the repeats.
        brier_before: Dev Brier score of the raw probabilities.
        brier_after: Cross-validated dev Brier score after calibration.
        share_thresholds: ``share_thresholds[k]``: the calibrated confidence below which ``k``% of dev rows
            fall (k = 0 … 100); a cascade's ``--fallback-share`` reads its threshold here.
    """

    temperature: float
    ece_before: float
    ece_after: float
    ece_after_sd: float
    brier_before: float
    brier_after: float
    share_thresholds: tuple[float, ...]
    confidence_knots: tuple[tuple[float, float], ...] = ()

    @classmethod
    def fit(cls, proba: np.ndarray, gold: Sequence[str]) -> Calibration:
        """Fit on raw dev probabilities and gold labels."""
        temperature, knots = fit_calibrator(proba, gold)
        temperature = round(temperature, 4)
        before = calibration_scores(proba, gold)
        after = cross_validated(proba, gold)
        confidence = calibrate(proba, temperature, knots).max(axis=1)
        return cls(
            temperature=temperature,
            confidence_knots=knots,
            ece_before=before["ece"],
            ece_after=after["ece"],
            ece_after_sd=after["ece_sd"],
            brier_before=before["brier"],
            brier_after=after["brier"],
            share_thresholds=tuple(round(float(q), 5) for q in np.quantile(confidence, np.linspace(0, 1, 101))),
        )

    @classmethod
    def from_dict(cls, entry: dict) -> Calibration:
        knots = tuple(tuple(knot) for knot in entry.get("confidence_knots", ()))
        return cls(**{**entry, "share_thresholds": tuple(entry["share_thresholds"]), "confidence_knots": knots})

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "share_thresholds": list(self.share_thresholds),
            "confidence_knots": [list(knot) for knot in self.confidence_knots],
        }

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Served probabilities from raw ones (:func:`calibrate`)."""
        return calibrate(proba, self.temperature, self.confidence_knots)

    def threshold_for_share(self, share: float) -> float:
        """The confidence threshold that sent ``share`` (0 to 1) of dev rows to a fallback."""
        check_share(share)
        return float(np.interp(share * 100, np.arange(101), self.share_thresholds))

    def share_for_threshold(self, threshold: float) -> float:
        """The share of dev rows whose calibrated confidence is below ``threshold``."""
        return float(np.interp(threshold, self.share_thresholds, np.linspace(0, 1, 101)))


def check_share(value: float, what: str = "fallback share") -> float:
    """``value`` if it lies in [0, 1], else a one-line ``ValueError``."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be between 0 and 1, got {value}")
    return value


def threshold_for_share(confidence: np.ndarray, share: float) -> float:
    """The threshold that sends ``share`` of these rows (the least confident) to a fallback."""
    check_share(share)
    confidence = np.asarray(confidence, dtype=float)
    confidence = confidence[~np.isnan(confidence)]
    if share <= 0 or not len(confidence):
        return 0.0
    if share >= 1:
        return float(np.inf)
    ordered = np.sort(confidence)
    return float(ordered[round(share * len(ordered)) - 1] + _TINY) if round(share * len(ordered)) else 0.0
