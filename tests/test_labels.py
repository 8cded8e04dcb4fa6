import pytest

from emotion.labels import COLORS, LABELS, OKABE_ITO, to_label


def test_fixed_order_and_one_colour_each():
    assert LABELS == ("anger", "disgust", "fear", "guilt", "joy", "sadness", "shame")
    assert set(COLORS) == set(LABELS)
    assert len(set(COLORS.values())) == len(LABELS)
    assert set(COLORS.values()) <= set(OKABE_ITO)  # safe for colour-blind readers


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("joy", "joy"),
        ("  JOY. ", "joy"),
        ('"Sadness"', "sadness"),
        ("sad", "sadness"),
        ("I'm angry!", "anger"),
        ("ashamed", "shame"),
        ("The emotion is: fear", "fear"),
        ("Guilty", "guilt"),
        ('{"emotion": "disgust"}', "disgust"),
    ],
)
def test_maps_free_text(text, label):
    assert to_label(text) == label


@pytest.mark.parametrize("text", ["", "   ", "surprise", "fear or anger", "happy but sad", None, 3, float("nan")])
def test_returns_no_label_rather_than_guessing(text):
    assert to_label(text) is None
