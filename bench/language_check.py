"""How often the language check passes English rows as English (ISEAR dev, GoEmotions dev), and its speed.

Run: ``.venv/bin/python bench/language_check.py``. Prints the share of rows passing as English per data set,
the languages the others were given, and texts per second.
"""

from __future__ import annotations

import time
from collections import Counter

import pandas as pd

from emotion.config import data_dir, goemotions_dir
from emotion.io.language import ENGLISH, detect_languages


def main() -> None:
    sets = {"ISEAR dev": data_dir() / "dev.csv", "GoEmotions dev": goemotions_dir() / "dev.csv"}
    for name, path in sets.items():
        texts = pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
        began = time.perf_counter()
        languages = detect_languages(texts)
        seconds = time.perf_counter() - began
        others = Counter(lang for lang in languages if lang != ENGLISH)
        english = sum(lang == ENGLISH for lang in languages) / len(languages)
        print(
            f"{name}: {english:.4f} of {len(texts):,} rows pass as English; others {dict(others.most_common(8))}; "
            f"{len(texts) / seconds:,.0f} texts/s"
        )


if __name__ == "__main__":
    main()
