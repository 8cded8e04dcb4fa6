"""Weighted average of other classifiers' probabilities, weights fitted on dev."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from emotion.artifacts import artifact_dir, read_card
from emotion.classifier import Classifier, Predictions, Progress, sequential_texts_per_s
from emotion.labels import LABEL_INDEX

WEIGHTS_FILE = "weights.json"


def fit_weights(probas: Sequence[np.ndarray], gold: Sequence[str]) -> np.ndarray:
    """Non-negative weights summing to 1 that minimise the log-loss of the averaged probabilities."""
    y = np.array([LABEL_INDEX[g] for g in gold])

    def loss(z: np.ndarray) -> float:
        w = np.exp(z) / np.exp(z).sum()
        mixed = sum(wi * p for wi, p in zip(w, probas, strict=True))
        return float(-np.log(mixed[np.arange(len(y)), y] + 1e-12).mean())

    z = minimize(loss, np.zeros(len(probas)), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6}).x
    return np.exp(z) / np.exp(z).sum()


class EnsembleClassifier(Classifier):
    """``sum_i w_i * p_i`` over member classifiers' raw (uncalibrated) probabilities.

    Args:
        members: The classifiers to average.
        weights: One non-negative weight per member, summing to 1.
    """

    name = "ensemble"
    family = "ensemble"
    description = "weighted average of its members' probabilities (members and weights chosen by cross-validation)"
    default_batch_size = 64

    def __init__(self, members: Sequence[Classifier], weights: Sequence[float]) -> None:
        self.members = list(members)
        self.weights = np.asarray(weights, dtype=float)
        self.expected_texts_per_s = sequential_texts_per_s([member.expected_texts_per_s for member in self.members])
        self.description = "weighted average of " + ", ".join(
            f"{m.name} ({w:.2f})" for m, w in zip(self.members, self.weights, strict=True)
        )

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        total = len(texts) * len(self.members)
        answers = {}
        for m, member in enumerate(self.members):
            step = (lambda done, _n, m=m: progress(m * len(texts) + done, total)) if progress else None
            answers[member] = member.classify(texts, batch_size=None, progress=step)
        mixed = np.asarray(sum(w * answers[m].raw for m, w in zip(self.members, self.weights, strict=True)))
        return Predictions(mixed, no_emotion=self._no_emotion(answers))

    def _no_emotion(self, answers: Mapping[Classifier, Predictions]) -> np.ndarray | None:
        """The weighted mean of the members' own ``P(no emotion)`` (those that give one), or ``None``."""
        having = [(w, answers[m].no_emotion) for m, w in zip(self.members, self.weights, strict=True)]
        having = [(w, p) for w, p in having if p is not None]
        if not having:
            return None
        return sum(w * p for w, p in having) / sum(w for w, _ in having)

    def from_members(self, predictions: Mapping[Classifier, Predictions]) -> Predictions | None:
        """The members' predictions averaged; None if one is missing.

        Saves running every member twice when they are shown side by side with the ensemble.
        """
        if any(member not in predictions for member in self.members):
            return None
        mixed = np.asarray(sum(w * predictions[m].raw for m, w in zip(self.members, self.weights, strict=True)))
        neutral = self._no_emotion(predictions)
        return Predictions(
            self.calibrated(mixed), raw=mixed, no_emotion=None if neutral is None else self._served_no_emotion(neutral)
        )

    @classmethod
    def member_names(cls, folder: Path | None = None) -> list[str]:
        """Names of the members listed in the committed weights."""
        folder = folder or artifact_dir(cls.name)
        return list(json.loads((folder / WEIGHTS_FILE).read_text())["weights"])

    @classmethod
    def load(cls, folder: Path | None = None, members: Mapping[str, Classifier] | None = None) -> EnsembleClassifier:
        """Build from the committed weights, given the loaded member classifiers by name."""
        folder = folder or artifact_dir(cls.name)
        read_card(folder)
        weights = json.loads((folder / WEIGHTS_FILE).read_text())["weights"]
        return cls([members[name] for name in weights], list(weights.values()))
