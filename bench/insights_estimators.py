"""Which share estimator to show by default: each one's error on held-out labelled rows resampled to other mixes.

Run: ``.venv/bin/python bench/insights_estimators.py [--model NAME] [--seeds 3]``. For ISEAR dev (the stored
evaluation's answers) and GoEmotions dev (its rows with one of the seven emotions, labelled now by the model),
:func:`emotion.insights.shares.mixture_errors` draws 200 mixtures of 400 rows per seed, cross-fitted (the
confusion is measured on one half of the rows, the mixtures drawn from the other), and prints each estimator's
mean absolute error of the shares, in points. No test split is read.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from emotion import registry
from emotion.config import goemotions_dir
from emotion.evaluation.comparison import load_evaluation
from emotion.insights.shares import ESTIMATORS, mixture_errors
from emotion.labels import LABELS


def held_out_sets(model: str) -> dict[str, tuple[list, list, np.ndarray]]:
    _, predictions = load_evaluation()
    answered = predictions[model].notna()
    sets = {
        "ISEAR dev": (
            list(predictions.loc[answered, "gold"]),
            list(predictions.loc[answered, model]),
            predictions.loc[answered, f"{model}_confidence"].to_numpy(dtype=float),
        )
    }
    dev = pd.read_csv(goemotions_dir() / "dev.csv", dtype=str, keep_default_na=False)
    dev = dev.loc[dev["label"].isin(LABELS)]
    result = registry.load(model).classify(dev["text"].tolist())
    sets["GoEmotions dev"] = (dev["label"].tolist(), result.labels, np.asarray(result.confidence, dtype=float))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=registry.DEFAULT_MODEL)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"model {args.model}; mean absolute error of the seven shares, points (sd over seeds)")
    print(f"{'held-out rows':<16}" + "".join(f"{name:>18}" for name in ESTIMATORS))
    for name, (gold, predicted, confidence) in held_out_sets(args.model).items():
        runs = [mixture_errors(gold, predicted, confidence, seed=seed) for seed in range(args.seeds)]
        cells = []
        for estimator in ESTIMATORS:
            maes = np.array([run[estimator]["mae"] for run in runs]) * 100
            cells.append(f"{maes.mean():9.2f} ± {maes.std(ddof=1) if len(maes) > 1 else 0:4.2f}")
        print(f"{name + f' ({len(gold)})':<16}" + "".join(f"{cell:>18}" for cell in cells))


if __name__ == "__main__":
    main()
