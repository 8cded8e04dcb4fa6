"""Cross-validation: deterministic folds, every row held out once per repeat, out-of-fold teacher probabilities."""

import numpy as np
import pytest

from emotion.evaluation.crossval import (
    cv_macro_f1,
    one_standard_error_choice,
    out_of_fold,
    out_of_fold_proba,
    repeated_folds,
)
from emotion.labels import LABELS

GOLD = [LABELS[i % 7] for i in range(70)]


def test_folds_are_deterministic_and_cover_every_row_once_per_repeat():
    first, again = repeated_folds(GOLD, 5, 3, seed=0), repeated_folds(GOLD, 5, 3, seed=0)
    assert len(first) == 3 and all(len(splits) == 5 for splits in first)
    for splits, same in zip(first, again, strict=True):
        held = np.concatenate([h for _, h in splits])
        assert sorted(held) == list(range(len(GOLD)))  # each row held out exactly once
        for (fit, h), (fit2, h2) in zip(splits, same, strict=True):
            assert set(fit).isdisjoint(h) and (h == h2).all() and (fit == fit2).all()
    assert any((a[1] != b[1]).any() for a, b in zip(first[0], repeated_folds(GOLD, 5, 3, seed=1)[0], strict=True))


def test_out_of_fold_labels_only_ever_see_the_other_folds():
    seen = []

    def predict(fit_rows, held_rows):
        seen.append((set(fit_rows), set(held_rows)))
        return [GOLD[i] for i in held_rows]

    runs = out_of_fold(predict, GOLD, 5, 2)
    assert all(labels == GOLD for labels in runs)
    assert all(fit.isdisjoint(held) for fit, held in seen) and len(seen) == 10
    assert cv_macro_f1(predict, GOLD, 5, 2) == {"mean": 1.0, "sd": 0.0, "runs": [1.0, 1.0]}


def test_the_simplest_candidate_within_one_sd_of_the_best_is_chosen():
    scores = {
        "a+b+c": {"mean": 0.72, "sd": 0.01},
        "a+b": {"mean": 0.715, "sd": 0.01},
        "a+c": {"mean": 0.70, "sd": 0.01},
    }
    assert one_standard_error_choice(scores, lambda k: k.count("+")) == "a+b"
    scores["a+b"]["mean"] = 0.705
    assert one_standard_error_choice(scores, lambda k: k.count("+")) == "a+b+c"
    scores["a+b+c"]["sd"] = 0.0  # repeats that happen to agree: the typical sd still applies
    scores["a+b"]["mean"] = 0.715
    scores["b+c / uniform"] = {"mean": 0.60, "sd": 0.0}  # fixed weights: no say in the typical sd
    assert one_standard_error_choice(scores, lambda k: k.count("+")) == "a+b"


def test_out_of_fold_probabilities_come_from_the_fit_that_held_the_row_out(tmp_path):
    fits = []

    def fit_predict(fit_rows, held_rows):
        fits.append(set(fit_rows))
        proba = np.zeros((len(held_rows), 7))
        proba[:, len(fits) - 1] = 1.0  # the fold's number, to see which fit answered each row
        return proba

    proba = out_of_fold_proba(fit_predict, GOLD, folds=3, seed=0, store=tmp_path / "oof")
    assert len(fits) == 3
    answered_by = proba.argmax(axis=1)
    assert sorted(np.bincount(answered_by)) == [23, 23, 24]  # every row once, folds stratified
    for row, fold in enumerate(answered_by):
        assert row not in fits[fold]  # never predicted by a fit that saw it
    # a second run (a resumed one) reuses every stored fold and fits nothing
    again = out_of_fold_proba(lambda *_: pytest.fail("refitted a stored fold"), GOLD, 3, 0, tmp_path / "oof")
    assert (again == proba).all()


def test_out_of_fold_refuses_a_fit_answering_the_wrong_rows():
    with pytest.raises(ValueError, match="fold 0"):
        out_of_fold_proba(lambda fit, held: np.zeros((len(held) - 1, 7)), GOLD, folds=3)


def test_out_of_fold_keeps_several_views_of_each_row(tmp_path):
    def fit_predict(fit_rows, held_rows):
        proba = np.zeros((len(held_rows), 2, 7))
        proba[:, 0, 0] = held_rows  # view 0 carries the row number, view 1 its double
        proba[:, 1, 0] = 2 * held_rows
        return proba

    proba = out_of_fold_proba(fit_predict, GOLD, folds=3, seed=0, store=tmp_path / "oof")
    assert proba.shape == (len(GOLD), 2, 7)
    assert (proba[:, 0, 0] == np.arange(len(GOLD))).all() and (proba[:, 1, 0] == 2 * np.arange(len(GOLD))).all()
    assert (out_of_fold_proba(lambda *_: pytest.fail("refit"), GOLD, 3, 0, tmp_path / "oof") == proba).all()
