"""Full fine-tuning of all-mpnet-base-v2 against the committed LoRA recipe of ``encoder-large``.

Same data, trainer (:func:`emotion.training.loop.fit`), schedule, batch size, label smoothing and best-epoch rule as
``python -m emotion train encoder-large``; only every weight is trained, at a learning rate suited to that.
Prints the per-epoch dev macro-F1 and seconds as JSON. Writes nothing under ``data/``: full weights are 438 MB
and are rebuilt by this script, not committed. Checkpoints go to the cache, so a killed run resumes.

    python bench/full_finetune.py --epochs 3 --lr 2e-5 --seed 0
"""

from __future__ import annotations

import argparse
import json

import torch


def main() -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from emotion.config import cache_dir
    from emotion.io.datasets import load_isear
    from emotion.labels import LABELS
    from emotion.models.encoder import LargeEncoderClassifier
    from emotion.training import loop as trainer
    from emotion.training.loop import TrainArgs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    base = LargeEncoderClassifier.base_path()
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    classifier = LargeEncoderClassifier(model, AutoTokenizer.from_pretrained(base))
    train, dev = load_isear("train"), load_isear("dev")
    result = trainer.fit(
        classifier,
        (list(train.text), list(train.label)),
        (list(dev.text), list(dev.label)),
        TrainArgs(epochs=args.epochs, lr=args.lr, seed=args.seed, batch_size=32),
        checkpoints=cache_dir() / "checkpoints" / f"encoder-large-full-lr{args.lr}-seed{args.seed}",
    )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"recipe": "full fine-tuning", "trainable_params": trainable, **vars(args), **result}))


if __name__ == "__main__":
    main()
