"""Text-to-text classifier: scores each of the seven label words as the target sequence.

No free generation: for every text the decoder computes the log-likelihood of each label word in one
batched pass, and a softmax over the seven sums gives the probabilities. A model trained with the "no emotion"
output scores an eighth word, :data:`NO_EMOTION_WORD`. Works with any
``AutoModelForSeq2SeqLM`` checkpoint (T5, BART, an ``EncoderDecoderModel``); the committed default is
an encoder-decoder warm-started from MiniLM (6 encoder layers, the first 2 as a decoder with new
cross-attention) fine-tuned on ISEAR with LoRA.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers.modeling_outputs import BaseModelOutput

from emotion.artifacts import artifact_dir, read_card
from emotion.labels import LABELS
from emotion.models.encoder import minilm_path
from emotion.models.torch_base import TorchClassifier

SPEC_FILE = "seq2seq.json"
NO_EMOTION_WORD = "neutral"
"""The label word scored for "no emotion" (one word, as the seven are)."""
LORA_REGEX = (
    r".*\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"
)


class Seq2SeqClassifier(TorchClassifier):
    """Scores the label words with an encoder-decoder model.

    Args:
        model: An encoder-decoder LM (``get_encoder()`` and ``decoder_input_ids`` supported).
        tokenizer: Its tokenizer.
        prefix: Prepended to every text (T5 style task prefix).
        max_length: Longer texts are truncated to this many tokens.
        no_emotion: Also score :data:`NO_EMOTION_WORD`, the eighth output.
    """

    name = "seq2seq"
    expected_texts_per_s = 120.0
    family = "seq2seq"
    description = "MiniLM encoder-decoder scoring the label words (LoRA)"
    default_batch_size = 64
    adapter_half = True  # the LoRA matrices and the cross-attention stored in fp16 (about 6 MB instead of 12)

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer,
        prefix: str = "emotion: ",
        max_length: int = 128,
        no_emotion: bool = False,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.prefix = prefix
        self.max_length = max_length
        words = (*LABELS, NO_EMOTION_WORD) if no_emotion else LABELS
        self.outputs = len(words)
        config = model.config
        start = config.decoder_start_token_id
        if start is None and hasattr(config, "decoder"):
            start = config.decoder.bos_token_id
        end = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else tokenizer.sep_token_id
        pad = tokenizer.pad_token_id or 0
        sequences = [[*tokenizer(word, add_special_tokens=False).input_ids, end] for word in words]
        width = max(map(len, sequences))
        self.targets = torch.tensor([s + [pad] * (width - len(s)) for s in sequences])
        self.target_mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences])
        self.decoder_inputs = torch.cat([torch.full((len(words), 1), start), self.targets[:, :-1]], dim=1)

    @classmethod
    def from_pretrained(cls, path: str, **kwargs) -> Seq2SeqClassifier:
        """Any seq2seq checkpoint from a local path (or a hub id where the hub is reachable)."""
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        return cls(AutoModelForSeq2SeqLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path), **kwargs)

    @staticmethod
    def minilm_encoder_decoder(decoder_layers: int = 2, seed: int = 0):
        """MiniLM as encoder, its first ``decoder_layers`` layers as decoder (cross-attention is new)."""
        from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer, EncoderDecoderModel

        base = minilm_path()
        torch.manual_seed(seed)
        config = AutoConfig.from_pretrained(
            base, is_decoder=True, add_cross_attention=True, num_hidden_layers=decoder_layers
        )
        model = EncoderDecoderModel(
            encoder=AutoModel.from_pretrained(base), decoder=AutoModelForCausalLM.from_pretrained(base, config=config)
        )
        tokenizer = AutoTokenizer.from_pretrained(base)
        model.config.decoder_start_token_id = tokenizer.cls_token_id
        model.config.pad_token_id = tokenizer.pad_token_id
        return model, tokenizer

    @classmethod
    def from_minilm(
        cls, decoder_layers: int = 2, rank: int = 16, seed: int = 0, no_emotion: bool = False
    ) -> Seq2SeqClassifier:
        """A trainable MiniLM encoder-decoder: LoRA everywhere, cross-attention and LM transform trained fully
        (``no_emotion``: with the eighth word)."""
        from peft import LoraConfig, get_peft_model

        model, tokenizer = cls.minilm_encoder_decoder(decoder_layers, seed)
        config = LoraConfig(
            r=rank,
            lora_alpha=2 * rank,
            lora_dropout=0.1,
            target_modules=LORA_REGEX,
            modules_to_save=["crossattention", "transform"],
        )
        classifier = cls(get_peft_model(model, config), tokenizer, no_emotion=no_emotion)
        classifier.decoder_layers = decoder_layers
        return classifier

    @classmethod
    def load(cls, folder: Path | None = None, members=None) -> Seq2SeqClassifier:
        """The committed model: rebuilt from MiniLM, adapter applied and merged."""
        from peft import PeftModel

        folder = folder or artifact_dir(cls.name)
        read_card(folder)
        spec = json.loads((folder / SPEC_FILE).read_text())
        model, tokenizer = cls.minilm_encoder_decoder(spec["decoder_layers"])
        model = PeftModel.from_pretrained(model, str(folder)).merge_and_unload().eval()
        return cls(
            model,
            tokenizer,
            prefix=spec["prefix"],
            max_length=spec["max_length"],
            no_emotion=spec.get("no_emotion", False),
        )

    def logits(self, texts: list[str]) -> torch.Tensor:
        """``(n, 7)`` (or ``(n, 8)``) log-likelihoods of the label sequences: one encoder pass, one batched decoder
        pass."""
        batch = self.tokenizer(
            [self.prefix + t for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        hidden = self.model.get_encoder()(
            input_ids=batch.input_ids, attention_mask=batch.attention_mask
        ).last_hidden_state
        n, k = len(texts), self.outputs
        out = self.model(
            encoder_outputs=BaseModelOutput(last_hidden_state=hidden.repeat_interleave(k, dim=0)),
            attention_mask=batch.attention_mask.repeat_interleave(k, dim=0),
            decoder_input_ids=self.decoder_inputs.repeat(n, 1),
            decoder_attention_mask=torch.ones_like(self.decoder_inputs).repeat(n, 1),
        )
        logp = out.logits.log_softmax(-1).gather(-1, self.targets.repeat(n, 1).unsqueeze(-1)).squeeze(-1)
        return (logp * self.target_mask.repeat(n, 1)).sum(-1).view(n, k)

    def save(self, folder: Path) -> list[str]:
        """Write the adapter, the trained cross-attention and the spec to rebuild the model."""
        files = super().save(folder)
        spec = {
            "decoder_layers": self.decoder_layers,
            "prefix": self.prefix,
            "max_length": self.max_length,
            "no_emotion": self.outputs > len(LABELS),
        }
        (folder / SPEC_FILE).write_text(json.dumps(spec, indent=2) + "\n")
        return [*files, SPEC_FILE]
