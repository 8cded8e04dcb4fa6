"""Examples: a few representative comments of each emotion, most confident first, near-duplicates left out."""

from __future__ import annotations

import html

from emotion.insights import drivers, examples
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared
from emotion.labels import LABELS


class Examples(Analysis):
    name = "examples"
    title = "Examples"

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        text = prepared.table.text_column
        if not text:
            return None
        rows = prepared.rows
        out = {}
        for emotion in LABELS:
            if choices.emotions and emotion not in choices.emotions:
                continue
            picked = examples.representative(
                rows.loc[rows["emotion"].eq(emotion)],
                text,
                k=3,
                score_column="confidence" if "confidence" in rows else None,
            )
            out[emotion] = picked[text].tolist()
        return out

    def report_html(self, section: dict, insights: dict) -> str:
        """Each emotion's comments, the words that drive it (the drivers section) marked."""
        marked = {emotion: [t["term"] for t in terms] for emotion, terms in insights.get("drivers", {}).items()}
        parts = []
        for emotion, texts in section.items():
            terms = marked.get(emotion, [])
            items = "".join(f"<li>{drivers.highlight(t, terms)}</li>" for t in texts)
            parts.append(f"<h3>{html.escape(emotion)}</h3><ul>{items}</ul>")
        return "".join(parts)
