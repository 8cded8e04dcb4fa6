"""A toy model family for the registry test: one module plus one spec line, as a new family would be."""

from __future__ import annotations

import numpy as np

from emotion.classifier import Classifier, Predictions, Status
from emotion.labels import LABELS

KEYWORDS = {"angry": "anger", "gross": "disgust", "scared": "fear", "sorry": "guilt", "happy": "joy", "sad": "sadness"}


class ToyClassifier(Classifier):
    """Keyword rules: the first keyword found decides, else shame; ten times more sure of a keyword's emotion."""

    name = "toy"
    family = "toy"
    description = "keyword rules (a test's toy family)"
    expected_texts_per_s = 50_000.0

    @classmethod
    def artifact_status(cls) -> Status:
        return Status(True)

    @classmethod
    def load(cls, folder=None, members=None) -> ToyClassifier:
        return cls()

    def _classify(self, texts, batch_size, progress) -> Predictions:
        proba = np.full((len(texts), len(LABELS)), 1.0)
        for row, text in enumerate(texts):
            found = next((label for word, label in KEYWORDS.items() if word in text.lower()), "shame")
            proba[row, LABELS.index(found)] = 10.0
        if progress:
            progress(len(texts), len(texts))
        return Predictions(proba / proba.sum(axis=1, keepdims=True))


def train(seed: int = 0) -> dict:
    """Nothing to learn: the card a real family's training function would return."""
    return {"model": "toy", "seed": seed}


class BrokenToyClassifier(ToyClassifier):
    """The toy, broken on purpose for the contract check's own test: the first text of each batch answers
    otherwise, so a text's answer depends on its neighbours."""

    name = "toy-broken"

    def _classify(self, texts, batch_size, progress) -> Predictions:
        found = super()._classify(texts, batch_size, progress)
        found.proba[0] = found.proba[0][::-1]
        return found
