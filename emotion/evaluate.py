"""``evaluate``: score models on a labelled file, write ``metrics.json`` and ``predictions.csv``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from emotion import registry
from emotion.data import file_sha256, isear_path, load_labelled
from emotion.labelling import confidence_column, label_column, label_frame
from emotion.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    bootstrap_intervals,
    classification_metrics,
    paired_difference,
)
from emotion.published import PUBLISHED, published_for


def evaluate(
    models: list[str],
    output: Path,
    data: Path | None = None,
    limit: int | None = None,
    published: bool = True,
    merge: bool = False,
    **llm_options,
) -> dict:
    """Evaluate ``models`` on ``data`` (default: ISEAR dev).

    Args:
        models: Registry names.
        output: Folder for ``metrics.json`` (per model: n, accuracy, macro and per-class P/R/F1,
            confusion matrix, bootstrap 95% intervals of accuracy and macro-F1; for each pair of models
            the paired bootstrap interval of their macro-F1 difference; the data file's sha256 and a
            timestamp) and ``predictions.csv``
            (id, gold, per model label and confidence). No text is written.
        data: Any CSV with the columns of ``dev.csv`` (``id``, ``label``, ``text``).
        limit: Only the first ``limit`` rows (for paid endpoints).
        published: Add the published LLM predictions when ``data`` holds ISEAR rows they cover.
        merge: Keep the other models of an existing evaluation of the same data file in ``output``.
        **llm_options: Passed to LLM classifiers (``prompt_mode``, ``concurrency``...).
    """
    path = Path(data) if data else isear_path("dev")
    frame = load_labelled(path)
    if limit:
        frame = frame.head(limit)
    for name in models:
        registry.check_name(name)
    predictions = pd.DataFrame({"id": frame["id"], "gold": frame["label"]})
    results = {}
    if merge and (output / "metrics.json").exists():
        old = json.loads((output / "metrics.json").read_text())
        if old["data"]["sha256"] == file_sha256(path) and old["data"]["rows"] == len(frame):
            results = old["models"]
            predictions = pd.read_csv(output / "predictions.csv", dtype={"id": str}, keep_default_na=False)
    for name in models:
        llm = name.startswith(registry.LLM_PREFIX)
        model = registry.load(name, **(llm_options if llm else {}))
        key = f"{name} ({model.prompt_mode.replace('_', '-')})" if llm else name
        labelled = label_frame(frame, "text", {name: model})
        labels = list(labelled[label_column(name)])
        predictions[key] = labels
        predictions[f"{key}_confidence"] = labelled[confidence_column(name)]
        info = {"family": model.family, "description": model.description}
        if llm:
            info.update(endpoint=model.preset.base_url, llm=model.preset.model, prompt=model.prompt.version)
        results[key] = {**info, **classification_metrics(list(frame["label"]), labels)}
        print(f"{key}: macro-F1 {results[key]['macro_f1']:.4f}, accuracy {results[key]['accuracy']:.4f}", flush=True)
    sets = published_for(frame) if published else None
    for name, labels in (sets or {}).items():
        predictions[name] = labels
        results[name] = {
            "family": "published",
            "description": PUBLISHED[name],
            **classification_metrics(list(frame["label"]), labels),
        }
    gold = list(frame["label"])
    answers = {name: [v if isinstance(v, str) and v else None for v in predictions[name]] for name in results}
    for name, labels in answers.items():
        results[name]["intervals"] = bootstrap_intervals(gold, labels)
    metrics = {
        "data": {"file": path.name, "sha256": file_sha256(path), "rows": len(frame), "limit": limit},
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED, "level": 0.95},
        "models": results,
        "differences": {
            f"{a} - {b}": paired_difference(gold, answers[a], answers[b])
            for i, a in enumerate(answers)
            for b in list(answers)[i + 1 :]
        },
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    predictions.to_csv(output / "predictions.csv", index=False)
    return metrics
