"""The "no clear emotion" detector: its committed card, its answers, and the columns labelling adds."""

from __future__ import annotations

import pandas as pd
import pytest

from emotion import registry
from emotion.artifacts import artifact_dir, read_card
from emotion.insights.table import NO_CLEAR_EMOTION, recognise
from emotion.labelling.table import label_table
from emotion.models.no_emotion import NAME, NoEmotionDetector, shared


def test_the_committed_detector_has_a_card_with_its_dev_figures():
    card = read_card(artifact_dir(NAME))  # sha256 of every file checked
    assert card["dev_auc"] >= 0.85 and 0 < card["threshold"] < 1
    assert {"train", "rows", "dev"} <= set(card["data"]) and card["recipe"]["seed"] == 0


def test_neutral_texts_score_higher_than_emotional_ones():
    detector = shared()
    neutral = detector.proba(["Order received.", "The meeting is at 3pm on Tuesday.", "Please send the invoice."])
    emotional = detector.proba(["I am furious, nobody answers!", "I love it so much!", "I was terrified all night."])
    assert neutral.min() > emotional.max()


def test_a_model_without_its_own_output_gets_the_detectors_probability_and_flag(monkeypatch):
    from tests.toy_family import ToyClassifier

    frame = pd.DataFrame({"text": ["Order received.", "I am so happy with this phone, best gift ever!", ""]})
    model = ToyClassifier()  # seven probabilities only, as an LLM or a new family may give
    out = label_table(frame, "text", {"toy": model})
    assert model.no_emotion_scale is None and shared().proba(["Order received."])[0] >= shared().threshold
    assert out["no_emotion"].iloc[0] is True or out["no_emotion"].iloc[0] == True  # noqa: E712
    assert out["no_emotion"].iloc[1] in (False,) and pd.isna(out["toy_no_emotion"].iloc[2])
    assert out["toy_no_emotion"].iloc[0] == pytest.approx(shared().proba(["Order received."])[0], abs=1e-4)
    assert out["toy_label"].iloc[0] is not None  # the row keeps its seven-way label
    monkeypatch.setenv("EMOTION_NO_EMOTION", "0")
    skipped = label_table(frame, "text", {"toy": model})
    assert skipped["toy_no_emotion"].isna().all()


def test_a_model_with_its_own_output_gives_it_in_its_column_and_the_check_switch_does_not_hide_it(monkeypatch):
    from tests.toy_family import ToyClassifier

    frame = pd.DataFrame({"text": ["ok thanks, noted", "I am furious, nobody answers my calls!"]})
    model = registry.load("encoder-fast")
    monkeypatch.setenv("EMOTION_NO_EMOTION", "0")  # the shared detector off: the model's own output stays
    out = label_table(frame, "text", {"encoder-fast": model, "toy": ToyClassifier()})
    own = out["encoder-fast_no_emotion"]
    assert own.iloc[0] > own.iloc[1] and out["toy_no_emotion"].isna().all()
    expected = model.classify(list(frame["text"])).no_emotion
    assert list(own) == pytest.approx(list(expected), abs=1e-4)
    assert list(out["no_emotion"]) == [bool(p >= model.no_emotion_scale.threshold) for p in expected]


def test_insights_counts_no_emotion_rows_apart_and_a_correction_can_say_so():
    frame = pd.DataFrame(
        {
            "comment": ["x y z"] * 4,
            "label": ["joy", "anger", "joy", "no emotion"],
            "no_emotion": [True, False, False, False],
        }
    )
    table = recognise(frame)
    assert table.excluded_counts() == {NO_CLEAR_EMOTION: 2}
    assert recognise(frame, include_no_emotion=True).excluded_counts() == {NO_CLEAR_EMOTION: 1}


def test_a_changed_detector_folder_is_refused(tmp_path):
    import shutil

    folder = tmp_path / NAME
    shutil.copytree(artifact_dir(NAME), folder)
    (folder / "adapter_model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(Exception, match="sha256"):
        NoEmotionDetector.load(folder)
