"""ONNX Runtime path of the encoder: same probabilities as torch, any batch shape, int8 (dynamic and static) close."""

import json
from dataclasses import replace

import numpy as np
import pytest

from emotion.artifacts import write_card
from emotion.io.files import file_sha256
from emotion.labels import LABELS, NO_EMOTION
from emotion.models.encoder import EncoderClassifier
from emotion.models.onnx_encoder import OnnxEncoderClassifier
from emotion.training.served_graph import measure_static_ranges
from tests.test_models import check_contract

pytestmark = pytest.mark.slow  # exports ONNX graphs and checkpoints


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("encoder")
    model = EncoderClassifier.from_base(rank=4, seed=1)
    for p in model.model.parameters():  # move the head away from its init so outputs differ per class
        if p.requires_grad:
            p.data += 0.05 * np.random.default_rng(0).standard_normal(p.shape).astype("float32")
    write_card(folder, model.save(folder), params={"max_length": 128})
    return folder


def test_onnx_matches_torch(adapter, cache_dir, sample):
    texts = [*sample[0], "word " * 400]
    torch_model = EncoderClassifier.load(adapter)
    onnx_model = OnnxEncoderClassifier.from_artifact(adapter, quantization="fp32")
    assert onnx_model.onnx_path.parent == cache_dir / "onnx"
    check_contract(onnx_model, sample[0])
    for batch_size in (1, 5, 64):
        assert np.allclose(
            onnx_model.predict_proba(texts, batch_size=batch_size), torch_model.predict_proba(texts), atol=1e-4
        )


def test_int8_is_close(adapter, cache_dir, sample):
    fp32 = OnnxEncoderClassifier.from_artifact(adapter, quantization="fp32").predict_proba(sample[0])
    for quantization in ("int8-dynamic", "int8-static", "int8-per-token"):
        if quantization == "int8-static":  # activation ranges from texts of the test's own, as `train` does with ISEAR
            calibration = measure_static_ranges(OnnxEncoderClassifier, sample[0] * 3, adapter)
            card = json.loads((adapter / "card.json").read_text())
            card["files"]["calibration.json"] = {"sha256": file_sha256(calibration), "bytes": 0}
            (adapter / "card.json").write_text(json.dumps(card))
        int8 = OnnxEncoderClassifier.from_artifact(adapter, quantization=quantization)
        assert "int8" in int8.onnx_path.name
        assert np.abs(int8.predict_proba(sample[0]) - fp32).max() < 0.1


def test_export_gives_a_checkpoint_the_transformers_pipeline_labels_with_the_emotions(tmp_path, sample):
    from transformers import pipeline

    from emotion import registry
    from emotion.cli import main

    out = tmp_path / "encoder-fast-export"
    assert main(["export", "encoder-fast", "--output", str(out)]) == 0
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= {p.name for p in out.iterdir()}
    assert (out / "onnx" / "model.onnx").stat().st_size > 1_000_000
    card = (out / "README.md").read_text()
    assert "pipeline_tag: text-classification" in card and "macro-F1" in card and "95%" in card
    assert "graph the dashboard serves (int8-per-token)" in card
    texts, _ = sample
    classify = pipeline("text-classification", model=str(out), device="cpu", top_k=None)
    scores = [{a["label"]: a["score"] for a in answer} for answer in classify(texts)]
    from emotion.exporters.hub import torch_class

    torch_model = torch_class("encoder-fast").load()  # the torch runtime of the same weights
    torch_model.calibration = replace(registry.calibration("encoder-fast"), confidence_knots=())  # temperature only
    expected = torch_model.classify(texts)
    assert set(scores[0]) <= {*LABELS, NO_EMOTION}  # the project's labels, not LABEL_0 … LABEL_7
    # the seven among themselves, as the package serves them (an eighth "no emotion" output is set apart)
    seven = [{label: s[label] / sum(s[k] for k in LABELS) for label in LABELS} for s in scores]
    assert [max(s, key=s.get) for s in seven] == expected.labels
    # the temperature is folded in: the pipeline's scores are the temperature-scaled confidences
    assert [max(s.values()) for s in seven] == pytest.approx(list(expected.confidence), abs=1e-4)
    import onnxruntime as ort

    served = registry.load("encoder-fast")  # the exported ONNX file answers as the dashboard does
    session = ort.InferenceSession(str(out / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    ids = served.tokenizer.encode(texts[0]).ids
    logits = session.run(["logits"], {"input_ids": np.array([ids]), "attention_mask": np.ones((1, len(ids)), "int64")})
    assert LABELS[int(logits[0][0, : len(LABELS)].argmax())] == served.predict([texts[0]])[0]
    assert main(["export", "tfidf", "--output", str(tmp_path / "x")]) == 2


def test_a_custom_model_exports_its_base_checkpoint_and_its_head(tmp_path, monkeypatch):
    from emotion.cli import main
    from emotion.training.adapt import AdaptArgs, AdaptJob, check_adapt_data
    from tests.test_adapt import rows

    monkeypatch.setenv("EMOTION_MODELS_DIR", str(tmp_path / "models"))
    AdaptJob("exported", check_adapt_data(*rows()), AdaptArgs(epochs=3)).run()
    out = tmp_path / "custom-export"
    assert main(["export", "custom:exported", "--output", str(out)]) == 0
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= {p.name for p in out.iterdir()}
    from transformers import pipeline

    answers = pipeline("text-classification", model=str(out), device="cpu")(
        ["So happy with the bank, I smiled all day."]
    )
    assert answers[0]["label"] in (*LABELS, NO_EMOTION)
