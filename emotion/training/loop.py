"""Training loop shared by the torch models (encoder, seq2seq): length-bucketed batches, best-epoch keep."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import f1_score
from tqdm.auto import tqdm

from emotion.labels import LABELS, OUTPUT_INDEX


@dataclass
class TrainArgs:
    """Recipe of a torch training run.

    Args:
        epochs: Passes over the training data.
        lr: Peak learning rate (linear warm-up over ``warmup`` of the steps, then linear decay).
        batch_size: Texts per step.
        label_smoothing: Cross-entropy label smoothing.
        weight_decay: AdamW weight decay.
        seed: Seeds Python, NumPy and torch.
        distill_weight: Weight of the distillation loss (0: gold labels only). With a teacher, the loss is
            ``(1 - w) * cross-entropy(gold) + w * T^2 * KL(teacher_T || student_T)`` (Hinton et al., 2015).
        temperature: ``T`` above; both distributions are softened by it.
    """

    epochs: int = 5
    lr: float = 1e-3
    batch_size: int = 32
    label_smoothing: float = 0.1
    weight_decay: float = 0.01
    warmup: float = 0.06
    seed: int = 0
    distill_weight: float = 0.0
    temperature: float = 2.0


def describe(args: TrainArgs) -> str:
    """The optimisation part of a recipe on a card, in words, from the arguments themselves."""
    return (
        f"AdamW lr {args.lr:g} (weight decay {args.weight_decay:g}), linear warm-up {args.warmup:.0%} then decay, "
        f"label smoothing {args.label_smoothing:g}, batch {args.batch_size}, length-bucketed batches, "
        f"{args.epochs} epochs, seed {args.seed}"
    )


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be resumed from (corrupted, or from another recipe)."""


CHECKPOINT = "last.pt"


def _recipe_key(args: TrainArgs) -> dict:
    return dataclasses.asdict(args)


def save_checkpoint(folder: Path, state: dict) -> Path:
    """Write ``state`` to ``folder/last.pt`` atomically, with its sha256 beside it (``last.pt.sha256``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINT
    partial = path.with_suffix(".partial")
    torch.save(state, partial)
    digest = hashlib.sha256(partial.read_bytes()).hexdigest()
    partial.replace(path)
    path.with_name(CHECKPOINT + ".sha256").write_text(digest + "\n")
    return path


def load_checkpoint(folder: Path, args: TrainArgs) -> dict | None:
    """The state saved after the last finished epoch, or ``None`` when there is none.

    Raises:
        CheckpointError: the file does not match its sha256 (a kill mid-write, a disk error), cannot be read,
            or was written by another recipe.
    """
    path = folder / CHECKPOINT
    if not path.exists():
        return None
    recorded = path.with_name(CHECKPOINT + ".sha256")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not recorded.exists() or recorded.read_text().strip() != digest:
        raise CheckpointError(
            f"checkpoint {path} does not match its sha256: refusing it (delete {folder} to start over)"
        )
    try:
        state = torch.load(path, weights_only=True)
    except Exception as error:
        raise CheckpointError(f"checkpoint {path} cannot be read: {error}".splitlines()[0]) from None
    if state.get("recipe") != _recipe_key(args):
        raise CheckpointError(f"checkpoint {path} was written by another recipe: delete {folder} to start over")
    return state


def _plain(state: tuple) -> list:
    """``random.Random.getstate()`` as nested lists (what ``torch.load(weights_only=True)`` reads back)."""
    return [list(part) if isinstance(part, tuple) else part for part in state]


def _rng_state(plain: list) -> tuple:
    return tuple(tuple(part) if isinstance(part, list) else part for part in plain)


def bucketed_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort within chunks of 50 batches by length, cut into batches, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def soft_targets(proba: np.ndarray, temperature: float) -> torch.Tensor:
    """A teacher's probabilities softened by ``temperature``: ``softmax(log(p) / T)``."""
    logits = torch.log(torch.as_tensor(proba, dtype=torch.float32).clamp_min(1e-8)) / temperature
    return torch.softmax(logits, dim=-1)


def _schedule(optimizer, args: TrainArgs, rows: int):
    """Linear warm-up over ``args.warmup`` of the steps, then linear decay to zero."""
    steps = args.epochs * math.ceil(rows / args.batch_size)
    warm = max(1, int(args.warmup * steps))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )


@dataclass
class _Loss:
    """Cross-entropy on the gold targets, mixed with distillation from ``soft`` teacher targets when given."""

    cross_entropy: torch.nn.Module
    targets: torch.Tensor
    soft: torch.Tensor | None
    args: TrainArgs

    def __call__(self, logits: torch.Tensor, batch: list[int]) -> torch.Tensor:
        loss = self.cross_entropy(logits, self.targets[batch])
        if self.soft is None:
            return loss
        args, soft = self.args, self.soft[batch]
        # the seven emotions only (a model with an eighth output); rows without a teacher (NaN) are skipped
        taught = ~torch.isnan(soft).any(dim=1)
        log_student = torch.log_softmax(logits[taught, : soft.shape[1]] / args.temperature, dim=-1)
        kl = torch.nn.functional.kl_div(log_student, soft[taught], reduction="sum") / len(batch)
        return (1 - args.distill_weight) * loss + args.distill_weight * args.temperature**2 * kl


def _state(trainable: dict, optimizer, schedule, rng: random.Random) -> dict:
    """What a checkpoint needs to resume: trainable weights, optimizer, schedule and random states."""
    return {
        "weights": {n: p.detach().clone() for n, p in trainable.items()},
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "rng": _plain(rng.getstate()),
        "torch_rng": torch.get_rng_state(),
    }


def _restore(saved: dict, trainable: dict, optimizer, schedule, rng: random.Random) -> None:
    """Put the state :func:`_state` saved back in place."""
    with torch.no_grad():
        for name, value in saved["weights"].items():
            trainable[name].copy_(value)
    optimizer.load_state_dict(saved["optimizer"])
    schedule.load_state_dict(saved["schedule"])
    rng.setstate(_rng_state(saved["rng"]))
    torch.set_rng_state(saved["torch_rng"])


def fit(
    model,
    train: tuple[list[str], list[str]],
    dev: tuple[list[str], list[str]],
    args: TrainArgs,
    teacher_proba: np.ndarray | None = None,
    checkpoints: Path | None = None,
    dev_score: Callable[[object], float] | None = None,
) -> dict:
    """Train ``model`` (an object with ``.model``, ``.logits(texts)`` and ``.predict``) in place.

    The trainable parameters are those with ``requires_grad``. After each epoch the dev macro-F1 is
    measured; the weights of the best epoch are restored at the end. With ``checkpoints``, the state after
    every epoch is saved there and a later call with the same recipe resumes after the last saved epoch
    (a killed run loses at most the epoch it was in).

    Args:
        model: The model to train.
        train: Training texts and gold labels.
        dev: Dev texts and labels, for choosing the best epoch.
        args: The recipe.
        teacher_proba: ``(len(train texts), 7)`` probabilities of a teacher in :data:`LABELS` order, used
            when ``args.distill_weight > 0``.
        checkpoints: A folder for per-epoch checkpoints (see :func:`load_checkpoint`).
        dev_score: ``dev_score(model)`` chooses the best epoch (default: macro-F1 on ``dev``); a model trained on
            two domains is scored on both.

    Returns:
        ``{"best_epoch", "dev_macro_f1", "history", "seconds"}``.
    """
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    texts, labels = train
    targets = torch.tensor([OUTPUT_INDEX[label] for label in labels])
    params = [p for p in model.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    schedule = _schedule(optimizer, args, len(texts))
    soft = None
    if args.distill_weight > 0:
        if teacher_proba is None or len(teacher_proba) != len(texts):
            raise ValueError("distill_weight > 0 needs teacher_proba with one row per training text")
        soft = soft_targets(teacher_proba, args.temperature)
    loss_of = _Loss(torch.nn.CrossEntropyLoss(label_smoothing=args.label_smoothing), targets, soft, args)
    best, best_state, started, first_epoch, history = -1.0, None, time.time(), 1, []
    trainable = {n: p for n, p in model.model.named_parameters() if p.requires_grad}
    resumed = load_checkpoint(checkpoints, args) if checkpoints else None
    if resumed is not None:
        _restore(resumed, trainable, optimizer, schedule, rng)
        history[:] = resumed["history"]
        best, best_state, first_epoch = resumed["best"], resumed["best_state"], resumed["epoch"] + 1
        started -= history[-1]["seconds"]
        print(f"resumed after epoch {resumed['epoch']} from {checkpoints}", flush=True)
    lengths = [len(t) for t in texts]
    for epoch in range(first_epoch, args.epochs + 1):
        model.model.train()
        batches = tqdm(bucketed_batches(lengths, args.batch_size, rng), desc=f"epoch {epoch}/{args.epochs}")
        for batch in batches:
            loss = loss_of(model.logits([texts[i] for i in batch]), batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            batches.set_postfix(loss=f"{loss.item():.3f}")
        if dev_score is None:
            score = f1_score(dev[1], model.predict(dev[0], batch_size=128), labels=list(LABELS), average="macro")
        else:
            score = dev_score(model)
        history.append(
            {"epoch": epoch, "dev_macro_f1": round(float(score), 4), "seconds": round(time.time() - started)}
        )
        print(f"epoch {epoch}: dev macro-F1 {score:.4f} ({time.time() - started:.0f} s)", flush=True)
        if score > best:
            best = score
            best_state = copy.deepcopy({n: p.detach().clone() for n, p in trainable.items()})
        if checkpoints:
            state = {"recipe": _recipe_key(args), "epoch": epoch, "history": list(history), "best": best}
            save_checkpoint(
                checkpoints, {**state, **_state(trainable, optimizer, schedule, rng), "best_state": best_state}
            )
    with torch.no_grad():
        named = dict(model.model.named_parameters())
        for name, value in best_state.items():
            named[name].copy_(value)
    model.model.eval()
    best_epoch = max(history, key=lambda h: h["dev_macro_f1"])["epoch"]
    return {
        "best_epoch": best_epoch,
        "dev_macro_f1": best,
        "history": history,
        "seconds": round(time.time() - started),
    }
