"""The committed models: cards complete, files match their sha256, dev scores reproduce."""

import itertools

import pytest
from sklearn.metrics import f1_score

from emotion import config, registry
from emotion.artifacts import ArtifactError, artifact_dir, read_card
from emotion.io.datasets import load_isear

pytestmark = pytest.mark.slow  # every committed model on its whole dev set

COMMITTED = [spec.name for spec in registry.SPECS]
"""Every committed model: the registry's specs (a new family is covered by its spec line)."""


@pytest.mark.parametrize("name", COMMITTED)
def test_cards_are_complete_and_files_match(name):
    card = read_card(artifact_dir(name))  # raises if a file is missing or its sha256 differs
    for key in (
        "created",
        "recipe",
        "data",
        "seed",
        "training_seconds",
        "dev_metrics",
        "files",
        "confidence_calibration",
    ):
        assert key in card, key
    assert sum(f["bytes"] for f in card["files"].values()) < 10_000_000  # small artifacts only
    knots = card["confidence_calibration"]["confidence_knots"]  # the map after the temperature, strictly increasing
    assert len(knots) >= 3 and all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(knots))


def test_tampered_artifact_is_refused(tmp_path):
    import shutil

    folder = tmp_path / "tfidf"
    shutil.copytree(artifact_dir("tfidf"), folder)
    with open(folder / "model.pkl", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ArtifactError, match="sha256"):
        read_card(folder)


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("{}", "not a card"),
        ("[1, 2]", "not a card"),
        ("not json", "not a card"),
        ('{"files": {"../../etc/passwd": {"sha256": "0"}}}', "outside its folder"),
    ],
)
def test_a_card_not_written_here_is_refused_in_one_line(tmp_path, card, message):
    (tmp_path / "card.json").write_text(card)
    with pytest.raises(ArtifactError, match=message):
        read_card(tmp_path)


DEV_ANSWERS: dict = {}
"""Each committed model's answers on ISEAR dev, as the tests below score them."""


@pytest.mark.isear
@pytest.mark.parametrize("name", COMMITTED)
def test_committed_model_reproduces_its_dev_score(isear_dir, name):
    """The served model scores what its card says: the served ONNX graph's figure for encoders on ONNX Runtime."""
    dev = load_isear("dev")
    model = registry.load(name)
    # An ensemble whose members were just scored combines their answers, as labelling does (members first).
    answers = model.from_members(DEV_ANSWERS) or model.classify(list(dev.text))
    DEV_ANSWERS[model] = answers
    score = f1_score(list(dev.label), answers.labels, average="macro")
    card = read_card(artifact_dir(name))
    served = card.get("onnx", {}).get("served") if config.encoder_runtime() == "onnx" else None
    expected = card["onnx"][f"dev_macro_f1_{served.replace('-', '_')}"] if served else card["dev_metrics"]["macro_f1"]
    assert score == pytest.approx(expected, abs=0.005)


def test_registry_names_and_errors():
    names = registry.model_names()
    assert names[:6] == ["encoder-fast", "encoder", "encoder-large", "tfidf", "seq2seq", "ensemble"]
    assert names[0] == registry.DEFAULT_MODEL
    assert "llm:local-smollm2" in names
    with pytest.raises(registry.UnknownModelError, match="unknown model 'bert'"):
        registry.load("bert")
    info = registry.info("llm:openai-gpt-4o-mini", probe=False)
    assert info.family == "llm" and not info.local


def test_an_ensemble_mixes_its_members_served_probabilities():
    """The ensemble's weights were fitted on what its members serve (int8 graphs); it shares their objects."""
    members = {member.name: member for member in registry.load("ensemble").members}
    assert list(members) == read_card(artifact_dir("ensemble"))["members"]  # as chosen on dev, in the card's order
    assert {"encoder-fast", "encoder-large"} <= set(members)
    for name, member in members.items():
        assert member is registry.load(name)
        if name.startswith("encoder"):
            assert member.onnx_path.name.endswith("-int8t.onnx")  # per-token int8


def test_a_model_is_never_distilled_from_an_ensemble_of_itself(monkeypatch):
    from emotion.training import isear_stage as train

    def no_training(*args, **kwargs):
        raise AssertionError("the guard let training start")  # never an hour of training, nor a rewritten artifact

    monkeypatch.setattr(train, "load_isear", no_training)
    assert "encoder-fast" in registry.members_of("ensemble")  # the committed ensemble averages the default
    assert registry.members_of("encoder-fast") == [] and registry.members_of("llm:local-smollm2") == []
    with pytest.raises(ValueError, match="'ensemble' averages 'encoder-fast'"):
        train.train_isear_fast_encoder(teacher="ensemble", name="encoder-fast")
    with pytest.raises(AssertionError, match="guard let training start"):  # a first stage is not a member
        train.train_isear_fast_encoder(teacher="ensemble")
