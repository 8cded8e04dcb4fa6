"""The words of comments: the tokens themes are named and matched by, and an index of every distinct comment's words,
built once per table, so that a theme edit on 200,000 rows reads no text again (``bench/themes_speed.py``).

A word is two or more letters (:data:`WORD`), lower-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer

WORD = re.compile(r"(?u)\b[^\W\d_][^\W\d_']+\b")
OTHER = "other"


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order."""
    return WORD.findall(str(text).lower())


@dataclass(eq=False)
class WordIndex:
    """Each row's distinct text and each distinct text's word counts (:meth:`of`).

    Attributes:
        codes: Each row's distinct text (``-1`` for a missing value).
        texts: The distinct texts, lower-cased.
        counts: Distinct texts × words, the count of each word in each text.
        vocabulary: Each word's column in ``counts``.
    """

    codes: np.ndarray
    texts: np.ndarray
    counts: sparse.csr_matrix
    vocabulary: dict[str, int] = field(repr=False)

    @classmethod
    def of(cls, texts: pd.Series) -> WordIndex:
        """The index of a column of comments (each distinct text read once)."""
        codes, distinct = pd.factorize(pd.Series(texts, copy=False).to_numpy(dtype=object), use_na_sentinel=True)
        lowered = np.array([str(t).lower() for t in distinct], dtype=object)
        vectorizer = CountVectorizer(token_pattern=WORD.pattern, lowercase=False, dtype=np.int32)
        try:
            counts = vectorizer.fit_transform(lowered).tocsr()
            vocabulary = {str(w): int(i) for w, i in vectorizer.vocabulary_.items()}
        except ValueError:  # not one word in any text
            counts, vocabulary = sparse.csr_matrix((len(lowered), 0), dtype=np.int32), {}
        return cls(np.asarray(codes), lowered, counts, vocabulary)

    @cached_property
    def _by_word(self) -> sparse.csc_matrix:
        return self.counts.tocsc()

    @cached_property
    def _content(self) -> np.ndarray:
        """The columns of words that are not English stop words."""
        stop = ENGLISH_STOP_WORDS
        return np.array(sorted(i for w, i in self.vocabulary.items() if w not in stop), dtype=np.int64)

    def rows(self, holds: np.ndarray) -> np.ndarray:
        """Per row, from a mask over the distinct texts."""
        holds = np.append(np.asarray(holds, dtype=bool), False)  # code -1 (a missing value) reads the last slot
        return holds[self.codes]

    def _with_word(self, word: str) -> np.ndarray:
        column = self._by_word
        at = self.vocabulary[word]
        return column.indices[column.indptr[at] : column.indptr[at + 1]]

    def holding(self, phrases: list[str]) -> np.ndarray:
        """Which distinct texts hold any of ``phrases`` as whole words: the same as searching the lower-cased text
        for ``\\b(?:phrase|...)\\b``, but the search runs only on the texts holding every word of the phrase."""
        out = np.zeros(len(self.texts), dtype=bool)
        for phrase in dict.fromkeys(p.lower() for p in phrases if p):
            own = words(phrase)
            if any(w not in self.vocabulary for w in own):
                continue  # a word of it is in no text
            candidates = np.arange(len(self.texts))
            for w in own:
                candidates = np.intersect1d(candidates, self._with_word(w), assume_unique=True)
            pattern = re.compile(r"\b" + re.escape(phrase) + r"\b")
            found = [i for i in candidates if pattern.search(self.texts[i])]
            out[found] = True
        return out

    def sharing(self, vocabulary: set[str]) -> np.ndarray:
        """Which distinct texts hold any word of ``vocabulary``."""
        out = np.zeros(len(self.texts), dtype=bool)
        for w in vocabulary:
            if w in self.vocabulary:
                out[self._with_word(w)] = True
        return out

    def tfidf(self, rows: np.ndarray) -> sparse.csr_matrix:
        """The rows' TF-IDF vectors (English stop words left out, sublinear term frequency, IDF over these rows), of
        unit length (zero for a row of no word)."""
        ids = self.codes[np.asarray(rows, dtype=np.int64)]
        if not len(self._content):  # no text has a word beyond the stop words
            return sparse.csr_matrix((len(ids), 0))
        counts = (
            sparse.diags_array((ids >= 0).astype(np.int32), dtype=np.int32)
            @ self.counts[np.clip(ids, 0, None)][:, self._content]
        )
        return TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()

    def nearest(
        self, rows: np.ndarray, themes: dict[str, tuple[np.ndarray, list[str]]], *, seed: int = 0, per_theme: int = 300
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each of ``rows``' nearest theme by its words, without a model: cosine between the row's TF-IDF vector and
        each theme's (English stop words left out, sublinear term frequency, IDF over the themes).

        Args:
            rows: The rows to place.
            themes: Each theme's own rows (up to ``per_theme`` of them, sampled, make its words) and its own texts
                (examples, terms).

        Returns:
            The theme names (:data:`OTHER` where a row shares no word with any theme) and the similarities.
        """
        rows = np.asarray(rows, dtype=np.int64)
        names = [name for name, (own, extra) in themes.items() if len(own) or extra]
        if not names or not len(rows) or not len(self._content):
            return np.full(len(rows), OTHER, dtype=object), np.zeros(len(rows))
        rng = np.random.default_rng(seed)
        own_words = CountVectorizer(
            token_pattern=WORD.pattern, vocabulary=self.vocabulary, dtype=np.int32
        )  # a theme's own texts: words in no comment count for nothing here
        picked, extras = [], []
        for t, name in enumerate(names):
            own, extra = themes[name]
            own = np.asarray(own, dtype=np.int64)
            if len(own) > per_theme:
                own = rng.choice(own, per_theme, replace=False)
            ids = self.codes[own]
            picked.append(np.column_stack([np.full((ids >= 0).sum(), t), ids[ids >= 0]]))
            extras.append(" ".join(extra))
        pairs = np.concatenate(picked)
        members = sparse.csr_matrix(  # theme × distinct text, how many of the theme's picked rows read it
            (np.ones(len(pairs), dtype=np.int32), (pairs[:, 0], pairs[:, 1])), shape=(len(names), len(self.texts))
        )
        theme_counts = (members @ self.counts + own_words.transform(extras)).tocsr()[:, self._content]
        weighting = TfidfTransformer(sublinear_tf=True).fit(theme_counts)
        theme_vectors = weighting.transform(theme_counts)
        distinct, back = np.unique(self.codes[rows], return_inverse=True)
        known = distinct >= 0
        similarity = np.zeros((len(distinct), len(names)))
        if known.any():
            text_vectors = weighting.transform(self.counts[distinct[known]][:, self._content])
            similarity[known] = (text_vectors @ theme_vectors.T).toarray()
        best = similarity.argmax(axis=1)
        score = similarity[np.arange(len(distinct)), best]
        named = np.where(score > 0, np.array(names, dtype=object)[best], OTHER)
        return named[back], score[back]
