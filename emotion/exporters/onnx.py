"""ONNX Runtime path for the fine-tuned encoders: export once into the cache, optional int8 quantisation.

The exported file is keyed by the committed adapter's sha256, so a retrained adapter gets a new export.
Which graph is served is decided by a measurement stored on the encoder's card (``onnx.served``), the
first of these whose dev macro-F1 is at most 0.005 below the torch model's:

- ``int8-per-token``: each matrix product's input scaled token by token at run time
  (:mod:`emotion.exporters.per_token`), so a text's numbers are its own in any batch;
- ``int8-static``: weights and activations int8, activation ranges calibrated once on ISEAR train texts
  and committed as ``calibration.json`` (ranges only, no text), so a text's answer never depends on its
  batch-mates either (MPNet's activation outliers do not survive its ranges);
- ``fp32``: the fallback.

``int8-dynamic`` (activations quantised per batch at run time) is measured for reference, never served: a
text's label can move with its batch-mates (2.25% of 400 dev labels did for ``encoder-fast``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from emotion import config
from emotion.artifacts import artifact_dir, read_card
from emotion.base import Classifier, Predictions, Progress, Status, map_batches
from emotion.config import cache_dir
from emotion.exporters.per_token import quantize_per_token
from emotion.labels import LABELS
from emotion.models.encoder import EncoderClassifier, FastEncoderClassifier, LargeEncoderClassifier
from emotion.models.torch_base import length_order

MAX_INT8_DROP = 0.005
CALIBRATION_FILE = "calibration.json"
QUANTIZATIONS = ("fp32", "int8-dynamic", "int8-static", "int8-per-token")
SERVABLE = ("int8-per-token", "int8-static")
"""Batch-independent int8 graphs in order of preference. Per-token int8 needs no calibration data and ran faster
than static int8 where both were within budget (``encoder-fast``, A/B on 4,000 texts: 1,103-1,163 against
1,026-1,056 texts/s; ONNX Runtime's static ``QLinearMatMul`` requantises every product's output)."""
EXPORT_GRAPHS = {
    "bert": "emotion.exporters.bert_graph:ClsOnlyBert",
    "mpnet": "emotion.exporters.mpnet_graph:ClsOnlyMPNet",
}
"""The lean export graph of each transformers ``model_type``."""


@functools.cache
def graph_version() -> str:
    """A digest of the export graphs' source: cached exports are named by it, so changed graph code re-exports."""
    import hashlib

    digest = hashlib.sha256()
    for target in sorted(EXPORT_GRAPHS.values()):
        module = __import__(target.split(":")[0], fromlist=["_"])
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:8]


STATIC_OPTIONS = {
    "per_channel": True,
    "extra_options": {"ActivationSymmetric": False, "MatMulConstBOnly": True},
    "op_types_to_quantize": ["MatMul"],
}
"""Static int8 as measured in ``bench/static_int8.py``: QDQ, per-channel int8 weights, uint8 activations with
min-max ranges, only the MatMuls with constant weights."""


def uses_contrib_ops(path: Path) -> bool:
    """Whether an ONNX file needs ONNX Runtime's own operators (domain ``com.microsoft``)."""
    import onnx

    return any(node.domain == "com.microsoft" for node in onnx.load(str(path), load_external_data=False).graph.node)


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


def _export_graph(model: EncoderClassifier):
    """The lean export graph wrapping ``model``'s merged transformers model."""
    model_type = model.model.config.model_type
    if model_type not in EXPORT_GRAPHS:
        raise ValueError(f"no export graph for {model_type!r} models ({', '.join(EXPORT_GRAPHS)})")
    module, attribute = EXPORT_GRAPHS[model_type].split(":")
    return getattr(__import__(module, fromlist=[attribute]), attribute)(model.model)


def _quantize_static(
    fp32: Path, path: Path, calibration: Path, texts: list[str] | None = None, base: str | None = None
) -> None:
    """Static int8 with the activation ranges in ``calibration`` (measured first on ``texts``, tokenized with the
    tokenizer of ``base``, when given)."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantType, quantize_static

    reader = None
    if texts is not None:
        encodings = _tokenizer(base).encode_batch(texts)
        batches = [_batch_arrays(encodings[i : i + 32]) for i in range(0, len(encodings), 32)]

        class Batches(CalibrationDataReader):
            def __init__(self) -> None:
                self.items = iter({"input_ids": ids, "attention_mask": mask} for ids, mask in batches)

            def get_next(self):
                return next(self.items, None)

        reader = Batches()
    elif not calibration.exists():
        raise FileNotFoundError(f"no activation ranges at {calibration} (python -m emotion train <encoder>)")
    quantize_static(
        str(fp32),
        str(path),
        reader,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        calibration_cache_path=calibration,
        **STATIC_OPTIONS,
    )


def export_encoder(
    model: EncoderClassifier, path: Path, quantization: str = "fp32", calibration: Path | None = None
) -> Path:
    """Write ``model`` (merged weights) as ONNX with dynamic batch and sequence axes.

    The graph is the model type's entry in :data:`EXPORT_GRAPHS` (for example
    :class:`~emotion.exporters.bert_graph.ClsOnlyBert`): the same logits with less work.

    Args:
        model: The encoder.
        path: Output file.
        quantization: One of :data:`QUANTIZATIONS`.
        calibration: Activation ranges for ``int8-static`` (``calibration.json`` of the artifact).
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}")
    quantize = quantization != "fp32"
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_suffix(".fp32.onnx") if quantize else path
    batch = model.tokenizer(["a short text", "a somewhat longer text to trace"], padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(
            _export_graph(model),
            (batch["input_ids"], batch["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
            },
        )
    if quantization == "int8-dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
    elif quantization == "int8-per-token":
        quantize_per_token(fp32, path)
    elif quantization == "int8-static":
        _quantize_static(fp32, path, calibration or Path("missing"))
    if quantize:
        fp32.unlink()
    return path


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
    torch_class = EncoderClassifier

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
        self.tokenizer = _tokenizer(base or self.torch_class.base_path(), max_length)
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
            export_encoder(cls.torch_class.load(folder), tmp, quantization, folder / CALIBRATION_FILE)
            tmp.replace(path)
        max_length = card.get("params", {}).get("max_length", 128)
        return cls(path, max_length=max_length)

    @classmethod
    def calibrate(cls, texts: list[str], folder: Path | None = None) -> Path:
        """Measure the activation ranges of the committed encoder on ``texts``; writes ``calibration.json``.

        Only the ranges (two numbers per quantised tensor) are written, never the texts.
        """
        import tempfile

        folder = folder or artifact_dir(cls.name)
        model = cls.torch_class.load(folder)  # before the old ranges go: the card still lists them
        calibration = folder / CALIBRATION_FILE
        calibration.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            fp32 = export_encoder(model, Path(tmp) / "fp32.onnx")
            _quantize_static(fp32, Path(tmp) / "static.onnx", calibration, texts, cls.torch_class.base_path())
        return calibration

    @classmethod
    def load(cls, folder: Path | None = None, members=None) -> OnnxEncoderClassifier:
        """The committed encoder on ONNX Runtime, the graph its card serves."""
        return cls.from_artifact(folder)

    @classmethod
    def artifact_status(cls) -> Status:
        """Ready when the torch model is (committed adapter, base weights)."""
        return cls.torch_class.artifact_status()

    def _batch(self, encodings: list) -> np.ndarray:
        ids, mask = _batch_arrays(encodings)
        logits = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        # Tokenize first and sort by token count: sorting by characters padded 25% more tokens.
        encodings = self.tokenizer.encode_batch(texts)
        order = length_order([len(e.ids) for e in encodings])
        batches = [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]
        proba = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        done = 0
        parts = map_batches(lambda b: self._batch([encodings[i] for i in b]), batches, self.threads)
        for idx, part in zip(batches, parts, strict=True):
            proba[idx] = part
            done += len(idx)
            if progress:
                progress(done, len(texts))
        return Predictions(proba)


class FastOnnxEncoderClassifier(OnnxEncoderClassifier):
    """The default encoder (:class:`~emotion.models.encoder.FastEncoderClassifier`) on ONNX Runtime."""

    name = "encoder-fast"
    expected_texts_per_s = 1_100.0
    description = "all-MiniLM-L6-v2, 4 of its 6 layers, distilled from encoder-large (LoRA), ONNX Runtime"
    torch_class = FastEncoderClassifier


class LargeOnnxEncoderClassifier(OnnxEncoderClassifier):
    """The most accurate encoder (:class:`~emotion.models.encoder.LargeEncoderClassifier`) on ONNX Runtime."""

    name = "encoder-large"
    expected_texts_per_s = 130.0
    description = "all-mpnet-base-v2 fine-tuned (LoRA), 109M params, ONNX Runtime"
    default_batch_size = 8
    """Per-token int8 on 2 cores, dev texts: 128-135 texts/s at 4, 8 or 12 a batch, 104 at 32 (``bench/README.md``)."""
    torch_class = LargeEncoderClassifier


ONNX_ENCODERS: dict[str, type[OnnxEncoderClassifier]] = {
    cls.name: cls for cls in (FastOnnxEncoderClassifier, OnnxEncoderClassifier, LargeOnnxEncoderClassifier)
}
"""The committed encoders by registry name; ``.torch_class`` gives each one's torch model."""


def choose_served_graph(name: str = "encoder", calibration_texts: int = 512, seed: int = 0) -> dict:
    """Measure a committed encoder on dev with torch and every ONNX graph; record the choice on its card.

    Static int8 needs activation ranges: they are measured on ``calibration_texts`` ISEAR train texts (drawn
    with ``seed``) and committed as ``calibration.json``. The served graph (``onnx.served``) is the first of
    :data:`SERVABLE` whose dev macro-F1 is at most :data:`MAX_INT8_DROP` below torch's (each answers a text the
    same whatever its batch-mates), else fp32. Dynamic int8 on batches is measured for reference only.
    """
    from emotion.artifacts import artifact_dir, read_card, update_card
    from emotion.data import file_sha256, load_isear
    from emotion.metrics import classification_metrics

    def dev_macro_f1(model) -> float:
        return round(classification_metrics(list(dev.label), model.predict(list(dev.text)))["macro_f1"], 4)

    onnx_class = ONNX_ENCODERS[name]
    folder = artifact_dir(name)
    texts = list(load_isear("train").text.sample(calibration_texts, random_state=seed))
    calibration = onnx_class.calibrate(texts, folder)
    card = read_card(folder, verify=False)
    files = {
        **card["files"],
        CALIBRATION_FILE: {"sha256": file_sha256(calibration), "bytes": calibration.stat().st_size},
    }
    update_card(folder, files=files)
    dev = load_isear("dev")
    scores = {"torch": dev_macro_f1(onnx_class.torch_class.load())}
    for quantization in QUANTIZATIONS:
        scores[quantization] = dev_macro_f1(onnx_class.from_artifact(quantization=quantization))
    drops = {q: round(scores["torch"] - scores[q], 4) for q in SERVABLE}
    served = next((q for q in SERVABLE if drops[q] <= MAX_INT8_DROP), "fp32")
    return update_card(
        folder,
        onnx={
            **{f"dev_macro_f1_{k.replace('-', '_')}": v for k, v in scores.items()},
            **{f"{q.replace('-', '_')}_drop": drop for q, drop in drops.items()},
            "served": served,
            "calibration": f"{calibration_texts} ISEAR train texts (seed {seed}), min-max ranges",
            "static_options": STATIC_OPTIONS,
            "rule": f"the first of {', '.join(SERVABLE)} whose drop is <= {MAX_INT8_DROP} is served (both answer a "
            "text the same whatever its batch), else fp32; int8-dynamic on batches measured only (its answers "
            "depend on the batch)",
        },
    )
