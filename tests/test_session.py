"""A session that never misleads, in Debian chromium: a shared link opened first after a server start keeps the
frame; a new file leaves nothing of the last one; filters show as chips and a 0-row result says why; themes are
discovered, renamed, merged, crossed with emotions and reach the report."""

from __future__ import annotations

import pytest

from tests.browser import app_in_chromium, download_report, upload_file, wait_until_idle
from tests.test_themes import planted

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fresh_server():
    with app_in_chromium() as (url, page):
        yield url, page


def test_a_sub_page_opened_first_after_a_server_start_has_the_frame(fresh_server):
    """The very first request of a new server is a sub-page address (a stakeholder's link): the page is drawn in the
    shared frame (the router's navigation and sidebar), not as a legacy pages/ app."""
    url, page = fresh_server
    page.goto(f"{url}/bulk?run=nosuchrun", wait_until="networkidle")
    page.get_by_text("No such run", exact=False).first.wait_for(timeout=120_000)
    wait_until_idle(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.wait_for(timeout=30_000)
    names = nav.inner_text()
    assert "Bulk label" in names and "Compare models" in names, names
    assert "streamlit app" not in names.lower() and "insights_view" not in names
    assert page.get_by_text("LLM settings").count() >= 1  # the frame's sidebar


def test_a_new_file_leaves_nothing_of_the_last_one(fresh_server, tmp_path):
    url, page = fresh_server
    page.goto(f"{url}/insights", wait_until="networkidle")
    page.get_by_text("StreamBox TV: anger", exact=False).first.wait_for(timeout=180_000)
    wait_until_idle(page)
    term = page.get_by_role("textbox", name="Term")
    term.fill("password")
    term.press("Enter")
    page.wait_for_url("**term=password**", timeout=30_000)
    wait_until_idle(page)

    frame = planted(rows_per_topic=25)
    frame.insert(0, "ticket", [f"T{i:04d}" for i in range(len(frame))])
    frame["score"] = [round(0.5 + i / (2 * len(frame)), 4) for i in range(len(frame))]
    upload = tmp_path / "tickets.csv"
    frame.to_csv(upload, index=False)
    page.get_by_text("Upload a labelled file").click()
    upload_file(page, upload)
    page.get_by_text(f"{len(frame)} of {len(frame)} counted rows", exact=False).first.wait_for(timeout=120_000)
    page.wait_for_function("!location.search.includes('term=')", timeout=30_000)  # the demo's term left the address
    wait_until_idle(page)
    assert page.get_by_role("textbox", name="Term").input_value() == ""
    compare_by = page.get_by_role("combobox", name="Compare by", exact=True).first.input_value()
    assert "ticket" not in compare_by and "score" not in compare_by, compare_by  # no id, no measurement
    assert "topic" in compare_by or "shop" in compare_by, compare_by


def test_filters_are_chips_and_an_empty_selection_says_which_filters_did_it(fresh_server):
    url, page = fresh_server
    page.goto(f"{url}/insights?emotion=joy&term=password", wait_until="networkidle")
    page.get_by_text("No row matches", exact=False).first.wait_for(timeout=180_000)
    said = page.get_by_text("No row matches", exact=False).first.inner_text()
    assert "emotion: joy" in said and "term: password" in said, said
    page.get_by_role("button", name="✕ emotion: joy").wait_for(timeout=30_000)  # the filter as a removable chip
    page.get_by_role("button", name="Clear all filters").click()
    page.get_by_text("counted rows", exact=False).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    caption = page.get_by_text("counted rows", exact=False).first.inner_text()
    shown, total = (int(x.split()[0].replace(",", "")) for x in caption.split(" of "))
    assert shown == total > 0


def test_themes_are_discovered_renamed_merged_crossed_and_reported(fresh_server, tmp_path):
    url, page = fresh_server
    frame = planted(rows_per_topic=25)
    upload = tmp_path / "feedback.csv"
    frame.to_csv(upload, index=False)
    page.goto(f"{url}/insights?source=Upload+a+labelled+file", wait_until="networkidle")
    upload_file(page, upload)
    page.get_by_text(f"{len(frame)} of {len(frame)} counted rows", exact=False).first.wait_for(timeout=120_000)
    wait_until_idle(page)
    page.get_by_role("tab", name="Themes").click()
    page.get_by_role("spinbutton", name="How many (0: chosen by the data)").fill("4")
    page.get_by_role("button", name="Find themes").click()
    page.get_by_text("Themes found in", exact=False).wait_for(timeout=180_000)
    wait_until_idle(page)
    page.get_by_text("What fear is about", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("Shape the themes", exact=False).click()
    page.get_by_role("textbox", name="New name").fill("Logins")
    page.get_by_role("button", name="Rename").click()
    page.get_by_text("Logins", exact=False).first.wait_for(state="attached", timeout=60_000)
    wait_until_idle(page)
    page.get_by_text("Merge", exact=True).click()
    box = page.get_by_role("combobox", name="Themes to merge")
    for _ in range(2):
        box.click()
        page.get_by_role("option").first.click()
    page.get_by_role("textbox", name="Name of the merged theme (default: the first)").fill("Money and parcels")
    page.get_by_role("button", name="Merge", exact=True).click()
    page.get_by_text("Money and parcels", exact=False).first.wait_for(state="attached", timeout=60_000)
    wait_until_idle(page)
    report = download_report(page, tmp_path)
    html = report.read_text()
    assert "Money and parcels" in html and "What fear is about" in html
