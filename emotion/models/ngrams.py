"""Vectorised transform for fitted scikit-learn ``TfidfVectorizer`` objects (word and ``char_wb`` n-grams).

scikit-learn builds every n-gram of every text as a Python string, which caps the TF-IDF model at about
7,000 texts/s on two cores. Here the texts are turned into one array of token ids, each n-gram becomes
an integer key (its ids as digits in base ``len(alphabet) + 1``), and the keys are looked up in the
fitted vocabulary with a pandas hash index. The result is the same matrix as ``vectorizer.transform``
(tests compare them); vectorizers using options not handled here fall back to ``transform``.
"""

from __future__ import annotations

import re
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

MAX_KEY = np.iinfo(np.int64).max


def supported(vectorizer: TfidfVectorizer) -> bool:
    """Whether :class:`FastTfidf` reproduces ``vectorizer.transform`` exactly."""
    low = vectorizer.ngram_range[0]
    plain = (
        vectorizer.lowercase
        and not vectorizer.strip_accents
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and not vectorizer.binary
        and vectorizer.input == "content"
    )
    if vectorizer.analyzer == "char_wb":
        # A padded word is at least 3 characters long, so from n=2 or 3 every n-gram of it is
        # counted; sklearn's "short word counted once" rule only matters for larger minimum n.
        return bool(plain and 2 <= low <= 3)
    default_tokens = vectorizer.token_pattern == r"(?u)\b\w\w+\b"  # tokens never contain a space
    return bool(plain and vectorizer.analyzer == "word" and default_tokens and low >= 1)


class FastTfidf:
    """The transform of a fitted ``TfidfVectorizer``, vectorised with numpy.

    Texts become one stream of unit ids (characters for ``char_wb``, regex tokens for ``word``): ids
    ``1..K`` for the units seen in the vocabulary, ``K + 1`` for any other unit and ``K + 2`` between
    texts. An n-gram's key is its ids as digits in base ``K + 3``; since vocabulary keys only use
    ``1..K``, windows with an unseen unit or crossing texts can never match.

    Args:
        vectorizer: A fitted vectorizer; :func:`supported` must be true for it.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if not supported(vectorizer):
            raise ValueError("this vectorizer's options are not supported; use its own transform")
        self.vectorizer = vectorizer
        self.low, self.high = vectorizer.ngram_range
        self.char = vectorizer.analyzer == "char_wb"
        grams = list(vectorizer.vocabulary_)
        units = [list(g) if self.char else g.split(" ") for g in grams]
        alphabet = sorted(set(chain.from_iterable(units)))
        self.unseen, self.between = len(alphabet) + 1, len(alphabet) + 2
        self.base = len(alphabet) + 3
        if self.base ** float(self.high) >= MAX_KEY:
            raise ValueError("vocabulary alphabet too large for 64-bit n-gram keys")
        if self.char:
            self.alphabet = np.array([ord(c) for c in alphabet], dtype=np.uint32)
        else:
            self.alphabet = pd.Index(alphabet)
            self.pattern = re.compile(vectorizer.token_pattern)
        ids = {unit: i + 1 for i, unit in enumerate(alphabet)}
        keys = []
        for unit in units:
            key = 0
            for x in unit:
                key = key * self.base + ids[x]
            keys.append(key)
        self.keys = pd.Index(np.array(keys, dtype=np.int64))
        self.columns = np.array([vectorizer.vocabulary_[g] for g in grams], dtype=np.int32)
        self.width = len(grams)

    def _units(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit ids of all texts in one stream, and the text of each position."""
        if self.char:
            # sklearn pads each whitespace-separated word with one space on each side. With the words
            # joined by single spaces, the n-grams (n >= 2) of the padded words are the windows with
            # no space strictly inside; the others (and "  ", where two texts meet) are never in
            # the vocabulary, so looking them up finds nothing.
            words = [t.lower().split() for t in texts]
            joined = [f" {' '.join(w)} " if w else "" for w in words]
            codes = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32)
            position = np.minimum(np.searchsorted(self.alphabet, codes), len(self.alphabet) - 1)
            ids = np.where(self.alphabet[position] == codes, position + 1, self.unseen)
            lengths = np.fromiter(map(len, joined), dtype=np.int64, count=len(texts))
            return ids, np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        tokens = [[*self.pattern.findall(t.lower()), "\0"] for t in texts]  # "\0" marks the end of a text
        flat = list(chain.from_iterable(tokens))
        ids = self.alphabet.get_indexer(flat).astype(np.int64) + 1
        ids[ids == 0] = self.unseen
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(texts))
        ids[np.cumsum(lengths) - 1] = self.between
        return ids, np.repeat(np.arange(len(texts), dtype=np.int32), lengths)

    def counts(self, texts: list[str]) -> sp.csr_matrix:
        """The n-gram count matrix, as ``CountVectorizer.transform`` with the same vocabulary gives it."""
        ids, doc = self._units(texts)
        # Column of the n-gram starting at each position, one column per n (-1: none), so that
        # flattening row by row keeps the entries in text order.
        found = np.full((len(ids), self.high - self.low + 1), -1, dtype=np.int32)
        key = ids.copy()
        for n in range(1, self.high + 1):
            if n > 1:
                key = key[:-1] * self.base + ids[n - 1 :]
            if n < self.low:
                continue
            where = self.keys.get_indexer(key)
            hit = where >= 0
            found[: len(key)][hit, n - self.low] = self.columns[where[hit]]
        flat = found.ravel()
        keep = flat >= 0
        columns = flat[keep]
        rows = np.repeat(doc, found.shape[1])[keep]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(texts)))])
        data = np.ones(len(columns), dtype=np.float64)
        matrix = sp.csr_matrix((data, columns, indptr), shape=(len(texts), self.width))
        matrix.sum_duplicates()
        return matrix

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The TF-IDF matrix, equal to ``vectorizer.transform(texts)``."""
        matrix = self.counts(texts)
        if self.vectorizer.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        if self.vectorizer.use_idf:
            matrix.data *= self.vectorizer.idf_[matrix.indices]
        if self.vectorizer.norm is not None:
            matrix = normalize(matrix, norm=self.vectorizer.norm, copy=False)
        return matrix
