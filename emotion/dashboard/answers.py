"""What the dashboard pages ask of the package: one text through several models, run estimates."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from emotion import config
from emotion.artifacts import artifact_dir
from emotion.classifier import Classifier, Predictions, TokenUsage, members_first, seconds_for
from emotion.explanations import explain
from emotion.labelling.table import NoEmotionFallback, most_say
from emotion.models import no_emotion


@dataclass
class ModelResult:
    """One model's answer for one text."""

    name: str
    label: str | None
    confidence: float
    proba: np.ndarray
    latency_ms: float
    error: str | None = None
    one_hot: bool = False
    explanation: list[tuple[str, float]] = field(default_factory=list)
    from_members: bool = False  # an ensemble averaged from its members' answers above
    answered_by: str | None = None  # a cascade: the model that gave the answer
    no_emotion: float = float("nan")  # P(no clear emotion): the model's own, or the shared detector's
    no_emotion_flag: bool | None = None  # at or above that source's threshold


def classify_text(text: str, models: dict[str, Classifier]) -> list[ModelResult]:
    """Classify ``text`` with each model, timing each; models that explain freely add the words behind their answer
    (leave one word out, :mod:`emotion.explanations`; the latency shown is the answer's alone).

    An ensemble whose members are among ``models`` averages their answers instead of running them again.
    """
    done: dict[Classifier, Predictions] = {}
    results: dict[str, ModelResult] = {}
    fallback = NoEmotionFallback([text])
    for name in members_first(models):
        model = models[name]
        started = time.perf_counter()
        reused = model.from_members(done)
        try:
            prediction = reused if reused is not None else model.classify([text])
        except Exception as error:
            results[name] = ModelResult(
                name,
                None,
                float("nan"),
                np.full(7, np.nan),
                (time.perf_counter() - started) * 1000,
                f"{type(error).__name__}: {error}",
            )
            continue
        done[model] = prediction
        latency = (time.perf_counter() - started) * 1000
        label = prediction.labels[0]
        result = ModelResult(
            name,
            label,
            float(prediction.confidence[0]),
            prediction.proba[0],
            latency,
            prediction.errors[0],
            prediction.one_hot,
            from_members=reused is not None,
            answered_by=prediction.answered_by[0] if prediction.answered_by else None,
        )
        neutral, flagged = fallback.columns(1, [0], prediction, model)
        result.no_emotion, result.no_emotion_flag = float(neutral[0]), flagged[0]
        if label and model.explains_freely:
            result.explanation = explain(model, text, label).top()
        results[name] = result
    return [results[name] for name in models]


def independent(results: list[ModelResult], models: dict[str, Classifier]) -> tuple[list[ModelResult], list[str]]:
    """The results of models that are not part of another model shown (an ensemble's members, a cascade's), and
    notes naming who was folded into whom."""
    objects = {name: models[name] for name in models}
    folded: dict[str, list[str]] = {}
    for name, model in objects.items():
        inside = [other for other, obj in objects.items() if other != name and obj in model.members]
        if inside:
            folded[name] = inside
    hidden = {member for members in folded.values() for member in members}
    kept = [r for r in results if r.name not in hidden]
    notes = [f"{name} counts once with {', '.join(members)}" for name, members in folded.items()]
    return kept, notes


def agreement_line(
    results: list[ModelResult], models: dict[str, Classifier] | None = None, headline: str | None = None
) -> str:
    """How far the models agree with the answer shown, e.g. ``"2 of 3 independent models say sadness; 1 says joy"``.

    Models without an answer are not counted, and an ensemble or cascade shown with its members counts once. The
    line speaks of ``headline`` (the label on the card above it) when given, so it never contradicts the card;
    else of the most common answer.
    """
    notes: list[str] = []
    if models is not None:
        results, notes = independent(results, models)
    labels = [r.label for r in results if r.label]
    if not labels:
        return "No model gave an answer."
    counts = Counter(labels)
    label = headline or counts.most_common(1)[0][0]
    votes = counts.get(label, 0)
    kind = "independent models" if notes else "models"
    rest = "; ".join(
        f"{n} {'says' if n == 1 else 'say'} {other}" for other, n in counts.most_common() if other != label
    )
    if len(labels) == 1:
        line = f"1 model says {labels[0]}"
    elif votes == len(labels):
        line = f"All {votes} {kind} say {label}"
    elif votes == 0:
        line = f"None of the {len(labels)} {kind} says {label}; {rest}"
    else:
        line = f"{votes} of {len(labels)} {kind} say {label}; {rest}"
    return line + (f" ({'; '.join(notes)})." if notes else ".")


def checks_seconds(texts: list[str], models: dict[str, Classifier]) -> float:
    """Expected seconds of the per-row checks labelling adds to the models' time: the shared no-clear-emotion
    detector, run once when a chosen model has no "no emotion" output of its own."""
    if all(model.no_emotion_scale is not None for model in models.values()):
        return 0.0
    if not config.no_emotion_check() or not (artifact_dir(no_emotion.NAME) / "card.json").exists():
        return 0.0
    return seconds_for(len(set(texts)), no_emotion.NoEmotionDetector.expected_texts_per_s)


def best_model(names: list[str], scores: dict[str, float]) -> str:
    """The name among ``names`` with the highest stored score (macro-F1), else the first."""
    scored = [name for name in names if name in scores]
    return max(scored, key=lambda name: scores[name]) if scored else names[0]


def estimate_seconds(model: Classifier, texts: list[str]) -> tuple[float, float | None]:
    """Expected seconds and cost in USD (``None`` when free or unknown) to label ``texts`` (the model's own
    :meth:`~emotion.classifier.Classifier.estimate_run`)."""
    return model.estimate_run(texts)


def cascade_notes(models: dict[str, Classifier], texts: list[str]) -> list[str]:
    """For each model that routes texts to another (a cascade), how many texts are expected to go there."""
    return [note for model in models.values() if (note := model.routing_note(texts))]


def usage_line(name: str, usage: TokenUsage, cost_usd: float | None) -> str:
    """One line on what a model's requests used, as its endpoint reported it, and what that cost."""
    line = (
        f"{name}: {usage.requests:,} requests, {usage.input_tokens:,} input + {usage.output_tokens:,} output tokens "
        f"as reported by the endpoint, " + (f"${cost_usd:,.4f}" if cost_usd is not None else "no price known")
    )
    if usage.reported < usage.requests:
        line += f" ({usage.requests - usage.reported:,} responses reported no usage: not counted)"
    return line


def no_emotion_line(results: list[ModelResult]) -> str:
    """The Classify page's warning when most models that say find no clear emotion in the text (empty otherwise)."""
    said = [r for r in results if r.no_emotion_flag is not None]
    if not said or not most_say([bool(r.no_emotion_flag) for r in said]):
        return ""
    figures = ", ".join(f"{r.name} {r.no_emotion:.0%}" for r in said)
    return (
        f"No clear emotion: this text may show none of the seven (probability of no emotion: {figures}). "
        "The answers below are the closest of the seven, not a finding."
    )
