import random

from hypothesis import given
from hypothesis import strategies as st

from emotion.training.augment import MIN_WORDS, augment_text, augmented_copies

WORDS = st.lists(
    st.sampled_from(["I", "was", "very", "angry", "when", "my", "friend", "lied", "to", "me"]), max_size=30
)


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    remaining = iter(whole)
    return all(word in remaining for word in part)


@given(WORDS, st.integers(0, 1000))
def test_a_copy_keeps_the_words_in_order_and_at_least_three(words, seed):
    text = " ".join(words)
    copy = augment_text(text, random.Random(seed)).split()
    assert _is_subsequence(copy, words)
    if len(words) < MIN_WORDS:
        assert copy == words
    else:
        assert len(copy) >= 3


def test_copies_are_the_same_for_a_seed_and_differ_between_seeds():
    texts = [f"when my friend number {i} told everyone what I had said to her in confidence" for i in range(20)]
    first = augmented_copies(texts, 2, seed=0)
    assert len(first) == 2 and all(len(view) == len(texts) for view in first)
    assert first == augmented_copies(texts, 2, seed=0)
    assert first != augmented_copies(texts, 2, seed=1)
    assert first[0] != first[1]
    assert sum(copy != text for copy, text in zip(first[0], texts, strict=True)) >= 15


def test_no_copies():
    assert augmented_copies(["a text"], 0) == []
