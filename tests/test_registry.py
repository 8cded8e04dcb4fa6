"""One spec per model family: a toy family registered with one line works in classify, label, evaluate, the pages
and the benchmark, and nothing outside its module names it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from emotion import registry
from emotion.classifier import Classifier
from emotion.cli import main

TOY = registry.ModelSpec("toy", {"any": "tests.toy_family:ToyClassifier"}, "tests.toy_family:train")
ROWS = {
    "I am so angry at the bank": "anger",
    "That was gross, really": "disgust",
    "I was scared of the dark": "fear",
    "I am sorry I forgot": "guilt",
    "So happy today": "joy",
    "A sad goodbye": "sadness",
}


@pytest.fixture
def toy():
    registry.register(TOY)
    yield "toy"
    registry.unregister("toy")


def test_the_committed_specs_describe_every_local_model():
    assert [spec.name for spec in registry.SPECS] == list(registry.LOCAL_MODELS)
    assert registry.SPECS[0].name == registry.DEFAULT_MODEL
    assert {spec.name for spec in registry.SPECS if spec.exportable} == {"encoder-fast", "encoder", "encoder-large"}
    assert not registry.SPEC["ensemble"].ensemble_candidate
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.SPECS[0])


def test_a_toy_family_works_in_the_cli(toy, tmp_path, capsys):
    assert toy in registry.model_names() and registry.info(toy).family == "toy"
    assert main(["classify", "So happy today", "--model", toy]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["label"] == "joy"
    data = tmp_path / "rows.csv"
    pd.DataFrame({"text": list(ROWS), "label": list(ROWS.values())}).to_csv(data, index=False)
    assert main(["label", str(data), "--text-column", "text", "--model", toy, "--output", str(tmp_path / "o.csv")]) == 0
    assert list(pd.read_csv(tmp_path / "o.csv")["toy_label"]) == list(ROWS.values())
    assert main(["evaluate", "--data", str(data), "--model", toy, "--output", str(tmp_path / "ev")]) == 0
    metrics = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert metrics["models"]["toy"]["accuracy"] == 1.0 and metrics["models"]["toy"]["family"] == "toy"
    capsys.readouterr()
    assert main(["train", toy, "--seed", "3"]) == 0
    assert json.loads(capsys.readouterr().out) == {"model": "toy", "seed": 3}  # the spec's training function ran
    assert main(["train", toy, "--epochs", "2"]) == 2
    assert "training toy takes no --epochs" in capsys.readouterr().err


@pytest.mark.slow  # AppTest
def test_a_toy_family_works_on_the_pages(toy):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.text_area(key="classify_text").input("I was scared of the dark").run()
    at.multiselect(key="classify_models").set_value([toy]).run()
    at.button(key="classify_button").click().run()
    assert not at.exception, at.exception
    assert at.metric[0].label == toy and at.metric[0].value == "fear"


@pytest.mark.isear
def test_a_toy_family_works_in_the_benchmark(toy, tmp_path, isear_dir):
    from emotion.bench import run_benchmark

    output = tmp_path / "BENCH.md"
    output.write_text("# Benchmarks (old)\n\nold table\n\n## Other measurements\n\nkept as they are\n")
    table = run_benchmark(output, models=(toy,), children=False)
    assert "| toy |" in table
    written = output.read_text()
    assert "old table" not in written and written.endswith("## Other measurements\n\nkept as they are\n")


@pytest.mark.slow  # loads every committed model
@pytest.mark.parametrize("spec", registry.SPECS, ids=lambda spec: spec.name)
def test_each_spec_names_the_class_that_runs_it_in_torch(spec):
    cls = spec.torch_class()
    assert issubclass(cls, Classifier) and cls.name == spec.name
    assert "onnx" not in cls.__module__  # the encoders' torch class, never their ONNX one


def test_loading_the_default_model_imports_no_pandas():
    """``label`` loads its models while pandas is imported (a small file's start-up overlaps them): a model's load
    must not need pandas itself."""
    import subprocess
    import sys

    registry.load(registry.DEFAULT_MODEL)  # exported once here if missing (the export may import anything)
    code = "import sys; from emotion import registry; registry.load(registry.DEFAULT_MODEL); print(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'pandas'" not in loaded and "'emotion.registry'" in loaded
