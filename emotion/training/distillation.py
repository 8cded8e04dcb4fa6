"""Teachers for distillation: another model's (or an out-of-fold ensemble's) probabilities on the training texts,
mixed with the published LLM answers, and the sentence a card uses to say so."""

from __future__ import annotations

import functools

import numpy as np

from emotion.artifacts import artifact_dir
from emotion.config import cache_dir
from emotion.io.datasets import isear_path, load_isear
from emotion.io.files import file_sha256
from emotion.labels import LABELS
from emotion.training.data import training_views
from emotion.training.loop import TrainArgs

OUT_OF_FOLD_TEACHER = "encoder-large (out-of-fold)"


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
            TrainArgs(epochs=epochs, lr=5e-4, seed=seed, batch_size=32),
            checkpoints=cache_dir() / "checkpoints" / f"{key}-{len(fit_rows)}-{int(held_rows[0])}",
        )
        return np.stack([model.classify([view[i] for i in held_rows]).raw for view in views], axis=1)

    return out_of_fold_proba(fit_predict, labels, folds, seed, store=cache_dir() / "oof" / f"{key}-views{1 + copies}")


def teacher_phrase(teacher: str) -> str:
    """How a teacher's targets were made, for the recipe on the card."""
    if teacher == OUT_OF_FOLD_TEACHER:
        return (
            "`encoder-large`'s out-of-fold probabilities on the training texts (its recipe refitted on 3 stratified "
            "folds, each row predicted by the fit on the other two"
        )
    return f"`{teacher}` (its probabilities on the training texts"


def distillation_phrase(teacher: str | None, args, llm_weight: float) -> str:
    """The recipe's words for a teacher and the LLM answers mixed into its targets (empty without a teacher)."""
    if not teacher:
        return ""
    return (
        f"; distilled from {teacher_phrase(teacher)}, temperature {args.temperature}, weight {args.distill_weight})"
        + (f"; the teacher's targets mixed with the published LLM answers (weight {llm_weight})" if llm_weight else "")
    )


@functools.cache
def teacher_raw(teacher: str, copies: int = 0) -> np.ndarray:
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


def isear_teacher(teacher: str, llm_weight: float, views: list[list[str]], rows: int, loader=None) -> np.ndarray:
    """``(rows, 7)`` soft targets: ``teacher``'s raw probabilities on the augmented copies of the ISEAR training
    texts and on the texts themselves (``views``: the texts, then each copy), mixed with the published LLM answers;
    in the training order (the copies, then the texts), NaN for the GoEmotions rows after them. A ``teacher`` that
    is not a registered model is an artifact folder under ``data/`` loaded by ``loader`` (a classifier class)."""
    from emotion import registry
    from emotion.training.data import llm_teacher_proba

    ids = list(load_isear("train")["id"])
    model = registry.load(teacher) if teacher in registry.SPECS else loader.load(artifact_dir(teacher))
    probas = []
    for view in [*views[1:], views[0]]:
        proba = model.classify(view).raw
        probas.append(llm_teacher_proba(ids, llm_weight, proba) if llm_weight else proba)
    taught = np.concatenate(probas)
    out = np.full((rows, len(LABELS)), np.nan)
    out[: len(taught)] = taught
    return out
