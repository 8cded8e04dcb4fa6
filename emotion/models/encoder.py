"""Fine-tuned transformer encoders: all-MiniLM-L6-v2 or all-mpnet-base-v2 with a LoRA adapter and a seven-way
(or eight-way, with "no emotion") head."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from emotion.artifacts import artifact_dir, read_card
from emotion.labels import LABELS, NO_EMOTION
from emotion.models.torch_base import TorchClassifier
from emotion.pretrained import MINILM_SHA256, minilm_path  # noqa: F401  (re-exported)

LORA_TARGETS = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]


def load_base(base: str, layers: int | Sequence[int] | None = None, **kwargs) -> torch.nn.Module:
    """``AutoModelForSequenceClassification.from_pretrained(base, **kwargs)`` with only some transformer layers.

    Args:
        base: Base model folder or hub id.
        layers: ``None``: all; an int: the first ``layers``; a list: those layers (0-based, in order).
    """
    from transformers import AutoModelForSequenceClassification

    if isinstance(layers, int):
        return AutoModelForSequenceClassification.from_pretrained(base, num_hidden_layers=layers, **kwargs)
    model = AutoModelForSequenceClassification.from_pretrained(base, **kwargs)
    if layers is not None:
        encoder = model.base_model.encoder
        encoder.layer = torch.nn.ModuleList([encoder.layer[i] for i in layers])
        model.config.num_hidden_layers = len(layers)
    return model


def card_outputs(card: dict) -> int:
    """How many scores the carded model gives: eight when it was trained with the "no emotion" output."""
    return len(LABELS) + bool(card.get("params", {}).get("no_emotion_output"))


class EncoderClassifier(TorchClassifier):
    """A sequence-classification encoder, optionally wrapped in a peft LoRA adapter for training.

    Args:
        model: An ``AutoModelForSequenceClassification`` with seven outputs in :data:`LABELS` order.
        tokenizer: Its tokenizer.
        max_length: Longer texts are truncated to this many tokens.
    """

    name = "encoder"
    expected_texts_per_s = 130.0  # torch; the served ONNX graph is faster
    family = "encoder"
    description = "all-MiniLM-L6-v2 fine-tuned (LoRA), 22.7M params"
    default_batch_size = 64
    lora_targets: tuple[str, ...] = tuple(LORA_TARGETS)
    """Linear layers that get LoRA matrices (their names differ between architectures)."""
    trained_modules: tuple[str, ...] = ("classifier", "pooler")
    """Modules trained in full and saved with the adapter."""

    @classmethod
    def base_path(cls) -> str:
        """Local folder of the base weights."""
        return minilm_path()

    def __init__(self, model: torch.nn.Module, tokenizer, max_length: int = 128) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.outputs = model.config.num_labels

    @classmethod
    def from_base(
        cls,
        base: str | None = None,
        rank: int = 16,
        seed: int = 0,
        layers: int | Sequence[int] | None = None,
        no_emotion: bool = False,
    ) -> EncoderClassifier:
        """A trainable model: base weights frozen, LoRA on every linear layer, head and pooler trained.

        Args:
            base: Base model folder or hub id (default: the packaged MiniLM).
            rank: LoRA rank.
            seed: Seeds the new weights.
            layers: Keep only the base model's first ``layers`` transformer layers, or those listed (0-based,
                in order); default: all.
            no_emotion: Add an eighth output, "no emotion" (:data:`emotion.labels.NO_EMOTION`).
        """
        from peft import LoraConfig, get_peft_model
        from transformers import AutoTokenizer

        base = base or cls.base_path()
        torch.manual_seed(seed)
        outputs = (*LABELS, NO_EMOTION) if no_emotion else LABELS
        model = load_base(
            base,
            layers,
            num_labels=len(outputs),
            id2label=dict(enumerate(outputs)),
            label2id={l: i for i, l in enumerate(outputs)},
        )
        config = LoraConfig(
            r=rank,
            lora_alpha=2 * rank,
            lora_dropout=0.1,
            target_modules=list(cls.lora_targets),
            modules_to_save=list(cls.trained_modules),
            task_type="SEQ_CLS",
        )
        return cls(get_peft_model(model, config), AutoTokenizer.from_pretrained(base))

    @classmethod
    def load(cls, folder: Path | None = None, members=None, base: str | None = None) -> EncoderClassifier:
        """Base weights plus the committed adapter, merged for inference."""
        from peft import PeftModel
        from transformers import AutoTokenizer

        folder = folder or artifact_dir(cls.name)
        card = read_card(folder)
        base = base or cls.base_path()
        layers = card.get("params", {}).get("layers")
        model = load_base(base, layers, num_labels=card_outputs(card))
        model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload().eval()
        return cls(model, AutoTokenizer.from_pretrained(base), max_length=card.get("params", {}).get("max_length", 128))

    def logits(self, texts: list[str]) -> torch.Tensor:
        """Raw ``(n, 7)`` (or ``(n, 8)``) scores for one batch (gradients flow when the model is in training mode)."""
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        return self.model(**batch).logits


class FastEncoderClassifier(EncoderClassifier):
    """The default encoder: 4 of MiniLM's 6 layers with a LoRA adapter and the "no emotion" output, first trained on
    ISEAR (distilled from ``encoder-large``), then continued on ISEAR and GoEmotions.

    Same interface and files as :class:`EncoderClassifier`, in ``data/encoder-fast``; its card says how it
    was trained and what it scores.
    """

    name = "encoder-fast"
    expected_texts_per_s = 190.0
    description = "all-MiniLM-L6-v2, 4 of its 6 layers (LoRA), ISEAR + GoEmotions"


class LargeEncoderClassifier(EncoderClassifier):
    """all-mpnet-base-v2 (109M parameters) with a LoRA adapter; the base is assembled from its five PyPI parts."""

    name = "encoder-large"
    expected_texts_per_s = 45.0
    description = "all-mpnet-base-v2 fine-tuned (LoRA), 109M params"
    default_batch_size = 32
    base_id = "sentence-transformers/all-mpnet-base-v2"
    lora_targets = ("q", "k", "v", "o", "intermediate.dense", "output.dense")
    trained_modules = ("classifier",)
    adapter_half = True

    @classmethod
    def base_path(cls) -> str:
        from emotion.pretrained import mpnet_path

        return str(mpnet_path())

    @classmethod
    def base_problem(cls) -> str | None:
        from emotion.pretrained import mpnet_problem

        return mpnet_problem()
