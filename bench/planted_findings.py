"""Findings that survive the labeller's errors: planted segment differences of known size, labelled by a model as
it labels real rows, found or missed, and how close their size is.

Rows come from the stored dev evaluations (ISEAR dev, GoEmotions dev: gold label and each model's label per row),
split in two halves by a seed: the model's confusion is measured on one half, the planted tables are drawn from the
other (so the correction never sees the rows it corrects). Each table: a segment of ``--segment`` rows whose gold
labels hold ``--inside`` anger against ``--outside`` anger in ``--rest`` other rows, a null column of 20 values
beside it, and the rows labelled by the model. Measured over ``--trials`` tables per domain:

- **found**: the planted segment × anger is a finding (a) the old way, every column in one Benjamini–Hochberg
  family with no minimum size, (b) this round's way, each column its own family and a 5-point minimum;
- **false**: findings in the null column (either way);
- **size**: the difference as read from the model's labels, and corrected by its measured confusion, against the
  gold difference (mean absolute error, points), and how often the corrected 95% interval holds the gold difference.

    python bench/planted_findings.py --model encoder-fast --trials 200
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from emotion.evaluation.comparison import STORED_EVALUATIONS, load_evaluation
from emotion.insights import segments, shares

EMOTION = "anger"


def draw(rows: pd.DataFrame, want: int, share: float, rng) -> pd.DataFrame:
    angry = rows[rows["gold"] == EMOTION]
    other = rows[rows["gold"] != EMOTION]
    n = round(want * share)
    return pd.concat(
        [angry.sample(n, replace=True, random_state=rng), other.sample(want - n, replace=True, random_state=rng)]
    )


def old_way_found(columns: dict, emotions: pd.Series) -> set:
    """Every column in one BH family, no minimum size (the previous round)."""
    found = segments.compare_segments(columns, emotions, min_difference=0.0)
    tested = found["p_value"].notna()
    adjusted = np.full(len(found), np.nan)
    adjusted[tested.to_numpy()] = multipletests(found.loc[tested, "p_value"], method="fdr_bh")[1]
    keep = (adjusted < 0.05) & found["segment"].ne(segments.OTHER).to_numpy()
    return set(zip(found.loc[keep, "column"], found.loc[keep, "segment"], found.loc[keep, "emotion"], strict=True))


def new_way_found(columns: dict, emotions: pd.Series) -> set:
    found = pd.concat([segments.compare_segments({c: v}, emotions) for c, v in columns.items()])
    keep = found["finding"]
    return set(zip(found.loc[keep, "column"], found.loc[keep, "segment"], found.loc[keep, "emotion"], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="encoder-fast")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--segment", type=int, default=160)
    parser.add_argument("--rest", type=int, default=840)
    parser.add_argument("--inside", type=float, default=0.40)
    parser.add_argument("--outside", type=float, default=0.23)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{args.model}: segment of {args.segment} rows, {args.inside:.0%} {EMOTION} against {args.outside:.0%} in "
        f"{args.rest} rows; {args.trials} tables per domain"
    )
    print(
        "| domain | found (old) | found (new) | null findings (old / new) | size error, labels | size error, "
        "corrected | corrected interval holds truth |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for domain, folder in STORED_EVALUATIONS.items():
        _, predictions = load_evaluation(folder)
        rows = predictions[["gold", args.model]].dropna().rename(columns={args.model: "label"})
        rng = np.random.default_rng(args.seed)
        half = rng.permutation(len(rows)) < len(rows) // 2
        confusion = shares.Confusion.measure(list(rows[half]["gold"]), list(rows[half]["label"]))
        pool = rows[~half]
        old = new = old_null = new_null = covered = 0
        error_labels, error_corrected = [], []
        for trial in range(args.trials):
            trial_rng = np.random.default_rng(args.seed * 10_000 + trial)
            inside = draw(pool, args.segment, args.inside, trial_rng)
            outside = draw(pool, args.rest, args.outside, trial_rng)
            table = pd.concat([inside.assign(product="P1"), outside.assign(product="rest")], ignore_index=True)
            table["product"] = np.where(
                table["product"] == "P1", "P1", trial_rng.choice(["P2", "P3", "P4", "P5"], len(table))
            )
            table["noise"] = trial_rng.choice([f"n{i}" for i in range(20)], len(table))
            columns = {"product": table["product"], "noise": table["noise"]}
            truth = inside["gold"].eq(EMOTION).mean() - outside["gold"].eq(EMOTION).mean()
            found_old, found_new = old_way_found(columns, table["label"]), new_way_found(columns, table["label"])
            old += ("product", "P1", EMOTION) in found_old
            new += ("product", "P1", EMOTION) in found_new
            old_null += any(f[0] == "noise" for f in found_old)
            new_null += any(f[0] == "noise" for f in found_new)
            read = (
                table["label"][table["product"] == "P1"].eq(EMOTION).mean()
                - table["label"][table["product"] != "P1"].eq(EMOTION).mean()
            )
            fixed = shares.corrected_difference(
                shares.label_counts(table["label"][table["product"] == "P1"]),
                shares.label_counts(table["label"][table["product"] != "P1"]),
                confusion,
                resamples=200,
                seed=trial,
            )
            i = shares.LABEL_INDEX[EMOTION]
            error_labels.append(abs(read - truth))
            error_corrected.append(abs(fixed["difference"][i] - truth))
            covered += fixed["low"][i] <= truth <= fixed["high"][i]
        n = args.trials
        print(
            f"| {domain} | {old / n:.0%} | {new / n:.0%} | {old_null / n:.0%} / {new_null / n:.0%} | "
            f"{np.mean(error_labels) * 100:.1f} | {np.mean(error_corrected) * 100:.1f} | {covered / n:.0%} |"
        )


if __name__ == "__main__":
    main()
