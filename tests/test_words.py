"""The words index that theme edits read instead of the texts (emotion/themes/words.py)."""

import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from emotion.themes.words import OTHER, WORD, WordIndex

PIECES = ["fee", "fees", "top", "up", "top-up", "café", "CAFÉ", "don't", "3ds", "x", "a", "refund", "#1", "_", "é"]
SEPARATORS = [" ", "-", "'", ",", ".", "2", "_", "\n", ""]


@st.composite
def comment(draw):
    parts = draw(st.lists(st.sampled_from(PIECES), min_size=0, max_size=6))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(parts), max_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, seps, strict=True))


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.one_of(comment(), st.none()), min_size=1, max_size=25),
    phrases=st.lists(st.one_of(st.sampled_from(PIECES), comment()), min_size=1, max_size=3),
)
def test_the_index_finds_exactly_the_rows_a_whole_word_search_finds(texts, phrases):
    phrases = [p.lower() for p in phrases if p.strip()]
    series = pd.Series(texts, dtype=object)
    index = WordIndex.of(series)
    found = index.rows(index.holding(phrases))
    if not phrases:
        assert not found.any()
        return
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")
    expected = [t is not None and bool(pattern.search(t.lower())) for t in texts]
    assert found.tolist() == expected


def test_rows_sharing_words_and_missing_values():
    index = WordIndex.of(pd.Series(["Refund please", None, "my parcel", "refund my parcel", "12 34"]))
    assert index.rows(index.sharing({"refund"})).tolist() == [True, False, False, True, False]
    assert index.rows(index.sharing({"parcel", "nowhere"})).tolist() == [False, False, True, True, False]
    assert not index.rows(index.sharing(set())).any()
    empty = WordIndex.of(pd.Series(["12", None, "!"]))  # not one word: an index with no words, no crash
    assert empty.counts.shape == (2, 0) and not empty.rows(empty.sharing({"refund"})).any()
    assert empty.rows(empty.holding(["12"])).tolist() == [True, False, False]  # a keyword of no word: texts searched


def test_nearest_theme_by_words_equals_tf_idf_cosine_over_the_themes_words():
    rng = np.random.default_rng(0)
    vocabulary = [
        "refund",
        "money",
        "card",
        "charged",
        "parcel",
        "courier",
        "late",
        "password",
        "login",
        "reset",
        "the",
        "and",
        "my",
    ]
    texts = [" ".join(rng.choice(vocabulary, rng.integers(2, 7))) for _ in range(300)]
    themes = {
        "Refunds": "refund money charged card refund",  # every word of a theme in some text (see nearest)
        "Delivery": "parcel courier late the courier",
        "Login": "password login reset my password",
    }
    index = WordIndex.of(pd.Series(texts))
    rows = np.arange(len(texts))
    best, score = index.nearest(rows, {name: (rows[:0], [words]) for name, words in themes.items()})
    vectorizer = TfidfVectorizer(token_pattern=WORD.pattern, stop_words="english", sublinear_tf=True)
    similarity = (vectorizer.fit(themes.values()).transform(texts) @ vectorizer.transform(themes.values()).T).toarray()
    expected = np.where(
        similarity.max(axis=1) > 0, np.array(list(themes), dtype=object)[similarity.argmax(axis=1)], OTHER
    )
    assert best.tolist() == expected.tolist()
    assert np.allclose(score, similarity.max(axis=1))
    assert (best == OTHER).sum() > 0  # texts of stop words only ("the and my") share no word with a theme


def test_a_themes_own_rows_make_its_words():
    texts = pd.Series(["parcel late again", "courier lost parcel", "password reset fails", "login locked", "late"])
    index = WordIndex.of(texts)
    best, _ = index.nearest(np.array([4]), {"Delivery": (np.array([0, 1]), []), "Login": (np.array([2, 3]), [])})
    assert best.tolist() == ["Delivery"]  # "late" is a word of the delivery rows only
