"""Themes: what the comments are about, discovered from their sentence embeddings (:mod:`~emotion.themes.discover`),
named by their distinctive words, shaped by the analyst as a taxonomy saved to a small JSON file
(:mod:`~emotion.themes.taxonomy`), and run as a background job (:mod:`~emotion.themes.job`)."""
