"""Which ONNX graph an encoder serves: measured on dev with torch and every quantisation, recorded on its card.

The graphs themselves are built in :mod:`emotion.graphs.onnx`; this step of training chooses among them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from emotion.artifacts import artifact_dir, read_card, update_card
from emotion.evaluation.metrics import classification_metrics
from emotion.graphs.onnx import (
    CALIBRATION_FILE,
    MAX_INT8_DROP,
    QUANTIZATIONS,
    SERVABLE,
    STATIC_OPTIONS,
    export_graph,
    quantize_static,
)
from emotion.io.datasets import load_isear
from emotion.io.files import file_sha256
from emotion.models.onnx_encoder import ONNX_ENCODERS, OnnxEncoderClassifier
from emotion.training.data import dev_sets

DOMAINS = ("isear", "goemotions")
"""The dev sets a served graph is chosen on (:func:`emotion.training.data.dev_sets`)."""


def measure_static_ranges(
    onnx_class: type[OnnxEncoderClassifier], texts: list[str], folder: Path | None = None
) -> Path:
    """Measure the activation ranges of the committed encoder on ``texts``; writes ``calibration.json``.

    Only the ranges (two numbers per quantised tensor) are written, never the texts.
    """
    folder = folder or artifact_dir(onnx_class.name)
    model = onnx_class.torch_class.load(folder)  # before the old ranges go: the card still lists them
    calibration = folder / CALIBRATION_FILE
    calibration.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_graph(model.model, model.tokenizer, Path(tmp) / "fp32.onnx")
        quantize_static(fp32, Path(tmp) / "static.onnx", calibration, texts, onnx_class.torch_class.base_path())
    return calibration


def choose_served_graph(name: str = "encoder", calibration_texts: int = 512, seed: int = 0) -> dict:
    """Measure a committed encoder on dev with torch and every ONNX graph; record the choice on its card.

    Static int8 needs activation ranges: they are measured on ``calibration_texts`` ISEAR train texts (drawn
    with ``seed``) and committed as ``calibration.json``. The served graph (``onnx.served``) is the first of
    :data:`SERVABLE` whose dev macro-F1, averaged over ISEAR dev and GoEmotions dev (the domains every model is
    scored on), is at most :data:`MAX_INT8_DROP` below torch's (each answers a text the same whatever its
    batch-mates), else fp32. Until 2026-12-07 the rule read ISEAR dev alone. Dynamic int8 on batches is measured
    for reference only.
    """

    def dev_macro_f1(model, domain: str) -> float:
        texts, gold = sets[domain]
        return round(classification_metrics(gold, model.predict(texts))["macro_f1"], 4)

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
    sets = dev_sets()
    graphs = {"torch": onnx_class.torch_class.load()}
    graphs |= {q: onnx_class.from_artifact(quantization=q) for q in QUANTIZATIONS}
    scores = {domain: {k: dev_macro_f1(m, domain) for k, m in graphs.items()} for domain in DOMAINS}
    drops = {q: round(sum(scores[d]["torch"] - scores[d][q] for d in DOMAINS) / len(DOMAINS), 4) for q in SERVABLE}
    served = next((q for q in SERVABLE if drops[q] <= MAX_INT8_DROP), "fp32")
    return update_card(
        folder,
        onnx={
            **{f"dev_macro_f1_{k.replace('-', '_')}": v for k, v in scores["isear"].items()},
            **{f"goemotions_dev_macro_f1_{k.replace('-', '_')}": v for k, v in scores["goemotions"].items()},
            **{f"{q.replace('-', '_')}_drop": drop for q, drop in drops.items()},
            "served": served,
            "calibration": f"{calibration_texts} ISEAR train texts (seed {seed}), min-max ranges",
            "static_options": STATIC_OPTIONS,
            "rule": f"the first of {', '.join(SERVABLE)} whose drop in dev macro-F1, averaged over ISEAR dev and "
            f"GoEmotions dev, is <= {MAX_INT8_DROP} is served (both answer a text the same whatever its batch), "
            "else fp32; int8-dynamic on batches measured only (its answers depend on the batch)",
        },
    )
