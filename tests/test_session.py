"""A session that never misleads, in Debian chromium: a shared link opened first after a server start keeps the
frame; a new file leaves nothing of the last one; filters show as chips and a 0-row result says why; themes are
discovered, renamed, merged, crossed with emotions and reach the report."""

from __future__ import annotations

import re

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


def visible_chart_texts(page, selector: str, nth: int = 0) -> list[str]:
    """The text of ``selector`` elements in the ``nth`` visible chart of the page."""
    chart = page.locator(".js-plotly-plot").filter(visible=True).nth(nth)
    return chart.evaluate(f"el => Array.from(el.querySelectorAll({selector!r})).map(t => t.textContent)")


def test_every_finding_is_in_words_numbers_sit_on_bars_and_the_report_follows_the_page(fresh_server, tmp_path):
    url, page = fresh_server
    page.goto(f"{url}/insights", wait_until="networkidle")
    page.get_by_text("StreamBox TV: anger", exact=False).first.wait_for(timeout=180_000)
    wait_until_idle(page)
    on_bars = visible_chart_texts(page, "text.bartext")  # the overview: each emotion's share on its bar
    assert len(on_bars) == 7 and all(re.fullmatch(r"\d+%", t) for t in on_bars), on_bars
    page.get_by_text("and at least 5 points), largest first", exact=False).first.wait_for()
    finding = page.get_by_text("StreamBox TV: anger", exact=False).first.inner_text()
    assert re.search(r"anger \d+% against \d+% elsewhere \(\+\d+ points", finding), finding

    minimum = page.get_by_role("spinbutton", name="Smallest finding (points)")
    minimum.fill("25")
    minimum.press("Enter")
    wait_until_idle(page)
    page.get_by_text("and at least 25 points", exact=False).first.wait_for()
    assert page.get_by_text("StreamBox TV: anger", exact=False).count() == 0  # +20 points: in the table, not a finding
    minimum.fill("5")
    minimum.press("Enter")
    page.get_by_text("StreamBox TV: anger", exact=False).first.wait_for(timeout=60_000)
    wait_until_idle(page)

    page.get_by_role("tab", name="Over time").click()
    moved = page.get_by_text(re.compile(r"^• 2026-\d\d: \w+ \d+%, (up|down) \d+ points from the period before"))
    moved.first.wait_for(timeout=60_000)
    periods = moved.all_inner_texts()
    assert page.get_by_text("drawn faint and not tested", exact=False).count()

    page.get_by_role("tab", name="Drivers").click()
    page.get_by_text("A phrase and the words it holds are one entry", exact=False).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    terms = [t for t in visible_chart_texts(page, ".ytick text") if t]
    assert len(terms) >= 5, terms
    for a in terms:  # "cancelled", "cancelled flight", "flight cancelled" take one place, not three
        assert not [b for b in terms if b != a and set(a.split()) <= set(b.split())], (a, terms)

    caption = page.get_by_text("The report covers what the page shows", exact=False).first.inner_text()
    assert "findings of 5 points or more" in caption and "segments of product" in caption
    html = download_report(page, tmp_path).read_text()
    assert "StreamBox TV: anger" in html
    for sentence in periods:
        assert sentence.lstrip("• ").split(" (")[0] in html, sentence


def test_classify_agrees_with_its_cards_and_compare_recommends_a_model_per_domain(fresh_server):
    url, page = fresh_server
    page.goto(url, wait_until="networkidle")
    page.locator("textarea").first.fill("Third time I call and still no refund, I am furious.")
    page.get_by_role("button", name="Classify").click()
    agreement = page.get_by_text("independent models say", exact=False).first
    agreement.wait_for(timeout=120_000)
    wait_until_idle(page)
    said = re.search(r"models? says? (\w+)", agreement.inner_text()).group(1)
    for _ in range(60):  # under load the card can be read between two runs, before it is drawn again
        main = page.locator("[data-testid=stMain]").first.inner_text()
        headline = main.split("Headline answer from")[1].split("\n")
        if said in [line.strip() for line in headline[:6]]:
            break
        page.wait_for_timeout(500)
        wait_until_idle(page)
    assert said in [line.strip() for line in headline[:6]], (said, headline[:6])  # the line agrees with the card
    assert "↑" not in main and "↓" not in main  # a confidence is no change

    page.goto(f"{url}/compare", wait_until="networkidle")
    page.get_by_text("Which model to use").first.wait_for(timeout=120_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6", timeout=120_000)
    wait_until_idle(page)
    advice = page.get_by_text(re.compile(r"^• For ")).all_inner_texts()
    assert len(advice) >= 2 and any("customer comments" in line for line in advice), advice
    markers = page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd => (gd.data || [])
            .filter(t => t.type === 'scatter' && (t.mode || '').includes('markers') && t.name)
            .map(t => [t.name, JSON.stringify([t.marker && t.marker.color, t.marker && t.marker.symbol])]))"""
    )
    assert markers, "no model markers on Compare"
    styles: dict[str, set] = {}
    for name, style in markers:
        styles.setdefault(name.removesuffix(" (on the front)"), set()).add(style)
    assert all(len(s) == 1 for s in styles.values()), "\n".join(
        f"{k}: {v}" for k, v in styles.items()
    )  # one marker per model, the same in every chart
