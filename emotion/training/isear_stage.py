"""The first stage: each committed model trained on ISEAR alone (``data/<name>-isear-only``), with its card.

The second stage (:mod:`emotion.training.two_domain_stage`) continues these adapters on both domains.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from emotion.artifacts import artifact_dir, write_card
from emotion.config import cache_dir
from emotion.evaluation.metrics import classification_metrics
from emotion.io.datasets import load_isear
from emotion.training.data import MINILM_BASE, data_info, llm_teacher_proba, training_views
from emotion.training.distillation import OUT_OF_FOLD_TEACHER, distillation_phrase, teacher_raw
from emotion.training.loop import TrainArgs, describe

FAST_LAYERS = (0, 2, 3, 5)


def _dev_metrics(model, dev) -> dict:
    metrics = classification_metrics(list(dev.label), model.predict(list(dev.text)))
    return {k: round(metrics[k], 4) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")}


def train_isear_tfidf(seed: int = 0, grid: tuple[float, ...] = (3.0, 10.0, 30.0)) -> dict:
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
        data=data_info(),
        seed=seed,
        recipe="word 1-2-grams + char_wb 2-5-grams, sublinear TF-IDF (min_df=2), multinomial logistic regression; "
        "C chosen on dev from " + str(list(grid)),
        params={"C": best.C},
        grid_dev_macro_f1={str(k): v for k, v in tried.items()},
        training_seconds=round(time.time() - started),
        dev_metrics=_dev_metrics(best, dev),
    )


def _layers_phrase(layers: int | tuple[int, ...] | None) -> str:
    if layers is None:
        return ""
    if isinstance(layers, int):
        return f"; MiniLM's first {layers} layers only"
    return f"; MiniLM's layers {', '.join(map(str, layers))} only (of 0-5)"


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
        views = teacher_raw(teacher, copies)
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
        data=data_info(),
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


def train_isear_encoder(
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
    (:func:`emotion.training.two_domain_stage.train_encoder` is the second) and of ``encoder-fast``.

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
    args = TrainArgs(epochs=epochs, lr=lr, seed=seed, batch_size=batch_size)
    if teacher:
        args.distill_weight = distill_weight
    _train_torch(
        EncoderClassifier.from_base(rank=rank, seed=seed, layers=layers),
        name,
        args,
        f"LoRA r={rank} alpha={2 * rank} dropout 0.1 on all attention and feed-forward linears; pooler and "
        f"classifier trained fully; {describe(args)}, max 128 tokens, best epoch kept by dev macro-F1"
        + _layers_phrase(layers)
        + distillation_phrase(teacher, args, llm_weight)
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
    from emotion.training.served_graph import choose_served_graph

    return choose_served_graph(name)


def train_isear_large_encoder(
    epochs: int = 3,
    seed: int = 0,
    lr: float = 5e-4,
    rank: int = 16,
    batch_size: int = 32,
    name: str = "encoder-large-isear-only",
) -> dict:
    """Fine-tune all-mpnet-base-v2 with LoRA on ISEAR (best epoch on dev), write ``data/<name>``: the first stage of
    ``encoder-large`` (:func:`emotion.training.two_domain_stage.train_large_encoder` is the second).

    A checkpoint is kept after every epoch (in the cache); running the same command again after a kill
    resumes from it.
    """
    from emotion.models.encoder import LargeEncoderClassifier
    from emotion.pretrained import MPNET_PACKAGES, MPNET_SHA256

    args = TrainArgs(epochs=epochs, lr=lr, seed=seed, batch_size=batch_size)
    _train_torch(
        LargeEncoderClassifier.from_base(rank=rank, seed=seed),
        name,
        args,
        f"LoRA r={rank} alpha={2 * rank} dropout 0.1 on q, k, v, o and the feed-forward linears; classifier head "
        f"trained fully; {describe(args)}, max 128 tokens, best epoch kept by dev macro-F1",
        base={"model": LargeEncoderClassifier.base_id, "packages": MPNET_PACKAGES, "sha256": MPNET_SHA256},
    )
    from emotion.training.served_graph import choose_served_graph

    return choose_served_graph(name)


def train_isear_fast_encoder(
    epochs: int = 6,
    seed: int = 0,
    name: str = "encoder-fast-isear-only",
    teacher: str = OUT_OF_FOLD_TEACHER,
    llm_weight: float = 0.3,
    copies: int = 2,
    layers: tuple[int, ...] = FAST_LAYERS,
) -> dict:
    """The default encoder's first stage, ``data/encoder-fast-isear-only``: 4 of MiniLM's 6 layers distilled from
    ``encoder-large`` on ISEAR (:func:`emotion.training.two_domain_stage.train_fast_encoder` is the second stage).

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
    return train_isear_encoder(
        epochs=epochs, seed=seed, layers=layers, teacher=teacher, name=name, llm_weight=llm_weight, copies=copies
    )


def train_isear_seq2seq(
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
    the first stage of ``seq2seq`` (:func:`emotion.training.two_domain_stage.train_seq2seq` is the second).

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

    args = TrainArgs(epochs=epochs, lr=lr, seed=seed, batch_size=batch_size)
    if teacher:
        args.distill_weight = distill_weight
    return _train_torch(
        Seq2SeqClassifier.from_minilm(decoder_layers=decoder_layers, rank=rank, seed=seed),
        name,
        args,
        f"EncoderDecoderModel: MiniLM (6 layers) encoder, MiniLM's first {decoder_layers} layers as decoder with "
        f"new cross-attention; LoRA r={rank} on encoder and decoder linears, cross-attention and LM-head transform "
        "trained fully; loss: cross-entropy over the seven label-word log-likelihoods; "
        f"{describe(args)}, best epoch kept by dev macro-F1" + distillation_phrase(teacher, args, llm_weight),
        teacher=teacher,
        llm_weight=llm_weight,
        decoder_layers=decoder_layers,
    )
