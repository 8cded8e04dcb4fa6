"""The per-user cap on LLM requests sent on the server's key (a team deployment, docs/deploy.md)."""

from __future__ import annotations

import stat
import threading

import pytest

from emotion.llm.cache import AnswerCache
from emotion.llm.classifier import LLMClassifier
from emotion.llm.presets import Preset
from emotion.llm.quota import QuotaExceeded, RequestQuota
from emotion.themes.naming import ThemeNamer
from tests.llm_servers import FaultyServer

TEXTS = ["The parcel is late again", "Thank you so much", "Where is my refund", "Lovely staff", "On hold for an hour"]


@pytest.fixture
def server():
    endpoint = FaultyServer("ok")
    yield endpoint
    endpoint.close()


def preset(url: str) -> Preset:
    return Preset(name="test", base_url=url, model="m", structured_output="json_object", logprobs=False)


def test_a_users_requests_stop_at_the_cap_for_the_day_and_other_users_keep_theirs(tmp_path):
    day = ["2026-12-07"]
    alice = RequestQuota(tmp_path / "usage" / "llm_usage.sqlite", "alice@example.com", 3, today=lambda: day[0])
    bob = RequestQuota(alice.path, "bob@example.com", 3, today=lambda: day[0])
    for _ in range(3):
        alice.take()
    with pytest.raises(QuotaExceeded, match="3 LLM requests for today"):
        alice.take()
    assert (alice.used(), alice.left(), bob.left()) == (3, 0, 3)
    bob.take()
    day[0] = "2026-12-08"  # a new UTC day: a new allowance
    assert alice.left() == 3 and bob.left() == 3
    assert stat.S_IMODE(alice.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(alice.path.parent.stat().st_mode) == 0o700
    with pytest.raises(QuotaExceeded):
        RequestQuota(alice.path, "carol@example.com", 0).take()  # a cap of 0 allows none


def test_concurrent_requests_never_overshoot_the_cap(tmp_path):
    quota = RequestQuota(tmp_path / "llm_usage.sqlite", "alice@example.com", 25)
    taken = []

    def worker() -> None:
        for _ in range(10):
            try:
                quota.take()
                taken.append(1)
            except QuotaExceeded:
                pass

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other_process_view = RequestQuota(quota.path, "alice@example.com", 25)  # the count lives in the file
    assert len(taken) == 25 and other_process_view.used() == 25


def test_a_capped_classifier_sends_only_what_is_left_and_says_why_for_the_other_rows(server, tmp_path):
    quota = RequestQuota(tmp_path / "llm_usage.sqlite", "alice@example.com", 3)
    model = LLMClassifier(
        preset(server.url), cache=AnswerCache(tmp_path / "answers.sqlite"), concurrency=2, quota=quota
    )
    result = model.classify(TEXTS)
    answered = [e is None for e in result.errors]
    assert server.requests == 3 and sum(answered) == 3
    assert all(e.startswith("not sent: your 3 LLM requests") for e in result.errors if e)
    again = model.classify(TEXTS)  # the cached answers cost nothing; the rest still wait for tomorrow
    assert server.requests == 3 and [e is None for e in again.errors] == answered


def test_theme_naming_stops_at_the_cap(server, tmp_path):
    quota = RequestQuota(tmp_path / "llm_usage.sqlite", "alice@example.com", 1)
    server.answer = lambda _body: '{"name": "Late parcels"}'
    namer = ThemeNamer(preset(server.url), cache=AnswerCache(tmp_path / "answers.sqlite"), quota=quota)
    themes = [{"name": f"theme {i}", "terms": [f"word{i}"], "examples": [TEXTS[i]]} for i in range(2)]
    with pytest.raises(RuntimeError, match="naming stopped: not sent"):
        namer.names(themes)
    assert server.requests == 1
