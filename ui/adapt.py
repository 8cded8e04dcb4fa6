"""'Train a model on these labels': the panel the Bulk page (its corrections) and Compare (a labelled file) share.

It draws an :class:`emotion.training.adapt.AdaptJob`'s state: the checks of the rows, the progress with Stop, the
cross-validated comparison with the base models, and Save.
"""

import time

import streamlit as st

from emotion import registry
from emotion.training.adapt import AdaptArgs, AdaptDataError, AdaptJob, AdaptStage, check_adapt_data


def draw_progress(job: AdaptJob, key: str) -> None:
    """The running job's stage and progress with a Stop button, redrawn 4 times a second until it ends."""
    with st.status(f"Training {job.model_name}…", expanded=True) as status:
        st.button("Stop", key=f"{key}_adapt_stop")
        bar = st.progress(0.0)
        try:
            while job.wait(0.25):
                bar.progress(min(job.progress, 1.0), text=str(job.stage))
        finally:  # a click on Stop reruns the page and interrupts this loop
            job.stop()
        if job.error is not None:
            status.update(label=f"Stopped by an error: {job.error}", state="error")
        elif job.compared:
            status.update(label=f"Compared in {job.seconds:,.1f} s", state="complete")
        else:
            status.update(label="Stopped", state="error")


def adapt_panel(texts: list, labels: list, key: str, what: str) -> None:
    """Check the rows, then offer to train ``custom:NAME`` on them, compare it, and save it.

    Args:
        texts, labels: The labelled rows (labels may name no emotion: they are left out and counted).
        key: Widget key prefix of the page.
        what: The rows in words ("your 120 corrections").
    """
    state = st.session_state
    with st.expander(f"Train a model on these labels ({what})", icon=":material/model_training:"):
        try:
            data = check_adapt_data(texts, labels)
        except AdaptDataError as error:
            st.info(f"Not yet: {error}.")
            return
        for warning in data.warnings:
            st.caption(f"Left out: {warning}.")
        bases = registry.adaptable_models()
        if not bases:
            st.warning("No model that can be adapted is ready (the encoders on ONNX Runtime can).")
            return
        c1, c2 = st.columns(2)
        name = c1.text_input("Name (the model becomes custom:NAME)", key=f"{key}_adapt_name", placeholder="my-tickets")
        base = c2.selectbox("Adapt", bases, key=f"{key}_adapt_base", help="the model whose answers are corrected")
        others = [n for n in registry.local_ready() if n != base]
        compare_with = st.multiselect("Also compare with", others, key=f"{key}_adapt_compare")
        st.caption(
            f"{len(data.texts):,} labelled rows. The new model is scored by cross-validation on them against "
            f"{base} (and any model chosen above) before you save it."
        )
        if st.button("Train a model on these labels", key=f"{key}_adapt_run", type="primary", disabled=not name):
            try:
                job = AdaptJob(name, data, AdaptArgs(base=base), tuple(compare_with), save=False)
            except AdaptDataError as error:
                st.error(str(error))
                return
            state[f"{key}_adapt_job"] = job.start()
            draw_progress(job, key)
        job: AdaptJob | None = state.get(f"{key}_adapt_job")
        if job is None:
            return
        if job.wait(0):
            draw_progress(job, key)
        if job.error is not None:
            st.error(f"Training stopped by an error: {job.error}")
            return
        if not job.compared:
            st.info("Stopped before the comparison: nothing to save.")
            return
        comparison = job.comparison
        st.markdown(f"**{job.model_name}**: {comparison.summary(job.args.base)}.")
        st.dataframe(
            {
                "model": [f"{job.model_name} (cross-validated)", *comparison.models],
                "macro-F1 on your labels": [comparison.adapted, *comparison.models.values()],
            },
            hide_index=True,
        )
        if job.stage == AdaptStage.DONE and job.card is not None:
            st.success(f"Saved {job.model_name}: pick it in any model list.", icon=":material/check:")
        elif st.button(f"Save {job.model_name}", key=f"{key}_adapt_save"):
            job.save()
            state.pop("_model_infos", None)  # the model lists read the new model at once
            st.success(f"Saved {job.model_name} at {time.strftime('%H:%M')}: pick it in any model list.")
