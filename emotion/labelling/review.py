"""The review queue: which labelled rows a person should check next so that their corrections teach the most.

A correction teaches most where the models are unsure (low confidence), where they disagree, and where it covers
an emotion the corrections so far have not: rows are scored by uncertainty and disagreement, then taken in turn
from each predicted emotion (a round robin), so the first hundred span all seven.
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


def review_order(frame: pd.DataFrame, names: list[str], exclude: pd.Series | None = None) -> list:
    """Index labels of the rows to review, most informative first, the predicted emotions taken in turn.

    Args:
        frame: A labelled table (``label`` output: each model's label and confidence, ``consensus_label`` when
            there are several).
        names: The models that labelled it.
        exclude: A boolean mask of rows already reviewed (corrected), left out.
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
    # the emotions whose best row is most informative go first in every round
    turn = sorted(queues, key=lambda label: -score[queues[label][0]])
    order = []
    for position in range(max((len(q) for q in queues.values()), default=0)):
        order += [queues[label][position] for label in turn if position < len(queues[label])]
    return order


def queue_from_predictions(proba: np.ndarray) -> list[int]:
    """:func:`review_order` for one model's probabilities (row numbers): the adaptation bench's labelling order."""
    from emotion.labels import LABELS

    frame = pd.DataFrame(
        {label_column("m"): [LABELS[i] for i in proba.argmax(axis=1)], confidence_column("m"): proba.max(axis=1)}
    )
    return [int(i) for i in review_order(frame, ["m"])]
