"""Command-line round trips on small files written by the tests (the committed tfidf model)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pandas as pd
import pytest

from emotion.cli import main
from emotion.labels import LABELS
from tests.browser import ROOT


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_classify_prints_json(capsys):
    code, out, _ = run(capsys, "classify", "I passed my driving test!", "--model", "tfidf")
    assert code == 0
    [row] = json.loads(out)
    assert row["model"] == "tfidf" and row["label"] in LABELS
    assert list(row["probabilities"]) == list(LABELS)
    assert sum(row["probabilities"].values()) == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", "   ", "--model", "tfidf"], "empty text"),
        (["classify", "hello", "--model", "nope"], "unknown model 'nope'"),
        (["label", "missing.csv", "--text-column", "t", "--model", "tfidf", "--output", "o.csv"], "file not found"),
    ],
)
def test_bad_input_gives_one_line_errors(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and err.count("\n") == 1


@pytest.fixture
def survey(tmp_path, sample) -> pd.DataFrame:
    texts, _ = sample
    return pd.DataFrame(
        {
            "respondent": [f"p{i:03d}" for i in range(len(texts) + 2)],
            "answer": [*texts, "", "12345"],
            "age": [str(20 + i) for i in range(len(texts) + 2)],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_label_keeps_every_row_and_column(capsys, tmp_path, survey, suffix):
    source = tmp_path / f"survey{suffix}"
    {
        ".csv": lambda p: survey.to_csv(p, index=False),
        ".xlsx": lambda p: survey.to_excel(p, index=False),
        ".parquet": lambda p: survey.to_parquet(p, index=False),
    }[suffix](source)
    output = tmp_path / ("out.xlsx" if suffix == ".xlsx" else "out.csv")
    code, _out, err = run(
        capsys,
        "label",
        str(source),
        "--text-column",
        "answer",
        "--model",
        "tfidf",
        "--output",
        str(output),
        "--chunk-rows",
        "4",
    )
    assert code == 0, err
    result = pd.read_excel(output, dtype=str) if suffix == ".xlsx" else pd.read_csv(output, dtype=str)
    assert list(result.columns[:3]) == ["respondent", "answer", "age"]
    assert list(result.respondent) == list(survey.respondent)
    assert {"tfidf_label", "tfidf_confidence", "status"} <= set(result.columns)
    assert result.tfidf_label.iloc[:-2].isin(LABELS).all()
    assert result.status.iloc[-2] == "empty text"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_label_keeps_the_users_columns_that_it_would_write_and_says_so(capsys, tmp_path, suffix):
    mine = {"status": "open", "language": "mine", "no_emotion": "user value", "tfidf_label": "user label"}
    source = tmp_path / "mine.csv"
    pd.DataFrame({"text": ["I am furious about the delay", "Thank you so much"], **mine}).to_csv(source, index=False)
    output = tmp_path / f"out{suffix}"
    code, out, err = run(
        capsys, "label", str(source), "--text-column", "text", "--model", "tfidf", "--output", str(output)
    )
    assert code == 0, err
    result = pd.read_excel(output, dtype=str) if suffix == ".xlsx" else pd.read_csv(output, dtype=str)
    for column, value in mine.items():
        assert list(result[f"{column} (input)"]) == [value, value]  # the user's values, under a name that says so
    assert set(result["tfidf_label"]) <= set(LABELS) and set(result["language"]) == {"en"}
    assert all("input column 'status' kept as 'status (input)'" in s for s in result["status"])
    assert "kept under new names: 'status' as 'status (input)'" in out


@pytest.mark.parametrize(
    ("name", "content", "column", "message"),
    [
        ("nums.csv", "a,b\n1,2\n3,4\n", "a", "holds no text"),
        ("fake.xlsx", "id,text\n1,hello\n", "text", "cannot read as XLSX"),
        ("t.csv", "id,text\n1,hello\n", "comment", "no column 'comment'"),
        ("broken.csv", 'id,text\n1,"hello\n2,unterminated', "text", "cannot read"),
    ],
)
def test_label_rejects_bad_files(capsys, tmp_path, name, content, column, message):
    (tmp_path / name).write_text(content)
    code, _, err = run(
        capsys,
        "label",
        str(tmp_path / name),
        "--text-column",
        column,
        "--model",
        "tfidf",
        "--output",
        str(tmp_path / "o.csv"),
    )
    assert code == 2 and message in err, err


@pytest.mark.slow  # kills a labelling process
def test_killed_run_resumes_without_duplicates(tmp_path, sample):
    texts, _ = sample
    rows = 20_000  # several seconds of work, so the kill lands mid-run
    source = tmp_path / "big.csv"
    pd.DataFrame({"n": range(rows), "text": [f"{texts[i % len(texts)]} #{i}" for i in range(rows)]}).to_csv(
        source, index=False
    )
    command = [
        sys.executable,
        "-m",
        "emotion",
        "label",
        str(source),
        "--text-column",
        "text",
        "--model",
        "tfidf",
        "--output",
        str(tmp_path / "out.csv"),
        "--chunk-rows",
        "250",
    ]
    state = tmp_path / "out.csv.progress.json"
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (
        state.exists() and json.loads(state.read_text() or "{}").get("rows", 0) >= 500
    ):
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert not (tmp_path / "out.csv").exists()  # it really was interrupted
    done_before = json.loads(state.read_text())["rows"]
    assert 500 <= done_before < rows
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    result = pd.read_csv(tmp_path / "out.csv")
    assert list(result.n) == list(range(rows))  # nothing duplicated, nothing lost
    assert result.tfidf_label.isin(LABELS).all()
    assert not state.exists()


def test_evaluate_any_file_with_dev_columns(capsys, tmp_path, sample):
    texts, labels = sample
    data = tmp_path / "mine.csv"
    pd.DataFrame({"id": range(len(texts)), "label": labels, "text": texts}).to_csv(data, index=False)
    code, _, err = run(capsys, "evaluate", "--data", str(data), "--model", "tfidf", "--output", str(tmp_path / "ev"))
    assert code == 0, err
    metrics = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert metrics["data"]["rows"] == len(texts) and len(metrics["data"]["sha256"]) == 64
    tfidf = metrics["models"]["tfidf"]
    assert tfidf["n"] == len(texts) and 0 <= tfidf["macro_f1"] <= 1
    assert set(tfidf["per_class"]) == set(LABELS) and len(tfidf["confusion"]["matrix"]) == 7
    assert "gpt-3.5-turbo-1106" not in metrics["models"]  # not ISEAR rows: published sets are not joined
    predictions = pd.read_csv(tmp_path / "ev" / "predictions.csv")
    assert list(predictions.columns) == ["id", "gold", "tfidf", "tfidf_confidence"]
    assert "text" not in predictions


def test_evaluate_merge_reruns_one_model_and_keeps_the_others_as_they_were(capsys, tmp_path, sample):
    texts, labels = sample
    data, out = tmp_path / "mine.csv", tmp_path / "ev"
    pd.DataFrame({"id": range(len(texts)), "label": labels, "text": texts}).to_csv(data, index=False)
    for model in ("tfidf", "encoder-fast"):  # the stored evaluation is built the same way, one run after another
        args = ["evaluate", "--data", str(data), "--model", model, "--output", str(out), "--merge"]
        assert run(capsys, *args)[0] == 0
    first = json.loads((out / "metrics.json").read_text())
    args = ["evaluate", "--data", str(data), "--model", "encoder-fast", "--output", str(out), "--merge"]
    assert run(capsys, *args)[0] == 0
    again = json.loads((out / "metrics.json").read_text())
    assert list(again["models"]) == ["tfidf", "encoder-fast"]  # the re-run model keeps its place
    assert again["models"]["tfidf"] == first["models"]["tfidf"]  # calibration_before included
    assert "calibration_before" in again["models"]["tfidf"]


@pytest.mark.isear
def test_export_finetune_jsonl(capsys, tmp_path, isear_dir):
    from emotion.llm.finetune import validate_example

    code, _, err = run(capsys, "export-finetune", "--output", str(tmp_path / "ft.jsonl"))
    assert code == 0, err
    lines = (tmp_path / "ft.jsonl").read_text().splitlines()
    assert len(lines) == 5366
    for line in lines[:50]:
        example = json.loads(line)
        validate_example(example)
        assert json.loads(example["messages"][-1]["content"])["emotion"] in LABELS


def test_evaluate_any_labelled_file_with_its_own_columns_and_imported_predictions(capsys, tmp_path, sample):
    texts, labels = sample
    data = tmp_path / "survey.csv"
    refs = [f"r{i}" for i in range(len(texts))]
    frame = pd.DataFrame({"ref": refs, "answer": texts, "mood": [label.upper() for label in labels]})
    frame.loc[len(frame)] = ["r-bad", "A text with an odd label", "hungry"]
    frame.to_csv(data, index=False)
    vendor = tmp_path / "vendor.csv"
    pd.DataFrame({"ref": [*list(reversed(refs)), "zz"], "vendor": [*list(reversed(labels)), "joy"]}).to_csv(
        vendor, index=False
    )
    out = tmp_path / "ev"
    args = ["evaluate", "--data", str(data), "--text-column", "answer", "--label-column", "mood"]
    args += ["--id-column", "ref", "--predictions", str(vendor), "--model", "tfidf", "--output", str(out)]
    args += ["--model", "cascade:tfidf+vendor", "--fallback-share", "0.5"]
    code, printed, err = run(capsys, *args)
    assert code == 0, err
    assert "1 label not an emotion (row 16)" in printed and "1 ids not in the data" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["excluded"] == [{"row": 16, "reason": "label not an emotion"}]
    assert metrics["models"]["vendor"]["accuracy"] == 1.0  # aligned by id although the file is reversed
    cascade = metrics["models"]["cascade:tfidf+vendor"]
    assert cascade["fallback_rows"] == len(texts) // 2 and cascade["family"] == "cascade"
    assert {"ece", "brier", "reliability"} <= set(metrics["models"]["tfidf"]["calibration"])
    assert "calibration_before" in metrics["models"]["tfidf"]  # a local model: before and after
    predictions = pd.read_csv(out / "predictions.csv")
    assert list(predictions["id"]) == refs
    assert set(predictions["cascade:tfidf+vendor_answered_by"]) == {"tfidf", "vendor"}


def test_evaluate_accepts_an_imported_prediction_set_by_name(capsys, tmp_path, sample):
    texts, labels = sample
    data = tmp_path / "d.csv"
    pd.DataFrame({"id": range(len(texts)), "text": texts, "label": labels}).to_csv(data, index=False)
    vendor = tmp_path / "v.csv"
    pd.DataFrame({"id": range(len(texts)), "vendor": labels}).to_csv(vendor, index=False)
    out = tmp_path / "ev"
    code, _, err = run(
        capsys, "evaluate", "--data", str(data), "--predictions", str(vendor), "--model", "vendor", "--output", str(out)
    )
    assert code == 0, err
    assert list(json.loads((out / "metrics.json").read_text())["models"]) == ["vendor"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "cascade:tfidf+tfidf"], "two different models"),
        (["--model", "cascade:tfidf+nobody"], "unknown fallback"),
        (["--model", "cascade:tfidf+vendor", "--threshold", "2"], "between 0 and 1"),
        (["--label-column", "text"], "same"),
    ],
)
def test_evaluate_bad_options_are_one_line_errors(capsys, tmp_path, sample, args, message):
    texts, labels = sample
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(data, index=False)
    vendor = tmp_path / "vendor.csv"
    pd.DataFrame({"vendor": labels}).to_csv(vendor, index=False)
    code, _, err = run(
        capsys, "evaluate", "--data", str(data), "--predictions", str(vendor), "--output", str(tmp_path / "o"), *args
    )
    assert code == 2 and err.startswith("error:") and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # the ensemble on all of ISEAR dev
@pytest.mark.isear
def test_cascade_of_the_ensemble_and_gpt35_on_dev(capsys, tmp_path, isear_dir):
    out = tmp_path / "ev"
    code, printed, err = run(
        capsys,
        "evaluate",
        "--predictions",
        "llm_zero_shot.csv",
        "--model",
        "cascade:ensemble+gpt-3.5-turbo-1106",
        "--output",
        str(out),
    )
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())["models"]
    cascade = metrics["cascade:ensemble+gpt-3.5-turbo-1106"]
    from emotion import registry

    # the default threshold sends 40% of the calibration's dev (ISEAR and GoEmotions dev pooled) to the fallback
    assert cascade["threshold"] == pytest.approx(registry.calibration("ensemble").threshold_for_share(0.4), abs=1e-4)
    assert cascade["fallback_share"] == pytest.approx(0.4, abs=0.05)  # on ISEAR dev alone, near it
    assert cascade["curve"][0]["macro_f1"] == pytest.approx(metrics["ensemble"]["macro_f1"])
    assert cascade["curve"][-1]["macro_f1"] == pytest.approx(metrics["gpt-3.5-turbo-1106"]["macro_f1"], abs=0.02)
    assert "5,366 ids not in the data ignored" in printed


def test_classify_a_cascade_names_who_answered(capsys):
    code, printed, err = run(
        capsys, "classify", "My dog died.", "--model", "cascade:tfidf+encoder-fast", "--threshold", "1"
    )
    assert code == 0, err
    assert json.loads(printed)[0]["answered_by"] == "encoder-fast"  # threshold 1: every row goes on


def test_demo_label_report_finds_the_planted_patterns(capsys, tmp_path):
    """The analyst's path on the command line: the demo workbook, labelled, then a report from `label`'s output."""
    from emotion.insights.demo import ANSWER_KEY

    code, out, _ = run(capsys, "demo", "--output", str(tmp_path))
    assert code == 0
    workbook = tmp_path / "customer_feedback_demo.xlsx"
    labelled = tmp_path / "labelled.csv"
    code, _, err = run(capsys, "label", str(workbook), "--text-column", "comment", "--output", str(labelled))
    assert code == 0, err
    folder = tmp_path / "report"
    code, out, err = run(
        capsys,
        "report",
        str(labelled),
        "--by",
        "product",
        "--by",
        "channel",
        "--time",
        "date",
        "--no-png",
        "--output",
        str(folder),
    )
    assert code == 0, err
    assert "StreamBox TV: anger" in out
    insights = json.loads((folder / "insights.json").read_text())
    assert insights["model"] == "encoder-fast" and insights["model_quality"]["macro_f1"] > 0.6
    from tests.test_insights import found_everything

    found_everything(insights)  # the planted segment, period and driver terms; nothing on channel
    assert ANSWER_KEY["silent_columns"] == ["channel"]
    assert (folder / "report.html").exists()


def test_report_reads_the_ray_engines_folder_of_parts(capsys, tmp_path):
    """`label --engine ray` writes a folder of Parquet parts: the report reads them as one table."""
    frame = pd.DataFrame(
        {
            "comment": ["I am furious about the refund"] * 30 + ["Lovely sound, very happy"] * 30,
            "store": ["north"] * 30 + ["south"] * 30,
            "encoder-fast_label": ["anger"] * 30 + ["joy"] * 30,
            "encoder-fast_confidence": [0.9] * 60,
        }
    )
    folder = tmp_path / "labelled"
    folder.mkdir()
    frame.iloc[:25].to_parquet(folder / "part-0.parquet")
    frame.iloc[25:].to_parquet(folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    code, out, err = run(capsys, "report", str(folder), "--by", "store", "--no-png", "--output", str(tmp_path / "r"))
    assert code == 0, err
    assert "60 rows counted of 60" in out and "north: anger 100% against 0% elsewhere" in out


def test_report_bad_input_is_a_one_line_error(capsys, tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"text": ["hello there", "more words"], "n": [1, 2]}).to_csv(path, index=False)
    code, _, err = run(capsys, "report", str(path), "--output", str(tmp_path / "r"))
    assert code == 2 and err.startswith("error: no label column found")
    labelled = tmp_path / "labelled.csv"
    pd.DataFrame({"text": ["hi there"] * 3, "label": ["joy"] * 3}).to_csv(labelled, index=False)
    code, _, err = run(capsys, "report", str(labelled), "--by", "nope", "--output", str(tmp_path / "r"))
    assert code == 2 and "no column 'nope'" in err
