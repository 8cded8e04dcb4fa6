"""`label --engine ray` against `--engine local`: same rows, columns, labels and confidences; a killed worker;
bad input. A local Ray with 2 CPUs is started once for the module (the killed-worker test starts its own)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from emotion.cli import main
from emotion.labelling.ray_engine import POSITION_COLUMNS, read_output
from emotion.labelling.table import result_columns

pytestmark = pytest.mark.slow  # Ray clusters and killed workers

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -r requirements-ray.txt)")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def survey(texts: list[str], rows: int, start: int = 0) -> pd.DataFrame:
    """Distinct texts (the row number is part of each), an id kept as a string, some empty cells."""
    frame = pd.DataFrame(
        {
            "id": [f"{i:05d}" for i in range(start, start + rows)],
            "answer": [f"{texts[i % len(texts)]} (#{i})" for i in range(start, start + rows)],
            "note": ["=1+1" if i % 7 == 0 else "" for i in range(start, start + rows)],
        }
    )
    frame.loc[frame.index[3::500], "answer"] = ""
    return frame


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def label_locally(capsys, source: Path, output: Path, *options: str, err: list | None = None) -> pd.DataFrame:
    code, _, printed = run(capsys, "label", str(source), "--text-column", "answer", "--output", str(output), *options)
    assert code == 0, printed
    if err is not None:
        err.append(printed)
    return pd.read_parquet(output) if output.suffix == ".parquet" else pd.read_csv(output, dtype=str)


def progress_counts(err: str) -> list[tuple[int, int]]:
    """Every ``done/total`` the progress bar printed."""
    return [(int(done), int(total)) for done, total in re.findall(r"(\d+)/(\d+) \[", err)]


def as_text(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in values]


def assert_same_results(local: pd.DataFrame, distributed: pd.DataFrame, names: list[str]) -> None:
    """Same columns in the same order, same row count and order, same values (numbers to 4 decimals)."""
    assert list(distributed.columns) == list(local.columns)
    assert list(local.columns[-len(result_columns(names)) :]) == result_columns(names)
    assert len(distributed) == len(local)
    for column in local.columns:
        if column.endswith("_confidence") or column == "agreement":
            a = pd.to_numeric(local[column], errors="coerce").round(4).reset_index(drop=True)
            b = pd.to_numeric(distributed[column], errors="coerce").round(4).reset_index(drop=True)
            pd.testing.assert_series_equal(a, b, check_names=False, check_dtype=False, atol=0, rtol=0)
        else:
            assert as_text(local[column]) == as_text(distributed[column]), column


@pytest.mark.usefixtures("local_ray")
def test_a_file_gives_the_local_engines_labels(capsys, tmp_path, sample):
    # Each engine batches the rows its own way (chunks, blocks, token-length order); the served models answer
    # a text the same whatever its batch-mates (per-token or static int8, fp32), so the tables are equal.
    texts, _ = sample
    source = tmp_path / "survey.csv"
    survey(texts, 2500).to_csv(source, index=False)
    names = ["encoder-fast", "tfidf"]
    models = [option for name in names for option in ("--model", name)]
    printed = []
    local = label_locally(capsys, source, tmp_path / "local.parquet", *models, err=printed)
    code, out, err = run(
        capsys,
        "label",
        str(source),
        "--text-column",
        "answer",
        *models,
        "--chunk-rows",
        "700",
        "--engine",
        "ray",
        "--workers",
        "2",
        "--output",
        str(tmp_path / "ray_out"),
    )
    assert code == 0, err
    assert '"rows": 2500' in out
    distributed = read_output(tmp_path / "ray_out")
    assert_same_results(local, distributed, names)
    assert (local.status == "empty text").sum() == 5
    assert list(distributed["id"]) == [f"{i:05d}" for i in range(2500)]  # strings stay strings, order kept
    for engine in (printed[0], err):  # rows of the file, two models or not, never past the total
        counts = progress_counts(engine)
        assert counts and counts[-1] == (2500, 2500), engine
        assert all(done <= total == 2500 for done, total in counts), counts


@pytest.mark.usefixtures("local_ray")
def test_a_directory_and_a_glob_give_every_row_in_input_order(capsys, tmp_path, sample):
    texts, _ = sample
    folder = tmp_path / "parts"
    folder.mkdir()
    parts = [survey(texts, rows, start) for rows, start in ((700, 0), (10, 700), (1300, 710))]
    for i, part in enumerate(parts):
        part.to_csv(folder / f"part-{i}.csv", index=False)
    (folder / "README.txt").write_text("not an input")
    whole = tmp_path / "whole.csv"
    pd.concat(parts).to_csv(whole, index=False)
    local = label_locally(capsys, whole, tmp_path / "local.csv", "--model", "tfidf")
    for source, output in ((folder, "from_dir"), (folder / "part-*.csv", "from_glob")):
        code, _, err = run(
            capsys,
            "label",
            str(source),
            "--text-column",
            "answer",
            "--model",
            "tfidf",
            "--engine",
            "ray",
            "--output",
            str(tmp_path / output),
            "--output-format",
            "csv",
            "--chunk-rows",
            "256",
        )
        assert code == 0, err
        distributed = read_output(tmp_path / output, keep_positions=True)
        assert list(distributed[POSITION_COLUMNS[0]].unique()) == [0, 1, 2]
        assert_same_results(local, distributed.drop(columns=list(POSITION_COLUMNS)), ["tfidf"])
        assert distributed.note.iloc[0] == "'=1+1"  # formulas neutralised in CSV, as locally


@pytest.mark.usefixtures("local_ray")
@pytest.mark.parametrize(
    ("source", "files", "message"),
    [
        ("missing.csv", {}, "input not found"),
        ("empty", {"empty/notes.txt": "not an input"}, "the directory holds no .csv/.tsv/.parquet/.jsonl"),
        ("nothing-*.csv", {}, "no files match"),
        (
            "mixed",
            {"mixed/a.csv": "id,answer\n1,I was happy\n", "mixed/b.csv": "id,answer,extra\n2,I was sad,x\n"},
            "files have different columns",
        ),
        (
            "parts",
            {"parts/a.csv": "id,answer\n1,I was happy\n", "parts/b.csv": "id,comment\n2,I was sad\n"},
            "b.csv: no column 'answer'",
        ),
        ("bad.csv", {"bad.csv": 'id,answer\n1,"unterminated\n'}, "cannot read"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(capsys, tmp_path, source, files, message):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(content)
    output = tmp_path / "out"
    argv = ["label", str(tmp_path / source), "--text-column", "answer", "--engine", "ray", "--output", str(output)]
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err, err
    assert err.count("\n") == 1
    assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if ".incomplete-" in p.name]


def test_unreachable_address_and_missing_ray_are_one_line_errors(capsys, tmp_path, monkeypatch):
    source = tmp_path / "a.csv"
    source.write_text("id,answer\n1,I was happy\n")
    argv = ["label", str(source), "--text-column", "answer", "--engine", "ray", "--output", str(tmp_path / "o")]
    code, _, err = run(capsys, *argv, "--ray-address", "127.0.0.1:9")
    assert code == 2 and "cannot reach Ray at 127.0.0.1:9" in err, err
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    code, _, err = run(capsys, *argv)
    assert code == 2 and "pip install -r requirements-ray.txt" in err and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()


def test_a_killed_worker_is_retried_and_every_row_is_written_once(tmp_path, sample):
    import psutil

    texts, _ = sample
    rows = 24_000  # about 12 s of labelling per worker on 2 cores: the kill lands mid-run
    source = tmp_path / "big.csv"
    survey(texts, rows).to_csv(source, index=False)
    output = tmp_path / "out"
    command = [sys.executable, "-m", "emotion", "label", str(source), "--text-column", "answer"]
    command += ["--engine", "ray", "--workers", "2", "--chunk-rows", "2000", "--output", str(output)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = None
    deadline = time.time() + 150
    while time.time() < deadline and process.poll() is None and killed is None:
        workers = [
            p
            for p in psutil.Process(process.pid).children(recursive=True)
            if "MapWorker" in " ".join(p.cmdline() or []) and p.cpu_times().user > 3
        ]  # a worker that has loaded its models and labelled for a while
        if workers:
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    log, _ = process.communicate(timeout=240)
    assert killed is not None, log[-3000:]
    assert process.returncode == 0, log[-3000:]
    result = read_output(output)
    assert list(result["id"]) == [f"{i:05d}" for i in range(rows)]  # every row once, in order
    assert result["encoder-fast_label"].notna().sum() == rows - (rows + 496) // 500


@pytest.mark.usefixtures("local_ray")
def test_llm_requests_in_flight_across_workers_stay_at_the_concurrency(capsys, tmp_path, monkeypatch):
    from tests.llm_servers import FaultyServer

    server = FaultyServer("slow", delay=0.3)
    presets = tmp_path / "presets.toml"
    presets.write_text(
        f'[fake]\nbase_url = "{server.url}"\nmodel = "m"\nstructured_output = "json_schema"\nlogprobs = false\n'
    )
    monkeypatch.setenv("EMOTION_LLM_PRESETS", str(presets))  # reaches the actors with the other EMOTION_* settings
    monkeypatch.setenv("EMOTION_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "a.csv"
    pd.DataFrame({"answer": [f"I was happy on day {i}" for i in range(24)]}).to_csv(source, index=False)
    argv = ["label", str(source), "--text-column", "answer", "--model", "llm:fake", "--engine", "ray"]
    try:
        code, _, err = run(
            capsys,
            *argv,
            "--workers",
            "2",
            "--llm-concurrency",
            "2",
            "--chunk-rows",
            "6",
            "--output",
            str(tmp_path / "o"),
        )
        assert code == 0, err
        result = read_output(tmp_path / "o")
        assert (result["llm:fake_label"] == "joy").all() and len(result) == 24
        assert server.requests == 24
        assert server.max_active <= 2  # one request per worker at a time: 2 across the cluster
        code, _, err = run(capsys, *argv, "--workers", "3", "--llm-concurrency", "2", "--output", str(tmp_path / "o2"))
        assert code == 2 and "3 workers would send more than 2 LLM requests at once" in err
    finally:
        server.close()


def test_a_batch_whose_model_raises_keeps_its_rows_marked_failed(monkeypatch):
    from emotion.labelling import ray_engine as distributed

    monkeypatch.setenv("EMOTION_THREADS", "1")  # the actor sets it; restored after the test
    worker = distributed.LabelBatches(["tfidf"], "answer", threads=1)  # the actor class, called in-process
    batch = pd.DataFrame({"answer": ["I was happy", "I was sad", None], "_input_file": 0, "_input_row": [0, 1, 2]})

    def boom(*_args, **_kwargs):
        raise RuntimeError("model crashed\nwith a second line")

    monkeypatch.setattr(distributed, "label_table", boom)
    out = worker(batch).to_pandas()
    assert len(out) == 3 and list(out["_input_row"]) == [0, 1, 2]
    assert list(out["status"]) == ["failed: RuntimeError: model crashed"] * 3
    assert out["tfidf_label"].isna().all() and list(out.columns[:1]) == ["answer"]
    assert list(out.columns[1:-2]) == result_columns(["tfidf"])


@pytest.mark.usefixtures("local_ray")
def test_a_custom_model_labels_on_ray_as_it_does_locally(capsys, tmp_path, monkeypatch):
    from emotion.training.adapt import AdaptArgs, AdaptJob, check_adapt_data
    from tests.test_adapt import rows

    monkeypatch.setenv("EMOTION_MODELS_DIR", str(tmp_path / "models"))  # the actors get it with the driver's settings
    texts, labels = rows()
    AdaptJob("raytest", check_adapt_data(texts, labels), AdaptArgs(epochs=3)).run()
    source = tmp_path / "mine.csv"
    survey(texts, 300).to_csv(source, index=False)
    local = label_locally(capsys, source, tmp_path / "local.parquet", "--model", "custom:raytest")
    options = ("--model", "custom:raytest", "--engine", "ray", "--workers", "2", "--output", str(tmp_path / "ray_out"))
    code, _, err = run(capsys, "label", str(source), "--text-column", "answer", *options)
    assert code == 0, err
    assert_same_results(local, read_output(tmp_path / "ray_out"), ["custom:raytest"])
    assert local["custom:raytest_label"].notna().sum() == 300 - 1  # one empty answer
