"""The dashboard's Streamlit views, shared by the pages: each page in ``pages/`` only lays these out.

The logic they draw lives in :mod:`emotion`; what lives here is widgets, session state and the page's address.
"""
