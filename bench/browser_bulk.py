"""Bulk page in headless chromium: label a CSV with the default model, time it, check the progress cadence."""

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import itertools

from emotion.bench import bench_texts
from tests.browser import chromium_page, streamlit_server


def classify_latency(url: str, page, runs: int = 5) -> None:
    """Seconds from the Classify click to the first answer and to every model's answer, models warm.

    The text is committed (Ctrl+Enter) and its rerun left to finish first, so only the click is timed.
    """
    page.goto(url, wait_until="networkidle")
    box = page.locator("textarea").first
    first, complete = [], []
    for i in range(runs):
        box.fill(f"I got the job I wanted and called my parents straight away ({i}).")
        box.press("Control+Enter")
        page.wait_for_timeout(2000)
        started = time.time()
        page.get_by_role("button", name="Classify").click()
        page.wait_for_function(
            "marker => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
            ".some(c => c.innerText.includes(marker))",
            arg=f"({i}).",
            timeout=120_000,
        )
        first.append(time.time() - started)
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=stMetric]').length >= n"
            " && !document.querySelector('[data-stale=true]')",
            arg=page.locator('[data-testid="stMetric"]').count() or 1,
            timeout=120_000,
        )
        complete.append(time.time() - started)
    models = page.locator('[data-testid="stMetric"]').count()
    warm = ", ".join(f"{a:.2f}/{b:.2f} s" for a, b in zip(first[1:], complete[1:], strict=True))
    print(
        f"classify page, {models} local models: first click {first[0]:.2f} s / {complete[0]:.2f} s (loads models); "
        f"warm clicks, first answer / all answers: {warm}"
    )


def main(rows: int = 10_000) -> None:
    texts = bench_texts()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "survey.csv"
        pd.DataFrame({"row": range(rows), "text": [f"{texts[i % len(texts)]} ({i})" for i in range(rows)]}).to_csv(
            source, index=False
        )
        with streamlit_server() as url, chromium_page() as page:
            classify_latency(url, page)
            page.goto(f"{url}/bulk", wait_until="networkidle")
            page.locator('input[type="file"]').set_input_files(str(source))
            button = page.get_by_role("button", name="Label all rows")
            button.wait_for(timeout=120_000)
            page.wait_for_timeout(500)
            started = time.time()
            button.click()
            updates, last = [], None
            while not page.get_by_text(f"Labelled {rows:,} rows").count():
                text = (
                    page.locator('[data-testid="stProgress"]').first.inner_text()
                    if page.locator('[data-testid="stProgress"]').count()
                    else None
                )
                if text and text != last:
                    updates.append(time.time())
                    last = text
                if time.time() - started > 1800:
                    raise TimeoutError("bulk run did not finish in 30 minutes")
                time.sleep(0.05)
            seconds = time.time() - started
            gaps = [b - a for a, b in itertools.pairwise(updates)]
            print(
                f"{rows:,} rows labelled in the browser in {seconds:,.1f} s ({rows / seconds:,.0f} rows/s); "
                f"{len(updates)} progress updates, longest gap {max(gaps, default=0):.2f} s"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
