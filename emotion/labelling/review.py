"""The review queue: which labelled rows a person should check next so that their corrections teach the most.

Measured on the adaptation bench (``bench/adaptation_curve.py``: a model adapted from corrections of GoEmotions
comments, scored on GoEmotions dev), what teaches most first is *variety*: rows that each stand for a group of
similar texts (the rows nearest the centres of k-means clusters of the base model's features, for 25, 50, 100 and
200 clusters in turn: :func:`diverse_order`). Taking the least confident rows first taught less than a random
draw (their labels are the most ambiguous), so uncertainty and disagreement only order the rows after those.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emotion.labelling.table import confidence_column, label_column


def informativeness(frame: pd.DataFrame, names: list[str]) -> pd.Series:
    """Per row, ``1 - mean confidence`` of the models plus ``1 - agreement`` (0 when they all agree); NaN for rows
    no model labelled."""
    confidence = frame[[confidence_column(n) for n in names]].astype(float)
    uncertainty = 1 - confidence.mean(axis=1, skipna=True)
    agreement = frame["agreement"].astype(float) if "agreement" in frame else pd.Series(1.0, index=frame.index)
    return uncertainty + (1 - agreement.fillna(1.0))


def review_order(
    frame: pd.DataFrame, names: list[str], exclude: pd.Series | None = None, features: np.ndarray | None = None
) -> list:
    """Index labels of the rows to review: with ``features``, the representative rows of :func:`diverse_order`
    first; then the rest, most informative first, the predicted emotions taken in turn.

    Args:
        frame: A labelled table (``label`` output: each model's label and confidence, ``consensus_label`` when
            there are several).
        names: The models that labelled it.
        exclude: A boolean mask of rows already reviewed (corrected), left out.
        features: One row of the base model's features per row of ``frame`` (NaN rows: no text), or ``None``.
    """
    score = informativeness(frame, names)
    predicted = frame["consensus_label"] if "consensus_label" in frame else frame[label_column(names[0])]
    keep = score.notna() & predicted.notna()
    if exclude is not None:
        keep &= ~exclude.fillna(False).astype(bool)
    queues = {
        label: list(group.sort_values(ascending=False, kind="stable").index)
        for label, group in score[keep].groupby(predicted[keep])
    }
    order = []
    if features is not None:
        rows = np.flatnonzero(keep.to_numpy() & ~np.isnan(features).any(axis=1))
        order = [frame.index[rows[i]] for i in diverse_order(features[rows])] if len(rows) else []
        chosen = set(order)
        queues = {label: [i for i in queue if i not in chosen] for label, queue in queues.items()}
        queues = {label: queue for label, queue in queues.items() if queue}
    # the emotions whose best row is most informative go first in every round
    turn = sorted(queues, key=lambda label: -score[queues[label][0]])
    for position in range(max((len(q) for q in queues.values()), default=0)):
        order += [queues[label][position] for label in turn if position < len(queues[label])]
    return order


LEVELS = (25, 50, 100, 200)
"""Cluster counts of :func:`diverse_order`: any first 25, 50, 100 or 200 rows of the queue cover the texts evenly."""


def diverse_order(features: np.ndarray, levels: tuple[int, ...] = LEVELS, seed: int = 0) -> list[int]:
    """Row numbers of representative rows, most general first: for each cluster count in ``levels``, the row nearest
    each k-means centre of ``features`` (largest clusters first) that an earlier level did not take."""
    from sklearn.cluster import KMeans

    order: list[int] = []
    taken: set[int] = set()
    for k in levels:
        if k > len(features):
            k = len(features)
        fitted = KMeans(k, n_init=1, random_state=seed).fit(features)
        nearest = fitted.transform(features).argmin(axis=0)
        sizes = np.bincount(fitted.labels_, minlength=k)
        for cluster in np.argsort(-sizes, kind="stable"):
            row = int(nearest[cluster])
            if row not in taken:
                taken.add(row)
                order.append(row)
        if k == len(features):
            break
    return order


def queue_from_predictions(proba: np.ndarray, features: np.ndarray | None = None) -> list[int]:
    """:func:`review_order` for one model's probabilities and features (row numbers): the adaptation bench's
    labelling order."""
    from emotion.labels import LABELS

    frame = pd.DataFrame(
        {label_column("m"): [LABELS[i] for i in proba.argmax(axis=1)], confidence_column("m"): proba.max(axis=1)}
    )
    return [int(i) for i in review_order(frame, ["m"], features=features)]


def queue_features(texts: pd.Series, model, limit: int = 5_000, seed: int = 0) -> np.ndarray:
    """The base model's features for up to ``limit`` rows with text (a seeded sample), NaN for the others: what
    :func:`review_order` clusters (k-means on 5,000 rows takes about a second).

    Args:
        texts: The text column.
        model: An adaptable model (:meth:`~emotion.classifier.Classifier.encode`).
        limit: Rows clustered at most.
        seed: Seeds the sample.
    """
    from emotion.io.text import check_text, prepare_text

    usable = np.flatnonzero([check_text(t) is None for t in texts])
    if len(usable) > limit:
        usable = np.sort(np.random.default_rng(seed).choice(usable, limit, replace=False))
    distinct = list(dict.fromkeys(prepare_text(texts.iloc[i]) for i in usable))
    _, found = model.encode(distinct) if distinct else (None, np.zeros((0, 1)))
    index = {text: row for row, text in enumerate(distinct)}
    out = np.full((len(texts), found.shape[1]), np.nan, dtype=np.float32)
    for i in usable:
        out[i] = found[index[prepare_text(texts.iloc[i])]]
    return out
