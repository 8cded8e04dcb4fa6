"""Models adapted to a user's own labels: ``custom:NAME``, a committed base model and a small head on top of it.

The head (:class:`OffsetHead`) is a softmax regression that *corrects* the base: its scores are the base model's
log-probabilities plus a linear function of the features the base's own head reads. With no evidence it answers
as the base does; with a few hundred labels it learns the user's domain. The folder holds ``head.npz`` and a card
(data hash, rows, recipe, scores), checked by sha256 like the built-in models
(:func:`emotion.artifacts.read_card`). Its recipe is :mod:`emotion.training.adapt`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from emotion import config
from emotion.artifacts import ArtifactError, read_card
from emotion.classifier import Classifier, Predictions, Progress, Status
from emotion.labels import LABELS

PREFIX = "custom:"
HEAD_FILE = "head.npz"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
"""A custom model's name: lower-case letters, digits, ``-`` and ``_``, at most 40 characters."""


def folder_of(name: str) -> Path:
    """Where ``custom:NAME`` (or bare ``NAME``) is stored: under :func:`emotion.config.models_dir`."""
    return config.models_dir() / name.removeprefix(PREFIX)


def saved_names() -> list[str]:
    """``custom:NAME`` for every stored custom model (a folder with a card), sorted."""
    root = config.models_dir()
    if not root.is_dir():
        return []
    return sorted(PREFIX + p.name for p in root.iterdir() if (p / "card.json").exists() and NAME_PATTERN.match(p.name))


def _log(proba: np.ndarray) -> np.ndarray:
    return np.log(np.clip(proba, 1e-7, 1.0))


class OffsetHead:
    """Softmax regression on features, offset by a base model's log-probabilities (scikit-learn conventions).

    ``scores = log p_base + standardise(features) @ coef_ + intercept_``; the L2 penalty ``strength`` keeps the
    correction small. With ``balanced``, each class weighs the same in the loss (the user's labels are rarely
    balanced, and the pages report macro-F1).

    Args:
        strength: L2 penalty on ``coef_`` (per row of the mean loss).
        balanced: Weight rows inversely to their class's count.
    """

    classes_: tuple[str, ...] = LABELS

    def __init__(self, strength: float = 0.03, balanced: bool = True) -> None:
        self.strength = strength
        self.balanced = balanced

    def fit(self, features: np.ndarray, base_proba: np.ndarray, labels: list[str]) -> OffsetHead:
        """Fit on ``features`` ``(n, d)``, the base's probabilities ``(n, 7)`` and gold labels; returns ``self``."""
        from scipy.optimize import minimize

        self.mean_ = features.mean(axis=0)
        self.scale_ = features.std(axis=0) + 1e-6
        x = (features - self.mean_) / self.scale_
        offset = _log(base_proba)
        y = np.array([LABELS.index(label) for label in labels])
        n, d, k = len(x), x.shape[1], len(LABELS)
        target = np.eye(k)[y]
        counts = target.sum(axis=0)
        weight = (n / (len(set(y)) * np.maximum(counts, 1)))[y] if self.balanced else np.ones(n)

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            coef, intercept = theta[: d * k].reshape(d, k), theta[d * k :]
            scores = offset + x @ coef + intercept
            scores -= scores.max(axis=1, keepdims=True)
            proba = np.exp(scores)
            proba /= proba.sum(axis=1, keepdims=True)
            value = -(weight * np.log((proba * target).sum(axis=1) + 1e-12)).sum() / n
            grad = (proba - target) * weight[:, None] / n
            return (
                value + self.strength * (coef**2).sum(),
                np.r_[(x.T @ grad + 2 * self.strength * coef).ravel(), grad.sum(axis=0)],
            )

        found = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
        self.coef_ = found.x[: d * k].reshape(d, k)
        self.intercept_ = found.x[d * k :]
        return self

    def predict_proba(self, features: np.ndarray, base_proba: np.ndarray) -> np.ndarray:
        """``(n, 7)`` probabilities in :attr:`classes_` order."""
        scores = _log(base_proba) + ((features - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        np.savez(path, mean=self.mean_, scale=self.scale_, coef=self.coef_, intercept=self.intercept_)

    @classmethod
    def read(cls, path: Path) -> OffsetHead:
        with np.load(path, allow_pickle=False) as arrays:
            head = cls()
            head.mean_, head.scale_ = arrays["mean"], arrays["scale"]
            head.coef_, head.intercept_ = arrays["coef"], arrays["intercept"]
        return head


class CustomClassifier(Classifier):
    """``custom:NAME``: a base model's answers corrected by a head fitted on the user's labels.

    Args:
        name: ``custom:NAME``.
        base: The loaded base model (one with :meth:`~emotion.classifier.Classifier.encode`).
        head: The fitted head.
        card: The folder's card (shown by the pages).
    """

    family = "custom"
    explains_freely = True

    def __init__(self, name: str, base: Classifier, head: OffsetHead, card: dict) -> None:
        self.name = name
        self.base = base
        self.head = head
        self.card = card
        self.description = f"adapted from {card['base']} on {card['data']['rows']:,} of your labels"
        self.expected_texts_per_s = base.expected_texts_per_s
        self.default_batch_size = base.default_batch_size
        self.no_emotion_scale = base.no_emotion_scale

    @classmethod
    def status_of(cls, name: str) -> Status:
        """Ready when the folder has a card whose files match their sha256."""
        folder = folder_of(name)
        if not (folder / "card.json").exists():
            return Status(False, f"no custom model {name!r} in {config.models_dir()}: train it with `adapt`")
        try:
            read_card(folder)
        except ArtifactError as error:
            return Status(False, f"refused: {error}")
        return Status(True)

    @classmethod
    def open(cls, name: str, load_base) -> CustomClassifier:
        """Load ``custom:NAME``, its files checked against the card; ``load_base(name)`` loads the base model.

        Raises:
            ArtifactError: the folder is missing, or a file was changed or corrupted.
        """
        folder = folder_of(name)
        card = read_card(folder)
        return cls(PREFIX + folder.name, load_base(card["base"]), OffsetHead.read(folder / HEAD_FILE), card)

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        base, features = self.base.encode(texts, batch_size, progress)
        return Predictions(self.head.predict_proba(features, base.raw), no_emotion=base.no_emotion)
