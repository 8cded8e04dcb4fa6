"""Customer-feedback dev checks (issue: complaints never joy, praise joy, "no clear emotion" that holds on feedback),
on public data this project may use, never the held-back airline file.

Data (``--data``, never committed; the card of each set below):

- ``amazon_reviews/test.csv``: 1,000 Amazon product reviews with a five-level rating (Zhang et al. 2015's Amazon
  Review Full, condensed in PacktPublishing/Democratizing-Artificial-Intelligence-with-UiPath, commit 61e34966,
  MIT repository; the reviews are McAuley & Leskovec's, research use). *Very Negative* and *Negative* reviews are
  complaints, *Very Positive* ones praise; the rating is used only as polarity.
- ``clinc150/data_full.json`` (clinc/oos-eval, commit 828f8093, CC BY 3.0), in-scope *test* queries, and
  ``banking77/test.csv`` (PolyAI-LDN/task-specific-datasets, commit 57ec275d, CC BY 4.0) queries of the intents that
  ask for information (:data:`PLAIN`): plain requests to a company, read as showing no emotion.

Measured for each model (``--model``, repeatable): complaints labelled joy, praise labelled joy, complaints flagged
"no clear emotion", each with a Wilson 95% interval, and the AUC of the model's ``P(no clear emotion)`` for plain
requests against complaints and praise.

    python bench/feedback_checks.py --data ../datasets --model encoder-fast --model ensemble
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from emotion import registry
from emotion.insights.shares import wilson
from emotion.labelling.table import label_table

PLAIN = (
    "age_limit",
    "apple_pay_or_google_pay",
    "atm_support",
    "card_delivery_estimate",
    "country_support",
    "disposable_card_limits",
    "exchange_rate",
    "fiat_currency_support",
    "get_physical_card",
    "getting_spare_card",
    "order_physical_card",
    "supported_cards_and_currencies",
    "top_up_limits",
    "verify_my_identity",
    "visa_or_mastercard",
)
"""banking77 intents that ask for information rather than report a problem."""


def share(hits: np.ndarray) -> str:
    low, high = wilson(np.array([hits.sum()]), np.array([len(hits)]))
    return f"{hits.mean():.1%} [{low[0]:.1%}, {high[0]:.1%}] of {len(hits)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../datasets"))
    parser.add_argument("--model", action="append", default=[])
    parser.add_argument("--plain", type=int, default=600, help="plain requests drawn (seed 0)")
    args = parser.parse_args()
    reviews = pd.read_csv(args.data / "amazon_reviews" / "test.csv")
    complaints = reviews.loc[reviews["target"].isin(["Very Negative", "Negative"]), "input"].tolist()
    praise = reviews.loc[reviews["target"].eq("Very Positive"), "input"].tolist()
    clinc = [text for text, _ in json.loads((args.data / "clinc150" / "data_full.json").read_text())["test"]]
    banking = pd.read_csv(args.data / "banking77" / "test.csv")
    plain = pd.Series(clinc + banking.loc[banking["category"].isin(PLAIN), "text"].tolist())
    plain = plain.sample(min(args.plain, len(plain)), random_state=0).tolist()
    print(f"{len(complaints)} complaints, {len(praise)} praise, {len(plain)} plain requests")
    texts = complaints + praise + plain
    kind = np.array(["complaint"] * len(complaints) + ["praise"] * len(praise) + ["plain"] * len(plain))
    print(
        "| model | complaints labelled joy | praise labelled joy | complaints flagged no clear emotion | "
        "AUC plain vs emotional |"
    )
    print("|---|---|---|---|---:|")
    for name in args.model or [registry.DEFAULT_MODEL]:
        table = label_table(pd.DataFrame({"text": texts}), "text", {name: registry.load(name)})
        label = table[f"{name}_label"].to_numpy()
        calm = pd.to_numeric(table[f"{name}_no_emotion"], errors="coerce").to_numpy()
        flagged = table["no_emotion"].astype(bool).to_numpy()
        emotional = kind != "plain"
        auc = roc_auc_score(~emotional, calm) if np.isfinite(calm).all() else float("nan")
        print(
            f"| {name} | {share(label[kind == 'complaint'] == 'joy')} | {share(label[kind == 'praise'] == 'joy')} | "
            f"{share(flagged[kind == 'complaint'])} | {auc:.3f} |"
        )


if __name__ == "__main__":
    main()
