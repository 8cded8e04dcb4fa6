"""Cascades: only rows below the threshold reach the fallback; names, thresholds and curves."""

import numpy as np
import pandas as pd
import pytest

from emotion import registry
from emotion.classifier import Classifier, Predictions
from emotion.evaluation.metrics import fallback_curve
from emotion.labelling.table import answered_by_column, label_column, label_frame
from emotion.labels import LABEL_INDEX, LABELS
from emotion.models.cascade import CascadeClassifier, CascadeName, cascade_labels


class Scripted(Classifier):
    """Answers from a table ``text -> (label, confidence)``; counts the texts it was asked."""

    family = "classical"

    def __init__(self, name: str, answers: dict[str, tuple[str, float]]) -> None:
        self.name, self.answers, self.asked = name, answers, []

    def _classify(self, texts, batch_size, progress):
        self.asked += texts
        proba = np.zeros((len(texts), len(LABELS)))
        for row, text in enumerate(texts):
            label, confidence = self.answers[text]
            proba[row] = (1 - confidence) / (len(LABELS) - 1)
            proba[row, LABEL_INDEX[label]] = confidence
        return Predictions(proba)


class Counting(Classifier):
    """A fallback that answers 'joy' to everything and keeps what it was sent."""

    name, family = "fake-llm", "llm"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def _classify(self, texts, batch_size, progress):
        self.asked += texts
        return Predictions(np.tile(np.eye(len(LABELS))[LABEL_INDEX["joy"]], (len(texts), 1)), one_hot=True)


ANSWERS = {"a": ("anger", 0.9), "b": ("fear", 0.3), "c": ("guilt", 0.55), "d": ("shame", 0.2), "e": ("sadness", 0.7)}


def test_rows_below_the_threshold_and_only_those_reach_the_fallback():
    first, fallback = Scripted("first", ANSWERS), Counting()
    cascade = CascadeClassifier(first, fallback, 0.6, "cascade:first+fake-llm")
    result = cascade.classify(list(ANSWERS))
    assert sorted(fallback.asked) == ["b", "c", "d"]
    assert result.labels == ["anger", "joy", "joy", "joy", "sadness"]
    assert result.answered_by == ["first", "fake-llm", "fake-llm", "fake-llm", "first"]
    fallback.asked.clear()
    CascadeClassifier(first, fallback, 0.0, "cascade:first+fake-llm").classify(list(ANSWERS))
    assert fallback.asked == []


def test_an_ensemble_fallback_holding_the_first_model_reuses_its_answers():
    from emotion.models.ensemble import EnsembleClassifier

    first, other = Scripted("first", ANSWERS), Scripted("other", {t: ("joy", 0.8) for t in ANSWERS})
    ensemble = EnsembleClassifier([first, other], [0.3, 0.7])
    routed = CascadeClassifier(first, ensemble, 0.6, "cascade:first+ensemble").classify(list(ANSWERS))
    assert sorted(first.asked) == sorted(ANSWERS) and sorted(other.asked) == ["b", "c", "d"]  # each text read once
    alone = ensemble.classify(["b", "c", "d"])
    np.testing.assert_allclose(routed.proba[1:4], alone.proba)
    assert routed.answered_by == ["first", "ensemble", "ensemble", "ensemble", "first"]
    first.expected_texts_per_s, other.expected_texts_per_s = 1_000.0, 100.0
    cascade = CascadeClassifier(first, ensemble, 0.6, "cascade:first+ensemble", expected_share=0.5)
    assert cascade.expected_texts_per_s == pytest.approx(1 / (1 / 1_000 + 0.5 / 100))  # the first model once
    assert cascade.estimate_run([str(i) for i in range(1_000)])[0] == pytest.approx(1.0 + 5.0)


def test_label_frame_records_who_answered_and_reuses_answers_made():
    first, fallback = Scripted("first", ANSWERS), Counting()
    name = "cascade:first+fake-llm"
    frame = pd.DataFrame({"text": [*ANSWERS, ""]})
    out = label_frame(frame, "text", {name: CascadeClassifier(first, fallback, 0.6, name)})
    assert list(out[answered_by_column(name)])[:5] == ["first", "fake-llm", "fake-llm", "fake-llm", "first"]
    assert pd.isna(out[label_column(name)].iloc[-1]) and out["status"].iloc[-1] == "empty text"
    fallback.asked.clear()
    both = {"first": first, "fake-llm": fallback, name: CascadeClassifier(first, fallback, 0.6, name)}
    out = label_frame(frame, "text", both)
    assert len(fallback.asked) == 5  # once, for its own column: the cascade routes from the answers made
    assert list(out[label_column(name)])[:5] == ["anger", "joy", "joy", "joy", "sadness"]


def test_a_failed_fallback_keeps_the_first_answer_and_says_so():
    class Failing(Counting):
        def _classify(self, texts, batch_size, progress):
            return Predictions(np.full((len(texts), 7), np.nan), ["timeout"] * len(texts))

    result = CascadeClassifier(Scripted("first", ANSWERS), Failing(), 0.6, "cascade:first+fake-llm").classify(["b"])
    assert result.labels == ["fear"] and result.answered_by == ["first"]
    assert "timeout" in result.errors[0]


def test_cascade_labels_and_curve_from_stored_answers():
    gold = ["anger", "fear", "guilt", "shame"]
    first = ["anger", "joy", "guilt", "joy"]
    confidence = np.array([0.9, 0.2, 0.8, 0.3])
    fallback = ["fear", "fear", None, "shame"]
    labels, routed = cascade_labels(first, confidence, fallback, 0.5)
    assert labels == ["anger", "fear", "guilt", "shame"] and routed.tolist() == [False, True, False, True]
    curve = fallback_curve(gold, first, confidence, fallback, shares=(0.0, 0.5, 1.0))
    assert [p["rows_to_fallback"] for p in curve] == [0, 2, 4]
    assert curve[1]["accuracy"] == 1.0 and curve[0]["accuracy"] == 0.5
    assert curve[2]["accuracy"] == 0.75  # the row without a fallback answer keeps the first's


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cascade:tfidf+tfidf", "two different models"),
        ("cascade:tfidf", "is named cascade:<first>"),
        ("cascade:tfidf+nope", "unknown fallback"),
        ("cascade:llm:local-smollm2+tfidf", "must be a local model"),
        ("cascade:tfidf+cascade:encoder+tfidf", "cannot be a cascade"),
    ],
)
def test_bad_cascade_names_are_one_line_errors(name, message):
    with pytest.raises(registry.UnknownModelError, match=message):
        registry.check_name(name)


def test_cascade_names_parse_both_ways():
    name = CascadeName.parse("cascade:encoder-fast+llm:openai-gpt-4o-mini")
    assert (name.first, name.fallback) == ("encoder-fast", "llm:openai-gpt-4o-mini")
    assert str(name) == "cascade:encoder-fast+llm:openai-gpt-4o-mini"
    assert CascadeName.parse("tfidf") is None


def test_the_registry_builds_a_cascade_with_the_carded_default_threshold():
    model = registry.load("cascade:tfidf+encoder-fast")
    fitted = registry.calibration("tfidf")
    assert fitted is not None and model.threshold == pytest.approx(fitted.threshold_for_share(0.4))
    assert model.expected_share == pytest.approx(0.4, abs=0.01)
    assert registry.load("cascade:tfidf+encoder-fast", threshold=0.3).threshold == 0.3
    with pytest.raises(ValueError, match="between 0 and 1"):
        registry.load("cascade:tfidf+encoder-fast", threshold=-0.1)
    with pytest.raises(ValueError, match="not both"):
        registry.load("cascade:tfidf+encoder-fast", threshold=0.3, fallback_share=0.2)


def test_a_cascade_keeps_its_first_models_no_emotion_output_and_threshold():
    from emotion.confidence import NoEmotionScale

    class Calm(Scripted):
        def _classify(self, texts, batch_size, progress):
            result = super()._classify(texts, batch_size, progress)
            result.no_emotion = np.array([0.9 if "order" in t.lower() else 0.1 for t in texts])
            return result

    first = Calm("first", {"Order received.": ("joy", 0.95), "I am furious": ("anger", 0.3)})
    first.no_emotion_scale = NoEmotionScale(2.0, -1.0, 0.6)
    cascade = CascadeClassifier(first, Counting(), 0.5, "cascade:first+fake-llm")
    result = cascade.classify(["Order received.", "I am furious"])
    assert np.allclose(result.no_emotion, first.no_emotion_scale.apply(np.array([0.9, 0.1])))
    assert cascade.no_emotion_scale.threshold == 0.6 and result.answered_by == ["first", "fake-llm"]
