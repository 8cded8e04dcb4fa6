"""Themes on a large labelled table: seconds from the labelled rows to a theme per row, and peak memory.

The rows are banking77's customer requests (``--data``, never committed) drawn with replacement to ``--rows`` rows,
each with one of a few short endings so most texts are distinct (as in a real export), then themes are discovered
(:class:`emotion.themes.job.ThemesJob`: a sample embedded, the rest assigned by a TF-IDF classifier) and the themes
analysis crosses them with the labels; then each theme edit's own work is timed (no row embedded again).

    python bench/themes_speed.py --data ../datasets --rows 200000
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from emotion.insights.analyses.themes import Themes
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from emotion.insights.table import recognise
from emotion.labels import LABELS
from emotion.themes.job import ThemesJob
from emotion.themes.taxonomy import Taxonomy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../datasets"))
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    source = pd.read_csv(args.data / "banking77" / "train.csv")
    rng = np.random.default_rng(0)
    endings = ["", " Thanks.", " Please help.", " Any update?", " This is urgent.", " Cheers", " Regards."]
    texts = source["text"].sample(args.rows, replace=True, random_state=0).to_numpy()
    frame = pd.DataFrame(
        {
            "comment": [
                t + e + (f" #{i % 97}" if i % 3 == 0 else "")
                for i, (t, e) in enumerate(zip(texts, rng.choice(endings, args.rows), strict=True))
            ],
            "label": rng.choice(LABELS, args.rows),
        }
    )
    print(f"{len(frame):,} labelled rows, {frame['comment'].nunique():,} distinct texts")
    began = time.perf_counter()
    job = ThemesJob(frame["comment"]).run()
    found = time.perf_counter() - began
    prepared = Prepared.of(recognise(frame, "label", "comment")).with_themes(job.result.labels, job.result.method)
    section = Themes().compute(prepared, Choices())
    total = time.perf_counter() - began
    print(f"themes found and assigned: {found:.1f} s; with the theme × emotion analysis: {total:.1f} s")
    print(f"{len(section['themes']) - 1} themes; {job.result.method['assigned_by']}")
    result, texts = job.result, frame["comment"]
    first, second = result.taxonomy.names[:2]
    edits = {
        "rename one": lambda: result.renamed({first: "Renamed"}),
        "merge two": lambda: result.merged(
            Taxonomy([*result.taxonomy.themes]).merge([first, second]), [first, second], first, texts
        ),
        "delete one (its rows placed again)": lambda: result.reassigned(
            Taxonomy([*result.taxonomy.themes]).delete(first), texts
        ),
        "define one by keywords": lambda: result.reassigned(
            Taxonomy([*result.taxonomy.themes]).define("Card fees", keywords=["fee", "charged"]), texts
        ),
        "split one (by its rows' words)": lambda: result.split(first, texts),
        "define one by example comments": lambda: result.reassigned(
            Taxonomy([*result.taxonomy.themes]).define(
                "Top-ups", examples=["my top up failed", "top-up did not go through"]
            ),
            texts,
        ),
    }
    for label, edit in edits.items():  # the theme edits' own work (the page adds its redraw)
        began = time.perf_counter()
        edited = edit()
        print(f"edit, {label}: {time.perf_counter() - began:.2f} s ({len(set(edited.labels)):,} themes with rows)")
    print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
