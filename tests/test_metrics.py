import pytest

from emotion.metrics import agreement, classification_metrics


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
