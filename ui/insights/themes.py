"""Themes: discover (a background job with progress), or apply a saved taxonomy; the themes with their words,
sizes and comments; theme × emotion; what each emotion is about; and the analyst's edits."""

from __future__ import annotations

import json
import time

import pandas as pd
import streamlit as st

from emotion.insights import charts, segments
from emotion.insights.analyses.themes import Themes
from emotion.insights.contract import Choices
from emotion.insights.prepared import Prepared
from emotion.io import formats
from emotion.labels import LABELS
from emotion.llm.presets import load_presets
from emotion.themes.discover import OTHER
from emotion.themes.job import ThemesJob, ThemesResult
from emotion.themes.naming import ThemeNamer
from emotion.themes.taxonomy import Taxonomy, TaxonomyError, clean_name, saved_names, saved_path
from ui import common
from ui.insights.choices import min_difference
from ui.insights.text import quote

DISCOVER = "Discover themes"


def result_key(prepared: Prepared) -> tuple:
    return (st.session_state.get("insights_table"), prepared.table.text_column, len(prepared.table.frame))


def current(prepared: Prepared) -> ThemesResult | None:
    """The themes of this table in this session (``None`` until discovered or applied)."""
    kept = st.session_state.get("themes_state")
    return kept[1] if kept and kept[0] == result_key(prepared) else None


def keep(prepared: Prepared, result: ThemesResult) -> None:
    st.session_state["themes_state"] = (result_key(prepared), result)
    prepared.with_themes(result.labels, result.method)


def run(prepared: Prepared, taxonomy: Taxonomy | None) -> None:
    """The themes job with a progress bar; the page waits for it (a Stop reruns the page and stops it)."""
    texts = prepared.table.frame[prepared.table.text_column]
    job = ThemesJob(texts, taxonomy=taxonomy, k=st.session_state.get("themes_k") or None).start()
    with st.status("Finding themes…", expanded=True) as status:
        bar, began = st.progress(0.0), time.time()
        try:
            while job.wait(0.25):
                bar.progress(job.progress, text=f"{job.stage} · {time.time() - began:,.0f} s")
        finally:
            job.stop()
        if job.error is not None:
            status.update(label=f"Themes failed: {job.error}", state="error")
            return
        status.update(label=f"Themes found in {time.time() - began:,.1f} s", state="complete")
    keep(prepared, job.result)


def source_controls(prepared: Prepared) -> None:
    saved = saved_names()
    c1, c2, c3 = st.columns([2, 1, 1])
    choice = c1.selectbox(
        "Themes from",
        [DISCOVER, *saved],
        key="themes_source",
        bind="query-params",
        help="Discover them in these comments, or apply a taxonomy you saved (kept in your folder).",
    )
    c2.number_input("How many (0: chosen by the data)", 0, 120, 0, key="themes_k", bind="query-params")
    reopened = "themes" in st.query_params and current(prepared) is None  # a link to a view with themes
    if c3.button("Find themes", type="primary", key="themes_run") or reopened:
        st.query_params["themes"] = "on"  # the link reopens with the same themes (same source, count and seed)
        taxonomy = None
        if choice != DISCOVER:
            try:
                taxonomy = Taxonomy.load(saved_path(choice))
            except TaxonomyError as error:
                st.error(str(error))
                return
        run(prepared, taxonomy)
    upload = st.file_uploader("Or import a taxonomy (JSON)", type=["json"], key="themes_import")
    if upload is not None and st.button("Apply the imported taxonomy", key="themes_apply_import"):
        try:
            taxonomy = Taxonomy.from_json(json.loads(upload.getvalue()))
        except (TaxonomyError, ValueError) as error:
            st.error(f"{upload.name}: {error}")
            return
        run(prepared, taxonomy)


def apply_edit(prepared: Prepared, result: ThemesResult, action: str) -> None:
    """One change to the themes, from its form's fields. A callback: it runs before the page is drawn, so every view
    draws the new themes in the same run (no second run of the whole page)."""
    state = st.session_state
    texts = prepared.table.frame[prepared.table.text_column]
    taxonomy = Taxonomy([*result.taxonomy.themes])
    try:
        if action == "Rename":
            old = state.get("themes_rename_old")
            if not old:
                return
            changed = result.renamed({old: clean_name(state.get("themes_rename_new", ""))})  # the same rows renamed
        elif action == "Merge":
            picked, into = list(state.get("themes_merge_pick") or []), state.get("themes_merge_name") or None
            merged = taxonomy.merge(picked, into)  # the themes picked, one theme now
            changed = result.merged(merged, picked, clean_name(into or picked[0]), texts)
        elif action == "Split":
            changed = result.split(state.get("themes_split_pick"), texts)
        elif action == "Delete":
            changed = result.reassigned(taxonomy.delete(state.get("themes_delete_pick")), texts)
        else:
            defined = taxonomy.define(
                state.get("themes_define_name", ""),
                keywords=[k for k in state.get("themes_define_keywords", "").split(",") if k.strip()],
                examples=[e for e in state.get("themes_define_examples", "").splitlines() if e.strip()],
            )
            changed = result.reassigned(defined, texts)
    except TaxonomyError as error:
        state["themes_edit_error"] = str(error)
        return
    keep(prepared, changed)
    state["themes_editing"] = True  # the expander stays open from one edit to the next


def edit(prepared: Prepared, result: ThemesResult) -> None:
    """Rename, merge, split, delete, define by keywords or examples; save and export the taxonomy."""
    names = result.taxonomy.names
    with st.expander(
        "Shape the themes: rename, merge, split, delete, define your own; save or export",
        expanded=st.session_state.get("themes_editing", False),
    ):
        action = st.radio(
            "Change", ["Rename", "Merge", "Split", "Delete", "Define"], horizontal=True, key="themes_action"
        )
        # Each change is a form (its fields reach the server with the click, never a click before a name) or a
        # button, applied by a callback before the page is drawn.
        edit_args = {"on_click": apply_edit, "args": (prepared, result, action)}
        if action == "Rename":
            with st.form("themes_rename_form", border=False):
                st.selectbox("Theme", names, key="themes_rename_old")
                st.text_input("New name", key="themes_rename_new")
                st.form_submit_button("Rename", key="themes_rename", **edit_args)
        elif action == "Merge":
            with st.form("themes_merge_form", border=False):
                st.multiselect("Themes to merge", names, key="themes_merge_pick")
                st.text_input("Name of the merged theme (default: the first)", key="themes_merge_name")
                st.form_submit_button("Merge", key="themes_merge", **edit_args)
        elif action == "Split":
            st.selectbox("Theme", names, key="themes_split_pick")
            st.button("Split in two", key="themes_split", **edit_args)
        elif action == "Delete":
            st.selectbox("Theme", names, key="themes_delete_pick")
            st.button("Delete (its rows go to the nearest other theme)", key="themes_delete", **edit_args)
        else:
            with st.form("themes_define_form", border=False):
                st.text_input("Name", key="themes_define_name")
                st.text_input("Keywords (comma-separated)", key="themes_define_keywords")
                st.text_area("Or example comments (one a line)", key="themes_define_examples")
                st.form_submit_button("Add the theme", key="themes_define", **edit_args)
        error = st.session_state.pop("themes_edit_error", None)
        if error:
            st.error(error)
        c1, c2 = st.columns(2)
        save_as = c1.text_input(
            "Save as (in your folder, applied to the next file from 'Themes from')", key="themes_save"
        )
        if c1.button("Save the taxonomy", key="themes_save_button") and save_as:
            try:
                path = result.taxonomy.save(saved_path(save_as))
                st.success(f"Saved as {path.stem}.")
            except TaxonomyError as error:
                st.error(str(error))
        c2.download_button(
            "Export the taxonomy (JSON)",
            lambda: json.dumps(result.taxonomy.to_json(), indent=1),  # written on the click, not on every run
            "taxonomy.json",
            "application/json",
            key="themes_export",
            on_click="ignore",
        )


def name_with_llm(prepared: Prepared, result: ThemesResult) -> None:
    """On request, an LLM (any preset) names the themes: the estimate first, then one request per theme."""
    with st.expander("Name the themes with an LLM (optional)"):
        presets = load_presets()
        choice = st.selectbox("LLM", sorted(presets), key="themes_llm")
        namer = ThemeNamer(presets[choice], api_key=common.api_key(), quota=common.llm_quota())
        themes = result.method.get("themes", [])
        estimate = namer.estimate(themes)
        st.caption(
            f"Before anything is sent: {estimate.line()}. It reads each theme's words and up to five of its comments; "
            "answers are cached, so naming the same themes again costs nothing."
        )
        if st.button("Name the themes", key="themes_llm_run"):
            try:
                with st.spinner(f"Asking {choice}…"):
                    names = namer.names(themes)
            except (RuntimeError, TaxonomyError) as error:
                st.error(str(error))
                return
            if not names:
                st.info("No usable new name came back: the names stay as they were.")
                return
            keep(prepared, result.renamed(names))
            st.rerun()


def draw(prepared: Prepared) -> None:
    if not prepared.table.text_column:
        st.info("No text column: themes need the comments.")
        return
    source_controls(prepared)
    result = current(prepared)
    if result is None:
        st.caption("Themes group the comments by what they are about, then cross them with the emotions.")
        return
    prepared.with_themes(result.labels, result.method)
    analysis = Themes()
    choices = Choices(by=tuple(c for c in (st.session_state.get("by"),) if c), min_difference=min_difference())
    section = prepared.memo(("themes", choices, prepared.themes_version), lambda: analysis.compute(prepared, choices))
    table = pd.DataFrame(
        [
            {
                "theme": t["name"],
                "rows": t["rows"],
                "share": f"{t['share']:.0%}",
                "words": ", ".join(t["terms"][:6]),
                **{e: f"{t['emotions'].get(e, {}).get('share', 0):.0%}" for e in LABELS},
            }
            for t in section["themes"]
        ]
    )
    st.dataframe(table, hide_index=True, column_config={"words": st.column_config.TextColumn(width="large")})
    if result.method.get("note"):
        st.warning(result.method["note"])
    figure = prepared.memo(
        ("themes_chart", prepared.themes_version),
        lambda: charts.segment_bars(segments.segment_shares(prepared.row_themes(), prepared.rows["emotion"]), "theme"),
    )
    common.chart(figure, "themes_chart")
    st.markdown("**In words**:")
    said = analysis.sentences(section)
    if said:  # one block (as text: the sentences quote the file's values), not an element per sentence
        st.text("\n".join(f"• {sentence}" for sentence in said))
    emotion = st.selectbox("What is this emotion about?", LABELS, key="themes_emotion")
    ranked = section["by_emotion"].get(emotion, [])
    if ranked:
        st.dataframe(
            pd.DataFrame(ranked).rename(
                columns={"holds": f"share of all {emotion}", "share_within": f"{emotion} within the theme"}
            ),
            hide_index=True,
        )
        top = next((r["theme"] for r in ranked if r["theme"] != OTHER), None)
        if top:
            st.caption(f"Comments of '{top}' labelled {emotion}:")
            rows = prepared.rows
            picked = rows.loc[(prepared.row_themes() == top) & rows["emotion"].eq(emotion)].head(3)
            for comment in picked[prepared.table.text_column]:
                quote(comment, [])
    others = prepared.table.frame.loc[prepared.themes.eq(OTHER).to_numpy()]
    if len(others):
        with st.expander(f"Rows that fit no theme ('other'): {len(others):,}"):
            st.dataframe(others[[prepared.table.text_column]].head(1000), hide_index=True)
    st.download_button(
        "Download the table with a theme column (CSV)",
        lambda: formats.to_bytes(prepared.table.frame.assign(theme=prepared.themes.to_numpy()), "CSV"),
        "with_themes.csv",
        "text/csv",
        key="themes_download",
        on_click="ignore",
    )
    edit(prepared, result)
    name_with_llm(prepared, result)
    st.caption(
        f"How: {result.method.get('clustering', result.method.get('source', ''))}; rows assigned by "
        f"{result.method.get('assigned_by', 'the taxonomy')}."
    )
