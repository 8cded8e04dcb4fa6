"""The one interface every classifier shares."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from emotion.artifacts import artifact_dir
from emotion.confidence import Calibration, NoEmotionScale
from emotion.io.text import check_text, prepare_text
from emotion.labels import LABELS

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as texts are classified."""

Batch = TypeVar("Batch")
Result = TypeVar("Result")


def map_batches(work: Callable[[Batch], Result], batches: list[Batch], threads: int) -> Iterator[Result]:
    """``work(batch)`` for every batch, results in order, up to ``threads`` batches at once.

    For runtimes that release the GIL (numpy, ONNX Runtime); a single batch runs in the calling thread.
    """
    if len(batches) <= 1 or threads <= 1:
        yield from map(work, batches)
        return
    with ThreadPoolExecutor(min(threads, len(batches))) as pool:
        yield from pool.map(work, batches)


def split_outputs(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seven-way probabilities (a softmax over the first seven scores) and ``P(no emotion)`` (the eighth output's
    share of a softmax over all eight; zeros for a seven-output model)."""
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    seven = exp[:, : len(LABELS)]
    proba = seven / seven.sum(axis=1, keepdims=True)
    if logits.shape[1] == len(LABELS):
        return proba, np.zeros(len(logits), dtype=proba.dtype)
    return proba, exp[:, len(LABELS)] / exp.sum(axis=1)


def sequential_texts_per_s(rates: Sequence[float], shares: Sequence[float] | None = None) -> float:
    """Texts per second of models run one after another on the same texts, each at its own rate on its ``share``
    of them (default: all): the one home of the throughput formula (ensembles, cascades, labelling jobs)."""
    shares = shares if shares is not None else [1.0] * len(rates)
    seconds = sum(share / rate for rate, share in zip(rates, shares, strict=True))
    return 1 / seconds if seconds else float("inf")


def seconds_for(texts: int, texts_per_s: float) -> float:
    """Expected seconds to run ``texts`` texts at ``texts_per_s``."""
    return texts / texts_per_s


class InputError(ValueError):
    """A text that cannot be classified (empty, not a string); the message names its position."""


@dataclass(frozen=True)
class Status:
    """Whether a model can be used now, and if not, why and how to fix it."""

    ready: bool
    reason: str = ""


@dataclass
class Predictions:
    """Results for ``n`` texts. Rows that got no label (an LLM request failed) are NaN in ``proba``."""

    proba: np.ndarray
    errors: list[str | None] = field(default_factory=list)
    one_hot: bool = False
    """True when the probabilities are a single answer, not a distribution (LLMs without logprobs)."""
    raw: np.ndarray | None = None
    """The model's probabilities before calibration (the same as ``proba`` for uncalibrated models)."""
    answered_by: list[str] | None = None
    """Which model gave each row's answer (cascades); ``None`` when it is always this one."""
    no_emotion: np.ndarray | None = None
    """The model's own probability that each text shows none of the seven emotions (models trained with that
    eighth output); ``None`` for models without it."""

    def __post_init__(self) -> None:
        if not self.errors:
            self.errors = [None] * len(self.proba)
        if self.raw is None:
            self.raw = self.proba

    @property
    def labels(self) -> list[str | None]:
        """Most probable label per row, ``None`` for rows without probabilities."""
        return [None if np.isnan(row).any() else LABELS[int(row.argmax())] for row in self.proba]

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted label per row (NaN where there is none)."""
        return np.where(np.isnan(self.proba).any(axis=1), np.nan, np.nan_to_num(self.proba).max(axis=1))


COUNTS = ("requests", "reported", "input_tokens", "output_tokens")


@dataclass
class TokenUsage:
    """Tokens an endpoint reported (``usage`` of each response) for the requests a classifier sent.

    Cached answers send nothing and count nothing; a server that reports no usage adds requests only.
    """

    requests: int = 0
    reported: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, usage) -> None:
        """Count one response's ``usage`` (``None`` when the server sent none)."""
        with self._lock:
            self.requests += 1
            if usage is not None:
                self.reported += 1
                self.input_tokens += usage.prompt_tokens or 0
                self.output_tokens += usage.completion_tokens or 0

    def per_request(self) -> tuple[float, float] | None:
        """Mean input and output tokens per reported request, or ``None`` before any."""
        if not self.reported:
            return None
        return self.input_tokens / self.reported, self.output_tokens / self.reported

    def to_dict(self) -> dict:
        """The counts, for ``metrics.json``."""
        return {k: getattr(self, k) for k in COUNTS}

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(**{k: getattr(self, k) + getattr(other, k) for k in COUNTS})

    def __sub__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(**{k: getattr(self, k) - getattr(other, k) for k in COUNTS})


class Classifier(ABC):
    """A seven-emotion classifier. Subclasses implement :meth:`_classify` on clean, distinct texts.

    Attributes:
        name: Registry name (``tfidf``, ``encoder``, ...).
        family: ``classical``, ``encoder``, ``seq2seq``, ``ensemble`` or ``llm``.
        classes_: The label order of every probability column.
    """

    name: str = ""
    family: str = ""
    description: str = ""
    default_batch_size: int = 64
    classes_: tuple[str, ...] = LABELS
    members: Sequence[Classifier] = ()
    """Classifiers whose answers this one combines (an ensemble); empty for the others."""
    expected_texts_per_s: float = 100.0
    """Throughput on 2 CPU cores (``BENCHMARKS.md``), for time estimates and chunk sizes."""
    probabilities: bool = True
    """Whether its confidence is a calibrated probability (what a cascade's first model needs); ``False`` for LLMs'
    single answers and for cascades, whose confidence mixes two models'."""
    explains_freely: bool = True
    """Explaining an answer (:mod:`emotion.explanations`, a few dozen texts classified) costs only time; ``False``
    for models that send paid requests, which the pages explain only when asked."""
    calibration: Calibration | None = None
    """Served probabilities are ``calibration.apply(raw)`` (a temperature, then a confidence map: see
    :mod:`emotion.confidence`); the registry sets it from the ``confidence_calibration`` entry of the card."""
    no_emotion_scale: NoEmotionScale | None = None
    """How the model's own ``P(no emotion)`` is served and thresholded (models with that output); the registry sets
    it from the card's ``no_emotion_calibration`` entry."""

    def status(self) -> Status:
        """Whether :meth:`predict_proba` can run now; overridden by models that need files or servers."""
        return Status(True)

    # The contract of a committed local model: a folder ``data/<name>`` with a card, loaded by the registry
    # through these class methods alone (a new family is one module plus one line in the registry).

    @classmethod
    def member_names(cls, folder: Path | None = None) -> list[str]:
        """Registry names of the models this one combines (an ensemble), loaded first and passed to :meth:`load`."""
        return []

    @classmethod
    def base_problem(cls) -> str | None:
        """Why pretrained base weights this model needs cannot be loaded now, or ``None``."""
        return None

    @classmethod
    def artifact_status(cls) -> Status:
        """Ready when ``data/<name>/card.json`` exists and :meth:`base_problem` finds nothing."""
        if not (artifact_dir(cls.name) / "card.json").exists():
            return Status(False, f"artifact missing: run `python -m emotion train {cls.name}`")
        problem = cls.base_problem()
        return Status(problem is None, problem or "")

    @classmethod
    def load(cls, folder: Path | None = None, members: Mapping[str, Classifier] | None = None) -> Classifier:
        """The committed model from ``folder`` (default ``data/<name>``), its card checked.

        Args:
            folder: The artifact folder.
            members: The loaded models named by :meth:`member_names` (ensembles only), as served: an
                ensemble's weights are fitted on the probabilities its members serve.
        """
        raise NotImplementedError(f"{cls.__name__} has no committed artifact")

    def estimate_run(self, texts: Sequence[str]) -> tuple[float, float | None]:
        """Expected seconds and cost in USD (``None``: free or unknown) to classify ``texts`` (duplicates once)."""
        return seconds_for(len(set(texts)), self.expected_texts_per_s), None

    def routing_note(self, texts: Sequence[str]) -> str | None:
        """How many of ``texts`` this model is expected to send to another one, in words (cascades); else ``None``."""
        return None

    def evaluation_key(self, name: str) -> str:
        """The model's name in an evaluation's files (an LLM adds its prompt mode)."""
        return name

    def evaluation_info(self) -> dict:
        """What an evaluation records about the model besides its family and description (an LLM: its endpoint)."""
        return {}

    def token_usage(self) -> TokenUsage | None:
        """Tokens this object's requests to an endpoint used so far (``None``: it sends no requests)."""
        return None

    def usage_cost_usd(self, usage: TokenUsage) -> float | None:
        """What ``usage`` costs at this model's endpoint prices (``None``: no price known, or no endpoint)."""
        return None

    adaptable: bool = False
    """Whether :meth:`encode` works, so that the model can be the base of a ``custom:`` model."""

    def encode(
        self, texts: list[str], batch_size: int | None = None, progress: Progress | None = None
    ) -> tuple[Predictions, np.ndarray]:
        """Raw predictions of clean, distinct texts and the features the model's head reads, ``(n, d)``: what a
        model adapted to a user's labels builds on (:mod:`emotion.models.custom`)."""
        raise NotImplementedError(f"{self.name} cannot be the base of an adapted model")

    def explain(self, text: str) -> dict[str, list[tuple[str, float]]]:
        """Words of ``text`` that pushed toward each emotion; empty for models that cannot say."""
        return {}

    @abstractmethod
    def _classify(self, texts: list[str], batch_size: int, progress: Progress | None) -> Predictions:
        """Classify distinct, non-empty, cleaned texts."""

    def classify(
        self, texts: Sequence[str], batch_size: int | None = None, progress: Progress | None = None
    ) -> Predictions:
        """Classify texts; duplicates are computed once, order is kept.

        Args:
            texts: Non-empty strings; anything else raises :class:`InputError` naming its position.
            batch_size: Texts per forward pass (default: the model's own).
            progress: Called with ``(done, total)`` over the distinct texts.
        """
        if isinstance(texts, str):
            texts = [texts]
        cleaned = []
        for i, text in enumerate(texts):
            problem = check_text(text)
            if problem:
                raise InputError(f"text {i}: {problem} ({text!r:.40})")
            cleaned.append(prepare_text(text))
        unique = list(dict.fromkeys(cleaned))
        if not unique:
            return Predictions(np.zeros((0, len(LABELS))))
        result = self._classify(unique, batch_size or self.default_batch_size, progress)
        index = {text: i for i, text in enumerate(unique)}
        rows = [index[text] for text in cleaned]
        raw = result.proba[rows]
        return Predictions(
            self.calibrated(raw) if not result.one_hot else raw,
            [result.errors[r] for r in rows],
            result.one_hot,
            raw=raw,
            answered_by=[result.answered_by[r] for r in rows] if result.answered_by else None,
            no_emotion=self._served_no_emotion(result.no_emotion[rows]) if result.no_emotion is not None else None,
        )

    def _served_no_emotion(self, raw: np.ndarray) -> np.ndarray:
        return self.no_emotion_scale.apply(raw) if self.no_emotion_scale else raw

    def calibrated(self, raw: np.ndarray) -> np.ndarray:
        """Served probabilities from raw ones: :attr:`calibration` applied, if the model has one."""
        return self.calibration.apply(raw) if self.calibration else raw

    def predict_proba(
        self, texts: Sequence[str], batch_size: int | None = None, progress: Progress | None = None
    ) -> np.ndarray:
        """``(n, 7)`` calibrated probabilities in :data:`LABELS` order."""
        return self.classify(texts, batch_size, progress).proba

    def predict(
        self, texts: Sequence[str], batch_size: int | None = None, progress: Progress | None = None
    ) -> list[str | None]:
        """The most probable label per text."""
        return self.classify(texts, batch_size, progress).labels

    def from_members(self, predictions: Mapping[Classifier, Predictions]) -> Predictions | None:
        """Predictions built from :attr:`members`' predictions on the same texts, without running anything.

        ``None`` (always, for a classifier without members) means: call :meth:`classify` instead.

        Args:
            predictions: Predictions keyed by the classifier object that made them.
        """
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def members_first(models: Mapping[str, Classifier]) -> list[str]:
    """Model names, those that combine others (ensembles) last, so they can reuse answers (``from_members``)."""
    return sorted(models, key=lambda name: bool(models[name].members))
