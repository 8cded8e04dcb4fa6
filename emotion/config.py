"""Settings read from the environment: where data, artifacts and caches live."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import re
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
    """Public customer-feedback sets (reviews and tweets by polarity, plain requests), never committed:
    ``$EMOTION_FEEDBACK_DIR``, else ``../datasets`` beside the project (:mod:`emotion.training.feedback_data`
    names each file)."""
    return Path(os.environ.get("EMOTION_FEEDBACK_DIR", PROJECT_ROOT.parent / "datasets"))


def offline_process() -> None:
    """For an entry point's own process: hub downloads off (unless set), transformers' warnings quiet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def cache_dir() -> Path:
    """Caches that can be rebuilt (ONNX exports, LLM answers, embeddings): ``$EMOTION_CACHE_DIR``."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emotion"
    path = Path(os.environ.get("EMOTION_CACHE_DIR", default))
    return path if path.is_dir() else private_dir(path)


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


_USER: contextvars.ContextVar[str | None] = contextvars.ContextVar("emotion_user", default=None)


def _normal(user: str | None) -> str | None:
    return user.strip().lower() if user and user.strip() else None


def set_user(user: str | None) -> None:
    """Who is signed in, for the rest of this thread's work (the dashboard's frame sets it on every script run with
    logins on; background jobs carry it, see :class:`emotion.jobs.BackgroundJob`). ``None``: nobody, one analyst."""
    _USER.set(_normal(user))


def current_user() -> str | None:
    """The signed-in user set by :func:`set_user` (lower case), or ``None``."""
    return _USER.get()


@contextlib.contextmanager
def as_user(user: str | None):
    """:func:`set_user` for a ``with`` block (tests, scripts), restored after."""
    token = _USER.set(_normal(user))
    try:
        yield
    finally:
        _USER.reset(token)


def user_folder(user: str) -> str:
    """A signed-in user's folder name: the address's safe characters and a digest of it (two addresses never
    share one, and an administrator can still tell whose it is)."""
    readable = re.sub(r"[^a-z0-9._@-]", "_", user)[:48].lstrip(".") or "user"
    return f"{readable}-{hashlib.sha256(user.encode()).hexdigest()[:10]}"


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents readable by the owner only (0700: uploads, models and answers
    quote users' texts); returns it."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path


def _scoped(base: Path) -> Path:
    user = current_user()
    return base / "users" / user_folder(user) if user else base


def models_dir() -> Path:
    """The user's own models (``custom:NAME``, adapted to their labels): ``$EMOTION_MODELS_DIR``, else
    ``~/.local/share/emotion/models``; with a signed-in user (:func:`set_user`), their own ``users/<user>``
    folder under it."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "emotion" / "models"
    return _scoped(Path(os.environ.get("EMOTION_MODELS_DIR", default)))


def taxonomies_dir() -> Path:
    """The user's saved theme taxonomies (``<name>.json``): ``$EMOTION_TAXONOMIES_DIR``, else
    ``~/.local/share/emotion/taxonomies``; with a signed-in user, their own ``users/<user>`` folder under it."""
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "emotion" / "taxonomies"
    return _scoped(Path(os.environ.get("EMOTION_TAXONOMIES_DIR", default)))


def llm_key_users() -> set[str]:
    """Signed-in users who may spend the server's LLM key (``$EMOTION_LLM_KEY_USERS``, comma-separated e-mail
    addresses; ``*`` for every signed-in user). Empty by default: with logins on, nobody spends it."""
    return {u.strip().lower() for u in os.environ.get("EMOTION_LLM_KEY_USERS", "").split(",") if u.strip()}


def llm_requests_per_user() -> int:
    """With logins on, LLM requests a signed-in user may send on the server's key per UTC day
    (``$EMOTION_LLM_REQUESTS_PER_USER``, default 2,000; ``0``: none). A key the user types is not capped."""
    return max(0, int(os.environ.get("EMOTION_LLM_REQUESTS_PER_USER", 2000)))


def llm_usage_db() -> Path:
    """The SQLite file counting each user's LLM requests on the server's key: ``$EMOTION_LLM_USAGE_DB``, else
    ``llm_usage.sqlite`` beside the runs (:func:`runs_db`)."""
    return Path(os.environ.get("EMOTION_LLM_USAGE_DB", runs_db().parent / "llm_usage.sqlite"))
