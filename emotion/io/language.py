"""Language check: which texts are not English, so their labels can be marked (the models read English only).

``py3langid`` (a maintained fork of langid.py, its model shipped in the package) ranks the languages of
:data:`LANGUAGES`, the ones customer text most often comes in. A text is marked as another language only when
that language wins with probability :data:`MIN_PROBABILITY` or more and the text has at least :data:`MIN_LETTERS`
letters: a short text ("ok", "Delivered.") carries too little to tell, and passes as English. Measured on ISEAR
dev and GoEmotions dev (``bench/language_check.py``): every row of both passes as English (``bench/README.md``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil

from emotion.config import cache_dir

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
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "it",
        "my",
        "that",
        "for",
        "with",
        "we",
        "they",
        "you",
        "this",
        "have",
        "not",
        "but",
        "his",
        "she",
        "were",
        "been",
        "when",
        "what",
        "very",
        "there",
        "would",
        "could",
        "just",
        "because",
        "about",
        "from",
        "our",
        "your",
        "their",
        "has",
        "are",
        "will",
        "can",
        "i'm",
        "it's",
        "don't",
    ]
)
"""English function words that no language of :data:`LANGUAGES` uses as a common word of its own ("in", "was",
"to", "a" are left out: German, Dutch, Polish, Spanish use them)."""
CLEARLY_ENGLISH = (3, 0.1)
"""A text with at least 3 of :data:`ENGLISH_WORDS`, making at least 10% of its words, is English without asking the
classifier (most English rows take this fast path)."""
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


@functools.cache
def _identifier():
    """py3langid's model over :data:`LANGUAGES`, from a copy in the cache that loads fast and small.

    The package ships the model LZMA-compressed over 142 languages: decompressing it took 0.3-0.4 s at every start.
    The copy (made once, named by the shipped file's sha256) holds the model cut to :data:`LANGUAGES` as plain
    ``.npy`` files; its 39 MB transition table is memory-mapped, not read.
    """
    import json

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    shipped = MODEL_DIR / MODEL_FILE
    digest = hashlib.sha256(shipped.read_bytes() + ",".join(LANGUAGES).encode()).hexdigest()[:16]
    folder = cache_dir() / "langid" / digest
    if not (folder / "classes.json").exists():
        full = LanguageIdentifier.from_model_file(shipped, norm_probs=True)
        full.set_languages(list(LANGUAGES))
        partial = folder.with_name(f"{digest}.{os.getpid()}.partial")
        partial.mkdir(parents=True, exist_ok=True)
        np.save(partial / "ptc.npy", full.nb_ptc)
        np.save(partial / "pc.npy", full.nb_pc)
        np.save(partial / "nextmove.npy", np.frombuffer(full.tk_nextmove, dtype=f"u{full.tk_nextmove.itemsize}"))
        np.save(partial / "row.npy", np.frombuffer(full.tk_row, dtype=f"u{full.tk_row.itemsize}"))
        (partial / "output.json").write_text(json.dumps(full.tk_output))
        (partial / "classes.json").write_text(json.dumps(list(full.nb_classes)))
        try:
            partial.replace(folder)
        except OSError:  # another process made it first
            shutil.rmtree(partial, ignore_errors=True)

    def table(name: str) -> memoryview:
        values = np.load(folder / name, mmap_mode="r")
        return memoryview(values).cast("B").cast({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])

    return LanguageIdentifier(
        np.load(folder / "ptc.npy"),
        np.load(folder / "pc.npy"),
        json.loads((folder / "classes.json").read_text()),
        table("nextmove.npy"),
        json.loads((folder / "output.json").read_text()),
        norm_probs=True,
        tk_row=table("row.npy"),
    )


def detect_language(text: str) -> str:
    """The text's language as an ISO 639-1 code: :data:`ENGLISH` unless another language is clear."""
    if not isinstance(text, str):
        return ENGLISH
    text = _PLACEHOLDER.sub(" ", text)
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return ENGLISH
    words = _WORD.findall(text[:MAX_CHARS].lower())
    english = sum(word in ENGLISH_WORDS for word in words)
    if english >= CLEARLY_ENGLISH[0] and english >= CLEARLY_ENGLISH[1] * len(words):
        return ENGLISH
    language, probability = _identifier().classify(text[:MAX_CHARS])
    return language if language != ENGLISH and probability >= MIN_PROBABILITY else ENGLISH


def detect_languages(texts: list[str]) -> list[str]:
    """:func:`detect_language` of each text."""
    return [detect_language(text) for text in texts]
