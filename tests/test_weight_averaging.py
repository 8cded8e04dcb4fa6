"""Weight-space interpolation of two LoRA adapters: exact at both ends, the merged weights' average between."""

import pytest
import torch

from emotion.artifacts import write_card
from emotion.models.encoder import EncoderClassifier
from emotion.training.weight_averaging import interpolate_adapters
from tests.test_models import train_steps


def _merged(folder):
    write_card(
        folder, ["adapter_config.json", "adapter_model.safetensors"], params={"layers": 2, "no_emotion_output": True}
    )
    return EncoderClassifier.load(folder).model.state_dict()


@pytest.fixture
def stages(tmp_path, sample):
    texts, labels = sample
    root = tmp_path
    start = EncoderClassifier.from_base(rank=4, seed=0, layers=2)
    train_steps(start, texts, labels, lr=1e-2, steps=3)
    start.save(root / "start")
    end = EncoderClassifier.from_base(rank=4, seed=1, layers=2, no_emotion=True).warm_start(root / "start")
    train_steps(end, texts, labels, lr=1e-2, steps=3)
    end.save(root / "end")
    return root


@pytest.mark.slow  # builds and merges two torch models
def test_the_ends_are_exact_and_the_middle_is_the_average_of_the_merged_weights(stages):
    end = _merged(stages / "end")
    grown = EncoderClassifier.from_base(rank=4, seed=1, layers=2, no_emotion=True).warm_start(stages / "start")
    grown.save(stages / "start-grown")  # the first stage with the end's "no emotion" row, to compare with
    start = _merged(stages / "start-grown")
    for alpha, expected in ((0.0, None), (1.0, end), (0.5, None)):
        mixed = _merged(interpolate_adapters(stages / "start", stages / "end", alpha, stages / f"mix-{alpha}"))
        for key, value in mixed.items():
            if "classifier" in key:
                continue  # the new row is the end's at every alpha: checked below
            want = expected[key] if expected is not None else (1 - alpha) * start[key] + alpha * end[key]
            assert torch.allclose(value, want, atol=1e-5), key
        head = mixed["classifier.weight"]
        assert torch.allclose(head[7], end["classifier.weight"][7], atol=1e-6)


def test_alpha_outside_the_segment_is_refused(stages):
    with pytest.raises(ValueError, match="alpha"):
        interpolate_adapters(stages / "start", stages / "end", 1.5, stages / "bad")
