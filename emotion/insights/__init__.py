"""Insights: from a labelled table to findings an analyst can present.

:mod:`~emotion.insights.table` recognises a labelled table (this project's ``label`` output or a file labelled
elsewhere) and counts every row it leaves out; :mod:`~emotion.insights.shares` estimates the share of each
emotion (classify-and-count, probabilistic, adjusted for the model's measured confusion);
:mod:`~emotion.insights.segments`, :mod:`~emotion.insights.periods`, :mod:`~emotion.insights.drivers` and
:mod:`~emotion.insights.examples` answer where, when, what about and which comments;
:mod:`~emotion.insights.report` writes them as a folder to hand on, and :mod:`~emotion.insights.demo` writes the
demo workbook with its answer key. Nothing here imports streamlit; the Insights page only draws these answers.
"""
