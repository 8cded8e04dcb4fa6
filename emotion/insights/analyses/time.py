"""Time: each emotion's share per day, week or month, and the periods that moved from the one before, in words."""

from __future__ import annotations

import numpy as np

from emotion.insights import charts, periods
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS


def period_table(prepared: Prepared, choices: Choices, frequency: str | None = None):
    """The parsed dates, the frequency used, and the period × emotion table (``None`` when no date reads)."""
    parsed = prepared.dates(choices.time, choices.date_order)
    valid = parsed.values.notna().to_numpy()
    if not valid.any():
        return parsed, None, None
    frequency = frequency or choices.frequency or periods.choose_frequency(parsed.values)
    table = periods.period_shares(
        parsed.values[valid], prepared.rows["emotion"][valid], frequency, min_difference=choices.min_difference
    )
    return parsed, frequency, table


class Time(Analysis):
    name = "time"
    title = "Over time"

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        if not choices.time or choices.time not in prepared.rows:
            return None
        parsed, frequency, table = period_table(prepared, choices)
        section = {
            "column": choices.time,
            "read_as": parsed.kind,
            "frequency": frequency,
            "unreadable": len(parsed.unreadable),
            "unreadable_rows": parsed.unreadable.head(100).to_dict("records"),
            "empty": parsed.empty,
            "periods": [],
            "moves": [],
        }
        if table is None:
            section["problem"] = f"No cell of {choices.time!r} reads as a date ({len(parsed.unreadable):,} unreadable)."
            return section
        for period, group in table.groupby("period", sort=False):
            entry = {"period": period, "rows": int(group["rows"].iloc[0]), "small": bool(group["small"].iloc[0])}
            for r in group.itertuples():
                entry[r.emotion] = {
                    "share": None if np.isnan(r.share) else round(r.share, 4),
                    "low": round(r.low, 4),
                    "high": round(r.high, 4),
                    "moved": bool(r.moved),
                    "change": None if np.isnan(r.change) else round(r.change, 4),
                }
            section["periods"].append(entry)
        moved = table.loc[table["moved"]]
        section["moves"] = [
            {
                "period": r.period,
                "emotion": r.emotion,
                "share": round(r.share, 4),
                "change": round(r.change, 4),
                "sentence": r.sentence,
            }
            for r in moved.itertuples()
            if not choices.emotions or r.emotion in choices.emotions
        ]
        return section

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict:
        _, frequency, table = period_table(prepared, choices, section.get("frequency"))
        if table is None:
            return {}
        shown = list(choices.emotions) or LABELS
        return {"time": charts.period_lines(table, shown, frequency)}

    def sentences(self, section: dict) -> list[str]:
        if section.get("problem"):
            return [section["problem"]]
        said = [m["sentence"] for m in section["moves"]]
        if not said:
            said.append(
                f"No {section['frequency']}'s share of an emotion moved from the one before by "
                "5 points or more beyond noise."
            )
        small = [p["period"] for p in section["periods"] if p["small"]]
        if small:
            said.append(f"{len(small)} periods have too few rows to test (drawn faint): {', '.join(small[:6])}.")
        if section["unreadable"]:
            said.append(f"{section['unreadable']:,} cells of {section['column']} do not read as dates (listed).")
        return said
