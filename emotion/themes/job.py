"""Themes as one background job (the page's Discover button, ``python -m emotion themes``): discover themes in a
column, or apply an analyst's taxonomy, and describe each theme for Insights."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from emotion.jobs import BackgroundJob
from emotion.themes.discover import OTHER, discover, usable
from emotion.themes.taxonomy import Taxonomy
from emotion.themes.words import WordIndex


@dataclass
class ThemesResult:
    """One theme per row (``OTHER`` for none), the taxonomy that gives them, and how they were found."""

    labels: np.ndarray
    taxonomy: Taxonomy
    method: dict
    vectors: np.ndarray | None = None
    """Every row's embedding when every row was embedded (edits reassign rows without the model)."""
    usable: np.ndarray | None = None
    """Which rows can carry a theme, kept so that an edit need not read every text again."""
    index: WordIndex | None = None
    """The comments' words, kept so that an edit need not read every text again."""

    def reassigned(self, taxonomy: Taxonomy, texts: pd.Series) -> ThemesResult:
        """The rows under an edited taxonomy: by their embeddings when every row has one, else by their words for
        the rows the edit concerns (no model runs; :meth:`Taxonomy.apply`)."""
        ok = self.usable if self.usable is not None else usable(texts)
        index = self.index if self.index is not None else WordIndex.of(texts)
        labels = taxonomy.apply(
            texts, self.vectors, usable_rows=ok, index=index, previous=self.labels, known=self.taxonomy.names
        )
        method = {**self.method, "themes": describe(labels, taxonomy, texts), "edited": True}
        method["other_rows"] = int(np.sum(labels == OTHER))
        return ThemesResult(labels, taxonomy, method, self.vectors, ok, index)

    def renamed(self, names: dict[str, str]) -> ThemesResult:
        """The same rows under new names (``{old: new}``, e.g. an LLM's), nothing reassigned."""
        taxonomy = Taxonomy([dataclasses.replace(theme) for theme in self.taxonomy.themes])
        for old, new in names.items():
            taxonomy = taxonomy.rename(old, new)
        original = np.asarray(self.labels, dtype=object)
        labels = original.copy()
        for old, new in names.items():  # each row renamed once, whatever the chain ({a: b, b: c})
            labels[original == old] = new
        described = [{**t, "name": names.get(t["name"], t["name"])} for t in self.method.get("themes", [])]
        method = {**self.method, "themes": described, "named": True}
        return ThemesResult(labels, taxonomy, method, self.vectors, self.usable, self.index)

    def split(self, name: str, texts: pd.Series, *, encoder=None, seed: int = 0) -> ThemesResult:
        """The theme ``name`` in two (:meth:`Taxonomy.split`): its rows in one half each, the other rows unchanged."""
        taxonomy = Taxonomy([*self.taxonomy.themes])
        labels = taxonomy.split(
            name,
            texts.reset_index(drop=True),
            self.labels,
            vectors=self.vectors,
            index=self.index,
            encoder=encoder,
            seed=seed,
        )
        method = {**self.method, "themes": describe(labels, taxonomy, texts), "edited": True}
        return ThemesResult(labels, taxonomy, method, self.vectors, self.usable, self.index)

    def merged(self, taxonomy: Taxonomy, names: list[str], into: str, texts: pd.Series) -> ThemesResult:
        """The rows of the themes ``names`` under ``into`` (``taxonomy``: the merged one), the others unchanged;
        nothing is reassigned, so it is quick on any number of rows."""
        labels = np.asarray(self.labels, dtype=object).copy()
        labels[np.isin(labels, list(names))] = into
        method = {**self.method, "themes": describe(labels, taxonomy, texts), "edited": True}
        return ThemesResult(labels, taxonomy, method, self.vectors, self.usable, self.index)


def describe(labels: np.ndarray, taxonomy: Taxonomy, texts: pd.Series) -> list[dict]:
    """Each theme's name, words and representative comments (rows of the theme when the taxonomy has none)."""
    out = []
    texts = texts.reset_index(drop=True)
    for theme in taxonomy.themes:
        examples = list(theme.examples) or [str(t) for t in texts[np.asarray(labels) == theme.name].head(3)]
        out.append(
            {"name": theme.name, "terms": theme.terms[:10], "examples": examples[:3], "keywords": theme.keywords}
        )
    return out


class ThemesJob(BackgroundJob):
    """Themes of ``texts`` in a background thread; :attr:`result` once done.

    Args:
        texts: The comments (one per row of the table).
        taxonomy: Apply these themes instead of discovering new ones.
        k: Themes to look for when discovering (default: chosen from the rows).
        seed: Sampling and clustering seed.
    """

    thread_name = "emotion-themes"

    def __init__(self, texts: pd.Series, *, taxonomy: Taxonomy | None = None, k: int | None = None, seed: int = 0):
        super().__init__()
        self.texts, self.taxonomy, self.k, self.seed = texts, taxonomy, k, seed
        self.result: ThemesResult | None = None

    def work(self) -> None:
        if self.taxonomy is not None:
            self.report(0.05, "assigning rows to your themes")
            ok, index = usable(self.texts), WordIndex.of(self.texts)
            labels = self.taxonomy.apply(self.texts, usable_rows=ok, index=index)
            taxonomy, vectors = self.taxonomy, None
            method = {"source": "the analyst's taxonomy", "rows": len(self.texts)}
        else:
            self.report(0.0, "embedding and grouping the comments")
            found = discover(self.texts, k=self.k, seed=self.seed, progress=lambda share: self.report(0.95 * share))
            labels, taxonomy, vectors, ok = found.labels, Taxonomy.from_discovered(found), found.vectors, found.usable
            self.report(0.96, "indexing the comments' words for edits")
            index = WordIndex.of(self.texts)
            method = {"source": "discovered", **found.method}
        method["themes"] = describe(labels, taxonomy, self.texts)
        method["other_rows"] = int(np.sum(np.asarray(labels) == OTHER))
        self.result = ThemesResult(np.asarray(labels, dtype=object), taxonomy, method, vectors, ok, index)
        self.report(1.0, "done")
