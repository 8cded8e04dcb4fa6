"""Segments: which values of a column differ from the rest in an emotion's share, beyond noise and by a difference
worth reporting, each column (or crossed pair) adjusted for multiple testing on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emotion.insights import charts, segments, shares
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared
from emotion.labels import LABEL_INDEX, LABELS

KEPT = ["column", "segment", "emotion", "rows", "share", "rest_share", "difference", "low", "high"]


def questions(prepared: Prepared, choices: Choices) -> dict[str, tuple]:
    """``{question name: (column, second column or None)}`` for the columns chosen."""
    by = [c for c in choices.by if c in prepared.rows]
    if choices.cross and len(by) >= 2:
        return {f"{by[0]} × {by[1]}": (by[0], by[1])}
    return {column: (column, None) for column in by}


class Segments(Analysis):
    name = "segments"
    title = "Segments"

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        asked = questions(prepared, choices)
        if not asked:
            return None
        emotions = prepared.rows["emotion"]
        section: dict = {
            "columns": list(asked),
            "min_difference": choices.min_difference,
            "adjustment": (
                "exact two-proportion test (mid-p), Benjamini–Hochberg at 5% within each column (or crossed pair)"
            ),
            "findings": [],
            "too_small_to_report": [],
            "notes": {},
            "small_segments": [],
        }
        for name, (column, second) in asked.items():
            values, note = prepared.segment_column(column, second)
            if note:
                section["notes"][name] = note
            found = segments.compare_segments({name: values}, emotions, min_difference=choices.min_difference)
            if found.empty:
                continue
            counts = label_counts_by_segment(values, emotions)
            for record in found.loc[found["significant"]].to_dict("records"):
                entry = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items() if k in KEPT}
                entry.update(p_adjusted=float(record["p_adjusted"]), sentence=record["sentence"])
                if record["finding"] and prepared.confusion is not None:
                    entry["corrected"] = corrected(prepared, counts, record["segment"], record["emotion"])
                    entry["sentence"] += corrected_words(entry["corrected"], prepared.confusion)
                section["findings" if record["finding"] else "too_small_to_report"].append(entry)
            small = found.loc[found["small"], ["column", "segment", "rows"]].drop_duplicates()
            section["small_segments"] += small.to_dict("records")
        section["findings"].sort(key=lambda f: -abs(f["difference"]))
        return section

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict:
        rows = prepared.rows
        out = {}
        for name, (column, second) in questions(prepared, choices).items():
            values, _ = prepared.segment_column(column, second)
            out[f"segments_{slug(name)}"] = charts.segment_bars(segments.segment_shares(values, rows["emotion"]), name)
        return out

    def sentences(self, section: dict) -> list[str]:
        said = [f["sentence"] for f in section["findings"]]
        for column in section["columns"]:
            if not any(f["column"] == column for f in section["findings"]):
                said.append(
                    f"No segment of {column} differs from the rest by {section['min_difference'] * 100:.0f}% points "
                    "or more beyond noise (too small to tell is not the same as no difference: see the intervals)."
                )
        if section["too_small_to_report"]:
            said.append(
                f"{len(section['too_small_to_report'])} more differences are beyond noise but under "
                f"{section['min_difference'] * 100:.0f} points; they stay in insights.json."
            )
        return said


def label_counts_by_segment(values: pd.Series, emotions: pd.Series) -> pd.DataFrame:
    """Each segment's label counts (rows: segments, columns: :data:`LABELS`), in one pass over the rows."""
    return shares.count_table(values.astype(str).to_numpy(), emotions.to_numpy(), LABELS)


def corrected(prepared: Prepared, counts: pd.DataFrame, segment: str, emotion: str) -> dict:
    """A finding's size once the labeller's measured confusion is accounted for (estimated true shares)."""
    counts_in = (
        counts.loc[str(segment)].to_numpy(dtype=float) if str(segment) in counts.index else np.zeros(len(LABELS))
    )
    counts_out = counts.to_numpy(dtype=float).sum(axis=0) - counts_in
    found = shares.corrected_difference(counts_in, counts_out, prepared.confusion)
    i = LABEL_INDEX[emotion]
    return {
        key: round(float(np.asarray(found[key])[i]), 4) for key in ("share", "rest_share", "difference", "low", "high")
    }


def corrected_words(entry: dict, confusion) -> str:
    return (
        f"; correcting for the labeller's measured errors: {entry['share']:.0%} against {entry['rest_share']:.0%} "
        f"({entry['difference'] * 100:+.0f} points, 95% interval {entry['low'] * 100:+.0f} to "
        f"{entry['high'] * 100:+.0f})"
    )


def slug(name: str) -> str:
    """A file-name-safe form of a column name."""
    return "".join(ch if ch.isalnum() else "_" for ch in str(name).lower()).strip("_") or "column"
