"""Nearest training examples for few-shot prompts (MiniLM sentence embeddings, cached on disk)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emotion.config import cache_dir
from emotion.io.datasets import isear_path, load_isear
from emotion.io.files import file_sha256


@functools.cache
def _sentence_model():
    from sentence_transformers import SentenceTransformer

    from emotion.models.encoder import minilm_path

    return SentenceTransformer(minilm_path(), device="cpu")


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised all-MiniLM-L6-v2 sentence embeddings, ``(n, 384)``."""
    return _sentence_model().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )


class Retriever:
    """Finds the ``k`` most similar labelled examples by cosine similarity.

    Args:
        texts: Example texts.
        labels: Their labels.
        embeddings: Precomputed embeddings of ``texts`` (computed when omitted).
    """

    def __init__(self, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray | None = None) -> None:
        self.texts = list(texts)
        self.labels = list(labels)
        self.embeddings = embed(self.texts) if embeddings is None else embeddings

    @classmethod
    def from_isear_train(cls, cache: Path | None = None) -> Retriever:
        """Examples from ``train.csv``; embeddings are built once and cached, keyed by the file's sha256."""
        train = load_isear("train")
        train = train[~train.placeholder]
        path = (cache or cache_dir()) / f"train_embeddings_{file_sha256(isear_path('train'))[:16]}.npy"
        if path.exists():
            embeddings = np.load(path)
        else:
            embeddings = embed(list(train.text))
            np.save(path, embeddings)
        return cls(list(train.text), list(train.label), embeddings)

    def nearest(self, texts: Sequence[str], k: int = 4) -> list[list[tuple[str, str]]]:
        """For each text, its ``k`` nearest examples as ``(text, label)``, least similar first.

        An example identical to the query is skipped, so a training row never sees its own label.
        """
        scores = embed(texts) @ self.embeddings.T
        result = []
        for query, row in zip(texts, scores, strict=True):
            best = [i for i in np.argsort(-row)[: k + 1] if self.texts[i] != query][:k]
            result.append([(self.texts[i], self.labels[i]) for i in reversed(best)])
        return result
