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

from pathlib import Path

from emotion.artifacts import artifact_dir, read_card
from emotion.exporters.per_token import quantize_per_token
from emotion.models.encoder import EncoderClassifier
from emotion.models.onnx_encoder import (
    CALIBRATION_FILE,
    EXPORT_GRAPHS,
    ONNX_ENCODERS,
    OnnxEncoderClassifier,
    _batch_arrays,
    _tokenizer,
)

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


def uses_contrib_ops(path: Path) -> bool:
    """Whether an ONNX file needs ONNX Runtime's own operators (domain ``com.microsoft``)."""
    import onnx

    return any(node.domain == "com.microsoft" for node in onnx.load(str(path), load_external_data=False).graph.node)


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
            output_names=["logits", "features"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"},
                "features": {0: "batch"},
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


def measure_static_ranges(
    onnx_class: type[OnnxEncoderClassifier], texts: list[str], folder: Path | None = None
) -> Path:
    """Measure the activation ranges of the committed encoder on ``texts``; writes ``calibration.json``.

    Only the ranges (two numbers per quantised tensor) are written, never the texts.
    """
    import tempfile

    folder = folder or artifact_dir(onnx_class.name)
    model = onnx_class.torch_class.load(folder)  # before the old ranges go: the card still lists them
    calibration = folder / CALIBRATION_FILE
    calibration.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_encoder(model, Path(tmp) / "fp32.onnx")
        _quantize_static(fp32, Path(tmp) / "static.onnx", calibration, texts, onnx_class.torch_class.base_path())
    return calibration


def choose_served_graph(name: str = "encoder", calibration_texts: int = 512, seed: int = 0) -> dict:
    """Measure a committed encoder on dev with torch and every ONNX graph; record the choice on its card.

    Static int8 needs activation ranges: they are measured on ``calibration_texts`` ISEAR train texts (drawn
    with ``seed``) and committed as ``calibration.json``. The served graph (``onnx.served``) is the first of
    :data:`SERVABLE` whose dev macro-F1 is at most :data:`MAX_INT8_DROP` below torch's (each answers a text the
    same whatever its batch-mates), else fp32. Dynamic int8 on batches is measured for reference only.
    """
    from emotion.artifacts import update_card
    from emotion.evaluation.metrics import classification_metrics
    from emotion.io.datasets import load_isear
    from emotion.io.tables import file_sha256

    def dev_macro_f1(model) -> float:
        return round(classification_metrics(list(dev.label), model.predict(list(dev.text)))["macro_f1"], 4)

    onnx_class = ONNX_ENCODERS[name]
    folder = artifact_dir(name)
    texts = list(load_isear("train").text.sample(calibration_texts, random_state=seed))
    calibration = measure_static_ranges(onnx_class, texts, folder)
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
