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

- ``feedback_raw/sarcasm_lines.txt`` and ``five_labels_plus_stars.xlsx`` (ef2020/SarcasmAmazonReviewsCorpus, commit
  7d59500a, Filatova 2012; research use): the passages annotators marked as ironic in Amazon reviews, kept where
  the review gave 1 or 2 stars: *sarcastic complaints* ("Great product, broke on day two").
- ``sgd/dev/dialogues_001.json`` to ``003`` (google-research-datasets/dstc8-schema-guided-dialogue, commit e852981a,
  CC BY-SA 4.0; its *dev* split, never trained on): an assistant's confirmations and notifications ("Your table has
  been reserved."), 400 drawn with seed 0: *status messages*, read as showing no emotion.
- *negated* complaints and praise: the feedback sets' dev rows (:mod:`emotion.training.feedback_data`, never
  trained on, but used to choose the epoch) with a negation word (:data:`NEGATION`): "not bad", "never again".

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
from emotion.training.feedback_data import PLAIN_INTENTS, load_feedback, sgd_turns

NEGATION = r"\b(?:not|no|never|nothing|nobody|neither|nor|without)\b|n't\b"


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
    plain = pd.Series(clinc + banking.loc[banking["category"].isin(PLAIN_INTENTS), "text"].tolist())
    plain = plain.sample(min(args.plain, len(plain)), random_state=0).tolist()
    raw = args.data / "feedback_raw"
    lines = pd.read_csv(raw / "sarcasm_lines.txt", sep="\t", header=None, names=["file", "text"], encoding="utf-8-sig")
    stars = pd.read_excel(raw / "five_labels_plus_stars.xlsx").set_index("File")["Stars"]
    sarcastic = lines.loc[lines["file"].map(stars).le(2), "text"].tolist()
    status = pd.Series(sgd_turns(sorted((args.data / "sgd" / "dev").glob("dialogues_*.json")), "SYSTEM"))
    status = status.drop_duplicates().sample(400, random_state=0).tolist()
    dev = load_feedback().query("split == 'dev' and kind != 'plain'")
    negated = dev[dev["text"].str.lower().str.contains(NEGATION, regex=True)]
    print(
        f"{len(complaints)} complaints, {len(praise)} praise, {len(plain)} plain requests, {len(sarcastic)} sarcastic "
        f"complaints, {len(negated)} negated rows ({(negated['kind'] == 'complaint').sum()} complaints), "
        f"{len(status)} status messages"
    )
    texts = complaints + praise + plain + sarcastic + negated["text"].tolist() + status
    kind = np.array(
        ["complaint"] * len(complaints)
        + ["praise"] * len(praise)
        + ["plain"] * len(plain)
        + ["sarcastic"] * len(sarcastic)
        + [f"negated {k}" for k in negated["kind"]]
        + ["status"] * len(status)
    )
    print(
        "| model | complaints labelled joy | praise labelled joy | complaints flagged no clear emotion | "
        "AUC plain vs emotional | sarcastic complaints labelled joy | negated complaints labelled joy | "
        "negated praise labelled joy | status messages flagged |"
    )
    print("|---|---|---|---|---:|---|---|---|---|")
    for name in args.model or [registry.DEFAULT_MODEL]:
        table = label_table(pd.DataFrame({"text": texts}), "text", {name: registry.load(name)})
        label = table[f"{name}_label"].to_numpy()
        calm = pd.to_numeric(table[f"{name}_no_emotion"], errors="coerce").to_numpy()
        flagged = table["no_emotion"].astype(bool).to_numpy()
        base = np.isin(kind, ["complaint", "praise", "plain"])
        emotional = kind[base] != "plain"
        auc = roc_auc_score(~emotional, calm[base]) if np.isfinite(calm[base]).all() else float("nan")
        joy = label == "joy"
        print(
            f"| {name} | {share(joy[kind == 'complaint'])} | {share(joy[kind == 'praise'])} | "
            f"{share(flagged[kind == 'complaint'])} | {auc:.3f} | {share(joy[kind == 'sarcastic'])} | "
            f"{share(joy[kind == 'negated complaint'])} | {share(joy[kind == 'negated praise'])} | "
            f"{share(flagged[kind == 'status'])} |"
        )


if __name__ == "__main__":
    main()
