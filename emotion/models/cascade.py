"""Cascades: a local model answers where it is confident, another model (an LLM) only where it is not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from emotion.classifier import Classifier, Predictions, Progress, TokenUsage, sequential_texts_per_s
from emotion.confidence import NoEmotionScale, check_share

PREFIX = "cascade:"


@dataclass(frozen=True)
class CascadeName:
    """The two parts of ``cascade:<first>+<fallback>``."""

    first: str
    fallback: str

    @classmethod
    def parse(cls, name: str) -> CascadeName | None:
        """The parts of a cascade name; ``None`` for any other name; ``ValueError`` for a malformed one."""
        if not name.startswith(PREFIX):
            return None
        first, plus, fallback = name[len(PREFIX) :].partition("+")
        if not plus or not first or not fallback:
            raise ValueError(f"a cascade is named cascade:<first>+<fallback>, got {name!r}")
        if first == fallback:
            raise ValueError(f"{name}: a cascade needs two different models")
        if fallback.startswith(PREFIX):
            raise ValueError(f"{name}: the fallback of a cascade cannot be a cascade")
        return cls(first, fallback)

    def __str__(self) -> str:
        return f"{PREFIX}{self.first}+{self.fallback}"


def route(confidence: np.ndarray, threshold: float) -> np.ndarray:
    """Rows that go to the fallback: calibrated confidence below ``threshold`` (rows without one go too)."""
    confidence = np.asarray(confidence, dtype=float)
    return np.isnan(confidence) | (confidence < threshold)


def cascade_labels(
    first: Sequence[str | None], confidence: np.ndarray, fallback: Sequence[str | None], threshold: float
) -> tuple[list[str | None], np.ndarray]:
    """Labels of a cascade computed from answers already made (an evaluation, an imported prediction set).

    A routed row whose fallback gave no answer keeps the first model's answer.

    Returns:
        The labels, and the boolean mask of rows answered by the fallback.
    """
    routed = route(confidence, threshold) & np.array([f is not None for f in fallback], dtype=bool)
    labels = [f if r else a for a, f, r in zip(first, fallback, routed, strict=True)]
    return labels, routed


class CascadeClassifier(Classifier):
    """``first`` answers rows whose calibrated confidence is at least ``threshold``; ``fallback`` the others.

    Only the routed texts are sent to ``fallback``, so an LLM fallback is paid for those rows alone.
    :attr:`Predictions.answered_by` names the model that answered each row.

    Args:
        first: A local, calibrated model.
        fallback: Any other model.
        threshold: Calibrated confidence in [0, 1] below which a row goes to ``fallback``.
        name: The registry name, ``cascade:<first>+<fallback>``.
        expected_share: The share of rows expected to reach ``fallback`` (on dev), for estimates.
    """

    family = "cascade"

    probabilities = False

    def __init__(
        self, first: Classifier, fallback: Classifier, threshold: float, name: str, expected_share: float = 0.4
    ) -> None:
        self.first, self.fallback = first, fallback
        self.expected_share = expected_share
        self.threshold = check_share(threshold, "threshold")
        self.members = (first, fallback)
        self.name = name
        self.default_batch_size = first.default_batch_size
        self.description = f"{first.name}; rows with confidence below {threshold:.3f} go to {fallback.name}"
        # "no clear emotion" is the first model's on every row (it reads every text), already on its own scale: served
        # unchanged (slope 1, intercept 0) and flagged at its threshold
        scale = first.no_emotion_scale
        self.no_emotion_scale = NoEmotionScale(1.0, 0.0, scale.threshold, scale.auc) if scale else None

    @property
    def explains_freely(self) -> bool:
        """As free as its fallback (which answers the variants the first model is unsure of)."""
        return self.fallback.explains_freely

    @property
    def expected_texts_per_s(self) -> float:
        """The first model on every text, the fallback (its members other than the first) on its expected share."""
        others = self._reused_members()
        fallback = sequential_texts_per_s([m.expected_texts_per_s for m in others]) if others else None
        rates = [self.first.expected_texts_per_s, fallback or self.fallback.expected_texts_per_s]
        return sequential_texts_per_s(rates, [1.0, self.expected_share])

    def routed_texts(self, texts) -> int:
        """Distinct texts expected to reach the fallback: its dev share of the distinct texts."""
        return round(self.expected_share * len(set(texts)))

    def estimate_run(self, texts) -> tuple[float, float | None]:
        """The first model on every text, the fallback (its members other than the first) on the share expected below
        the threshold."""
        first_seconds, _ = self.first.estimate_run(texts)
        routed = list(dict.fromkeys(texts))[: self.routed_texts(texts)]
        parts = [member.estimate_run(routed) for member in self._reused_members() or [self.fallback]]
        costs = [cost for _, cost in parts if cost is not None]
        return first_seconds + sum(seconds for seconds, _ in parts), sum(costs) if costs else None

    def routing_note(self, texts) -> str | None:
        share = f"{self.expected_share:.0%}"
        return f"about {self.routed_texts(texts):,} texts ({share}) go to {self.fallback.name}"

    def token_usage(self) -> TokenUsage | None:
        """The fallback's requests (the first model is local)."""
        return self.fallback.token_usage()

    def usage_cost_usd(self, usage: TokenUsage) -> float | None:
        return self.fallback.usage_cost_usd(usage)

    def _combine(self, first: Predictions, fallback_for: callable) -> Predictions:
        routed = np.flatnonzero(route(first.confidence, self.threshold))
        proba, errors = first.proba.copy(), list(first.errors)
        answered_by = [self.first.name] * len(proba)
        if len(routed):
            other = fallback_for(routed)
            for k, row in enumerate(routed):
                if np.isnan(other.proba[k]).any():
                    errors[row] = f"{self.fallback.name} gave no answer ({other.errors[k]}); kept {self.first.name}'s"
                    continue
                proba[row], answered_by[row] = other.proba[k], self.fallback.name
        return Predictions(proba, errors, answered_by=answered_by, no_emotion=first.no_emotion)

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        first = self.first.classify(texts, progress=(lambda d, n: progress(d, 2 * n)) if progress else None)
        if progress:
            progress(len(texts), 2 * len(texts))

        def ask(rows: np.ndarray) -> Predictions:
            step = (
                (lambda d, n: progress(len(texts) + d * len(texts) // max(n, 1), 2 * len(texts))) if progress else None
            )
            return self._fallback_on([texts[r] for r in rows], _rows_of(first, rows), step)

        result = self._combine(first, ask)
        if progress:
            progress(2 * len(texts), 2 * len(texts))
        return result

    def _reused_members(self) -> list[Classifier]:
        """The fallback's other members, when it is an ensemble holding the first model (else empty)."""
        members = list(getattr(self.fallback, "members", ()))
        return [m for m in members if m is not self.first] if any(m is self.first for m in members) else []

    def _fallback_on(self, texts: list[str], first: Predictions, progress: Progress | None) -> Predictions:
        """The fallback's answers on the routed texts. An ensemble holding the first model is averaged from the first
        model's answers already made and its other members' (the first model does not read the routed texts twice)."""
        others = self._reused_members()
        if others:
            answers = {self.first: first}
            for k, member in enumerate(others):
                step = (lambda d, n, k=k: progress(k * n + d, len(others) * n)) if progress else None
                answers[member] = member.classify(texts, progress=step)
            combined = self.fallback.from_members(answers)
            if combined is not None:
                return combined
        return self.fallback.classify(texts, progress=progress)

    def from_members(self, predictions: Mapping[Classifier, Predictions]) -> Predictions | None:
        """Routed from the two models' answers when both were made on the same texts (no new calls)."""
        if self.first not in predictions or self.fallback not in predictions:
            return None
        other = predictions[self.fallback]
        return self._combine(
            predictions[self.first], lambda rows: Predictions(other.proba[rows], [other.errors[r] for r in rows])
        )


def _rows_of(predictions: Predictions, rows: np.ndarray) -> Predictions:
    """The answers of some rows."""
    return Predictions(
        predictions.proba[rows],
        [predictions.errors[r] for r in rows],
        predictions.one_hot,
        raw=predictions.raw[rows],
        no_emotion=None if predictions.no_emotion is None else predictions.no_emotion[rows],
    )
