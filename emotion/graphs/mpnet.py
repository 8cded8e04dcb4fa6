"""An export-only forward pass of an MPNet sequence classifier, the twin of :mod:`emotion.graphs.bert`.

Same weights, same logits as ``MPNetForSequenceClassification`` (checked in ``tests/test_mpnet_graph.py``),
and a graph ONNX Runtime runs exactly:

- MPNet adds a learned bias per head to each attention score, chosen by the bucket of the relative
  position ``key - query``. transformers computes the bucket at run time with a float ``log``, and an
  exported graph recomputes it with ONNX Runtime's ``log``: at bucket boundaries (distances 16, 32, 64
  with 8 exact buckets) one rounding decides, and the standard export was measured ~0.04 logits off
  the torch model. Here the bias of every relative position up to the model's maximum length is
  computed once in torch and stored as a constant table: the graph only looks it up;
- the classifier reads only ``<s>``, so the last layer computes its query, attention output and
  feed-forward for that token alone; query, key and value are one matrix product with the
  ``1/sqrt(head size)`` scale folded into the query weights;
- attention (scores, position bias, padding mask, softmax, weighted values) is one node, ONNX Runtime's
  fused ``com.microsoft::MultiHeadAttention``, instead of about 20 small ones per layer: int8, one text at a
  time, about 3% faster (``bench/README.md``). The BERT graph keeps plain attention: with this node its
  static int8 ranges lost 0.012 dev macro-F1 (``encoder-fast``).
"""

from __future__ import annotations

import torch
from torch import nn

from emotion.graphs.bert import fused_qkv, split_heads


class Attention(torch.autograd.Function):
    """Multi-head attention over ``(batch, tokens, hidden)`` query, key and value (query pre-scaled), with a
    ``(batch, keys)`` 0/1 padding mask and an additive ``(1, heads, queries, keys)`` position bias.

    Runs in torch; exported as one ``com.microsoft::MultiHeadAttention`` node of ONNX Runtime (``scale=1``:
    the query is already scaled) instead of the ~20 small nodes of scores, mask, softmax and head reshapes.
    """

    @staticmethod
    def forward(ctx, query, key, value, key_mask, bias, heads: int):
        head_size = query.shape[-1] // heads
        scores = split_heads(query, heads, head_size) @ split_heads(key, heads, head_size).transpose(-1, -2)
        scores = scores + bias + (1.0 - key_mask[:, None, None, :].to(scores.dtype)) * torch.finfo(scores.dtype).min
        context = torch.softmax(scores, dim=-1) @ split_heads(value, heads, head_size)
        return context.transpose(1, 2).reshape(query.shape)

    @staticmethod
    def symbolic(g, query, key, value, key_mask, bias, heads: int):
        from torch.onnx.symbolic_helper import _optional_input_placeholder_tensor

        mask = g.op("Cast", key_mask, to_i=6)  # int32, as the contrib op reads it
        return g.op(
            "com.microsoft::MultiHeadAttention",
            query,
            key,
            value,
            _optional_input_placeholder_tensor(g),  # no input projection bias: the fused product has it
            mask,
            bias,
            num_heads_i=heads,
            scale_f=1.0,
        )


class ClsOnlyMPNet(nn.Module):
    """``MPNetForSequenceClassification`` logits from ``(input_ids, attention_mask)``, right-padded batches.

    Args:
        model: A merged (no adapter) ``MPNetForSequenceClassification``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        config = model.config
        if config.hidden_act != "gelu":
            raise ValueError("ClsOnlyMPNet supports exact GELU only")
        mpnet = model.mpnet
        self.embeddings = mpnet.embeddings
        self.layers = mpnet.encoder.layer
        self.classifier = model.classifier
        self.heads = config.num_attention_heads
        self.head_size = config.hidden_size // self.heads
        self.padding_idx = mpnet.embeddings.padding_idx
        self.qkv = nn.ModuleList(
            fused_qkv(a.q, a.k, a.v, self.head_size) for a in (layer.attention.attn for layer in self.layers)
        )
        self.max_tokens = config.max_position_embeddings - self.padding_idx - 1
        with torch.no_grad():
            relative = torch.arange(-(self.max_tokens - 1), self.max_tokens)
            buckets = mpnet.encoder.relative_position_bucket(relative, config.relative_attention_num_buckets)
            # (2 * max_tokens - 1, heads): the bias of relative position r sits at row r + max_tokens - 1
            self.register_buffer("relative_bias", mpnet.encoder.relative_attention_bias(buckets).clone())
        self.eval()

    def _position_bias(self, tokens: int) -> torch.Tensor:
        """``(1, heads, tokens, tokens)``: the bias added to the score of query ``i`` for key ``j``."""
        positions = torch.arange(tokens)
        relative = positions[None, :] - positions[:, None] + (self.max_tokens - 1)
        return self.relative_bias[relative].permute(2, 0, 1).unsqueeze(0)

    def _layer(
        self, index: int, hidden: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor, first_only: bool
    ) -> torch.Tensor:
        layer = self.layers[index]
        query, key, value = self.qkv[index](hidden).chunk(3, dim=-1)
        residual = hidden
        if first_only:
            query, residual, bias = query[:, :1], hidden[:, :1], bias[:, :, :1]
        context = Attention.apply(query, key, value, mask, bias, self.heads)
        attended = layer.attention.LayerNorm(layer.attention.attn.o(context) + residual)
        inner = nn.functional.gelu(layer.intermediate.dense(attended))
        return layer.output.LayerNorm(layer.output.dense(inner) + attended)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embeddings = self.embeddings
        # transformers numbers real tokens from padding_idx + 1 and gives padding padding_idx
        positions = torch.cumsum(attention_mask, dim=1) * attention_mask + self.padding_idx
        hidden = embeddings.word_embeddings(input_ids) + embeddings.position_embeddings(positions)
        hidden = embeddings.LayerNorm(hidden)
        bias = self._position_bias(input_ids.shape[1])
        for index in range(len(self.layers)):
            hidden = self._layer(index, hidden, attention_mask, bias, first_only=index == len(self.layers) - 1)
        head = self.classifier
        features = torch.tanh(head.dense(hidden[:, 0]))
        return head.out_proj(features), features  # the logits, and the features the head reads (for adaptation)
