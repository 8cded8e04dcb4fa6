"""Label a large CSV with the default model through the CLI, on one or both engines; print time and memory.

    python bench/million_rows.py [ROWS] [--engine local|ray|both] [--workers N]

Memory is sampled once a second over the labelling process and every process it started (for Ray: the
GCS, the raylet, the workers and actors): the peak of their summed RSS, and of their summed PSS, which
counts pages shared between processes (Ray's object store, shared libraries) once.
"""

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emotion.bench import bench_texts


def watch_memory(process: subprocess.Popen, peaks: dict[str, float]) -> None:
    """Record the peak summed RSS and PSS (MB) of ``process`` and its descendants until it exits."""
    root = psutil.Process(process.pid)
    while process.poll() is None:
        rss = pss = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for member in tree:
            try:
                info = member.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        peaks["rss"] = max(peaks.get("rss", 0), rss / 1e6)
        peaks["pss"] = max(peaks.get("pss", 0), pss / 1e6)
        peaks["processes"] = max(peaks.get("processes", 0), len(tree))
        time.sleep(1.0)


def run(command: list[str]) -> tuple[float, dict[str, float]]:
    peaks: dict[str, float] = {}
    started = time.time()
    process = subprocess.Popen(command)
    watcher = threading.Thread(target=watch_memory, args=(process, peaks), daemon=True)
    watcher.start()
    if process.wait() != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    watcher.join(5)
    return time.time() - started, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=["local", "ray", "both"], default="local")
    parser.add_argument("--workers", type=int, default=2, help="Ray actors")
    args = parser.parse_args()
    texts = bench_texts()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.csv"
        # Every row distinct (the row number is part of the text), so deduplication does not shrink the work.
        pd.DataFrame(
            {"row": range(args.rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(args.rows)]}
        ).to_csv(source, index=False)
        print(f"input: {args.rows:,} rows, {source.stat().st_size / 1e6:,.0f} MB", flush=True)
        label = [sys.executable, "-m", "emotion", "label", str(source), "--text-column", "text"]
        for engine in ["local", "ray"] if args.engine == "both" else [args.engine]:
            if engine == "local":
                output = Path(folder) / "local.csv"
                seconds, peaks = run([*label, "--output", str(output)])
                with open(output, encoding="utf-8") as handle:
                    written = sum(1 for _ in handle) - 1
            else:
                from emotion.labelling.ray_engine import read_output

                output = Path(folder) / "ray_out"
                seconds, peaks = run(
                    [*label, "--engine", "ray", "--workers", str(args.workers), "--output", str(output)]
                )
                written = len(read_output(output))
            results.append((engine, written, seconds, peaks))
            print(f"{engine}: {written:,} rows in {seconds:,.0f} s", flush=True)
    print("\n| engine | rows | seconds | rows/s | peak RSS, all processes (MB) | peak PSS (MB) | processes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for engine, written, seconds, peaks in results:
        name = f"ray ({args.workers} workers)" if engine == "ray" else "local"
        print(
            f"| {name} | {written:,} | {seconds:,.0f} | {written / seconds:,.0f} | {peaks.get('rss', 0):,.0f} "
            f"| {peaks.get('pss', 0):,.0f} | {peaks.get('processes', 0):.0f} |"
        )


if __name__ == "__main__":
    main()
