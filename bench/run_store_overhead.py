"""What keeping a bulk run in SQLite costs: the same job with and without the run store, alternated.

    python bench/run_store_overhead.py [ROWS] [--model NAME] [--repeats N]

Each job labels ROWS distinct texts (default 100,000) with the Bulk page's machinery (`BulkJob` and
`LabellingRun`, chunks of about 4 s); with the store, the input table is stored when the run is created and
every chunk as it finishes, each in its own transaction (`emotion.labelling.run_store.RunStore`).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emotion import registry
from emotion.bench import bench_texts
from emotion.labelling.jobs import BulkJob
from emotion.labelling.run_store import RunStore


def run(frame: pd.DataFrame, models: dict, store: RunStore | None) -> float:
    started = time.perf_counter()
    token = store.create(frame, "bench.csv", "0" * 64, "text", list(models)) if store else None
    job = BulkJob(frame, "bench.csv", "text", list(models), token=token)
    job.start(models, store)
    while job.run.wait(0.25):
        job.collect()
    job.finish()
    assert job.rows_done == len(frame)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--model", default=registry.DEFAULT_MODEL)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    texts = bench_texts()
    frame = pd.DataFrame(
        {"row": range(args.rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(args.rows)]}
    )
    models = {args.model: registry.load(args.model)}
    models[args.model].classify(texts[:256])  # warm up
    times: dict[str, list[float]] = {"without store": [], "with store": []}
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite")
        for _ in range(args.repeats):
            times["without store"].append(run(frame, models, None))
            times["with store"].append(run(frame, models, store))
        size = (Path(folder) / "runs.sqlite").stat().st_size / 1e6
    print(f"{args.rows:,} rows, model {args.model}, {args.repeats} alternated runs each; database {size:,.0f} MB")
    for name, values in times.items():
        print(f"  {name}: " + ", ".join(f"{v:,.1f} s" for v in values))
    base, kept = min(times["without store"]), min(times["with store"])
    print(f"overhead of the store (best of each): {kept - base:+,.1f} s ({(kept - base) / base:+.1%})")


if __name__ == "__main__":
    main()
