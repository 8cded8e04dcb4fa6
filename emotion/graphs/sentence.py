"""Sentence embeddings from the base encoder (all-MiniLM-L6-v2, as it was trained: mean of the last layer's
tokens, L2-normalised), as an ONNX graph built once into the cache, so themes need no torch at run time."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from emotion.graphs.onnx import batch_arrays, cached_graph, fast_tokenizer
from emotion.pretrained import MINILM_SHA256, minilm_path

GRAPH_VERSION = "1"
"""Bumped when :class:`MeanPooled` changes, so the cached graph is rebuilt."""


def _module():
    import torch
    from torch import nn
    from transformers import AutoModel

    class MeanPooled(nn.Module):
        """The encoder's last hidden states averaged over real tokens, then L2-normalised."""

        def __init__(self, encoder: nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return MeanPooled(AutoModel.from_pretrained(minilm_path()).eval())


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence embeddings on ONNX Runtime (per-token int8: a text's vector is its own whatever its
    batch-mates).

    Args:
        max_length: Longer texts are cut to this many tokens.
        batch_size: Texts per forward pass (sorted by length, so batches pad little).
    """

    dimensions = 384

    def __init__(self, max_length: int = 128, batch_size: int = 32) -> None:
        import onnxruntime as ort

        from emotion import config

        def build(tmp: Path) -> None:  # torch, only when the cache lacks this graph
            from transformers import AutoTokenizer

            from emotion.graphs.onnx import export_module

            tokenizer = AutoTokenizer.from_pretrained(minilm_path())
            export_module(_module(), tokenizer, tmp, outputs=("embedding",), quantization="int8-per-token")

        path = cached_graph(f"sentence-minilm-{MINILM_SHA256[:8]}-v{GRAPH_VERSION}-int8t", build)
        options = ort.SessionOptions()
        options.intra_op_num_threads = config.threads()
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = fast_tokenizer(minilm_path(), max_length)
        self.batch_size = batch_size

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """``(n, 384)`` unit vectors, one per text (an empty text gets the zero vector)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([str(t) for t in texts])
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            ids, mask = batch_arrays([encodings[i] for i in idx])
            out[idx] = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]
            if progress:
                progress(min(start + self.batch_size, len(texts)) / max(len(texts), 1))
        return out


@functools.cache
def shared() -> SentenceEncoder:
    """One encoder per process."""
    return SentenceEncoder()
