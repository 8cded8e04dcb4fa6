"""Helpers for browser tests and the browser benchmark: a Streamlit server and Debian chromium."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.llm_servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def streamlit_server(env: dict | None = None):
    """``streamlit run streamlit_app.py`` on loopback; yields the base URL once ``/_stcore/health`` answers."""
    with streamlit_process(env) as (url, _process):
        yield url


@contextlib.contextmanager
def streamlit_process(env: dict | None = None, args: tuple[str, ...] = ()):
    """As :func:`streamlit_server`, yielding ``(base URL, process)`` so a test can kill the server; ``args`` go to
    ``streamlit run`` (``--secrets.files …``)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "streamlit_app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_stcore/health", process, timeout=90)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(20)


@contextlib.contextmanager
def chromium_page():
    """A Playwright page in Debian's chromium (``playwright install`` is not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            browser.close()


def wait_until_idle(page, timeout: float = 120_000) -> None:
    """Wait until the app's script run has finished and no element on the page is stale.

    While a run is going, elements of the previous run stay on the page (``data-stale``); a download button
    among them points at a file the server drops when the run ends, so clicking it cancels the download.
    """
    page.wait_for_function(
        """() => !document.querySelector(
                '[data-testid=stStatusWidgetRunningIcon], [data-testid=stStatusWidgetRunningManIcon], [data-stale=true]'
            )""",
        timeout=timeout,
    )


def upload_file(page, path: Path, *, nth: int = 0, tries: int = 3) -> None:
    """Put ``path`` into the page's ``nth`` file uploader and wait until the app has taken it.

    A file set while the run drawing the uploader is still going can land in an element that run then replaces
    (seen under load: the name flashes and the uploader is empty again, with no rerun). The file is set again,
    up to ``tries`` times, until the uploader lists it once the app is idle.
    """
    uploader = page.locator('[data-testid="stFileUploader"]').nth(nth)
    for _ in range(tries):
        uploader.wait_for(timeout=60_000)
        wait_until_idle(page)
        uploader.locator('input[type="file"]').set_input_files(str(path))
        try:
            uploader.get_by_text(Path(path).name).first.wait_for(timeout=10_000)
            wait_until_idle(page)
            if uploader.get_by_text(Path(path).name).count():
                return
        except Exception:  # playwright's timeout: set the file again
            pass
    raise AssertionError(f"the uploader never kept {path}")


def start_bulk_run(page, url: str, upload: Path, until_rows: int) -> None:
    """Upload a file on the Bulk page, start labelling, wait until the progress text passes ``until_rows``."""
    page.goto(f"{url}/bulk", wait_until="networkidle")
    upload_file(page, upload)
    page.get_by_role("button", name="Label all rows").click(timeout=60_000)
    # The progress text reads "N of M rows · ..."; N never passes M (rows of the file, whatever the models)
    seen = page.wait_for_function(
        """(rows) => {
            const bar = document.querySelector('[data-testid=stProgress]');
            const counts = bar && bar.innerText.replace(/,/g, '').match(/(\\d+) of (\\d+) rows/);
            if (counts && +counts[1] > +counts[2]) return counts[0];
            return counts && +counts[1] >= rows ? counts[0] : false;
        }""",
        arg=until_rows,
        timeout=120_000,
    ).json_value()
    done, total = (int(n) for n in re.findall(r"\d+", seen)[:2])
    assert done <= total, seen


@contextlib.contextmanager
def app_in_chromium():
    """A fresh dashboard server and a chromium page on it; chromium missing fails in CI and skips elsewhere."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium missing: scripts/setup.sh dev installs it")
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright")
    with streamlit_server() as url, chromium_page() as page:
        yield url, page


def download_report(page, folder: Path) -> Path:
    """Build the Insights report on the page and download its ``report.html`` into ``folder``."""
    page.get_by_role("button", name="Build the report").click()
    page.get_by_role("button", name="Download report.html").wait_for(timeout=180_000)
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download report.html").click()
    report = Path(folder) / "report.html"
    download.value.save_as(report)
    return report
