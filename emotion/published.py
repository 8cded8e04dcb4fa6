"""Published zero-shot predictions of two large LLMs on ISEAR train and dev (``llm_zero_shot.csv``)."""

from __future__ import annotations

import pandas as pd

from emotion.data import isear_path, load_isear
from emotion.labels import to_label

PUBLISHED: dict[str, str] = {
    "gpt-3.5-turbo-1106": "published zero-shot predictions, Nie et al., ICML 2024",
    "llama-2-70b-chat": "published zero-shot predictions, Nie et al., ICML 2024",
}
"""Name of each published prediction set and where it comes from."""


def load_published() -> pd.DataFrame:
    """``id`` plus one label column per published model (``None`` where the model gave no usable answer)."""
    frame = pd.read_csv(isear_path("llm_zero_shot"), dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {name: [to_label(v) for v in frame[name]] for name in PUBLISHED}, index=frame["id"].astype(int), dtype=object
    )


def published_for(frame: pd.DataFrame) -> dict[str, list[str | None]] | None:
    """Published labels for the rows of ``frame`` (``id``, ``text``), or ``None`` if they are not ISEAR rows.

    Rows are matched by ``id`` and accepted only when their text equals the ISEAR text of that id,
    so a file that merely numbers its rows from 0 is never joined by mistake.
    """
    try:
        known = pd.concat([load_isear("train"), load_isear("dev")])
        known = known.set_axis(known["id"].astype(int)).loc[:, "text"]
        labels = load_published()
    except (FileNotFoundError, ValueError):
        return None
    ids = pd.to_numeric(frame["id"], errors="coerce")
    if ids.isna().any() or not ids.isin(known.index).all():
        return None
    if (known.loc[ids.astype(int)].to_numpy() != frame["text"].to_numpy()).any():
        return None
    return {name: [labels[name].get(int(i)) for i in ids] for name in PUBLISHED}
