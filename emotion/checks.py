"""The public contract every model family keeps, checked the way scikit-learn's ``check_estimator`` checks an
estimator: :func:`check_model` runs over every spec in :data:`emotion.registry.SPECS` and over a plug-in's.

What a family promises (each check names the rule it tests):

1. **Spec**: the spec's name is the class's ``name``; the class is a :class:`~emotion.classifier.Classifier` with a
   ``family`` and a ``description``; ``artifact_status`` answers with a :class:`~emotion.classifier.Status`.
2. **Shape**: ``classify`` gives one row of seven probabilities per text, in :data:`~emotion.labels.LABELS` order,
   each row summing to 1, and a label from the seven.
3. **Order and batch**: a text's answer does not depend on its neighbours or its place: reversed input gives
   reversed answers, a duplicate gets its twin's answer, one text alone gets the answer it gets in a batch.
4. **Bad input**: an empty text is refused with :class:`~emotion.classifier.InputError`, never answered.
5. **The eighth output**: a model that learned "no emotion" (its card's ``params.no_emotion_output``, or through its
   members) gives ``Predictions.no_emotion`` for every text, each in [0, 1], and its card carries the scale that
   turns it into the "no clear emotion" flag (``no_emotion_calibration``); a model without that output gives
   ``None`` and the shared detector stands in. Every committed model learned it (``require_no_emotion``).
"""

from __future__ import annotations

import numpy as np

from emotion.classifier import Classifier, InputError, Status
from emotion.config import resolve
from emotion.labels import LABELS
from emotion.registry import ModelSpec, _card, load, no_emotion_scale

TEXTS = (
    "I am furious: the parcel never arrived and nobody answers my calls.",
    "What a lovely surprise, thank you so much!",
    "My hands were shaking when the results came in.",
    "Order received.",
    "What a lovely surprise, thank you so much!",
)


class ContractError(AssertionError):
    """A model breaks the contract: the message lists every rule it broke."""


def check_model(spec: ModelSpec, *, require_no_emotion: bool = False, tolerance: float = 1e-4) -> None:
    """Check one family against the contract above; raises :class:`ContractError` listing every broken rule.

    Args:
        spec: The family's spec (registered, so :func:`emotion.registry.load` finds it).
        require_no_emotion: The model must have learned the eighth output (every committed model has).
        tolerance: How far two answers to the same text may differ (int8 graphs round).
    """
    broken: list[str] = []
    cls = resolve(spec.path("any") if "any" in spec.runtimes else next(iter(spec.runtimes.values())))
    if not (isinstance(cls, type) and issubclass(cls, Classifier)):
        raise ContractError(f"{spec.name}: {cls!r} is not a Classifier")
    if cls.name != spec.name:
        broken.append(f"spec: the class is named {cls.name!r}, the spec {spec.name!r}")
    if not cls.family or not cls.description:
        broken.append("spec: the class needs a family and a description")
    status = cls.artifact_status()
    if not isinstance(status, Status):
        broken.append("spec: artifact_status must answer with a Status")
    elif not status.ready:
        raise ContractError(f"{spec.name}: not ready ({status.reason}): nothing more can be checked")
    model = load(spec.name)
    found = model.classify(list(TEXTS))
    proba = np.asarray(found.proba, dtype=float)
    if proba.shape != (len(TEXTS), len(LABELS)):
        broken.append(f"shape: probabilities are {proba.shape}, not ({len(TEXTS)}, {len(LABELS)})")
    else:
        if not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3):
            broken.append("shape: a row of probabilities does not sum to 1")
        if any(label not in LABELS for label in found.labels):
            broken.append("shape: a label is not one of the seven")
        backwards = np.asarray(model.classify(list(TEXTS[::-1])).proba, dtype=float)[::-1]
        if not np.allclose(backwards, proba, atol=tolerance):
            broken.append("order: reversed input changed an answer")
        if not np.allclose(proba[1], proba[4], atol=tolerance):
            broken.append("order: a duplicate got another answer than its twin")
        alone = np.asarray(model.classify([TEXTS[0]]).proba, dtype=float)[0]
        if not np.allclose(alone, proba[0], atol=tolerance):
            broken.append("batch: one text alone got another answer than in a batch")
    try:
        model.classify(["fine", "  "])
        broken.append("bad input: an empty text was answered instead of refused")
    except InputError:
        pass
    said = bool(_card(spec.name).get("params", {}).get("no_emotion_output"))
    gives = found.no_emotion is not None
    if (require_no_emotion or said) and not gives:
        broken.append("eighth output: the model must give Predictions.no_emotion, and gives None")
    if gives:
        values = np.asarray(found.no_emotion, dtype=float)
        if values.shape != (len(TEXTS),) or not ((values >= 0) & (values <= 1)).all():
            broken.append("eighth output: no_emotion must be one probability in [0, 1] per text")
        if no_emotion_scale(spec.name) is None:
            broken.append("eighth output: the card has no no_emotion_calibration to flag 'no clear emotion'")
    if broken:
        raise ContractError(f"{spec.name}: " + "; ".join(broken))
