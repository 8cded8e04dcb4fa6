"""Bulk runs kept in SQLite: restore by token, corrections, delete, retention, and a process killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from emotion.jobs import JobState
from emotion.labelling.jobs import BulkJob
from emotion.labelling.run_store import RunStore
from emotion.labelling.table import label_column
from emotion.labels import LABELS
from emotion.models.tfidf import TfidfClassifier

ROOT = Path(__file__).resolve().parent.parent


def survey(texts: list[str], rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"n": [str(i) for i in range(rows)], "text": [f"{texts[i % len(texts)]} #{i}" for i in range(rows)]}
    )


def test_a_run_is_restored_with_its_chunks_and_corrections(tmp_path, sample):
    texts, _ = sample
    store = RunStore(tmp_path / "runs.sqlite")
    frame = survey(texts, 500)
    models = {"tfidf": TfidfClassifier.load()}
    token = store.create(frame, "survey.csv", "abc", "text", ["tfidf"], {"prompt_mode": "zero_shot"})
    job = BulkJob(frame, "survey.csv", "text", ["tfidf"], token=token)
    job.start(models, store, chunk_rows=64)
    job.run.wait(60)
    job.finish()
    assert job.status == JobState.DONE
    job.correct(3, "joy", store)
    job.correct(7, "anger", store)
    job.correct(7, None, store)  # cleared again

    store.close()
    again = RunStore(tmp_path / "runs.sqlite")  # a new process opening the same file
    restored = BulkJob.from_stored(again.load(token))
    assert restored.status == JobState.DONE and restored.names == ["tfidf"] and restored.file_name == "survey.csv"
    pd.testing.assert_frame_equal(restored.result(), job.result(), check_dtype=False)
    assert restored.corrections == {3: "joy", 7: None}
    assert restored.result()["corrected_label"].iloc[3] == "joy"
    assert again.load("not-a-token") is None
    assert [r["rows_done"] for r in again.summary([token, "nope"])] == [500]


def test_delete_and_retention(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    frame = pd.DataFrame({"text": ["I was happy"]})
    old, new, gone = (store.create(frame, f"{i}.csv", "x", "text", ["tfidf"]) for i in range(3))
    store.add_chunk(gone, 0, frame)
    store.delete(gone)
    assert store.load(gone) is None
    assert store._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 0  # its rows went with it
    store._db.execute("UPDATE runs SET updated = ? WHERE token = ?", (time.time() - 31 * 86400, old))
    assert store.purge(30) == 1
    assert store.load(old) is None and store.load(new) is not None


KILLED_RUN = """
import sys, time
import pandas as pd
from emotion.labelling.jobs import BulkJob
from emotion.models.tfidf import TfidfClassifier
from emotion.labelling.run_store import RunStore

store = RunStore(sys.argv[1])
token = sys.argv[2]
stored = store.load(token)
job = BulkJob.from_stored(stored)
job.start({"tfidf": TfidfClassifier.load()}, store, chunk_rows=int(sys.argv[3]))
while True:  # corrections made while the run goes on, each stored as it is made
    job.collect()
    if job.rows_done:
        job.correct(job.rows_done - 1, "shame", store)
    time.sleep(0.01)
"""


@pytest.mark.slow  # labels 200,000 rows in a process it kills
def test_a_process_killed_mid_run_keeps_every_finished_chunk_and_correction(tmp_path, sample, monkeypatch):
    monkeypatch.setenv("EMOTION_NO_EMOTION", "0")  # durability is the point here: tfidf alone keeps the run short
    texts, _ = sample
    rows, chunk = 40_000, 500
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    token = store.create(survey(texts, rows), "big.csv", "x", "text", ["tfidf"])
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(db), token, str(chunk)], cwd=ROOT, env={**os.environ}
    )
    deadline = time.time() + 120
    while time.time() < deadline and store.rows_done(token) < 10 * chunk:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)  # no clean-up: whatever was mid-write is cut off
    process.wait()

    stored = store.load(token)
    done = stored.rows_done
    assert 10 * chunk <= done < rows  # it really was cut off mid-run
    assert done % chunk == 0 and all(len(p) == chunk for p in stored.parts)  # whole chunks only
    assert stored.corrections and all(label == "shame" for label in stored.corrections.values())
    assert max(stored.corrections) < done

    job = BulkJob.from_stored(stored)
    assert job.status == JobState.STOPPED
    job.start({"tfidf": TfidfClassifier.load()}, store, chunk_rows=4096)  # resume from the last finished chunk
    job.run.wait(120)
    job.finish()
    result = BulkJob.from_stored(store.load(token)).result()
    assert list(result["n"]) == [str(i) for i in range(rows)]  # every row once, in order
    assert result[label_column("tfidf")].isin(LABELS).all()
    assert (result["corrected_label"] == "shame").sum() == len(stored.corrections)


def test_a_run_with_an_owner_opens_for_them_and_whoever_they_share_it_with(tmp_path):
    from emotion.labelling.run_store import EVERYONE

    store = RunStore(tmp_path / "runs.sqlite")
    frame = pd.DataFrame({"text": ["late again"]})
    mine = store.create(frame, "a.csv", "x", "text", ["tfidf"], owner="alice@example.com")
    open_to_all = store.create(frame, "b.csv", "x", "text", ["tfidf"])  # started with logins off
    assert store.may_open(mine, "alice@example.com") and not store.may_open(mine, "bob@example.com")
    assert not store.may_open(mine, None)  # nobody signed in: an owned run stays closed
    assert store.may_open(open_to_all, None) and store.may_open(open_to_all, "bob@example.com")
    store.share(mine, [" Bob@Example.com ", ""])
    assert store.may_open(mine, "bob@example.com") and not store.may_open(mine, "carol@example.com")
    assert store.access(mine) == {"alice@example.com": "owner", "bob@example.com": "shared"}
    store.share(mine, [EVERYONE])
    assert store.may_open(mine, "carol@example.com") and not store.may_open(mine, None)
    assert store.owned_by("alice@example.com") == [mine] and store.owned_by("bob@example.com") == []
    store.delete(mine)
    assert store.access(mine) == {}  # its access rows go with it
