"""Drivers: the words and phrases that mark each emotion against the other rows (weighted log-odds)."""

from __future__ import annotations

import pandas as pd

from emotion.insights import charts, drivers
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS


class Drivers(Analysis):
    name = "drivers"
    title = "Drivers"

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        if prepared.terms is None:
            return None
        by_emotion = drivers.drivers_by_group(prepared.terms, prepared.rows["emotion"].reset_index(drop=True))
        wanted = [e for e in LABELS if e in by_emotion and (not choices.emotions or e in choices.emotions)]
        return {emotion: by_emotion[emotion].to_dict("records") for emotion in wanted}

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict:
        return {
            f"drivers_{emotion}": charts.driver_bars(
                pd.DataFrame(terms, columns=["term", "score", "comments", "beyond_noise"]), emotion
            )
            for emotion, terms in section.items()
        }

    def sentences(self, section: dict) -> list[str]:
        said = []
        for emotion, terms in section.items():
            strong = [t["term"] for t in terms if t["beyond_noise"]]
            weak = [t["term"] for t in terms if not t["beyond_noise"]]
            if strong:
                said.append(f"{emotion}: marked by {', '.join(strong[:6])}")
            if weak and not strong:
                said.append(f"{emotion}: no word marks it beyond noise (the closest: {', '.join(weak[:4])})")
        return said
