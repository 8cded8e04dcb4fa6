"""Input and output: the file formats users bring and take away (:mod:`~emotion.io.formats`), reading their
tables (:mod:`~emotion.io.tables`), files on disk (:mod:`~emotion.io.files`), the labelled data sets
(:mod:`~emotion.io.datasets`) and the checks every text passes before a model sees it (:mod:`~emotion.io.text`).
Nothing here knows about models."""
