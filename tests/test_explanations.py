"""Leave-one-word-out explanations for any model, and agreement that counts independent models."""

from __future__ import annotations

import pytest

from emotion import registry
from emotion.classifier import InputError
from emotion.dashboard.answers import agreement_line, classify_text
from emotion.explanations import MAX_PARTS, explain, requests_needed, split_parts


def test_the_decisive_word_explains_the_answer():
    model = registry.load("tfidf")
    explained = explain(model, "The waiter was rude and I was furious about the bill")
    assert explained.requests == 12 and explained.words_per_part == 1
    words = [word for word, _ in explained.top(3)]
    assert "furious" in words or "rude" in words, explained.parts
    assert 0 < explained.probability <= 1


@pytest.mark.parametrize("name", ["encoder-fast", "ensemble"])
def test_every_family_explains_through_classify_alone(name):
    model = registry.load(name)
    explained = explain(model, "My grandmother died last night and I cannot stop crying")
    assert explained.label == model.classify(["My grandmother died last night and I cannot stop crying"]).labels[0]
    assert explained.top(1) and explained.top(1)[0][1] > 0


def test_long_texts_are_explained_by_spans_and_empty_ones_say_so():
    text = "I waited for the delivery all day long. " * 1250  # 10,000 words
    parts, size = split_parts(text)
    assert len(parts) <= MAX_PARTS and size == 167
    assert requests_needed(text) == len(parts) + 1
    explained = explain(registry.load("tfidf"), text)
    assert explained.words_per_part == size and len(explained.parts) == len(parts)
    with pytest.raises(InputError, match="empty"):
        explain(registry.load("tfidf"), "   ")
    assert explain(registry.load("tfidf"), "Furious!").parts == [("Furious!", 0.0)]  # one word: nothing to delete


def test_an_ensemble_and_its_members_count_once():
    members = registry.members_of("ensemble")
    other = next(name for name in ("encoder", "tfidf", "seq2seq") if name not in members)  # a model of its own
    names = ["ensemble", *members, other]
    models = {name: registry.load(name) for name in names}
    results = classify_text("I passed my driving test at last, what a day!", models)
    line = agreement_line(results, models)
    assert "independent models" in line and "ensemble counts once with" in line
    assert line.startswith(("All 2", "1 of 2"))


def test_the_agreement_line_speaks_of_the_answer_on_the_card():
    """The card says sadness: the line never reads "All 3 say joy" above it."""
    from emotion.dashboard.answers import ModelResult

    def result(name, label):
        return ModelResult(name=name, label=label, confidence=0.9, proba={}, latency_ms=1.0)

    results = [result("a", "joy"), result("b", "joy"), result("c", "sadness")]
    assert agreement_line(results, headline="sadness") == "1 of 3 models say sadness; 2 say joy."
    assert agreement_line(results[:2], headline="sadness") == "None of the 2 models says sadness; 2 say joy."
    assert agreement_line(results[:2], headline="joy") == "All 2 models say joy."
