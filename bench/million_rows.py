"""Label a large CSV with the default model through the CLI; print wall time and peak RSS."""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emotion.bench import bench_texts


def main(rows: int = 1_000_000) -> None:
    texts = bench_texts()
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "big.csv", Path(folder) / "big_labelled.csv"
        # Every row distinct (the row number is part of the text), so deduplication does not shrink the work.
        pd.DataFrame({"row": range(rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(rows)]}).to_csv(
            source, index=False
        )
        print(f"input: {rows:,} rows, {source.stat().st_size / 1e6:,.0f} MB", flush=True)
        started = time.time()
        subprocess.run(
            [sys.executable, "-m", "emotion", "label", str(source), "--text-column", "text", "--output", str(output)],
            check=True,
        )
        seconds = time.time() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(output, encoding="utf-8") as handle:
            written = sum(1 for _ in handle) - 1
        print(
            f"labelled {written:,} rows in {seconds:,.0f} s ({written / seconds:,.0f} rows/s); "
            f"peak RSS of the labelling process {peak:,.0f} MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
