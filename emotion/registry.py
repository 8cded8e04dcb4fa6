"""The models this installation offers. The dashboard and the CLI only ever talk to this module."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from emotion import config
from emotion.artifacts import artifact_dir, read_card
from emotion.classifier import Classifier, Status
from emotion.confidence import (
    CARD_ENTRY,
    DEFAULT_FALLBACK_SHARE,
    NO_EMOTION_ENTRY,
    Calibration,
    NoEmotionScale,
    check_share,
)
from emotion.llm.presets import load_presets
from emotion.models import custom
from emotion.models.cascade import CascadeClassifier, CascadeName

ENCODER_RUNTIMES = {
    "onnx": {
        "encoder-fast": "emotion.models.onnx_encoder:FastOnnxEncoderClassifier",
        "encoder": "emotion.models.onnx_encoder:OnnxEncoderClassifier",
        "encoder-large": "emotion.models.onnx_encoder:LargeOnnxEncoderClassifier",
    },
    "torch": {
        "encoder-fast": "emotion.models.encoder:FastEncoderClassifier",
        "encoder": "emotion.models.encoder:EncoderClassifier",
        "encoder-large": "emotion.models.encoder:LargeEncoderClassifier",
    },
}
LOCAL_MODELS: dict[str, str] = {
    **ENCODER_RUNTIMES[config.encoder_runtime()],
    "tfidf": "emotion.models.tfidf:TfidfClassifier",
    "seq2seq": "emotion.models.seq2seq:Seq2SeqClassifier",
    "ensemble": "emotion.models.ensemble:EnsembleClassifier",
}
"""Committed offline models, default first. The encoders run on ONNX Runtime unless
``EMOTION_ENCODER_RUNTIME=torch``. ``encoder-fast`` (4 layers, distilled) is the default; ``encoder``
(all 6 layers) is a little more accurate and about 1.6 times slower."""

DEFAULT_MODEL = "encoder-fast"
LLM_PREFIX = "llm:"


class UnknownModelError(KeyError):
    """A model name the registry does not offer."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ModelInfo:
    """What the registry says about a model without loading it."""

    name: str
    family: str
    description: str
    status: Status
    local: bool


def _class(name: str) -> type[Classifier]:
    module, attribute = LOCAL_MODELS[name].split(":")
    return getattr(__import__(module, fromlist=[attribute]), attribute)


def model_names(include_llms: bool = True) -> list[str]:
    """All model names: the local ones, the user's ``custom:NAME`` models, then ``llm:<preset>`` for every LLM
    endpoint preset."""
    names = list(LOCAL_MODELS) + custom.saved_names()
    if include_llms:
        names += [LLM_PREFIX + preset for preset in load_presets()]
    return names


def check_name(name: str) -> str:
    """Return ``name`` if the registry offers it, else raise :class:`UnknownModelError` listing the choices.

    Besides :func:`model_names`, any ``cascade:<first>+<fallback>`` of a local ``first`` and another model.
    """
    try:
        cascade = CascadeName.parse(name)
    except ValueError as error:
        raise UnknownModelError(str(error)) from None
    if cascade is not None:
        if cascade.first not in LOCAL_MODELS:
            raise UnknownModelError(
                f"{name}: the first model of a cascade must be a local model ({', '.join(LOCAL_MODELS)})"
            )
        if cascade.fallback not in model_names():
            raise UnknownModelError(
                f"{name}: unknown fallback {cascade.fallback!r}; choose from: {', '.join(model_names())}"
            )
        return name
    if name.startswith(custom.PREFIX) and custom.NAME_PATTERN.match(name.removeprefix(custom.PREFIX)):
        return name  # its folder is checked when it is loaded
    if name not in model_names():
        raise UnknownModelError(f"unknown model {name!r}; choose from: {', '.join(model_names())}")
    return name


def calibration(name: str) -> Calibration | None:
    """The ``confidence_calibration`` entry of a local model's card (``python -m emotion calibrate``), if it has one."""
    folder = artifact_dir(name)
    if name not in LOCAL_MODELS or not (folder / "card.json").exists():
        return None
    entry = read_card(folder, verify=False).get(CARD_ENTRY)
    return Calibration.from_dict(entry) if entry else None


def no_emotion_scale(name: str) -> NoEmotionScale | None:
    """The ``no_emotion_calibration`` entry of a local model's card (models with the "no emotion" output)."""
    folder = artifact_dir(name)
    if name not in LOCAL_MODELS or not (folder / "card.json").exists():
        return None
    entry = read_card(folder, verify=False).get(NO_EMOTION_ENTRY)
    return NoEmotionScale.from_dict(entry) if entry else None


def cascade_threshold(first: str, threshold: float | None = None, fallback_share: float | None = None) -> float:
    """A cascade's threshold: ``threshold`` if given, else the one sending ``fallback_share`` (default 40%)
    of dev rows to the fallback, read from ``first``'s calibration."""
    if threshold is not None and fallback_share is not None:
        raise ValueError("give a threshold or a fallback share, not both")
    if threshold is not None:
        return check_share(threshold, "threshold")
    fitted = calibration(first)
    if fitted is None:
        raise ValueError(f"{first} has no calibration on its card: run `python -m emotion calibrate {first}`")
    return fitted.threshold_for_share(DEFAULT_FALLBACK_SHARE if fallback_share is None else fallback_share)


def info(name: str, api_key: str | None = None, probe: bool = True) -> ModelInfo:
    """Name, family, description and readiness of a model (LLM servers are probed unless ``probe=False``)."""
    check_name(name)
    cascade = CascadeName.parse(name)
    if cascade is not None:
        parts = [info(part, api_key, probe) for part in (cascade.first, cascade.fallback)]
        problems = [f"{part.name}: {part.status.reason}" for part in parts if not part.status.ready]
        description = f"{cascade.first}, its least confident rows sent to {cascade.fallback}"
        status = Status(not problems, "; ".join(problems))
        return ModelInfo(name, "cascade", description, status, local=all(part.local for part in parts))
    if name.startswith(LLM_PREFIX):
        from emotion.llm.classifier import LLMClassifier

        model = LLMClassifier(load_presets()[name[len(LLM_PREFIX) :]], api_key=api_key)
        return ModelInfo(name, model.family, model.description, model.status(probe=probe), local=False)
    if name.startswith(custom.PREFIX):
        status = custom.CustomClassifier.status_of(name)
        description = "adapted to your labels" if not status.ready else custom.folder_of(name).name
        return ModelInfo(name, custom.CustomClassifier.family, description, status, local=True)
    cls = _class(name)
    return ModelInfo(name, cls.family, cls.description, cls.artifact_status(), local=True)


def members_of(name: str) -> list[str]:
    """The local models that ``name`` combines (an ensemble's members), recursively; empty for any other model."""
    if name not in LOCAL_MODELS:
        return []
    direct = _class(name).member_names()
    return direct + [inner for member in direct for inner in members_of(member)]


def local_ready() -> list[str]:
    """Local models whose artifacts are present."""
    return [name for name in LOCAL_MODELS if _class(name).artifact_status().ready]


def _load_local(name: str) -> Classifier:
    if name.startswith(custom.PREFIX):
        return custom.CustomClassifier.open(name, _load_local)
    status = _class(name).artifact_status()
    if not status.ready:
        raise FileNotFoundError(f"model {name!r} is not ready: {status.reason}")
    return _load_ready(name)


@functools.cache
def _load_ready(name: str) -> Classifier:
    # one object per model, shared with the ensembles it is a member of, so they reuse its answers (from_members)
    cls = _class(name)
    members = {member: _load_local(member) for member in cls.member_names()}
    model = cls.load(members=members)
    model.calibration = calibration(name)
    model.no_emotion_scale = no_emotion_scale(name)
    return model


def load(
    name: str,
    api_key: str | None = None,
    threshold: float | None = None,
    fallback_share: float | None = None,
    **llm_options,
) -> Classifier:
    """Load a model by name. Local models are loaded once per process and shared.

    Args:
        name: A name from :func:`model_names`, or ``cascade:<first>+<fallback>``.
        api_key: For LLM endpoints that need one; never stored beyond the returned object.
        threshold: Cascades: confidence below which a row goes to the fallback.
        fallback_share: Cascades: instead of ``threshold``, the share of dev rows to send (default 0.4).
        **llm_options: Passed to :class:`emotion.llm.classifier.LLMClassifier` (prompt mode, concurrency...).
    """
    check_name(name)
    cascade = CascadeName.parse(name)
    if cascade is not None:
        cut = cascade_threshold(cascade.first, threshold, fallback_share)
        fallback = load(cascade.fallback, api_key=api_key, **llm_options)
        fitted = calibration(cascade.first)
        share = fitted.share_for_threshold(cut) if fitted else DEFAULT_FALLBACK_SHARE
        return CascadeClassifier(_load_local(cascade.first), fallback, cut, name, share)
    if name.startswith(LLM_PREFIX):
        from emotion.llm.classifier import LLMClassifier

        return LLMClassifier(load_presets()[name[len(LLM_PREFIX) :]], api_key=api_key, **llm_options)
    return _load_local(name)
