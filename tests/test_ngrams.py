"""The vectorised TF-IDF transform must give exactly scikit-learn's matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from emotion.labels import LABELS, NO_EMOTION
from emotion.models.ngrams import FastTfidf, supported
from emotion.models.tfidf import TfidfClassifier

TRICKY = [
    "I  was\tso   ANGRY\nthat I shouted!",
    "a b c d e",  # one-letter words: padded words shorter than the n-gram sizes
    "Café déjà-vu, naïve façade… 😊😊",
    "   leading and trailing spaces   ",
    "",
    " \t\n ",
    "!!! ??? ...",
    "unseen zzqx glyphs ∆∆ and \x00 nul",
    "the the the the the the",  # repeated n-grams are counted, then log-scaled
    "x",
    "ÉCOLE école",
]


def assert_same(fast: FastTfidf, vectorizer: TfidfVectorizer, texts: list[str]) -> None:
    ours, theirs = fast.transform(texts), vectorizer.transform(texts)
    assert ours.shape == theirs.shape
    assert ours.nnz == theirs.nnz
    assert abs(ours - theirs).max() < 1e-12


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2},
        {"analyzer": "char_wb", "ngram_range": (3, 4)},
        {"analyzer": "char_wb", "ngram_range": (2, 2), "norm": "l1", "use_idf": False},
        {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2},
        {"ngram_range": (1, 3)},
        {"ngram_range": (2, 3), "max_df": 0.5},
    ],
)
def test_matches_scikit_learn(sample, options):
    texts, _ = sample
    vectorizer = TfidfVectorizer(**options).fit(texts + TRICKY[:4])
    fast = FastTfidf(vectorizer)
    assert_same(fast, vectorizer, texts + TRICKY)
    assert_same(fast, vectorizer, TRICKY[4:6])  # texts without a single n-gram


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char_wb", "ngram_range": (1, 3)},  # 1-grams count the shared spaces twice
        {"analyzer": "char_wb", "ngram_range": (4, 5)},  # sklearn's short-word rule applies
        {"analyzer": "char", "ngram_range": (2, 4)},
        {"stop_words": "english"},
        {"lowercase": False},
        {"token_pattern": r"\S+"},
        {"binary": True},
    ],
)
def test_unsupported_options_are_refused(sample, options):
    vectorizer = TfidfVectorizer(**options).fit(sample[0])
    assert not supported(vectorizer)
    with pytest.raises(ValueError):
        FastTfidf(vectorizer)


def test_committed_model_features_and_probabilities_match_its_pipeline(isear_dir):
    texts = pd.read_csv(isear_dir / "dev.csv").text.astype(str).tolist()
    model = TfidfClassifier.load()
    assert abs(model.features(texts) - model.pipeline_.steps[0][1].transform(texts)).max() < 1e-12
    full = model.pipeline_.predict_proba(texts)  # the seven emotions and "no emotion", in the pipeline's order
    seven = full[:, [list(model.pipeline_.classes_).index(label) for label in LABELS]]
    np.testing.assert_allclose(model.predict_proba(texts), seven / seven.sum(axis=1, keepdims=True), atol=1e-12)
    calm = full[:, list(model.pipeline_.classes_).index(NO_EMOTION)]
    np.testing.assert_allclose(model.classify(texts).no_emotion, calm, atol=1e-12)
