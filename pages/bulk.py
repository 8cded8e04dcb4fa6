"""Bulk label: upload a spreadsheet, label every row with one or more models, review, correct, download."""

import streamlit as st

from ui import bulk, common, frame

frame.ensure()

state = st.session_state
store = common.run_store()
my_runs: list[str] = state.setdefault("bulk_my_runs", [])  # tokens this browser session opened or was given

st.title("Bulk label a spreadsheet")
job = bulk.restore_job(store, my_runs)
recent_slot = st.container()  # filled at the end of the run, so a run started below is counted at once
uploaded = bulk.choose_file()
if job is not None and not bulk.belongs_to(job, uploaded):
    bulk.set_aside(job)
if uploaded is not None:
    bulk.set_up_run(uploaded, store, my_runs)
job = state.get("bulk_job")
if bulk.belongs_to(job, uploaded):
    bulk.offer_resume(job, store)
    bulk.share(store, job)
    if job.parts:
        bulk.results(job, store)
with recent_slot:
    bulk.recent_runs(store, my_runs, state.get("bulk_job"))
