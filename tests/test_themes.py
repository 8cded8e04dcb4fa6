"""Themes (emotion/themes, the themes analysis, the CLI): planted topics are found, bad input never crashes, the
analyst's edits and taxonomies hold, and themes reach insights.json and the report in words."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score

from emotion.cli import main
from emotion.insights.analyses import analyse
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from emotion.insights.table import recognise
from emotion.themes.discover import OTHER, discover
from emotion.themes.job import ThemesJob
from emotion.themes.taxonomy import Taxonomy, TaxonomyError, saved_path

TOPICS = {
    "delivery": [
        "My parcel is {n} days late and the tracking has not moved.",
        "The courier never delivered the package, still waiting after {n} days.",
        "Delivery was delayed again, the box arrived {n} days after the promised date.",
        "Where is my order? The shipment has been stuck at the depot for {n} days.",
    ],
    "refund": [
        "I returned the item {n} days ago and still have no refund.",
        "Please refund the {n} dollars you charged me twice.",
        "The refund was promised {n} weeks ago and my money is still missing.",
        "I want my money back, the return was accepted {n} days ago.",
    ],
    "password": [
        "I cannot log in, the password reset link expired after {n} minutes.",
        "My account was locked after {n} wrong password attempts.",
        "The login page rejects my password and the reset email never comes.",
        "Someone changed my account password, I got {n} security alerts.",
    ],
    "app": [
        "The app crashes every time I open the settings screen.",
        "After the update the app freezes for {n} seconds and then closes.",
        "The mobile app keeps crashing when I upload a photo.",
        "Version {n} of the app is so slow, the screen goes blank.",
    ],
}
EMOTION_OF = {"delivery": "anger", "refund": "anger", "password": "fear", "app": "sadness"}


def planted(rows_per_topic: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records = []
    for topic, templates in TOPICS.items():
        for i in range(rows_per_topic):
            text = templates[i % len(templates)].format(n=int(rng.integers(2, 60)))
            records.append({"comment": text, "topic": topic, "label": EMOTION_OF[topic], "shop": f"s{i % 3}"})
    return pd.DataFrame(records).sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def found():
    frame = planted()
    return frame, discover(frame["comment"], k=4)


def test_planted_topics_are_found_and_named_by_their_words(found):
    frame, themes = found
    assert adjusted_mutual_info_score(frame["topic"], themes.labels) > 0.8
    names = " ".join(t.name for t in themes.themes)
    assert {"refund", "password", "app"} <= set(names.replace(",", " ").split()), names
    assert all(len(t.examples) == 3 for t in themes.themes)
    assert themes.vectors is not None and themes.vectors.shape == (len(frame), 384)


@pytest.mark.parametrize(
    "texts",
    [
        ["ok"] * 20,  # one-word rows, all duplicates
        ["", "  ", None, "fine", "bad"] * 4,  # empty and very short
        ["Das Paket kam zu spät an und niemand antwortet.", "El pedido llegó roto."] * 3,  # other languages, few
        [f"comment number {i} about nothing" for i in range(20)],  # 20 rows in all
    ],
)
def test_bad_input_gets_other_or_a_note_never_a_crash(texts):
    themes = discover(pd.Series(texts, dtype=object))
    assert len(themes.labels) == len(texts)
    short = [not isinstance(t, str) or len(t.split()) < 2 for t in texts]
    assert all(label == OTHER for label, s in zip(themes.labels, short, strict=True) if s)
    if not themes.themes:
        assert "note" in themes.method


def test_the_analyst_shapes_the_taxonomy_and_reuses_it(found, tmp_path, monkeypatch):
    frame, themes = found
    taxonomy = Taxonomy.from_discovered(themes)
    first, second = taxonomy.names[:2]
    taxonomy.rename(first, "Renamed theme")
    with pytest.raises(TaxonomyError, match="other"):
        taxonomy.rename("Renamed theme", "Other")
    taxonomy.merge(["Renamed theme", second], "Merged")
    assert "Merged" in taxonomy.names and len(taxonomy.names) == len(themes.themes) - 1
    taxonomy.define("Crashes", keywords=["crash", "crashes", "crashing"])
    labels = taxonomy.apply(frame["comment"], themes.vectors)
    assert set(labels[frame["comment"].str.contains("crash")]) == {"Crashes"}
    monkeypatch.setenv("EMOTION_TAXONOMIES_DIR", str(tmp_path / "mine"))
    with pytest.raises(TaxonomyError):
        saved_path("evil\n")  # names matched in full
    path = taxonomy.save(saved_path("shop-themes"))
    again = Taxonomy.load(path)
    assert again.names == taxonomy.names
    assert list(again.apply(frame["comment"], themes.vectors)) == list(labels)
    (tmp_path / "broken.json").write_text('{"themes": [{"name": "x"}]}')
    with pytest.raises(TaxonomyError, match="neither keywords nor a centre"):
        Taxonomy.load(tmp_path / "broken.json")


def test_themes_are_crossed_with_emotions_and_segments_in_words(found):
    frame, _ = found
    prepared = Prepared.of(recognise(frame, "label", "comment"))
    job = ThemesJob(frame["comment"], k=4).run()
    prepared.with_themes(job.result.labels, job.result.method)
    insights = analyse(prepared, Choices(by=("shop",)))
    section = insights["themes"]
    assert sum(t["rows"] for t in section["themes"]) == len(frame)
    password = next(t for t in section["themes"] if "password" in t["name"])
    assert password["emotions"]["fear"]["share"] == 1.0 and password["emotions"]["fear"]["low"] > 0.8
    assert section["by_emotion"]["fear"][0]["theme"] == password["name"]
    assert section["by_emotion"]["fear"][0]["holds"] == 1.0
    assert any(f["theme"] == password["name"] and f["emotion"] == "fear" for f in section["findings"])
    assert not section["by_segment"]  # shops carry no theme pattern


def test_the_cli_writes_themes_and_the_report_tells_them(tmp_path, capsys):
    frame = planted()
    source = tmp_path / "feedback.xlsx"
    frame.to_excel(source, index=False)
    assert main(["themes", str(source), "--text-column", "comment", "--k", "4", "--output", str(tmp_path / "t")]) == 0
    table = pd.read_excel(tmp_path / "t" / "feedback_themes.xlsx")
    assert list(table.columns) == [*frame.columns, "theme"] and len(table) == len(frame)
    summary = json.loads((tmp_path / "t" / "themes.json").read_text())
    assert sum(summary["sizes"].values()) == len(frame) and summary["themes"]
    taxonomy = tmp_path / "t" / "taxonomy.json"
    assert main(["themes", str(source), "--themes", str(taxonomy), "--output", str(tmp_path / "again")]) == 0
    again = pd.read_excel(tmp_path / "again" / "feedback_themes.xlsx")
    assert (again["theme"] == table["theme"]).mean() > 0.95
    capsys.readouterr()
    args = ["report", str(source), "--label-column", "label", "--text-column", "comment", "--no-png"]
    assert main([*args, "--themes", str(taxonomy), "--output", str(tmp_path / "report")]) == 0
    insights = json.loads((tmp_path / "report" / "insights.json").read_text())
    assert {"name", "rows", "share", "emotions"} <= set(insights["themes"]["themes"][0])
    page = (tmp_path / "report" / "report.html").read_text()
    assert "<h2 id='themes'>Themes</h2>" in page and "What fear is about" in page


def test_an_llm_names_the_themes_after_an_estimate_and_never_twice(found, tmp_path, capsys, monkeypatch):
    from emotion.llm.cache import AnswerCache
    from emotion.llm.presets import Preset
    from emotion.themes.job import ThemesResult, describe
    from emotion.themes.naming import ThemeNamer, parse_name
    from tests.llm_servers import FaultyServer

    def answer(body: dict) -> str:  # a name from the words the request carries, as a model would
        asked = body["messages"][-1]["content"].lower()
        subject = next((w for w in ("parcel", "refund", "password", "app") if w in asked), "misc")
        return json.dumps({"name": f"{subject} issues"})

    frame, discovered = found
    taxonomy = Taxonomy.from_discovered(discovered)
    result = ThemesResult(discovered.labels, taxonomy, {"themes": describe(discovered.labels, taxonomy, frame.comment)})
    server = FaultyServer("ok", answer=answer)
    try:
        preset = Preset("local", server.url, "m", price_input_per_mtok=1.0, price_output_per_mtok=2.0)
        namer = ThemeNamer(preset, cache=AnswerCache(tmp_path / "answers.sqlite"))
        themes = result.method["themes"]
        estimate = namer.estimate(themes)
        assert (estimate.themes, estimate.cached, server.requests) == (4, 0, 0)  # estimated before anything is sent
        assert estimate.cost_usd == pytest.approx((estimate.input_tokens + 2 * estimate.output_tokens) / 1e6)
        assert "4 requests" in estimate.line() and "$0.00" in estimate.line()
        names = namer.names(themes)
        assert server.requests == 4 and sorted(names.values()) == [
            "app issues",
            "parcel issues",
            "password issues",
            "refund issues",
        ]
        named = result.renamed(names)
        for topic, word in [("delivery", "parcel"), ("refund", "refund"), ("password", "password"), ("app", "app")]:
            rows = named.labels[frame["topic"].eq(topic).to_numpy()]
            assert pd.Series(rows).value_counts().index[0] == f"{word} issues"
        assert set(named.taxonomy.names) == set(names.values()) and set(result.taxonomy.names) == set(names)
        assert namer.estimate(themes).cached == 4 and namer.names(themes) == names and server.requests == 4
        presets = tmp_path / "presets.toml"  # the CLI, through a preset of the user's file
        presets.write_text(f'[local]\nbase_url = "{server.url}"\nmodel = "m"\nstructured_output = "none"\n')
        monkeypatch.setenv("EMOTION_LLM_PRESETS", str(presets))
        frame.to_csv(tmp_path / "feedback.csv", index=False)
        capsys.readouterr()
        argv = ["themes", str(tmp_path / "feedback.csv"), "--text-column", "comment", "--k", "4"]
        assert main([*argv, "--name-with", "llm:local", "--output", str(tmp_path / "named")]) == 0
        assert "naming with local: 4 themes, 0 already named (cached): 4 requests" in capsys.readouterr().err
        table = pd.read_csv(tmp_path / "named" / "feedback_themes.csv")
        assert set(table.theme) - {OTHER} == set(names.values()) and server.requests == 8
        assert json.loads((tmp_path / "named" / "taxonomy.json").read_text())["themes"][0]["name"] in names.values()
    finally:
        server.close()
    assert parse_name('{"name": "  Late\\n parcels "}') == "Late parcels"
    assert parse_name("**Password resets**\nbecause...") == "Password resets"
    assert parse_name('{"name": "other"}') is None and parse_name("") is None


def test_splitting_a_large_theme_places_its_centres_on_a_sample_and_puts_every_row_in_one_half():
    from emotion.themes.discover import Theme
    from emotion.themes.job import ThemesResult
    from emotion.themes.taxonomy import SPLIT_SAMPLE

    rng = np.random.default_rng(0)
    rows = SPLIT_SAMPLE * 3  # more rows than the sample: the halves are still found and every row assigned
    axes = np.eye(8, dtype=np.float32)
    truth = rng.integers(0, 2, rows)
    vectors = axes[truth] + 0.05 * rng.standard_normal((rows, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = pd.Series(np.where(truth == 0, "refund money back please", "parcel late delivery again"))
    centre = vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0))
    result = ThemesResult(
        np.full(rows, "everything", dtype=object), Taxonomy([Theme("everything", [], centre)]), {}, vectors
    )
    split = result.split("everything", texts)
    halves = sorted(set(split.labels))
    assert len(halves) == 2 and OTHER not in halves
    assert adjusted_mutual_info_score(truth, split.labels) > 0.95
    assert any("refund" in h for h in halves) and any("parcel" in h or "late" in h for h in halves)


def test_splitting_a_theme_of_rows_without_embeddings_clusters_its_rows_by_their_words():
    from emotion.themes.discover import Theme
    from emotion.themes.job import ThemesResult
    from emotion.themes.taxonomy import SPLIT_EMBEDDED
    from emotion.themes.words import WordIndex

    rng = np.random.default_rng(1)
    refunds = ["refund", "money", "back", "charged", "card"]
    parcels = ["parcel", "courier", "delivery", "late", "arrived"]
    truth = rng.integers(0, 2, 3_000)
    texts = pd.Series(
        [" ".join(rng.choice(parcels if t else refunds, 3)) + f" order {i}" for i, t in enumerate(truth)]
        + ["password reset locked"] * 50
    )
    labels = np.array(["mixed"] * 3_000 + ["Login"] * 50, dtype=object)
    centre = np.ones(8, dtype=np.float32) / np.sqrt(8)
    themes = [Theme("mixed", [], centre), Theme("Login", [], centre)]
    result = ThemesResult(labels, Taxonomy(themes), {}, vectors=None, index=WordIndex.of(texts))
    encoder = _CountingEncoder()
    split = result.split("mixed", texts, encoder=encoder)
    halves = [t.name for t in split.taxonomy.themes[:2]]
    assert split.taxonomy.names[2] == "Login" and list(split.labels[3_000:]) == ["Login"] * 50  # others unchanged
    assert set(split.labels[:3_000]) == set(halves)  # every row of the theme in one half
    assert adjusted_mutual_info_score(truth, split.labels[:3_000]) > 0.9
    assert encoder.embedded <= 2 * SPLIT_EMBEDDED  # a few comments embedded for the halves' centres, not the rows
    assert all(t.centroid.shape == (8,) for t in split.taxonomy.themes)


@pytest.mark.parametrize(
    "texts, reason",
    [(["the and of it", "is was the"] * 10, "share no word"), (["refund now"] * 20, "too alike"), (["12 34"] * 20, "")],
)
def test_a_split_by_words_of_comments_that_cannot_be_split_says_why(texts, reason):
    from emotion.themes.discover import Theme
    from emotion.themes.job import ThemesResult
    from emotion.themes.taxonomy import TaxonomyError
    from emotion.themes.words import WordIndex

    texts = pd.Series(texts)
    labels = np.full(len(texts), "t", dtype=object)
    result = ThemesResult(labels, Taxonomy([Theme("t", [], np.ones(4, np.float32) / 2)]), {}, index=WordIndex.of(texts))
    with pytest.raises(TaxonomyError, match=reason or "share no word"):
        result.split("t", texts, encoder=_CountingEncoder())
    assert list(result.reassigned(Taxonomy([*result.taxonomy.themes]).delete("t"), texts).labels) == [OTHER] * 20


class _CountingEncoder:
    embedded = 0

    def embed(self, texts, progress=None):
        self.embedded += len(texts)
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)


def test_edits_of_themes_on_many_distinct_comments_place_rows_by_their_words_without_a_model(monkeypatch):
    import emotion.graphs.sentence
    from emotion.themes.discover import Theme
    from emotion.themes.job import ThemesResult

    def no_model():
        raise AssertionError("an edit must not embed the rows again")

    monkeypatch.setattr(emotion.graphs.sentence, "shared", no_model)
    topics = {
        "Refunds": "refund money back card charged twice",
        "Delivery": "parcel courier delivery late arrived",
        "Login": "password login account locked reset",
    }
    rows = [
        f"{words.split()[i % 5]} {words.split()[(i + 2) % 5]} issue {i}" for words in topics.values() for i in range(40)
    ]
    texts = pd.Series(rows)
    labels = np.repeat(list(topics), 40).astype(object)
    rng = np.random.default_rng(0)
    themes = [Theme(name, words.split(), rng.standard_normal(8).astype(np.float32)) for name, words in topics.items()]
    result = ThemesResult(labels, Taxonomy(themes), {}, vectors=None)

    deleted = result.reassigned(Taxonomy([*result.taxonomy.themes]).delete("Login"), texts)
    assert list(deleted.labels[:80]) == list(labels[:80])  # the other themes' rows stay where they were
    moved = deleted.labels[80:]
    assert set(moved) <= {"Refunds", "Delivery", OTHER} and "Login" not in set(deleted.labels)

    defined = result.reassigned(
        Taxonomy([*result.taxonomy.themes]).define(
            "Couriers", examples=["courier parcel late", "the courier never came"], encoder=_UnitEncoder()
        ),
        texts,
    )
    took = defined.labels == "Couriers"
    assert took.any() and set(labels[took]) == {"Delivery"}  # rows about couriers moved; no refund or login row did


class _UnitEncoder:
    def embed(self, texts, progress=None):
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)
