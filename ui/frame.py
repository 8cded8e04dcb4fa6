"""The shared frame every page stands in: the router sets it up; a page opened without it gets it.

Streamlit still treats an app with a ``pages/`` folder as a legacy multipage app until the router (``st.navigation``
in ``streamlit_app.py``) has run once in the server process: the very first session that opens a sub-page address
after a start (``/bulk?run=…``, a stakeholder's link) would run that page alone, with no sidebar settings and a file
list as navigation. :func:`ensure` switches the process to the router and reruns, so the page is drawn inside the
frame, at the same address.
"""

from __future__ import annotations

import functools

import streamlit as st

from emotion import config
from ui import common

DRAWN = "_frame_drawn"


def drawn() -> None:
    """The router marks the session: the frame is drawn (``streamlit_app.py``, before it runs the page)."""
    st.session_state[DRAWN] = True


def ensure() -> None:
    """Rerun through the router when this page was started by the legacy ``pages/`` runner without the frame
    (first line of a page)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get(DRAWN):
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_login() -> None:
    """With logins on (``docs/deploy.md``), a visitor who is not signed in sees only the login button; a signed-in
    user's custom models and taxonomies are read from and saved to their own folders for this script run."""
    if common.login_enabled() and not st.user.is_logged_in:
        st.title("Emotion analytics")
        st.write("Sign in to see your runs and the runs shared with you.")
        if st.button("Log in", type="primary", key="login"):
            st.login()
        st.stop()
    config.set_user(common.current_user())


@functools.cache
def page_icon():
    """The browser tab's icon, drawn here: a named Material icon or an emoji would be fetched from a CDN on every
    page load, and the dashboard makes no request off the machine."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 60, 60), fill=(31, 119, 180, 255))
    draw.ellipse((20, 22, 27, 29), fill="white")
    draw.ellipse((37, 22, 44, 29), fill="white")
    draw.arc((18, 24, 46, 48), start=20, end=160, fill="white", width=4)
    return image
