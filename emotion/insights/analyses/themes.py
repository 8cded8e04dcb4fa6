"""Themes: what the comments are about, crossed with emotions, segments and time.

For each theme: its rows and share, each emotion's share in it with a 95% interval, and its representative
comments. Theme × emotion findings are tested like segments (each emotion's share in a theme against the other
rows, Benjamini–Hochberg within the question, a minimum size). "What are angry customers talking about?" is the
ranking of themes by how much of the anger they hold, with how angry each one is. With a segment column chosen, the
themes that are over-represented in a segment are findings too; with a date column, a theme that grows from one
period to the next beyond noise is flagged like a period.
"""

from __future__ import annotations

from emotion.insights import charts, periods, segments
from emotion.insights.contract import Analysis, Choices
from emotion.insights.prepared import Prepared
from emotion.insights.shares import count_table
from emotion.labels import LABELS
from emotion.themes.discover import OTHER

QUESTION = "theme"


def _rounded(record: dict, keep: list[str]) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in record.items() if k in keep}


class Themes(Analysis):
    name = "themes"
    title = "Themes"

    def compute(self, prepared: Prepared, choices: Choices) -> dict | None:
        themes = prepared.row_themes()
        if themes is None:
            return None
        emotions = prepared.rows["emotion"]
        order = [t for t in themes.value_counts().index if t != OTHER] + ([OTHER] if (themes == OTHER).any() else [])
        described = {t["name"]: t for t in prepared.themes_method.get("themes", [])}
        shares = segments.segment_shares(themes, emotions)
        section: dict = {
            "method": {k: v for k, v in prepared.themes_method.items() if k != "themes"},
            "rows": len(themes),
            "themes": [],
            "findings": [],
            "by_emotion": {},
            "by_segment": [],
            "growing": [],
        }
        by_theme = {name: part for name, part in shares.groupby("segment", sort=False, observed=True)}
        for name in order:
            part = by_theme.get(name, shares.iloc[:0])
            rows = int(part["rows"].iloc[0]) if len(part) else 0
            section["themes"].append(
                {
                    "name": name,
                    "rows": rows,
                    "share": round(rows / max(len(themes), 1), 4),
                    "terms": described.get(name, {}).get("terms", []),
                    "examples": described.get(name, {}).get("examples", []),
                    "emotions": {
                        e: {"share": round(s, 4), "low": round(lo, 4), "high": round(hi, 4)}
                        for e, s, lo, hi in zip(part["emotion"], part["share"], part["low"], part["high"], strict=True)
                    },
                }
            )
        found = segments.compare_segments({QUESTION: themes}, emotions, min_difference=choices.min_difference)
        keep = ["segment", "emotion", "rows", "share", "rest_share", "difference", "low", "high"]
        for record in found.loc[found["finding"]].to_dict("records"):
            if record["segment"] == OTHER:
                continue
            entry = _rounded(record, keep)
            entry["theme"] = entry.pop("segment")
            entry["sentence"] = f"Theme '{entry['theme']}': " + record["sentence"].split(": ", 1)[1]
            section["findings"].append(entry)
        counts = count_table(themes, emotions, LABELS).reindex(index=order, fill_value=0)
        sizes = counts.sum(axis=1)
        for emotion in LABELS:
            if choices.emotions and emotion not in choices.emotions:
                continue
            total = int(counts[emotion].sum())
            if not total:
                continue
            ranked = [
                {
                    "theme": name,
                    "rows": int(count),
                    "holds": round(count / total, 4),
                    "share_within": round(count / max(int(sizes[name]), 1), 4),
                }
                for name, count in counts[emotion].items()
                if count
            ]
            section["by_emotion"][emotion] = sorted(ranked, key=lambda r: -r["holds"])
        theme_names = [t for t in order if t != OTHER]
        for column in choices.by:
            if column not in prepared.rows:
                continue
            values, _ = prepared.segment_column(column)
            over = segments.compare_segments(
                {column: values}, themes, min_difference=choices.min_difference, categories=theme_names
            )
            for record in over.loc[over["finding"]].to_dict("records"):
                entry = _rounded(record, ["column", "segment", "rows", "share", "rest_share", "difference"])
                entry["theme"] = record["emotion"]
                entry["sentence"] = (
                    f"{record['segment']} ({column}): theme '{record['emotion']}' {record['share']:.0%} of its "
                    f"comments against {record['rest_share']:.0%} elsewhere ({record['difference'] * 100:+.0f} points)"
                )
                section["by_segment"].append(entry)
        if choices.time and choices.time in prepared.rows:
            parsed = prepared.dates(choices.time, choices.date_order)
            valid = parsed.values.notna().to_numpy()
            if valid.any():
                frequency = choices.frequency or periods.choose_frequency(parsed.values)
                table = periods.period_shares(
                    parsed.values[valid],
                    themes[valid],
                    frequency,
                    min_difference=choices.min_difference,
                    categories=theme_names,
                )
                for r in table.loc[table["moved"] & (table["change"] > 0)].itertuples():
                    section["growing"].append(
                        {
                            "period": r.period,
                            "theme": r.emotion,
                            "share": round(r.share, 4),
                            "change": round(r.change, 4),
                            "sentence": f"Theme '{r.emotion}' grew in {r.period}: {r.share:.0%} of the comments, "
                            f"up {r.change * 100:.0f} points from the {frequency} before",
                        }
                    )
        return section

    def figures(self, prepared: Prepared, section: dict, choices: Choices) -> dict:
        themes = prepared.row_themes()
        if themes is None:
            return {}
        shares = segments.segment_shares(themes, prepared.rows["emotion"])
        return {"themes": charts.segment_bars(shares, "theme")}

    def sentences(self, section: dict) -> list[str]:
        said = []
        named = [t for t in section["themes"] if t["name"] != OTHER]
        other = next((t for t in section["themes"] if t["name"] == OTHER), None)
        if named:
            said.append(
                f"{len(named)} themes; the largest: "
                + "; ".join(f"'{t['name']}' ({t['rows']:,} rows, {t['share']:.0%})" for t in named[:5])
                + (f"; {other['rows']:,} rows fit no theme ('other')" if other else "")
            )
        said += [f["sentence"] for f in section["findings"]]
        for emotion, ranked in section["by_emotion"].items():
            top = [r for r in ranked if r["theme"] != OTHER][:3]
            if top and emotion in ("anger", "disgust", "fear", "sadness"):
                said.append(
                    f"What {emotion} is about: "
                    + "; ".join(
                        f"'{r['theme']}' holds {r['holds']:.0%} of it ({r['share_within']:.0%} of that theme)"
                        for r in top
                    )
                )
        said += [f["sentence"] for f in section["by_segment"]]
        said += [g["sentence"] for g in section["growing"]]
        return said
