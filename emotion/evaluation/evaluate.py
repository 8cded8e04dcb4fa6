"""``evaluate``: score models, imported prediction sets and cascades on a labelled file.

Writes ``metrics.json`` (per system: scores with bootstrap intervals, calibration, and for each pair the
paired bootstrap interval of the macro-F1 difference) and ``predictions.csv`` (id, gold, per system label
and confidence). No text is written. The Compare page builds the same two files from an upload.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from emotion import registry
from emotion.classifier import Classifier
from emotion.confidence import threshold_for_share
from emotion.evaluation.calibration import calibration_scores
from emotion.evaluation.imported import ImportedSets, default_predictions, read_predictions
from emotion.evaluation.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    bootstrap_intervals,
    classification_metrics,
    fallback_curve,
    paired_difference,
)
from emotion.io.datasets import LabelledData, isear_path, labelled_data
from emotion.io.files import file_sha256
from emotion.io.tables import read_table
from emotion.labelling.jobs import BulkJob, LabellingRun
from emotion.labelling.table import answered_by_column, label_column, label_frame, proba_column
from emotion.labels import LABEL_INDEX, LABELS
from emotion.models.cascade import CascadeName, cascade_labels


@dataclass
class Answers:
    """One system's answers on the scored rows.

    Attributes:
        labels: Label per row (``None``: no answer).
        proba: ``(n, 7)`` probabilities as served (one-hot for single answers, NaN rows for none).
        info: ``family``, ``description`` and what else the metrics should say about the system.
        raw: Probabilities before calibration (local models), for the "before" reliability diagram.
        answered_by: Cascades: the model that answered each row.
    """

    labels: list[str | None]
    proba: np.ndarray
    info: dict
    raw: np.ndarray | None = None
    answered_by: list[str | None] | None = None
    curve: list[dict] | None = field(default=None, repr=False)

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the label given, per row (NaN where there is none)."""
        return np.where(np.isnan(self.proba).any(axis=1), np.nan, np.nan_to_num(self.proba).max(axis=1))


def one_hot(labels: list[str | None]) -> np.ndarray:
    """Single answers as probability rows (NaN rows where there is no answer)."""
    out = np.full((len(labels), len(LABELS)), np.nan)
    for row, label in enumerate(labels):
        if label is not None:
            out[row] = 0.0
            out[row, LABEL_INDEX[label]] = 1.0
    return out


def _stack(values: pd.Series) -> np.ndarray:
    return np.stack([v if v is not None else np.full(len(LABELS), np.nan) for v in values])


def answers_from_labelled(labelled: pd.DataFrame, name: str, model: Classifier) -> Answers:
    """A model's answers from :func:`~emotion.labelling.table.label_frame` output made with ``probabilities=True``."""
    info = {"family": model.family, "description": model.description, "probabilities": model.probabilities}
    if model.calibration:
        info["temperature"] = model.calibration.temperature
        info["dev_ece_cross_validated"] = model.calibration.ece_after
    by = answered_by_column(name)
    if by:
        info["name"] = info["cascade"] = name
    return Answers(
        labels=[v if isinstance(v, str) else None for v in labelled[label_column(name)]],
        proba=_stack(labelled[proba_column(name)]),
        info=info,
        raw=_stack(labelled[proba_column(name, raw=True)]) if model.calibration else None,
        answered_by=list(labelled[by]) if by else None,
    )


def imported_answers(imported: ImportedSets) -> dict[str, Answers]:
    """Each set of an imported file as answers (single answers: confidence 1)."""
    return {
        name: Answers(
            labels,
            one_hot(labels),
            {"family": "imported", "description": f"imported from {imported.file}", "probabilities": False},
        )
        for name, labels in imported.sets.items()
    }


def system_metrics(gold: list[str], answers: Answers) -> dict:
    """Scores of one system: info, :func:`classification_metrics`, bootstrap intervals, calibration."""
    result = {**answers.info, **classification_metrics(gold, answers.labels)}
    result["intervals"] = bootstrap_intervals(gold, answers.labels)
    result["calibration"] = calibration_scores(answers.proba, gold)
    if answers.raw is not None:
        result["calibration_before"] = calibration_scores(answers.raw, gold)
    if answers.answered_by is not None:
        first = CascadeName.parse(answers.info["name"]).first
        sent = sum(by is not None and by != first for by in answers.answered_by)
        result["fallback_rows"] = int(sent)
        result["fallback_share"] = round(sent / max(1, len(gold)), 4)
    if answers.curve is not None:
        result["curve"] = answers.curve
    return result


def score(gold: list[str], answers: dict[str, Answers]) -> dict:
    """``{"models": {name: system_metrics}, "differences": {"a - b": paired_difference}}``."""
    return {
        "models": {name: system_metrics(gold, a) for name, a in answers.items()},
        "differences": {
            f"{a} - {b}": paired_difference(gold, answers[a].labels, answers[b].labels)
            for i, a in enumerate(answers)
            for b in list(answers)[i + 1 :]
        },
    }


def predictions_table(data: LabelledData, answers: dict[str, Answers]) -> pd.DataFrame:
    """``id, gold``, then per system its label and confidence (and, for cascades, who answered)."""
    table = pd.DataFrame({"id": data.rows["id"], "gold": data.rows["label"]})
    for name, a in answers.items():
        table[name] = a.labels
        table[f"{name}_confidence"] = np.round(a.confidence, 4)
        if a.answered_by is not None:
            table[f"{name}_answered_by"] = a.answered_by
    return table


def evaluation_files(
    scored: LabelledData,
    answers: dict[str, Answers],
    data_info: dict,
    imported: list[ImportedSets] = (),
) -> tuple[dict, pd.DataFrame]:
    """``metrics.json``'s content and ``predictions.csv``'s table, as the CLI writes them and the page offers them.

    Args:
        scored: The labelled rows (and the excluded ones, listed by row number).
        answers: Every system's answers on ``scored.rows``.
        data_info: ``file``, ``sha256`` and what else describes the data.
        imported: The prediction files joined (their summaries are kept).
    """
    gold = list(scored.rows["label"])
    metrics = {
        "data": {
            **data_info,
            "rows": len(scored.rows),
            "columns": {"text": scored.text_column, "label": scored.label_column, "id": scored.id_column},
            "excluded": scored.excluded[["row", "reason"]].to_dict(orient="records"),
        },
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED, "level": 0.95},
        "imported": [sets.summary() for sets in imported],
        **score(gold, answers),
    }
    return metrics, predictions_table(scored, answers)


def cascade_from_answers(
    name: CascadeName, first: Answers, fallback: Answers, gold: list[str], threshold: float
) -> Answers:
    """A cascade computed from two systems' answers on every row (no new calls), with its fallback curve."""
    labels, routed = cascade_labels(first.labels, first.confidence, fallback.labels, threshold)
    proba = np.where(routed[:, None], fallback.proba, first.proba)
    info = {
        "family": "cascade",
        "name": str(name),
        "cascade": str(name),
        "probabilities": False,
        "description": f"{name.first}; rows with confidence below {threshold:.4f} answered by {name.fallback}",
        "threshold": round(threshold, 4),
    }
    by = [name.fallback if r else name.first for r in routed]
    curve = fallback_curve(gold, first.labels, first.confidence, fallback.labels)
    return Answers(labels, proba, info, answered_by=by, curve=curve)


def run_models(
    data: LabelledData, models: dict[str, Classifier], progress=None, should_stop=None
) -> dict[str, Answers]:
    """Label the scored rows with each model; their answers by name."""
    labelled = label_frame(data.rows, "text", models, progress=progress, should_stop=should_stop, probabilities=True)
    return {name: answers_from_labelled(labelled, name, model) for name, model in models.items()}


def _threshold(first: str, confidence: np.ndarray, threshold: float | None, fallback_share: float | None) -> float:
    """Cascade threshold: given, or sending ``fallback_share`` of these rows, or the first model's dev default."""
    if fallback_share is not None and threshold is None:
        return threshold_for_share(confidence, fallback_share)
    return registry.cascade_threshold(first, threshold)


def _check_systems(models: list[str], external: dict) -> tuple[dict[str, CascadeName], list[str]]:
    """The cascades among ``models`` and the plain models to run (a named imported set is scored as it is)."""
    cascades = {name: parts for name in models if (parts := CascadeName.parse(name))}
    for name in cascades:
        registry.check_name(name, fallbacks=external)
    clash = set(external) & set(models) & set(registry.model_names())
    if clash:
        raise ValueError(f"imported prediction set {sorted(clash)[0]!r} has the name of a model")
    plain = [n for n in models if n not in cascades and n not in external]
    for name in plain:
        registry.check_name(name)
    return cascades, plain


def _cascade_answers(
    scored, cascades: dict, answers: dict, external: dict, threshold, fallback_share, llm_options: dict
) -> dict:
    """Each cascade's answers: from its parts' answers when both are there, else run (an LLM fallback)."""
    out = {}
    for name, parts in cascades.items():
        first = answers[parts.first]
        cut = _threshold(parts.first, first.confidence, threshold, fallback_share)
        fallback = external.get(parts.fallback) or answers.get(parts.fallback)
        if fallback is not None:
            out[name] = cascade_from_answers(parts, first, fallback, list(scored.rows["label"]), cut)
            continue
        model = registry.load(name, threshold=cut, **llm_options)
        out[name] = run_models(scored, {name: model})[name]
        out[name].info.update(name=name, threshold=round(cut, 4))
    return out


def _previous_answers(output: Path, path: Path, scored, answers: dict) -> tuple[list[str], dict | None]:
    """``--merge``: the systems of an earlier evaluation of the same file that this one did not re-run, added to
    ``answers`` (in their old order); returns their names and the old metrics."""
    if not (output / "metrics.json").exists():
        return [], None
    old = json.loads((output / "metrics.json").read_text())
    if old["data"]["sha256"] != file_sha256(path) or old["data"]["rows"] != len(scored.rows):
        return [], None
    previous = pd.read_csv(output / "predictions.csv", dtype={"id": str}, keep_default_na=False)
    kept = [name for name in old["models"] if name not in answers]
    for name in kept:
        labels = [v or None for v in previous[name]]
        conf = pd.to_numeric(previous.get(f"{name}_confidence"), errors="coerce")
        proba = one_hot(labels) if conf is None else one_hot(labels) * conf.to_numpy()[:, None]
        kept_info = ("family", "description", "probabilities", "cascade")
        answers[name] = Answers(labels, proba, {k: v for k, v in old["models"][name].items() if k in kept_info})
    order = [*old["models"], *(n for n in answers if n not in old["models"])]  # re-run systems keep their place
    reordered = {name: answers[name] for name in order}
    answers.clear()
    answers.update(reordered)
    return kept, old


def evaluate(
    models: list[str],
    output: Path,
    data: Path | None = None,
    limit: int | None = None,
    merge: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
    id_column: str | None = None,
    predictions: list[Path] | None = None,
    threshold: float | None = None,
    fallback_share: float | None = None,
    **llm_options,
) -> dict:
    """Evaluate models, imported prediction sets and cascades on a labelled file (default: ISEAR dev).

    Args:
        models: Registry names, and ``cascade:<first>+<fallback>`` where ``fallback`` may also be an
            imported prediction set.
        output: Folder for ``metrics.json`` and ``predictions.csv``.
        data: Any CSV/XLSX/... with a text and a label column (default: ISEAR ``dev.csv``).
        limit: Only the first ``limit`` rows (for paid endpoints).
        merge: Keep the other systems of an existing evaluation of the same data file in ``output``.
        text_column, label_column, id_column: Guessed when not given (``text``, ``label``, ``id`` first).
        predictions: Prediction files to join (default: ``llm_zero_shot.csv`` beside an ISEAR split, when
            it covers every row).
        threshold: Cascades: confidence below which a row goes to the fallback.
        fallback_share: Cascades: instead, the share of these rows to send (default: the threshold that
            sends 40% of dev rows).
        **llm_options: Passed to LLM classifiers (``prompt_mode``, ``concurrency``...).
    """
    path = Path(data) if data else isear_path("dev")
    table = read_table(path)
    if limit:
        table = table.head(limit)
    scored = labelled_data(table, text_column, label_column, id_column, path.name)
    print(scored.summary(), flush=True)
    ids = scored.rows["id"] if scored.has_ids else None
    given = predictions is not None
    imported = []
    for file in predictions if given else default_predictions(path):
        sets = read_predictions(file, ids, len(scored.rows), id_column=scored.id_column)
        if given or not sets.missing_ids:
            imported.append(sets)
            print(sets.summary(), flush=True)
    external = {name: a for sets in imported for name, a in imported_answers(sets).items()}

    cascades, plain = _check_systems(models, external)
    firsts = [c.first for c in cascades.values() if c.first not in plain]
    loaded = {n: registry.load(n, **llm_options) for n in plain + firsts}
    answers = run_models(scored, loaded)
    for name, model in loaded.items():
        answers[name].info.update(model.evaluation_info())
        usage = model.token_usage()
        if usage is not None and usage.reported:
            answers[name].info["tokens"] = usage.to_dict()
    answers |= _cascade_answers(scored, cascades, answers, external, threshold, fallback_share, llm_options)
    keys = {n: model.evaluation_key(n) for n, model in loaded.items()}
    answers = {keys.get(n, n): a for n, a in answers.items()} | external
    kept, old = _previous_answers(output, path, scored, answers) if merge else ([], None)
    metrics, table = evaluation_files(
        scored, answers, {"file": path.name, "sha256": file_sha256(path), "limit": limit}, imported
    )
    if kept:  # what only the first run knew (reliability before calibration, cascade curves) stays
        metrics["models"].update({name: old["models"][name] for name in kept})
    for name, m in metrics["models"].items():
        low, high = m["intervals"]["macro_f1"]
        print(
            f"{name}: macro-F1 {m['macro_f1']:.4f} [{low:.4f}, {high:.4f}], accuracy {m['accuracy']:.4f}, "
            f"ECE {m['calibration']['ece']}",
            flush=True,
        )
    output.mkdir(parents=True, exist_ok=True)
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    table.to_csv(output / "predictions.csv", index=False)
    return metrics


@dataclass
class EvaluationJob:
    """Evaluate models on a user's labelled table in the background: what the Compare page runs and draws.

    The labelling is a :class:`~emotion.labelling.jobs.BulkJob` (progress, Stop, the same machinery as the Bulk
    page); :meth:`result` scores the rows finished so far, with the imported prediction sets beside them.

    Args:
        scored: The labelled rows.
        file_name: The uploaded file's name.
        sha256: Its bytes' sha256.
        models: ``{name: classifier}`` to run.
        imported: Prediction files aligned to ``scored``.
    """

    scored: LabelledData
    file_name: str
    sha256: str
    models: dict[str, Classifier]
    imported: list[ImportedSets] = field(default_factory=list)
    labelling: BulkJob | None = None

    def __post_init__(self) -> None:
        if self.labelling is None:
            self.labelling = BulkJob(self.scored.rows, self.file_name, "text", list(self.models))

    def start(self) -> LabellingRun:
        """Label the rows not done yet in a background thread (see :meth:`BulkJob.start`)."""
        return self.labelling.start(self.models, probabilities=True)

    @property
    def rows_done(self) -> int:
        return self.labelling.rows_done

    def result(self) -> tuple[dict, pd.DataFrame] | None:
        """Metrics and predictions over the rows labelled so far (all of them once done); ``None`` before any."""
        done = self.rows_done
        if not done and self.models:
            return None
        done = done if self.models else len(self.scored.rows)
        labelled = pd.concat(self.labelling.parts) if self.labelling.parts else self.scored.rows.head(0)
        head = LabelledData(
            self.scored.rows.head(done),
            self.scored.excluded,
            self.scored.has_ids,
            self.scored.text_column,
            self.scored.label_column,
            self.scored.id_column,
        )
        answers = {name: answers_from_labelled(labelled, name, model) for name, model in self.models.items()}
        for sets in self.imported:
            cut = ImportedSets(sets.file, {n: v[:done] for n, v in sets.sets.items()}, sets.aligned_by)
            answers |= imported_answers(cut)
        info = {"file": self.file_name, "sha256": self.sha256, "rows_total": len(self.scored.rows)}
        return evaluation_files(head, answers, info, self.imported)
