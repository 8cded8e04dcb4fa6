"""The shared training loop: best epoch kept, and distillation from a teacher's probabilities."""

import numpy as np
import pytest
import torch

from emotion.labels import LABEL_INDEX, LABELS
from emotion.trainer import TrainArgs, fit, soft_targets


def test_soft_targets_keep_the_teacher_at_t1_and_flatten_above():
    proba = np.array([[0.7, 0.1, 0.05, 0.05, 0.05, 0.03, 0.02]])
    assert torch.allclose(soft_targets(proba, 1.0), torch.tensor(proba, dtype=torch.float32), atol=1e-6)
    softened = soft_targets(proba, 3.0)[0]
    assert softened.sum().item() == pytest.approx(1.0)
    assert softened.argmax().item() == 0 and softened[0] < 0.7 and softened[-1] > 0.02


def test_distillation_pulls_the_student_to_the_teacher(sample):
    from emotion.models.encoder import EncoderClassifier

    texts, labels = sample
    teacher = np.full((len(texts), len(LABELS)), 0.01)
    teacher[:, LABEL_INDEX["joy"]] = 1 - 0.01 * (len(LABELS) - 1)  # a teacher that always says joy
    student = EncoderClassifier.from_base(rank=4, seed=0, layers=2)
    args = TrainArgs(epochs=2, lr=1e-2, batch_size=8, distill_weight=1.0, temperature=1.0)
    result = fit(student, (texts, labels), (texts, labels), args, teacher_proba=teacher)
    assert [h["epoch"] for h in result["history"]] == [1, 2]
    assert (np.array(student.predict(texts)) == "joy").mean() >= 0.8


def test_distillation_needs_one_teacher_row_per_text(sample):
    from emotion.models.encoder import EncoderClassifier

    texts, labels = sample
    student = EncoderClassifier.from_base(rank=4, seed=0, layers=1)
    with pytest.raises(ValueError, match="teacher_proba"):
        fit(student, (texts, labels), (texts, labels), TrainArgs(epochs=1, distill_weight=0.5))
