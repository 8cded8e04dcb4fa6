"""Language check: which texts are not English, so their labels can be marked (the models read English only).

``py3langid`` (a maintained fork of langid.py, its model shipped in the package) ranks the languages of
:data:`LANGUAGES`, the ones customer text most often comes in. A text is marked as another language only when
that language wins with probability :data:`MIN_PROBABILITY` or more and the text has at least :data:`MIN_LETTERS`
letters: a short text ("ok", "Delivered.") carries too little to tell, and passes as English. Measured on ISEAR
dev and GoEmotions dev (``bench/language_check.py``): every row of both passes as English (``bench/README.md``).
"""

from __future__ import annotations

import functools
import re

ENGLISH = "en"
LANGUAGES = (
    "en", "fr", "es", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu", "el", "tr", "ru", "uk",
    "ar", "he", "hi", "zh", "ja", "ko", "id", "vi", "th",
)  # fmt: skip
MIN_PROBABILITY = 0.9
MIN_LETTERS = 12
MAX_CHARS = 1000
"""Only a text's first characters are read: a language shows early, and a 10,000-word text costs no more."""
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """The text's language as an ISO 639-1 code: :data:`ENGLISH` unless another language is clear."""
    if not isinstance(text, str):
        return ENGLISH
    text = _PLACEHOLDER.sub(" ", text)
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return ENGLISH
    language, probability = _identifier().classify(text[:MAX_CHARS])
    return language if language != ENGLISH and probability >= MIN_PROBABILITY else ENGLISH


def detect_languages(texts: list[str]) -> list[str]:
    """:func:`detect_language` of each text."""
    return [detect_language(text) for text in texts]
