"""Calibrated confidence as served: temperature scaling and a confidence map, read from a model's card.

Fitting them, and the scores that judge them (ECE, Brier), live in :mod:`emotion.evaluation.calibration`.

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
from dataclasses import asdict, dataclass, field

import numpy as np

CARD_ENTRY = "confidence_calibration"
"""The key of a card's calibration entry."""

DEFAULT_FALLBACK_SHARE = 0.4
"""Share of rows a cascade sends to its fallback unless told otherwise."""

_TINY = 1e-12


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``proba`` (each summing to 1) rescaled as ``softmax(log p / temperature)``; NaN rows stay NaN."""
    if temperature == 1.0 or len(proba) == 0:
        return proba
    logits = np.log(np.clip(proba, _TINY, 1.0)) / temperature
    logits -= np.nanmax(logits, axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


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


def apply_calibration(proba: np.ndarray, temperature: float, knots: Sequence[Sequence[float]] = ()) -> np.ndarray:
    """Served probabilities: :func:`apply_temperature`, then :func:`apply_confidence_map`."""
    return apply_confidence_map(apply_temperature(proba, temperature), knots)


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
        fitted_on: The dev rows it was fitted on.
    """

    temperature: float
    ece_before: float
    ece_after: float
    ece_after_sd: float
    brier_before: float
    brier_after: float
    share_thresholds: tuple[float, ...]
    confidence_knots: tuple[tuple[float, float], ...] = ()
    fitted_on: str = "ISEAR dev"

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
        return apply_calibration(proba, self.temperature, self.confidence_knots)

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


NO_EMOTION_ENTRY = "no_emotion_calibration"
"""The card entry of a model's "no emotion" output: its Platt scaling and threshold (:class:`NoEmotionScale`)."""


@dataclass(frozen=True)
class NoEmotionScale:
    """How a model's raw ``P(no emotion)`` is served, and the probability from which a row counts as "no clear
    emotion".

    Attributes:
        slope, intercept: Platt scaling of the raw probability's log-odds, fitted on GoEmotions dev (every comment:
            only-neutral ones against the others), so the served probability matches how often such comments were
            neutral there.
        threshold: Served probabilities at or above it flag the row; chosen to flag at most 5% of the emotional dev
            rows of every domain it was fitted on.
        auc: The first domain's dev AUC (GoEmotions: neutral against seven-emotion comments), for the card and pages.
        fitted_on: The dev domains, first the one ``auc`` is measured on.
        by_domain: With several domains: each one's emotional rows flagged at the threshold, and its AUC.
    """

    slope: float
    intercept: float
    threshold: float
    auc: float = float("nan")
    fitted_on: str = "GoEmotions dev"
    by_domain: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, entry: dict) -> NoEmotionScale:
        return cls(**entry)

    def to_dict(self) -> dict:
        return asdict(self)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Served probabilities from raw ones."""
        p = np.clip(np.asarray(raw, dtype=float), 1e-6, 1 - 1e-6)
        return 1 / (1 + np.exp(-(self.slope * np.log(p / (1 - p)) + self.intercept)))
