"""The text-to-text classifier: any seq2seq checkpoint (a tiny random T5 here) and the MiniLM encoder-decoder."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

from emotion.labels import LABELS
from emotion.models.encoder import minilm_path
from emotion.models.seq2seq import Seq2SeqClassifier
from tests.test_models import check_contract, train_steps

pytestmark = pytest.mark.slow  # trains an encoder-decoder


def test_any_t5_checkpoint_from_a_local_path(tmp_path, sample):
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    config = T5Config(
        vocab_size=tokenizer.vocab_size,
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_layers=2,
        num_heads=2,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=tokenizer.sep_token_id,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(tmp_path / "tiny-t5")
    tokenizer.save_pretrained(tmp_path / "tiny-t5")
    model = Seq2SeqClassifier.from_pretrained(str(tmp_path / "tiny-t5"))
    check_contract(model, sample[0])
    # The scores are real sequence log-likelihoods: compare one with a plain forward pass.
    text, label = sample[0][0], "joy"
    target = model.targets[LABELS.index(label)][model.target_mask[LABELS.index(label)].bool()]
    batch = model.tokenizer([model.prefix + text], return_tensors="pt")
    with torch.no_grad():
        out = model.model(**batch, labels=target.unsqueeze(0))
        expected = -out.loss.item() * len(target)
        got = model.logits([text])[0, LABELS.index(label)].item()
    assert np.isclose(got, expected, atol=1e-4)


def test_minilm_encoder_decoder_learns_and_round_trips(tmp_path, sample):
    texts, labels = sample
    model = Seq2SeqClassifier.from_minilm(decoder_layers=1, rank=4, seed=0)
    model.model.eval()  # no dropout: the loss curve is deterministic
    losses = train_steps(model, texts, labels, lr=1e-3, steps=6)
    assert losses[-1] < losses[0]
    check_contract(model, texts)
    before = model.predict_proba(texts)
    from emotion.artifacts import write_card

    folder = tmp_path / "seq2seq"
    write_card(folder, model.save(folder))
    loaded = Seq2SeqClassifier.load(folder)
    assert np.allclose(loaded.predict_proba(texts), before, atol=1e-3)  # the adapter is stored in fp16


def test_the_eighth_word_gives_no_emotion_and_round_trips(tmp_path, sample):
    texts, _ = sample
    seven = Seq2SeqClassifier.from_minilm(decoder_layers=1, rank=4, seed=0)
    folder = tmp_path / "seven"
    seven.save(folder)
    eight = Seq2SeqClassifier.from_minilm(decoder_layers=1, rank=4, seed=1, no_emotion=True).warm_start(folder)
    seven.model.eval(), eight.model.eval()
    with torch.no_grad():
        a, b = eight.logits(texts[:4]), seven.logits(texts[:4])
    assert a.shape == (4, 8)
    assert torch.allclose(a[:, :7], b, atol=1e-2)  # the seven words score as they did (adapter stored in fp16)
    found = eight.classify(texts[:4])
    assert found.no_emotion is not None and ((found.no_emotion > 0) & (found.no_emotion < 1)).all()
    assert np.allclose(found.proba.sum(1), 1, atol=1e-5)
    from emotion.artifacts import write_card

    saved = tmp_path / "eight"
    write_card(saved, eight.save(saved))
    assert np.allclose(Seq2SeqClassifier.load(saved).classify(texts[:4]).no_emotion, found.no_emotion, atol=1e-4)
