"""The adaptation curve: macro-F1 on a domain the base model never saw, after 0, 25, 50, 100 and 200 of its labels.

Domain left out: **GoEmotions (Reddit comments)**. The base is ``data/encoder-fast-isear-only``, the default model as
it was trained on ISEAR alone (kept for this bench: the committed default has since seen GoEmotions). Labels are
drawn from GoEmotions train comments with a seven-emotion label, either at random or in the review queue's order
(:mod:`emotion.labelling.review`, from a random pool of 1,000 per seed); each adapted model
(:mod:`emotion.training.adapt`) is scored on the GoEmotions dev comments with a seven-emotion label (478). The test
split is never read.

Run: ``.venv/bin/python bench/adaptation_curve.py [--seeds 5]``. It also times the whole ``AdaptJob`` (reading the
texts, the cross-validated comparison, the fit and the save) on 200 labels.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from emotion.evaluation.metrics import classification_metrics
from emotion.labelling.review import queue_from_predictions
from emotion.labels import LABELS
from emotion.models.custom import OffsetHead
from emotion.models.onnx_encoder import FastOnnxEncoderClassifier
from emotion.training.adapt import AdaptArgs, AdaptJob, check_adapt_data
from emotion.training.two_domains import load_goemotions

SIZES = (0, 25, 50, 100, 200)


def macro_f1(gold: list[str], proba: np.ndarray) -> float:
    return classification_metrics(gold, [LABELS[i] for i in proba.argmax(axis=1)])["macro_f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--base", default="data/encoder-fast-isear-only")
    args = parser.parse_args()
    from pathlib import Path

    from emotion.config import ARTIFACTS_DIR

    base = FastOnnxEncoderClassifier.from_artifact(ARTIFACTS_DIR / Path(args.base).name)
    train, dev = load_goemotions("train"), load_goemotions("dev")
    pool = train[train["label"].isin(LABELS)].reset_index(drop=True)
    dev = dev[dev["label"].isin(LABELS)]
    pool_raw, pool_features = base.encode(list(pool["text"]))
    dev_raw, dev_features = base.encode(list(dev["text"]))
    gold, pool_gold = list(dev["label"]), np.asarray(pool["label"])
    zero = macro_f1(gold, dev_raw.raw)
    print(f"base (no labels): GoEmotions dev macro-F1 {zero:.4f}")
    recipe = AdaptArgs()
    rows = []
    for order in ("random", "review queue"):
        for n in SIZES[1:]:
            scores = []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                if order == "random":
                    picked = rng.choice(len(pool), n, replace=False)
                else:
                    candidates = rng.choice(len(pool), 1000, replace=False)
                    queue = queue_from_predictions(pool_raw.raw[candidates])
                    picked = candidates[queue[:n]]
                head = OffsetHead(recipe.strength_for(n), recipe.balanced)
                head.fit(pool_features[picked], pool_raw.raw[picked], list(pool_gold[picked]))
                scores.append(macro_f1(gold, head.predict_proba(dev_features, dev_raw.raw)))
            mean, sd = float(np.mean(scores)), float(np.std(scores))
            rows.append((order, n, mean, sd, mean - zero))
            print(f"{order:>12} {n:>4} labels: {mean:.4f} ± {sd:.4f} (gain {mean - zero:+.4f})", flush=True)
    print("\n| labels | " + " | ".join(f"{o} (gain)" for o in ("random", "review queue")) + " |\n|---:|---:|---:|")
    print(f"| 0 | {zero:.3f} | {zero:.3f} |")
    for n in SIZES[1:]:
        cells = [f"{m:.3f} ± {s:.3f} ({g:+.3f})" for o, k, m, s, g in rows if k == n]
        print(f"| {n} | " + " | ".join(cells) + " |")
    data = check_adapt_data(list(pool["text"].iloc[:200]), list(pool["label"].iloc[:200]))
    import os

    with tempfile.TemporaryDirectory() as folder:
        os.environ["EMOTION_MODELS_DIR"] = folder
        started = time.perf_counter()
        job = AdaptJob("bench", data).run()
        print(f"\nAdaptJob on {len(data.texts)} labels (base {job.args.base}): {time.perf_counter() - started:.1f} s")
        print(job.comparison.summary(job.args.base))


if __name__ == "__main__":
    main()
