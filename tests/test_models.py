"""The interface contract every local classifier keeps, on small models built in the test."""

import numpy as np
import pandas as pd
import pytest
import torch

from emotion import registry
from emotion.classifier import InputError
from emotion.labels import LABELS
from emotion.models.ensemble import EnsembleClassifier, fit_weights
from emotion.models.tfidf import TfidfClassifier


def check_contract(model, texts):
    proba = model.predict_proba(texts, batch_size=3)
    assert proba.shape == (len(texts), 7)
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert (proba >= 0).all()
    labels = model.predict(texts)
    assert labels == [LABELS[i] for i in proba.argmax(axis=1)]
    assert model.classes_ == LABELS
    calls = []
    model.predict_proba(texts, batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    with pytest.raises(InputError, match="text 1: empty text"):
        model.predict_proba([texts[0], "   "])
    with pytest.raises(InputError, match="text 0: not text"):
        model.predict_proba([5])
    long = model.predict_proba(["word " * 20000])  # truncated, never a crash
    assert long.shape == (1, 7)


def train_steps(model, texts, labels, lr: float, steps: int) -> list[float]:
    """A few full-batch AdamW steps on the trainable parameters; returns the losses."""
    optimizer = torch.optim.AdamW([p for p in model.model.parameters() if p.requires_grad], lr=lr)
    targets = torch.tensor([LABELS.index(label) for label in labels])
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model.logits(texts), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def test_tfidf_contract_and_explanations(sample):
    texts, labels = sample
    model = TfidfClassifier(C=10)
    assert model.fit(texts * 3, labels * 3) is model
    check_contract(model, texts)
    assert model.predict(["The kitchen was crawling with cockroaches"]) == ["disgust"]
    explanation = model.explain("The kitchen was crawling with cockroaches", top_k=3)
    assert set(explanation) == set(LABELS)
    words = [w for w, _ in explanation["disgust"]]
    assert any("cockroaches" in w or "crawling" in w or "kitchen" in w for w in words)
    assert all(weight > 0 for _, weight in explanation["disgust"])


def test_duplicates_are_computed_once(sample):
    texts, labels = sample
    model = TfidfClassifier().fit(texts, labels)
    seen = []
    original = model._classify
    model._classify = lambda t, b, p: seen.append(len(t)) or original(t, b, p)
    proba = model.predict_proba(["same text", "other", "same text"])
    assert seen == [2]
    assert np.allclose(proba[0], proba[2])


def _layer_count(layers) -> int:
    return 6 if layers is None else layers if isinstance(layers, int) else len(layers)


@pytest.mark.slow  # trains encoders
@pytest.mark.parametrize("layers", [None, 2, [0, 3, 5]])
def test_encoder_trains_and_round_trips(tmp_path, sample, layers):
    from emotion.models.encoder import EncoderClassifier

    texts, labels = sample
    model = EncoderClassifier.from_base(rank=4, seed=0, layers=layers)
    assert model.model.config.num_hidden_layers == _layer_count(layers)
    losses = train_steps(model, texts, labels, lr=1e-2, steps=5)
    assert losses[-1] < losses[0]
    check_contract(model, texts)
    before = model.predict_proba(texts)
    files = model.save(tmp_path / "encoder")
    assert (tmp_path / "encoder" / files[1]).stat().st_size < 2_000_000
    from emotion.artifacts import write_card

    write_card(tmp_path / "encoder", files, params={"max_length": 128, **({"layers": layers} if layers else {})})
    loaded = EncoderClassifier.load(tmp_path / "encoder")
    assert loaded.model.config.num_hidden_layers == _layer_count(layers)
    assert np.allclose(loaded.predict_proba(texts), before, atol=1e-4)


def test_a_seven_way_adapter_warm_starts_an_eight_output_model(tmp_path, sample):
    from emotion.models.encoder import EncoderClassifier

    texts, labels = sample
    seven = EncoderClassifier.from_base(rank=4, seed=0, layers=2)
    train_steps(seven, texts, labels, lr=1e-2, steps=3)
    seven.save(tmp_path / "seven")
    eight = EncoderClassifier.from_base(rank=4, seed=1, layers=2, no_emotion=True)
    fresh_row = eight.model.classifier.modules_to_save["default"].weight[7].detach().clone()
    eight.warm_start(tmp_path / "seven")
    seven.model.eval(), eight.model.eval()
    with torch.no_grad():
        a, b = eight.logits(texts[:4]), seven.logits(texts[:4])
    assert a.shape == (4, 8) and torch.allclose(a[:, :7], b, atol=1e-5)  # the seven outputs are the adapter's
    assert torch.equal(eight.model.classifier.modules_to_save["default"].weight[7], fresh_row)
    other = EncoderClassifier.from_base(rank=4, seed=0, layers=2, no_emotion=True)
    other.model.base_model.model.classifier.modules_to_save["default"] = torch.nn.Linear(384, 8, bias=False)
    with pytest.raises((ValueError, RuntimeError)):
        other.warm_start(tmp_path / "seven")  # a head without a bias does not fit


def test_listed_layers_are_the_base_layers_kept():
    from transformers import AutoModelForSequenceClassification

    from emotion.models.encoder import EncoderClassifier, minilm_path

    base = AutoModelForSequenceClassification.from_pretrained(minilm_path(), num_labels=7)
    model = EncoderClassifier.from_base(rank=4, seed=0, layers=[0, 2, 5]).model.merge_and_unload()
    kept = [layer.intermediate.dense.weight for layer in model.bert.encoder.layer]
    wanted = [base.bert.encoder.layer[i].intermediate.dense.weight for i in (0, 2, 5)]
    assert len(kept) == 3 and all(torch.equal(k, w) for k, w in zip(kept, wanted, strict=True))


def test_ensemble_weights_and_contract(sample):
    texts, labels = sample
    a = TfidfClassifier(C=10).fit(texts, labels)
    b = TfidfClassifier(C=0.01).fit(texts, labels)
    weights = fit_weights([a.predict_proba(texts), b.predict_proba(texts)], labels)
    assert weights.sum() == pytest.approx(1) and weights[0] > weights[1]
    ensemble = EnsembleClassifier([a, b], weights)
    check_contract(ensemble, texts)
    expected = weights[0] * a.predict_proba(texts) + weights[1] * b.predict_proba(texts)
    assert np.allclose(ensemble.predict_proba(texts), expected)
    # From the members' own predictions, without running them again; None while one is missing.
    assert np.allclose(ensemble.from_members({a: a.classify(texts), b: b.classify(texts)}).proba, expected)
    assert ensemble.from_members({a: a.classify(texts)}) is None


def test_ensemble_next_to_its_members_reuses_their_answers(sample):
    from emotion.dashboard.answers import classify_text
    from emotion.labelling.table import label_frame

    texts, labels = sample
    a, b = TfidfClassifier(C=10).fit(texts, labels), TfidfClassifier(C=0.1).fit(texts, labels)
    ensemble = EnsembleClassifier([a, b], [0.7, 0.3])
    models = {"ensemble": ensemble, "a": a, "b": b}
    results = classify_text(texts[0], models)
    assert [r.name for r in results] == ["ensemble", "a", "b"]
    assert results[0].from_members and not results[1].from_members
    assert np.allclose(results[0].proba, ensemble.predict_proba([texts[0]])[0])
    assert not classify_text(texts[0], {"ensemble": ensemble, "a": a})[0].from_members  # b missing: run it

    frame = pd.DataFrame({"text": texts})
    out = label_frame(frame, "text", models)
    assert [c for c in out.columns if c.endswith("_label")] == ["ensemble_label", "a_label", "b_label"]
    assert out.ensemble_label.tolist() == ensemble.predict(texts)


@pytest.mark.slow  # loads every committed model
@pytest.mark.parametrize("name", [spec.name for spec in registry.SPECS])
def test_served_models_answer_a_text_the_same_whatever_its_batch(name, sample):
    """Alone, in a batch, shuffled, and padded next to long texts: same label and confidence to 4 decimals."""
    model = registry.load(name)
    texts = sample[0]
    long = [" ".join(["My whole week went wrong from the start and nobody would listen to me."] * 8)] * 3
    alone = np.stack([model.predict_proba([text])[0] for text in texts])
    together = model.predict_proba(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = model.predict_proba([texts[i] for i in order])[np.argsort(order)]
    padded = model.predict_proba([*long, *texts])[len(long) :]
    for other in (together, shuffled, padded):
        assert (other.argmax(axis=1) == alone.argmax(axis=1)).all()
        assert np.abs(other - alone).max() < 5e-5
