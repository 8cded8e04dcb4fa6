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

from emotion.evaluation.stored import feedback_sentence
from emotion.insights import analyses, charts
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared

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


def drawn_figures(prepared: Prepared, insights: dict, choices: Choices) -> dict[str, dict[str, tuple]]:
    """Per analysis, its charts by file stem, each with the sentence that says its finding (the analysis' first)."""
    out: dict[str, dict[str, tuple]] = {}
    for analysis in analyses.ANALYSES:
        if analysis.name in insights:
            section = insights[analysis.name]
            said = analysis.sentences(section)
            figures = analysis.figures(prepared, section, choices)
            out[analysis.name] = {stem: (fig, said[0] if said else None) for stem, fig in figures.items()}
    return out


def browser_path() -> str | None:
    """A Chromium-family browser for Kaleido: ``$BROWSER_PATH``, else a usual install path."""
    found = os.environ.get("BROWSER_PATH") or next((b for b in BROWSERS if Path(b).exists()), None)
    return found or shutil.which("chromium")


def write_pngs(
    figures: dict[str, go.Figure],
    folder: Path,
    subtitles: dict[str, str | None] | None = None,
    *,
    image_format: str = "png",
) -> tuple[list[Path], str | None]:
    """Each figure as ``folder/<stem>.png`` for a slide (:func:`emotion.insights.charts.for_slide`: 1600×900, text
    of 20 px, the finding's sentence as subtitle); ``image_format="svg"`` draws the same slides as SVG."""
    figures = {stem: charts.for_slide(fig, (subtitles or {}).get(stem)) for stem, fig in figures.items()}
    browser = browser_path()
    if not browser:
        return [], "PNG charts need a Chromium-family browser (for example `apt-get install chromium`)"
    os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.{image_format}" for stem in figures]
    try:
        kaleido.write_fig_from_object_sync(
            [
                {"fig": fig, "path": str(path), "opts": {"format": image_format, **charts.SLIDE}}
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


def render_html(insights: dict, figures: dict[str, dict[str, go.Figure]], png_problem: str | None) -> str:
    """``report.html``: plotly.js inlined once, every chart interactive, no request leaves the page. Each analysis
    adds its section: its findings in sentences, then its charts. Every text from the table is escaped."""
    quality = insights.get("model_quality")
    quality_line = (
        f"{quality['model']}: macro-F1 "
        + "; ".join(
            f"{d['macro_f1']:.3f} (95% interval {d['low']:.3f} to {d['high']:.3f}) on {d['rows']} labelled rows of "
            f"{name}"
            for name, d in quality.get("domains", {quality["data"]: quality}).items()
        )
        + (f"; {feedback_sentence(quality['feedback'])}" if quality.get("feedback") else "")
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
    ]
    flagged = insights.get("no_emotion_flagged")
    if flagged and flagged["share"] > 0.1:
        parts.append(
            f"<p><b>Note:</b> {flagged['rows']:,} rows ({flagged['share']:.0%}) are flagged <i>no clear emotion</i> "
            "and left out of the shares: every share describes the other rows.</p>"
        )
    if png_problem:
        parts.append(f"<p class='note'>{html.escape(png_problem)}</p>")
    for analysis in analyses.ANALYSES:
        if analysis.name not in insights:
            continue
        parts.append(f"<h2 id='{analysis.name}'>{html.escape(analysis.title)}</h2>")
        parts.append(analysis.report_html(insights[analysis.name], insights))
        for stem, fig in figures.get(analysis.name, {}).items():
            parts.append(f"<section id='{stem}'>")
            parts.append(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))
            parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(prepared: Prepared, folder: Path, choices: Choices | None = None, *, pngs: bool = True) -> Report:
    """Analyse ``prepared`` with ``choices`` and write the report folder (see the module's docstring). Every file is
    written to a temporary name and renamed, so a failure never leaves a half-written report."""
    choices = choices or Choices()
    insights = analyses.analyse(prepared, choices)
    drawn = drawn_figures(prepared, insights, choices)
    figures = {stem: fig for charts_ in drawn.values() for stem, (fig, _) in charts_.items()}
    folder.mkdir(parents=True, exist_ok=True)
    subtitles = {stem: sentence for charts_ in drawn.values() for stem, (_, sentence) in charts_.items()}
    written, problem = write_pngs(figures, folder / "charts", subtitles) if pngs else ([], "PNG charts not asked for")
    insights["charts"] = [str(p.relative_to(folder)) for p in written]
    write_atomically(folder / "insights.json", to_json(insights))
    by_analysis = {name: {stem: fig for stem, (fig, _) in charts_.items()} for name, charts_ in drawn.items()}
    write_atomically(folder / "report.html", render_html(insights, by_analysis, problem))
    return Report(folder, insights, written, problem)


def to_json(value) -> str:
    """Strict JSON: numpy numbers as numbers, timestamps as ISO text, and a missing number (NaN) as ``null``."""

    def finite(item):
        if isinstance(item, dict):
            return {str(k): finite(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [finite(v) for v in item]
        if isinstance(item, np.generic):
            item = item.item()
        if isinstance(item, float) and not np.isfinite(item):
            return None
        return item

    return json.dumps(finite(value), indent=2, default=_json_default, allow_nan=False)


def zip_folder(folder: Path) -> bytes:
    """Every file under ``folder`` in one zip archive (the page's download of a report)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return buffer.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
