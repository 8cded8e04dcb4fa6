"""ONNX Runtime path for the fine-tuned encoders: export once into the cache, optional int8 quantisation.

The exported file is keyed by the committed adapter's sha256, so a retrained adapter gets a new export.
Which graph is served is decided by a measurement (:mod:`emotion.training.served_graph`) stored on the
encoder's card (``onnx.served``), the first of these whose dev macro-F1 is at most 0.005 below the torch model's:

- ``int8-per-token``: each matrix product's input scaled token by token at run time
  (:mod:`emotion.graphs.per_token`), so a text's numbers are its own in any batch;
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
from collections.abc import Callable
from pathlib import Path

import numpy as np

from emotion.config import cache_dir
from emotion.graphs.per_token import quantize_per_token

CALIBRATION_FILE = "calibration.json"
"""Static int8's activation ranges, committed beside an encoder's adapter."""

EXPORT_GRAPHS = {
    "bert": "emotion.graphs.bert:ClsOnlyBert",
    "mpnet": "emotion.graphs.mpnet:ClsOnlyMPNet",
}
"""The lean export graph of each transformers ``model_type``."""

MAX_INT8_DROP = 0.005
QUANTIZATIONS = ("fp32", "int8-dynamic", "int8-static", "int8-per-token")
SERVABLE = ("int8-per-token", "int8-static")
"""Batch-independent int8 graphs in order of preference. Per-token int8 needs no calibration data and ran faster
than static int8 where both were within budget (``encoder-fast``, A/B on 4,000 texts: 1,103-1,163 against
1,026-1,056 texts/s; ONNX Runtime's static ``QLinearMatMul`` requantises every product's output)."""
STATIC_OPTIONS = {
    "per_channel": True,
    "extra_options": {"ActivationSymmetric": False, "MatMulConstBOnly": True},
    "op_types_to_quantize": ["MatMul"],
}
"""Static int8 as measured in ``bench/static_int8.py``: QDQ, per-channel int8 weights, uint8 activations with
min-max ranges, only the MatMuls with constant weights."""


@functools.cache
def graph_version() -> str:
    """A digest of the export graphs' and the quantiser's source: cached exports are named by it, so changed code
    re-exports."""
    import hashlib
    import importlib.util

    digest = hashlib.sha256()
    for module in sorted({target.split(":")[0] for target in EXPORT_GRAPHS.values()} | {"emotion.graphs.per_token"}):
        spec = importlib.util.find_spec(module)  # the source file, not an import (no torch)
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:8]


def batch_arrays(encodings: list) -> tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and ``attention_mask`` of tokenized texts, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def fast_tokenizer(base: str, max_length: int = 128):
    """The fast tokenizer of a base model folder, truncating, unpadded (batches pad in :func:`batch_arrays`)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


def cached_graph(name: str, build: Callable[[Path], object]) -> Path:
    """The graph ``name`` in the cache (``<cache>/onnx/<name>.onnx``), built by ``build(path)`` on first use.

    ``build`` writes to a temporary name that is renamed into place, so a crash never leaves a half-written graph
    and two processes exporting at once both end with a whole file. ``name`` should carry
    :func:`graph_version` and the digest of the weights, so changed code or weights re-export.
    """
    path = cache_dir() / "onnx" / f"{name}.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.onnx")
        build(tmp)
        tmp.replace(path)
    return path


def uses_contrib_ops(path: Path) -> bool:
    """Whether an ONNX file needs ONNX Runtime's own operators (domain ``com.microsoft``)."""
    import onnx

    return any(node.domain == "com.microsoft" for node in onnx.load(str(path), load_external_data=False).graph.node)


def _export_graph(module):
    """The lean export graph wrapping a merged transformers sequence classifier."""
    from emotion.config import resolve

    model_type = module.config.model_type
    if model_type not in EXPORT_GRAPHS:
        raise ValueError(f"no export graph for {model_type!r} models ({', '.join(EXPORT_GRAPHS)})")
    return resolve(EXPORT_GRAPHS[model_type])(module)


def quantize_static(
    fp32: Path, path: Path, calibration: Path, texts: list[str] | None = None, base: str | None = None
) -> None:
    """Static int8 with the activation ranges in ``calibration`` (measured first on ``texts``, tokenized with the
    tokenizer of ``base``, when given)."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantType
    from onnxruntime.quantization import quantize_static as ort_quantize_static

    reader = None
    if texts is not None:
        encodings = fast_tokenizer(base).encode_batch(texts)
        batches = [batch_arrays(encodings[i : i + 32]) for i in range(0, len(encodings), 32)]

        class Batches(CalibrationDataReader):
            def __init__(self) -> None:
                self.items = iter({"input_ids": ids, "attention_mask": mask} for ids, mask in batches)

            def get_next(self):
                return next(self.items, None)

        reader = Batches()
    elif not calibration.exists():
        raise FileNotFoundError(f"no activation ranges at {calibration} (python -m emotion train <encoder>)")
    ort_quantize_static(
        str(fp32),
        str(path),
        reader,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        calibration_cache_path=calibration,
        **STATIC_OPTIONS,
    )


def export_graph(module, tokenizer, path: Path, *, quantization: str = "fp32", calibration: Path | None = None) -> Path:
    """Write a merged transformers sequence classifier as ONNX with dynamic batch and sequence axes.

    The graph is the model type's entry in :data:`EXPORT_GRAPHS` (for example
    :class:`~emotion.graphs.bert.ClsOnlyBert`): the same logits with less work.

    Args:
        module: The transformers model (LoRA merged), in eval mode.
        tokenizer: Its transformers tokenizer (traces the example batch).
        path: Output file.
        quantization: One of :data:`QUANTIZATIONS`.
        calibration: Activation ranges for ``int8-static`` (``calibration.json`` of the artifact).
    """
    return export_module(
        _export_graph(module),
        tokenizer,
        path,
        outputs=("logits", "features"),
        quantization=quantization,
        calibration=calibration,
    )


def export_module(
    module,
    tokenizer,
    path: Path,
    *,
    outputs: tuple[str, ...],
    quantization: str = "fp32",
    calibration: Path | None = None,
) -> Path:
    """Write any torch module taking ``(input_ids, attention_mask)`` as ONNX with dynamic batch and sequence axes,
    then quantise it (:data:`QUANTIZATIONS`); each output's first axis is the batch."""
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}")
    quantize = quantization != "fp32"
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_suffix(".fp32.onnx") if quantize else path
    batch = tokenizer(["a short text", "a somewhat longer text to trace"], padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(
            module,
            (batch["input_ids"], batch["attention_mask"]),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=list(outputs),
            opset_version=17,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                **{name: {0: "batch"} for name in outputs},
            },
        )
    if quantization == "int8-dynamic":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
    elif quantization == "int8-per-token":
        quantize_per_token(fp32, path)
    elif quantization == "int8-static":
        quantize_static(fp32, path, calibration or Path("missing"))
    if quantize:
        fp32.unlink()
    return path
