"""The models this installation offers. The dashboard and the CLI only ever talk to this module."""

from __future__ import annotations

import functools
from collections.abc import Iterable
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


@dataclass(frozen=True)
class ModelSpec:
    """Everything the package needs to know about one committed local model, in one line of :data:`SPECS`.

    A new model family is one module (its :class:`~emotion.classifier.Classifier`) plus one spec here: the CLI's
    ``train`` and ``bench``, the ensemble's candidates, ``export`` and the tests iterate over the specs; behaviour
    (describing itself, estimating time and cost, saying who answered) lives in the class's methods.

    Attributes:
        name: Registry name, and the artifact folder ``data/<name>``.
        runtimes: ``module:Class`` per runtime: ``onnx`` and ``torch`` for the encoders (``EMOTION_ENCODER_RUNTIME``
            picks), ``any`` for the others.
        train: ``module:function`` that trains it and writes ``data/<name>`` (keyword options: ``seed``, and any of
            ``epochs``, ``layers``, ``lr`` that it takes).
        benchmark: Measured by ``python -m emotion bench``.
        ensemble_candidate: May be a member of the ensemble.
        export: ``module:function`` that ``python -m emotion export`` calls as ``function(name, output)`` (the
            encoders: a transformers checkpoint with its ONNX graph); empty when the model does not export.
    """

    name: str
    runtimes: dict[str, str]
    train: str
    benchmark: bool = True
    ensemble_candidate: bool = True
    export: str = ""

    def path(self, runtime: str) -> str:
        """The ``module:Class`` serving this model on ``runtime``."""
        return self.runtimes.get(runtime) or self.runtimes["any"]

    def torch_class(self) -> type[Classifier]:
        """The class running this model in torch (training, weight mixing), whatever runtime serves it."""
        return config.resolve(self.path("torch"))

    @property
    def exportable(self) -> bool:
        """Whether ``python -m emotion export`` writes this model."""
        return bool(self.export)

    def export_function(self):
        """The export function (imported when called: it pulls in torch)."""
        if not self.export:
            raise ValueError(f"{self.name} cannot be exported (the encoders and models adapted from them can)")
        return config.resolve(self.export)

    def train_function(self):
        """The training function (imported when called: it pulls in torch)."""
        return config.resolve(self.train)


def _encoder(name: str, cls: str, train: str) -> ModelSpec:
    return ModelSpec(
        name,
        {
            "onnx": f"emotion.models.onnx_encoder:{cls.replace('Encoder', 'OnnxEncoder')}",
            "torch": f"emotion.models.encoder:{cls}",
        },
        train if ":" in train else f"emotion.training.two_domain_stage:{train}",
        export="emotion.exporters.hub:export_checkpoint",
    )


SPECS: tuple[ModelSpec, ...] = (
    _encoder("encoder-fast", "FastEncoderClassifier", "emotion.training.feedback_stage:train_fast_encoder"),
    _encoder("encoder", "EncoderClassifier", "train_encoder"),
    _encoder("encoder-large", "LargeEncoderClassifier", "train_large_encoder"),
    ModelSpec(
        "tfidf", {"any": "emotion.models.tfidf:TfidfClassifier"}, "emotion.training.two_domain_stage:train_tfidf"
    ),
    ModelSpec(
        "seq2seq",
        {"any": "emotion.models.seq2seq:Seq2SeqClassifier"},
        "emotion.training.two_domain_stage:train_seq2seq",
    ),
    ModelSpec(
        "ensemble",
        {"any": "emotion.models.ensemble:EnsembleClassifier"},
        "emotion.training.ensemble:train_ensemble",
        ensemble_candidate=False,
    ),
)
"""The committed offline models, default first."""

SPEC: dict[str, ModelSpec] = {spec.name: spec for spec in SPECS}

LOCAL_MODELS: dict[str, str] = {spec.name: spec.path(config.encoder_runtime()) for spec in SPECS}
"""Committed offline models by name: the class serving each. The encoders run on ONNX Runtime unless
``EMOTION_ENCODER_RUNTIME=torch``. ``encoder-fast`` (4 layers) is the default; ``encoder`` (all 6 layers) and
``encoder-large`` (mpnet) are slower."""


def register(spec: ModelSpec) -> None:
    """Offer one more model (a plug-in family, a test's toy): after the committed ones, under ``spec.name``."""
    global SPECS
    if spec.name in SPEC:
        raise ValueError(f"a model {spec.name!r} is registered already")
    SPECS = (*SPECS, spec)
    SPEC[spec.name] = spec
    LOCAL_MODELS[spec.name] = spec.path(config.encoder_runtime())


def unregister(name: str) -> None:
    """Withdraw a model :func:`register` added."""
    global SPECS
    SPECS = tuple(spec for spec in SPECS if spec.name != name)
    SPEC.pop(name, None)
    LOCAL_MODELS.pop(name, None)
    _load_ready.cache_clear()


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
    return config.resolve(LOCAL_MODELS[name])


def model_names(include_llms: bool = True) -> list[str]:
    """All model names: the local ones, the user's ``custom:NAME`` models, then ``llm:<preset>`` for every LLM
    endpoint preset."""
    names = list(LOCAL_MODELS) + custom.saved_names()
    if include_llms:
        names += [LLM_PREFIX + preset for preset in load_presets()]
    return names


def check_name(name: str, fallbacks: Iterable[str] = ()) -> str:
    """Return ``name`` if the registry offers it, else raise :class:`UnknownModelError` listing the choices.

    Besides :func:`model_names`, any ``cascade:<first>+<fallback>`` of a local ``first`` and another model (or one
    of ``fallbacks``: an evaluation's imported prediction sets).
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
        if cascade.fallback not in model_names() and cascade.fallback not in fallbacks:
            raise UnknownModelError(
                f"{name}: unknown fallback {cascade.fallback!r}; choose from: {', '.join(model_names())}"
            )
        return name
    if name.startswith(custom.PREFIX) and custom.NAME_PATTERN.fullmatch(name.removeprefix(custom.PREFIX)):
        return name  # its folder is checked when it is loaded
    if name not in model_names():
        raise UnknownModelError(f"unknown model {name!r}; choose from: {', '.join(model_names())}")
    return name


def _card(name: str) -> dict:
    """A committed local model's card, unchecked (empty for other names or a missing card)."""
    folder = artifact_dir(name)
    if name not in LOCAL_MODELS or not (folder / "card.json").exists():
        return {}
    return read_card(folder, verify=False)


def calibration(name: str) -> Calibration | None:
    """The ``confidence_calibration`` entry of a local model's card (``python -m emotion calibrate``), if it has one."""
    entry = _card(name).get(CARD_ENTRY)
    return Calibration.from_dict(entry) if entry else None


def no_emotion_scale(name: str) -> NoEmotionScale | None:
    """The ``no_emotion_calibration`` entry of a local model's card (models with the "no emotion" output)."""
    entry = _card(name).get(NO_EMOTION_ENTRY)
    return NoEmotionScale.from_dict(entry) if entry else None


def trained_on(name: str) -> str:
    """The domains a committed local model learned from, in words, from its card ("" for other systems)."""
    card = _card(name)
    data = card.get("data", {})
    if not card:
        return ""
    if "goemotions_train" in data:
        return "ISEAR + GoEmotions"
    if "chosen_on" in data:
        return f"its members' (chosen on {data['chosen_on']})"
    return "ISEAR"


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


def shared(name: str) -> bool:
    """Whether :func:`load` gives every caller the same object (the committed local models, loaded once per
    process), so that a page may cache it for all sessions."""
    return name in LOCAL_MODELS


def adaptable_models() -> list[str]:
    """Local models ready now that can be the base of a ``custom:`` model (the encoders on ONNX Runtime)."""
    return [name for name in local_ready() if _class(name).adaptable]


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
