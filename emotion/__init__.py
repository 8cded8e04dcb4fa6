"""Seven-emotion text classification (ISEAR labels): models, training, evaluation, bulk labelling, insights.

Nothing here imports streamlit, and importing it changes no environment variable. Every default model is
built from weights installed as Python packages (local folders); the entry points (``python -m emotion``, the
dashboard) also turn hub downloads off for their own process unless ``HF_HUB_OFFLINE=0`` is set.
"""

__version__ = "0.1.0"
