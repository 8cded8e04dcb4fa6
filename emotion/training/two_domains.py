"""Training on two domains: ISEAR's self-reports and GoEmotions' Reddit comments, with an eighth "no emotion" output.

The data mix (:func:`mixed_training_data`):
- ISEAR train, gold labels;
- GoEmotions train comments whose only label maps strictly to one of the seven (``label`` column of its README);
- GoEmotions train comments whose only label is ``neutral``, as :data:`emotion.labels.NO_EMOTION` (a seeded sample);
- optionally (``broad=True``) comments whose labels all map to one emotion through :data:`BROAD_MAPPING`.

Epochs are chosen by :func:`dev_score`: the mean of ISEAR dev and GoEmotions dev macro-F1 (seven emotions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from emotion.config import goemotions_dir
from emotion.io.datasets import load_isear
from emotion.labels import LABELS, NO_EMOTION

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
"""GoEmotions labels read as one of the seven when ``broad=True`` (a modelling choice, measured on dev; the strict
mapping of the data's README is the first of each emotion's names)."""


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


def train_encoder(
    folder,
    layers: tuple[int, ...] | None = (0, 2, 3, 5),
    epochs: int = 5,
    seed: int = 0,
    lr: float = 1e-3,
    neutral: int = 5000,
    broad: bool = False,
    large: bool = False,
    teacher: str | None = None,
    distill_weight: float = 0.5,
    llm_weight: float = 0.3,
) -> dict:
    """Fine-tune an encoder with eight outputs on :func:`mixed_training_data`, keep the best epoch by
    :func:`dev_score`, save the adapter to ``folder``; returns the run's figures (the card is written by the caller).

    Args:
        folder: Where the adapter goes.
        layers: MiniLM's layers kept (``None``: all).
        epochs, seed, lr: The recipe (see :class:`emotion.training.loop.TrainArgs`).
        neutral, broad: The data mix (:func:`mixed_training_data`).
        large: all-mpnet-base-v2 instead of MiniLM.
        teacher: A registered model whose probabilities on the ISEAR training texts (mixed with the published LLM
            answers, ``llm_weight``) are distilled into the ISEAR rows; GoEmotions rows learn their gold labels only.
        distill_weight: Weight of the distillation loss.
        llm_weight: Share of the LLM answers in the teacher's targets.
    """
    import json
    from pathlib import Path

    from emotion.models.encoder import EncoderClassifier, LargeEncoderClassifier
    from emotion.training import loop

    folder = Path(folder)
    cls = LargeEncoderClassifier if large else EncoderClassifier
    model = cls.from_base(seed=seed, layers=None if large else layers, no_emotion=True)
    texts, targets = mixed_training_data(neutral, seed, broad)
    sets = dev_sets()
    epochs_seen: list[dict] = []

    def dev_score(m) -> float:
        figures = {k: round(v, 4) for k, v in scores(m, sets).items()}
        epochs_seen.append(figures)
        print(json.dumps(figures), flush=True)
        return figures["mean"]

    args = loop.TrainArgs(epochs=epochs, lr=lr, seed=seed)
    teacher_proba = None
    if teacher:
        teacher_proba = isear_teacher(teacher, llm_weight, len(texts))
        args.distill_weight = distill_weight
    result = loop.fit(
        model,
        (texts, targets),
        sets["isear"],
        args,
        teacher_proba,
        checkpoints=folder / "checkpoints",
        dev_score=dev_score,
    )
    model.save(folder)
    result["dev_by_epoch"] = epochs_seen
    result["rows"] = len(texts)
    (folder / "run.json").write_text(json.dumps(result, indent=1))
    return result


def isear_teacher(teacher: str, llm_weight: float, rows: int) -> np.ndarray:
    """``(rows, 7)`` soft targets: ``teacher``'s raw probabilities on the ISEAR training texts (the first rows of
    :func:`mixed_training_data`) mixed with the published LLM answers; NaN for the GoEmotions rows after them."""
    from emotion import registry
    from emotion.training.recipes import llm_teacher_proba

    isear = load_isear("train")
    proba = registry.load(teacher).classify(list(isear["text"])).raw
    if llm_weight:
        proba = llm_teacher_proba(list(isear["id"]), llm_weight, proba)
    out = np.full((rows, len(LABELS)), np.nan)
    out[: len(isear)] = proba
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--layers", default="0,2,3,5", help="comma-separated, or 'all'")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--neutral", type=int, default=5000)
    parser.add_argument("--broad", action="store_true")
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--teacher")
    a = parser.parse_args()
    layers = None if a.layers == "all" else tuple(int(x) for x in a.layers.split(","))
    train_encoder(a.folder, layers, a.epochs, a.seed, a.lr, a.neutral, a.broad, a.large, a.teacher)


def calibrate_no_emotion(name: str) -> dict:
    """Fit a registered model's "no emotion" scaling and threshold on GoEmotions dev and write them to its card
    (``no_emotion_calibration``); returns the entry."""
    from emotion import registry
    from emotion.artifacts import artifact_dir, update_card
    from emotion.confidence import NO_EMOTION_ENTRY
    from emotion.evaluation.calibration import fit_no_emotion_scale

    model = registry.load(name)
    model.no_emotion_scale = None  # raw probabilities
    dev = load_goemotions("dev")
    found = model.classify(list(dev["text"])).no_emotion
    if found is None:
        raise ValueError(f"{name} has no 'no emotion' output")
    scale = fit_no_emotion_scale(
        found, (dev["goemotions"] == "neutral").to_numpy(), dev["label"].isin(LABELS).to_numpy()
    )
    model.no_emotion_scale = scale
    update_card(artifact_dir(name), **{NO_EMOTION_ENTRY: scale.to_dict()})
    return scale.to_dict()


def train_tfidf(folder, grid: tuple[float, ...] = (3.0, 10.0, 30.0), neutral: int = 5000, seed: int = 0) -> dict:
    """The TF-IDF model on :func:`mixed_training_data` (eight classes), ``C`` chosen by the mean dev macro-F1 of
    the two domains; saved to ``folder``. Returns each ``C``'s dev figures and the one kept."""
    from pathlib import Path

    from emotion.models.tfidf import TfidfClassifier

    texts, targets = mixed_training_data(neutral, seed)
    sets = dev_sets()
    tried, best, best_model = {}, None, None
    for C in grid:
        model = TfidfClassifier(C=C).fit(texts, targets)
        tried[C] = {k: round(v, 4) for k, v in scores(model, sets).items()}
        print(f"C={C}: {tried[C]}", flush=True)
        if best is None or tried[C]["mean"] > tried[best]["mean"]:
            best, best_model = C, model
    best_model.save(Path(folder))
    return {"grid": tried, "C": best}
