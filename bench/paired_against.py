"""Paired macro-F1 differences of every model between two stored evaluations of the same file.

Usage: ``python bench/paired_against.py REV [--evaluation data/evaluation]``: the stored answers now against those
at git revision ``REV`` (e.g. the commit before a retraining), model by model, with the paired bootstrap interval
(:func:`emotion.evaluation.metrics.paired_difference`). Run it once per stored evaluation (``data/evaluation``,
``data/evaluation/goemotions``).
"""

from __future__ import annotations

import argparse
import io
import subprocess
from pathlib import Path

import pandas as pd

from emotion.evaluation.metrics import paired_difference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="git revision of the earlier answers")
    parser.add_argument("--evaluation", type=Path, default=Path("data/evaluation"))
    args = parser.parse_args()
    path = args.evaluation / "predictions.csv"
    earlier_text = subprocess.run(["git", "show", f"{args.rev}:{path}"], capture_output=True, text=True, check=True)
    earlier = pd.read_csv(io.StringIO(earlier_text.stdout), dtype=str, keep_default_na=False)
    now = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(earlier["id"]) != list(now["id"]):
        raise SystemExit("the two evaluations are not of the same rows")
    models = [c for c in now.columns if c in earlier.columns and f"{c}_confidence" in now.columns]
    print(f"{path}: now against {args.rev}, macro-F1 difference [95% paired interval]")
    for model in models:
        d = paired_difference(list(now["gold"]), list(now[model]), list(earlier[model]))
        low, high = d["interval"]
        verdict = "within noise" if d["within_noise"] else "beyond noise"
        print(f"{model:20} {d['macro_f1_difference']:+.3f} [{low:+.3f}, {high:+.3f}] {verdict}")


if __name__ == "__main__":
    main()
