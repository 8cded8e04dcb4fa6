"""Bulk labelling: the labelled table's columns (:mod:`~emotion.labelling.table`), the background job shared
by the CLI and the Bulk page (:mod:`~emotion.labelling.jobs`), the local file engine
(:mod:`~emotion.labelling.local`), the Ray Data engine (:mod:`~emotion.labelling.ray_engine`) and the SQLite
store that keeps runs across refreshes (:mod:`~emotion.labelling.run_store`)."""
