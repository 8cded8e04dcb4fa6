"""The models this installation offers. The dashboard and the CLI only ever talk to this module."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from emotion import config
from emotion.base import Classifier, Status
from emotion.llm.presets import load_presets

ENCODER_RUNTIMES = {
    "onnx": {
        "encoder-fast": "emotion.exporters.onnx:FastOnnxEncoderClassifier",
        "encoder": "emotion.exporters.onnx:OnnxEncoderClassifier",
    },
    "torch": {
        "encoder-fast": "emotion.models.encoder:FastEncoderClassifier",
        "encoder": "emotion.models.encoder:EncoderClassifier",
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
    """All model names: the local ones, then ``llm:<preset>`` for every LLM endpoint preset."""
    names = list(LOCAL_MODELS)
    if include_llms:
        names += [LLM_PREFIX + preset for preset in load_presets()]
    return names


def check_name(name: str) -> str:
    """Return ``name`` if the registry offers it, else raise :class:`UnknownModelError` listing the choices."""
    if name not in model_names():
        raise UnknownModelError(f"unknown model {name!r}; choose from: {', '.join(model_names())}")
    return name


def info(name: str, api_key: str | None = None, probe: bool = True) -> ModelInfo:
    """Name, family, description and readiness of a model (LLM servers are probed unless ``probe=False``)."""
    check_name(name)
    if name.startswith(LLM_PREFIX):
        from emotion.llm.classifier import LLMClassifier

        model = LLMClassifier(load_presets()[name[len(LLM_PREFIX) :]], api_key=api_key)
        return ModelInfo(name, model.family, model.description, model.status(probe=probe), local=False)
    cls = _class(name)
    return ModelInfo(name, cls.family, cls.description, cls.artifact_status(), local=True)


def local_ready() -> list[str]:
    """Local models whose artifacts are present."""
    return [name for name in LOCAL_MODELS if _class(name).artifact_status().ready]


@functools.cache
def _load_local(name: str) -> Classifier:
    cls = _class(name)
    status = cls.artifact_status()
    if not status.ready:
        raise FileNotFoundError(f"model {name!r} is not ready: {status.reason}")
    if name == "ensemble":
        return cls.load({member: _load_local(member) for member in cls.member_names()})
    return cls.load()


def load(name: str, api_key: str | None = None, **llm_options) -> Classifier:
    """Load a model by name. Local models are loaded once per process and shared.

    Args:
        name: A name from :func:`model_names`.
        api_key: For LLM endpoints that need one; never stored beyond the returned object.
        **llm_options: Passed to :class:`emotion.llm.classifier.LLMClassifier` (prompt mode, concurrency...).
    """
    check_name(name)
    if name.startswith(LLM_PREFIX):
        from emotion.llm.classifier import LLMClassifier

        return LLMClassifier(load_presets()[name[len(LLM_PREFIX) :]], api_key=api_key, **llm_options)
    return _load_local(name)
