"""A team deployment (docs/deploy.md): logins through OpenID Connect, runs that belong to their user and open for
others only when shared. Driven in Debian chromium against a local OIDC provider (tests/oidc_provider.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest

from emotion import config
from tests.browser import CHROMIUM, CHROMIUM_FLAGS, streamlit_process, upload_file, wait_until_idle
from tests.oidc_provider import OidcProvider

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def two_browsers():
    """Two separate browser profiles (cookies included): two people at two desks."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            pages = [
                browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
                for _ in range(2)
            ]
            yield pages
        finally:
            browser.close()


def sign_in(page, url: str, provider: OidcProvider, user: str) -> None:
    provider.user = user  # the provider signs in whoever the test says (no password form)
    page.goto(url, wait_until="networkidle")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text(f"Signed in as {user}", exact=False).first.wait_for(timeout=120_000)
    wait_until_idle(page)


def custom_models_offered(page, url: str) -> list[str]:
    """The ``custom:`` models in Classify's model list, as this user sees it."""
    page.goto(url, wait_until="networkidle")
    wait_until_idle(page)
    box = page.get_by_role("combobox", name="Models", exact=True).first
    box.click()
    box.fill("custom:")
    page.get_by_role("option").first.wait_for(timeout=10_000)
    offered = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return offered


def test_two_users_sign_in_and_a_run_opens_only_for_its_owner_until_shared(tmp_path):
    pytest.importorskip("authlib")
    provider = OidcProvider()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(provider.secrets_toml())
    upload = tmp_path / "feedback.csv"
    pd.DataFrame({"comment": [f"The parcel came {i} days late, I am furious." for i in range(20)]}).to_csv(
        upload, index=False
    )
    env = {
        "EMOTION_RUNS_DB": str(tmp_path / "runs.sqlite"),
        "EMOTION_MODELS_DIR": str(tmp_path / "models"),
        "EMOTION_LLM_REQUESTS_PER_USER": "50",
    }
    for user, model in (("alice@example.com", "tickets"), ("bob@example.com", "bobs-model")):
        folder = tmp_path / "models" / "users" / config.user_folder(user) / model
        folder.mkdir(parents=True)
        (folder / "card.json").write_text("{}")  # listed by name; refused as not ready when picked
    try:
        with streamlit_process(env, ("--secrets.files", str(secrets))) as (url, _server), two_browsers() as (a, b):
            a.goto(f"{url}/bulk", wait_until="networkidle")  # not signed in: only the login
            a.get_by_role("button", name="Log in").wait_for(timeout=60_000)
            assert a.get_by_text("Bulk label a spreadsheet").count() == 0

            sign_in(a, url, provider, "alice@example.com")
            assert custom_models_offered(a, url) == ["custom:tickets (not ready)"]  # her own models only
            a.get_by_text("LLM requests left today: 50 of 50", exact=False).wait_for(state="attached")
            a.goto(f"{url}/bulk", wait_until="networkidle")
            upload_file(a, upload)
            a.get_by_role("button", name="Label all rows").click(timeout=60_000)
            a.get_by_text("Labelled 20 rows", exact=False).wait_for(timeout=120_000)
            wait_until_idle(a)
            token = a.url.split("run=")[1].split("&")[0]

            sign_in(b, url, provider, "bob@example.com")
            assert custom_models_offered(b, url) == ["custom:bobs-model (not ready)"]
            for page in ("bulk", "insights"):  # the link alone opens nothing
                b.goto(f"{url}/{page}?run={token}", wait_until="networkidle")
                b.get_by_text("No such run", exact=False).first.wait_for(timeout=60_000)
            b.goto(f"{url}/bulk", wait_until="networkidle")
            b.get_by_text("Recent runs (0)", exact=False).first.wait_for(timeout=60_000)

            a.get_by_text("Share this run").click()
            a.get_by_role("textbox", name="Share with", exact=False).fill("Bob@example.com")
            a.get_by_role("button", name="Share", exact=True).click()
            a.get_by_text("Opens for you and bob@example.com", exact=False).wait_for(state="attached", timeout=60_000)

            b.goto(f"{url}/bulk?run={token}", wait_until="networkidle")
            b.get_by_role("button", name="Download CSV").wait_for(timeout=60_000)  # shared: bob opens it now
            assert b.get_by_text("Share this run").count() == 0  # only the owner shares
    finally:
        provider.close()


def test_the_service_script_keeps_every_users_data_under_its_home_for_the_owner_only(tmp_path):
    """``scripts/serve.sh`` (the container's command and the one-command deployment) starts the dashboard with every
    data folder under ``$EMOTION_HOME``, created 0700, and says when logins are off."""
    import os
    import subprocess
    import sys

    from tests.llm_servers import free_port, wait_until_up

    root = Path(__file__).resolve().parent.parent
    home, port = tmp_path / "home", free_port()
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=root,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("EMOTION_")},  # the script's own defaults
            "EMOTION_HOME": str(home),
            "EMOTION_PORT": str(port),
            "EMOTION_ADDRESS": "127.0.0.1",
            "EMOTION_SECRETS": str(tmp_path / "absent.toml"),
            "PYTHON": sys.executable,
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", process, timeout=90)
        environ = dict(
            item.split("=", 1) for item in Path(f"/proc/{process.pid}/environ").read_text().split("\0") if "=" in item
        )
        for name, place in [
            ("EMOTION_RUNS_DB", "runs.sqlite"),
            ("EMOTION_LLM_USAGE_DB", "llm_usage.sqlite"),
            ("EMOTION_CACHE_DIR", "cache"),
            ("EMOTION_MODELS_DIR", "models"),
            ("EMOTION_TAXONOMIES_DIR", "taxonomies"),
        ]:
            assert environ[name] == str(home / place), name
        assert (home.stat().st_mode & 0o777) == 0o700
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    assert "logins are off" in err
