"""Classify: one text, several models side by side."""

import streamlit as st

from emotion import registry
from emotion.dashboard.answers import agreement_line, best_model, classify_text, estimate_seconds, no_emotion_line
from emotion.dashboard.charts import probability_bars, word_bars
from emotion.explanations import explain, texts_to_classify
from emotion.io.language import ENGLISH, detect_language
from ui import common, frame

frame.ensure()

LOW_CONFIDENCE = 0.5

EXAMPLES = [
    "Third time I call this week and I am still waiting for my refund. Unacceptable.",
    "The new update is brilliant, setup took two minutes and everything just works!",
    "I'm worried someone got into my account, my password was changed overnight.",
    "Honestly I feel bad, I broke the charger myself and blamed the delivery.",
    "The hotel room smelled of old smoke and the sheets had stains on them.",
    "Sad to see the store close, I've shopped there every Saturday for ten years.",
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
        st.session_state["classify_results"] = (text, classify_text(text, models), models)

if "classify_results" in st.session_state:
    shown_text, results, models = st.session_state["classify_results"]
    answered = [r.name for r in results if r.label]
    language = detect_language(shown_text)
    if language != ENGLISH:
        st.warning(
            f"This text looks like another language ({language}), not English: the models read English only, so "
            "their answers here are unreliable.",
            icon=":material/translate:",
        )
    calm = no_emotion_line(results)
    if calm:
        st.warning(calm, icon=":material/sentiment_neutral:")
    if not answered:
        st.error("No model gave an answer: " + "; ".join(f"{r.name}: {r.error}" for r in results if r.error))
        st.stop()
    metrics, _ = common.stored_evaluation()
    scores = {name: entry["macro_f1"] for name, entry in metrics["models"].items()}
    default = best_model(answered, scores)
    primary = st.selectbox(
        "Headline answer from",
        answered,
        index=answered.index(default),
        key="classify_primary",
        help="By default the most accurate model chosen (macro-F1 on ISEAR dev); the others follow below.",
    )
    lead = next(r for r in results if r.name == primary)
    left, right = st.columns([1, 2])
    with left:
        note = " (single answer, no probabilities)" if lead.one_hot else ""
        st.metric(
            primary,
            lead.label,
            f"{lead.confidence:.0%} confidence{note}",
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
        if lead.confidence < LOW_CONFIDENCE:
            st.warning(
                f"Low confidence: {primary} is not sure; read the other models' answers below.", icon=":material/help:"
            )
        st.caption(agreement_line(results, models, headline=lead.label))
        if lead.no_emotion == lead.no_emotion:  # not NaN
            st.caption(f"Probability that the text shows no clear emotion: {lead.no_emotion:.0%}")
        st.caption(f"Text: {shown_text[:160]}")
    with right:
        if lead.explanation:
            common.chart(word_bars(lead.explanation, lead.label, primary), "words_primary")
            st.caption("Each bar: how far the answer's probability falls when that word is deleted.")
        elif not models[primary].explains_freely:
            texts = texts_to_classify(shown_text)
            _, cost = estimate_seconds(models[primary], texts)
            price = f", about ${cost:,.4f} for those not cached" if cost else ""
            if st.button(
                f"Explain (sends up to {len(texts)} requests to {primary}{price})", key="classify_explain_llm"
            ):
                explained = explain(models[primary], shown_text, lead.label).top()
                common.chart(word_bars(explained, lead.label, primary), "words_llm")
    others = [r for r in results if r.name != primary]
    if others:
        st.subheader("The other models")
    columns = [column for start in range(0, len(others), 3) for column in st.columns(3)]  # at most 3 a row
    for column, result in zip(columns, others, strict=False):
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
            common.chart(probability_bars(result.proba, "Probabilities"), f"proba_{result.name}")
            note = " (average of the members' answers)" * result.from_members
            if result.answered_by:
                note = f" · answered by {result.answered_by}"
            if result.no_emotion == result.no_emotion:  # not NaN
                note += f" · no clear emotion {result.no_emotion:.0%}"
            st.caption(f"{result.latency_ms:.0f} ms{note}")
            if result.explanation:
                common.chart(word_bars(result.explanation, result.label, result.name), f"words_{result.name}")
