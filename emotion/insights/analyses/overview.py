"""Overview: each emotion's share of the counted rows with its 95% interval."""

from __future__ import annotations

from emotion.evaluation.stored import feedback_figures, feedback_sentence
from emotion.insights import charts, shares
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared


class Overview(Analysis):
    name = "overall"
    title = "Overall"

    def compute(self, prepared: Prepared, choices: Choices) -> dict:
        overall = prepared.overall(self.estimator(prepared, choices))
        return {
            r.emotion: {
                "share": round(r.share, 4),
                "low": round(r.low, 4),
                "high": round(r.high, 4),
                "rows": int(r.rows),
            }
            for r in overall.itertuples()
        }

    @staticmethod
    def estimator(prepared: Prepared, choices: Choices) -> str:
        return choices.estimator or prepared.default_estimator()

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict:
        estimator = self.estimator(prepared, choices)
        return {"overall": charts.overall_bars(prepared.overall(estimator), estimator, len(prepared.rows))}

    def sentences(self, section: dict) -> list[str]:
        ranked = sorted(section.items(), key=lambda item: -item[1]["share"])
        return [
            f"{emotion}: {entry['share']:.0%} of the counted rows (95% interval {entry['low']:.0%} to "
            f"{entry['high']:.0%})"
            for emotion, entry in ranked
        ]


def describe_estimator(prepared: Prepared, estimator: str) -> str:
    """One sentence on how the shares were estimated and what the model's errors do to them."""
    note = f"Shown: {shares.ESTIMATORS[estimator]}."
    if prepared.confusion is not None:
        note += f" The model's confusion was measured on {prepared.confusion.source}."
    elif estimator != "count":
        note += " This model was not measured here: its errors are assumed to spread evenly."
    feedback = feedback_figures(prepared.table.model) if prepared.table.model else None
    if feedback:
        note += f" {prepared.table.model} {feedback_sentence(feedback)}."
    return note
