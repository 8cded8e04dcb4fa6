"""Customer feedback for training: public reviews with a star rating (or a polarity), tweets judged negative, neutral or
positive (on topics, on brands and products, to a company), ironic tweets whose positive words mean the opposite,
tweets to companies judged complaints or not, and plain requests to a company, read from
:func:`emotion.config.feedback_dir` (never committed), with what a card says about each set.

Each set is used only for what it says (the issue's rule: a set that gives polarity is used as polarity):

- a **complaint** (a 1- or 2-star review, a sentence or tweet marked negative) is an emotion, never joy and never "no
  emotion"; *which* negative emotion it is comes from a teacher model's probabilities with joy taken out;
- **praise** (a 5-star review, a sentence or tweet marked positive) is joy;
- a tweet to a company judged **not a complaint** (a question, a request, thanks) is joy or "no emotion", never one
  of the six negative emotions; which of the two comes from the starting model (the set does not say);
- a **plain request or status message** (banking77 intents that ask for information, CLINC150 queries, an
  assistant's confirmations and a user's requests in Schema-Guided Dialogue, a tweet judged neutral or showing no
  emotion toward the brand) is "no emotion".

3- and 4-star reviews are left out (mixed or mild), and so are the banking77 intents that report a problem (a
charge, a lost card): frustration is an emotion, but those messages carry no label saying whether they show it.

Rows are split into train and dev by a seeded hash of the text (:func:`feedback_split`); the dev rows choose the
epoch and the weight mix. ``bench/feedback_checks.py`` measures on other rows again (Amazon's test reviews, the
CLINC150 and banking77 *test* queries, sarcastic reviews).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd

from emotion.config import feedback_dir
from emotion.io.files import file_sha256

COMPLAINT, PRAISE, PLAIN = "complaint", "praise", "plain"
NOT_COMPLAINT = "not complaint"
"""A message to a company that complains of nothing: joy or no emotion, the set does not say which."""


@dataclass(frozen=True)
class Source:
    """One public set: where it was taken from and under which terms (for the card)."""

    name: str
    file: str
    repository: str
    commit: str
    path: str
    licence: str
    mapping: str


SOURCES: tuple[Source, ...] = (
    Source(
        "amazon_alexa",
        "feedback_raw/amazon_alexa.tsv",
        "Anant-Bahal/Amazon-alexa-review-sentiment-analysis",
        "5d91268ab003475cd638d5fc6e157a496c22a023",
        "amazon_alexa.tsv",
        "Amazon Alexa reviews (Kaggle, Manu Siddhartha 2018), reviews scraped from Amazon.com; research use",
        "rating 1-2: complaint; 5: praise; 3-4 left out; duplicate texts dropped",
    ),
    Source(
        "yelp",
        "feedback_raw/yelp.csv",
        "jtgetsin/Yelp-NLP",
        "075136df514f3953f47a55907d2dbe9cd2a98f37",
        "yelp.csv",
        "Yelp Dataset Challenge reviews (Yelp dataset terms: academic, non-commercial use)",
        "stars 1-2: complaint; 5: praise; 3-4 left out",
    ),
    Source(
        "womens_clothing",
        "feedback_raw/womens_clothing.csv",
        "fehimkus/machine-learning",
        "7d7f5348ae9ef48d0156adc1efba617e71aeadfa",
        "Womens Clothing E-Commerce Reviews.csv",
        "Women's E-Commerce Clothing Reviews (Kaggle, Nick Brooks 2018), CC0",
        "rating 1-2: complaint; 5: praise; 3-4 left out; title and text joined",
    ),
    Source(
        "uci_sentences",
        "feedback_raw/uci_amazon_cells_labelled.txt+feedback_raw/uci_yelp_labelled.txt",
        "Rithwikksvr/Positive-Negative-Review-Classifier",
        "7cc586d57b67dd369dcf4854a768070dc4c1a951",
        "amazon_cells_labelled.txt, yelp_labelled.txt",
        "Sentiment Labelled Sentences (Kotzias et al., KDD 2015; UCI ML repository), CC BY 4.0",
        "score 0: complaint; 1: praise (the Amazon and Yelp sentences; the IMDb ones are not feedback to a company)",
    ),
    Source(
        "banking77",
        "banking77/train.csv",
        "PolyAI-LDN/task-specific-datasets",
        "57ec275d",
        "banking_data/train.csv",
        "banking77 (Casanueva et al. 2020), CC BY 4.0",
        "train queries of the intents that ask for information (bench/feedback_checks.py PLAIN): plain request",
    ),
    Source(
        "sgd",
        "sgd/train/dialogues_001.json..020",
        "google-research-datasets/dstc8-schema-guided-dialogue",
        "e852981ae34990f4358979625854259302feaa78",
        "train/dialogues_001.json to dialogues_020.json",
        "Schema-Guided Dialogue (Rastogi et al. 2020), CC BY-SA 4.0",
        "turns whose acts are all in SGD_ACTS (an assistant's confirmations, notifications and information; a "
        "user's requests), without an exclamation mark or a congratulation; 1,200 assistant and 800 user turns "
        "(seeded): plain request or status message",
    ),
    Source(
        "tweeteval_sentiment",
        "tweeteval/sentiment_test_text.txt+tweeteval/sentiment_test_labels.txt",
        "cardiffnlp/tweeteval",
        "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66",
        "datasets/sentiment/test_text.txt, test_labels.txt",
        "TweetEval sentiment (Barbieri et al. 2020; SemEval-2017 Task 4A tweets, Rosenthal et al. 2017): the "
        "repository restricts nothing itself and refers to SemEval's terms and Twitter's; research use",
        "its test split (12,284 tweets; the snapshot lacks the train text), 2,000 of each polarity drawn with seed 0: "
        "negative: complaint (an emotion, never joy); positive: praise (joy); neutral: plain (no emotion). Its val "
        "split (2,000 tweets) is never trained on: bench/tweet_checks.py --split val measures on it",
    ),
    Source(
        "brand_tweets",
        "feedback_raw/brands_product_emotions.csv",
        "AlvinKN/Phase4Project",
        "31cdce0ed1b69b98e1b7f1f476b2c4bf9085627f",
        "judge-1377884607_tweet_product_company.csv",
        "Brands and Product Emotions (CrowdFlower's Data for Everyone library, 2013; 9,093 SXSW 2011 tweets about "
        "Apple and Google products, crowd-judged); the library's terms as data.world states them, not checkable "
        "offline; research use. Not the airline set, nor any copy of it",
        "'Negative emotion' toward the brand or product: complaint (an emotion, never joy); 'Positive emotion': praise "
        "(joy); 'No emotion toward brand or product': plain (no emotion); 'I can't tell' and empty rows left out; "
        "read as latin-1",
    ),
    Source(
        "apple_tweets",
        "feedback_raw/apple_twitter_sentiment.csv",
        "akshat1289/data_mining",
        "479ddfc8bf7697b38c8319d392365b31efdf0918",
        "Apple-Twitter-Sentiment-DFE.csv",
        "Apple Twitter Sentiment (CrowdFlower's Data for Everyone library, 2014; 3,886 tweets mentioning @apple or "
        "#AAPL, crowd-judged); the library's terms as data.world states them, not checkable offline; research use. "
        "Not the airline set, nor any copy of it",
        "sentiment 1: complaint (an emotion, never joy); 5: praise (joy); 3: plain (no emotion); 'not_relevant' left "
        "out; read as latin-1",
    ),
    Source(
        "irony_tweets",
        "feedback_raw/semeval2018_irony_train_taskB_emoji.txt",
        "Cyvhee/SemEval2018-Task3",
        "313b94c080e78544d6504192c8a1d425f6b7d719",
        "datasets/train/SemEval2018-T3-train-taskB_emoji.txt",
        "SemEval-2018 Task 3, irony in English tweets (Van Hee et al. 2018), CC BY-NC-SA 4.0; the organisers reserve "
        "it for academic use and Twitter's terms forbid redistributing it; research use, never committed",
        "its train split (3,834 tweets collected by #irony, #sarcasm and #not, the hashtags removed), subtask B label "
        "1, 'verbal irony by means of a polarity contrast' (praise words over a bad situation, meant as the "
        "opposite): complaint (an emotion, never joy); the other labels (not ironic, situational and other irony) "
        "left out. Its gold test split (784 tweets) is never trained on: bench/tweet_checks.py --irony measures on it",
    ),
    Source(
        "complaint_tweets",
        "feedback_raw/complaints_social_media.csv",
        "danielpreotiuc/complaints-social-media",
        "54e3402c129341809b7f1d9889d9311c3f1c1c16",
        "complaints-data.csv",
        "Complaints in social media (Preotiuc-Pietro, Gaman and Aletras, ACL 2019): 3,449 English tweets, 1,971 of "
        "them written to the Twitter accounts of 93 companies in nine domains, each judged complaint or not; the "
        "repository states no licence; research use, never committed. Not the airline set, nor any copy of it: "
        "every tweet naming one of that set's six airlines, and every tweet sent in February 2015, is left out",
        "label 1 (complaint): complaint (an emotion, never joy); label 0 in the nine company domains: not complaint "
        "(joy or no emotion, whichever the starting model finds more likely); the random tweets and replies not "
        "written to a company left out",
    ),
    Source(
        "clinc150",
        "clinc150/data_full.json",
        "clinc/oos-eval",
        "828f8093",
        "data/data_full.json",
        "CLINC150 (Larson et al. 2019), CC BY 3.0",
        "in-scope train queries (a seeded sample): plain request",
    ),
)

PLAIN_INTENTS = (
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


SGD_ACTS = {
    "SYSTEM": {"INFORM", "CONFIRM", "NOTIFY_SUCCESS", "INFORM_COUNT"},
    "USER": {"INFORM", "REQUEST", "INFORM_INTENT"},
}
"""Schema-Guided Dialogue acts read as showing no emotion, by speaker (thanks, goodbyes and failures left out)."""


def sgd_turns(files: list, speaker: str) -> list[str]:
    """The utterances of ``speaker`` whose acts all lie in :data:`SGD_ACTS`, without "!" or a congratulation."""
    out = []
    for file in files:
        for dialogue in json.loads(file.read_text()):
            for turn in dialogue["turns"]:
                acts = {action["act"] for frame in turn["frames"] for action in frame["actions"]}
                text = turn["utterance"].strip()
                if turn["speaker"] != speaker or not acts or not acts <= SGD_ACTS[speaker]:
                    continue
                if "!" not in text and "congrat" not in text.lower():
                    out.append(text)
    return out


def _sgd_files(root) -> list:
    """Schema-Guided Dialogue's first twenty training files (the ones :data:`SOURCES` names)."""
    return [root / "sgd" / "train" / f"dialogues_{i:03d}.json" for i in range(1, 21)]


def _kept(text: pd.Series, kind: pd.Series, source: str) -> pd.DataFrame:
    """The rows with a kind and more than two characters of text, stripped."""
    out = pd.DataFrame({"text": text.str.strip(), "kind": kind, "source": source})
    return out[kind.notna() & out["text"].str.len().gt(2)]


def _rated(frame: pd.DataFrame, text: pd.Series, rating: pd.Series, source: str) -> pd.DataFrame:
    return _kept(text.astype(str), rating.map({1: COMPLAINT, 2: COMPLAINT, 5: PRAISE}), source)


def _read(source: Source) -> pd.DataFrame:
    root = feedback_dir()
    if source.name == "amazon_alexa":
        frame = pd.read_csv(root / source.file, sep="\t")
        return _rated(frame, frame["verified_reviews"].fillna(""), frame["rating"], source.name)
    if source.name == "yelp":
        frame = pd.read_csv(root / source.file)
        return _rated(frame, frame["text"], frame["stars"], source.name)
    if source.name == "womens_clothing":
        frame = pd.read_csv(root / source.file)
        text = (frame["Title"].fillna("") + ". " + frame["Review Text"].fillna("")).str.strip(". ")
        return _rated(frame, text, frame["Rating"], source.name)
    if source.name == "uci_sentences":
        parts = []
        for file in source.file.split("+"):
            frame = pd.read_csv(root / file, sep="\t", header=None, names=["text", "score"], quoting=3)
            parts.append(_rated(frame, frame["text"], frame["score"].map({0: 1, 1: 5}), source.name))
        return pd.concat(parts)
    if source.name == "banking77":
        frame = pd.read_csv(root / source.file)
        frame = frame[frame["category"].isin(PLAIN_INTENTS)]
        return pd.DataFrame({"text": frame["text"], "kind": PLAIN, "source": source.name})
    if source.name == "sgd":
        files = _sgd_files(root)
        texts = [
            *pd.Series(sgd_turns(files, "SYSTEM")).drop_duplicates().sample(1200, random_state=0),
            *pd.Series(sgd_turns(files, "USER")).drop_duplicates().sample(800, random_state=0),
        ]
        return pd.DataFrame({"text": texts, "kind": PLAIN, "source": source.name})
    if source.name == "tweeteval_sentiment":
        text_file, label_file = (root / part for part in source.file.split("+"))
        frame = pd.DataFrame(
            {
                "text": text_file.read_text(encoding="utf-8").splitlines(),
                "kind": pd.Series(label_file.read_text().split()).map({"0": COMPLAINT, "1": PLAIN, "2": PRAISE}),
            }
        )
        frame = pd.concat(g.sample(min(TWEETS_PER_POLARITY, len(g)), random_state=0) for _, g in frame.groupby("kind"))
        return frame.assign(text=frame["text"].str.strip(), source=source.name)
    if source.name == "brand_tweets":
        frame = pd.read_csv(root / source.file, encoding="latin-1")
        kind = frame["is_there_an_emotion_directed_at_a_brand_or_product"].map(BRAND_KINDS)
        return _kept(frame["tweet_text"].fillna(""), kind, source.name)
    if source.name == "apple_tweets":
        frame = pd.read_csv(root / source.file, encoding="latin-1")
        kind = frame["sentiment"].astype(str).map({"1": COMPLAINT, "5": PRAISE, "3": PLAIN})
        return _kept(frame["text"].fillna(""), kind, source.name)
    if source.name == "irony_tweets":
        frame = pd.read_csv(root / source.file, sep="\t", quoting=3, encoding="utf-8")
        return _kept(frame["Tweet text"].fillna(""), frame["Label"].map({1: COMPLAINT}), source.name)
    if source.name == "complaint_tweets":
        frame = pd.read_csv(root / source.file, header=None, names=["id", "text", "complaint", "domain"])
        frame = frame[~frame["domain"].str.startswith("random") & ~_held_back_airlines(frame)]
        return _kept(frame["text"].fillna(""), frame["complaint"].map({1: COMPLAINT, 0: NOT_COMPLAINT}), source.name)
    if source.name == "clinc150":
        rows = json.loads((root / source.file).read_text())["train"]
        texts = pd.Series([text for text, _ in rows]).sample(1500, random_state=0)
        return pd.DataFrame({"text": texts.to_numpy(), "kind": PLAIN, "source": source.name})
    raise ValueError(f"unknown feedback source {source.name!r}")


HELD_BACK_AIRLINES = r"@(?:united|americanair|southwestair|jetblue|usairways|virginamerica|delta)\b"
"""The six airlines of the held-back Twitter US Airline Sentiment set (February 2015): no tweet naming one is used."""


def _held_back_airlines(frame: pd.DataFrame) -> pd.Series:
    """Rows naming a held-back airline or sent in February 2015 (by the time in the tweet's id)."""
    sent = pd.Series(pd.to_datetime((frame["id"].to_numpy("int64") >> 22) + 1288834974657, unit="ms"), frame.index)
    named = frame["text"].fillna("").str.contains(HELD_BACK_AIRLINES, case=False, regex=True)
    return named | ((sent >= "2015-02-01") & (sent < "2015-03-01"))


BRAND_KINDS = {"Negative emotion": COMPLAINT, "Positive emotion": PRAISE, "No emotion toward brand or product": PLAIN}
"""The brand tweets' judgements read as polarity (the set says toward whom, not which emotion)."""

TWEETS_PER_POLARITY = 2_000
"""Tweets drawn from TweetEval's sentiment set per polarity (seed 0)."""

PRAISE_PER_COMPLAINT = 2
"""A source's praise rows are capped at this many per complaint (seeded sample): 5-star reviews outnumber 1- and
2-star ones up to 5 to 1, and many repeat one short phrase ("Love it!")."""


PLAIN_PER_SOURCE = 2_000
"""A source's plain rows are capped at this many (seeded sample): the brand tweets hold 5,372."""


def _capped(rows: pd.DataFrame) -> pd.DataFrame:
    plain = rows[rows["kind"] == PLAIN]
    if len(plain) > PLAIN_PER_SOURCE:
        rows = pd.concat([rows[rows["kind"] != PLAIN], plain.sample(PLAIN_PER_SOURCE, random_state=0)])
    complaints = int((rows["kind"] == COMPLAINT).sum())
    praise = rows[rows["kind"] == PRAISE]
    if not complaints or len(praise) <= PRAISE_PER_COMPLAINT * complaints:
        return rows
    kept = praise.sample(PRAISE_PER_COMPLAINT * complaints, random_state=0)
    return pd.concat([rows[rows["kind"] != PRAISE], kept])


def load_feedback() -> pd.DataFrame:
    """Every source's rows (``text``, ``kind``, ``source``, ``split``), one row per distinct text; praise capped
    (:data:`PRAISE_PER_COMPLAINT`), plain rows capped (:data:`PLAIN_PER_SOURCE`)."""
    frame = pd.concat([_read(source) for source in SOURCES], ignore_index=True)
    frame = frame.drop_duplicates("text")
    frame = pd.concat([_capped(rows) for _, rows in frame.groupby("source", sort=True)], ignore_index=True)
    frame["split"] = feedback_split(frame["text"])
    return frame


def feedback_split(texts: pd.Series, dev_share: float = 0.2, seed: int = 0) -> pd.Series:
    """``train`` or ``dev`` per text, by a seeded hash of the text (stable whatever else is in the file)."""

    def bucket(text: str) -> float:
        digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return texts.map(lambda text: "dev" if bucket(text) < dev_share else "train")


def _digests(root, source: Source) -> list[str]:
    if source.name == "sgd":  # twenty files: one digest over their digests, in order
        joined = "".join(file_sha256(file) for file in _sgd_files(root))
        return [hashlib.sha256(joined.encode()).hexdigest()]
    return [file_sha256(root / file) for file in source.file.split("+")]


def feedback_card() -> dict:
    """The card's ``feedback_data`` entry: every set with its repository, commit, file sha256, licence, mapping and
    row counts by kind (never a text)."""
    frame = load_feedback()
    root = feedback_dir()
    out = {}
    for source in SOURCES:
        rows = frame[frame["source"] == source.name]
        out[source.name] = {
            "repository": source.repository,
            "commit": source.commit,
            "path": source.path,
            "sha256": _digests(root, source),
            "licence": source.licence,
            "mapping": source.mapping,
            "rows": {f"{split} {kind}": int(n) for (split, kind), n in rows.groupby(["split", "kind"]).size().items()},
        }
    return out
