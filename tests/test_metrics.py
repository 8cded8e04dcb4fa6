import pytest

from emotion.evaluation.metrics import agreement, classification_metrics
from emotion.labels import LABELS


def test_metrics_match_hand_computed_values():
    gold = ["joy", "joy", "fear", "fear", "anger", "anger"]
    pred = ["joy", "fear", "fear", "fear", "anger", None]
    m = classification_metrics(gold, pred)
    assert m["n"] == 6 and m["answered"] == 5
    assert m["accuracy"] == pytest.approx(4 / 6)
    # joy: P=1, R=.5, F1=2/3; fear: P=2/3, R=1, F1=.8; anger: P=1, R=.5, F1=2/3; other four classes 0.
    assert m["per_class"]["joy"]["f1"] == pytest.approx(2 / 3)
    assert m["per_class"]["fear"]["precision"] == pytest.approx(2 / 3)
    assert m["per_class"]["fear"]["f1"] == pytest.approx(0.8)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 2 / 3) / 7)
    labels = m["confusion"]["labels"]
    matrix = m["confusion"]["matrix"]
    assert matrix[labels.index("joy")][labels.index("fear")] == 1
    assert sum(map(sum, matrix)) == 5  # the unanswered row has no predicted column


def test_agreement_and_kappa():
    same, kappa = agreement(["joy", "fear", "anger", None], ["joy", "fear", "fear", "joy"])
    assert same == pytest.approx(2 / 3)
    assert -1 <= kappa <= 1
    assert agreement(["joy", "fear"], ["joy", "fear"]) == (1.0, 1.0)


def test_bootstrap_scores_equal_sklearn_on_every_resample():
    import random

    import numpy as np

    from emotion.evaluation.metrics import _resample_counts, _scores

    rng = random.Random(1)
    gold = [rng.choice(LABELS) for _ in range(60)]
    predicted = [g if rng.random() < 0.6 else rng.choice([*LABELS, None]) for g in gold]
    counts = _resample_counts(len(gold), 20, seed=3)
    accuracy, macro_f1 = _scores(counts, gold, predicted)
    for b in range(20):  # the resample written out row by row, scored by classification_metrics (sklearn)
        rows = [i for i in range(len(gold)) for _ in range(int(counts[b, i]))]
        expected = classification_metrics([gold[i] for i in rows], [predicted[i] for i in rows])
        assert np.isclose(accuracy[b], expected["accuracy"]) and np.isclose(macro_f1[b], expected["macro_f1"])


def test_bootstrap_intervals_hand_computed_and_degenerate():
    from emotion.evaluation.metrics import bootstrap_intervals, paired_difference

    # Two rows, one right: a resample holds 0, 1 or 2 right rows with probability 1/4, 1/2, 1/4, so the
    # 2.5% and 97.5% quantiles of accuracy are 0 and 1.
    assert bootstrap_intervals(["joy", "joy"], ["joy", "anger"])["accuracy"] == [0.0, 1.0]
    everything_right = bootstrap_intervals(["joy", "fear", "anger"] * 5, ["joy", "fear", "anger"] * 5)
    assert everything_right["accuracy"] == [1.0, 1.0]
    nothing_answered = bootstrap_intervals(["joy", "fear"] * 5, [None] * 10)
    assert nothing_answered == {"accuracy": [0.0, 0.0], "macro_f1": [0.0, 0.0]}
    same = paired_difference(["joy", "fear"] * 5, ["joy", "joy"] * 5, ["joy", "joy"] * 5)
    assert same == {"macro_f1_difference": 0.0, "interval": [0.0, 0.0], "within_noise": True}
    assert bootstrap_intervals(["joy"] * 9 + ["fear"], ["joy"] * 10, seed=7) == bootstrap_intervals(
        ["joy"] * 9 + ["fear"], ["joy"] * 10, seed=7
    )  # seeded: the same figures every time
