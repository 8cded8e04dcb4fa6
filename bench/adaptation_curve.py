"""The adaptation curve: macro-F1 on a domain the base model never saw, after 0, 25, 50, 100 and 200 of its labels.

Domain left out: **GoEmotions (Reddit comments)**. The base is ``data/encoder-fast-isear-only``, the default model as
it was trained on ISEAR alone (kept for this bench: the committed default has since seen GoEmotions). Labels are
drawn from GoEmotions train comments with a seven-emotion label, either at random or in the review queue's order
(:mod:`emotion.labelling.review`: representative rows first, from a random pool of 2,000 per seed); each adapted
model (:func:`emotion.training.adapt.fine_tune`, the recipe of :class:`~emotion.training.adapt.AdaptArgs`) is scored
on the GoEmotions dev comments with a seven-emotion label (478). The test split is never read.

Run: ``.venv/bin/python bench/adaptation_curve.py [--seeds 4]``. It also times the whole ``AdaptJob`` (the base's
answers, the cross-validated comparison, the fit on every row, the save) on 200 labels.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from emotion.config import ARTIFACTS_DIR
from emotion.evaluation.metrics import classification_metrics
from emotion.labelling.review import queue_from_predictions
from emotion.labels import LABELS
from emotion.models.onnx_encoder import FastOnnxEncoderClassifier
from emotion.training.adapt import AdaptArgs, AdaptJob, check_adapt_data, fine_tune
from emotion.training.data import load_goemotions

SIZES = (25, 50, 100, 200)
BASE = ARTIFACTS_DIR / "encoder-fast-isear-only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--orders", default="random,review queue")
    args = parser.parse_args()
    base = FastOnnxEncoderClassifier.from_artifact(BASE)
    train, dev = load_goemotions("train"), load_goemotions("dev")
    pool = train[train["label"].isin(LABELS)].reset_index(drop=True)
    dev = dev[dev["label"].isin(LABELS)]
    gold, texts, pool_gold = list(dev["label"]), list(dev["text"]), np.asarray(pool["label"])
    zero = classification_metrics(gold, base.predict(texts))["macro_f1"]
    print(f"base (no labels): GoEmotions dev macro-F1 {zero:.4f}", flush=True)
    recipe = AdaptArgs()
    rows = []
    for order in args.orders.split(","):
        for n in SIZES:
            scores, seconds = [], []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                if order == "random":
                    picked = rng.choice(len(pool), n, replace=False)
                else:
                    candidates = rng.choice(len(pool), 2000, replace=False)
                    raw, features = base.encode(list(pool["text"].iloc[candidates]))
                    picked = candidates[queue_from_predictions(raw.raw, features)[:n]]
                began = time.perf_counter()
                model = fine_tune(
                    "encoder-fast", list(pool["text"].iloc[picked]), list(pool_gold[picked]), recipe, folder=BASE
                )
                seconds.append(time.perf_counter() - began)
                scores.append(classification_metrics(gold, model.predict(texts))["macro_f1"])
            mean, sd = float(np.mean(scores)), float(np.std(scores))
            rows.append((order, n, mean, sd, mean - zero))
            print(
                f"{order:>12} {n:>4} labels: {mean:.4f} ± {sd:.4f} (gain {mean - zero:+.4f}), "
                f"fit {np.mean(seconds):.0f} s",
                flush=True,
            )
    orders = args.orders.split(",")
    print("\n| labels | " + " | ".join(f"{o} (gain)" for o in orders) + " |\n|---:|" + "---:|" * len(orders))
    print("| 0 | " + " | ".join(f"{zero:.3f}" for _ in orders) + " |")
    for n in SIZES:
        cells = [f"{m:.3f} ± {s:.3f} ({g:+.3f})" for o, k, m, s, g in rows if k == n]
        print(f"| {n} | " + " | ".join(cells) + " |")
    data = check_adapt_data(list(pool["text"].iloc[:200]), list(pool["label"].iloc[:200]))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["EMOTION_MODELS_DIR"] = folder
        started = time.perf_counter()
        job = AdaptJob("bench", data).run()
        print(f"\nAdaptJob on {len(data.texts)} labels (base {job.args.base}): {time.perf_counter() - started:.1f} s")
        print(job.comparison.summary(job.args.base))


if __name__ == "__main__":
    main()
