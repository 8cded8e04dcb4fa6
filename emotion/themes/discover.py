"""Discover themes in a column of comments.

The recipe (measured against BERTopic's defaults on the same rows and embeddings in ``bench/themes.py``):

1. **Rows that cannot carry a theme** (empty, fewer than :data:`MIN_WORDS` words) go to :data:`OTHER` at once.
2. **A sample** of at most :data:`SAMPLE` distinct texts is embedded with all-MiniLM-L6-v2 sentence embeddings
   (:class:`~emotion.graphs.sentence.SentenceEncoder`; the emotion-tuned head groups by emotion, not by topic).
3. **Clustering**: k-means on the unit vectors (spherical k-means), ``k`` chosen by the silhouette among a few
   candidates (:func:`choose_k`) unless asked; clusters smaller than :data:`MIN_THEME_ROWS` rows fold into
   :data:`OTHER`. The themes are listed largest first; the analyst merges what belongs together.
4. **Names**: each theme's most distinctive words and two-word phrases by class-based TF-IDF (Grootendorst 2022),
   a phrase and the words it holds folded into one; **representative comments**: the nearest to its centre.
5. **Every row** gets the nearest theme whose centre is at least :data:`MIN_SIMILARITY` close (cosine), else
   :data:`OTHER`. Rows beyond the sample are embedded too when there are few; past :data:`EMBED_ALL` rows they are
   assigned by a linear classifier on TF-IDF trained on the sample's themes (its agreement on held-out sample rows
   is measured and reported), so 200,000 rows need no second pass of a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from emotion.themes.words import OTHER, WORD

MIN_WORDS = 2
SAMPLE = 5_000
EMBED_ALL = 20_000
MIN_THEME_ROWS = 5
MIN_SIMILARITY = 0.25
NAME_TERMS = 3


@dataclass
class Theme:
    """One theme: its name, the words that make it, its centre and representative comments."""

    name: str
    terms: list[str]
    centroid: np.ndarray
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    """Words that put a comment in this theme whatever its embedding (a theme the analyst defined by keywords)."""


@dataclass
class Discovered:
    """Themes of a column: one per row (``labels``, :data:`OTHER` for none), the themes, and how they were found."""

    labels: np.ndarray
    themes: list[Theme]
    method: dict
    vectors: np.ndarray | None = None
    """Every row's embedding when every row was embedded (zeros for rows that cannot carry a theme): edits of the
    taxonomy reassign rows with them, without a second pass of the model."""
    usable: np.ndarray | None = None
    """Which rows can carry a theme (:func:`usable`), kept so that edits need not read every text again."""

    def sizes(self) -> pd.Series:
        return pd.Series(self.labels).value_counts()


def _has_words(text: str) -> bool:
    found = WORD.finditer(text.lower())
    return all(next(found, None) is not None for _ in range(MIN_WORDS))  # stops at the MIN_WORDS-th word


def usable(texts: pd.Series) -> np.ndarray:
    """Rows that can carry a theme: a text of at least :data:`MIN_WORDS` words (each distinct text read once)."""
    values = pd.Series(texts, copy=False).to_numpy(dtype=object)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    verdicts = np.array([isinstance(t, str) and _has_words(t) for t in distinct], dtype=bool)
    return np.where(codes >= 0, verdicts[np.clip(codes, 0, None)] if len(verdicts) else False, False)


MAX_K = 120


def candidate_ks(rows: int) -> list[int]:
    """The numbers of themes tried: from 4 up to one theme per 15 rows (at most :data:`MAX_K`), evenly on a log
    scale."""
    top = int(np.clip(rows // 15, 4, MAX_K))
    return sorted({round(k) for k in np.geomspace(4, top, 7)} | {top})


def choose_k(vectors: np.ndarray, seed: int = 0, sample: int = 2000) -> int:
    """The number of themes whose spherical k-means clustering separates best (highest mean silhouette, cosine, on
    at most ``sample`` of the vectors), among :func:`candidate_ks`. Measured in ``bench/themes.py``: the silhouette
    chose between 80 and 130 themes on 2,000 banking or assistant requests, where the adjusted mutual information
    with the known intents peaks too."""
    from sklearn.metrics import silhouette_score

    if len(vectors) < 8:
        return max(1, len(vectors) // 2)
    rng = np.random.default_rng(seed)
    scored = vectors if len(vectors) <= sample else vectors[rng.choice(len(vectors), sample, replace=False)]
    best, best_score = 2, -1.0
    for k in candidate_ks(len(vectors)):
        if k >= len(scored):
            break
        labels, _ = spherical_kmeans(scored, k, seed, n_init=1)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(scored, labels, metric="cosine")
        if score > best_score:
            best, best_score = k, score
    return best


def spherical_kmeans(vectors: np.ndarray, k: int, seed: int = 0, n_init: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """k-means on unit vectors, dense or sparse (scikit-learn's, then centres renormalised): labels and unit
    centres."""
    from sklearn.cluster import KMeans

    k = max(1, min(k, vectors.shape[0]))
    fitted = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(vectors)
    centres = fitted.cluster_centers_ / np.clip(
        np.linalg.norm(fitted.cluster_centers_, axis=1, keepdims=True), 1e-9, None
    )
    return fitted.labels_, centres.astype(np.float32)


def class_tfidf_terms(texts: list[str], groups: np.ndarray, top: int = 10) -> dict[int, list[str]]:
    """Each group's most distinctive words and two-word phrases (class-based TF-IDF: a group's term frequency, times
    the log of the average words per group over the term's frequency in all groups), a phrase and the words it
    holds folded into one entry."""
    from sklearn.feature_extraction.text import CountVectorizer

    names = sorted(set(groups.tolist()))
    documents = [" ".join(t for t, g in zip(texts, groups, strict=True) if g == name) for name in names]
    try:
        vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words="english", token_pattern=WORD.pattern, min_df=1)
        counts = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:
        return {name: [] for name in names}
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.clip(counts.sum(axis=1, keepdims=True), 1, None)
    average = counts.sum() / len(names)
    idf = np.log(1 + average / np.clip(counts.sum(axis=0), 1, None))
    scores = tf * idf
    out = {}
    for row, name in enumerate(names):
        picked: list[str] = []
        for index in np.argsort(-scores[row]):
            if scores[row, index] <= 0 or len(picked) == top:
                break
            term = str(terms[index])
            own = set(term.split())
            if any(own <= set(p.split()) or set(p.split()) <= own for p in picked):
                continue
            picked.append(term)
        out[name] = picked
    return out


def assign(vectors: np.ndarray, centroids: np.ndarray, min_similarity: float = MIN_SIMILARITY) -> np.ndarray:
    """The index of each vector's nearest centre (vectors dense or sparse), ``-1`` where none is at least
    ``min_similarity`` close."""
    if not len(centroids):
        return np.full(vectors.shape[0], -1)
    similarity = vectors @ centroids.T
    best = similarity.argmax(axis=1)
    best[similarity[np.arange(vectors.shape[0]), best] < min_similarity] = -1
    return best


def discover(
    texts: pd.Series,
    *,
    encoder=None,
    embeddings: np.ndarray | None = None,
    k: int | None = None,
    seed: int = 0,
    sample: int = SAMPLE,
    progress=None,
) -> Discovered:
    """Themes of ``texts`` (see the module's docstring).

    Args:
        texts: The comments, one per row (any index).
        encoder: Something with ``embed(texts) -> (n, d)`` unit vectors (default: the shared MiniLM encoder).
        embeddings: Every row's vector already (then no model runs).
        k: Themes to look for (default: :func:`choose_k`).
        seed: Sampling and clustering seed.
        sample: Distinct texts embedded to discover the themes.
        progress: Called with a share of the work done (0 to 1).
    """
    report = progress or (lambda share: None)
    texts = texts.reset_index(drop=True)
    labels = np.full(len(texts), OTHER, dtype=object)
    ok = usable(texts)
    cleaned = texts.where(ok, "").astype(str)
    distinct = pd.unique(cleaned[ok])
    method = {"rows": len(texts), "usable_rows": int(ok.sum()), "distinct_texts": len(distinct), "seed": seed}
    if len(distinct) < 2 * MIN_THEME_ROWS:
        method["note"] = f"too few comments with {MIN_WORDS}+ words to form themes ({len(distinct)} distinct)"
        return Discovered(labels, [], method, usable=ok)
    rng = np.random.default_rng(seed)
    picked = distinct if len(distinct) <= sample else rng.choice(distinct, sample, replace=False)
    if embeddings is None:
        if encoder is None:
            from emotion.graphs.sentence import shared

            encoder = shared()
        vectors = encoder.embed(list(picked), progress=lambda share: report(0.6 * share))
    else:
        position = {text: i for i, text in enumerate(cleaned)}
        vectors = np.asarray(embeddings)[[position[t] for t in picked]]
    k = k or choose_k(vectors, seed)
    groups, centres = spherical_kmeans(vectors, k, seed)
    report(0.7)
    sizes = np.bincount(groups, minlength=len(centres))
    kept = [g for g in range(len(centres)) if sizes[g] >= MIN_THEME_ROWS]
    names = class_tfidf_terms(list(picked), groups)
    themes = []
    for g in kept:
        members = np.flatnonzero(groups == g)
        nearest = members[np.argsort(-(vectors[members] @ centres[g]))[:3]]
        terms = names.get(g, [])
        themes.append(
            Theme(
                name=", ".join(terms[:NAME_TERMS]) or f"theme {g + 1}",
                terms=terms,
                centroid=centres[g],
                examples=[str(picked[i]) for i in nearest],
            )
        )
    _unique_names(themes)
    method.update(
        embeddings="all-MiniLM-L6-v2 sentence embeddings (mean pooling)",
        clustering=f"spherical k-means, k={k}, {len(picked):,} distinct texts",
        names="class-based TF-IDF, words and two-word phrases",
        min_similarity=MIN_SIMILARITY,
    )
    if embeddings is not None:  # every row has its vector already
        all_vectors = np.asarray(embeddings, dtype=np.float32)
        centroids = np.stack([t.centroid for t in themes]) if themes else np.zeros((0, all_vectors.shape[1]))
        names = np.array([t.name for t in themes] + [OTHER], dtype=object)
        row_theme = names[assign(all_vectors, centroids)]
        method["assigned_by"] = "each row's own embedding"
    else:
        row_theme, row_vectors = label_rows(cleaned, ok, themes, encoder, vectors, picked, method, seed)
    labels[ok] = row_theme[ok]
    report(1.0)
    if embeddings is not None:
        row_vectors = np.asarray(embeddings, dtype=np.float32)
    return Discovered(labels, themes, method, row_vectors, ok)


def label_rows(cleaned, ok, themes, encoder, vectors, picked, method, seed) -> tuple[np.ndarray, np.ndarray | None]:
    """Each usable row's theme: by its embedding (few rows), or by a TF-IDF classifier trained on the sample; and
    every row's embedding when all were embedded."""
    centroids = np.stack([t.centroid for t in themes]) if themes else np.zeros((0, vectors.shape[1]))
    names = np.array([t.name for t in themes] + [OTHER], dtype=object)
    sample_theme = names[assign(vectors, centroids)]
    known = dict(zip(picked, sample_theme, strict=True))
    vector_of = dict(zip(picked, vectors, strict=True))
    out = np.full(len(cleaned), OTHER, dtype=object)
    rest = [t for t in pd.unique(cleaned[ok]) if t not in known]
    embedded_all = len(rest) + len(known) <= EMBED_ALL
    if rest and embedded_all:
        rest_vectors = encoder.embed(rest)
        vector_of.update(zip(rest, rest_vectors, strict=True))
        known.update(zip(rest, names[assign(rest_vectors, centroids)], strict=True))
        method["assigned_by"] = "each row's own embedding"
    elif rest:
        classifier, agreement = _text_classifier(list(known), list(known.values()), seed)
        known.update(zip(rest, classifier.predict(rest), strict=True))
        method["assigned_by"] = (
            f"a TF-IDF linear classifier trained on the {len(picked):,} embedded texts' themes (agreement with their "
            f"embedding on held-out sample texts: {agreement:.0%})"
        )
    else:
        method["assigned_by"] = "each row's own embedding"
    out[ok] = [known[t] for t in cleaned[ok]]
    if not embedded_all:
        return out, None
    row_vectors = np.zeros((len(cleaned), vectors.shape[1]), dtype=np.float32)
    for row in np.flatnonzero(ok):
        row_vectors[row] = vector_of[cleaned.iloc[row]]
    return out, row_vectors


def _text_classifier(texts: list[str], themes: list[str], seed: int):
    """A TF-IDF + linear SVM classifier of themes, and its agreement on a held-out fifth of ``texts``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    def model():
        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True), LinearSVC())

    fit, held, fit_y, held_y = train_test_split(texts, themes, test_size=0.2, random_state=seed)
    agreement = float(np.mean(model().fit(fit, fit_y).predict(held) == np.asarray(held_y)))
    return model().fit(texts, themes), agreement


def _unique_names(themes: list[Theme]) -> None:
    seen: dict[str, int] = {}
    for theme in themes:
        if theme.name in seen:
            seen[theme.name] += 1
            theme.name = f"{theme.name} ({seen[theme.name]})"
        else:
            seen[theme.name] = 1
