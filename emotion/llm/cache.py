"""Persistent LLM answer cache (SQLite), so the same text is never paid for twice."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from emotion.config import cache_dir


def answer_key(base_url: str, model: str, prompt_version: str, text: str) -> str:
    """Cache key of one request: endpoint, model, prompt version and text."""
    return hashlib.sha256("\0".join((base_url.rstrip("/"), model, prompt_version, text)).encode()).hexdigest()


class AnswerCache:
    """``key -> (raw answer, probabilities or None)``; safe to share between threads.

    Args:
        path: SQLite file (default ``<cache dir>/llm_answers.sqlite``).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or cache_dir() / "llm_answers.sqlite")
        self._lock = threading.Lock()
        self.path.touch(mode=0o600, exist_ok=True)  # answers may quote the texts sent: the owner's only
        os.chmod(self.path, 0o600)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT, proba TEXT, "
                "one_hot INTEGER, created TEXT DEFAULT CURRENT_TIMESTAMP)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, list[float] | None, bool]]:
        """Cached entries among ``keys``."""
        found = {}
        with self._lock, self._connect() as db:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = db.execute(
                    f"SELECT key, answer, proba, one_hot FROM answers WHERE key IN ({','.join('?' * len(part))})", part
                )
                for key, answer, proba, one_hot in rows:
                    found[key] = (answer, json.loads(proba) if proba else None, bool(one_hot))
        return found

    def put(self, key: str, answer: str, proba: list[float] | None, one_hot: bool) -> None:
        """Store one answer (an answer without a label is stored too: it was paid for)."""
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers (key, answer, proba, one_hot) VALUES (?, ?, ?, ?)",
                (key, answer, json.dumps(proba) if proba is not None else None, int(one_hot)),
            )
