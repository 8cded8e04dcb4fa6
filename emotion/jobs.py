"""The one shape of long-running work: labelling, evaluation, adaptation and themes run as a :class:`BackgroundJob`.

A job runs :meth:`BackgroundJob.work` in a background thread (or in the caller's, with :meth:`~BackgroundJob.run`);
whoever started it (a page redrawing, the CLI's progress line, a test) reads :attr:`~BackgroundJob.state`,
:attr:`~BackgroundJob.progress` (0 to 1), :attr:`~BackgroundJob.stage` (what it is doing, in words) and
:attr:`~BackgroundJob.error`, and may :meth:`~BackgroundJob.stop` it; the work calls :meth:`~BackgroundJob.report`,
which also ends it at the next step once stopping was asked. The work runs in the starter's context: a signed-in
user's job reads and writes that user's folders (:func:`emotion.config.set_user`). Nothing here touches a UI.
"""

from __future__ import annotations

import contextvars
import threading
import time
from enum import StrEnum


class JobState(StrEnum):
    """Where a job stands."""

    NEW = "new"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"
    DONE = "done"

    @property
    def ended(self) -> bool:
        return self in (JobState.STOPPED, JobState.FAILED, JobState.DONE)


class Stopped(Exception):
    """Raised inside a job's work (by :meth:`BackgroundJob.check_stop`) to end it early; not an error."""


class BackgroundJob:
    """Work in a background thread with a state, a progress, a stage, a stop and an error.

    Subclasses implement :meth:`work` and call :meth:`report` (or :meth:`check_stop`) between steps.
    """

    thread_name = "emotion-job"

    def __init__(self) -> None:
        self.state = JobState.NEW
        self.progress = 0.0
        self.stage = ""
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def work(self) -> None:
        """The job itself (runs once)."""
        raise NotImplementedError

    def start(self):
        """Run :meth:`work` in a background thread, in a copy of the caller's context; returns ``self``."""
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._guarded,), name=self.thread_name, daemon=True)
        self.state = JobState.RUNNING
        self._thread.start()
        return self

    def run(self):
        """Run :meth:`work` in the calling thread (the CLI, tests); a failure is raised. Returns ``self``."""
        self._guarded()
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        """Ask the job to end at its next step (does not wait; see :meth:`wait`)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, seconds: float | None = None) -> bool:
        """Wait up to ``seconds`` for the job to end; returns True while it still runs."""
        if self._thread is None:
            return False
        self._thread.join(seconds)
        return self._thread.is_alive()

    def check_stop(self) -> None:
        """End the job here (raise :class:`Stopped`) when a stop was asked."""
        if self._stop.is_set():
            raise Stopped

    def report(self, progress: float | None = None, stage: str | None = None) -> None:
        """Record progress (0 to 1, never above 1) and the stage; ends the job here when a stop was asked."""
        if progress is not None:
            self.progress = min(max(float(progress), 0.0), 1.0)
        if stage is not None:
            self.stage = stage
        self.check_stop()

    def _guarded(self) -> None:
        started = time.perf_counter()
        self.state = JobState.RUNNING
        try:
            self.work()
            self.state = JobState.STOPPED if self._stop.is_set() and not self.finished() else JobState.DONE
        except Stopped:
            self.state = JobState.STOPPED
        except Exception as error:  # the caller reads `error`
            self.error, self.state = error, JobState.FAILED
        self.seconds = time.perf_counter() - started

    def finished(self) -> bool:
        """Whether the work reached its end (a job that ran to the end after a late stop is done)."""
        return True
