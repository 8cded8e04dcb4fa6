"""The fine-tuned encoders served by ONNX Runtime: the graph their card names, exported into the cache on first use.

Serving imports no torch: only a missing cached graph calls the exporter (:mod:`emotion.exporters.onnx`), which
loads the torch model once to write it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from emotion import config
from emotion.artifacts import artifact_dir, read_card
from emotion.classifier import Classifier, Predictions, Progress, map_batches, split_outputs
from emotion.config import cache_dir
from emotion.labels import LABELS
from emotion.pretrained import LazyClass, minilm_path, mpnet_path, mpnet_problem

CALIBRATION_FILE = "calibration.json"

EXPORT_GRAPHS = {
    "bert": "emotion.exporters.bert_graph:ClsOnlyBert",
    "mpnet": "emotion.exporters.mpnet_graph:ClsOnlyMPNet",
}
"""The lean export graph of each transformers ``model_type``."""


@functools.cache
def graph_version() -> str:
    """A digest of the export graphs' source: cached exports are named by it, so changed graph code re-exports."""
    import hashlib
    import importlib.util

    digest = hashlib.sha256()
    for target in sorted(EXPORT_GRAPHS.values()):
        spec = importlib.util.find_spec(target.split(":")[0])  # the source file, not an import (no torch)
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:8]


def _batch_arrays(encodings: list) -> tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and ``attention_mask`` of tokenized texts, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def _tokenizer(base: str, max_length: int = 128):
    """The fast tokenizer of a base model folder, truncating, unpadded (batches pad in :func:`_batch_arrays`)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


class OnnxEncoderClassifier(Classifier):
    """The committed encoder run by ONNX Runtime (same labels and probabilities as the torch model).

    Args:
        onnx_path: The exported model.
        max_length: Longer texts are truncated to this many tokens.
        threads: Batches run at once, each on one ONNX Runtime thread (default:
            :func:`emotion.config.threads`). On 2 cores this ran 1.2-1.3 times faster than one batch at a
            time on 2 intra-op threads.
        base: The base model folder whose tokenizer the graph reads (default: the torch class's).
    """

    name = "encoder"
    expected_texts_per_s = 600.0
    family = "encoder"
    description = "all-MiniLM-L6-v2 fine-tuned (LoRA), ONNX Runtime"
    default_batch_size = 64
    torch_class = LazyClass("emotion.models.encoder:EncoderClassifier")

    def __init__(
        self,
        onnx_path: Path,
        max_length: int = 128,
        threads: int | None = None,
        base: str | None = None,
    ) -> None:
        import onnxruntime as ort

        self.threads = threads or config.threads()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = _tokenizer(base or self.base_path(), max_length)
        self.onnx_path = onnx_path

    @classmethod
    def from_artifact(cls, folder: Path | None = None, quantization: str | None = None) -> OnnxEncoderClassifier:
        """Export the committed encoder into the cache on first use, then load it.

        Args:
            folder: The encoder artifact (default ``data/encoder``).
            quantization: One of :data:`QUANTIZATIONS`; by default what the card's ``onnx.served`` says.
        """
        folder = folder or artifact_dir(cls.name)
        card = read_card(folder)
        quantization = quantization or card.get("onnx", {}).get("served", "fp32")
        digest = card["files"]["adapter_model.safetensors"]["sha256"][:16]
        tag = {"fp32": "fp32", "int8-dynamic": "int8", "int8-per-token": "int8t"}.get(quantization, "")
        if quantization == "int8-static":
            tag = f"int8s-{card['files'][CALIBRATION_FILE]['sha256'][:8]}"
        path = cache_dir() / "onnx" / f"{cls.name}-{digest}-g{graph_version()}-{tag}.onnx"
        if not path.exists():
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.onnx")
            from emotion.exporters.onnx import export_encoder  # torch, only when the cache lacks this graph

            export_encoder(cls.torch_class.load(folder), tmp, quantization, folder / CALIBRATION_FILE)
            tmp.replace(path)
        max_length = card.get("params", {}).get("max_length", 128)
        return cls(path, max_length=max_length)

    @classmethod
    def load(cls, folder: Path | None = None, members=None) -> OnnxEncoderClassifier:
        """The committed encoder on ONNX Runtime, the graph its card serves."""
        return cls.from_artifact(folder)

    @staticmethod
    def base_path() -> str:
        """Local folder of the base weights (the tokenizer's)."""
        return minilm_path()

    @property
    def outputs(self) -> int:
        """Scores per text: seven, or eight for a model trained with the "no emotion" output."""
        return int(self.session.get_outputs()[0].shape[-1])

    adaptable = True

    def export(self, output: Path) -> Path:
        """A transformers checkpoint with its model card and the served ONNX graph (:mod:`emotion.exporters.hub`)."""
        from emotion.exporters.hub import export_checkpoint  # torch, only when exporting

        return export_checkpoint(self.name, output)

    def _batch(self, encodings: list, features: bool) -> tuple[np.ndarray, ...]:
        ids, mask = _batch_arrays(encodings)
        wanted = ["logits", "features"] if features else ["logits"]
        out = self.session.run(wanted, {"input_ids": ids, "attention_mask": mask})
        return (*split_outputs(out[0]), *out[1:])

    def _run(
        self, texts: list[str], batch_size: int, progress: Progress | None, features: bool = False
    ) -> tuple[Predictions, np.ndarray | None]:
        # Tokenize first and sort by token count: sorting by characters padded 25% more tokens.
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        batches = [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]
        proba = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        no_emotion = np.zeros(len(texts), dtype=np.float32)
        found = None
        done = 0
        parts = map_batches(lambda b: self._batch([encodings[i] for i in b], features), batches, self.threads)
        for idx, part in zip(batches, parts, strict=True):
            proba[idx], no_emotion[idx] = part[0], part[1]
            if features:
                found = np.zeros((len(texts), part[2].shape[1]), dtype=np.float32) if found is None else found
                found[idx] = part[2]
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return Predictions(proba, no_emotion=no_emotion if self.outputs > len(LABELS) else None), found

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        return self._run(texts, batch_size, progress)[0]

    def encode(
        self, texts: list[str], batch_size: int | None = None, progress: Progress | None = None
    ) -> tuple[Predictions, np.ndarray]:
        """Raw predictions and the features the head reads (the exported graph's ``features`` output)."""
        return self._run(texts, batch_size or self.default_batch_size, progress, features=True)


class FastOnnxEncoderClassifier(OnnxEncoderClassifier):
    """The default encoder (:class:`~emotion.models.encoder.FastEncoderClassifier`) on ONNX Runtime."""

    name = "encoder-fast"
    expected_texts_per_s = 1_600.0
    default_batch_size = 16
    """6,000 ISEAR texts on 2 cores (per-token int8, two batches at once): 1,780-1,850 texts/s at 16 a batch,
    1,730 at 32, 1,490 at 64, 1,130 at 128: short batches sorted by length pad less."""
    description = "all-MiniLM-L6-v2, 4 of its 6 layers (LoRA), ISEAR + GoEmotions, ONNX Runtime"
    torch_class = LazyClass("emotion.models.encoder:FastEncoderClassifier")


class LargeOnnxEncoderClassifier(OnnxEncoderClassifier):
    """The most accurate encoder (:class:`~emotion.models.encoder.LargeEncoderClassifier`) on ONNX Runtime."""

    name = "encoder-large"
    expected_texts_per_s = 130.0
    description = "all-mpnet-base-v2 fine-tuned (LoRA), 109M params, ONNX Runtime"
    default_batch_size = 8
    """Per-token int8 on 2 cores, dev texts: 128-135 texts/s at 4, 8 or 12 a batch, 104 at 32 (``bench/README.md``)."""
    torch_class = LazyClass("emotion.models.encoder:LargeEncoderClassifier")

    @staticmethod
    def base_path() -> str:
        return str(mpnet_path())

    @classmethod
    def base_problem(cls) -> str | None:
        return mpnet_problem()


ONNX_ENCODERS: dict[str, type[OnnxEncoderClassifier]] = {
    cls.name: cls for cls in (FastOnnxEncoderClassifier, OnnxEncoderClassifier, LargeOnnxEncoderClassifier)
}
"""The committed encoders by registry name; ``.torch_class`` gives each one's torch model."""
