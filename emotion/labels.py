"""The seven ISEAR emotions: one fixed order, one colour each, and a tolerant text-to-label mapper."""

from __future__ import annotations

import re

LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "guilt", "joy", "sadness", "shame")
"""Every probability matrix in the project has its columns in this order."""

LABEL_INDEX: dict[str, int] = {label: i for i, label in enumerate(LABELS)}

NO_EMOTION = "no emotion"
"""The eighth output of the models trained on two domains: the text shows none of the seven emotions."""

OUTPUT_INDEX: dict[str, int] = {**LABEL_INDEX, NO_EMOTION: len(LABELS)}
"""Training targets: the seven labels, then :data:`NO_EMOTION` (models with an eighth output)."""

COLORS: dict[str, str] = {
    "anger": "#D55E00",
    "disgust": "#009E73",
    "fear": "#CC79A7",
    "guilt": "#E69F00",
    "joy": "#F0E442",
    "sadness": "#0072B2",
    "shame": "#56B4E9",
}
"""One colour per emotion, used by every chart, page, report and PNG: the Okabe–Ito palette (Okabe & Ito 2008),
which stays distinct for readers with the common colour-vision deficiencies."""

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")

NO_LABEL = None

_SYNONYMS: dict[str, str] = {
    # anger
    "angry": "anger",
    "anger": "anger",
    "mad": "anger",
    "furious": "anger",
    "rage": "anger",
    "annoyed": "anger",
    "annoyance": "anger",
    "irritated": "anger",
    "irritation": "anger",
    # disgust
    "disgust": "disgust",
    "disgusted": "disgust",
    "disgusting": "disgust",
    "revulsion": "disgust",
    "repulsed": "disgust",
    "grossed": "disgust",
    # fear
    "fear": "fear",
    "afraid": "fear",
    "scared": "fear",
    "frightened": "fear",
    "terrified": "fear",
    "fearful": "fear",
    "anxious": "fear",
    "anxiety": "fear",
    "panic": "fear",
    # guilt
    "guilt": "guilt",
    "guilty": "guilt",
    "remorse": "guilt",
    "remorseful": "guilt",
    # joy
    "joy": "joy",
    "happy": "joy",
    "happiness": "joy",
    "joyful": "joy",
    "glad": "joy",
    "delighted": "joy",
    "elated": "joy",
    # sadness
    "sadness": "sadness",
    "sad": "sadness",
    "unhappy": "sadness",
    "grief": "sadness",
    "sorrow": "sadness",
    "depressed": "sadness",
    "upset": "sadness",
    # shame
    "shame": "shame",
    "ashamed": "shame",
    "embarrassed": "shame",
    "embarrassment": "shame",
    "humiliated": "shame",
    "humiliation": "shame",
    "shameful": "shame",
}

_WORD = re.compile(r"[a-z]+")


def to_label(text: object) -> str | None:
    """Map a free-text answer to one of :data:`LABELS`, or ``None`` when it names no single emotion.

    Case, stray punctuation, quotes and synonyms ("sad", "angry", "ashamed") are tolerated. An answer
    naming two different emotions ("fear or anger") or none at all returns ``None``: never a guess.

    Args:
        text: Anything; non-strings return ``None``.
    """
    if not isinstance(text, str):
        return NO_LABEL
    found = {_SYNONYMS[w] for w in _WORD.findall(text.lower()) if w in _SYNONYMS}
    return found.pop() if len(found) == 1 else NO_LABEL
