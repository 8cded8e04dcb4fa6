"""End to end in Debian chromium: classify, bulk-label an XLSX and download the CSV, compare models."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from emotion.labels import LABELS
from tests.browser import (
    app_in_chromium,
    download_report,
    start_bulk_run,
    streamlit_process,
    upload_file,
    wait_until_idle,
)
from tests.chart_layout import chart_text_problems

SCREENSHOTS = Path(os.environ.get("EMOTION_SCREENSHOTS", "")) if os.environ.get("EMOTION_SCREENSHOTS") else None
"""Where the README's screenshots are written: only when asked (``scripts/screenshots.sh``); tests write no tracked
file."""


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot for the README when ``EMOTION_SCREENSHOTS`` names a folder."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_app():
    with app_in_chromium() as (url, page):
        yield url, page


def test_classify_bulk_and_compare_in_a_real_browser(browser_app, tmp_path, sample):
    url, page = browser_app
    # Classify
    page.goto(url, wait_until="networkidle")
    page.locator("textarea").first.fill(
        "I finally got the letter: I have been accepted to the university I dreamed of."
    )
    page.get_by_role("button", name="Classify").click()
    page.get_by_text("models say", exact=False).first.wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() in LABELS
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .bars').length >= 1", timeout=60_000)
    screenshot(page, "classify.png")

    # Bulk label an XLSX, download the CSV
    texts, _ = sample
    frame = pd.DataFrame(
        {
            "ref": [f"r{i}" for i in range(len(texts) + 1)],
            "answer": [*texts, ""],
            "formula": ["@SUM(1+1)"] * (len(texts) + 1),
        }
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    upload = tmp_path / "survey.xlsx"
    upload.write_bytes(buffer.getvalue())
    page.goto(f"{url}/bulk", wait_until="networkidle")
    upload_file(page, upload)
    page.get_by_role("button", name="Label all rows").click(timeout=60_000)
    page.get_by_text(f"Labelled {len(frame)} rows").wait_for(timeout=120_000)
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "labelled.csv"
    download.value.save_as(path)
    out = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert list(out["ref"]) == list(frame["ref"])  # every row, in order
    assert {"encoder-fast_label", "encoder-fast_confidence", "consensus_label", "status", "corrected_label"} <= set(
        out.columns
    )
    assert set(out["encoder-fast_label"].iloc[:-1]) <= set(LABELS)
    assert out["status"].iloc[-1] == "empty text"
    assert out["formula"].str.startswith("'@").all()  # formula injection neutralised
    screenshot(page, "bulk.png")

    # Compare
    page.goto(f"{url}/compare", wait_until="networkidle")
    page.get_by_text("Where models disagree").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 6", timeout=60_000)
    assert page.get_by_text("gpt-3.5-turbo-1106").count() > 0
    screenshot(page, "compare.png")


def test_bulk_stop_keeps_finished_rows_and_resume_finishes(browser_app, tmp_path, sample):
    url, page = browser_app
    texts, _ = sample
    rows = 20_000  # several chunks of the default model, so Stop lands mid-run
    frame = pd.DataFrame({"ref": range(rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(rows)]})
    upload = tmp_path / "big.csv"
    frame.to_csv(upload, index=False)
    start_bulk_run(page, url, upload, until_rows=10_000)  # stop half-way, once whole chunks are finished
    page.get_by_role("button", name="Stop (keeps finished rows)").click()
    warning = page.get_by_text("Stopped after", exact=False)
    warning.wait_for(timeout=60_000)
    wait_until_idle(page)
    kept = int(warning.inner_text().split("Stopped after ")[1].split(" of")[0].replace(",", ""))
    assert 0 < kept < rows
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    download.value.save_as(tmp_path / "partial.csv")
    partial = pd.read_csv(tmp_path / "partial.csv", keep_default_na=False)
    assert partial["ref"].tolist() == list(range(rows))  # every row is there, labelled or not
    assert (partial["status"].iloc[:kept] == "ok").all()
    assert (partial["status"].iloc[kept:] == "not run (stopped)").all()

    resume_to_the_end(page, rows, tmp_path / "full.csv")


def test_a_server_killed_mid_run_keeps_finished_chunks_and_the_link_resumes_it(browser_app, tmp_path, sample):
    texts, _ = sample
    rows = 12_000  # one 6,400-row chunk finishes before the kill at 9,000; the rest is resumed
    frame = pd.DataFrame({"ref": range(rows), "text": [f"{texts[i % len(texts)]} [{i}]" for i in range(rows)]})
    upload = tmp_path / "big.csv"
    frame.to_csv(upload, index=False)
    env = {"EMOTION_RUNS_DB": str(tmp_path / "runs.sqlite")}
    _, page = browser_app
    with streamlit_process(env) as (url, server):
        start_bulk_run(page, url, upload, until_rows=9_000)
        token = page.url.split("run=")[1].split("&")[0]
        server.kill()  # SIGKILL: no clean shutdown, the run is cut off mid-chunk
        server.wait()
    with streamlit_process(env) as (url, _server):  # a new server process on the same store
        page.goto(f"{url}/bulk?run={token}", wait_until="networkidle")
        warning = page.get_by_text("Stopped after", exact=False)
        warning.wait_for(timeout=60_000)
        kept = int(warning.inner_text().split("Stopped after ")[1].split(" of")[0].replace(",", ""))
        assert 0 < kept < rows  # the chunks finished before the kill, and only those
        wait_until_idle(page)
        resume_to_the_end(page, rows, tmp_path / "full.csv")


def resume_to_the_end(page, rows: int, path: Path) -> None:
    """Click Resume, wait for the end, download the CSV: every row once, in order, all labelled."""
    page.get_by_role("button", name="Resume").click()
    page.get_by_text(f"Labelled {rows:,} rows").wait_for(timeout=300_000)
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    download.value.save_as(path)
    full = pd.read_csv(path, keep_default_na=False)
    assert full["ref"].tolist() == list(range(rows))  # nothing duplicated or lost
    assert (full["status"] == "ok").all() and set(full["encoder-fast_label"]) <= set(LABELS)


def test_compare_evaluates_a_labelled_upload_in_a_real_browser(browser_app, tmp_path, sample):
    """The user's own labelled file on the Compare page: metrics, a reliability diagram and the cascade curve."""
    url, page = browser_app
    texts, labels = sample
    frame = pd.DataFrame({"id": [f"q{i}" for i in range(len(texts))], "text": texts, "label": labels})
    frame.loc[len(frame)] = ["q-odd", "Nothing much happened today", "bored"]
    upload = tmp_path / "labelled.csv"
    frame.to_csv(upload, index=False)
    vendor = tmp_path / "vendor.csv"
    pd.DataFrame({"id": frame["id"][:-1], "vendor": labels[::-1]}).to_csv(vendor, index=False)

    page.goto(f"{url}/compare", wait_until="networkidle")
    page.get_by_text("Your labelled file").click()
    upload_file(page, upload)
    page.get_by_text("1 excluded", exact=False).wait_for(timeout=60_000)
    wait_until_idle(page)
    upload_file(page, vendor, nth=1)
    page.get_by_text("vendor joined by id column 'id'", exact=False).wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Evaluate").click()
    page.get_by_text(f"Evaluated {len(texts)} rows", exact=False).wait_for(timeout=120_000)
    page.get_by_text("Is the confidence right?").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Download metrics.json").wait_for()
    page.get_by_text("accuracy against confidence", exact=False).first.wait_for(timeout=60_000)  # reliability
    page.get_by_text("too few to choose an operating point", exact=False).wait_for(timeout=60_000)  # no cascade
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 6", timeout=60_000)
    assert page.get_by_text("encoder-fast", exact=False).count() > 0
    screenshot(page, "compare_own_file.png")


def choose(page, label: str, option: str, tries: int = 4) -> None:
    """Pick ``option`` in the last Streamlit selectbox labelled ``label`` (the Rows section's, below the tabs).

    Typing filters the list to the option. A rerun that lands while the list is open (charts still drawing on a
    cold server) closes it, so each try waits for the page to settle and starts again.
    """
    for attempt in range(tries):
        wait_until_idle(page)
        page.wait_for_timeout(500 * (attempt + 1))
        box = page.get_by_role("combobox", name=label, exact=True).last
        box.scroll_into_view_if_needed()
        box.click()
        box.fill(option)
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not pick {option!r} in {label!r}")
    wait_until_idle(page)


def test_insights_from_the_demo_to_an_offline_report(browser_app, tmp_path):
    """Open the demo, label it, go to Insights, select the planted segment, see its comments; download the report
    and open it offline: no request leaves the page."""
    url, page = browser_app
    page.goto(f"{url}/bulk", wait_until="networkidle")
    page.get_by_role("button", name="Open the demo", exact=False).click()
    page.get_by_role("button", name="Label all rows").click(timeout=60_000)
    page.get_by_text("Labelled 500 rows", exact=False).wait_for(timeout=120_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Open in Insights", exact=False).click()
    page.get_by_text("StreamBox TV: anger", exact=False).first.wait_for(timeout=120_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=60_000)
    wait_until_idle(page)
    assert "run=" in page.url

    choose(page, "Segment", "StreamBox TV")
    choose(page, "Emotion", "anger")
    page.wait_for_url("**emotion=anger**", timeout=30_000)
    assert "segment=StreamBox" in page.url  # the view is in the link
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    caption = page.get_by_text("counted rows", exact=False).first.inner_text()
    shown = int(caption.split(" of ")[0].replace(",", ""))
    comments = page.locator("blockquote").filter(visible=True)  # the Examples tab, hidden, has its own
    comments.first.wait_for(timeout=60_000)
    assert 0 < comments.count() <= 10 and shown >= comments.count()

    page.reload(wait_until="networkidle")  # the link reopens the same view
    page.get_by_text(f"{shown:,} of", exact=False).first.wait_for(timeout=120_000)

    report = download_report(page, tmp_path)

    offline = page.context.browser.new_context()
    requests: list[str] = []
    offline.on("request", lambda request: requests.append(request.url))
    offline.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    viewer = offline.new_page()
    viewer.goto(report.as_uri(), wait_until="load")
    viewer.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=60_000)
    assert "StreamBox TV: anger" in viewer.content()
    assert requests == [report.as_uri()], requests
    offline.close()
    page.get_by_text("Overview").first.scroll_into_view_if_needed()
    screenshot(page, "insights.png")


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_no_chart_text_overlaps_or_is_cut_on_any_page(browser_app, size):
    """Every visible chart's text boxes (titles, ticks, legends, labels), on every page at two screen sizes."""
    url, page = browser_app
    page.set_viewport_size({"width": size[0], "height": size[1]})
    problems: list[str] = []

    def check(where: str, charts: int) -> None:
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}", timeout=120_000
        )
        wait_until_idle(page)
        page.wait_for_timeout(1500)  # Plotly lays out text after the first paint
        problems.extend(f"{where}: {line}" for line in chart_text_problems(page))

    page.goto(url, wait_until="networkidle")
    page.locator("textarea").first.fill("Third time I call and still no refund, I am furious.")
    page.get_by_role("button", name="Classify").click()
    check("Classify", 3)
    page.goto(f"{url}/compare", wait_until="networkidle")
    check("Compare", 6)
    page.goto(f"{url}/insights", wait_until="networkidle")
    page.get_by_text("StreamBox TV: anger", exact=False).first.wait_for(timeout=120_000)
    check("Insights, segments", 2)
    for tab in ("Time", "Drivers"):
        page.get_by_role("tab", name=tab).click()
        check(f"Insights, {tab.lower()}", 2)
    page.goto(f"{url}/bulk", wait_until="networkidle")
    page.get_by_role("button", name="Open the demo", exact=False).click()
    page.get_by_role("button", name="Label all rows").click(timeout=60_000)
    page.get_by_text("Labelled 500 rows", exact=False).wait_for(timeout=120_000)
    check("Bulk", 1)
    page.set_viewport_size({"width": 1400, "height": 1000})
    assert not problems, "\n".join(problems)
