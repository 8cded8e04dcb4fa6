"""Settings read from the environment: where data, artifacts and caches live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_ROOT / "data"
"""Committed trained artifacts (each with a card) and the stored evaluation."""


def resolve(target: str):
    """The object a ``"module:attribute"`` string names, imported on call (specs, lazy classes and plug-ins name
    their code this way, so naming it imports nothing)."""
    import importlib

    module, _, attribute = target.partition(":")
    if not module or not attribute:
        raise ValueError(f"{target!r} is not 'module:attribute'")
    return getattr(importlib.import_module(module), attribute)


def data_dir() -> Path:
    """The ISEAR folder: ``$EMOTION_DATA_DIR``, else ``../shared/data/isear`` beside the project."""
    default = PROJECT_ROOT.parent / "shared" / "data" / "isear"
    return Path(os.environ.get("EMOTION_DATA_DIR", default))


def goemotions_dir() -> Path:
    """The GoEmotions folder (Reddit comments, the second domain): ``$EMOTION_GOEMOTIONS_DIR``, else
    ``goemotions`` beside the ISEAR folder."""
    return Path(os.environ.get("EMOTION_GOEMOTIONS_DIR", data_dir().parent / "goemotions"))


def feedback_dir() -> Path:
    """Public customer-feedback sets (reviews by rating, plain requests), never committed: ``$EMOTION_FEEDBACK_DIR``,
    else ``../datasets`` beside the project (:mod:`emotion.training.feedback_data` names each file)."""
    return Path(os.environ.get("EMOTION_FEEDBACK_DIR", PROJECT_ROOT.parent / "datasets"))


def offline_process() -> None:
    """For an entry point's own process: hub downloads off (unless set), transformers' warnings quiet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def cache_dir() -> Path:
    """Caches that can be rebuilt (ONNX exports, LLM answers, embeddings): ``$EMOTION_CACHE_DIR``."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emotion"
    path = Path(os.environ.get("EMOTION_CACHE_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def threads() -> int:
    """CPU threads a model may use: ``$EMOTION_THREADS``, else every core.

    A Ray worker sets it to the CPUs its actor reserves, since ONNX Runtime and numpy ignore Ray's limits.
    """
    value = os.environ.get("EMOTION_THREADS", "")
    return max(1, int(value)) if value.strip() else (os.cpu_count() or 1)


def runs_db() -> Path:
    """The SQLite file keeping bulk runs: ``$EMOTION_RUNS_DB``, else ``~/.local/share/emotion/runs.sqlite``."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "emotion" / "runs.sqlite"
    return Path(os.environ.get("EMOTION_RUNS_DB", default))


def runs_retention_days() -> float:
    """Bulk runs untouched for longer are removed at start-up: ``$EMOTION_RUNS_RETENTION_DAYS``, default 30."""
    return float(os.environ.get("EMOTION_RUNS_RETENTION_DAYS", 30))


def max_rows() -> int:
    """Rows the Bulk page accepts in one upload: ``$EMOTION_MAX_ROWS``, default 200,000."""
    return int(os.environ.get("EMOTION_MAX_ROWS", 200_000))


def no_emotion_check() -> bool:
    """Whether models without a "no emotion" output of their own get the shared detector's probability
    (``$EMOTION_NO_EMOTION``, default on; ``0`` skips it). Models trained with that output always give theirs."""
    return os.environ.get("EMOTION_NO_EMOTION", "1").strip().lower() not in ("0", "false", "no", "off")


def encoder_runtime() -> str:
    """How the encoders run: ``$EMOTION_ENCODER_RUNTIME``, ``onnx`` (default) or ``torch``."""
    return os.environ.get("EMOTION_ENCODER_RUNTIME", "onnx")


def models_dir() -> Path:
    """The user's own models (``custom:NAME``, adapted to their labels): ``$EMOTION_MODELS_DIR``, else
    ``~/.local/share/emotion/models``."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "emotion" / "models"
    return Path(os.environ.get("EMOTION_MODELS_DIR", default))


def taxonomies_dir() -> Path:
    """The user's saved theme taxonomies (``<name>.json``): ``$EMOTION_TAXONOMIES_DIR``, else
    ``~/.local/share/emotion/taxonomies``."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "emotion" / "taxonomies"
    return Path(os.environ.get("EMOTION_TAXONOMIES_DIR", default))


def llm_key_users() -> set[str]:
    """Signed-in users who may spend the server's LLM key (``$EMOTION_LLM_KEY_USERS``, comma-separated e-mail
    addresses; ``*`` for every signed-in user). Empty by default: with logins on, nobody spends it."""
    return {u.strip().lower() for u in os.environ.get("EMOTION_LLM_KEY_USERS", "").split(",") if u.strip()}
