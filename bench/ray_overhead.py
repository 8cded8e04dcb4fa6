"""Ray's cost per batch: the same rows labelled in-process, batch by batch, and on a one-worker local Ray.

    python bench/ray_overhead.py [ROWS] [--model NAME] [--batch-rows B]

Both sides use one thread and batches of B rows (default 4,096); the model defaults to `tfidf`, fast enough
that what Ray adds (reading, repartitioning, moving blocks, Arrow conversion, writing Parquet) is most of what
is measured. A one-batch run first gives the fixed cost per run (actor start, model load); the per-batch
overhead is what is left over the other batches. Ray's own start (`ray.init`) is not counted.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

os.environ["EMOTION_THREADS"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emotion import registry
from emotion.bench import bench_texts
from emotion.labelling.ray_engine import label_with_ray
from emotion.labelling.table import label_table


def measure(rows: int, model_name: str, batch_rows: int) -> tuple[float, float]:
    """(in-process seconds, Ray pipeline seconds) for ``rows`` rows."""
    texts = bench_texts()
    frame = pd.DataFrame({"row": range(rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(rows)]})
    model = registry.load(model_name)
    started = time.perf_counter()
    for start in range(0, rows, batch_rows):
        label_table(frame.iloc[start : start + batch_rows], "text", {model_name: model})
    local = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.csv"
        frame.to_csv(source, index=False)
        summary = label_with_ray(
            source,
            Path(folder) / "out",
            "text",
            [model_name],
            workers=1,
            cpus_per_worker=1,
            batch_rows=batch_rows,
            progress=False,
        )
    return local, summary.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=200_000)
    parser.add_argument("--model", default="tfidf")
    parser.add_argument("--batch-rows", type=int, default=4096)
    args = parser.parse_args()
    # One batch first: what Ray costs once per run (actor start, model load, writing, counting rows).
    local_one, ray_one = measure(args.batch_rows, args.model, args.batch_rows)
    local, ray = measure(args.rows, args.model, args.batch_rows)
    batches = -(-args.rows // args.batch_rows)
    fixed = ray_one - local_one
    print(f"{args.model}, batches of {args.batch_rows:,} rows, one thread on each side")
    print(f"  1 batch: in-process {local_one:,.2f} s, Ray pipeline {ray_one:,.2f} s -> fixed cost {fixed:,.1f} s")
    print(f"  {args.rows:,} rows ({batches} batches): in-process {local:,.1f} s, Ray pipeline {ray:,.1f} s")
    print(f"  overhead per batch: {(ray - local - fixed) / (batches - 1) * 1000:,.0f} ms")


if __name__ == "__main__":
    main()
