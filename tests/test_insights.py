"""Insights: the planted demo patterns are found, silent columns stay silent, shares, dates, drivers and bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotion import registry
from emotion.insights import demo, drivers, examples, periods, segments, shares
from emotion.insights.analyses import analyse
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from emotion.insights.report import browser_path, write_report
from emotion.insights.table import NO_CLEAR_EMOTION, UNKNOWN_LABEL, recognise
from emotion.io.tables import DataError
from emotion.labelling.table import label_table
from emotion.labels import LABELS


def demo_with(labels: str = "intended") -> pd.DataFrame:
    frame = demo.demo_frame()
    frame["random"] = np.random.default_rng(3).choice(list("ABCDE"), len(frame))
    if labels == "intended":
        return frame.rename(columns={"intended": "label"})
    frame = frame.drop(columns="intended")
    return label_table(frame, "comment", {registry.DEFAULT_MODEL: registry.load(registry.DEFAULT_MODEL)})


ASKED = Choices(by=("product", "channel", "random"), time="date")


def found_everything(insights: dict) -> None:
    key = demo.ANSWER_KEY
    found = insights["segments"]["findings"]
    findings = {(f["column"], f["segment"], f["emotion"]) for f in found if f["difference"] > 0}
    for planted in key["segments"]:
        assert (planted["column"], planted["segment"], planted["emotion"]) in findings, found
    for planted in key["periods"]:
        entry = next(p for p in insights["time"]["periods"] if p["period"] == planted["period"])
        assert entry[planted["emotion"]]["moved"] and entry[planted["emotion"]]["change"] > 0
        assert any(m["period"] == planted["period"] and m["sentence"] for m in insights["time"]["moves"])
    for emotion, terms in key["drivers"].items():
        top = [t["term"] for t in insights["drivers"][emotion][:5]]
        assert set(terms) <= set(top), (emotion, top)
    silent = {f["column"] for f in found} & {*key["silent_columns"], "random"}
    assert not silent, [f for f in found if f["column"] in silent]


def test_the_demo_patterns_are_found_on_the_intended_labels():
    prepared = Prepared.of(recognise(demo_with("intended")))
    found_everything(analyse(prepared, ASKED))


def test_the_demo_patterns_are_found_on_the_default_models_labels():
    """What a user sees: the demo labelled by the default model, then analysed."""
    labelled = demo_with("model")
    table = recognise(labelled)
    assert table.model == registry.DEFAULT_MODEL and table.confidence_column == f"{registry.DEFAULT_MODEL}_confidence"
    found_everything(analyse(Prepared.of(table), ASKED))


def test_the_demo_workbook_keeps_its_types(tmp_path):
    path = demo.write_demo(tmp_path)
    back = pd.read_excel(path)
    assert list(back.columns) == ["date", "product", "channel", "rating", "comment"]
    assert pd.api.types.is_datetime64_any_dtype(back["date"]) and pd.api.types.is_integer_dtype(back["rating"])
    assert 450 <= len(back) <= 550 and back["date"].dt.to_period("M").nunique() == 6


# Shares ---------------------------------------------------------------------------------------------------------


def test_adjusted_count_undoes_a_known_confusion():
    rng = np.random.default_rng(0)
    truth = np.array([0.4, 0.05, 0.05, 0.1, 0.2, 0.1, 0.1])
    matrix = np.full((7, 7), 0.05) + np.eye(7) * 0.65  # each row: 0.95 on the diagonal, 0.05 spread
    matrix /= matrix.sum(axis=1, keepdims=True)
    confusion = shares.Confusion(matrix, matrix.T, 10_000, "synthetic")
    gold = rng.choice(7, size=20_000, p=truth)
    predicted = [LABELS[rng.choice(7, p=matrix[g])] for g in gold]
    counted = shares.estimate(predicted, "count")["share"].to_numpy()
    adjusted = shares.estimate(predicted, "adjusted", confusion=confusion, resamples=20)
    assert np.abs(adjusted["share"].to_numpy() - truth).max() < 0.015
    assert np.abs(counted - truth).max() > 0.05  # counting labels is biased towards the even mix
    assert (adjusted["low"] <= adjusted["share"]).all() and (adjusted["share"] <= adjusted["high"]).all()


def test_probabilistic_count_from_probability_columns_and_from_confidence():
    labels = ["joy"] * 6 + ["anger"] * 4
    confidence = np.array([0.9] * 6 + [0.5] * 4)
    result = shares.estimate(labels, "probabilistic", confidence=confidence).set_index("emotion")["share"]
    assert result["joy"] == pytest.approx((6 * 0.9 + 4 * 0.5 / 6) / 10)
    assert result.sum() == pytest.approx(1)


def test_every_estimator_is_measured_on_held_out_mixtures():
    rng = np.random.default_rng(1)
    gold = rng.choice(LABELS, size=700)
    predicted = np.where(rng.random(700) < 0.7, gold, rng.choice(LABELS, size=700))
    confidence = np.where(predicted == gold, 0.8, 0.5)
    errors = shares.mixture_errors(list(gold), list(predicted), confidence, mixtures=20, sample=200)
    assert set(errors) == set(shares.ESTIMATORS)
    assert errors["adjusted"]["mae"] < errors["count"]["mae"]  # a symmetric confusion flattens counted shares


def test_wilson_intervals_hold_the_share_and_handle_empty_groups():
    low, high = shares.wilson(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert low[0] == 0 and high[2] == pytest.approx(1) and low[1] < 0.5 < high[1]
    low, high = shares.wilson(np.array([0]), np.array([0]))
    assert (low[0], high[0]) == (0, 1)


# Segments -------------------------------------------------------------------------------------------------------


def test_a_column_with_many_values_shows_the_largest_and_other():
    values = pd.Series([f"id{i}" for i in range(50_000)] + ["big"] * 500)
    segments_, note = segments.segment_values(values)
    assert "50,001 distinct values" in note and segments_.eq(segments.OTHER).sum() == 50_000 - 11
    assert segments_.nunique() == segments.TOP_SEGMENTS + 1


def test_one_row_segments_are_flagged_and_not_tested():
    emotions = pd.Series(["joy"] * 60 + ["anger"] * 40 + ["anger"])
    column = pd.Series(["a"] * 50 + ["b"] * 50 + ["lonely"])
    table = segments.segment_shares(column, emotions)
    assert table.loc[table["segment"].eq("lonely"), "small"].all()
    found = segments.compare_segments({"c": column}, emotions)
    lonely = found.loc[found["segment"].eq("lonely")]
    assert lonely["p_value"].isna().all() and not lonely["significant"].any()


def test_findings_read_in_plain_words():
    row = pd.Series(
        {
            "segment": "StreamBox TV",
            "emotion": "anger",
            "share": 0.31,
            "rest_share": 0.12,
            "difference": 0.19,
            "low": 0.11,
            "high": 0.27,
        }
    )
    assert segments.sentence(row) == (
        "StreamBox TV: anger 31% against 12% elsewhere (+19 points, 95% interval +11 to +27)"
    )


# Time -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "kind", "first"),
    [
        (["2026-01-31", "2026-02-01"], "ISO dates", "2026-01-31"),
        (["31/01/2026", "01/02/2026"], "day-first dates (settled by the cells)", "2026-01-31"),
        (["01/31/2026", "02/01/2026"], "month-first dates (settled by the cells)", "2026-01-31"),
        ([46053, 46054], "Excel serial day numbers", "2026-01-31"),
        ([1769817600, 1769904000], "Unix times in seconds", "2026-01-31"),
        ([1769817600000, 1769904000000], "Unix times in milliseconds", "2026-01-31"),
    ],
)
def test_dates_are_read_whatever_their_form(cells, kind, first):
    parsed = periods.parse_dates(pd.Series(cells))
    assert parsed.kind == kind
    assert str(parsed.values.iloc[0].date()) == first and parsed.unreadable.empty


def test_mixed_and_unreadable_dates_are_resolved_counted_and_listed():
    parsed = periods.parse_dates(pd.Series(["2026-03-05", "13/03/2026", "not a date", "", "04/03/2026"]))
    assert parsed.kind == "ISO dates and day-first dates (settled by the cells)"
    assert list(parsed.values.dt.strftime("%Y-%m-%d").fillna("-")) == [
        "2026-03-05",
        "2026-03-13",
        "-",
        "-",
        "2026-03-04",
    ]
    assert parsed.unreadable.to_dict("records") == [{"row": 3, "cell": "not a date"}] and parsed.empty == 1
    ambiguous = periods.parse_dates(pd.Series(["03/04/2026"]))
    assert "no cell settles it" in ambiguous.kind
    assert str(periods.parse_dates(pd.Series(["03/04/2026"]), "day-first").values[0].date()) == "2026-04-03"


def test_a_table_without_a_date_column_has_no_time_view():
    frame = pd.DataFrame({"comment": ["fine words here"] * 3, "label": ["joy", "anger", "joy"]})
    assert periods.detect_date_column(frame) is None


def test_frequency_follows_the_span_and_avoids_small_periods():
    def days(count: int, per_day: int, first_day: int | None = None) -> pd.Series:
        stamps = pd.date_range("2026-01-05", periods=count).repeat(per_day)
        if first_day is not None:  # a handful of rows on the first day only
            stamps = stamps[per_day - first_day :]
        return pd.Series(stamps)

    assert periods.choose_frequency(days(10, 30)) == "day"
    assert periods.choose_frequency(days(10, 30, first_day=3)) == "day"  # one faint day; weeks are too few
    assert periods.choose_frequency(days(60, 30)) == "week"
    assert periods.choose_frequency(days(200, 30)) == "month"
    assert periods.choose_frequency(days(60, 2)) == "month"  # 14 rows a week: no week could be tested
    assert periods.choose_frequency(days(10, 1)) == "day"  # small at every frequency: the finest
    assert periods.choose_frequency(pd.Series([pd.NaT])) == "month"


# Drivers and examples -------------------------------------------------------------------------------------------


def test_drivers_rank_the_planted_term_first_and_highlight_it():
    texts = pd.Series(
        ["the refund never came back"] * 10 + ["lovely screen and great sound"] * 30 + ["the screen is fine"] * 10
    )
    index = drivers.TermIndex.build(texts)
    group = np.array([True] * 10 + [False] * 40)
    top = drivers.log_odds(index, group)
    assert "refund" in set(top["term"]) and not {"screen", "sound", "lovely"} & set(top["term"])
    assert top["score"].iloc[0] > 2  # well beyond noise
    assert drivers.highlight("No REFUND <yet>", ["refund"]) == "No <mark>REFUND</mark> &lt;yet&gt;"
    assert drivers.rows_with(texts, "refund").sum() == 10


def test_examples_skip_near_duplicates():
    rows = pd.DataFrame(
        {
            "text": ["I love the sound so much!", "i love the sound so much", "Setup was quick."],
            "confidence": [0.99, 0.98, 0.5],
        }
    )
    picked = examples.representative(rows, "text", k=3)
    assert list(picked["text"]) == ["I love the sound so much!", "Setup was quick."]


# Bad input ------------------------------------------------------------------------------------------------------


def test_labels_naming_no_emotion_are_counted_and_listed_never_dropped():
    frame = pd.DataFrame({"comment": ["a b c"] * 5, "label": ["joy", "meh", "", "ANGER", "happy"]})
    table = recognise(frame)
    assert table.excluded_counts() == {UNKNOWN_LABEL: 1, "no label": 1}
    assert list(table.labels.dropna()) == ["joy", "anger", "joy"]
    assert table.excluded_rows()["row"].tolist() == [2, 3]


def test_a_file_where_every_row_has_no_clear_emotion_says_so():
    frame = pd.DataFrame({"comment": ["ok"] * 4, "label": ["joy"] * 4, "no_emotion": [True] * 4})
    with pytest.raises(DataError, match=f"no row can be counted: 4 {NO_CLEAR_EMOTION}"):
        recognise(frame)
    assert len(recognise(frame, include_no_emotion=True).rows) == 4


@pytest.mark.slow  # draws the slides in chromium
def test_a_slide_has_large_dark_text_values_on_its_bars_and_the_finding_as_subtitle(tmp_path):
    """The report's slides, drawn by the same browser as the PNGs but as SVG, so their text can be read."""
    import xml.etree.ElementTree as ET

    from emotion.insights.report import drawn_figures, write_pngs

    if browser_path() is None:
        pytest.skip("no Chromium-family browser")
    prepared = Prepared.of(recognise(demo_with("intended")))
    choices = Choices(by=("product",), time="date")
    drawn = drawn_figures(prepared, analyse(prepared, choices), choices)
    slides = {stem: fig for charts_ in drawn.values() for stem, (fig, _) in charts_.items()}
    subtitles = {stem: sentence for charts_ in drawn.values() for stem, (_, sentence) in charts_.items()}
    written, problem = write_pngs(slides, tmp_path, subtitles, image_format="svg")
    assert problem is None and written
    segment_slide = next(stem for stem, sentence in subtitles.items() if sentence and "StreamBox TV" in sentence)
    for path in written:
        root = ET.parse(path).getroot()
        assert (root.get("width"), root.get("height")) == ("1600", "900"), path.name
        texts = [t for t in root.iter("{http://www.w3.org/2000/svg}text")]
        sizes = [float(m.group(1)) for t in texts if (m := re.search(r"font-size:\s*([\d.]+)px", t.get("style", "")))]
        assert len(sizes) > 10 and min(sizes) >= 18, (path.name, sorted(set(sizes)))  # ticks, titles, legend
        said = " ".join("".join(t.itertext()) for t in texts)
        if path.stem == segment_slide:
            assert subtitles[segment_slide].split(" (")[0] in said  # the finding's sentence as subtitle
        if path.stem == "overall":
            on_bars = [t for t in texts if "bartext" in (t.get("class") or "")]
            assert len(on_bars) == 7 and all(re.fullmatch(r"\d+%", "".join(t.itertext())) for t in on_bars)


def test_a_table_with_no_label_column_says_so():
    with pytest.raises(DataError, match="no label column"):
        recognise(pd.DataFrame({"comment": ["hello there"], "score": [3]}))


# The report -----------------------------------------------------------------------------------------------------


@pytest.mark.slow  # draws every chart as a PNG in chromium
def test_the_report_holds_every_figure_and_opens_offline(tmp_path):
    prepared = Prepared.of(recognise(demo_with("intended")))
    choices = Choices(by=("product",), time="date")
    report = write_report(prepared, tmp_path, choices, pngs=browser_path() is not None)
    insights = json.loads((tmp_path / "insights.json").read_text())
    assert {"overall", "segments", "time", "drivers", "examples", "estimator", "model", "excluded"} <= set(insights)
    assert set(insights["overall"]) == set(LABELS)
    assert {
        "column",
        "segment",
        "emotion",
        "share",
        "rest_share",
        "difference",
        "low",
        "high",
        "p_adjusted",
        "sentence",
    } <= set(insights["segments"]["findings"][0])
    page = (tmp_path / "report.html").read_text()
    # Every finding is in words: segments and the periods that moved.
    for move in insights["time"]["moves"]:
        assert move["sentence"] in page
    # Nothing is fetched: plotly.js is inlined, no tag loads anything from elsewhere.
    assert not re.search(r"""<(script|link|img|iframe)[^>]*(src|href)=["']?https?:""", page, re.IGNORECASE)
    assert "StreamBox TV: anger" in page
    if browser_path():
        assert report.png_problem is None and (tmp_path / "charts" / "overall.png").exists()
        header = (tmp_path / "charts" / "overall.png").read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(header[16:20], "big") == 1600


def test_a_feedback_trained_labeller_says_how_it_reads_customer_feedback_wherever_its_quality_is_shown():
    from emotion.evaluation.stored import feedback_figures, quality_line
    from emotion.insights.analyses.overview import describe_estimator
    from emotion.insights.prepared import model_quality

    figures = feedback_figures("encoder-fast")  # from its card: the feedback stage's dev figures
    assert figures and 0 <= figures["complaints_joy"] < 0.5 < figures["praise_joy"] <= 1
    said = f"complaints labelled joy {figures['complaints_joy']:.0%}, praise labelled joy {figures['praise_joy']:.0%}"
    assert said in quality_line("encoder-fast") and model_quality("encoder-fast")["feedback"] == figures
    assert feedback_figures("tfidf") is None and "customer feedback" not in quality_line("tfidf")
    labelled = demo_with("intended").rename(columns={"label": "encoder-fast_label"})
    labelled["encoder-fast_confidence"] = 0.9  # the model's own two columns, as labelling writes them
    prepared = Prepared.of(recognise(labelled))
    assert prepared.table.model == "encoder-fast"
    assert said in describe_estimator(prepared, prepared.default_estimator())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["joy", "anger", None])), max_size=60),
    st.booleans(),
)
def test_count_table_counts_what_crosstab_counts(pairs, categorical):
    groups = pd.Series([g for g, _ in pairs], dtype="category" if categorical else object)
    values = pd.Series([v for _, v in pairs], dtype="string")
    ours = shares.count_table(groups, values, ["joy", "anger", "fear"])
    theirs = pd.crosstab(groups, values) if groups.notna().any() and values.notna().any() else pd.DataFrame()
    theirs = theirs.reindex(columns=["joy", "anger", "fear"], fill_value=0)
    assert list(ours.index) == list(theirs.index)
    assert ours.to_numpy().tolist() == theirs.to_numpy().tolist()


def _mid_p(x: int, n: int, y: int, m: int) -> float:
    """The exact conditional mid-p test of x/n against y/m, one comparison, in exact integer arithmetic."""
    from fractions import Fraction
    from math import comb

    having = x + y
    pmf = {k: Fraction(comb(n, k) * comb(m, having - k), comb(n + m, having)) for k in range(having + 1)}
    below = sum(p for k, p in pmf.items() if k < x) + pmf[x] / 2
    above = sum(p for k, p in pmf.items() if k > x) + pmf[x] / 2
    return float(min(1, 2 * min(below, above)))


def test_a_column_with_no_effect_gives_findings_at_most_about_the_level():
    # 20 segments of about 50 rows, emotions at 5-20%: the score z-test gave a finding in 13% of such tables (its far
    # tail rejects 2-4 times too often); BH at 5% over a column should give about 5% at most.
    rng = np.random.default_rng(0)
    tables = 300
    hits = 0
    for _ in range(tables):
        emotions = pd.Series(rng.choice(LABELS, 1_000, p=[0.2, 0.12, 0.12, 0.1, 0.2, 0.16, 0.1]))
        column = pd.Series(rng.choice([f"v{i}" for i in range(20)], 1_000))
        hits += bool(segments.compare_segments({"noise": column}, emotions)["finding"].any())
    assert hits / tables <= 0.07


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), segments_count=st.integers(1, 6), rows=st.integers(0, 400))
def test_segment_and_period_tests_in_one_call_equal_the_exact_test_one_comparison_at_a_time(seed, segments_count, rows):
    from statsmodels.stats.proportion import confint_proportions_2indep

    rng = np.random.default_rng(seed)
    emotions = pd.Series(rng.choice(LABELS[:3], rows, p=[0.6, 0.3, 0.1]))
    column = pd.Series(rng.choice([f"s{i}" for i in range(segments_count)], rows))
    found = segments.compare_segments({"c": column}, emotions)
    total = emotions.value_counts()
    for r in found.itertuples():
        x = int(((column == r.segment) & (emotions == r.emotion)).sum())
        n, y = r.rows, int(total.get(r.emotion, 0)) - x
        if n >= segments.MIN_ROWS and rows - n >= segments.MIN_ROWS and 0 < x + y < rows:
            p = _mid_p(x, n, y, rows - n)
            low, high = confint_proportions_2indep(x, n, y, rows - n, method="newcomb")
            assert r.p_value == pytest.approx(p, abs=1e-12) and (r.low, r.high) == pytest.approx((low, high))
        else:
            assert np.isnan(r.p_value)
    dates = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 60, rows), unit="D"))
    if rows:
        table = periods.period_shares(dates, emotions, "week")
        for i, r in enumerate(table.itertuples()):
            if np.isnan(r.p_value):
                continue
            before = table.iloc[i - len(LABELS)]  # the same emotion, the period before
            p = _mid_p(r.count, r.rows, before["count"], before["rows"])
            assert before["emotion"] == r.emotion and r.p_value == pytest.approx(p, abs=1e-12)
