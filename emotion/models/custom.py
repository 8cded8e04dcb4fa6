"""Models adapted to a user's own labels: ``custom:NAME``, a committed encoder fine-tuned further on them.

The folder (under :func:`emotion.config.models_dir`) holds a small LoRA adapter trained on top of the base model's
merged weights (its recipe: :mod:`emotion.training.adapt`) and a card (base, data hash, rows, recipe, scores),
checked by sha256 like the built-in models (:func:`emotion.artifacts.read_card`). Served like the built-in encoders:
the merged weights are exported once into the cache as the base's ONNX graph, then run by ONNX Runtime.
"""

from __future__ import annotations

import re
from pathlib import Path

from emotion import config
from emotion.artifacts import ArtifactError, read_card
from emotion.classifier import Classifier, Predictions, Progress, Status

PREFIX = "custom:"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
"""A custom model's name: lower-case letters, digits, ``-`` and ``_``, at most 40 characters."""


def folder_of(name: str) -> Path:
    """Where ``custom:NAME`` (or bare ``NAME``) is stored: under :func:`emotion.config.models_dir`."""
    return config.models_dir() / name.removeprefix(PREFIX)


def saved_names() -> list[str]:
    """``custom:NAME`` for every stored custom model (a folder with a card), sorted."""
    root = config.models_dir()
    if not root.is_dir():
        return []
    return sorted(
        PREFIX + p.name for p in root.iterdir() if (p / "card.json").exists() and NAME_PATTERN.fullmatch(p.name)
    )


class CustomClassifier(Classifier):
    """``custom:NAME``: its base encoder fine-tuned on the user's labels, served by ONNX Runtime.

    Args:
        name: ``custom:NAME``.
        served: The exported model (an :class:`~emotion.models.onnx_encoder.OnnxEncoderClassifier`).
        base: The loaded base model (for its "no emotion" scaling and speed).
        card: The folder's card (shown by the pages).
    """

    family = "custom"

    def __init__(self, name: str, served: Classifier, base: Classifier, card: dict) -> None:
        self.name = name
        self.served = served
        self.card = card
        self.description = f"{card['base']} fine-tuned on {card['data']['rows']:,} of your labels"
        self.expected_texts_per_s = base.expected_texts_per_s
        self.default_batch_size = base.default_batch_size
        self.no_emotion_scale = base.no_emotion_scale

    @classmethod
    def status_of(cls, name: str) -> Status:
        """Ready when the folder has a card whose files match their sha256."""
        folder = folder_of(name)
        if not (folder / "card.json").exists():
            return Status(False, f"no custom model {name!r} in {config.models_dir()}: train it with `adapt`")
        try:
            read_card(folder)
        except ArtifactError as error:
            return Status(False, f"refused: {error}")
        return Status(True)

    @classmethod
    def open(cls, name: str, load_base) -> CustomClassifier:
        """Load ``custom:NAME``, its files checked against the card; ``load_base(name)`` loads the base model.

        The first load exports the merged weights into the cache (torch, a few seconds); later loads read the graph.

        Raises:
            ArtifactError: the folder is missing, or a file was changed or corrupted.
        """
        folder = folder_of(name)
        if not (folder / "card.json").exists():
            raise ArtifactError(
                f"no custom model {PREFIX + folder.name!r} in {config.models_dir()}: make it with "
                f"`python -m emotion adapt --data FILE --name {folder.name}` (or Train a model on the Bulk page)"
            )
        card = read_card(folder)
        base = load_base(card["base"])
        return cls(PREFIX + folder.name, _served(folder, card), base, card)

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        return self.served._classify(texts, batch_size, progress)

    @property
    def folder(self) -> Path:
        """Where this model's adapter and card live."""
        return folder_of(self.name)

    def merged(self):
        """The base's torch model with this model's adapter merged in (imports torch; for export)."""
        from emotion.models.onnx_encoder import ONNX_ENCODERS

        return ONNX_ENCODERS[self.card["base"]].torch_class.with_adapter(self.folder)


def _served(folder: Path, card: dict) -> Classifier:
    """The ONNX graph of the base's weights with this adapter merged, exported into the cache on first use."""
    from emotion.artifacts import artifact_dir
    from emotion.graphs.onnx import cached_graph, graph_version
    from emotion.models.onnx_encoder import ONNX_ENCODERS

    digest = card["files"]["adapter_model.safetensors"]["sha256"][:16]
    base_card = read_card(artifact_dir(card["base"]), verify=False)
    base_digest = base_card["files"]["adapter_model.safetensors"]["sha256"][:8]

    def build(tmp: Path) -> None:  # torch, only when the cache lacks this graph
        from emotion.graphs.onnx import export_graph

        merged = ONNX_ENCODERS[card["base"]].torch_class.with_adapter(folder)
        export_graph(merged.model, merged.tokenizer, tmp, quantization="int8-per-token")

    path = cached_graph(f"custom-{folder.name}-{digest}-{base_digest}-g{graph_version()}", build)
    return ONNX_ENCODERS[card["base"]](path, max_length=base_card.get("params", {}).get("max_length", 128))
