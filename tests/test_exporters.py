"""ONNX Runtime path of the encoder: same probabilities as torch, any batch shape, int8 close."""

import json

import numpy as np
import pytest

from emotion.artifacts import write_card
from emotion.data import file_sha256
from emotion.exporters.onnx import OnnxEncoderClassifier
from emotion.models.encoder import EncoderClassifier
from tests.test_models import check_contract


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
    for quantization in ("int8-dynamic", "int8-static"):
        if quantization == "int8-static":  # activation ranges from texts of the test's own, as `train` does with ISEAR
            calibration = OnnxEncoderClassifier.calibrate(sample[0] * 3, adapter)
            card = json.loads((adapter / "card.json").read_text())
            card["files"]["calibration.json"] = {"sha256": file_sha256(calibration), "bytes": 0}
            (adapter / "card.json").write_text(json.dumps(card))
        int8 = OnnxEncoderClassifier.from_artifact(adapter, quantization=quantization)
        assert "int8" in int8.onnx_path.name
        assert np.abs(int8.predict_proba(sample[0]) - fp32).max() < 0.1


@pytest.mark.parametrize("name", ["encoder-fast", "encoder"])
def test_served_encoders_answer_a_text_the_same_whatever_its_batch(name, sample):
    """Alone, in a batch, shuffled, and padded next to long texts: same label and confidence to 4 decimals."""
    from emotion import registry

    model = registry.load(name)
    texts = sample[0]
    long = [" ".join(["My whole week went wrong from the start and nobody would listen to me."] * 8)] * 3
    alone = np.stack([model.predict_proba([text])[0] for text in texts])
    together = model.predict_proba(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = model.predict_proba([texts[i] for i in order])[np.argsort(order)]
    padded = model.predict_proba([*long, *texts])[len(long) :]
    for other in (together, shuffled, padded):
        assert (other.argmax(axis=1) == alone.argmax(axis=1)).all()
        assert np.abs(other - alone).max() < 5e-5
