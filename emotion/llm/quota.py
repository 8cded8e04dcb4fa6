"""A per-user cap on LLM requests sent on the server's key (a team deployment with logins, ``docs/deploy.md``).

Each request takes one unit from the user's allowance for the current UTC day before it is sent; the count lives in a
small SQLite file shared by every session and process of the server, and is taken atomically, so concurrent requests
never overshoot the cap. A key the user types is not capped (they pay for it).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from emotion.config import private_dir

SCHEMA = "CREATE TABLE IF NOT EXISTS usage (user TEXT, day TEXT, requests INTEGER NOT NULL, PRIMARY KEY (user, day))"


class QuotaExceeded(RuntimeError):
    """The user's requests for today are spent: nothing was sent."""


def _today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


class RequestQuota:
    """``limit`` requests per UTC day for ``user``, counted in ``path``.

    Args:
        path: The SQLite file (created 0600 in a 0700 folder).
        user: Whose allowance (the signed-in user's e-mail address).
        limit: Requests per day; 0 allows none.
        today: The day's key (tests pass their own clock).
    """

    def __init__(self, path: str | Path, user: str, limit: int, *, today=_today) -> None:
        self.path, self.user, self.limit, self._today = Path(path), user, int(limit), today
        self._lock = threading.Lock()
        private_dir(self.path.parent)
        self.path.touch(mode=0o600, exist_ok=True)
        os.chmod(self.path, 0o600)
        with self._connect() as db:
            db.execute(SCHEMA)

    def __repr__(self) -> str:
        return f"RequestQuota(user={self.user!r}, limit={self.limit})"

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def used(self) -> int:
        """Requests taken today."""
        with self._lock, self._connect() as db:
            row = db.execute(
                "SELECT requests FROM usage WHERE user = ? AND day = ?", (self.user, self._today())
            ).fetchone()
        return int(row[0]) if row else 0

    def left(self) -> int:
        """Requests still allowed today."""
        return max(0, self.limit - self.used())

    def take(self) -> None:
        """Take one request from today's allowance, before it is sent.

        Raises:
            QuotaExceeded: none is left (nothing was taken).
        """
        day = self._today()
        with self._lock, self._connect() as db:
            db.execute("INSERT OR IGNORE INTO usage (user, day, requests) VALUES (?, ?, 0)", (self.user, day))
            taken = db.execute(
                "UPDATE usage SET requests = requests + 1 WHERE user = ? AND day = ? AND requests < ?",
                (self.user, day, self.limit),
            ).rowcount
        if not taken:
            raise QuotaExceeded(
                f"not sent: your {self.limit:,} LLM requests for today on the server's key are used "
                "(type your own key in the sidebar, or wait until 00:00 UTC)"
            )
