"""The second stage: the ISEAR-only adapters continued on ISEAR and GoEmotions with an eighth "no emotion" output,
then served as the weight mix of the two stages that :func:`choose_mix` picks (WiSE-FT).

Epochs are chosen by the mean of ISEAR dev and GoEmotions dev macro-F1 (seven emotions,
:func:`emotion.training.data.scores`). The ``train_*`` functions here are the ones each model's spec names
(``python -m emotion train <model>``); ``fit_mixed_*`` train one run into a folder.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import torch

from emotion.artifacts import artifact_dir, read_card, write_card
from emotion.config import cache_dir
from emotion.io.datasets import load_isear
from emotion.training.augment import augmented_copies
from emotion.training.data import data_card, dev_sets, mixed_training_data, scores
from emotion.training.distillation import isear_teacher
from emotion.training.publishing import publish, record_no_emotion_scale


def fit_mixed_encoder(
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
    copies: int = 0,
    init: str | None = None,
) -> dict:
    """Fine-tune an encoder with eight outputs on :func:`mixed_training_data`, keep the best epoch by the mean dev
    macro-F1 of the two domains, save the adapter to ``folder``; returns the run's figures (the card is written by
    :func:`install`).

    Args:
        folder: Where the adapter goes.
        layers: MiniLM's layers kept (``None``: all).
        epochs, seed, lr: The recipe (see :class:`emotion.training.loop.TrainArgs`).
        neutral, broad: The data mix (:func:`mixed_training_data`).
        large: all-mpnet-base-v2 instead of MiniLM.
        teacher: A registered model (or an artifact folder under ``data/``) whose probabilities on the ISEAR
            training texts (mixed with the published LLM answers, ``llm_weight``) are distilled into the ISEAR rows;
            GoEmotions rows learn their gold labels only.
        distill_weight: Weight of the distillation loss.
        llm_weight: Share of the LLM answers in the teacher's targets.
        copies: Augmented copies of each ISEAR training text (:mod:`emotion.training.augment`), with its gold label
            and the teacher's probabilities on the copy (needs a teacher).
        init: An adapter folder under ``data/`` (same base and layers) to start from instead of the bare base
            (:meth:`~emotion.models.torch_base.TorchClassifier.warm_start`): training continues on both domains.
    """
    from emotion.models.encoder import EncoderClassifier, LargeEncoderClassifier

    cls = LargeEncoderClassifier if large else EncoderClassifier
    model = cls.from_base(seed=seed, layers=None if large else layers, no_emotion=True)
    params = {"kind": "encoder", "layers": list(layers) if layers and not large else None, "large": large}
    return _fit_mixed(
        model, folder, params, epochs, seed, lr, neutral, broad, teacher, distill_weight, llm_weight, copies, init
    )


def fit_mixed_seq2seq(
    folder,
    epochs: int = 3,
    seed: int = 0,
    lr: float = 5e-4,
    neutral: int = 5000,
    teacher: str | None = None,
    distill_weight: float = 0.5,
    llm_weight: float = 0.3,
    init: str | None = None,
) -> dict:
    """The MiniLM encoder-decoder scoring eight label words (the seven and ``neutral`` for "no emotion") on
    :func:`mixed_training_data`; the arguments are :func:`train_encoder`'s."""
    from emotion.models.seq2seq import Seq2SeqClassifier

    model = Seq2SeqClassifier.from_minilm(seed=seed, no_emotion=True)
    params = {"kind": "seq2seq", "decoder_layers": model.decoder_layers, "large": False, "layers": None}
    return _fit_mixed(
        model, folder, params, epochs, seed, lr, neutral, False, teacher, distill_weight, llm_weight, 0, init
    )


def _fit_mixed(
    model,
    folder,
    params: dict,
    epochs: int,
    seed: int,
    lr: float,
    neutral: int,
    broad: bool,
    teacher: str | None,
    distill_weight: float,
    llm_weight: float,
    copies: int,
    init: str | None,
) -> dict:
    """Train ``model`` (a trainable torch classifier with eight outputs) on the two domains; writes the adapter and
    ``run.json`` (figures and parameters) to ``folder``."""

    from emotion.artifacts import artifact_dir
    from emotion.training import loop

    folder = Path(folder)
    if init:
        model.warm_start(artifact_dir(init))
    texts, targets = mixed_training_data(neutral, seed, broad)
    isear = load_isear("train")
    views = [list(isear["text"]), *augmented_copies(list(isear["text"]), copies)]
    texts = [*(t for view in views[1:] for t in view), *texts]  # the copies first, then the mix (ISEAR first)
    targets = [*list(isear["label"]) * copies, *targets]
    sets = dev_sets()
    dev_score = EpochScores(lambda m: scores(m, sets))
    args = loop.TrainArgs(epochs=epochs, lr=lr, seed=seed)
    teacher_proba = None
    if copies and not teacher:
        raise ValueError("augmented copies need a teacher to label them")
    if teacher:
        teacher_proba = isear_teacher(teacher, llm_weight, views, len(texts), loader=type(model))
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
    params = {
        **params,
        "neutral": neutral,
        "broad": broad,
        "teacher": teacher,
        "distill_weight": distill_weight if teacher else 0.0,
        "llm_weight": llm_weight if teacher else 0.0,
        "copies": copies,
        "init": init,
        **dataclasses.asdict(args),
    }
    return record_run(result, model, folder, dev_score.seen, len(texts), params)


class EpochScores:
    """A run's ``dev_score`` for :func:`emotion.training.loop.fit`: ``figures_of(model)`` rounded, printed and kept
    (:attr:`seen`, one entry per epoch); the epoch's score is their ``mean``."""

    def __init__(self, figures_of) -> None:
        self.figures_of, self.seen = figures_of, []

    def __call__(self, model) -> float:
        figures = {k: round(v, 4) for k, v in self.figures_of(model).items()}
        self.seen.append(figures)
        print(json.dumps(figures), flush=True)
        return figures["mean"]


def record_run(result: dict, model, folder: Path, dev_by_epoch: list[dict], rows: int, params: dict) -> dict:
    """Save a finished run's adapter to ``folder`` and its figures (``result`` of :func:`emotion.training.loop.fit`,
    each epoch's dev figures, rows, threads and ``params``) to ``folder/run.json``; returns the record. A run resumed
    from its checkpoints keeps the figures its earlier epochs recorded there."""
    missing = len(result.get("history", [])) - len(dev_by_epoch)
    if missing > 0 and (folder / "run.json").exists():
        earlier = json.loads((folder / "run.json").read_text()).get("dev_by_epoch", [])
        dev_by_epoch = earlier[:missing] + list(dev_by_epoch)
    result.update(
        files=model.save(folder),
        threads=torch.get_num_threads(),
        family=model.family,
        dev_by_epoch=dev_by_epoch,
        rows=rows,
        params=params,
    )
    (folder / "run.json").write_text(json.dumps(result, indent=1))
    return result


def fit_mixed_tfidf(folder, grid: tuple[float, ...] = (3.0, 10.0, 30.0), neutral: int = 5000, seed: int = 0) -> dict:
    """The TF-IDF model on :func:`mixed_training_data` (eight classes), ``C`` chosen by the mean dev macro-F1 of
    the two domains; saved to ``folder``. Returns each ``C``'s dev figures and the one kept."""
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


ISEAR_ONLY = "{name}-isear-only"


MIX_ALPHAS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


def continue_training(name: str, train, seed: int = 0, epochs: int = 3, lr: float = 5e-4, **options) -> dict:
    """A model's second stage: start from its ISEAR-only adapter (:data:`ISEAR_ONLY`), train on both domains with the
    eighth output, mix the two adapters' weights (:func:`choose_mix`) and publish the mix as ``data/<name>``; returns
    the card.

    The ISEAR rows learn from the starting model's own answers on them, mixed with the published LLM answers
    (learning without forgetting, Li & Hoiem 2017). Checkpoints after every epoch (a killed run resumes).

    Args:
        name: The registered model.
        train: :func:`train_encoder` or :func:`train_seq2seq`.
        seed, epochs, lr: The recipe.
        **options: Passed to ``train`` (``layers`` for an encoder).
    """

    start = ISEAR_ONLY.format(name=name)
    folder = cache_dir() / "runs" / f"{name}-two-domains-seed{seed}"
    train(folder, epochs=epochs, seed=seed, lr=lr, teacher=start, init=start, **options)
    return publish(choose_mix(name, folder), name)


def choose_mix(
    name: str,
    continued,
    alphas: tuple[float, ...] = MIX_ALPHAS,
    start: str | None = None,
    figures_of=scores,
) -> Path:
    """The largest weight ``a`` of the continued adapter (:func:`~emotion.training.weight_averaging
    .interpolate_adapters`: ``(1 - a) * first stage + a * continued``) whose ISEAR dev macro-F1 is within noise of the
    first stage's: the paired bootstrap interval of the difference holds 0 (the issue's rule for ISEAR). The smallest
    weight tried is kept when none is. Each mix's dev figures are recorded in its ``run.json`` (``mix``).

    Args:
        name: The registered model (its first stage is :data:`ISEAR_ONLY`).
        continued: The continued run's folder (:func:`train_encoder` or :func:`train_seq2seq`).
        alphas: Weights tried, largest first.
        start: The artifact the continued run started from (default: the model's :data:`ISEAR_ONLY` first stage).
        figures_of: ``figures_of(model, dev_sets)``: the dev figures recorded for each mix.

    Returns:
        The chosen mix's folder (``continued/mix-<a>``), ready for :func:`publish`.
    """

    from emotion import registry
    from emotion.evaluation.metrics import paired_difference
    from emotion.training.weight_averaging import interpolate_adapters

    continued = Path(continued)
    run = json.loads((continued / "run.json").read_text())
    start = artifact_dir(start or ISEAR_ONLY.format(name=name))
    cls = registry.SPEC[name].torch_class()
    sets = dev_sets()
    texts, gold = sets["isear"]
    first = cls.load(start).predict(texts, batch_size=128)
    tried: list[dict] = []
    for alpha in alphas:
        mix = interpolate_adapters(start, continued, alpha, continued / f"mix-{alpha:g}")
        write_card(
            mix, run["files"], params={**read_card(start, verify=False).get("params", {}), "no_emotion_output": True}
        )
        model = cls.load(mix)
        figures = {k: round(v, 4) for k, v in figures_of(model, sets).items()}
        difference = paired_difference(gold, model.predict(texts, batch_size=128), first)
        tried.append(
            {
                "alpha": alpha,
                **figures,
                "isear_difference": round(difference["macro_f1_difference"], 4),
                "isear_interval": [round(x, 4) for x in difference["interval"]],
            }
        )
        print(json.dumps(tried[-1]), flush=True)
        if difference["within_noise"]:
            break
    chosen = tried[-1]
    params = {**run["params"], "mix_alpha": chosen["alpha"], "mix_alphas_tried": [t["alpha"] for t in tried]}
    (mix / "run.json").write_text(json.dumps({**run, "params": params, "mix": tried}, indent=1))
    return mix


def train_fast_encoder(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder-fast``: MiniLM's layers 0, 2, 3, 5 continued on both domains
    (:func:`continue_training`)."""
    return continue_training("encoder-fast", fit_mixed_encoder, seed, epochs, lr, layers=(0, 2, 3, 5))


def train_encoder(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder``: all six MiniLM layers continued on both domains."""
    return continue_training("encoder", fit_mixed_encoder, seed, epochs, lr, layers=None)


def train_large_encoder(seed: int = 0, epochs: int = 1, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder-large``: all-mpnet-base-v2 continued on both domains (one epoch: about 40
    minutes on 2 cores)."""
    return continue_training("encoder-large", fit_mixed_encoder, seed, epochs, lr, layers=None, large=True)


def train_seq2seq(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train seq2seq``: the encoder-decoder continued on both domains with an eighth word."""
    return continue_training("seq2seq", fit_mixed_seq2seq, seed, epochs, lr)


def train_tfidf(seed: int = 0, grid: tuple[float, ...] = (1.0, 3.0, 10.0)) -> dict:
    """``python -m emotion train tfidf``: :func:`fit_mixed_tfidf` into ``data/tfidf``, its card, the confidence
    calibration and the "no emotion" scaling; returns the card."""

    from emotion.models.tfidf import MODEL_FILE
    from emotion.training.publishing import calibrate_and_record

    started = time.time()
    folder = artifact_dir("tfidf")
    found = fit_mixed_tfidf(folder, grid, seed=seed)
    neutral = 5000
    write_card(
        folder,
        [MODEL_FILE],
        family="classical",
        data=data_card(broad=False),
        seed=seed,
        recipe="word 1-2-grams + char_wb 2-5-grams, sublinear TF-IDF (min_df=2), multinomial logistic regression "
        f"over eight classes (the seven emotions and 'no emotion'); data: ISEAR train, GoEmotions train comments with "
        f"one strictly mapped emotion and {neutral:,} of its only-neutral comments; C chosen from {list(grid)} by the "
        "mean of ISEAR and GoEmotions dev macro-F1",
        params={"C": found["C"], "neutral": neutral, "no_emotion_output": True},
        grid_dev={str(k): v for k, v in found["grid"].items()},
        training_seconds=round(time.time() - started),
        dev_metrics={
            "macro_f1": found["grid"][found["C"]]["isear"],
            "goemotions_macro_f1": found["grid"][found["C"]]["goemotions"],
            "no_emotion_auc": found["grid"][found["C"]].get("no_emotion_auc"),
        },
    )
    calibrate_and_record(["tfidf"])
    record_no_emotion_scale("tfidf")
    return read_card(folder)
