"""``evaluate``: score models on a labelled file, write ``metrics.json`` and ``predictions.csv``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from emotion import registry
from emotion.data import file_sha256, isear_path, load_labelled
from emotion.labelling import confidence_column, label_column, label_frame
from emotion.metrics import classification_metrics
from emotion.published import PUBLISHED, published_for


def evaluate(
    models: list[str],
    output: Path,
    data: Path | None = None,
    limit: int | None = None,
    published: bool = True,
    **llm_options,
) -> dict:
    """Evaluate ``models`` on ``data`` (default: ISEAR dev).

    Args:
        models: Registry names.
        output: Folder for ``metrics.json`` (per model: n, accuracy, macro and per-class P/R/F1,
            confusion matrix; plus the data file's sha256 and a timestamp) and ``predictions.csv``
            (id, gold, per model label and confidence). No text is written.
        data: Any CSV with the columns of ``dev.csv`` (``id``, ``label``, ``text``).
        limit: Only the first ``limit`` rows (for paid endpoints).
        published: Add the published LLM predictions when ``data`` holds ISEAR rows they cover.
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
    for name in models:
        options = llm_options if name.startswith(registry.LLM_PREFIX) else {}
        model = registry.load(name, **options)
        labelled = label_frame(frame, "text", {name: model})
        labels = list(labelled[label_column(name)])
        predictions[name] = labels
        predictions[f"{name}_confidence"] = labelled[confidence_column(name)]
        info = {"family": model.family, "description": model.description}
        if name.startswith(registry.LLM_PREFIX):
            info.update(endpoint=model.preset.base_url, llm=model.preset.model, prompt=model.prompt.version)
        results[name] = {**info, **classification_metrics(list(frame["label"]), labels)}
        print(f"{name}: macro-F1 {results[name]['macro_f1']:.4f}, accuracy {results[name]['accuracy']:.4f}", flush=True)
    sets = published_for(frame) if published else None
    for name, labels in (sets or {}).items():
        predictions[name] = labels
        results[name] = {
            "family": "published",
            "description": PUBLISHED[name],
            **classification_metrics(list(frame["label"]), labels),
        }
    metrics = {
        "data": {"file": path.name, "sha256": file_sha256(path), "rows": len(frame), "limit": limit},
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "models": results,
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    predictions.to_csv(output / "predictions.csv", index=False)
    return metrics
