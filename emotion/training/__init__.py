"""Training: the torch loop shared by the torch families (:mod:`~emotion.training.loop`), the recipes that write
each committed artifact and its card (:mod:`~emotion.training.recipes`), and label-keeping augmentation for
distillation (:mod:`~emotion.training.augment`)."""
