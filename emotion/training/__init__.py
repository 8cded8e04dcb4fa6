"""Training, by step: the data (:mod:`~emotion.training.data`), teachers for distillation
(:mod:`~emotion.training.distillation`), the ISEAR-only first stage (:mod:`~emotion.training.isear_stage`), the
two-domain second stage (:mod:`~emotion.training.two_domain_stage`), the ensemble (:mod:`~emotion.training.ensemble`),
publishing with calibration (:mod:`~emotion.training.publishing`) and the served ONNX graph
(:mod:`~emotion.training.served_graph`); the torch loop they share (:mod:`~emotion.training.loop`), adaptation to a
user's labels (:mod:`~emotion.training.adapt`) and label-keeping augmentation (:mod:`~emotion.training.augment`)."""
