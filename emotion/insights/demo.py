"""The demo workbook: customer feedback the project writes itself, with patterns planted and an answer key.

About 500 rows over six months (``date, product, channel, rating, comment``). Every comment is assembled from
templates written for this project (no text comes from any data set). Planted, and listed in :data:`ANSWER_KEY`:

- a segment: ``StreamBox TV`` draws far more anger than the other products;
- a period: fear jumps in August 2026 (comments about a hacked account and changed passwords);
- driver terms: angry comments talk about a ``refund`` and being on ``hold``; fearful ones about a ``password``.

``channel`` carries no pattern: every channel has the same mix of emotions (the tests check that Insights
stays silent on it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PRODUCTS = ["StreamBox TV", "SoundBar Pro", "HomeHub Mini", "PixelCam 2", "Aero Earbuds"]
CHANNELS = ["email", "chat", "phone", "app review"]
START, MONTHS = "2026-05-01", 6
ROWS = 500
SEED = 7
BASE_MIX = {"anger": 0.12, "disgust": 0.08, "fear": 0.08, "guilt": 0.1, "joy": 0.38, "sadness": 0.14, "shame": 0.1}
SEGMENT_MIX = {**BASE_MIX, "anger": 0.45, "joy": 0.15}
PERIOD_MIX = {**BASE_MIX, "fear": 0.4, "joy": 0.2, "sadness": 0.08}
RATINGS = {
    "anger": (1, 2),
    "disgust": (1, 2),
    "fear": (2, 3),
    "guilt": (3, 4),
    "joy": (4, 5),
    "sadness": (2, 3),
    "shame": (3, 4),
}

ANSWER_KEY = {
    "segments": [{"column": "product", "segment": "StreamBox TV", "emotion": "anger"}],
    "periods": [{"column": "date", "period": "2026-08", "emotion": "fear"}],
    "drivers": {"anger": ["refund", "hold"], "fear": ["password"]},
    "silent_columns": ["channel"],
}
"""What Insights must find in the demo (and, for ``silent_columns``, must not)."""

TEMPLATES = {
    "anger": [
        "I am furious. I have been waiting {weeks} weeks for my refund and nobody answers.",
        "Absolutely outraged, I was kept on hold for {minutes} minutes and then the call dropped. Where is my refund?",
        "This makes me so angry: the {product} broke after {days} days and support refuses a refund.",
        "I was on hold for {minutes} minutes again today. Unacceptable, I am livid and I want my refund now.",
        "Furious that you charged me twice for the {product}. Give me my refund!",
        "Third time I call, on hold for {minutes} minutes, and the agent hung up on me. I am so angry.",
    ],
    "disgust": [
        "Disgusting. The {product} arrived covered in grime and smelled of mould.",
        "The box was full of dirt and some sticky mess, revolting. I could not even touch it.",
        "Gross: the {product} came with someone else's hair stuck all over it.",
        "The packaging was soaked in something foul, it made me feel sick to open it.",
    ],
    "fear": [
        "I am scared someone hacked my account. My password was changed without me knowing.",
        "Really worried: I got an email that my password was reset and I never asked for it.",
        "I am afraid my camera feed was seen by strangers after the password leak. Terrifying.",
        "Frightened that my card details were stolen, my account password no longer works.",
        "I am nervous to use the {product} at all now that passwords were leaked.",
    ],
    "guilt": [
        "I feel guilty, I dropped the {product} myself and then blamed your delivery driver.",
        "My fault entirely, I broke the remote and I feel bad for shouting at the agent.",
        "I feel terrible for leaving a bad review before reading the manual, sorry.",
        "I regret being rude to your support team, they were only trying to help.",
    ],
    "joy": [
        "Love it! The {product} was easy to set up and works perfectly.",
        "So happy with the {product}, the sound is amazing and setup took {minutes} minutes.",
        "Delighted with the service, the agent solved everything in one call. Thank you!",
        "Wonderful product, my family enjoys it every evening. Best purchase this year.",
        "Great experience, fast delivery and the {product} is brilliant.",
        "Really pleased, it works better than I hoped and the app is lovely.",
    ],
    "sadness": [
        "Sad to see the {product} app drop the features I used every day. I will miss them.",
        "I am disappointed and a bit heartbroken, my old {product} no longer gets updates.",
        "It is a shame, the {product} was a gift from my late father and now it stopped working.",
        "Feeling down, I saved for months for the {product} and it just does not work for me.",
    ],
    "shame": [
        "Embarrassed to admit I could not figure out how to switch on the {product}.",
        "I felt so ashamed when the {product} played loud music during a meeting with my boss.",
        "Humiliating: the {product} announced my search history in front of guests.",
        "I am embarrassed, I returned the {product} twice because I plugged it in wrong.",
    ],
}


def _mix(product: str, month: str) -> dict[str, float]:
    if month == "2026-08":
        return PERIOD_MIX
    if product == "StreamBox TV":
        return SEGMENT_MIX
    return BASE_MIX


def demo_frame(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """The demo table: ``date, product, channel, rating, comment`` (dates typed), plus ``intended`` (the emotion
    each comment was written for; the file the user opens leaves it out)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(START)
    days = (start + pd.DateOffset(months=MONTHS) - start).days
    dates = start + pd.to_timedelta(np.sort(rng.integers(0, days, size=rows)), unit="D")
    records = []
    for date in dates:
        product = PRODUCTS[rng.choice(len(PRODUCTS), p=[0.3, 0.2, 0.2, 0.15, 0.15])]
        mix = _mix(product, date.strftime("%Y-%m"))
        emotion = rng.choice(list(mix), p=np.array(list(mix.values())) / sum(mix.values()))
        template = TEMPLATES[emotion][rng.integers(len(TEMPLATES[emotion]))]
        comment = template.format(
            product=product,
            weeks=rng.integers(2, 7),
            minutes=rng.choice([20, 35, 45, 50, 90]),
            days=rng.integers(2, 30),
        )
        low, high = RATINGS[emotion]
        records.append(
            {
                "date": date,
                "product": product,
                "channel": CHANNELS[rng.integers(len(CHANNELS))],
                "rating": int(rng.integers(low, high + 1)),
                "comment": comment,
                "intended": emotion,
            }
        )
    return pd.DataFrame(records)


def write_demo(folder: Path) -> Path:
    """Write ``customer_feedback_demo.xlsx`` (typed dates and ratings) into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "customer_feedback_demo.xlsx"
    demo_frame().drop(columns="intended").to_excel(path, index=False, sheet_name="feedback")
    return path
