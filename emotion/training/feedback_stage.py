"""The third stage: a two-domain encoder continued on customer feedback (:mod:`emotion.training.feedback_data`) with
ISEAR and GoEmotions kept in the mix, then served as the weight mix with its starting point that keeps ISEAR dev
within noise (:func:`emotion.training.two_domain_stage.choose_mix`).

What each row learns:
- ISEAR rows: gold, distilled from the starting model's own answers mixed with the published LLM answers (learning
  without forgetting, as in the second stage); GoEmotions rows: their gold labels;
- complaints: the teacher's probabilities over the six other emotions (joy taken out, renormalised), and the most
  likely of them as the hard target: the set says a complaint is negative, not which emotion it shows;
- praise: joy; plain requests: "no emotion";
- a message to a company judged not a complaint: joy or "no emotion", whichever the starting model finds more likely
  (:func:`not_complaint_targets`).

Epochs are chosen by the mean of ISEAR dev, GoEmotions dev and the feedback dev score (:func:`feedback_scores`).

Run: ``python -m emotion train encoder-fast`` runs the whole chain (:func:`train_fast_encoder`); this stage alone,
from the committed ``data/encoder-fast-two-domains``: ``python -m emotion.training.feedback_stage [--seed 0]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from emotion.artifacts import artifact_dir
from emotion.config import cache_dir
from emotion.io.datasets import load_isear
from emotion.labels import LABEL_INDEX, LABELS, NO_EMOTION
from emotion.training.data import dev_sets, mixed_training_data, scores
from emotion.training.feedback_data import COMPLAINT, NOT_COMPLAINT, PLAIN, PRAISE, load_feedback

STARTS = {"encoder-fast": "encoder-fast-two-domains"}
"""Each model's starting point for this stage: its second-stage adapter, kept under ``data/``."""

TEACHER = "encoder-large"
"""Who says which negative emotion a complaint shows (the strongest single local model)."""


def negative_targets(proba: np.ndarray) -> np.ndarray:
    """A teacher's seven-emotion probabilities with joy set to 0 and the rest renormalised."""
    proba = np.asarray(proba, dtype=float).copy()
    proba[:, LABEL_INDEX["joy"]] = 0.0
    return proba / proba.sum(axis=1, keepdims=True).clip(1e-12)


def not_complaint_targets(model, texts: list[str]) -> list[str]:
    """Joy or :data:`~emotion.labels.NO_EMOTION` for each text, whichever ``model`` (with an eighth output) finds
    more likely: what a message judged "not a complaint" learns."""
    result = model.classify(texts, batch_size=128)
    joy = result.raw[:, LABEL_INDEX["joy"]] * (1 - result.no_emotion)
    return ["joy" if j > n else NO_EMOTION for j, n in zip(joy, result.no_emotion, strict=True)]


def feedback_scores(model, dev: pd.DataFrame) -> dict[str, float]:
    """Complaints and praise whose top emotion is joy, and the AUC of ``P(no emotion)`` for plain requests against
    complaints and praise; ``feedback`` is the mean of joy's balanced accuracy and that AUC. Rows judged only "not a
    complaint" count in neither."""
    result = model.classify(list(dev["text"]), batch_size=128)
    top = np.array(LABELS)[np.argmax(result.raw, axis=1)]
    kind = dev["kind"].to_numpy()
    out = {
        "complaints_joy": float(np.mean(top[kind == COMPLAINT] == "joy")),
        "praise_joy": float(np.mean(top[kind == PRAISE] == "joy")),
    }
    balanced = (1 - out["complaints_joy"] + out["praise_joy"]) / 2
    if result.no_emotion is not None:
        rated = kind != NOT_COMPLAINT
        out["plain_auc"] = float(roc_auc_score(kind[rated] == PLAIN, result.no_emotion[rated]))
        out["feedback"] = (balanced + out["plain_auc"]) / 2
    else:
        out["feedback"] = balanced
    return out


def all_scores(model, sets: dict, feedback_dev: pd.DataFrame) -> dict[str, float]:
    """Both domains' dev figures (:func:`emotion.training.data.scores`), the feedback ones, and their ``mean``."""
    figures = scores(model, sets)
    figures.update(feedback_scores(model, feedback_dev))
    figures["mean"] = (figures["isear"] + figures["goemotions"] + figures["feedback"]) / 3
    return figures


def _teacher_on(texts: list[str]) -> np.ndarray:
    from emotion import registry

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]  # other texts never reuse these answers
    store = cache_dir() / "feedback" / f"{TEACHER}-complaints-{digest}.npy"
    if store.exists():
        return np.load(store)
    proba = registry.load(TEACHER).classify(texts, batch_size=32).raw
    store.parent.mkdir(parents=True, exist_ok=True)
    np.save(store, proba)
    return proba


def fit_feedback_encoder(
    folder,
    name: str = "encoder-fast",
    epochs: int = 2,
    seed: int = 0,
    lr: float = 3e-4,
    neutral: int = 5000,
    distill_weight: float = 0.5,
    llm_weight: float = 0.3,
) -> dict:
    """Continue ``name``'s starting adapter (:data:`STARTS`) on the two domains plus customer feedback, keep the best
    epoch by :func:`all_scores`'s mean, save to ``folder`` with ``run.json``; returns the run's figures."""
    from emotion.models.encoder import EncoderClassifier
    from emotion.training import loop
    from emotion.training.distillation import isear_teacher
    from emotion.training.two_domain_stage import EpochScores, record_run

    folder = Path(folder)
    start = STARTS[name]
    rank = json.loads((artifact_dir(start) / "adapter_config.json").read_text())["r"]
    layers = tuple(json.loads((artifact_dir(start) / "card.json").read_text())["params"]["layers"])
    model = EncoderClassifier.from_base(rank=rank, seed=seed, layers=layers, no_emotion=True)
    model.warm_start(artifact_dir(start))

    texts, targets = mixed_training_data(neutral, seed)
    isear_rows = len(load_isear("train"))
    soft = isear_teacher(start, llm_weight, [texts[:isear_rows]], len(texts), loader=EncoderClassifier)
    feedback = load_feedback()
    train, dev = feedback[feedback["split"] == "train"], feedback[feedback["split"] == "dev"]
    complaints = train[train["kind"] == COMPLAINT]
    negative = negative_targets(_teacher_on(list(complaints["text"])))
    others = train[train["kind"] != COMPLAINT]
    unsure = list(others.loc[others["kind"] == NOT_COMPLAINT, "text"])
    undecided = dict(zip(unsure, not_complaint_targets(model, unsure), strict=True))
    texts += [*complaints["text"], *others["text"]]
    targets += [LABELS[i] for i in negative.argmax(axis=1)]
    fixed = {PRAISE: "joy", PLAIN: NO_EMOTION}
    targets += [fixed.get(kind) or undecided[text] for text, kind in zip(others["text"], others["kind"], strict=True)]
    soft = np.concatenate([soft, negative, np.full((len(others), len(LABELS)), np.nan)])

    sets = dev_sets()
    dev_score = EpochScores(lambda m: all_scores(m, sets, dev))

    args = loop.TrainArgs(epochs=epochs, lr=lr, seed=seed, distill_weight=distill_weight)
    result = loop.fit(
        model, (texts, targets), sets["isear"], args, soft, checkpoints=folder / "checkpoints", dev_score=dev_score
    )
    params = {
        "kind": "encoder",
        "rank": rank,
        "layers": list(layers),
        "large": False,
        "neutral": neutral,
        "broad": False,
        "teacher": start,
        "distill_weight": distill_weight,
        "llm_weight": llm_weight,
        "copies": 0,
        "init": start,
        "feedback": {
            "rows": {f"{kind}": int(n) for kind, n in train["kind"].value_counts().items()},
            "dev_rows": {f"{kind}": int(n) for kind, n in dev["kind"].value_counts().items()},
            "complaint_teacher": TEACHER,
            "sources": sorted(train["source"].unique().tolist()),
        },
        **dataclasses.asdict(args),
    }
    return record_run(result, model, folder, dev_score.seen, len(texts), params)


def soup(run: Path, other: Path, weight: float, note: str) -> Path:
    """A model soup: ``(1 - weight) * other + weight * run`` (:func:`~emotion.training.weight_averaging
    .interpolate_adapters`), both continued from the same start, scored on dev and recorded in its ``run.json``
    (``params["soup"]``, its dev figures under ``dev``) for :func:`~emotion.training.publishing.publish`.

    Args:
        run: The chosen mix of this stage's run (``choose_mix``'s folder).
        other: Another adapter continued from the same start (e.g. the model committed before).
        weight: This run's weight.
        note: What ``other`` is, for the card (where it was committed).
    """
    from emotion.artifacts import read_card, write_card
    from emotion.models.encoder import EncoderClassifier
    from emotion.training.weight_averaging import interpolate_adapters

    run, other = Path(run), Path(other)
    out = interpolate_adapters(other, run, weight, run.parent / f"soup-{weight:g}")
    record = json.loads((run / "run.json").read_text())
    write_card(
        out, record["files"], params={**read_card(run, verify=False).get("params", {}), "no_emotion_output": True}
    )
    dev = load_feedback().query("split == 'dev'")
    figures = {k: round(v, 4) for k, v in all_scores(EncoderClassifier.load(out), dev_sets(), dev).items()}
    other_sha = read_card(other, verify=False)["files"]["adapter_model.safetensors"]["sha256"]
    entry = {"weight": weight, "with": note, "with_adapter_sha256": other_sha, "dev": figures}
    (out / "run.json").write_text(json.dumps({**record, "params": {**record["params"], "soup": entry}}, indent=1))
    print(json.dumps(figures), flush=True)
    return out


def train_feedback_stage(
    name: str = "encoder-fast",
    seed: int = 0,
    epochs: int = 2,
    lr: float = 3e-4,
    soup_with: Path | None = None,
    soup_weight: float = 0.5,
    soup_note: str = "",
) -> dict:
    """This stage for a registered encoder: :func:`fit_feedback_encoder`, the weight mix with its start chosen on
    ISEAR dev, optionally a :func:`soup` with ``soup_with``, then published as ``data/<name>``; returns the card."""
    from emotion.artifacts import read_card
    from emotion.training.publishing import publish
    from emotion.training.two_domain_stage import choose_mix

    folder = cache_dir() / "runs" / f"{name}-feedback-seed{seed}"
    started = time.time()
    fit_feedback_encoder(folder, name, epochs=epochs, seed=seed, lr=lr)
    dev = load_feedback().query("split == 'dev'")
    mix = choose_mix(name, folder, start=STARTS[name], figures_of=lambda m, sets: all_scores(m, sets, dev))
    if soup_with:
        mix = soup(mix, soup_with, soup_weight, soup_note or str(soup_with))
    card = publish(mix, name)
    print(f"published {name} in {time.time() - started:.0f} s", flush=True)
    return card or read_card(artifact_dir(name))


def keep_start(name: str = "encoder-fast", replace: bool = False) -> Path:
    """Copy today's ``data/<name>`` (the second stage) to its :data:`STARTS` folder: once, or again with
    ``replace``."""
    target = artifact_dir(STARTS[name])
    if replace and target.exists():
        shutil.rmtree(target)
    if not target.exists():
        shutil.copytree(artifact_dir(name), target)
    return target


def train_fast_encoder(
    seed: int = 0, epochs: int = 3, lr: float = 5e-4, feedback_epochs: int = 2, feedback_lr: float = 3e-4
) -> dict:
    """``python -m emotion train encoder-fast``: the second stage
    (:func:`emotion.training.two_domain_stage.train_fast_encoder`), kept as ``data/encoder-fast-two-domains``, then
    this stage on top of it, published as ``data/encoder-fast``."""
    from emotion.training import two_domain_stage

    two_domain_stage.train_fast_encoder(seed, epochs, lr)
    keep_start("encoder-fast", replace=True)
    return train_feedback_stage("encoder-fast", seed, feedback_epochs, feedback_lr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="encoder-fast")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--fit-only", action="store_true", help="train into the cache, publish nothing")
    parser.add_argument(
        "--soup-with", type=Path, help="an adapter folder (with its card) continued from the same start"
    )
    parser.add_argument("--soup-weight", type=float, default=0.5, help="this run's weight in the soup")
    parser.add_argument("--soup-note", default="", help="what --soup-with is, for the card")
    args = parser.parse_args()
    keep_start(args.name)
    if args.fit_only:
        folder = cache_dir() / "runs" / f"{args.name}-feedback-seed{args.seed}"
        fit_feedback_encoder(folder, args.name, epochs=args.epochs, seed=args.seed, lr=args.lr)
    else:
        train_feedback_stage(
            args.name, args.seed, args.epochs, args.lr, args.soup_with, args.soup_weight, args.soup_note
        )


if __name__ == "__main__":
    main()
