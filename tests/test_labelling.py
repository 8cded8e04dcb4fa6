import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from emotion.classifier import Classifier, Predictions, TokenUsage
from emotion.dashboard.answers import usage_line
from emotion.io.formats import neutralise_formulas
from emotion.labelling.jobs import LabellingRun
from emotion.labelling.table import add_consensus, label_frame
from emotion.labels import LABELS


def test_consensus_votes_ties_and_flags():
    frame = pd.DataFrame(
        {
            "a_label": ["joy", "joy", "fear", None],
            "a_confidence": [0.9, 0.4, 0.3, np.nan],
            "b_label": ["joy", "fear", "fear", None],
            "b_confidence": [0.8, 0.9, 0.2, np.nan],
            "c_label": ["sadness", None, "fear", None],
            "c_confidence": [0.7, np.nan, 0.4, np.nan],
        }
    )
    out = add_consensus(frame, ["a", "b", "c"], threshold=0.5)
    # row 1: a 1-1 tie goes to the label with the higher confidence; row 3: nobody answered
    assert list(out.consensus_label[:3]) == ["joy", "fear", "fear"] and pd.isna(out.consensus_label[3])
    assert list(out.agreement[:3]) == [0.667, 0.5, 1.0] and np.isnan(out.agreement[3])
    assert list(out.disagreement) == [True, True, False, False]
    assert list(out.low_confidence) == [False, False, True, False]


def test_formula_cells_are_neutralised():
    frame = pd.DataFrame({"t": ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "plain", None, "-2"], "n": range(8)})
    out = neutralise_formulas(frame)
    assert list(out.t[:5]) == ["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx"]
    assert out.t[5] == "plain" and pd.isna(out.t[6]) and list(out.n) == list(range(8))
    assert out.t[7] == "-2"  # a plain negative number is no formula: it stays a number


class SlowModel(Classifier):
    """Answers "joy" after ``delay`` seconds per text, reporting progress text by text; can be told to fail."""

    name = "slow"

    def __init__(self, delay: float = 0.002, fail_at: int | None = None) -> None:
        self.delay, self.fail_at, self.seen = delay, fail_at, 0

    def _classify(self, texts, batch_size, progress):
        for i in range(len(texts)):
            time.sleep(self.delay)
            self.seen += 1
            if self.seen == self.fail_at:
                raise RuntimeError("model crashed")
            if progress:
                progress(i + 1, len(texts))
        return Predictions(np.tile(np.eye(len(LABELS))[LABELS.index("joy")], (len(texts), 1)))


def frame_of(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"id": range(rows), "text": [f"text number {i}" for i in range(rows)]})


def test_background_run_labels_every_row_once_in_order(sample):
    from emotion.models.tfidf import TfidfClassifier

    texts, labels = sample
    model = TfidfClassifier().fit(texts * 3, labels * 3)
    frame = pd.DataFrame({"text": [f"{t} {i}" for i, t in enumerate(texts * 20)] + [""]})
    run = LabellingRun.over_frame(frame, "text", {"tfidf": model}, start=10, chunk_rows=8).start()
    parts = []
    while run.wait(0.01):
        parts += run.take()
    parts += run.take()
    assert run.error is None and run.rows_done == len(frame)
    result = pd.concat(parts)
    assert result.index.tolist() == list(range(10, len(frame)))
    expected = label_frame(frame.iloc[10:], "text", {"tfidf": model})
    assert result.tfidf_label.tolist() == expected.tfidf_label.tolist()
    assert result.status.iloc[-1] == "empty text"


def test_background_run_stops_at_the_next_batch_and_keeps_finished_chunks():
    frame = frame_of(400)
    run = LabellingRun.over_frame(frame, "text", {"slow": SlowModel()}, chunk_rows=50).start()
    seen = []
    while run.rows_done < 120:
        seen.append(run.rows_done)
        time.sleep(0.005)
    assert any(0 < r < 50 for r in seen)  # progress moves inside a chunk, not only between chunks
    run.stop()
    assert not run.wait(1.0)  # ends within a batch
    parts = run.take()
    done = sum(len(p) for p in parts)
    assert done % 50 == 0 and 100 <= done < 400
    assert pd.concat(parts).id.tolist() == list(range(done))
    assert run.error is None


def test_background_run_reports_a_model_error():
    run = LabellingRun.over_frame(
        frame_of(100), "text", {"slow": SlowModel(delay=0, fail_at=30)}, chunk_rows=20
    ).start()
    assert not run.wait(5.0)
    assert isinstance(run.error, RuntimeError)
    assert sum(len(p) for p in run.take()) == 20


def test_the_cli_and_the_bulk_page_write_the_same_columns_and_values(tmp_path, sample):
    from emotion.labelling.jobs import BulkJob
    from emotion.labelling.local import label_file
    from emotion.models.tfidf import TfidfClassifier

    texts, _ = sample
    frame = pd.DataFrame({"id": [f"{i:03d}" for i in range(300)], "text": [*(texts * 22)[:299], ""]})
    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    models = {"tfidf": TfidfClassifier.load()}
    label_file(source, tmp_path / "cli.parquet", "text", models, chunk_rows=64)
    cli = pd.read_parquet(tmp_path / "cli.parquet")
    job = BulkJob(pd.read_csv(source, dtype=str), "in.csv", "text", ["tfidf"])
    job.start(models, chunk_rows=50).wait(60)
    job.finish()
    page = job.result().drop(columns=["corrected_label"])
    assert list(page.columns) == list(cli.columns)
    pd.testing.assert_frame_equal(page.reset_index(drop=True), cli, check_dtype=False)


class Metered(Classifier):
    """Answers joy and reports 100 input and 3 output tokens per text, at $1 / $2 per million tokens."""

    name = "metered"

    def __init__(self) -> None:
        self.usage = TokenUsage()

    def _classify(self, texts, batch_size, progress) -> Predictions:
        for _ in texts:
            self.usage.add(SimpleNamespace(prompt_tokens=100, completion_tokens=3))
        return Predictions(np.tile(np.eye(len(LABELS))[LABELS.index("joy")], (len(texts), 1)))

    def token_usage(self) -> TokenUsage:
        return self.usage

    def usage_cost_usd(self, usage: TokenUsage) -> float:
        return (usage.input_tokens * 1 + usage.output_tokens * 2) / 1e6


def test_a_bulk_job_counts_the_tokens_its_own_requests_used():
    from emotion.labelling.jobs import BulkJob
    from emotion.models.tfidf import TfidfClassifier

    frame = pd.DataFrame({"text": [f"text number {i}" for i in range(29)] + [""]})
    metered = Metered()
    metered.predict([f"used before this job {i}" for i in range(5)])  # counted by the model, not the job
    job = BulkJob(frame, "in.csv", "text", ["metered", "tfidf"])
    job.start({"metered": metered, "tfidf": TfidfClassifier.load()}, chunk_rows=10).wait(60)
    job.finish()
    assert set(job.tokens) == {"metered"}  # tfidf sends no requests
    assert job.tokens["metered"].to_dict() == {
        "requests": 29,  # the empty text is never sent
        "reported": 29,
        "input_tokens": 2900,
        "output_tokens": 87,
    }
    assert job.cost_usd["metered"] == pytest.approx((2900 + 2 * 87) / 1e6)
    assert metered.usage.requests == 34
    line = usage_line("metered", job.tokens["metered"], job.cost_usd["metered"])
    assert line == "metered: 29 requests, 2,900 input + 87 output tokens as reported by the endpoint, $0.0031"


class EagerModel(SlowModel):
    """Reports twice the texts it has done (as a model with two passes might): progress must not pass the file."""

    name = "eager"

    def _classify(self, texts, batch_size, progress):
        for i in range(len(texts)):
            if progress:
                progress(2 * (i + 1), len(texts))
        return super()._classify(texts, batch_size, None)


def test_progress_counts_rows_of_the_file_for_any_mix_of_models():
    frame = frame_of(300)
    run = LabellingRun.over_frame(frame, "text", {"eager": EagerModel(), "slow": SlowModel(0.0005)}, chunk_rows=70)
    seen = []
    run.start()
    while run.wait(0.001):
        seen.append(run.rows_done)
    assert run.error is None and run.rows_done == len(frame)
    assert max(seen, default=0) <= len(frame) and seen == sorted(seen)
