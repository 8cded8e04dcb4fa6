"""The report to hand on: ``report.html`` (self-contained, interactive, opens offline), ``charts/*.png`` at slide
size, and ``insights.json`` with every figure shown.

PNGs are drawn by Kaleido, which drives a Chromium-family browser already on the machine (Debian's ``chromium``
here, found through ``BROWSER_PATH``); without one, the report says so and the HTML and JSON are still written.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from emotion.insights import charts, drivers, periods, segments
from emotion.insights.analysis import Prepared, analyse
from emotion.labels import LABELS

BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


@dataclass
class Report:
    """What :func:`write_report` wrote.

    Attributes:
        folder: The report folder.
        insights: The content of ``insights.json``.
        pngs: The chart PNGs written.
        png_problem: Why no PNG was written (``None`` when they were).
    """

    folder: Path
    insights: dict
    pngs: list[Path]
    png_problem: str | None


def report_figures(prepared: Prepared, insights: dict) -> dict[str, go.Figure]:
    """The report's charts by file stem, drawn from the same answers as ``insights.json``."""
    figures = {
        "overall": charts.overall_bars(
            prepared.overall(insights["estimator"]["name"]), insights["estimator"]["name"], insights["rows"]["counted"]
        )
    }
    rows = prepared.rows
    for column in (
        {f["column"] for f in insights["findings"]} | set(insights["segment_notes"]) | set(insights.get("by", []))
    ):
        values, _ = prepared.segment_column(column)
        figures[f"segments_{_slug(column)}"] = charts.segment_bars(
            segments.segment_shares(values, rows["emotion"]), column
        )
    if "time" in insights:
        time = insights["time"]
        parsed = prepared.dates(time["column"], time.get("order", "auto"))
        valid = parsed.values.notna().to_numpy()
        table = periods.period_shares(parsed.values[valid], rows["emotion"][valid], time["frequency"])
        figures["time"] = charts.period_lines(table, LABELS, time["frequency"])
    for emotion, terms in insights["drivers"].items():
        figures[f"drivers_{emotion}"] = charts.driver_bars(
            pd.DataFrame(terms, columns=["term", "score", "comments"]), emotion
        )
    return figures


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name).lower()).strip("_") or "column"


def browser_path() -> str | None:
    """A Chromium-family browser for Kaleido: ``$BROWSER_PATH``, else a usual install path."""
    found = os.environ.get("BROWSER_PATH") or next((b for b in BROWSERS if Path(b).exists()), None)
    return found or shutil.which("chromium")


def write_pngs(figures: dict[str, go.Figure], folder: Path) -> tuple[list[Path], str | None]:
    """Each figure as ``folder/<stem>.png`` at :data:`emotion.insights.charts.SLIDE` size."""
    browser = browser_path()
    if not browser:
        return [], "PNG charts need a Chromium-family browser (for example `apt-get install chromium`)"
    os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png" for stem in figures]
    try:
        kaleido.write_fig_from_object_sync(
            [
                {"fig": fig, "path": str(path), "opts": {"format": "png", **charts.SLIDE}}
                for fig, path in zip(figures.values(), paths, strict=True)
            ]
        )
    except Exception as error:  # a browser that fails to start: the HTML and JSON are still worth having
        return [], f"PNG charts could not be drawn: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        return [p for p in paths if p.exists()], f"PNG charts not drawn: {', '.join(missing)}"
    return paths, None


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def render_html(insights: dict, figures: dict[str, go.Figure], png_problem: str | None) -> str:
    """``report.html``: plotly.js inlined once, every chart interactive, no request leaves the page."""
    quality = insights.get("model_quality")
    quality_line = (
        f"{quality['model']}: macro-F1 {quality['macro_f1']:.3f} (95% interval {quality['low']:.3f} to "
        f"{quality['high']:.3f}) on {quality['rows']} labelled rows of {quality['data']}"
        if quality
        else "not measured by this project (labels from the file)"
    )
    excluded = ", ".join(f"{n:,} {reason}" for reason, n in insights["excluded"].items()) or "none"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Emotion insights</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}"
        "mark{background:#fde68a}.note{color:#555}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
        "</head><body>",
        "<h1>Emotion insights</h1>",
        f"<p><b>Rows:</b> {insights['rows']['counted']:,} counted of {insights['rows']['total']:,} "
        f"(left out: {html.escape(excluded)}).</p>",
        f"<p><b>Model:</b> {html.escape(str(insights['model']))}. "
        f"<b>Measured quality:</b> {html.escape(quality_line)}.</p>",
        f"<p><b>Shares:</b> {html.escape(insights['estimator']['description'])}.</p>",
        "<h2>Findings</h2>",
    ]
    if insights["findings"]:
        parts.append("<ol>" + "".join(f"<li>{html.escape(f['sentence'])}</li>" for f in insights["findings"]) + "</ol>")
    else:
        parts.append("<p>No segment differs from the rest beyond noise.</p>")
    parts.append("<h2>Overall</h2><table><tr><th>Emotion</th><th>Share</th><th>95% interval</th></tr>")
    for emotion, entry in insights["overall"].items():
        parts.append(
            f"<tr><td>{emotion}</td><td>{_percent(entry['share'])}</td>"
            f"<td>{_percent(entry['low'])} to {_percent(entry['high'])}</td></tr>"
        )
    parts.append("</table>")
    if png_problem:
        parts.append(f"<p class='note'>{html.escape(png_problem)}</p>")
    for stem, fig in figures.items():
        parts.append(f"<section id='{stem}'>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))
        parts.append("</section>")
    if insights.get("examples"):
        parts.append("<h2>Examples</h2>")
        for emotion, texts in insights["examples"].items():
            terms = [t["term"] for t in insights["drivers"].get(emotion, [])]
            items = "".join(f"<li>{drivers.highlight(t, terms)}</li>" for t in texts)
            parts.append(f"<h3>{emotion}</h3><ul>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    prepared: Prepared,
    folder: Path,
    by: list[str] | None = None,
    time: str | None = None,
    frequency: str | None = None,
    estimator: str | None = None,
    pngs: bool = True,
) -> Report:
    """Analyse ``prepared`` and write the report folder (see the module's docstring)."""
    insights = analyse(prepared, by=by, time=time, frequency=frequency, estimator=estimator)
    insights["by"] = list(by or [])
    figures = report_figures(prepared, insights)
    folder.mkdir(parents=True, exist_ok=True)
    written, problem = write_pngs(figures, folder / "charts") if pngs else ([], "PNG charts not asked for")
    insights["charts"] = [str(p.relative_to(folder)) for p in written]
    (folder / "insights.json").write_text(json.dumps(insights, indent=2, default=_json_default))
    (folder / "report.html").write_text(render_html(insights, figures, problem), encoding="utf-8")
    return Report(folder, insights, written, problem)
