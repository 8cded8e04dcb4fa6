"""Which words moved a model's answer: leave one word out, see how far the answer's calibrated probability falls.

Works for any model, the ensemble and cascades included, since it only asks the model to classify: the text
once whole and once without each word (all variants in one batch). A word's score is the drop of the answer's
calibrated probability when the word is deleted; a negative score means the answer grew surer without it.
Long texts are explained by spans of neighbouring words, at most :data:`MAX_PARTS` variants in all, so a
10,000-word text costs the same as a 60-word one. Measured (``bench/explanations.py``): deleting the three top
words lowers the answer's probability more than deleting three random words, for every local family.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from emotion.classifier import Classifier, InputError
from emotion.labels import LABEL_INDEX

MAX_PARTS = 60
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Explanation:
    """A model's answer for a text and what each word (or span of words) did to it.

    Attributes:
        label: The model's answer for the whole text.
        probability: Its calibrated probability.
        parts: ``(word or span, drop)`` in text order: how much the answer's probability fell without it.
        words_per_part: 1, or the span length for long texts.
        requests: Texts classified to explain (the cost, for models that charge per request).
    """

    label: str
    probability: float
    parts: list[tuple[str, float]]
    words_per_part: int
    requests: int

    def top(self, k: int = 8) -> list[tuple[str, float]]:
        """The ``k`` parts that pushed hardest toward the answer (positive drops only), largest first."""
        ranked = sorted((part for part in self.parts if part[1] > 0), key=lambda part: -part[1])
        return ranked[:k]


def split_parts(text: str, max_parts: int = MAX_PARTS) -> tuple[list[str], int]:
    """The text's words, or spans of neighbouring words when there are more than ``max_parts``."""
    words = _TOKEN.findall(text)
    size = max(1, math.ceil(len(words) / max_parts))
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)], size


def texts_to_classify(text: str, max_parts: int = MAX_PARTS) -> list[str]:
    """What explaining ``text`` classifies: the whole text, then the text without each part (its cost)."""
    parts, _ = split_parts(text, max_parts)
    variants = [" ".join(parts[:i] + parts[i + 1 :]) for i in range(len(parts))] if len(parts) > 1 else []
    return [text, *(v if v.strip() else "." for v in variants)]


def requests_needed(text: str, max_parts: int = MAX_PARTS) -> int:
    """How many texts explaining ``text`` classifies (the whole text and one variant per part)."""
    return len(texts_to_classify(text, max_parts))


def explain(model: Classifier, text: str, label: str | None = None, max_parts: int = MAX_PARTS) -> Explanation:
    """Leave-one-word-out explanation of ``model``'s answer (or of ``label``) for ``text``.

    Args:
        model: Any classifier.
        text: The text; empty or blank raises :class:`~emotion.classifier.InputError`.
        label: Explain this emotion's probability instead of the model's answer.
        max_parts: At most this many variants; longer texts are cut into spans of words.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("nothing to explain: the text is empty")
    parts, size = split_parts(text, max_parts)
    texts = texts_to_classify(text, max_parts)
    variants = texts[1:]
    result = model.classify(texts)
    label = label or result.labels[0]
    if label is None:
        raise InputError(f"{model.name} gave no answer to explain: {result.errors[0] or 'no label'}")
    column = LABEL_INDEX[label]
    whole = float(result.proba[0][column])
    drops = [whole - float(p[column]) for p in result.proba[1:]]
    return Explanation(
        label=label,
        probability=whole,
        parts=list(zip(parts, drops, strict=True)) if variants else [(parts[0], 0.0)],
        words_per_part=size,
        requests=1 + len(variants),
    )
