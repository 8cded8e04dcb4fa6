"""Two training domains and the eighth "no emotion" output: the data mix, the outputs served, the scaling and
threshold, the per-model columns and the consensus flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emotion.classifier import Predictions, split_outputs
from emotion.confidence import NoEmotionScale
from emotion.evaluation.calibration import fit_no_emotion_scale
from emotion.labelling.table import no_emotion_consensus
from emotion.labels import LABELS, NO_EMOTION
from emotion.training.data import broad_label
from emotion.training.publishing import recipe_text


def test_eight_scores_split_into_seven_probabilities_and_no_emotion():
    logits = np.array([[2.0, 0, 0, 0, 0, 0, 0, 3.0], [0, 0, 0, 0, 5.0, 0, 0, -4.0]])
    seven, calm = split_outputs(logits)
    assert seven.shape == (2, 7) and np.allclose(seven.sum(axis=1), 1)
    assert seven[0].argmax() == 0 and seven[1].argmax() == 4  # the eighth score never takes the label
    assert calm[0] > 0.5 > calm[1]
    assert np.allclose(split_outputs(logits[:, :7])[0], seven) and not split_outputs(logits[:, :7])[1].any()


def test_the_no_emotion_scaling_is_fitted_and_its_threshold_flags_few_emotional_rows():
    rng = np.random.default_rng(0)
    raw = np.r_[rng.beta(2, 6, 500), rng.beta(6, 2, 300)]
    neutral = np.r_[np.zeros(500, bool), np.ones(300, bool)]
    scale = fit_no_emotion_scale(raw, neutral, ~neutral)
    served = scale.apply(raw)
    assert (served[~neutral] >= scale.threshold).mean() <= 0.05
    assert scale.auc > 0.9 and np.all(np.diff(scale.apply(np.linspace(0.01, 0.99, 50))) > 0)
    assert NoEmotionScale.from_dict(scale.to_dict()) == scale


def test_the_row_flag_is_the_models_majority_and_a_tie_is_no():
    flags = [
        (np.array([0.9, 0.1, 0.8]), np.array([True, False, True], dtype=object)),
        (np.array([0.7, 0.2, 0.1]), np.array([True, False, False], dtype=object)),
        (np.array([0.6, 0.9, np.nan]), np.array([True, True, None], dtype=object)),
    ]
    assert list(no_emotion_consensus(3, flags)) == [True, False, False]
    assert list(no_emotion_consensus(2, [(np.full(2, np.nan), None)])) == [None, None]


def test_tfidf_with_an_eighth_class_serves_seven_probabilities_and_no_emotion(sample):
    from emotion.models.tfidf import TfidfClassifier

    texts, labels = sample
    calm = ["Order received.", "The meeting is on Tuesday.", "Invoice attached.", "Delivered at noon."]
    model = TfidfClassifier(C=10).fit([*texts, *calm] * 3, [*labels, *[NO_EMOTION] * len(calm)] * 3)
    result = model.classify(["Invoice received.", "I was terrified of the dark road."])
    assert result.proba.shape == (2, 7) and np.allclose(result.proba.sum(axis=1), 1)
    assert result.no_emotion[0] > result.no_emotion[1]
    assert all(label in LABELS for label in result.labels)


def test_an_ensemble_averages_its_members_no_emotion():
    from emotion.models.ensemble import EnsembleClassifier

    a = Predictions(np.full((1, 7), 1 / 7), no_emotion=np.array([0.8]))
    b = Predictions(np.full((1, 7), 1 / 7), no_emotion=np.array([0.2]))
    c = Predictions(np.full((1, 7), 1 / 7))
    members = [type("M", (), {})() for _ in range(3)]
    ensemble = EnsembleClassifier.__new__(EnsembleClassifier)
    ensemble.members, ensemble.weights = members, np.array([0.5, 0.25, 0.25])
    assert ensemble._no_emotion(dict(zip(members, [a, b, c], strict=True)))[0] == pytest.approx((0.4 + 0.05) / 0.75)
    assert ensemble._no_emotion({members[2]: c, members[0]: c, members[1]: c}) is None


def test_broad_mapping_reads_a_comment_only_when_all_its_labels_agree():
    assert broad_label("annoyance,anger") == "anger"
    assert broad_label("nervousness") == "fear"
    assert broad_label("joy,sadness") == "" and broad_label("neutral") == "" and broad_label("curiosity") == ""


def test_the_recipe_on_the_card_is_written_from_the_run_parameters():
    import dataclasses

    from emotion.training.loop import TrainArgs

    params = {
        "layers": [0, 2, 3, 5],
        "large": False,
        "neutral": 5000,
        "broad": False,
        "teacher": "ensemble",
        "llm_weight": 0.3,
        "copies": 2,
        **dataclasses.asdict(TrainArgs(epochs=6, lr=0.002, distill_weight=0.5)),
    }
    text = recipe_text(params)
    for part in ("layers 0, 2, 3, 5", "5,000 of its only-neutral", "lr 0.002", "6 epochs", "`ensemble`", "2 augmented"):
        assert part in text
    second = {**params, "kind": "seq2seq", "decoder_layers": 2, "copies": 0, "init": "seq2seq-isear-only"}
    text = recipe_text({**second, "mix_alpha": 0.9, "mix_alphas_tried": [1.0, 0.9]})
    for part in ("eight label-word", "`data/seq2seq-isear-only`", "0.1 x the ISEAR-only adapter + 0.9 x", "[1.0, 0.9]"):
        assert part in text


@pytest.mark.isear
def test_the_training_mix_holds_both_domains_and_no_test_rows(isear_dir, goemotions_data):
    from emotion.training.data import dev_sets, load_goemotions, mixed_training_data

    texts, targets = mixed_training_data(neutral=1000, seed=0)
    counts = pd.Series(targets).value_counts()
    assert counts[NO_EMOTION] == 1000 and set(counts.index) == {*LABELS, NO_EMOTION}
    isear = set(pd.read_csv(isear_dir / "train.csv")["text"])
    assert set(texts) - isear <= set(load_goemotions("train")["text"])  # train rows only, never dev or test
    assert set(dev_sets()) == {"isear", "goemotions", "neutral"}
    with pytest.raises(ValueError, match="held back"):
        load_goemotions("test")


def test_the_committed_default_is_carded_with_both_domains_and_its_no_emotion_scaling():
    from emotion import registry
    from emotion.artifacts import artifact_dir, read_card

    card = read_card(artifact_dir("encoder-fast"))
    assert {"isear_train", "goemotions_train"} <= set(card["data"]) and card["params"]["no_emotion_output"]
    assert "eight outputs" in card["recipe"] and card["dev_by_epoch"]
    assert registry.trained_on("encoder-fast") == "ISEAR + GoEmotions"
    assert registry.no_emotion_scale("encoder-fast").auc >= 0.90


@pytest.mark.slow  # the served default on all of GoEmotions dev
@pytest.mark.isear
def test_the_served_default_separates_neutral_from_emotional_reddit_comments(isear_dir, goemotions_data):
    from sklearn.metrics import roc_auc_score

    from emotion import registry
    from emotion.training.data import dev_sets

    model, sets = registry.load("encoder-fast"), dev_sets()
    emotional = model.classify(sets["goemotions"][0]).no_emotion
    calm = model.classify(sets["neutral"][0]).no_emotion
    auc = roc_auc_score(np.r_[np.zeros(len(emotional)), np.ones(len(calm))], np.r_[emotional, calm])
    assert auc >= 0.90  # the target, measured on GoEmotions dev as served (int8, scaled)
    assert (emotional >= model.no_emotion_scale.threshold).mean() <= 0.05


@pytest.mark.parametrize("name", ["encoder-fast", "encoder", "encoder-large", "seq2seq"])
def test_each_second_stage_starts_from_a_committed_isear_only_stage(name):
    from emotion.artifacts import artifact_dir, read_card
    from emotion.training.two_domain_stage import ISEAR_ONLY

    first = read_card(artifact_dir(ISEAR_ONLY.format(name=name)))  # verified by sha256
    assert "goemotions_train" not in first["data"] and not first.get("params", {}).get("no_emotion_output")


@pytest.mark.parametrize("name", ["encoder-fast", "encoder", "encoder-large", "seq2seq"])
def test_each_committed_mix_is_the_largest_weight_within_noise_on_isear(name):
    from emotion.artifacts import artifact_dir, read_card
    from emotion.confidence import NO_EMOTION_ENTRY

    card = read_card(artifact_dir(name))
    tried = card["weight_mix"]
    assert [t["alpha"] for t in tried] == sorted((t["alpha"] for t in tried), reverse=True)
    low, high = tried[-1]["isear_interval"]
    assert low <= 0 <= high or tried[-1]["alpha"] == 0.5  # the rule's stop, or the smallest weight tried
    assert all(not (t["isear_interval"][0] <= 0 <= t["isear_interval"][1]) for t in tried[:-1])
    served = card["params"].get("soup", {}).get("dev") or tried[-1]  # a soup's own figures, else the mix's
    assert card["params"]["mix_alpha"] == tried[-1]["alpha"] and card["dev_metrics"]["macro_f1"] == served["isear"]
    assert card["params"]["no_emotion_output"] and card[NO_EMOTION_ENTRY]["auc"] >= 0.90
