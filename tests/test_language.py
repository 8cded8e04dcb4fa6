"""The language check: other languages are marked, English and very short texts pass, labelling keeps every row."""

from __future__ import annotations

import pandas as pd
import pytest

from emotion import registry
from emotion.io.language import ENGLISH, detect_language
from emotion.labelling.table import label_table, result_columns


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Je suis très déçu, le colis est arrivé cassé et personne ne répond.", "fr"),
        ("El pedido llegó tarde y el servicio al cliente no responde nunca.", "es"),
        ("Das Gerät funktioniert nicht mehr und ich bin wirklich sauer darüber.", "de"),
        ("The parcel arrived broken and nobody answers my emails.", ENGLISH),
        ("Great product but le service client est nul", ENGLISH),  # mixed, mostly English: passes
        ("Le produit est super, mais the delivery took three weeks and nobody called", ENGLISH),
        ("ok", ENGLISH),  # too short to tell: passes
        ("Merci!", ENGLISH),
        ("[NAME] is the best lmao", ENGLISH),
        ("", ENGLISH),
    ],
)
def test_languages_are_told_apart(text, language):
    assert detect_language(text) == language


def test_mostly_foreign_mixed_text_is_marked():
    assert detect_language("Je ne suis pas content du tout, le service est vraiment nul. Thanks anyway.") == "fr"


def test_a_very_long_text_is_read_quickly_and_right():
    assert detect_language("I waited for the delivery all day long. " * 2000) == ENGLISH


def test_labelling_marks_other_languages_and_keeps_every_row():
    frame = pd.DataFrame(
        {
            "text": [
                "I love this phone, the battery lasts forever.",
                "Je déteste ce téléphone, la batterie ne tient pas une journée.",
                "",
            ]
        }
    )
    out = label_table(frame, "text", {"tfidf": registry.load("tfidf")})
    assert list(out.columns) == ["text", *result_columns(["tfidf"])]
    assert list(out["language"].iloc[:2]) == [ENGLISH, "fr"] and pd.isna(out["language"].iloc[2])
    assert list(out["status"]) == ["ok", "ok; not English (fr)", "empty text"]
    assert out["tfidf_label"].iloc[1] is not None  # labelled all the same
