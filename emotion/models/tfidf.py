"""Classical baseline: TF-IDF word and character n-grams with multinomial logistic regression."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from emotion import config
from emotion.artifacts import artifact_dir, read_card
from emotion.classifier import Classifier, Predictions, Progress, map_batches
from emotion.labels import LABELS, NO_EMOTION
from emotion.models.ngrams import FastTfidf, supported

MODEL_FILE = "model.pkl"


class TfidfClassifier(Classifier):
    """Word (1-2) and character (2-5, within word bounds) TF-IDF features, softmax regression.

    Logistic regression gives probabilities directly; :meth:`explain` lists the words whose
    weighted features pushed toward each emotion. Prediction computes the features with
    :class:`~emotion.models.ngrams.FastTfidf` (same matrix as scikit-learn's, about 4x faster).

    Args:
        C: Inverse regularisation strength of the logistic regression.
        threads: Batches classified in parallel (numpy releases the GIL; default: :func:`emotion.config.threads`).
    """

    name = "tfidf"
    expected_texts_per_s = 22_000.0
    family = "classical"
    description = "TF-IDF word + character n-grams, logistic regression"
    default_batch_size = 2048

    def __init__(self, C: float = 10.0, threads: int | None = None) -> None:
        self.C = C
        self.threads = threads or config.threads()

    def fit(self, texts: list[str], labels: list[str]) -> TfidfClassifier:
        """Fit on texts and their labels; returns ``self``."""
        features = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, lowercase=True)),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
            ]
        )
        self.pipeline_ = make_pipeline(features, LogisticRegression(C=self.C, max_iter=3000))
        self.pipeline_.fit(texts, labels)
        if not set(LABELS) <= set(self.pipeline_.classes_):
            raise ValueError(f"training labels must cover the seven emotions, got {list(self.pipeline_.classes_)}")
        self._prepare()
        return self

    def _prepare(self) -> None:
        """Vectorised transforms for the fitted vectorizers (scikit-learn's own where not supported), and where the
        seven emotions and the "no emotion" class are among the regression's classes."""
        classes = list(self.pipeline_.classes_)
        self.columns_ = [classes.index(label) for label in LABELS]
        self.no_emotion_column_ = classes.index(NO_EMOTION) if NO_EMOTION in classes else None
        union = self.pipeline_.steps[0][1]
        self.transforms_ = [
            FastTfidf(v).transform if supported(v) and not union.transformer_weights else v.transform
            for _, v in union.transformer_list
        ]

    def features(self, texts: list[str]) -> sp.csr_matrix:
        """The model's input features for ``texts`` (equal to the fitted pipeline's first step)."""
        return sp.hstack([transform(texts) for transform in self.transforms_], format="csr")

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        regression = self.pipeline_.steps[1][1]
        size = max(1, min(batch_size, -(-len(texts) // self.threads)))  # every thread gets a batch
        batches = [texts[start : start + size] for start in range(0, len(texts), size)]
        parts = []
        for part in map_batches(lambda batch: regression.predict_proba(self.features(batch)), batches, self.threads):
            parts.append(part)
            if progress:
                progress(min(len(parts) * size, len(texts)), len(texts))
        proba = np.vstack(parts)
        seven = proba[:, self.columns_]
        if self.no_emotion_column_ is None:
            return Predictions(seven)
        # the seven among themselves (a softmax over their scores), and the "no emotion" class's own share
        return Predictions(seven / seven.sum(axis=1, keepdims=True), no_emotion=proba[:, self.no_emotion_column_])

    def explain(self, text: str, top_k: int = 8) -> dict[str, list[tuple[str, float]]]:
        """Word n-grams of ``text`` ranked by how much they pushed toward each emotion.

        The contribution of a word feature to an emotion is its TF-IDF value times the emotion's
        coefficient minus the mean coefficient over emotions (so shared evidence cancels out).

        Returns:
            ``{label: [(word, contribution), ...]}`` with positive contributions only, largest first.
        """
        union, regression = self.pipeline_.steps[0][1], self.pipeline_.steps[1][1]
        vectorizer = dict(union.transformer_list)["word"]
        row = vectorizer.transform([text]).tocsr()
        width = len(vectorizer.vocabulary_)
        coef = regression.coef_[:, :width]
        coef = coef - coef.mean(axis=0, keepdims=True)
        names = vectorizer.get_feature_names_out()
        # The union scales nothing, so word features enter the model exactly as ``row``.
        result: dict[str, list[tuple[str, float]]] = {}
        for k, label in enumerate(regression.classes_):
            if label not in LABELS:
                continue
            pairs = [(names[j], float(v * coef[k, j])) for j, v in zip(row.indices, row.data, strict=True)]
            pairs = sorted((p for p in pairs if p[1] > 0), key=lambda p: -p[1])
            result[str(label)] = pairs[:top_k]
        return result

    def save(self, folder: Path) -> list[str]:
        """Write the fitted pipeline; returns the file names written."""
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / MODEL_FILE, "wb") as handle:
            pickle.dump(self.pipeline_, handle, protocol=5)
        return [MODEL_FILE]

    @classmethod
    def load(cls, folder: Path | None = None, members=None) -> TfidfClassifier:
        """Load the committed model (its sha256 is checked against the card before unpickling)."""
        folder = folder or artifact_dir(cls.name)
        card = read_card(folder)
        model = cls(C=card.get("params", {}).get("C", 10.0))
        with open(folder / MODEL_FILE, "rb") as handle:
            model.pipeline_ = pickle.load(handle)
        model._prepare()
        return model
