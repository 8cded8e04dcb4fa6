"""One view per Insights analysis: ``ui/insights/<analysis name>.py`` draws :data:`ANALYSES`' entry of that name.

The overview is drawn above the tabs; every other analysis gets a tab, in the order of
:data:`emotion.insights.analyses.ANALYSES`.
"""

from __future__ import annotations

import importlib

from emotion.insights.analyses import ANALYSES
from emotion.insights.prepared import Prepared

ABOVE_THE_TABS = ("overall",)


def tabbed() -> list[tuple[str, str]]:
    """``(tab title, analysis name)`` of each analysis drawn in a tab."""
    return [(a.title, a.name) for a in ANALYSES if a.name not in ABOVE_THE_TABS]


def draw(name: str, prepared: Prepared) -> None:
    """Draw analysis ``name`` with its view module."""
    importlib.import_module(f"ui.insights.{name}").draw(prepared)
