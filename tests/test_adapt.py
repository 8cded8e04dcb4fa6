"""Models adapted to a user's labels: the checks of the labelled rows, the job, the ``custom:NAME`` model everywhere a
model works, and a changed folder refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emotion import registry
from emotion.artifacts import ArtifactError
from emotion.labelling.review import review_order
from emotion.labels import LABELS
from emotion.training.adapt import AdaptArgs, AdaptDataError, AdaptJob, check_adapt_data, check_name, read_adapt_file

pytestmark = pytest.mark.slow  # fine-tunes adapters

SUBJECTS = ["the parcel", "my manager", "the new phone", "the hotel", "our landlord", "the bank", "the airline"]
TEMPLATES = {
    "anger": "I am furious with {}: they ignored me again and I want to shout at someone.",
    "fear": "I am scared about {}; my hands shake when I think of what could happen tonight.",
    "joy": "So happy with {}, it made my whole week wonderful and I smiled all day.",
    "sadness": "I feel so sad and empty about {}, I cried quietly the whole evening.",
}


def rows(per_label: int = 10) -> tuple[list[str], list[str]]:
    """Hand-written labelled rows: each template with a different subject and a number, so no text repeats."""
    texts, labels = [], []
    for label, template in TEMPLATES.items():
        for i in range(per_label):
            texts.append(template.format(SUBJECTS[i % len(SUBJECTS)]) + f" (ticket {i})")
            labels.append(label)
    return texts, labels


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


def test_too_few_rows_and_a_single_emotion_are_refused_with_the_reason():
    texts, labels = rows()
    with pytest.raises(AdaptDataError, match="only 20 usable labelled rows: adapting needs at least 30"):
        check_adapt_data(texts[:20], labels[:20])
    with pytest.raises(AdaptDataError, match="every usable row is labelled 'anger'"):
        check_adapt_data(texts[:10] * 1 + [t + "!" for t in texts[:30]], ["anger"] * 40)


def test_unknown_labels_duplicates_and_no_emotion_rows_are_left_out_and_counted():
    texts, labels = rows()
    texts += ["Order received.", "Thanks, noted.", "Dunno what to say", texts[0], texts[1], "", "It is a bird"]
    labels += ["neutral", "no emotion", "confused", labels[0], "joy", "joy", "surprise"]
    data = check_adapt_data(texts, labels)
    said = " | ".join(data.warnings)
    assert "2 rows whose label names none of the seven emotions left out: 'confused' (1), 'surprise' (1)" in said
    assert "2 rows labelled 'no emotion' left out" in said
    assert "2 texts appear more than once: one copy kept of each; 1 of them with different labels, left out" in said
    assert "1 rows without text left out" in said
    assert len(data.texts) == 39 and texts[1] not in data.texts and texts[0] in data.texts
    assert len(data.sha256) == 64


def test_names_of_built_in_models_and_odd_names_are_refused(models_dir):
    for name in ("encoder-fast", "custom:tfidf", "ensemble"):
        with pytest.raises(AdaptDataError, match="built-in model's name"):
            check_name(name)
    with pytest.raises(AdaptDataError, match="lower-case letters"):
        check_name("My Model!")
    assert check_name("custom:support-tickets") == "support-tickets"


def test_a_labelled_file_is_read_with_guessed_columns(tmp_path):
    texts, labels = rows()
    path = tmp_path / "mine.csv"
    pd.DataFrame({"comment": texts, "tag": labels, "n": range(len(texts))}).to_csv(path, index=False)
    data = read_adapt_file(path)
    assert len(data.texts) == 40 and set(data.labels) == set(TEMPLATES)


def test_an_adapted_model_is_compared_saved_and_works_everywhere(models_dir, tmp_path):
    from emotion.labelling.table import label_table

    texts, labels = rows()
    job = AdaptJob("tickets", check_adapt_data(texts, labels), AdaptArgs(epochs=3), compare_with=("tfidf",)).run()
    assert job.stage == "done" and job.comparison.folds == 3
    assert set(job.comparison.models) == {"encoder-fast", "tfidf"}
    low, high = job.comparison.difference["interval"]
    assert low <= job.comparison.difference["macro_f1_difference"] <= high
    card = job.card
    assert card["data"]["rows"] == 40 and card["base"] == "encoder-fast" and "LoRA" in card["recipe"]
    assert "custom:tickets" in registry.model_names()
    model = registry.load("custom:tickets")
    assert model.predict(["I am furious with the courier: they ignored me again and I want to shout."]) == ["anger"]
    out = label_table(
        pd.DataFrame({"text": ["So happy with the hotel, I smiled all day.", ""]}), "text", {"custom:tickets": model}
    )
    assert out["custom:tickets_label"].iloc[0] == "joy" and out["status"].iloc[1] != "ok"
    assert "custom:tickets_no_emotion" in out
    with pytest.raises(AdaptDataError, match="exists already"):
        AdaptJob("tickets", check_adapt_data(texts, labels))


def test_a_changed_custom_model_folder_is_refused(models_dir):
    texts, labels = rows()
    AdaptJob("changed", check_adapt_data(texts, labels), AdaptArgs(epochs=3)).run()
    adapter = models_dir / "changed" / "adapter_model.safetensors"
    adapter.write_bytes(adapter.read_bytes()[:-10] + b"0123456789")
    assert not registry.info("custom:changed").status.ready
    assert "sha256" in registry.info("custom:changed").status.reason
    with pytest.raises(ArtifactError, match="sha256"):
        registry.load("custom:changed")


def test_the_review_queue_takes_uncertain_rows_first_and_every_emotion_in_turn():
    frame = pd.DataFrame(
        {
            "m_label": ["joy", "joy", "joy", "anger", "anger", "fear"],
            "m_confidence": [0.9, 0.4, 0.6, 0.95, 0.5, 0.99],
        }
    )
    order = review_order(frame, ["m"])
    assert order[:3] == [1, 4, 5]  # the least confident of each predicted emotion, the least confident first
    assert order[3:] == [2, 3, 0]
    corrected = pd.Series([False, True, False, False, False, False])
    assert review_order(frame, ["m"], exclude=corrected)[0] == 4
    assert set(LABELS) >= set(frame["m_label"])


def test_the_cli_adapts_then_classifies_labels_and_evaluates_with_the_custom_model(models_dir, tmp_path, capsys):
    import json

    from emotion.cli import main

    texts, labels = rows()
    data = tmp_path / "mine.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(data, index=False)
    assert main(["adapt", "--data", str(data), "--name", "mine", "--compare", "tfidf", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "saved custom:mine (40 rows" in out and "tfidf:" in out
    assert main(["adapt", "--data", str(data), "--name", "tfidf"]) == 2
    assert "built-in model's name" in capsys.readouterr().err
    assert main(["classify", "So happy with the bank, I smiled all day.", "--model", "custom:mine"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["model"] == "custom:mine" and row["label"] == "joy"
    output = tmp_path / "labelled.csv"
    assert main(["label", str(data), "--text-column", "text", "--model", "custom:mine", "--output", str(output)]) == 0
    labelled = pd.read_csv(output)
    assert (labelled["custom:mine_label"] == labelled["label"]).mean() > 0.9
    assert main(["evaluate", "--data", str(data), "--model", "custom:mine", "--output", str(tmp_path / "ev")]) == 0
    metrics = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert metrics["models"]["custom:mine"]["family"] == "custom"
    small = tmp_path / "small.csv"
    pd.DataFrame({"text": texts[:12], "label": labels[:12]}).to_csv(small, index=False)
    assert main(["adapt", "--data", str(small), "--name", "small"]) == 2
    assert "adapting needs at least 30" in capsys.readouterr().err


def test_the_review_queue_puts_representative_rows_first_when_it_has_features():
    from emotion.labelling.review import diverse_order

    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    sizes = [60, 30, 10]
    features = np.vstack([c + rng.normal(0, 0.5, (n, 2)) for c, n in zip(centres, sizes, strict=True)])
    order = diverse_order(features, levels=(3, 6))
    first = [int(np.argmin(((centres - features[i]) ** 2).sum(axis=1))) for i in order[:3]]
    assert first == [0, 1, 2]  # one row of each group, the largest group first
    assert len(order) == len(set(order)) and 6 <= len(order) <= 9  # each level adds the centres not yet taken
    frame = pd.DataFrame({"m_label": ["joy"] * 100, "m_confidence": rng.uniform(0.3, 0.9, 100)})
    queue = review_order(frame, ["m"], features=features)
    assert queue[:25] == diverse_order(features)[:25] and sorted(queue) == list(range(100))
