"""Settings: a signed-in user's own folders for custom models and taxonomies, carried into background jobs, and
folders created for the owner only."""

from __future__ import annotations

import json
import stat

from emotion import config
from emotion.jobs import BackgroundJob
from emotion.models import custom
from emotion.themes.taxonomy import Taxonomy, saved_names, saved_path


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_signed_in_user_reads_and_saves_in_a_folder_of_their_own(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("EMOTION_TAXONOMIES_DIR", str(tmp_path / "taxonomies"))
    assert config.models_dir() == tmp_path / "models"  # nobody signed in: one analyst's folders
    with config.as_user("Alice@Example.com"):
        alice = config.models_dir()
        assert alice.parent == tmp_path / "models" / "users" and alice.name.startswith("alice@example.com-")
        (alice / "tickets").mkdir(parents=True)
        (alice / "tickets" / "card.json").write_text("{}")
        Taxonomy().define("Refunds", keywords=["refund"]).save(saved_path("alices"))
        assert custom.saved_names() == ["custom:tickets"] and saved_names() == ["alices"]
    with config.as_user("bob@example.com"):
        assert custom.saved_names() == [] and saved_names() == []  # Alice's model and taxonomy are hers
        assert config.taxonomies_dir() != config.models_dir()
    assert config.current_user() is None and custom.saved_names() == []
    assert config.user_folder("a/../b@x") != config.user_folder("a_.._b@x")  # odd addresses never collide
    assert "/" not in config.user_folder("../../etc@x") and not config.user_folder("..@x").startswith(".")


def test_a_background_job_works_as_the_user_who_started_it():
    seen = []

    class Job(BackgroundJob):
        def work(self) -> None:
            seen.append(config.current_user())

    with config.as_user("alice@example.com"):
        job = Job().start()
    job.wait(10)
    Job().start().wait(10)
    assert seen == ["alice@example.com", None]


def test_folders_and_files_holding_users_data_are_the_owners_only(tmp_path, monkeypatch):
    from emotion.labelling.run_store import RunStore

    monkeypatch.setenv("EMOTION_TAXONOMIES_DIR", str(tmp_path / "share" / "taxonomies"))
    with config.as_user("alice@example.com"):
        path = Taxonomy().define("Refunds", keywords=["refund"]).save(saved_path("mine"))
    for folder in (path.parent, path.parent.parent, tmp_path / "share" / "taxonomies", tmp_path / "share"):
        assert mode(folder) == 0o700, folder
    assert json.loads(path.read_text())["themes"][0]["name"] == "Refunds"
    store = RunStore(tmp_path / "data" / "runs.sqlite")
    assert mode(store.path) == 0o600 and mode(store.path.parent) == 0o700
