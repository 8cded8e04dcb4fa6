"""The fine-tuned encoders served by ONNX Runtime: the graph their card names, exported into the cache on first use.

Serving imports no torch: only a missing cached graph calls :func:`emotion.graphs.onnx.export_graph`, which
loads the torch model once to write it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emotion import config
from emotion.artifacts import artifact_dir, read_card
from emotion.classifier import Classifier, Predictions, Progress, map_batches, split_outputs
from emotion.graphs.onnx import CALIBRATION_FILE, batch_arrays, cached_graph, fast_tokenizer, graph_version
from emotion.labels import LABELS
from emotion.pretrained import LazyClass, minilm_path, mpnet_path, mpnet_problem


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
        self.tokenizer = fast_tokenizer(base or self.base_path(), max_length)
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

        def build(tmp: Path) -> None:  # torch, only when the cache lacks this graph
            from emotion.graphs.onnx import export_graph

            model = cls.torch_class.load(folder)
            export_graph(
                model.model, model.tokenizer, tmp, quantization=quantization, calibration=folder / CALIBRATION_FILE
            )

        path = cached_graph(f"{cls.name}-{digest}-g{graph_version()}-{tag}", build)
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

    def _batch(self, encodings: list, features: bool) -> tuple[np.ndarray, ...]:
        ids, mask = batch_arrays(encodings)
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
