"""Do the explanations point at the words that matter? Deleting the three top words against three random words.

Run: ``.venv/bin/python bench/explanations.py [--texts 200] [--models encoder-fast,tfidf,...]``. For the first N
ISEAR dev texts with at least 6 words, each model explains its answer (:func:`emotion.explanations.explain`);
then the answer's calibrated probability is measured on the text without its 3 top words and without 3 words
drawn at random (seed 0). Prints per model the mean drop of each, the margin with a 95% bootstrap interval, and
the time to explain one text (median).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import numpy as np

from emotion import registry
from emotion.explanations import explain
from emotion.io.datasets import load_isear
from emotion.labels import LABEL_INDEX


def without(text: str, remove: set[int]) -> str:
    words = re.findall(r"\S+", text)
    return " ".join(w for i, w in enumerate(words) if i not in remove) or "."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--models", default="encoder-fast,encoder,encoder-large,tfidf,seq2seq,ensemble")
    args = parser.parse_args()
    texts = [t for t in load_isear("dev")["text"] if len(t.split()) >= 6][: args.texts]
    rng = np.random.default_rng(0)
    print(f"{len(texts)} ISEAR dev texts; drop of the answer's probability (points)")
    print(f"{'model':<15}{'top 3 deleted':>15}{'3 random':>10}{'margin [95%]':>24}{'ms/text':>9}")
    for name in args.models.split(","):
        model = registry.load(name)
        top_drops, random_drops, seconds = [], [], []
        for text in texts:
            began = time.perf_counter()
            explained = explain(model, text)
            seconds.append(time.perf_counter() - began)
            words = re.findall(r"\S+", text)
            ranked = sorted(range(len(explained.parts)), key=lambda i: -explained.parts[i][1])[:3]
            drawn = set(rng.choice(len(words), size=3, replace=False).tolist())
            column = LABEL_INDEX[explained.label]
            proba = model.classify([without(text, set(ranked)), without(text, drawn)]).proba
            top_drops.append(explained.probability - proba[0][column])
            random_drops.append(explained.probability - proba[1][column])
        margin = np.array(top_drops) - np.array(random_drops)
        boot = [rng.choice(margin, size=len(margin)).mean() for _ in range(1000)]
        low, high = np.quantile(boot, [0.025, 0.975])
        print(
            f"{name:<15}{np.mean(top_drops) * 100:>15.1f}{np.mean(random_drops) * 100:>10.1f}"
            f"{margin.mean() * 100:>10.1f} [{low * 100:.1f}, {high * 100:.1f}]{statistics.median(seconds) * 1000:>9.0f}"
        )


if __name__ == "__main__":
    main()
