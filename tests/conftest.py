"""Shared fixtures. ISEAR-dependent tests fail in CI when the data is missing and skip elsewhere."""

from __future__ import annotations

import os
import tempfile

import pytest

from emotion.config import data_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Bulk runs the tests start are kept in a throw-away database, never the user's.
os.environ.setdefault("EMOTION_RUNS_DB", os.path.join(tempfile.mkdtemp(prefix="emotion-test-runs-"), "runs.sqlite"))

SAMPLE = {
    "anger": [
        "My neighbour keeps parking in my spot and laughed when I complained.",
        "He lied to my face about the money and I wanted to scream.",
    ],
    "disgust": [
        "The restaurant kitchen was crawling with cockroaches.",
        "He spat on the floor of the bus right next to me.",
    ],
    "fear": [
        "A car swerved toward me on the dark road at night.",
        "I heard footsteps following me home through the empty park.",
    ],
    "guilt": ["I forgot my mother's birthday and she cried.", "I broke my friend's camera and never told her."],
    "joy": [
        "I passed my final exam and celebrated with my friends.",
        "My sister had a healthy baby girl this morning.",
    ],
    "sadness": ["My grandfather died last winter after a long illness.", "My best friend moved to another country."],
    "shame": ["I tripped on stage in front of the whole school.", "My teacher read my bad essay aloud to the class."],
}
"""Hand-written examples (not from ISEAR), two per emotion."""


@pytest.fixture
def sample() -> tuple[list[str], list[str]]:
    texts = [t for label in SAMPLE for t in SAMPLE[label]]
    labels = [label for label in SAMPLE for _ in SAMPLE[label]]
    return texts, labels


@pytest.fixture(scope="session")
def isear_dir():
    """The ISEAR folder; missing data fails in CI (CI=true) and skips elsewhere."""
    path = data_dir()
    if not (path / "train.csv").exists() or not (path / "dev.csv").exists():
        if os.environ.get("CI"):
            pytest.fail(f"ISEAR data missing at {path}: CI must have ../shared/data/isear")
        pytest.skip(f"ISEAR data not found at {path} (set EMOTION_DATA_DIR); runs in CI")
    return path


@pytest.fixture(scope="session")
def goemotions_data():
    """The GoEmotions folder; missing data fails in CI (CI=true) and skips elsewhere."""
    from emotion.config import goemotions_dir

    path = goemotions_dir()
    if not (path / "train.csv").exists() or not (path / "dev.csv").exists():
        if os.environ.get("CI"):
            pytest.fail(f"GoEmotions data missing at {path}: CI must have ../shared/data/goemotions")
        pytest.skip(f"GoEmotions data not found at {path} (set EMOTION_GOEMOTIONS_DIR); runs in CI")
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private cache directory for the test."""
    monkeypatch.setenv("EMOTION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


SLOW_MARKERS = {"browser", "llm_server"}
"""Tests with these marks are slow too. Everything else slow says so itself (``pytestmark`` of a slow module, or
``@pytest.mark.slow`` on a test): training, adaptation, exports, AppTest pages, every committed model loaded, Ray."""


def pytest_configure(config):
    """Property tests draw 30 examples each in the whole suite, 6 in the quick loop (``-m "not slow"``)."""
    from hypothesis import settings

    settings.register_profile("suite", max_examples=30)
    settings.register_profile("quick", max_examples=6)
    settings.load_profile("quick" if config.option.markexpr.replace(" ", "") == "notslow" else "suite")


def pytest_collection_modifyitems(config, items):
    """Browser and llama.cpp-server tests join the slow tier."""
    for item in items:
        if SLOW_MARKERS & {mark.name for mark in item.iter_markers()}:
            item.add_marker(pytest.mark.slow)
