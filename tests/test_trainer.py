"""The shared training loop: best epoch kept, and distillation from a teacher's probabilities."""

import numpy as np
import pytest
import torch

from emotion.labels import LABEL_INDEX, LABELS
from emotion.training.loop import TrainArgs, fit, soft_targets

pytestmark = pytest.mark.slow  # trains encoders


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


def test_a_killed_run_resumes_from_its_last_epoch_and_ends_where_an_unbroken_run_ends(tmp_path):
    import torch

    from emotion.training.loop import TrainArgs, fit

    class Tiny:
        """A bag-of-characters linear model: enough to check the resume logic."""

        def __init__(self) -> None:
            torch.manual_seed(0)
            self.model = torch.nn.Linear(26, 7)

        def logits(self, texts):
            x = torch.zeros(len(texts), 26)
            for row, text in enumerate(texts):
                for ch in text.lower():
                    if "a" <= ch <= "z":
                        x[row, ord(ch) - 97] += 1
            return self.model(x)

        def predict(self, texts, batch_size=128):
            from emotion.labels import LABELS

            with torch.no_grad():
                return [LABELS[i] for i in self.logits(texts).argmax(1)]

    from tests.conftest import SAMPLE

    texts = [t for label in SAMPLE for t in SAMPLE[label]]
    labels = [label for label in SAMPLE for _ in SAMPLE[label]]
    whole = Tiny()
    fit(whole, (texts, labels), (texts, labels), TrainArgs(epochs=4, lr=0.05, batch_size=4), checkpoints=None)

    class Killed(Exception):
        pass

    broken = Tiny()
    calls = {"n": 0}
    original = broken.predict

    def predict_then_die(texts_, batch_size=128):
        calls["n"] += 1
        if calls["n"] == 3:  # in epoch 3, after epochs 1 and 2 were checkpointed
            raise Killed
        return original(texts_, batch_size)

    broken.predict = predict_then_die
    with pytest.raises(Killed):
        fit(broken, (texts, labels), (texts, labels), TrainArgs(epochs=4, lr=0.05, batch_size=4), checkpoints=tmp_path)
    resumed = Tiny()
    result = fit(
        resumed, (texts, labels), (texts, labels), TrainArgs(epochs=4, lr=0.05, batch_size=4), checkpoints=tmp_path
    )
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3, 4]
    assert torch.allclose(resumed.model.weight, whole.model.weight, atol=1e-6)


def test_a_corrupted_or_foreign_checkpoint_is_refused(tmp_path):
    from emotion.training.loop import CHECKPOINT, CheckpointError, TrainArgs, load_checkpoint, save_checkpoint

    args = TrainArgs(epochs=2)
    save_checkpoint(tmp_path, {"recipe": vars(args), "epoch": 1})
    assert load_checkpoint(tmp_path, args)["epoch"] == 1
    with pytest.raises(CheckpointError, match="another recipe"):
        load_checkpoint(tmp_path, TrainArgs(epochs=3))
    data = bytearray((tmp_path / CHECKPOINT).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / CHECKPOINT).write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match its sha256"):
        load_checkpoint(tmp_path, args)


def test_a_changed_recipe_gets_its_own_checkpoint_folder():
    from emotion.training.isear_stage import checkpoint_folder

    info = {"layers": 4, "augmented_copies": 2}
    first = checkpoint_folder("encoder-fast", 0, "recipe", info)
    assert first == checkpoint_folder("encoder-fast", 0, "recipe", dict(reversed(info.items())))
    others = {
        checkpoint_folder("encoder-fast", 0, "recipe", {**info, "layers": (0, 2, 3, 5)}),
        checkpoint_folder("encoder-fast", 1, "recipe", info),
        checkpoint_folder("encoder-fast", 0, "recipe with another teacher", info),
    }
    assert first not in others and len(others) == 3
