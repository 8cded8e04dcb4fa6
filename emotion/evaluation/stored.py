"""Where the stored evaluations live, and what a model is worth by them, read from their ``metrics.json`` alone
(no pandas or scikit-learn: ``python -m emotion label`` prints it at the end of a lean run)."""

from __future__ import annotations

import json

from emotion.config import ARTIFACTS_DIR

EVALUATION_DIR = ARTIFACTS_DIR / "evaluation"
STORED_EVALUATIONS = {
    "ISEAR dev": EVALUATION_DIR,
    "GoEmotions dev (Reddit)": EVALUATION_DIR / "goemotions",
}
"""The stored evaluations by domain: ISEAR's self-reports, and Reddit comments with one of the seven emotions
(``python -m emotion evaluate --data <goemotions>/dev.csv --output data/evaluation/goemotions``)."""


def stored_domains() -> list[str]:
    """The domains with a stored evaluation, ISEAR first."""
    return [name for name, folder in STORED_EVALUATIONS.items() if (folder / "metrics.json").exists()]


def quality_line(model: str) -> str:
    """What a labeller is worth, in one line: its macro-F1 with the 95% interval on every stored domain, the comments
    domain named as the nearest to customer comments; "" for a model never evaluated here."""
    parts = []
    for domain in stored_domains():
        metrics = json.loads((STORED_EVALUATIONS[domain] / "metrics.json").read_text())
        entry = metrics["models"].get(model)
        if entry:
            low, high = entry["intervals"]["macro_f1"]
            nearest = " (the nearest to customer comments)" if "Reddit" in domain else ""
            parts.append(f"{entry['macro_f1']:.3f} [{low:.3f}, {high:.3f}] on {domain}{nearest}")
    if not parts:
        return ""
    return f"labelled by {model}: macro-F1 " + "; ".join(parts) + _feedback_part(model)


def feedback_figures(model: str) -> dict | None:
    """A model's customer-feedback dev figures from its card (``complaints_joy``, ``praise_joy``, ``plain_auc``), for
    a model trained on feedback; ``None`` otherwise."""
    path = ARTIFACTS_DIR / model / "card.json"
    figures = json.loads(path.read_text()).get("dev_metrics", {}) if path.exists() else {}
    if "complaints_joy" not in figures:
        return None
    return {key: figures[key] for key in ("complaints_joy", "praise_joy", "plain_auc") if key in figures}


def feedback_sentence(figures: dict) -> str:
    """:func:`feedback_figures` in words."""
    return (
        "on customer feedback dev (reviews and tweets by polarity): "
        f"complaints labelled joy {figures['complaints_joy']:.0%}, praise labelled joy {figures['praise_joy']:.0%}"
    )


def _feedback_part(model: str) -> str:
    figures = feedback_figures(model)
    return f"; {feedback_sentence(figures)}" if figures else ""
