"""Classify: one text, several models side by side."""

import streamlit as st

from emotion import registry
from emotion.dashboard.answers import agreement_line, classify_text
from emotion.dashboard.charts import probability_bars, word_bars
from emotion.io.language import ENGLISH, detect_language
from pages import common

EXAMPLES = [
    "My flatmate ate the birthday cake I had baked for my mother and just shrugged.",
    "I finally got the letter: I have been accepted to the university I dreamed of.",
    "Walking home alone at night, I heard someone running up behind me.",
    "I told my friend's secret to the whole team and saw her face fall.",
    "The waiter wiped his nose with his hand and then served our bread.",
    "Our old dog had to be put to sleep last week.",
    "I called my new boss by the wrong name in front of everyone.",
]


def use_example() -> None:
    """Copy the chosen example into the text box."""
    choice = st.session_state["classify_example"]
    if choice in EXAMPLES:
        st.session_state["classify_text"] = choice


st.title("Classify a text")
st.selectbox("Try an example", ["(write your own)", *EXAMPLES], key="classify_example", on_change=use_example)
text = st.text_area(
    "Text",
    height=110,
    key="classify_text",
    placeholder="Describe a situation, e.g. 'I lost my keys again and missed the train.'",
)
names = common.model_picker("Models", registry.local_ready(), key="classify_models")
cascade = common.cascade_picker("classify")

if st.button("Classify", type="primary", key="classify_button"):
    if not text.strip():
        st.error("Enter a text to classify.")
    else:
        ready = common.ready_or_explain(names + ([cascade[0]] if cascade else []))
        models = {name: common.get_model(name, cascade[1] if cascade else None) for name in ready}
        st.session_state["classify_results"] = (text, classify_text(text, models))

if "classify_results" in st.session_state:
    shown_text, results = st.session_state["classify_results"]
    language = detect_language(shown_text)
    if language != ENGLISH:
        st.warning(
            f"This text looks like another language ({language}), not English: the models read English only, so "
            "their answers here are unreliable.",
            icon=":material/translate:",
        )
    st.subheader(agreement_line(results))
    st.caption(f"Results for: {shown_text[:160]}")
    for column, result in zip(st.columns(max(1, len(results))), results, strict=False):
        with column:
            if result.error and result.label is None:
                st.error(f"**{result.name}**: {result.error}")
                continue
            note = " (single answer, no probabilities)" if result.one_hot else ""
            st.metric(
                result.name,
                result.label,
                f"{result.confidence:.0%} confidence{note}",
                delta_color="off",
                delta_arrow="off",
                border=True,
            )
            st.plotly_chart(probability_bars(result.proba), key=f"proba_{result.name}")
            note = " (average of the members' answers)" * result.from_members
            if result.answered_by:
                note = f" · answered by {result.answered_by}"
            st.caption(f"{result.latency_ms:.0f} ms{note}")
            if result.explanation:
                st.plotly_chart(word_bars(result.explanation, result.label), key=f"words_{result.name}")
