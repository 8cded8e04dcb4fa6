"""Bulk runs kept in SQLite: the uploaded table, the chosen models and settings, every finished chunk and
every correction, so a refresh, a new tab or a server restart loses nothing.

A run is found by its unguessable token (the page puts it in the URL). With logins on (``docs/deploy.md``) a run
belongs to the user who started it and opens only for them and the users they shared it with
(:data:`EVERYONE`: every signed-in user); a run started without a login opens for whoever holds its token.

Each chunk and each correction is written in its own transaction: a server killed mid-run leaves every finished
chunk and correction, and no half-written chunk. Texts are stored, never logged.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from emotion.config import private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    token TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    text_column TEXT NOT NULL,
    models TEXT NOT NULL,
    settings TEXT NOT NULL,
    rows INTEGER NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    input BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    token TEXT NOT NULL REFERENCES runs(token) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (token, start)
);
CREATE TABLE IF NOT EXISTS access (
    token TEXT NOT NULL REFERENCES runs(token) ON DELETE CASCADE,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (token, user)
);
CREATE TABLE IF NOT EXISTS corrections (
    token TEXT NOT NULL REFERENCES runs(token) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    label TEXT,
    updated REAL NOT NULL,
    PRIMARY KEY (token, row)
);
"""


EVERYONE = "*"
"""Shared with every signed-in user."""


def _to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _from_parquet(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


@dataclass
class StoredRun:
    """A run as stored: what was uploaded and chosen, the finished chunks in row order, the corrections."""

    token: str
    file_name: str
    file_sha256: str
    text_column: str
    models: list[str]
    settings: dict
    frame: pd.DataFrame
    created: float
    parts: list[pd.DataFrame] = field(default_factory=list)
    corrections: dict[int, str | None] = field(default_factory=dict)

    @property
    def rows_done(self) -> int:
        """Rows in finished chunks (a resumed run starts after them)."""
        return sum(len(p) for p in self.parts)


class RunStore:
    """Runs in one SQLite file (WAL journal; safe to share between the threads of one server).

    Args:
        path: The database file; its folder is created (owner only: 0700, the file 0600, since runs hold uploads).
        retention_days: Runs not touched for longer are removed on every access (at most once a minute), not only
            at start-up; ``None`` keeps them.
    """

    PURGE_EVERY = 60.0

    def __init__(self, path: str | Path, retention_days: float | None = None) -> None:
        self.path = Path(path)
        private_dir(self.path.parent)
        self.retention_days = retention_days
        self._purged_at = 0.0
        self._lock = threading.Lock()
        self.path.touch(mode=0o600, exist_ok=True)
        os.chmod(self.path, 0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def _write(self, statements: list[tuple[str, tuple]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def create(
        self,
        frame: pd.DataFrame,
        file_name: str,
        file_sha256: str,
        text_column: str,
        models: list[str],
        settings: dict | None = None,
        *,
        owner: str | None = None,
    ) -> str:
        """Store a new run's input and choices; returns its token (URL-safe, 192 random bits). A run with an
        ``owner`` (a signed-in user) opens only for them and those they share it with."""
        token = secrets.token_urlsafe(24)
        now = time.time()
        owned = [("INSERT INTO access VALUES (?, ?, 'owner')", (token, owner))] if owner else []
        self._write(
            [
                (
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        token,
                        file_name,
                        file_sha256,
                        text_column,
                        json.dumps(models),
                        json.dumps(settings or {}),
                        len(frame),
                        now,
                        now,
                        _to_parquet(frame),
                    ),
                ),
                *owned,
            ]
        )
        return token

    def access(self, token: str) -> dict[str, str]:
        """``{user: "owner" | "shared"}`` of a run (empty: started without a login, open to its token's holder)."""
        with self._lock:
            rows = self._db.execute("SELECT user, role FROM access WHERE token = ?", (str(token),)).fetchall()
        return dict(rows)

    def may_open(self, token: str, user: str | None) -> bool:
        """Whether ``user`` (``None``: nobody signed in) may open the run: its owner, a user it is shared with, any
        signed-in user when shared with :data:`EVERYONE`; anyone for a run without an owner."""
        readers = self.access(token)
        return not readers or (user is not None and (user in readers or EVERYONE in readers))

    def share(self, token: str, users: list[str]) -> None:
        """Let ``users`` (e-mail addresses as the login gives them, or :data:`EVERYONE`) open the run."""
        cleaned = sorted({u.strip().lower() if u.strip() != EVERYONE else EVERYONE for u in users if u.strip()})
        self._write([("INSERT OR IGNORE INTO access VALUES (?, ?, 'shared')", (token, user)) for user in cleaned])

    def owned_by(self, user: str) -> list[str]:
        """Tokens of the runs ``user`` started, newest first."""
        self._expire()
        with self._lock:
            rows = self._db.execute(
                "SELECT a.token FROM access a JOIN runs r ON r.token = a.token WHERE a.user = ? AND a.role = 'owner' "
                "ORDER BY r.created DESC",
                (user,),
            ).fetchall()
        return [r[0] for r in rows]

    def add_chunk(self, token: str, start: int, chunk: pd.DataFrame) -> None:
        """Store a finished chunk (rows ``start`` … ``start + len(chunk) - 1``) in one transaction."""
        self._write(
            [
                ("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)", (token, start, len(chunk), _to_parquet(chunk))),
                ("UPDATE runs SET updated = ? WHERE token = ?", (time.time(), token)),
            ]
        )

    def set_correction(self, token: str, row: int, label: str | None) -> None:
        """Store (or, with ``None``, clear) the corrected label of a row."""
        self._write(
            [
                ("INSERT OR REPLACE INTO corrections VALUES (?, ?, ?, ?)", (token, int(row), label, time.time())),
                ("UPDATE runs SET updated = ? WHERE token = ?", (time.time(), token)),
            ]
        )

    def _expire(self) -> None:
        """Apply the retention (at most once a minute)."""
        if self.retention_days is not None and time.time() - self._purged_at > self.PURGE_EVERY:
            self._purged_at = time.time()
            self.purge(self.retention_days)

    def load(self, token: str) -> StoredRun | None:
        """The run with this token, or ``None`` for a wrong or expired one."""
        self._expire()
        with self._lock:
            row = self._db.execute(
                "SELECT file_name, file_sha256, text_column, models, settings, created, input "
                "FROM runs WHERE token = ?",
                (str(token),),
            ).fetchone()
            if row is None:
                return None
            chunks = self._db.execute(
                "SELECT start, data FROM chunks WHERE token = ? ORDER BY start", (token,)
            ).fetchall()
            corrections = self._db.execute("SELECT row, label FROM corrections WHERE token = ?", (token,)).fetchall()
        run = StoredRun(
            token=token,
            file_name=row[0],
            file_sha256=row[1],
            text_column=row[2],
            models=json.loads(row[3]),
            settings=json.loads(row[4]),
            created=row[5],
            frame=_from_parquet(row[6]),
        )
        done = 0
        for start, data in chunks:  # only the contiguous chunks from row 0 count as finished
            if start != done:
                break
            part = _from_parquet(data)
            part.index = range(start, start + len(part))
            run.parts.append(part)
            done += len(part)
        run.frame.index = range(len(run.frame))
        run.corrections = {int(r): label for r, label in corrections}
        return run

    def rows_done(self, token: str) -> int:
        """Rows in the stored chunks of a run (cheap: nothing is decoded)."""
        with self._lock:
            value = self._db.execute("SELECT SUM(rows) FROM chunks WHERE token = ?", (token,)).fetchone()[0]
        return int(value or 0)

    def version(self, token: str) -> tuple[int, int, float]:
        """What changes when a run does: rows stored, corrections made, and the latest correction's time (cheap)."""
        with self._lock:
            count, latest = self._db.execute(
                "SELECT COUNT(*), MAX(updated) FROM corrections WHERE token = ?", (token,)
            ).fetchone()
        return self.rows_done(token), int(count or 0), float(latest or 0.0)

    def summary(self, tokens: list[str]) -> list[dict]:
        """File name, models, rows done and dates of the given runs that still exist, newest first."""
        self._expire()
        if not tokens:
            return []
        marks = ",".join("?" * len(tokens))
        with self._lock:
            rows = self._db.execute(
                f"SELECT r.token, r.file_name, r.models, r.rows, r.created, r.updated, "
                f"COALESCE((SELECT SUM(c.rows) FROM chunks c WHERE c.token = r.token), 0) "
                f"FROM runs r WHERE r.token IN ({marks}) ORDER BY r.created DESC",
                tuple(tokens),
            ).fetchall()
        keys = ("token", "file_name", "models", "rows", "created", "updated", "rows_done")
        return [dict(zip(keys, r, strict=True)) | {"models": json.loads(r[2])} for r in rows]

    def delete(self, token: str) -> None:
        """Remove a run with its chunks and corrections."""
        self._write([("DELETE FROM runs WHERE token = ?", (token,))])

    def purge(self, older_than_days: float) -> int:
        """Remove runs not touched for ``older_than_days``; returns how many."""
        cutoff = time.time() - older_than_days * 86400
        with self._lock:
            count = self._db.execute("SELECT COUNT(*) FROM runs WHERE updated < ?", (cutoff,)).fetchone()[0]
        self._write([("DELETE FROM runs WHERE updated < ?", (cutoff,))])
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()
