"""Drivers: the words and two-word phrases most distinctive of a group of comments against the rest.

Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' words",
section 3.5): for term ``w``, group ``i`` and the rest ``j``,

    delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w))
    z_w = delta_w / sqrt(1 / (y_iw + a_w) + 1 / (y_jw + a_w))

with the prior ``a_w`` the term's count in the whole table (``a_0`` their sum), so rare terms are shrunk
towards the table's own rates and a score is a z-score. The term counts are built once per table
(:class:`TermIndex`, scikit-learn's ``CountVectorizer``, English stop words left out); each question after
that is a sum over a sparse matrix's rows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

MIN_COUNT = 3
"""A term must appear in at least this many comments of the group to be listed."""
TOP_TERMS = 10
NOISE_Z = 1.96
"""A term whose z-score is below this is within noise (two-sided 5%): listed, and marked as such."""


@dataclass
class TermIndex:
    """Term counts of every text in a table: built once, asked many times.

    Attributes:
        matrix: ``(rows, terms)`` CSR matrix of term counts, one row per text of the table (in order).
        terms: The terms (words and two-word phrases), in column order.
    """

    matrix: sparse.csr_matrix
    terms: np.ndarray

    @classmethod
    def build(cls, texts: pd.Series, max_terms: int = 50_000) -> TermIndex:
        """Count words and two-word phrases (English stop words out; terms in at least two texts)."""
        texts = texts.fillna("").astype(str)
        vectorizer = CountVectorizer(
            ngram_range=(1, 2),
            stop_words="english",
            min_df=2 if len(texts) > 1 else 1,
            max_features=max_terms,
            token_pattern=r"(?u)\b[^\W\d_][^\W\d_']+\b",
            dtype=np.int32,
        )
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # no term at all
            return cls(sparse.csr_matrix((len(texts), 0), dtype=np.int32), np.array([], dtype=object))
        return cls(matrix.tocsr(), vectorizer.get_feature_names_out())

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Per term: its count over the rows where ``mask`` is true."""
        return np.asarray(self.matrix[np.flatnonzero(mask)].sum(axis=0)).ravel()

    def documents(self, mask: np.ndarray) -> np.ndarray:
        """Per term: in how many of the rows where ``mask`` is true it appears."""
        rows = self.matrix[np.flatnonzero(mask)]
        return np.bincount(rows.indices, minlength=len(self.terms))


def log_odds(index: TermIndex, group: np.ndarray, rest: np.ndarray | None = None, top: int = TOP_TERMS) -> pd.DataFrame:
    """The terms most distinctive of ``group`` against ``rest`` (default: every other row).

    A phrase and the words it holds are one entry: the higher-scoring form is listed and the others are named in
    its ``also`` column ("cancelled", "cancelled flight" and "flight cancelled" take one place).

    Returns:
        ``term, score, count, rest_count, comments, beyond_noise, also``: the ``top`` terms by z-score (each in at
        least :data:`MIN_COUNT` of the group's comments), highest first; ``beyond_noise`` is ``score >=``
        :data:`NOISE_Z`.
    """
    group = np.asarray(group, dtype=bool)
    rest = ~group if rest is None else np.asarray(rest, dtype=bool)
    columns = ["term", "score", "count", "rest_count", "comments", "beyond_noise", "also"]
    if not len(index.terms) or not group.any() or not rest.any():
        return pd.DataFrame(columns=columns)
    y_i, y_j = index.counts(group).astype(float), index.counts(rest).astype(float)
    prior = index.counts(group | rest).astype(float)
    a0, n_i, n_j = prior.sum(), y_i.sum(), y_j.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((y_i + prior) / (n_i + a0 - y_i - prior)) - np.log((y_j + prior) / (n_j + a0 - y_j - prior))
        z = delta / np.sqrt(1 / (y_i + prior) + 1 / (y_j + prior))
    comments = index.documents(group)
    keep = np.flatnonzero((comments >= MIN_COUNT) & np.isfinite(z) & (z > 0))
    best, also = _fold_phrases(index.terms, keep[np.argsort(-z[keep], kind="stable")], top)
    return pd.DataFrame(
        {
            "term": index.terms[best],
            "score": np.round(z[best], 2),
            "count": y_i[best].astype(int),
            "rest_count": y_j[best].astype(int),
            "comments": comments[best].astype(int),
            "beyond_noise": z[best] >= NOISE_Z,
            "also": [", ".join(a) for a in also],
        },
        columns=columns,
    )


def _fold_phrases(terms: np.ndarray, ranked: np.ndarray, top: int) -> tuple[np.ndarray, list[list[str]]]:
    """The first ``top`` of ``ranked`` term indices, a term folded into an earlier one when either's words hold the
    other's; returns the kept indices and, per kept term, the terms folded into it."""
    kept: list[int] = []
    words: list[set[str]] = []
    also: list[list[str]] = []
    for position in ranked:
        own = set(str(terms[position]).split())
        into = next((i for i, other in enumerate(words) if own <= other or other <= own), None)
        if into is not None:
            also[into].append(str(terms[position]))
            continue
        if len(kept) == top:
            continue  # still folding lower-ranked forms of the kept terms
        kept.append(int(position))
        words.append(own)
        also.append([])
    return np.asarray(kept, dtype=int), also


def drivers_by_group(index: TermIndex, groups: pd.Series, within: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """:func:`log_odds` of each group's rows against the other rows (all restricted to ``within``)."""
    within = np.ones(len(groups), dtype=bool) if within is None else np.asarray(within, dtype=bool)
    values = groups.to_numpy(dtype=object)
    out = {}
    for group in pd.unique(values[within]):
        if group is None or (isinstance(group, float) and np.isnan(group)):
            continue
        mask = (values == group) & within
        out[str(group)] = log_odds(index, mask, ~mask & within)
    return out


def term_pattern(terms: list[str]) -> re.Pattern | None:
    """A case-insensitive whole-word pattern matching any of ``terms`` (longest first)."""
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile(
        r"\b(?:" + "|".join(r"\W+".join(map(re.escape, t.split())) for t in terms) + r")\b", re.IGNORECASE
    )


def rows_with(texts: pd.Series, term: str) -> np.ndarray:
    """Boolean per row: the text holds ``term`` as whole words."""
    pattern = term_pattern([term])
    return texts.fillna("").astype(str).str.contains(pattern, regex=True).to_numpy()


def highlight(text: str, terms: list[str]) -> str:
    """``text`` escaped for HTML, each of ``terms`` wrapped in ``<mark>``."""
    pattern = term_pattern(terms)
    escaped = html.escape(str(text))
    if pattern is None:
        return escaped
    return pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
