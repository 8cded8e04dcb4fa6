"""Dashboard pages; ``common`` holds the Streamlit glue shared by them (caching, sidebar, model picker)."""
