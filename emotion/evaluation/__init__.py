"""Judging models: metrics with bootstrap intervals (:mod:`~emotion.evaluation.metrics`), fitting calibration and
its scores, ECE and Brier (:mod:`~emotion.evaluation.calibration`), cross-validation over stored predictions
(:mod:`~emotion.evaluation.crossval`), imported prediction sets, the ``evaluate`` job and the comparison tables the
Compare page draws (:mod:`~emotion.evaluation.comparison`). Serving never imports this folder."""
