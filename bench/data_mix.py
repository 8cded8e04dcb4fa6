"""The two-domain data mix on dev of both domains, measured with the fast `tfidf` recipe (C = 1).

Usage: ``python bench/data_mix.py``: for the strict mapping (the data's ``label`` column) and the broad one
(:data:`emotion.training.data.BROAD_MAPPING`), with 2,500, 5,000 and 10,000 neutral comments as "no emotion",
prints ISEAR dev and GoEmotions dev macro-F1, their mean and the "no emotion" AUC. Writes nothing.
"""

from __future__ import annotations

import json
import time

from emotion.models.tfidf import TfidfClassifier
from emotion.training.data import dev_sets, mixed_training_data, scores


def main() -> None:
    sets = dev_sets()
    for broad in (False, True):
        for neutral in (2500, 5000, 10000):
            started = time.time()
            texts, targets = mixed_training_data(neutral, 0, broad)
            model = TfidfClassifier(C=1.0).fit(texts, targets)
            figures = {k: round(v, 4) for k, v in scores(model, sets).items()}
            seconds = round(time.time() - started)
            print(json.dumps({"broad": broad, "neutral": neutral, "rows": len(texts), **figures, "s": seconds}))


if __name__ == "__main__":
    main()
