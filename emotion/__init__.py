"""Seven-emotion text classification (ISEAR labels): models, training, evaluation, bulk labelling.

Nothing here imports streamlit. Hub downloads are off unless ``HF_HUB_OFFLINE=0`` is set explicitly:
every default model is built from weights installed as Python packages.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

__version__ = "0.1.0"
