"""Benchmark: throughput, peak memory and latency of the local models against a plain transformers pipeline.

Each measurement runs in a fresh subprocess so that its peak RSS is its own. Texts: the distinct ISEAR
train and dev texts (6,000 of them, each once, so deduplication cannot flatter the figures).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

N_TEXTS = 6000
LATENCY_TEXTS = 200


def bench_texts(n: int = N_TEXTS) -> list[str]:
    """The first ``n`` distinct texts of ISEAR train then dev."""
    import pandas as pd

    from emotion.io.datasets import load_isear
    from emotion.io.text import prepare_text

    texts = pd.concat([load_isear("train"), load_isear("dev")]).text.map(prepare_text)
    unique = list(dict.fromkeys(texts))
    if len(unique) < n:
        raise ValueError(f"only {len(unique)} distinct texts available, {n} asked")
    return unique[:n]


def _peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux from ``VmHWM``: ``ru_maxrss`` survives ``exec``, so a child
    started by a large parent would report the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time(load, call, budget_s: float = 60.0) -> dict:
    """Time ``load()``, then ``call(model, texts)`` on the texts (after a warm-up) and on single texts.

    Slow models are timed on the first texts that take about ``budget_s`` (at least 256), not all 6,000.
    """
    texts = bench_texts()
    started = time.perf_counter()
    model = load()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    call(model, texts[:64])  # warm-up, and a first rate
    rate = 64 / (time.perf_counter() - started)
    texts = texts[: max(256, min(len(texts), int(rate * budget_s)))]
    started = time.perf_counter()
    call(model, texts)
    seconds = time.perf_counter() - started
    latencies = []
    for text in texts[:LATENCY_TEXTS]:
        t = time.perf_counter()
        call(model, [text])
        latencies.append((time.perf_counter() - t) * 1000)
    return {
        "load_s": load_seconds,
        "texts_per_s": len(texts) / seconds,
        "texts": len(texts),
        "seconds": seconds,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _measure_model(name: str) -> dict:
    from emotion import registry

    return _time(lambda: registry.load(name), lambda model, texts: model.predict_proba(texts))


def _measure_pipeline(folder: str) -> dict:
    """``transformers.pipeline("text-classification")`` with default settings on the same fine-tuned weights."""
    from transformers import pipeline

    return _time(lambda: pipeline("text-classification", model=folder, device=-1), lambda run, texts: run(texts))


def _save_merged_encoder(name: str, folder: str) -> None:
    """A committed encoder with its adapter merged, as a plain transformers checkpoint."""
    from emotion.exporters.hub import torch_class

    merged = torch_class(name).load()
    merged.model.save_pretrained(folder)
    merged.tokenizer.save_pretrained(folder)


def _run_child(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "emotion.bench", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark of {args[0]} failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_benchmark(
    output: Path = Path("BENCHMARKS.md"),
    models: tuple[str, ...] | None = None,
    children: bool = True,
) -> str:
    """Measure every local model, and the plain pipeline on each encoder's weights; write ``output``.

    Args:
        output: The Markdown file.
        models: Registry names (default: every spec with ``benchmark``).
        children: Measure each model in a process of its own (its load time and memory alone); ``False``: here.

    Returns:
        The Markdown table, also printed.
    """
    from emotion import registry

    rows, pipelines = {}, {}
    for name in models or [spec.name for spec in registry.SPECS if spec.benchmark]:
        if name not in registry.local_ready():
            continue
        if registry.SPEC[name].exportable:
            print(f"measuring the pipeline on {name}'s weights...", file=sys.stderr, flush=True)
            with tempfile.TemporaryDirectory() as folder:
                _save_merged_encoder(name, folder)
                pipelines[name] = rows[f"pipeline:{name}"] = _run_child("pipeline", folder)
        print(f"measuring {name}...", file=sys.stderr, flush=True)
        rows[name] = _run_child(name) if children else _measure_model(name)
    lines = [
        f"# Benchmarks ({dt.date.today().isoformat()})",
        "",
        f"Up to {N_TEXTS:,} distinct ISEAR train+dev texts, each once (slow models: the first texts that take about "
        f"a minute, at least 256; column 'texts timed'). Machine: {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; torch "
        f"{version('torch')}, transformers {version('transformers')}, onnxruntime {version('onnxruntime')}, "
        f"scikit-learn {version('scikit-learn')}. Reproduce: `python -m emotion bench`. "
        "× pipeline: against `transformers.pipeline` with default settings on the same merged weights.",
        "",
        "| model | texts/s | texts timed | × pipeline | load s | p50 ms (1 text) | p95 ms | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        encoder = name.removeprefix("pipeline:")
        label = f"transformers pipeline ({encoder} weights)" if name.startswith("pipeline:") else name
        base = pipelines.get(encoder, {}).get("texts_per_s")
        ratio = f"{r['texts_per_s'] / base:.1f}" if base else "-"
        lines.append(
            f"| {label} | {r['texts_per_s']:,.0f} | {r['texts']:,} | {ratio} | {r['load_s']:.1f} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['peak_rss_mb']:,.0f} |"
        )
    table = "\n".join(lines) + "\n"
    rest = output.read_text().partition("\n## ") if output.exists() else ("", "", "")
    output.write_text(table + (f"\n## {rest[2]}" if rest[1] else ""))  # the file's other sections are kept
    print(table)
    return table


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    target = sys.argv[1]
    print(json.dumps(_measure_pipeline(sys.argv[2]) if target == "pipeline" else _measure_model(target)))
