"""The contract of an Insights analysis, and the analyst's choices every analysis reads.

An analysis is one module under :mod:`emotion.insights.analyses` holding one :class:`Analysis`: it computes its
section of ``insights.json`` from the :class:`~emotion.insights.prepared.Prepared` table and the :class:`Choices`,
draws that section as figures, and tells it as a report section in sentences. The report, ``insights.json``, the CLI
and the page iterate over :data:`emotion.insights.analyses.ANALYSES`; adding one is its module, one line there, and
the page's view of it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from emotion.insights.prepared import Prepared

from emotion.insights.segments import MIN_DIFFERENCE


@dataclass(frozen=True)
class Choices:
    """What the analyst chose (the page's address, the CLI's flags): the same for every analysis.

    Attributes:
        by: Columns to compare segments on (each one question); a pair is also crossed when ``cross`` is set.
        cross: Compare ``by[0] × by[1]`` as one question instead of each alone.
        time: The date column (``None``: no time view).
        frequency: ``day``, ``week`` or ``month`` (``None``: chosen from the span).
        date_order: ``auto``, ``day-first`` or ``month-first`` for slashed dates.
        estimator: How shares are estimated (``None``: the table's default).
        emotions: Emotions the analyst picked (the report and the time view follow them; empty: all).
        min_difference: The smallest difference reported as a finding (a share, 0.05 is 5 points).
        options: Options of analyses that need more (``{"themes": {...}}``).
    """

    by: tuple[str, ...] = ()
    cross: bool = False
    time: str | None = None
    frequency: str | None = None
    date_order: str = "auto"
    estimator: str | None = None
    emotions: tuple[str, ...] = ()
    min_difference: float = MIN_DIFFERENCE
    options: dict = field(default_factory=dict, hash=False, compare=False)


class Analysis:
    """One answer of Insights. Subclasses set :attr:`name` and :attr:`title` and implement :meth:`compute`."""

    name: str = ""
    """Its key in ``insights.json`` and its figures' prefix."""
    title: str = ""
    """Its heading in the report and its tab on the page."""

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        """The section of ``insights.json`` (JSON-ready), or ``None`` when the choices ask nothing of it."""
        raise NotImplementedError

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict[str, go.Figure]:
        """Charts of the section by file stem (``charts/<stem>.png`` in the report)."""
        return {}

    def sentences(self, section: dict) -> list[str]:
        """The section's findings in words (the report lists them; the CLI prints them)."""
        return []

    def report_html(self, section: dict, insights: dict) -> str:
        """The section's part of ``report.html`` before its charts: its sentences, escaped (``insights``: the whole
        analysis, for a section that draws on another's)."""
        said = self.sentences(section)
        if not said:
            return ""
        return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in said) + "</ul>"
