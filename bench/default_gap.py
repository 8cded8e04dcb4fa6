"""How far the default labels sit from the best local model's on every dev domain, and what a local cascade (the
fast model answers, its least confident rows go to a stronger one) would close.

Domains: ISEAR dev and GoEmotions dev (seven-emotion macro-F1), and the customer-feedback dev rows of
:mod:`emotion.training.feedback_data` (complaints and praise: joy's balanced accuracy, since those sets give polarity
only). Cascades are computed from the two models' answers (:func:`emotion.models.cascade.cascade_labels`) at
thresholds sending each share of the first model's dev rows (its card's calibration).

    python bench/default_gap.py --first encoder-fast --best ensemble --share 0.1 --share 0.2 --share 0.3
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import f1_score

from emotion import registry
from emotion.labels import LABELS
from emotion.models.cascade import cascade_labels
from emotion.training.data import dev_sets
from emotion.training.feedback_data import PRAISE, load_feedback


def score(domain: str, gold, labels) -> float:
    labels = np.asarray(labels, dtype=object)
    if domain == "feedback":
        joy = labels == "joy"
        praise = np.asarray(gold) == PRAISE
        return float((joy[praise].mean() + (1 - joy[~praise].mean())) / 2)
    return float(f1_score(gold, labels, labels=list(LABELS), average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", default=registry.DEFAULT_MODEL)
    parser.add_argument("--best", action="append", default=[])
    parser.add_argument("--share", type=float, action="append", default=[])
    args = parser.parse_args()
    sets = dev_sets()
    feedback = load_feedback().query("split == 'dev' and kind in ['complaint', 'praise']")
    domains = {
        "isear": sets["isear"],
        "goemotions": sets["goemotions"],
        "feedback": (list(feedback["text"]), list(feedback["kind"])),
    }
    names = [args.first, *(args.best or ["ensemble"])]
    answers = {name: {d: registry.load(name).classify(t) for d, (t, _) in domains.items()} for name in names}
    rows = {name: [score(d, g, answers[name][d].labels) for d, (_, g) in domains.items()] for name in names}
    for best in names[1:]:
        for share in args.share or [0.1, 0.2, 0.3]:
            threshold = registry.cascade_threshold(args.first, fallback_share=share)
            figures, sent = [], []
            for d, (_, gold) in domains.items():
                first, other = answers[args.first][d], answers[best][d]
                labels, routed = cascade_labels(first.labels, first.confidence, other.labels, threshold)
                figures.append(score(d, gold, labels))
                sent.append(f"{routed.mean():.0%}")
            rows[f"cascade {args.first} -> {best}, {share:.0%} of dev (sent: {' / '.join(sent)})"] = figures
    print("| labels | " + " | ".join(domains) + " |")
    print("|---|" + "---:|" * len(domains))
    for name, figures in rows.items():
        print(f"| {name} | " + " | ".join(f"{f:.4f}" for f in figures) + " |")


if __name__ == "__main__":
    main()
