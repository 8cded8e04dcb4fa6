"""Temperature scaling, expected calibration error and Brier score."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotion.confidence import Calibration, apply_confidence_map, apply_temperature, threshold_for_share
from emotion.evaluation.calibration import (
    brier_score,
    calibration_scores,
    expected_calibration_error,
    fit_calibration,
    fit_calibrator,
    fit_confidence_map,
    fit_temperature,
)
from emotion.labels import LABELS


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def synthetic(rows: int = 20_000, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """True probabilities ``softmax(z)`` and labels drawn from them."""
    rng = np.random.default_rng(seed)
    true = softmax(rng.normal(0, 2.5, (rows, len(LABELS))))
    gold = [LABELS[rng.choice(len(LABELS), p=p)] for p in true]
    return true, gold


def test_the_fitted_temperature_recovers_a_known_one():
    true, gold = synthetic()
    overconfident = apply_temperature(true, 0.5)  # softmax(2 z): a model twice as sure as it should be
    assert fit_temperature(overconfident, gold) == pytest.approx(2.0, rel=0.05)
    assert fit_temperature(true, gold) == pytest.approx(1.0, rel=0.05)
    fixed = apply_temperature(overconfident, fit_temperature(overconfident, gold))
    assert calibration_scores(fixed, gold)["ece"] < 0.02 < calibration_scores(overconfident, gold)["ece"]


def test_the_confidence_map_fixes_a_shape_no_temperature_can():
    true, gold = synthetic()
    # like a label-smoothed student: too sure in the middle, not sure enough at the top
    distorted = apply_confidence_map(true, [(0.3, 0.3), (0.6, 0.75), (0.8, 0.85), (1.0, 0.9)])
    assert (distorted.argmax(axis=1) == true.argmax(axis=1)).all()
    temperature_only = apply_temperature(distorted, fit_temperature(distorted, gold))
    temperature, knots = fit_calibrator(distorted[:10_000], gold[:10_000])  # fitted on one half, scored on the other
    fixed = apply_confidence_map(apply_temperature(distorted[10_000:], temperature), knots)
    assert calibration_scores(fixed, gold[10_000:])["ece"] < 0.015
    assert calibration_scores(temperature_only, gold)["ece"] > 0.03
    assert all(a[0] < b[0] and a[1] <= b[1] for a, b in itertools.pairwise(knots)), "knots increase"
    assert knots[0] == (0.142857, 0.142857) and knots[-1] == (1.0, 1.0), "pinned ends"
    assert all(0 < y < 1 for _, y in knots[1:-1]), "shrunk away from 0 and 1"
    served = apply_confidence_map(apply_temperature(distorted, temperature), knots).max(axis=1)
    scaled = apply_temperature(distorted, temperature).max(axis=1)
    assert (np.diff(served[np.argsort(scaled)]) > 0).mean() > 0.99, (
        "surer rows stay surer (but where raised to keep a label)"
    )


def test_confidence_map_knots_by_hand():
    # isotonic blocks {0.2, 0.4} (1 of 2 right) and {0.7, 0.9} (2 of 2 right); accuracies shrunk (r + 0.5) / (n + 1);
    # ends pinned at 1/7 and 1
    knots = fit_confidence_map(np.array([0.2, 0.4, 0.7, 0.9]), np.array([1, 0, 1, 1]))
    assert knots == ((0.142857, 0.142857), (0.3, 0.5), (0.8, pytest.approx(2.5 / 3, abs=1e-5)), (1.0, 1.0))
    # flat blocks become strictly increasing
    assert fit_confidence_map(np.array([0.5, 0.6]), np.array([1, 1]))[1:] == ((0.55, 0.833333), (1.0, 1.0))
    tied = fit_confidence_map(np.array([0.3, 0.5, 0.95]), np.array([1, 0, 0]))
    assert [y for _, y in tied] == sorted({y for _, y in tied})
    proba = np.array([[0.55, 0.45, 0, 0, 0, 0, 0], [0.8, 0.2, 0, 0, 0, 0, 0], [np.nan] * 7])
    mapped = apply_confidence_map(proba, knots)
    # 0.55 lies between the middle knots: 0.5 + (0.55 - 0.3) / 0.5 * (0.8333 - 0.5) = 0.6667; the runner-up keeps
    # the sum
    assert mapped[0, :2] == pytest.approx([0.6667, 0.3333], abs=1e-4)
    assert mapped[1, :2] == pytest.approx([2.5 / 3, 0.5 / 3], abs=1e-4)
    assert np.isnan(mapped[2]).all()


@settings(deadline=None)
@given(
    st.lists(st.lists(st.floats(0.001, 1.0), min_size=7, max_size=7), min_size=2, max_size=20),
    st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)), min_size=1, max_size=6),
)
def test_a_confidence_map_never_changes_a_label_and_keeps_rows_summing_to_one(rows, points):
    proba = np.array(rows) / np.array(rows).sum(axis=1, keepdims=True)
    xs = sorted({round(x, 6) for x, _ in points})
    knots = list(zip(xs, np.maximum.accumulate(sorted(y for _, y in points)[: len(xs)]), strict=True))
    mapped = apply_confidence_map(proba, knots)
    assert np.allclose(mapped.sum(axis=1), 1.0)
    top = proba.max(axis=1, keepdims=True)
    unique_top = (proba >= top - 1e-6).sum(axis=1) == 1
    assert (mapped.argmax(axis=1) == proba.argmax(axis=1))[unique_top].all()
    xs, ys = np.array(knots).T
    assert (mapped.max(axis=1) >= np.interp(top[:, 0], xs, ys) - 1e-9).all()  # raised only to keep the label


def test_a_card_without_a_confidence_map_serves_the_temperature_alone():
    true, gold = synthetic(2000)
    entry = fit_calibration(true, gold).to_dict()
    del entry["confidence_knots"]  # cards written before the map existed
    old = Calibration.from_dict(entry)
    assert old.confidence_knots == ()
    assert np.allclose(old.apply(true), apply_temperature(true, old.temperature))


def test_ece_against_a_hand_computed_case():
    confidence = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([1, 0, 1, 1])
    # two equal-mass bins: {0.6, 0.7} accuracy 1 vs 0.65; {0.8, 0.9} accuracy 0.5 vs 0.85
    assert expected_calibration_error(confidence, correct, bins=2) == pytest.approx(0.5 * 0.35 + 0.5 * 0.35)
    assert expected_calibration_error(confidence, correct, bins=1) == pytest.approx(abs(0.75 - 0.75))
    # 15 bins over 30 rows: 2 rows a bin
    assert expected_calibration_error(np.full(30, 0.5), np.tile([1, 0], 15)) == pytest.approx(0.0)


def test_brier_score_by_hand():
    proba = np.zeros((2, 7))
    proba[0, 0] = 1.0  # sure and right
    proba[1, 0] = proba[1, 1] = 0.5  # split between anger and disgust, gold disgust
    assert brier_score(proba, ["anger", "disgust"]) == pytest.approx((0 + 0.5) / 2)


def test_rows_without_probabilities_are_left_out():
    proba = np.array([[1.0, 0, 0, 0, 0, 0, 0], [np.nan] * 7])
    scores = calibration_scores(proba, ["anger", "joy"])
    assert scores["rows"] == 1 and scores["ece"] == 0 and scores["brier"] == 0


@settings(deadline=None)
@given(
    st.lists(st.lists(st.floats(0.001, 1.0), min_size=7, max_size=7), min_size=1, max_size=20),
    st.floats(0.1, 10.0),
)
def test_a_temperature_never_changes_a_label_and_keeps_rows_summing_to_one(rows, temperature):
    proba = np.array(rows) / np.array(rows).sum(axis=1, keepdims=True)
    scaled = apply_temperature(proba, temperature)
    assert np.allclose(scaled.sum(axis=1), 1.0)
    top = proba.max(axis=1, keepdims=True)
    unique_top = (proba >= top - 1e-9).sum(axis=1) == 1  # ties may resolve either way
    assert (scaled.argmax(axis=1) == proba.argmax(axis=1))[unique_top].all()


def test_card_thresholds_map_shares_both_ways():
    true, gold = synthetic(2000)
    fitted = fit_calibration(apply_temperature(true, 0.7), gold)
    assert fitted.temperature == pytest.approx(1 / 0.7, rel=0.15)
    assert fitted.ece_after < fitted.ece_before
    cut = fitted.threshold_for_share(0.4)
    assert fitted.share_for_threshold(cut) == pytest.approx(0.4, abs=0.01)
    assert fitted.threshold_for_share(0.2) <= cut <= fitted.threshold_for_share(0.6)
    assert Calibration.from_dict(fitted.to_dict()) == fitted
    with pytest.raises(ValueError, match="between 0 and 1"):
        fitted.threshold_for_share(1.5)


def test_threshold_for_share_sends_that_share_of_rows():
    confidence = np.linspace(0.2, 0.99, 100)
    for share in (0.0, 0.25, 0.4, 1.0):
        assert (confidence < threshold_for_share(confidence, share)).sum() == round(share * 100)


def test_a_perfectly_calibrated_model_sets_the_noise_floor():
    from emotion.evaluation.calibration import perfectly_calibrated

    sure = perfectly_calibrated(np.ones(300))  # always right: no noise at all
    assert sure["ece"] == sure["ece_p95"] == 0.0 and (sure["low"] == 1).all() and (sure["high"] == 1).all()
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.3, 0.95, 766)
    perfect = perfectly_calibrated(confidence)
    assert 0.02 < perfect["ece"] < perfect["ece_p95"] < 0.08  # the floor on 766 rows is well above 0
    assert len(perfect["low"]) == 15 and (perfect["low"] < perfect["high"]).all()
    assert perfectly_calibrated(confidence)["ece"] == perfect["ece"]  # seeded
    # a model that is right as often as it says is usually within the band; one far too sure is not
    honest = (rng.random(766) < confidence).astype(float)
    assert expected_calibration_error(confidence, honest) <= perfect["ece_p95"]
    overconfident = (rng.random(766) < confidence - 0.15).astype(float)
    assert expected_calibration_error(confidence, overconfident) > perfect["ece_p95"]


def test_scores_carry_the_noise_floor_and_band():
    true, gold = synthetic(rows=700)
    scores = calibration_scores(true, gold)
    assert scores["ece"] <= scores["ece_perfect_p95"]
    assert set(scores["reliability"]) == {"confidence", "accuracy", "rows", "low", "high"}
    assert all(lo <= hi for lo, hi in zip(scores["reliability"]["low"], scores["reliability"]["high"], strict=True))
