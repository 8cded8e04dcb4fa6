"""Streamlit glue shared by the pages: cached models, the sidebar, the model picker, readiness notes, uploads."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from emotion import config, registry
from emotion.classifier import Classifier
from emotion.config import data_dir
from emotion.evaluation.comparison import STORED_EVALUATIONS, load_evaluation
from emotion.io import formats
from emotion.io.datasets import load_isear
from emotion.io.formats import sniff_csv
from emotion.io.tables import DataError, default_sheet, read_table, sheet_names
from emotion.labelling.run_store import RunStore
from emotion.llm.quota import RequestQuota

STATUS_TTL = 30.0


@st.cache_resource(show_spinner="Loading model… (an encoder's first use here exports its ONNX graph: up to a minute)")
def local_model(name: str) -> Classifier:
    """A local model, loaded once per server process and shared by all sessions (no user data in it)."""
    return registry.load(name)


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The store of bulk runs (one per server process); runs untouched for longer than the retention setting go at
    start-up and on every access while the server stays up."""
    store = RunStore(config.runs_db(), retention_days=config.runs_retention_days())
    store.purge(config.runs_retention_days())
    return store


@st.cache_data(show_spinner=False)
def stored_evaluation(domain: str = "ISEAR dev"):
    """A committed dev evaluation (``data/evaluation``, ``data/evaluation/goemotions``)."""
    return load_evaluation(STORED_EVALUATIONS[domain])


@st.cache_data(show_spinner=False)
def goemotions_texts() -> dict[str, str] | None:
    """GoEmotions dev texts by id when its data folder is present (for the disagreement browser)."""
    path = config.goemotions_dir() / "dev.csv"
    if not path.exists():
        return None
    dev = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(dev["id"], dev["text"], strict=True))


@st.cache_data(show_spinner=False)
def isear_texts() -> dict[str, str] | None:
    """ISEAR dev texts by id (as text) when the data folder is present (for the disagreement browser)."""
    try:
        dev = load_isear("dev")
    except (FileNotFoundError, ValueError):
        return None
    return dict(zip(dev.id.astype(str), dev.text, strict=True))


def login_enabled() -> bool:
    """Logins are on when the deployment configures an OIDC provider (``[auth]`` in ``secrets.toml``)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: one analyst on a laptop
        return False


def current_user() -> str | None:
    """The signed-in user's e-mail address (lower case), or ``None`` when logins are off."""
    if not login_enabled() or not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("sub") or "").lower() or None


def api_key() -> str | None:
    """The key typed in this browser session (never cached or shared), else a Streamlit secret or the server's
    environment (``None``). With logins on, the server's key only for the users the deployment names
    (:func:`emotion.config.llm_key_users`); anyone else gets ``""``: no key unless they type their own."""
    typed = st.session_state.get("api_key")
    if typed:
        return typed
    if login_enabled():
        allowed = config.llm_key_users()
        if "*" not in allowed and current_user() not in allowed:
            return ""
    try:
        return st.secrets.get("OPENAI_API_KEY")
    except Exception:
        return None


def llm_quota() -> RequestQuota | None:
    """With logins on, the signed-in user's daily cap on LLM requests (:func:`emotion.config.llm_requests_per_user`),
    unless they typed their own key; ``None`` for one analyst on a laptop."""
    user = current_user()
    if user is None or st.session_state.get("api_key"):
        return None
    return RequestQuota(config.llm_usage_db(), user, config.llm_requests_per_user())


def open_run(store: RunStore, token: str):
    """The stored run ``token`` if this user may open it (its owner, shared with them, or a run without an
    owner); ``None`` otherwise, exactly as for a token that does not exist."""
    return store.load(token) if store.may_open(token, current_user()) else None


def get_model(name: str, fallback_share: float | None = None, prompt_mode: str | None = None) -> Classifier:
    """Local models from the shared cache; LLM classifiers and cascades built per session with this session's key.

    Args:
        name: A registry name.
        fallback_share: Cascades: the share of dev rows whose confidence is below the threshold.
        prompt_mode: LLMs: ``zero_shot`` or ``few_shot`` (default: the sidebar's).
    """
    if registry.shared(name):
        return local_model(name)
    prompt_mode = prompt_mode or st.session_state.get("prompt_mode", "zero_shot")
    return registry.load(
        name, api_key=api_key(), prompt_mode=prompt_mode, fallback_share=fallback_share, quota=llm_quota()
    )


def cascade_picker(key: str) -> tuple[str, float] | None:
    """An optional cascade: a local model answers, a second model (an LLM) only the rows it is least sure of.

    Returns:
        The cascade's name and its fallback share, or ``None`` when not switched on.
    """
    local = registry.local_ready()
    with st.expander("Cascade: ask a second model only where the first is unsure"):
        if not local or not st.toggle("Add a cascade", key=f"{key}_cascade_on"):
            return None
        c1, c2 = st.columns(2)
        first = c1.selectbox("First (local)", local, key=f"{key}_cascade_first")
        others = [n for n in infos() if n != first]
        fallback = c2.selectbox("Fallback", others, key=f"{key}_cascade_fallback")
        share = st.slider(
            "Share of rows sent to the fallback (measured on dev: ISEAR and GoEmotions)",
            0.0,
            1.0,
            0.4,
            0.05,
            key=f"{key}_cascade_share",
        )
        try:
            threshold = registry.cascade_threshold(first, fallback_share=share)
        except ValueError as error:
            st.error(str(error))
            return None
        st.caption(f"Rows where {first}'s calibrated confidence is below {threshold:.3f} go to {fallback}.")
    return f"cascade:{first}+{fallback}", share


def infos() -> dict[str, registry.ModelInfo]:
    """Readiness of every model, LLM servers probed at most every 30 s per session."""
    cached = st.session_state.get("_model_infos")
    fingerprint = (bool(api_key()), st.session_state.get("prompt_mode"))
    if cached and time.time() - cached[0] < STATUS_TTL and cached[1] == fingerprint:
        return cached[2]
    result = {name: registry.info(name, api_key=api_key()) for name in registry.model_names()}
    st.session_state["_model_infos"] = (time.time(), fingerprint, result)
    return result


def model_picker(label: str, default: list[str], key: str) -> list[str]:
    """Multiselect of all models, with unready ones marked; returns the chosen names."""
    available = infos()
    return st.multiselect(
        label,
        list(available),
        default=[d for d in default if d in available],
        key=key,
        format_func=lambda n: n if available[n].status.ready else f"{n} (not ready)",
    )


def ready_or_explain(names: list[str]) -> list[str]:
    """Show a warning with reason and fix for each unready model; return the ready ones."""
    available, ready = infos(), []
    for name in names:
        status = (available.get(name) or registry.info(name, api_key=api_key())).status
        if status.ready:
            ready.append(name)
        else:
            st.warning(f"**{name}** is not ready: {status.reason}", icon=":material/power_off:")
    return ready


def sidebar() -> None:
    """Settings shared by every page: LLM key (this session only) and prompt mode."""
    with st.sidebar:
        st.caption("Seven emotions, several model families. Local models run offline on CPU.")
        with st.expander("LLM settings"):
            st.text_input(
                "OpenAI API key",
                type="password",
                key="api_key",
                help="Kept in this browser session only: never stored, logged or shared.",
            )
            st.radio(
                "Prompt",
                ["zero_shot", "few_shot"],
                key="prompt_mode",
                horizontal=True,
                format_func=lambda m: m.replace("_", "-"),
                help="few-shot puts the most similar ISEAR training examples before the text.",
            )
        st.caption(f"ISEAR data: `{data_dir()}`")
        user = current_user()
        if user:
            st.caption(f"Signed in as **{user}**")
            quota = llm_quota()
            if quota is not None:
                st.caption(f"LLM requests left today: {quota.left():,} of {quota.limit:,} (none with a key you type)")
            if st.button("Log out", key="logout"):
                st.logout()


@dataclass(frozen=True)
class Uploaded:
    """An uploaded table: its rows, its bytes and name, and the sheet read (XLSX)."""

    frame: pd.DataFrame
    raw: bytes
    name: str
    sheet: str | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def read_upload(upload, key: str, max_rows: int | None = None) -> Uploaded | None:
    """An uploaded table as the Bulk and Compare pages read it, or ``None`` after showing why not.

    XLSX gets a sheet picker (the first sheet with data chosen, and said so when it is not the first); CSV
    and TSV show the detected encoding and delimiter; rows with more fields than the header are counted.

    Args:
        upload: The ``st.file_uploader`` value.
        key: Prefix of the widgets' keys (one per page).
        max_rows: Refuse larger files (the bulk page's ``EMOTION_MAX_ROWS``).
    """
    raw = upload.getvalue()
    try:
        file_format = formats.format_for(upload.name)
        sheet = None
        if file_format.name == "XLSX":
            sheets, first = sheet_names(raw), default_sheet(raw)
            index = sheets.index(first) if isinstance(first, str) and first in sheets else 0
            sheet = st.selectbox("Sheet", sheets, index=index, key=f"{key}_sheet")
            if index:
                st.caption(f"Sheet **{first}** chosen: the first sheet with data (the sheets before it are empty).")
        elif file_format.name in ("CSV", "TSV"):
            encoding, delimiter = sniff_csv(raw)
            st.caption(f"Detected encoding `{encoding}`, delimiter `{delimiter!r}`")
        frame = read_table(raw, name=upload.name, sheet=sheet)
        if frame.empty:
            raise DataError(f"{upload.name}: the sheet has no data rows")
        if max_rows is not None and len(frame) > max_rows:
            raise DataError(f"{upload.name}: {len(frame):,} rows is over the limit of {max_rows:,} (EMOTION_MAX_ROWS)")
    except (DataError, formats.FormatError) as error:
        st.error(str(error))
        return None
    if formats.OVERFLOW_COLUMN in frame.columns:
        extra = int(frame[formats.OVERFLOW_COLUMN].notna().sum())
        st.warning(
            f"{extra:,} rows have more fields than the header; every row is kept, their extra fields are "
            f"in the column `{formats.OVERFLOW_COLUMN}`."
        )
    return Uploaded(frame, raw, upload.name, sheet)


@st.cache_data(show_spinner=False)
def _demo_bytes() -> bytes:
    import tempfile
    from pathlib import Path

    from emotion.insights.demo import write_demo

    with tempfile.TemporaryDirectory() as folder:
        return write_demo(Path(folder)).read_bytes()


def demo_upload() -> Uploaded:
    """The demo workbook as if it had been uploaded (it is read the way every upload is)."""
    raw = _demo_bytes()
    name = "customer_feedback_demo.xlsx"
    st.caption(f"Demo file **{name}**: comments this project writes itself, with patterns planted for Insights.")
    return Uploaded(read_table(raw, name=name, sheet="feedback"), raw, name, "feedback")


SLIDE_PNG = {"toImageButtonOptions": {"format": "png", "width": 1600, "height": 900}, "displaylogo": False}
"""The chart tool bar's camera saves a PNG at slide size (1600×900)."""


@st.cache_data(show_spinner=False, max_entries=64)
def _svg(figure_json: str) -> bytes:
    import plotly.io as pio

    return pio.to_image(pio.from_json(figure_json), format="svg", width=1600, height=900)


def chart(figure, key: str, where=None, on_select=None) -> object:
    """A Plotly chart with its PNG at slide size in the tool bar and an SVG download below it (drawn on click, when
    a Chromium-family browser is there for Kaleido).

    Args:
        figure: The figure.
        key: The chart's widget key (the SVG button's key derives from it).
        where: A column or container (default: the page).
        on_select: A callback for selections (points), or ``None`` for a plain chart.
    """
    from emotion.insights.report import browser_path

    where = where or st
    options = {"on_select": on_select, "selection_mode": "points"} if on_select else {}
    event = where.plotly_chart(figure, key=key, config=SLIDE_PNG, **options)
    if browser_path():
        os.environ.setdefault("BROWSER_PATH", browser_path())
        where.download_button(
            "SVG",
            lambda: _svg(figure.to_json()),
            f"{key}.svg",
            "image/svg+xml",
            key=f"{key}_svg",
            on_click="ignore",
            icon=":material/download:",
            help="The chart as SVG, 1600×900, for a slide",
        )
    return event
