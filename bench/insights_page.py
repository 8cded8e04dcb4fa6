"""The Insights page on 200,000 labelled rows, as the server runs it: each interaction's whole script run, warm.

Run: ``.venv/bin/python bench/insights_page.py [--rows N]``. A Bulk run of N labelled rows (the demo's
generator scaled up, labelled by the default model) is put in a throw-away run store; Streamlit's ``AppTest``
opens ``pages/insights.py?run=TOKEN`` and times the first run (cold: reading the run, recognising the table,
building the term index) and then each interaction's rerun, which redraws every view of the page (the tabs
included), then finds themes and times the theme interactions. Figures go to ``BENCHMARKS.md`` by hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="make most comments distinct (an ending and a number added after labelling), as in a real export: "
        "more distinct comments than themes embed, so theme edits place rows by their words",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the pages import the top-level ui package
    folder = tempfile.mkdtemp(prefix="insights-bench-")
    os.environ["EMOTION_RUNS_DB"] = str(Path(folder) / "runs.sqlite")
    from streamlit.testing.v1 import AppTest

    from emotion import registry
    from emotion.insights.demo import demo_frame
    from emotion.labelling.run_store import RunStore
    from emotion.labelling.table import label_table

    base = demo_frame(rows=2_000, seed=1).drop(columns="intended")
    base["date"] = base["date"].dt.strftime("%Y-%m-%d")
    base = base.astype({"rating": str})
    labelled = label_table(base, "comment", {registry.DEFAULT_MODEL: registry.load(registry.DEFAULT_MODEL)})
    rng = np.random.default_rng(0)
    frame = labelled.iloc[rng.integers(0, len(labelled), args.rows)].reset_index(drop=True)
    if args.distinct:
        endings = ["", " Thanks.", " Please help.", " Any update?", " This is urgent.", " Cheers", " Regards."]
        endings = np.array(endings)
        row = np.arange(args.rows)
        number = np.where(row % 3 == 0, np.char.add(" #", (row % 97).astype(str)), "")
        frame["comment"] = frame["comment"] + endings[rng.integers(0, len(endings), args.rows)] + number
    inputs = frame[list(base.columns)]
    store = RunStore(Path(os.environ["EMOTION_RUNS_DB"]))
    token = store.create(inputs, "bench.csv", "0" * 64, "comment", [registry.DEFAULT_MODEL], {})
    step = 20_000
    for start in range(0, len(frame), step):
        store.add_chunk(token, start, frame.iloc[start : start + step])
    print(f"{args.rows:,} labelled rows in a Bulk run, {frame['comment'].nunique():,} distinct comments")

    app = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "insights.py"), default_timeout=600)
    app.query_params["run"] = token
    began = time.perf_counter()
    app.run()
    print(f"{'first open (cold: read run, recognise, term index)':<52} {time.perf_counter() - began:7.2f} s")
    assert not app.exception, app.exception

    def rerun(label: str, change) -> float:
        change()
        began = time.perf_counter()
        app.run()
        seconds = time.perf_counter() - began
        assert not app.exception, app.exception
        print(f"{label:<52} {seconds:7.2f} s")
        return seconds

    times = [
        rerun("estimator: probabilistic", lambda: app.selectbox(key="estimator").select("probabilistic")),
        rerun("compare by channel", lambda: app.selectbox(key="by").select("channel")),
        rerun("and by product (two columns)", lambda: app.selectbox(key="by2").select("product")),
        rerun("per week", lambda: app.selectbox(key="freq").select("week")),
        rerun("rows: emotion anger", lambda: app.selectbox(key="emotion").select("anger")),
        rerun("rows: term 'refund'", lambda: app.text_input(key="term").input("refund")),
        rerun("drivers of a segment", lambda: app.radio(key="drivers_of").set_value("a segment")),
    ]
    began = time.perf_counter()
    app.button(key="themes_run").click().run()
    print(f"{'find themes (the job, whole page with themes)':<52} {time.perf_counter() - began:7.2f} s")
    assert not app.exception, app.exception
    names = app.selectbox(key="themes_rename_old").options
    times += [
        rerun("with themes: rows: emotion fear", lambda: app.selectbox(key="emotion").select("fear")),
        rerun("themes: what is anger about", lambda: app.selectbox(key="themes_emotion").select("anger")),
        rerun(
            "themes: rename one",
            lambda: (app.text_input(key="themes_rename_new").input("Renamed"), app.button(key="themes_rename").click()),
        ),
        rerun("themes: merge two (pick)", lambda: app.radio(key="themes_action").set_value("Merge")),
        rerun(
            "themes: merge two",
            lambda: (
                app.multiselect(key="themes_merge_pick").select(names[1]).select(names[2]),
                app.button(key="themes_merge").click(),
            ),
        ),
        rerun("themes: delete (pick)", lambda: app.radio(key="themes_action").set_value("Delete")),
        rerun("themes: delete one (its rows reassigned)", lambda: app.button(key="themes_delete").click()),
        rerun("themes: define (pick)", lambda: app.radio(key="themes_action").set_value("Define")),
        rerun(
            "themes: define one by keywords",
            lambda: (
                app.text_input(key="themes_define_name").input("Money back"),
                app.text_input(key="themes_define_keywords").input("refund, money back"),
                app.button(key="themes_define").click(),
            ),
        ),
        rerun("themes: split (pick)", lambda: app.radio(key="themes_action").set_value("Split")),
        rerun("themes: split one", lambda: app.button(key="themes_split").click()),
    ]
    print(f"{'slowest interaction (whole page rerun)':<52} {max(times):7.2f} s")
    began = time.perf_counter()
    app.button(key="report_build").click().run()
    print(f"{'build the report (HTML, PNGs, JSON, zip)':<52} {time.perf_counter() - began:7.2f} s")
    assert not app.exception, app.exception
    print(f"peak memory (max RSS of this process) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
