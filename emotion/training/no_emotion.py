"""The "no clear emotion" detector's recipe: MiniLM (layers 0, 2, 3, 5) with LoRA and a two-way head, trained on
GoEmotions train comments whose only label is ``neutral`` against every other comment, with ISEAR train as
emotional. Measured on GoEmotions dev: the AUC of neutral against the seven-emotion comments; the threshold flags at
most 5% of those seven-emotion comments (:data:`FALSE_FLAGS`).

Run: ``python -m emotion.training.no_emotion [--epochs 1] [--seed 0]``; writes ``data/no-emotion/`` (adapter, card).
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np
import pandas as pd

from emotion.config import data_dir, goemotions_dir
from emotion.labels import LABELS

NAME = "no-emotion"
LAYERS = (0, 2, 3, 5)


def training_data(seed: int = 0) -> tuple[list[str], np.ndarray]:
    """GoEmotions train (1: only ``neutral``; 0: any other label) and ISEAR train (0), shuffled."""
    go = pd.read_csv(goemotions_dir() / "train.csv", dtype=str, keep_default_na=False)
    isear = pd.read_csv(data_dir() / "train.csv", dtype=str, keep_default_na=False)
    texts = [*go["text"], *isear["text"]]
    target = np.concatenate([(go["goemotions"] == "neutral").to_numpy(int), np.zeros(len(isear), int)])
    order = np.random.default_rng(seed).permutation(len(texts))
    return [texts[i] for i in order], target[order]


def dev_data() -> tuple[list[str], np.ndarray]:
    """GoEmotions dev: comments whose only label is ``neutral`` (1) or one of the seven emotions (0)."""
    dev = pd.read_csv(goemotions_dir() / "dev.csv", dtype=str, keep_default_na=False)
    dev = dev[dev["label"].isin([*LABELS, "neutral"])]
    return dev["text"].tolist(), (dev["label"] == "neutral").to_numpy(int)


def train(epochs: int = 1, seed: int = 0, lr: float = 1e-3, batch_size: int = 32, max_length: int = 64) -> dict:
    """Train, measure on GoEmotions dev, write ``data/no-emotion``; returns the card."""
    import torch
    from peft import LoraConfig, get_peft_model
    from sklearn.metrics import roc_auc_score
    from transformers import AutoTokenizer

    from emotion.artifacts import artifact_dir, write_card
    from emotion.models.encoder import LORA_TARGETS, load_base
    from emotion.pretrained import MINILM_SHA256, minilm_path

    torch.manual_seed(seed)
    random.seed(seed)
    base = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = load_base(base, list(LAYERS), num_labels=2)
    model = get_peft_model(
        model,
        LoraConfig(r=16, lora_alpha=32, lora_dropout=0.1, target_modules=LORA_TARGETS, modules_to_save=["classifier"]),
    )
    texts, target = training_data(seed)
    dev_texts, dev_target = dev_data()
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.06)
    began, step = time.time(), 0
    history = []
    for epoch in range(epochs):
        model.train()
        order = np.random.default_rng(seed + epoch).permutation(len(texts))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in idx], truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            )
            loss = torch.nn.functional.cross_entropy(model(**batch).logits, torch.tensor(target[idx]))
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - began:.0f} s", flush=True)
        proba = predict(model, tokenizer, dev_texts, max_length)
        auc = float(roc_auc_score(dev_target, proba))
        history.append(round(auc, 4))
        print(f"epoch {epoch + 1}: GoEmotions dev AUC {auc:.4f}", flush=True)
    proba = predict(model, tokenizer, dev_texts, max_length)
    threshold = best_threshold(proba, dev_target)
    folder = artifact_dir(NAME)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    card = {
        "task": "probability that a text shows none of the seven emotions",
        "data": {
            "train": "GoEmotions train (Demszky et al. 2020, Apache-2.0): only-neutral comments (1) against all others "
            "(0); ISEAR train (0)",
            "rows": len(texts),
            "dev": "GoEmotions dev: only-neutral comments against the seven-emotion comments",
        },
        "recipe": {
            "base": "all-MiniLM-L6-v2",
            "base_sha256": MINILM_SHA256,
            "layers": list(LAYERS),
            "lora_r": 16,
            "epochs": epochs,
            "lr": lr,
            "batch_size": batch_size,
            "max_length": max_length,
            "seed": seed,
        },
        "dev_auc": round(float(roc_auc_score(dev_target, proba)), 4),
        "dev_auc_by_epoch": history,
        "threshold": round(threshold, 4),
        "training_seconds": round(time.time() - began),
        "date": time.strftime("%Y-%m-%d"),
    }
    card = write_card(folder, ["adapter_config.json", "adapter_model.safetensors"], **card)
    print(json.dumps({k: card[k] for k in ("dev_auc", "threshold", "training_seconds")}), flush=True)
    return card


def predict(model, tokenizer, texts: list[str], max_length: int = 64, batch_size: int = 64) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            out.append(torch.softmax(model(**batch).logits, dim=-1)[:, 1].numpy())
    return np.concatenate(out)


FALSE_FLAGS = 0.05
"""The threshold flags at most this share of the seven-emotion dev comments: a flagged row is counted apart in
Insights, so an emotional row wrongly flagged costs more than a neutral one missed."""


def best_threshold(proba: np.ndarray, target: np.ndarray, false_flags: float = FALSE_FLAGS) -> float:
    """The lowest threshold that flags at most ``false_flags`` of the emotional dev comments (target 0)."""
    emotional = np.sort(proba[target == 0])
    return float(emotional[int(np.ceil(len(emotional) * (1 - false_flags))) - 1] + 1e-6)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    train(epochs=args.epochs, seed=args.seed)
