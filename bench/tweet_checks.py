"""Dev checks on short public tweets (the issue's held-back file is short messages written to companies on Twitter;
this is the nearest public data this project may use, never that file or any copy of it).

Data (``--data``/``tweeteval``, never committed): TweetEval (cardiffnlp/tweeteval, commit 4fbd22cd, Barbieri et al.
2020; the tweets are SemEval's, research use; the repository restricts nothing itself and refers to each task's own
licence and Twitter's terms), files copied from ``datasets/<task>/`` as ``<task>_<split>_text.txt``,
``<task>_<split>_labels.txt`` and ``<task>_mapping.txt``:

- sentiment (SemEval-2017 Task 4A, negative / neutral / positive), the *val* split by default: 2,000 tweets (312
  negative, 869 neutral, 819 positive), never trained on. Its *test* split (12,284 tweets, ``--split test``;
  ``sentiment_test_text.txt`` sha256 09a93a55…0675, labels 6afb4afe…db9d) trains ``encoder-fast`` since
  2026-12-07 evening (:mod:`emotion.training.feedback_data`). Used only as polarity: a *negative* tweet should never
  be joy, a *positive* one should be joy, and a *neutral* one should score higher on "no clear emotion" than the
  others. These are tweets about topics (films, sport, politics), not complaints to a company: a negative tweet is
  often sad or angry news, so "negative labelled joy" is the figure that carries over best, and "positive labelled
  joy" is a rough check (optimism and gratitude read as joy here).
- emotion (SemEval-2018 Task 1, anger / joy / optimism / sadness), the *test* split: 1,421 tweets
  (``emotion_test_text.txt`` 7e1070f5…1c6091, labels 24507234…f913), never trained on. *Optimism* is mapped to joy;
  the share of each gold emotion labelled as itself (recall) and the macro-F1 over the three emotions it shares with
  ours.

- ``--source brand_tweets`` or ``apple_tweets``: the polarity columns measured on that feedback set's *dev* rows
  instead (:mod:`emotion.training.feedback_data`): CrowdFlower's Brands and Product Emotions (SXSW 2011 tweets
  about Apple and Google products: negative, positive or no emotion toward the brand) or Apple Twitter Sentiment
  (2014 tweets to and about @apple: negative, neutral, positive). Never trained on, but they choose the epoch and
  the weight mix with the other feedback dev rows, so they read optimistic.

- ``--irony``: SemEval-2018 Task 3's *gold test* split (Cyvhee/SemEval2018-Task3@313b94c0, file
  ``datasets/goldtest_TaskB/SemEval2018-T3_gold_test_taskB_emoji.txt``, sha256 586c4f07…51b, copied to
  ``<data>/feedback_raw/semeval2018_irony_goldtest_taskB_emoji.txt``; CC BY-NC-SA 4.0, academic use), never trained
  on: the 164 tweets of "irony by polarity contrast" (praise words meaning the opposite), labelled joy and flagged
  "no clear emotion", against the 473 tweets that are not ironic (for reference: those can be joy).

- ``--complaints``: tweets written to companies judged complaint or not (Preotiuc-Pietro et al. 2019,
  danielpreotiuc/complaints-social-media@54e3402c; every tweet naming one of the held-back airline set's six airlines,
  or sent in February 2015, left out): complaints labelled joy and flagged "no clear emotion", and the tweets that
  complain of nothing labelled one of the six other emotions. Its dev rows by default (they choose the epoch with the
  other feedback dev rows), or every row (``--all-rows``: only for a model that never trained on the set).

Wilson 95% intervals; up to ``--rows`` tweets drawn per polarity (seed 0).

    python bench/tweet_checks.py --data ../datasets --model encoder-fast [--split test | --source apple_tweets]
    python bench/tweet_checks.py --data ../datasets --irony
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score

from emotion import registry
from emotion.insights.shares import wilson
from emotion.labelling.table import label_table
from emotion.training.feedback_data import COMPLAINT, NOT_COMPLAINT, PLAIN, PRAISE, load_feedback


def share(hits: np.ndarray) -> str:
    low, high = wilson(np.array([hits.sum()]), np.array([len(hits)]))
    return f"{hits.mean():.1%} [{low[0]:.1%}, {high[0]:.1%}]"


def read(folder: Path, task: str, split: str = "test") -> pd.DataFrame:
    mapping = dict(
        line.split("\t") for line in (folder / f"{task}_mapping.txt").read_text().splitlines() if line.strip()
    )
    texts = (folder / f"{task}_{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (folder / f"{task}_{split}_labels.txt").read_text().split()
    return pd.DataFrame({"text": texts, "gold": [mapping[label].strip() for label in labels]})


TWEET_SOURCES = ("brand_tweets", "apple_tweets")


def feedback_dev(source: str) -> pd.DataFrame:
    """A feedback set's dev rows, their kind read back as polarity."""
    rows = load_feedback().query("source == @source and split == 'dev'")
    gold = rows["kind"].map({COMPLAINT: "negative", PRAISE: "positive", PLAIN: "neutral"})
    return pd.DataFrame({"text": rows["text"].to_numpy(), "gold": gold.to_numpy()})


IRONY_TEST = "feedback_raw/semeval2018_irony_goldtest_taskB_emoji.txt"


def irony_check(folder: Path, names: list[str]) -> None:
    """Ironic tweets by polarity contrast (SemEval-2018 Task 3 gold test, label 1) labelled joy and flagged."""
    rows = pd.read_csv(folder / IRONY_TEST, sep="\t", quoting=3, encoding="utf-8")
    rows = rows[rows["Label"].isin([0, 1])].rename(columns={"Tweet text": "text"}).reset_index(drop=True)
    ironic = rows["Label"].to_numpy() == 1
    print(f"SemEval-2018 Task 3 gold test: {ironic.sum()} ironic by polarity contrast, {(~ironic).sum()} not ironic")
    print("| model | ironic labelled joy | ironic flagged no clear emotion | ironic labelled anger | not ironic: joy |")
    print("|---|---|---|---|---|")
    for name in names:
        table = label_table(rows[["text"]], "text", {name: registry.load(name)})
        label = table[f"{name}_label"].to_numpy()
        flagged = table["no_emotion"].astype(bool).to_numpy()
        print(
            f"| {name} | {share(label[ironic] == 'joy')} | {share(flagged[ironic])} | "
            f"{share(label[ironic] == 'anger')} | {share(label[~ironic] == 'joy')} |"
        )


def complaints_check(names: list[str], every_row: bool) -> None:
    """Tweets to companies: complaints labelled joy or flagged, the others labelled a negative emotion."""
    rows = load_feedback().query("source == 'complaint_tweets'" + ("" if every_row else " and split == 'dev'"))
    complaint = rows["kind"].to_numpy() == COMPLAINT
    assert set(rows["kind"]) == {COMPLAINT, NOT_COMPLAINT}
    print(
        f"complaint tweets ({'every row' if every_row else 'dev rows'}): {complaint.sum()} complaints, "
        f"{(~complaint).sum()} not"
    )
    print(
        "| model | complaints labelled joy | complaints flagged no clear emotion | not complaints labelled a "
        "negative emotion | not complaints flagged | AUC of P(no clear emotion), not complaints vs complaints |"
    )
    print("|---|---|---|---|---|---:|")
    for name in names:
        table = label_table(rows[["text"]].reset_index(drop=True), "text", {name: registry.load(name)})
        label = table[f"{name}_label"].to_numpy()
        flagged = table["no_emotion"].astype(bool).to_numpy()
        negative = (label != "joy") & ~flagged
        calm = pd.to_numeric(table[f"{name}_no_emotion"], errors="coerce").to_numpy()
        auc = roc_auc_score(~complaint, calm) if np.isfinite(calm).all() else float("nan")
        print(
            f"| {name} | {share(label[complaint] == 'joy')} | {share(flagged[complaint])} | "
            f"{share(negative[~complaint])} | {share(flagged[~complaint])} | {auc:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../datasets"))
    parser.add_argument("--model", action="append", default=[])
    parser.add_argument("--rows", type=int, default=1_000, help="tweets drawn per polarity (seed 0)")
    parser.add_argument("--split", default="val", choices=["val", "test"], help="the sentiment split measured")
    parser.add_argument("--source", choices=TWEET_SOURCES, help="polarity on this feedback set's dev rows instead")
    parser.add_argument("--irony", action="store_true", help="ironic tweets (SemEval-2018 Task 3 gold test) instead")
    parser.add_argument("--complaints", action="store_true", help="tweets to companies judged complaint or not")
    parser.add_argument("--all-rows", action="store_true", help="with --complaints: every row, not only dev")
    args = parser.parse_args()
    if args.complaints:
        complaints_check(args.model or [registry.DEFAULT_MODEL], args.all_rows)
        return
    if args.irony:
        irony_check(args.data, args.model or [registry.DEFAULT_MODEL])
        return
    folder = args.data / "tweeteval"
    sentiment = feedback_dev(args.source) if args.source else read(folder, "sentiment", args.split)
    sentiment = pd.concat(g.sample(min(args.rows, len(g)), random_state=0) for _, g in sentiment.groupby("gold"))
    emotions = read(folder, "emotion").replace({"gold": {"optimism": "joy"}})
    counts = [", ".join(f"{n} {k}" for k, n in t["gold"].value_counts().items()) for t in (sentiment, emotions)]
    polarity = f"{args.source} dev" if args.source else f"TweetEval sentiment {args.split}"
    print(f"{polarity}: {counts[0]} tweets; emotion test: {counts[1]} tweets")
    print(
        "| model | negative labelled joy | positive labelled joy | negative flagged no clear emotion | "
        "AUC neutral vs polar | anger recall | joy (and optimism) recall | sadness recall | macro-F1 (3 emotions) |"
    )
    print("|---|---|---|---|---:|---|---|---|---:|")
    for name in args.model or [registry.DEFAULT_MODEL]:
        model = registry.load(name)
        table = label_table(sentiment[["text"]].reset_index(drop=True), "text", {name: model})
        gold = sentiment["gold"].to_numpy()
        label = table[f"{name}_label"].to_numpy()
        calm = pd.to_numeric(table[f"{name}_no_emotion"], errors="coerce").to_numpy()
        flagged = table["no_emotion"].astype(bool).to_numpy()
        auc = roc_auc_score(gold == "neutral", calm) if np.isfinite(calm).all() else float("nan")
        said = label_table(emotions[["text"]], "text", {name: model})[f"{name}_label"].to_numpy()
        truth = emotions["gold"].to_numpy()
        recall = {e: share(said[truth == e] == e) for e in ("anger", "joy", "sadness")}
        macro = f1_score(truth, said, labels=["anger", "joy", "sadness"], average="macro")
        print(
            f"| {name} | {share(label[gold == 'negative'] == 'joy')} | {share(label[gold == 'positive'] == 'joy')} | "
            f"{share(flagged[gold == 'negative'])} | {auc:.3f} | {recall['anger']} | {recall['joy']} | "
            f"{recall['sadness']} | {macro:.3f} |"
        )


if __name__ == "__main__":
    main()
