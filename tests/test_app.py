"""The dashboard pages through Streamlit's AppTest (no browser)."""

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from emotion import registry
from emotion.io import formats
from emotion.labels import LABELS

pytestmark = pytest.mark.slow  # every page through AppTest, models loaded cold

TIMEOUT = 120
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def test_classify_page_classifies_with_tfidf():
    at = app()
    assert at.title[0].value == "Classify a text"
    at.selectbox(key="classify_example").select_index(3).run()
    at.multiselect(key="classify_models").set_value(["tfidf"]).run()
    at.button(key="classify_button").click().run()
    assert not at.exception, at.exception
    assert at.metric[0].label == "tfidf"
    text = at.text_area(key="classify_text").value
    assert "password was changed" in text  # the third example (the first option is "write your own")
    # The page shows the package's answer for this text: fear, as the model itself says.
    assert at.metric[0].value == registry.load("tfidf").predict([text])[0] == "fear"
    assert any("1 model says fear" in c.value for c in at.caption)  # the agreement line agrees with the card
    assert at.get("plotly_chart")  # the words behind the answer


def test_classify_page_explains_unready_models():
    at = app()
    at.text_area(key="classify_text").input("I missed my sister's wedding because of work.").run()
    at.multiselect(key="classify_models").set_value(["tfidf", "llm:openai-gpt-4o-mini"]).run()
    at.button(key="classify_button").click().run()
    warnings = " ".join(w.value for w in at.warning)
    assert "llm:openai-gpt-4o-mini" in warnings and "not ready" in warnings
    assert at.metric[0].label == "tfidf"


def labelled_upload(at: AppTest, name: str, content: bytes, mime: str) -> AppTest:
    at.file_uploader(key="bulk_upload_0").set_value((name, content, mime)).run()
    assert not at.exception, at.exception
    at.multiselect(key="bulk_models").set_value(["tfidf"]).run()
    at.button(key="bulk_run").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def table(sample) -> pd.DataFrame:
    texts, _ = sample
    return pd.DataFrame({"id": range(len(texts) + 1), "comment": [*texts, ""], "score": ["=1+1"] * (len(texts) + 1)})


def test_bulk_page_csv_run_to_the_end(table):
    at = labelled_upload(app("pages/bulk.py"), "notes.csv", table.to_csv(index=False).encode(), "text/csv")
    assert at.selectbox(key="bulk_text_column").value == "comment"
    result = at.session_state["bulk_result"]
    assert len(result) == len(table)
    assert list(result["id"]) == list(table["id"].astype(str))
    assert result["tfidf_label"].iloc[:-1].isin(LABELS).all()
    assert result["status"].iloc[-1] == "empty text" and pd.isna(result["tfidf_label"].iloc[-1])
    assert {"consensus_label", "disagreement", "low_confidence", "corrected_label"} <= set(result.columns)
    downloads = [d.label for d in at.get("download_button")]
    assert [d for d in downloads if d.startswith("Download")] == [f"Download {f.name}" for f in formats.FORMATS]
    assert "SVG" in downloads  # the chart, for a slide


def test_bulk_page_xlsx_with_sheet_choice(table):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="cover", index=False)
        table.to_excel(writer, sheet_name="answers", index=False)
    at = app("pages/bulk.py")
    at.file_uploader(key="bulk_upload_0").set_value(("book.xlsx", buffer.getvalue(), "application/vnd.ms-excel")).run()
    at.selectbox(key="bulk_sheet").set_value("answers").run()
    at.multiselect(key="bulk_models").set_value(["tfidf"]).run()
    at.button(key="bulk_run").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["bulk_result"]) == len(table)


def test_bulk_page_skips_an_empty_cover_sheet_and_says_so(table):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="cover", index=False)
        table.to_excel(writer, sheet_name="answers", index=False)
    at = app("pages/bulk.py")
    at.file_uploader(key="bulk_upload_0").set_value(("book.xlsx", buffer.getvalue(), "application/vnd.ms-excel")).run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert at.selectbox(key="bulk_sheet").value == "answers"
    assert any("first sheet with data" in c.value for c in at.caption)


def test_bulk_page_keeps_rows_with_extra_fields_and_compare_lists_only_models(table):
    data = b"id,comment\n1,I passed my exam and we celebrated\n2,My dog died last night,extra,more\n"
    at = labelled_upload(app("pages/bulk.py"), "ragged.csv", data, "text/csv")
    assert any("more fields than the header" in w.value for w in at.warning)
    result = at.session_state["bulk_result"]
    assert len(result) == 2 and result["extra_fields"].tolist()[1] == "extra,more"
    at.switch_page("pages/compare.py").run()
    at.radio(key="compare_source").set_value("Latest bulk-labelling result").run()
    assert not at.exception, at.exception
    assert "corrected" not in at.caption[0].value and "tfidf" in at.caption[0].value


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.xlsx", b"not a zip", "cannot read"),
        ("numbers.csv", b"a,b\n1,2\n3,4\n", "no text column"),
        ("empty.csv", b"text\n", "no data rows"),
    ],
)
def test_bulk_page_clear_errors(name, content, message):
    at = app("pages/bulk.py")
    at.file_uploader(key="bulk_upload_0").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_compare_page_builds_charts_from_committed_evaluation():
    at = app("pages/compare.py")
    assert at.title[0].value == "Compare models"
    charts = at.get("plotly_chart")
    assert len(charts) >= 6  # metrics, per-class, confusion, agreement, kappa, pair disagreements
    metrics = next(d.value for d in at.dataframe if "Model" in d.value.columns)  # after the domains table
    assert "gpt-3.5-turbo-1106" in metrics["Model"].tolist()
    assert {"Macro-F1", "Macro-F1, 95% low", "Macro-F1, 95% high"} <= set(metrics.columns)  # words, not field names
    assert any(e.label == "What these words mean" for e in at.expander)
    assert any("95% interval" in i.value for i in at.info)  # the noise verdict of the top two models
    at.selectbox(key="compare_noise_b").set_value("tfidf").run()
    assert any("better beyond noise" in i.value for i in at.info)


def test_disagreement_views_on_the_latest_bulk_result(table):
    at = app("pages/bulk.py")
    at.file_uploader(key="bulk_upload_0").set_value(("notes.csv", table.to_csv(index=False).encode(), "text/csv")).run()
    at.multiselect(key="bulk_models").set_value(["tfidf", "encoder"]).run()
    at.button(key="bulk_run").click().run()
    assert not at.exception, at.exception
    at.switch_page("pages/compare.py").run()
    at.radio(key="compare_source").set_value("Latest bulk-labelling result").run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 3  # agreement, kappa, pair disagreements
    assert "comment" in at.dataframe[-1].value.columns  # the file's own text column in the example browser


def test_a_bulk_run_reopens_by_its_token_in_a_new_session_and_a_wrong_token_shows_nothing(table):
    at = labelled_upload(app("pages/bulk.py"), "notes.csv", table.to_csv(index=False).encode(), "text/csv")
    token = at.query_params["run"]
    first = at.session_state["bulk_result"]
    assert token and len(token) >= 32

    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a refresh, a new tab, a restarted server
    fresh.query_params["run"] = token
    fresh.run()
    fresh.switch_page("pages/bulk.py").run()
    assert not fresh.exception, fresh.exception
    pd.testing.assert_frame_equal(fresh.session_state["bulk_result"], first, check_dtype=False)
    assert any("notes.csv" in s.value for s in fresh.subheader)

    wrong = AppTest.from_file(APP, default_timeout=TIMEOUT)
    wrong.query_params["run"] = "no-such-token"
    wrong.run()
    wrong.switch_page("pages/bulk.py").run()
    assert [e.value for e in wrong.error] == ["No such run."]
    assert not wrong.get("file_uploader") and not wrong.get("download_button")


def test_a_bulk_run_can_be_deleted_from_recent_runs(table):
    at = labelled_upload(app("pages/bulk.py"), "notes.csv", table.to_csv(index=False).encode(), "text/csv")
    token = at.query_params["run"]
    at.button(key=f"bulk_delete_{token}").click().run()  # listed at once, without another click
    assert not at.exception, at.exception
    assert "bulk_job" not in at.session_state and "run" not in at.query_params
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh.query_params["run"] = token
    fresh.run()
    fresh.switch_page("pages/bulk.py").run()
    assert [e.value for e in fresh.error] == ["No such run."]


def labelled_file(sample) -> bytes:
    texts, labels = sample
    frame = pd.DataFrame({"ref": [f"r{i}" for i in range(len(texts))], "comment": texts, "feeling": labels})
    frame.loc[len(frame)] = ["r-x", "", "joy"]  # empty text: excluded and listed
    frame.loc[len(frame)] = ["r-y", "A rainy Tuesday", "meh"]  # no emotion: excluded and listed
    return frame.to_csv(index=False).encode()


def test_compare_page_evaluates_an_uploaded_labelled_file_with_imported_predictions(sample):
    texts, labels = sample
    at = app("pages/compare.py")
    at.radio(key="compare_source").set_value("Your labelled file").run()
    at.file_uploader(key="compare_upload").set_value(("mine.csv", labelled_file(sample), "text/csv")).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_text").value == "comment"
    assert at.selectbox(key="compare_label").value == "feeling"
    assert at.selectbox(key="compare_id").value == "(row order)"
    assert any("2 excluded" in c.value and "row 16" in c.value for c in at.caption)
    at.selectbox(key="compare_id").set_value("ref").run()
    vendor = pd.DataFrame({"ref": [f"r{i}" for i in range(len(texts))][::-1], "vendor": labels[::-1]})
    at.file_uploader(key="compare_predictions").set_value([("v.csv", vendor.to_csv(index=False).encode(), "text/csv")])
    at.run()
    at.multiselect(key="compare_models").set_value(["tfidf"]).run()
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[1].value  # after the excluded rows' table
    assert set(table["Model"]) == {"tfidf", "vendor"}
    assert table.set_index("Model").loc["vendor", "Accuracy"] == 1.0  # joined by id, not by position
    downloads = [d.label for d in at.get("download_button") if d.label.startswith("Download")]
    assert downloads == ["Download metrics.json", "Download predictions.csv"]
    subheaders = [s.value for s in at.subheader]
    assert "Is the confidence right?" in subheaders and any("Cascade" in s for s in subheaders)
    assert len(at.get("plotly_chart")) >= 6  # scores, per class, confusion, reliability, speed Pareto, ...
    infos = " ".join(i.value for i in at.info)
    assert "14 rows are too few to choose an operating point" in infos  # no cascade curve on 14 rows
    assert "No cost axis: every model here is free" in infos


def test_compare_page_reads_an_xlsx_like_the_bulk_page_with_a_sheet_picker(sample):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="cover", index=False)
        pd.read_csv(io.BytesIO(labelled_file(sample))).to_excel(writer, sheet_name="gold", index=False)
        pd.DataFrame({"note": ["no labels here"]}).to_excel(writer, sheet_name="notes", index=False)
    at = app("pages/compare.py")
    at.radio(key="compare_source").set_value("Your labelled file").run()
    at.file_uploader(key="compare_upload").set_value(("gold.xlsx", buffer.getvalue(), "application/vnd.ms-excel"))
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_sheet").value == "gold"
    assert any("first sheet with data" in c.value for c in at.caption)
    assert at.selectbox(key="compare_label").value == "feeling"
    at.selectbox(key="compare_sheet").set_value("notes").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_text").value == "note"


def test_compare_page_shows_calibration_cascade_and_cost_for_the_stored_evaluation():
    at = app("pages/compare.py")
    calibration = next(d.value for d in at.dataframe if "ECE" in d.value.columns)
    assert {"ECE", "Brier", "ECE before", "Brier before"} <= set(calibration.columns)
    assert calibration.set_index("model").loc["ensemble", "ECE before"] > 0
    at.selectbox(key="compare_cascade_first").set_value("ensemble").run()
    at.selectbox(key="compare_cascade_fallback").set_value("gpt-3.5-turbo-1106").run()
    assert not at.exception, at.exception
    assert any("answered by gpt-3.5-turbo-1106" in c.value for c in at.caption)


def test_classify_page_runs_a_cascade_and_says_who_answered():
    at = app()
    at.text_area(key="classify_text").input("I lost my wallet and my keys on the same day.").run()
    at.multiselect(key="classify_models").set_value(["tfidf"]).run()
    at.toggle(key="classify_cascade_on").set_value(True).run()
    at.selectbox(key="classify_cascade_first").set_value("tfidf").run()
    at.selectbox(key="classify_cascade_fallback").set_value("encoder-fast").run()
    at.slider(key="classify_cascade_share").set_value(1.0).run()  # every text goes on
    at.button(key="classify_button").click().run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["tfidf", "cascade:tfidf+encoder-fast"]
    assert any("answered by encoder-fast" in c.value for c in at.caption)


def test_recent_runs_counts_a_run_right_after_it_ran(table):
    at = labelled_upload(app("pages/bulk.py"), "notes.csv", table.to_csv(index=False).encode(), "text/csv")
    assert [e.label for e in at.expander if e.label.startswith("Recent runs")] == ["Recent runs (1)"]


def test_a_resumed_run_uses_its_own_stored_settings(table, monkeypatch):
    """Resume after a refresh takes the run's prompt mode and cascade share, not the sidebar's or a default."""
    from emotion.labelling.jobs import BulkJob
    from emotion.labelling.run_store import RunStore
    from ui import common

    store = RunStore(Path(__import__("os").environ["EMOTION_RUNS_DB"]))
    settings = {"prompt_mode": "few_shot", "fallback_share": 0.3}
    token = store.create(table, "notes.csv", "0" * 64, "comment", ["tfidf"], settings)
    asked = []
    original = common.get_model
    monkeypatch.setattr(
        common,
        "get_model",
        lambda name, share=None, mode=None: asked.append((name, share, mode)) or original(name, share, mode),
    )
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh.query_params["run"] = token
    fresh.run()
    fresh.switch_page("pages/bulk.py").run()
    assert fresh.session_state["bulk_job"].settings == settings
    fresh.button(key="bulk_resume").click().run()
    assert not fresh.exception, fresh.exception
    assert asked == [("tfidf", 0.3, "few_shot")]
    assert BulkJob.from_stored(store.load(token)).rows_done == len(table)


def test_insights_page_opens_the_demo_and_finds_the_planted_segment():
    at = app("pages/insights.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "Insights"
    assert at.selectbox(key="by").value == "product"  # the most telling group column, never an id or a score

    def said() -> str:  # findings are drawn as text, never markdown (a cell could hold a link or an image)
        return " ".join(t.value for t in at.text)

    assert "StreamBox TV: anger" in said()
    at.selectbox(key="by").select("channel").run()
    assert "No segment of channel differs from the rest by 5% points or more beyond noise" in said()
    assert any(c.value.startswith("encoder-fast says ") for c in at.caption)  # a row's label explained
    assert "2026-08: fear" in said()  # the planted period, in words
    drivers = next(d.value for d in at.dataframe if "z-score" in d.value.columns)
    assert {"refund", "hold"} <= set(drivers["Term"].head(5))  # the planted anger drivers (the default emotion)


def test_insights_page_reads_an_uploaded_labelled_file_and_lists_rows_left_out():
    frame = pd.DataFrame(
        {
            "comment": ["I am furious about the refund"] * 30 + ["So happy with it"] * 30 + ["x y z"],
            "store": ["a"] * 30 + ["b"] * 31,
            "label": ["anger"] * 30 + ["joy"] * 30 + ["meh"],
        }
    )
    at = app("pages/insights.py")
    at.segmented_control(key="source").set_value("Upload a labelled file").run()
    at.file_uploader(key="insights_upload").set_value(("mine.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric][:2] == ["60", "1"]
    assert "a: anger 100% against 0% elsewhere" in " ".join(t.value for t in at.text)


def test_compare_page_shows_every_model_in_both_domains():
    at = app("pages/compare.py")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert {"ISEAR dev (766 rows)", "GoEmotions dev (Reddit) (478 rows)"} <= set(table.columns)
    assert "encoder-fast" in table.index
    at.segmented_control(key="compare_domain").set_value("GoEmotions dev (Reddit)").run()
    assert not at.exception, at.exception
    assert any("dev.csv · 478 rows" in c.value for c in at.caption)


def test_bulk_filters_say_how_many_rows_they_leave_and_the_chart_follows_them(table):
    at = labelled_upload(app("pages/bulk.py"), "notes.csv", table.to_csv(index=False).encode(), "text/csv")
    result = at.session_state["bulk_result"]
    low = int(result["low_confidence"].sum())
    assert at.checkbox(key="bulk_only_low").label == f"Only low-confidence rows ({low:,})"
    first = result["consensus_label"].dropna().iloc[0]
    at.multiselect(key="bulk_label_filter").set_value([first]).run()
    assert not at.exception, at.exception
    shown = int((result["consensus_label"] == first).sum())
    assert any(c.value.startswith(f"{shown:,} of {len(result):,} rows shown") for c in at.caption)
    chart = at.get("plotly_chart")[0].proto.spec
    assert f"Rows per emotion ({shown:,} rows, {first})" in chart


def test_a_chart_downloads_as_svg_at_slide_size():
    from emotion.dashboard.charts import probability_bars
    from emotion.insights.report import browser_path
    from ui import common

    if not browser_path():
        pytest.skip("Kaleido needs a Chromium-family browser (scripts/setup.sh dev installs Debian chromium)")
    svg = common._svg(probability_bars([0.1, 0.1, 0.1, 0.1, 0.4, 0.1, 0.1], "A title").to_json())
    assert svg.lstrip().startswith(b"<svg") and b'width="1600"' in svg and b"A title" in svg


def test_every_term_on_compare_has_a_glossary_entry_and_every_metric_a_help_line():
    from emotion.evaluation.comparison import calibration_table, load_evaluation, metrics_table
    from ui.evaluation import CALIBRATION_HELP, COLUMN_HELP, COLUMN_NAMES, GLOSSARY

    terms = [
        "Macro-F1",
        "95% interval",
        "ECE",
        "Brier",
        "Temperature",
        "Pareto front",
        "Cascade",
        "Fallback",
        "Operating point",
        "kappa",
        "Within noise",
    ]
    assert all(any(term.lower() in entry.lower() for entry in GLOSSARY) for term in terms)
    metrics, _ = load_evaluation()
    shown = [COLUMN_NAMES.get(c, c) for c in metrics_table(metrics).columns]
    assert {c for c in shown if c not in ("Model", "Family")} <= set(COLUMN_HELP)
    assert set(calibration_table(metrics).columns) - {"model"} <= set(CALIBRATION_HELP)


def test_bulk_corrections_train_a_custom_model_that_every_list_then_offers(monkeypatch, tmp_path):
    from tests.test_adapt import rows

    monkeypatch.setenv("EMOTION_MODELS_DIR", str(tmp_path / "models"))
    texts, labels = rows()
    frame = pd.DataFrame({"comment": texts})
    at = labelled_upload(app("pages/bulk.py"), "tickets.csv", frame.to_csv(index=False).encode(), "text/csv")
    at.toggle(key="bulk_review_queue").set_value(True).run()
    assert not at.exception, at.exception
    job = at.session_state["bulk_job"]
    for row, label in enumerate(labels):
        job.correct(row, label)
    at.run()
    assert any(e.label.startswith("Train a model on these labels (your 40 corrections)") for e in at.expander)
    at.text_input(key="bulk_adapt_name").input("tickets").run()
    at.button(key="bulk_adapt_run").click().run()
    assert not at.exception, at.exception
    said = " ".join(m.value for m in at.markdown)
    assert "custom:tickets" in said and "cross-validated" in said
    at.button(key="bulk_adapt_save").click().run()
    assert not at.exception, at.exception
    assert (tmp_path / "models" / "tickets" / "card.json").exists()
    at.run()
    assert "custom:tickets" in at.multiselect(key="bulk_models").options


def test_a_new_file_on_insights_drops_the_last_files_report_and_filters():
    """The demo's report, term and segment do not follow the analyst to their own file."""
    frame = pd.DataFrame(
        {
            "ticket": [f"T{i}" for i in range(60)],
            "comment": ["I am furious about the refund"] * 30 + ["So happy with it"] * 30,
            "store": ["a", "b", "c"] * 20,
            "label": ["anger"] * 30 + ["joy"] * 30,
        }
    )
    at = app("pages/insights.py")
    at.text_input(key="term").input("password").run()
    at.button(key="report_build").click().run()
    assert not at.exception, at.exception
    assert any(b.label == "Download report.html" for b in at.get("download_button"))
    at.segmented_control(key="source").set_value("Upload a labelled file").run()
    at.file_uploader(key="insights_upload").set_value(("mine.csv", frame.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not any(b.label == "Download report.html" for b in at.get("download_button"))  # the demo's report
    assert at.text_input(key="term").value == ""
    assert at.selectbox(key="by").value == "store"  # never the ticket id
    assert any("60 of 60 counted rows" in c.value for c in at.caption)
