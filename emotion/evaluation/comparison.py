"""Model comparison: stored evaluations, pairwise agreement, disagreements between models."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from emotion.evaluation.metrics import agreement
from emotion.evaluation.stored import EVALUATION_DIR, STORED_EVALUATIONS, quality_line, stored_domains  # noqa: F401
from emotion.labels import LABELS


def load_evaluation(folder: Path = EVALUATION_DIR) -> tuple[dict, pd.DataFrame]:
    """``metrics.json`` and ``predictions.csv`` of a stored evaluation."""
    metrics = json.loads((folder / "metrics.json").read_text())
    predictions = pd.read_csv(folder / "predictions.csv", keep_default_na=False, na_values=[""]).astype(
        {name: object for name in metrics["models"]}
    )
    return metrics, predictions.where(predictions.notna(), None)


def domain_table(domains: list[str] | None = None) -> pd.DataFrame:
    """Each model's macro-F1 with its 95% interval in every stored domain: rows models, columns domains."""
    cells: dict[str, dict[str, str]] = {}
    for domain in domains or stored_domains():
        metrics, _ = load_evaluation(STORED_EVALUATIONS[domain])
        for name, entry in metrics["models"].items():
            low, high = entry["intervals"]["macro_f1"]
            rows = metrics["data"]["rows"]
            cells.setdefault(name, {})[f"{domain} ({rows} rows)"] = f"{entry['macro_f1']:.3f} [{low:.3f}, {high:.3f}]"
    from emotion import registry

    table = pd.DataFrame.from_dict(cells, orient="index").rename_axis("model").fillna("–")
    table.insert(0, "trained on", [registry.trained_on(name) or "–" for name in table.index])
    return table


def metrics_table(metrics: dict) -> pd.DataFrame:
    """One row per model: family, n, answered, accuracy, macro precision/recall/F1, and the 95% bootstrap
    interval bounds of accuracy and macro-F1 (``accuracy_low`` … ``macro_f1_high``; NaN in older files)."""
    rows = []
    for name, m in metrics["models"].items():
        intervals = m.get("intervals", {})
        bounds = {
            f"{metric}_{side}": round(intervals[metric][i], 4) if metric in intervals else float("nan")
            for metric in ("accuracy", "macro_f1")
            for i, side in enumerate(("low", "high"))
        }
        scores = {k: round(m[k], 4) for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1")}
        rows.append({"model": name, "family": m["family"], "n": m["n"], "answered": m["answered"], **scores, **bounds})
    return pd.DataFrame(rows).sort_values("macro_f1", ascending=False, ignore_index=True)


DOMAIN_READERS = {
    "ISEAR dev": "for people describing what happened to them (diaries, survey answers about an experience)",
    "GoEmotions dev (Reddit)": "for short online comments (the nearest stored domain to customer comments)",
}


def recommendation(domain: str, benchmarks: dict[str, float] | None = None) -> str:
    """One line per stored domain: the most accurate local model, and the fastest one within noise of it (paired
    bootstrap of macro-F1 on the stored rows), with their speeds."""
    from emotion import registry

    metrics, _ = load_evaluation(STORED_EVALUATIONS[domain])
    speeds = read_benchmarks() if benchmarks is None else benchmarks
    local = {n: e["macro_f1"] for n, e in metrics["models"].items() if n in registry.LOCAL_MODELS}
    if not local:
        return ""
    best = max(local, key=local.get)
    close = [n for n in local if n == best or _within_noise(metrics, n, best)]
    fastest = max(close, key=lambda n: speeds.get(n, 0.0))
    reader = DOMAIN_READERS.get(domain, f"for text like {domain}")
    line = f"{reader[0].upper()}{reader[1:]}: {best} (macro-F1 {local[best]:.3f}"
    line += f", {speeds[best]:,.0f} texts/s)" if best in speeds else ")"
    if fastest != best:
        line += (
            f"; {fastest} is within noise of it ({local[fastest]:.3f}) at {speeds.get(fastest, 0):,.0f} texts/s, "
            "the better choice for large files"
        )
    return line + "."


def _within_noise(metrics: dict, a: str, b: str) -> bool:
    differences = metrics.get("differences", {})
    entry = differences.get(f"{a} - {b}") or differences.get(f"{b} - {a}")
    return bool(entry and entry["within_noise"])


def noise_verdict(metrics: dict, a: str, b: str) -> str | None:
    """One line on whether ``a`` and ``b`` differ beyond noise (paired bootstrap of macro-F1), or ``None``."""
    differences = metrics.get("differences", {})
    key, sign = (f"{a} - {b}", 1) if f"{a} - {b}" in differences else (f"{b} - {a}", -1)
    if key not in differences:
        return None
    entry = differences[key]
    low, high = sorted(sign * v for v in entry["interval"])
    difference = sign * entry["macro_f1_difference"]
    span = f"{a} − {b}: macro-F1 {difference:+.3f} (95% interval {low:+.3f} to {high:+.3f})"
    if entry["within_noise"]:
        return f"{span}: within noise, the data cannot tell these two apart."
    return f"{span}: {a if difference > 0 else b} is better beyond noise."


def per_class_f1(metrics: dict) -> pd.DataFrame:
    """Models on rows, emotions on columns, F1 in the cells."""
    return pd.DataFrame(
        {name: {label: m["per_class"][label]["f1"] for label in LABELS} for name, m in metrics["models"].items()}
    ).T


def pairwise(labels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement rate and Cohen's kappa for every pair of columns of ``labels`` (one column per model)."""
    names = list(labels.columns)
    agree = pd.DataFrame(1.0, index=names, columns=names)
    kappa = pd.DataFrame(1.0, index=names, columns=names)
    for a, b in itertools.combinations(names, 2):
        same, k = agreement(list(labels[a]), list(labels[b]))
        agree.loc[a, b] = agree.loc[b, a] = same
        kappa.loc[a, b] = kappa.loc[b, a] = k
    return agree, kappa


def disagreement_counts(labels: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Rows where ``a`` and ``b`` both answered and differ, counted by (label of a, label of b)."""
    both = labels[[a, b]].dropna()
    differ = both[both[a] != both[b]]
    return pd.crosstab(differ[a], differ[b]).reindex(index=list(LABELS), columns=list(LABELS), fill_value=0)


def disagreement_rows(
    frame: pd.DataFrame,
    a: str,
    b: str,
    gold: str | None = None,
    predicted: str | None = None,
    gold_column: str = "gold",
) -> pd.DataFrame:
    """Rows where models ``a`` and ``b`` disagree, optionally filtered by gold label and by a predicted label."""
    rows = frame[frame[a].notna() & frame[b].notna() & (frame[a] != frame[b])]
    if gold and gold_column in rows:
        rows = rows[rows[gold_column] == gold]
    if predicted:
        rows = rows[(rows[a] == predicted) | (rows[b] == predicted)]
    return rows


def reliability_frame(metrics: dict, name: str) -> pd.DataFrame:
    """The reliability bins of one system: ``confidence, accuracy, rows, stage`` (``after`` and, for local
    models, ``before`` calibration)."""
    entry = metrics["models"][name]
    parts = []
    for stage, key in (("after calibration", "calibration"), ("before calibration", "calibration_before")):
        if key in entry and entry[key]["rows"]:
            parts.append(pd.DataFrame(entry[key]["reliability"]).assign(stage=stage))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def calibration_table(metrics: dict) -> pd.DataFrame:
    """Per system: ECE and Brier score as served, and before calibration where it applies; for local models
    also the card's cross-validated dev ECE (the served calibration was fitted on all of dev, so its ECE
    there is optimistic)."""
    rows = []
    for name, m in metrics["models"].items():
        before = m.get("calibration_before", {})
        rows.append(
            {
                "model": name,
                "ECE": m["calibration"]["ece"],
                "ECE within noise up to": m["calibration"].get("ece_perfect_p95"),
                "Brier": m["calibration"]["brier"],
                "ECE before": before.get("ece"),
                "Brier before": before.get("brier"),
                "temperature": m.get("temperature"),
                "ECE on ISEAR dev, cross-validated": m.get("dev_ece_cross_validated"),
            }
        )
    return pd.DataFrame(rows)


def confidence_systems(predictions: pd.DataFrame, metrics: dict) -> list[str]:
    """Systems whose confidences are probabilities (a cascade's first model must be one)."""
    return [n for n, m in metrics["models"].items() if m.get("probabilities") and f"{n}_confidence" in predictions]


def fallback_systems(metrics: dict, first: str) -> list[str]:
    """Systems that can answer a cascade's routed rows: every other one but cascades."""
    return [n for n, m in metrics["models"].items() if n != first and "cascade" not in m]


def cascade_curve(predictions: pd.DataFrame, first: str, fallback: str, shares=None) -> pd.DataFrame:
    """Macro-F1 of ``first`` with its least confident share of rows answered by ``fallback`` (0 to 100%).

    Computed from stored predictions (``gold``, labels and ``first``'s confidence): no model is called.
    """
    from emotion.evaluation.metrics import fallback_curve

    def labels(column: str) -> list[str | None]:
        return [v if isinstance(v, str) and v else None for v in predictions[column]]

    kwargs = {"shares": shares} if shares is not None else {}
    points = fallback_curve(
        list(predictions["gold"]),
        labels(first),
        pd.to_numeric(predictions[f"{first}_confidence"], errors="coerce").to_numpy(),
        labels(fallback),
        **kwargs,
    )
    return pd.DataFrame(points)


def read_benchmarks(path: Path | None = None) -> dict[str, float]:
    """Texts per second of each local model, from the table ``python -m emotion bench`` writes."""
    from emotion.config import PROJECT_ROOT

    path = path or PROJECT_ROOT / "BENCHMARKS.md"
    if not path.exists():
        return {}
    speeds = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 2 and cells[1].replace(",", "").replace(".", "").isdigit():
            speeds[cells[0]] = float(cells[1].replace(",", ""))
    return speeds


def _preset_for(name: str, entry: dict):
    """The LLM preset a system ran on: by ``llm:<preset>`` name, or by its model name (imported sets)."""
    from emotion.llm.presets import load_presets

    presets = load_presets()
    key = name.split(" (")[0].removeprefix("llm:")
    if key in presets:
        return presets[key]
    model = entry.get("llm", name)
    return next((p for p in presets.values() if p.model == model), None)


def cost_speed(metrics: dict, texts: list[str], benchmarks: dict[str, float], concurrency: int = 4) -> pd.DataFrame:
    """Per system: macro-F1 with its interval, texts per second and dollars per 1,000 texts.

    Local models: speed from the benchmark table, cost 0. LLMs and imported sets from a known model: the
    preset's price over the tokens the endpoint reported during the evaluation (``tokens`` in the metrics;
    column ``cost_basis`` "measured"), else over an estimate for ``texts`` (4 characters a token, with the
    prompt; "estimated"), and ``concurrency`` requests in flight at the preset's seconds per request.
    Cascades: the first model on every row plus the fallback on the share it answered. Unknown figures are NaN.
    """
    from emotion.llm.classifier import LLMClassifier
    from emotion.models.cascade import CascadeName

    def figures(name: str) -> tuple[float, float, str]:
        entry = metrics["models"].get(name, {})
        if name in benchmarks:
            return benchmarks[name], 0.0, "local"
        preset = _preset_for(name, entry)
        if preset is None:
            return float("nan"), float("nan"), "unknown"
        speed = concurrency / preset.seconds_per_request
        tokens = entry.get("tokens", {})
        if tokens.get("reported"):
            per_text = (tokens["input_tokens"] / tokens["reported"], tokens["output_tokens"] / tokens["reported"])
            cost, basis = preset.cost_usd(per_text[0] * 1000, per_text[1] * 1000), "measured"
        else:
            estimate = LLMClassifier(preset).cost_usd(texts) if texts else None
            cost, basis = (estimate / len(texts) * 1000 if estimate is not None else None), "estimated"
        return speed, cost if cost is not None else float("nan"), basis

    rows = []
    for name, m in metrics["models"].items():
        if "cascade" in m:
            parts = CascadeName.parse(m["cascade"])
            first_speed, first_cost, _ = figures(parts.first)
            other_speed, other_cost, basis = figures(parts.fallback)
            share = m.get("fallback_share", 0.0)
            speed, cost = 1 / (1 / first_speed + share / other_speed), first_cost + share * other_cost
        else:
            speed, cost, basis = figures(name)
        low, high = m.get("intervals", {}).get("macro_f1", (float("nan"), float("nan")))
        rows.append(
            {
                "model": name,
                "family": m["family"],
                "macro_f1": m["macro_f1"],
                "macro_f1_low": low,
                "macro_f1_high": high,
                "texts_per_s": speed,
                "usd_per_1k": cost,
                "cost_basis": basis,
            }
        )
    table = pd.DataFrame(rows)
    table["front_speed"] = pareto_front(table["macro_f1"], table["texts_per_s"])
    table["front_cost"] = pareto_front(table["macro_f1"], -table["usd_per_1k"])
    return table


def pareto_front(quality: pd.Series, goodness: pd.Series) -> list[bool]:
    """Whether each point is on the Pareto front: no other point is at least as good on both and better on one.

    Points with an unknown (NaN) figure are never on it.
    """
    q, g = quality.to_numpy(dtype=float), goodness.to_numpy(dtype=float)
    front = []
    for i in range(len(q)):
        if np.isnan(q[i]) or np.isnan(g[i]):
            front.append(False)
            continue
        dominated = ((q >= q[i]) & (g >= g[i]) & ((q > q[i]) | (g > g[i]))).any()
        front.append(not bool(dominated))
    return front
