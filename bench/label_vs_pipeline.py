"""The whole process, 6,000 rows to a labelled CSV: ``python -m emotion label`` against a plain transformers pipeline.

Run: ``.venv/bin/python bench/label_vs_pipeline.py [--rows 6000] [--pairs 3]``. The default model is exported once
as a standard transformers checkpoint (``python -m emotion export``); the rows are distinct ISEAR train and dev
texts. Each pair runs, side by side in time, (a) ``python -m emotion label rows.csv --text-column text --output
out.csv`` and (b) a script that reads the same CSV with pandas, labels it with ``transformers.pipeline(
"text-classification", model=<export>, batch_size=64)`` and writes a CSV; both are timed from process start to
exit; (a) runs twice, with the no-clear-emotion check (the default) and with ``--skip-no-emotion``. Prints each
pair's seconds and ratios.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from emotion.config import data_dir

PIPELINE_SCRIPT = """
import sys
import pandas as pd
from transformers import pipeline
rows = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
classify = pipeline("text-classification", model=sys.argv[2], batch_size=64, device=-1, truncation=True)
answers = classify(rows["text"].tolist())
rows["label"] = [a["label"] for a in answers]
rows["confidence"] = [round(a["score"], 4) for a in answers]
rows.to_csv(sys.argv[3], index=False)
"""


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"},
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--model", default="encoder-fast")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        texts = pd.concat([pd.read_csv(data_dir() / f"{split}.csv")["text"] for split in ("train", "dev")])
        texts = texts.drop_duplicates().head(args.rows)
        source = folder / "rows.csv"
        pd.DataFrame({"id": range(len(texts)), "text": texts.to_numpy()}).to_csv(source, index=False)
        export = folder / "export"
        subprocess.run(
            [sys.executable, "-m", "emotion", "export", args.model, "--output", str(export)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        script = folder / "pipeline_label.py"
        script.write_text(PIPELINE_SCRIPT)
        print(f"{len(texts):,} rows, model {args.model}; seconds from process start to a written CSV")
        print(f"{'pair':<6}{'emotion label':>15}{'--skip-no-emotion':>19}{'pipeline':>12}{'ratios':>16}")
        label = [sys.executable, "-m", "emotion", "label", str(source), "--text-column", "text", "--model", args.model]
        for pair in range(1, args.pairs + 1):
            lean = timed([*label, "--no-resume", "--skip-no-emotion", "--output", str(folder / f"lean{pair}.csv")])
            ours = timed([*label, "--no-resume", "--output", str(folder / f"ours{pair}.csv")])
            theirs = timed([sys.executable, str(script), str(source), str(export), str(folder / f"theirs{pair}.csv")])
            print(f"{pair:<6}{ours:>15.2f}{lean:>19.2f}{theirs:>12.2f}{theirs / ours:>8.1f}× {theirs / lean:>5.1f}×")


if __name__ == "__main__":
    main()
