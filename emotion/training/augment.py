"""Label-keeping text augmentation for distillation: more texts for a teacher to label and a student to learn.

A student learns the teacher's view of a text, not only its gold label, so it gains from seeing the
teacher on more texts than the training set holds (Tang et al., 2019, "Distilling task-specific knowledge
from BERT into simple neural networks", used n-gram sampling and word masking the same way). Two cheap
operations that keep the writer's meaning mostly intact:

- a random span of 60-90% of the words (n-gram sampling), or
- each word dropped with probability 0.15.

Texts under five words are kept as they are.
"""

from __future__ import annotations

import random

MIN_WORDS = 5
SPAN = (0.6, 0.9)
DROP = 0.15


def augment_text(text: str, rng: random.Random) -> str:
    """One augmented copy of ``text``: a span of its words or the words left after dropout (even odds)."""
    words = text.split()
    if len(words) < MIN_WORDS:
        return text
    if rng.random() < 0.5:
        size = max(3, round(len(words) * rng.uniform(*SPAN)))
        start = rng.randrange(len(words) - size + 1)
        return " ".join(words[start : start + size])
    kept = [word for word in words if rng.random() >= DROP]
    return " ".join(kept if len(kept) >= 3 else words)


def augmented_copies(texts: list[str], copies: int, seed: int = 0) -> list[list[str]]:
    """``copies`` augmented versions of ``texts``, each a list in the order of ``texts`` (the same for a seed)."""
    rng = random.Random(seed)
    return [[augment_text(text, rng) for text in texts] for _ in range(copies)]
