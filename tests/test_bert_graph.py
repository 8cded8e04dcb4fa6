"""The export-only BERT forward gives the transformers model's logits."""

import pytest
import torch

from emotion.graphs.bert import ClsOnlyBert
from emotion.models.encoder import EncoderClassifier


@pytest.mark.parametrize("layers", [1, 3])
def test_same_logits_as_transformers(sample, layers):
    model = EncoderClassifier.from_base(rank=4, seed=2, layers=layers)
    merged = model.model.merge_and_unload().eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for p in merged.parameters():  # move every weight off its init so a wrong wiring shows
            p.add_(0.02 * torch.randn_like(p))
    batch = model.tokenizer([*sample[0], "ok"], padding=True, return_tensors="pt")  # padded rows included
    with torch.no_grad():
        expected = merged(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        got, _ = ClsOnlyBert(merged)(batch["input_ids"], batch["attention_mask"])
    assert got.shape == (len(sample[0]) + 1, 7)
    assert torch.allclose(got, expected, atol=1e-4)


def test_refuses_what_it_does_not_implement():
    model = EncoderClassifier.from_base(rank=4, seed=0, layers=1).model.merge_and_unload()
    model.config.hidden_act = "relu"
    with pytest.raises(ValueError, match="GELU"):
        ClsOnlyBert(model)
