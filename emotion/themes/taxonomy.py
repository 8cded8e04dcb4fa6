"""The analyst's themes: rename, merge, split, delete, define by keywords or by example comments; saved as a small
JSON file (``--themes taxonomy.json``) and applied to the next file.

A taxonomy is a list of named themes. A theme may hold keywords (a comment holding one is in the theme, whatever its
embedding) and a centre (the mean embedding of its example comments or of the rows it was discovered from). Applying
a taxonomy: keywords first (the first theme listed wins), then the nearest centre at least
:data:`~emotion.themes.discover.MIN_SIMILARITY` close, else :data:`~emotion.themes.discover.OTHER`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from emotion.themes.discover import OTHER, Discovered, Theme, assign, class_tfidf_terms, spherical_kmeans, usable
from emotion.themes.words import WordIndex, words

VERSION = 1
MAX_THEMES = 200
MAX_NAME = 80
SPLIT_SAMPLE = 2_000
"""A split places its two centres and names them from at most this many of the theme's rows."""
SPLIT_EMBEDDED = 16
"""Where not every row was embedded, a split half's centre is the mean embedding of this many of its comments."""


class TaxonomyError(ValueError):
    """A taxonomy file or an edit that cannot be used, in one sentence."""


def clean_name(name: object) -> str:
    """A theme name as stored: one line, trimmed, at most :data:`MAX_NAME` characters, never empty or "other"."""
    text = " ".join(str(name).split())[:MAX_NAME]
    if not text:
        raise TaxonomyError("a theme needs a name")
    if text.lower() == OTHER:
        raise TaxonomyError(f"'{OTHER}' is kept for rows that fit no theme: choose another name")
    return text


@dataclass
class Taxonomy:
    """Named themes, in order (keywords of an earlier theme win)."""

    themes: list[Theme] = field(default_factory=list)

    @classmethod
    def from_discovered(cls, found: Discovered) -> Taxonomy:
        return cls([Theme(t.name, list(t.terms), t.centroid.copy(), list(t.examples)) for t in found.themes])

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.themes]

    def _get(self, name: str) -> Theme:
        for theme in self.themes:
            if theme.name == name:
                return theme
        raise TaxonomyError(f"no theme named {name!r}")

    def rename(self, old: str, new: str) -> Taxonomy:
        new = clean_name(new)
        if new != old and new in self.names:
            raise TaxonomyError(f"a theme named {new!r} exists already: merge them instead")
        self._get(old).name = new
        return self

    def delete(self, name: str) -> Taxonomy:
        """Its rows go to the nearest other theme, or to "other"."""
        self.themes.remove(self._get(name))
        return self

    def merge(self, names: list[str], into: str | None = None) -> Taxonomy:
        """One theme from several: centres averaged, keywords and examples kept, named ``into`` (default the first)."""
        if len(names) < 2:
            raise TaxonomyError("pick two or more themes to merge")
        parts = [self._get(n) for n in names]
        centre = np.mean([p.centroid for p in parts], axis=0)
        merged = Theme(
            clean_name(into or parts[0].name),
            [t for p in parts for t in p.terms][:10],
            (centre / max(np.linalg.norm(centre), 1e-9)).astype(np.float32),
            [e for p in parts for e in p.examples][:5],
            sorted({k for p in parts for k in p.keywords}),
        )
        position = self.themes.index(parts[0])
        self.themes = [t for t in self.themes if t not in parts]
        if merged.name in self.names:
            raise TaxonomyError(f"a theme named {merged.name!r} exists already")
        self.themes.insert(position, merged)
        return self

    def split(
        self,
        name: str,
        texts: pd.Series,
        labels: np.ndarray,
        *,
        vectors: np.ndarray | None = None,
        index: WordIndex | None = None,
        encoder=None,
        seed: int = 0,
    ) -> np.ndarray:
        """Two themes from one, in place: its rows clustered in two, each half named by its words. Returns each row's
        theme after the split (the theme's rows in one half each, every other row unchanged).

        The rows are clustered by their embeddings (``vectors``, every row's) or, where not every row was embedded,
        by their words (TF-IDF over the theme's rows, :meth:`~emotion.themes.words.WordIndex.tfidf`); then each half's
        centre, for the next file, is the mean embedding of up to :data:`SPLIT_EMBEDDED` of its comments.
        """
        rows = np.flatnonzero(np.asarray(labels) == name)
        if len(rows) < 4:
            raise TaxonomyError(f"{name!r} has too few rows to split ({len(rows)})")
        position = self.themes.index(self._get(name))
        if vectors is not None:
            space = vectors[rows]
        else:
            space = (index if index is not None else WordIndex.of(texts)).tfidf(rows)
            if not space.nnz:
                raise TaxonomyError(f"{name!r}: its comments share no word beyond 'the', 'and' and such to split by")
        rng = np.random.default_rng(seed)
        fit = np.arange(len(rows)) if len(rows) <= SPLIT_SAMPLE else np.sort(rng.choice(len(rows), SPLIT_SAMPLE, False))
        _, centres = spherical_kmeans(space[fit], 2, seed)  # a sample is enough to place two centres
        groups = assign(space, centres, min_similarity=-1.0)  # then every row of the theme goes to one
        if len(set(groups.tolist())) < 2:
            raise TaxonomyError(f"{name!r}: its comments are too alike to split")
        named = class_tfidf_terms(texts.iloc[rows[fit]].astype(str).tolist(), groups[fit])
        out = np.asarray(labels, dtype=object).copy()
        halves = []
        for g in (0, 1):
            members = rows[groups == g]
            label = clean_name(f"{name}: {', '.join(named.get(g, [])[:2]) or g + 1}")
            if vectors is not None:
                centre = centres[g]
            else:
                if encoder is None:
                    from emotion.graphs.sentence import shared

                    encoder = shared()
                picked = rng.choice(members, min(SPLIT_EMBEDDED, len(members)), replace=False)
                mean = encoder.embed([str(texts.iloc[r]) for r in picked]).mean(axis=0)
                centre = (mean / max(np.linalg.norm(mean), 1e-9)).astype(np.float32)
            halves.append(Theme(label, named.get(g, []), centre, [str(texts.iloc[r]) for r in members[:3]]))
            out[members] = label
        self.themes[position : position + 1] = halves
        return out

    def define(
        self,
        name: str,
        *,
        keywords: list[str] | None = None,
        examples: list[str] | None = None,
        encoder=None,
    ) -> Taxonomy:
        """A theme of the analyst's own: by keywords (a comment holding one is in it) and/or by a few example
        comments (their mean embedding is its centre)."""
        name = clean_name(name)
        if name in self.names:
            raise TaxonomyError(f"a theme named {name!r} exists already")
        keywords = [k.strip().lower() for k in keywords or [] if k.strip()]
        examples = [e for e in examples or [] if str(e).strip()]
        if not keywords and not examples:
            raise TaxonomyError("define a theme by keywords, by example comments, or both")
        centre = np.zeros(0, dtype=np.float32)
        if examples:
            if encoder is None:
                from emotion.graphs.sentence import shared

                encoder = shared()
            mean = encoder.embed(examples).mean(axis=0)
            centre = (mean / max(np.linalg.norm(mean), 1e-9)).astype(np.float32)
        self.themes.append(Theme(name, list(keywords), centre, examples[:5], keywords))
        return self

    def apply(
        self,
        texts: pd.Series,
        vectors: np.ndarray | None = None,
        encoder=None,
        *,
        usable_rows=None,
        index: WordIndex | None = None,
        previous=None,
        known=(),
    ) -> np.ndarray:
        """Each row's theme (keywords first, then the nearest centre, else "other").

        Args:
            texts: The comments.
            vectors: Every row's embedding, when every row was embedded (else the rows are embedded here).
            encoder: The sentence encoder for rows without a vector (default: the shared one).
            usable_rows: The rows that can carry a theme, when already known (:func:`~emotion.themes.discover.usable`).
            index: The comments' words, when already indexed (:class:`~emotion.themes.words.WordIndex`).
            previous: The rows' themes before an edit. Without ``vectors`` (more distinct comments than discovery
                embeds), no row is embedded: a row whose theme is still there keeps it, the rows of a theme gone
                go to the theme nearest by their words (:meth:`~emotion.themes.words.WordIndex.nearest`), and a
                new theme takes the rows whose words are nearer to it than to their own theme.
            known: With ``previous``, the themes' names before the edit (any other theme is new).
        """
        texts = texts.reset_index(drop=True)
        out = np.full(len(texts), OTHER, dtype=object)
        ok = usable(texts) if usable_rows is None else np.asarray(usable_rows, dtype=bool)
        by_words = vectors is None and previous is not None
        if index is None and (by_words or any(t.keywords for t in self.themes)):
            index = WordIndex.of(texts)
        for theme in reversed(self.themes):  # earlier themes overwrite later ones: the first listed wins
            if theme.keywords:
                out[index.rows(index.holding(theme.keywords)) & ok & (out == OTHER)] = theme.name
        with_centre = [t for t in self.themes if t.centroid.size]
        pending = np.flatnonzero(ok & (out == OTHER))
        if with_centre and len(pending):
            centres = np.stack([t.centroid for t in with_centre])
            if by_words:
                self._by_words(index, out, pending, np.asarray(previous, dtype=object), with_centre, known)
                return out
            if vectors is None:
                if encoder is None:
                    from emotion.graphs.sentence import shared

                    encoder = shared()
                best = assign(encoder.embed([str(texts.iloc[i]) for i in pending]), centres)
            else:  # every row scored, then the pending ones read: no copy of 200,000 vectors
                best = assign(vectors, centres)[pending]
            names = np.array([t.name for t in with_centre] + [OTHER], dtype=object)
            out[pending] = names[best]
        return out

    @staticmethod
    def _by_words(index: WordIndex, out: np.ndarray, pending: np.ndarray, previous: np.ndarray, themes, known) -> None:
        """:meth:`apply` after an edit when not every row has its embedding (see ``previous`` there)."""
        codes, seen = pd.factorize(previous)
        position = {name: i for i, name in enumerate(seen)}
        alive = np.zeros(len(seen) + 1, dtype=bool)  # the last slot: rows without a previous theme (code -1)
        alive[[position[t.name] for t in themes if t.name in position]] = True
        kept = alive[codes[pending]]
        stays, moved = pending[kept], pending[~kept]
        out[stays] = previous[stays]
        new = {t.name for t in themes} - set(known)
        scored = moved
        if new:  # a new theme may draw rows from every theme: those sharing a word with it are scored
            vocabulary = {w for t in themes if t.name in new for d in (*t.examples, *t.terms) for w in words(d)}
            sharing = index.rows(index.sharing(vocabulary - ENGLISH_STOP_WORDS))
            scored = np.union1d(moved, pending[sharing[pending]])
        if not len(scored):
            return
        own = {t.name: stays[codes[stays] == position[t.name]] if t.name in position else stays[:0] for t in themes}
        best, _ = index.nearest(scored, {t.name: (own[t.name], [*t.examples, " ".join(t.terms)]) for t in themes})
        take = ~alive[codes[scored]] | np.isin(best, list(new))
        out[scored[take]] = best[take]

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "embeddings": "all-MiniLM-L6-v2 sentence embeddings (mean pooling)",
            "themes": [
                {
                    "name": t.name,
                    "keywords": t.keywords,
                    "terms": t.terms,
                    "examples": t.examples[:3],
                    "centroid": [round(float(x), 5) for x in t.centroid],
                }
                for t in self.themes
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Taxonomy:
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
            raise TaxonomyError("not a taxonomy file: it needs a list of themes")
        if len(data["themes"]) > MAX_THEMES:
            raise TaxonomyError(f"a taxonomy holds at most {MAX_THEMES} themes")
        themes = []
        for entry in data["themes"]:
            if not isinstance(entry, dict):
                raise TaxonomyError("each theme must be an object with a name")
            centre = np.asarray(entry.get("centroid") or [], dtype=np.float32)
            if centre.size and (centre.ndim != 1 or not np.isfinite(centre).all()):
                raise TaxonomyError(f"theme {entry.get('name')!r}: its centre is not a list of numbers")
            keywords = [str(k).strip().lower() for k in entry.get("keywords") or [] if str(k).strip()]
            if not centre.size and not keywords:
                raise TaxonomyError(f"theme {entry.get('name')!r} has neither keywords nor a centre")
            themes.append(
                Theme(
                    clean_name(entry.get("name", "")),
                    [str(t) for t in entry.get("terms") or []][:20],
                    centre,
                    [str(e) for e in entry.get("examples") or []][:5],
                    keywords[:100],
                )
            )
        if len({t.name for t in themes}) != len(themes):
            raise TaxonomyError("two themes share a name")
        sizes = {t.centroid.size for t in themes if t.centroid.size}
        if len(sizes) > 1:
            raise TaxonomyError("the themes' centres differ in length")
        return cls(themes)

    def save(self, path: Path) -> Path:
        from emotion.config import private_dir

        path = Path(path)
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise TaxonomyError(f"{Path(path).name}: not a readable JSON file ({error})") from None
        return cls.from_json(data)


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def saved_path(name: str) -> Path:
    """Where the taxonomy ``name`` is saved in the user's folder (:func:`emotion.config.taxonomies_dir`); the name
    must be letters, digits, ``-``, ``_`` or ``.``, matched in full."""
    from emotion.config import taxonomies_dir

    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise TaxonomyError("a taxonomy name is 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit")
    return taxonomies_dir() / f"{name}.json"


def saved_names() -> list[str]:
    """The taxonomies saved in the user's folder."""
    from emotion.config import taxonomies_dir

    folder = taxonomies_dir()
    return sorted(p.stem for p in folder.glob("*.json") if NAME.fullmatch(p.stem)) if folder.exists() else []
