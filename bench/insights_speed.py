"""Insights on 200,000 labelled rows: each interaction's time warm, the report's time, and peak memory.

Run: ``.venv/bin/python bench/insights_speed.py [--rows N] [--no-png]``. The table is the demo's generator scaled
up (dates over six months, five products, four channels), labelled with its intended emotions and a confidence.
"Warm" means the table is recognised and its term index built once (what the page keeps per session), as the
page does; each interaction is then timed as the page runs it (best of three).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from emotion.insights import drivers, examples, periods, segments
from emotion.insights.contract import Choices
from emotion.insights.demo import demo_frame
from emotion.insights.prepared import Prepared
from emotion.insights.report import write_report
from emotion.insights.table import recognise


def timed(label: str, work, repeats: int = 3) -> float:
    best = min(_once(work) for _ in range(repeats))
    print(f"{label:<44} {best * 1000:9.0f} ms")
    return best


def _once(work) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--no-png", action="store_true")
    args = parser.parse_args()
    base = demo_frame(rows=2_000, seed=1)
    rng = np.random.default_rng(0)
    frame = base.sample(args.rows, replace=True, random_state=0).reset_index(drop=True)
    frame["comment"] = frame["comment"] + " " + rng.choice(["", "Thanks.", "Order 42.", "Please help."], args.rows)
    frame["label"] = frame.pop("intended")
    frame["confidence"] = rng.uniform(0.4, 1.0, args.rows).round(4)
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    print(f"{args.rows:,} labelled rows")

    began = time.perf_counter()
    prepared = Prepared.of(recognise(frame))
    _ = prepared.rows, prepared.terms
    parsed = prepared.dates("date")
    print(f"{'cold: recognise, term index, dates (once)':<44} {(time.perf_counter() - began) * 1000:9.0f} ms")
    rows = prepared.rows
    worst = 0.0
    for estimator in prepared.estimators():
        worst = max(worst, timed(f"overall shares ({estimator})", lambda e=estimator: prepared.overall(e)))

    def segment_view() -> None:
        values, _ = prepared.segment_column("product", "channel")
        segments.segment_shares(values, rows["emotion"])
        segments.compare_segments({"product × channel": values}, rows["emotion"])

    worst = max(worst, timed("segments: product × channel, shares + tests", segment_view))
    valid = parsed.values.notna()
    worst = max(
        worst,
        timed(
            "time: shares per week + tests",
            lambda: periods.period_shares(parsed.values[valid], rows["emotion"][valid], "week"),
        ),
    )
    mask = rows["emotion"].eq("anger").to_numpy()
    worst = max(worst, timed("drivers: anger against the rest", lambda: drivers.log_odds(prepared.terms, mask)))
    worst = max(
        worst, timed("examples: anger, top 5 distinct", lambda: examples.representative(rows.loc[mask], "comment"))
    )
    worst = max(worst, timed("rows: term filter 'refund'", lambda: drivers.rows_with(rows["comment"], "refund")))
    print(f"{'slowest warm interaction':<44} {worst * 1000:9.0f} ms")
    with tempfile.TemporaryDirectory() as folder:
        seconds = _once(
            lambda: write_report(
                prepared, Path(folder), Choices(by=("product", "channel"), time="date"), pngs=not args.no_png
            )
        )
    print(f"{'report (HTML, JSON' + ('' if args.no_png else ', PNGs') + ')':<44} {seconds * 1000:9.0f} ms")
    print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
