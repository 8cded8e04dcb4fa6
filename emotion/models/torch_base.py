"""Shared inference and saving for the torch models (encoder, seq2seq)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from emotion.classifier import Classifier, Predictions, Progress, split_outputs
from emotion.labels import LABELS

BASE_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def length_order(lengths: list[int]) -> np.ndarray:
    """Indices that sort texts by length, so each batch pads little."""
    return np.argsort(np.asarray(lengths), kind="stable")


class TorchClassifier(Classifier):
    """A classifier whose ``logits(texts)`` gives ``(n, 7)`` scores; batches sorted by length, softmax on top.

    Subclasses set ``self.model`` (a torch module, possibly peft-wrapped) and implement ``logits``.
    """

    model: torch.nn.Module
    base_id: str = BASE_MODEL_ID
    """The hub id of the base weights, recorded in the adapter's config."""
    adapter_half: bool = False
    """Store the adapter in float16 (half the bytes; loaded back into float32)."""
    adapter_files: tuple[str, ...] = ("adapter_config.json", "adapter_model.safetensors")
    outputs: int = len(LABELS)
    """Scores per text: the seven emotions, or eight with the "no emotion" output."""

    def logits(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        self.model.eval()
        order = length_order([len(t) for t in texts])
        proba = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        no_emotion = np.zeros(len(texts), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                logits = self.logits([texts[i] for i in idx])
                proba[idx], no_emotion[idx] = split_outputs(logits.numpy())
                if progress:
                    progress(min(start + batch_size, len(texts)), len(texts))
        return Predictions(proba, no_emotion=no_emotion if self.outputs > len(LABELS) else None)

    @classmethod
    def with_adapter(cls, folder: Path) -> TorchClassifier:
        """The committed model with a second adapter (a ``custom:NAME`` model's, in ``folder``) merged into its
        weights, in eval mode: what a custom model serves and exports."""
        from peft import PeftModel

        model = cls.load()
        model.model = PeftModel.from_pretrained(model.model, str(folder)).merge_and_unload().eval()
        return model

    def warm_start(self, folder: Path) -> TorchClassifier:
        """Start training from another adapter of the same architecture (``self`` is a trainable, peft-wrapped
        model): its LoRA weights and fully trained modules are loaded; where its head has fewer outputs (seven
        against eight), those rows are copied and the new "no emotion" row keeps its fresh initialisation.
        Returns ``self``.

        Args:
            folder: The adapter's folder (``adapter_model.safetensors``).
        """
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        state = {k: v.float() for k, v in load_file(Path(folder) / "adapter_model.safetensors").items()}
        own = {k.replace(".modules_to_save.default", ""): v for k, v in self.model.state_dict().items()}
        for key, value in state.items():
            target = own.get(key.replace(".weight", ".default.weight") if "lora_" in key else key)
            if target is not None and target.shape != value.shape and target.shape[1:] == value.shape[1:]:
                grown = target.clone()
                grown[: value.shape[0]] = value
                state[key] = grown
        result = set_peft_model_state_dict(self.model, state)
        if result.unexpected_keys:
            raise ValueError(f"{folder} does not fit this model: {result.unexpected_keys[:3]}")
        return self

    def save(self, folder: Path) -> list[str]:
        """Write the peft adapter (LoRA weights and fully trained modules); returns the file names."""
        folder.mkdir(parents=True, exist_ok=True)
        self.model.peft_config["default"].base_model_name_or_path = self.base_id
        self.model.save_pretrained(str(folder))
        (folder / "README.md").unlink(missing_ok=True)  # peft's empty model-card template; CARD.md is ours
        if self.adapter_half:
            from safetensors.torch import load_file, save_file

            path = folder / "adapter_model.safetensors"
            save_file({k: v.half().contiguous() for k, v in load_file(path).items()}, path)
        return list(self.adapter_files)
