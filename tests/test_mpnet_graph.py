"""The export-only MPNet forward gives the transformers model's logits, in torch and exported to ONNX Runtime."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, MPNetConfig, MPNetForSequenceClassification

from emotion.graphs.mpnet import ClsOnlyMPNet
from emotion.graphs.onnx import export_graph, uses_contrib_ops
from emotion.pretrained import mpnet_path

LENGTHS = (3, 16, 17, 33, 65, 140)
"""Token counts around MPNet's relative-position bucket boundaries (8 exact buckets, then log-spaced to 128)."""


@pytest.fixture(scope="module")
def tiny() -> MPNetForSequenceClassification:
    """A small MPNet with the real vocabulary and random weights (no pretrained weights needed)."""
    torch.manual_seed(0)
    config = MPNetConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, num_labels=7)
    model = MPNetForSequenceClassification(config).eval()
    with torch.no_grad():
        model.mpnet.encoder.relative_attention_bias.weight.normal_(0, 1.0)  # make the position bias matter
    return model


def batch(lengths=LENGTHS, vocab: int = 30527) -> dict[str, torch.Tensor]:
    """Right-padded random token ids (padding id 1, as MPNet's tokenizer pads) and their mask."""
    generator = torch.Generator().manual_seed(1)
    width = max(lengths)
    ids = torch.ones((len(lengths), width), dtype=torch.long)
    mask = torch.zeros((len(lengths), width), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(3, vocab, (n,), generator=generator)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask}


def test_same_logits_as_transformers(tiny):
    inputs = batch()
    with torch.no_grad():
        expected = tiny(**inputs).logits
        got, _ = ClsOnlyMPNet(tiny)(inputs["input_ids"], inputs["attention_mask"])
    assert got.shape == (len(LENGTHS), 7)
    assert torch.allclose(got, expected, atol=1e-5)


def test_onnx_export_matches_torch_at_every_length(tiny, tmp_path):
    """The position-bias table is looked up, not recomputed: lengths unlike the traced one give the same logits."""
    import onnxruntime as ort

    path = export_graph(tiny, AutoTokenizer.from_pretrained(mpnet_path()), tmp_path / "m.onnx")
    assert uses_contrib_ops(path)  # attention is ONNX Runtime's fused MultiHeadAttention node
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for lengths in (LENGTHS, (140,), (2, 200)):
        inputs = batch(lengths)
        with torch.no_grad():
            expected = tiny(**inputs).logits.numpy()
        got = session.run(["logits"], {k: v.numpy() for k, v in inputs.items()})[0]
        assert np.abs(got - expected).max() < 1e-4
