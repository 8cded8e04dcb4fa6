"""The customer-feedback stage's pieces that need no data: the split, the complaint targets, the praise cap, the
"no emotion" threshold chosen across domains and the recipe's words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emotion.classifier import Predictions
from emotion.confidence import NoEmotionScale
from emotion.evaluation.calibration import fit_no_emotion_scale
from emotion.labels import LABEL_INDEX
from emotion.training import feedback_data
from emotion.training.feedback_stage import feedback_scores, negative_targets, not_complaint_targets
from emotion.training.publishing import recipe_text


def test_the_split_is_a_stable_fifth_of_the_texts_whatever_else_is_in_the_file():
    texts = pd.Series([f"message number {i}" for i in range(5000)])
    split = feedback_data.feedback_split(texts)
    assert 0.18 < (split == "dev").mean() < 0.22
    alone = feedback_data.feedback_split(texts.iloc[1234:1300].reset_index(drop=True))
    assert list(alone) == list(split.iloc[1234:1300])
    assert list(feedback_data.feedback_split(texts, seed=1)) != list(split)


def test_a_complaint_learns_the_teachers_emotions_with_joy_taken_out():
    proba = np.array([[0.1, 0.1, 0.1, 0.1, 0.5, 0.05, 0.05], [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    target = negative_targets(proba)
    assert np.all(target[:, LABEL_INDEX["joy"]] == 0)
    assert np.allclose(target[0].sum(), 1) and np.allclose(target[0, 0], 0.2)
    assert np.all(np.isfinite(target)) and proba[0, LABEL_INDEX["joy"]] == 0.5  # the input is left alone


def test_praise_is_capped_per_complaint_and_a_source_without_complaints_keeps_its_rows():
    rows = pd.DataFrame({"text": [f"t{i}" for i in range(50)], "kind": ["complaint"] * 5 + ["praise"] * 45})
    capped = feedback_data._capped(rows)
    assert (capped["kind"] == "praise").sum() == feedback_data.PRAISE_PER_COMPLAINT * 5
    assert (capped["kind"] == "complaint").sum() == 5
    plain = pd.DataFrame({"text": ["a", "b"], "kind": ["plain", "plain"]})
    assert len(feedback_data._capped(plain)) == 2
    many = pd.DataFrame({"text": [f"p{i}" for i in range(feedback_data.PLAIN_PER_SOURCE + 7)], "kind": "plain"})
    assert len(feedback_data._capped(many)) == feedback_data.PLAIN_PER_SOURCE


def test_the_tweet_sets_are_read_as_polarity_and_their_undecided_rows_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_FEEDBACK_DIR", str(tmp_path))
    (tmp_path / "feedback_raw").mkdir()
    judged = "is_there_an_emotion_directed_at_a_brand_or_product"
    brands = pd.DataFrame(
        {
            "tweet_text": ["my café app crashed again", "love the new phone", "talk at noon", "hm", "which one", None],
            "emotion_in_tweet_is_directed_at": ["app", "phone", None, None, None, None],
            judged: [
                "Negative emotion",
                "Positive emotion",
                "No emotion toward brand or product",
                "Negative emotion",
                "I can't tell",
                "Positive emotion",
            ],
        }
    )
    brands.to_csv(tmp_path / "feedback_raw" / "brands_product_emotions.csv", index=False, encoding="latin-1")
    source = {s.name: s for s in feedback_data.SOURCES}
    rows = feedback_data._read(source["brand_tweets"])
    assert list(rows["kind"]) == ["complaint", "praise", "plain"]  # too short, undecided and empty rows left out
    assert rows["text"].iloc[0] == "my café app crashed again"
    apple = pd.DataFrame(
        {"sentiment": ["1", "3", "5", "not_relevant"], "text": ["battery dies by noon", "event today", "great", "xyz"]}
    )
    apple.to_csv(tmp_path / "feedback_raw" / "apple_twitter_sentiment.csv", index=False, encoding="latin-1")
    rows = feedback_data._read(source["apple_tweets"])
    assert list(rows["kind"]) == ["complaint", "plain", "praise"]
    irony = 'Tweet index\tLabel\tTweet text\n1\t1\tjust love a 3 hour queue "again"\n2\t0\tgame tonight\n3\t2\train\n'
    irony += "4\t3\tso the fire station burnt down\n5\t1\tok\n"
    (tmp_path / "feedback_raw" / "semeval2018_irony_train_taskB_emoji.txt").write_text(irony, encoding="utf-8")
    rows = feedback_data._read(source["irony_tweets"])  # only irony by polarity contrast, read as a complaint
    assert list(rows["kind"]) == ["complaint"] and rows["text"].iloc[0] == 'just love a 3 hour queue "again"'


def test_tweets_to_companies_are_read_as_complaints_or_not_and_the_held_back_airlines_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_FEEDBACK_DIR", str(tmp_path))
    (tmp_path / "feedback_raw").mkdir()
    feb_2015 = (1423000000000 - 1288834974657) << 22  # a tweet id sent on 2015-02-03
    rows = [
        (22631081115127808, "@shop where is my parcel, third week now", 1, "retail"),
        (22631081115127809, "@shop do you open on sundays?", 0, "retail"),
        (22631081115127810, "lovely weather for it", 0, "random_tweet"),
        (22631081115127811, "@United lost my bag again", 1, "transport"),
        (22631081115127812, "@SouthwestAir thanks for the upgrade", 0, "transport"),
        (feb_2015, "@rail the 8:10 is late again", 1, "transport"),
        (22631081115127813, "@rail my train was cancelled", 1, "transport"),
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "feedback_raw" / "complaints_social_media.csv", header=False, index=False)
    source = {s.name: s for s in feedback_data.SOURCES}["complaint_tweets"]
    read = feedback_data._read(source)
    assert list(read["text"]) == [
        "@shop where is my parcel, third week now",
        "@shop do you open on sundays?",
        "@rail my train was cancelled",
    ]
    assert list(read["kind"]) == ["complaint", "not complaint", "complaint"]


class _Fixed:
    """A model whose answers are given: seven-emotion probabilities and P(no emotion)."""

    def __init__(self, raw, no_emotion):
        self.answer = Predictions(np.asarray(raw, dtype=float), no_emotion=np.asarray(no_emotion, dtype=float))

    def classify(self, texts, batch_size=32):
        assert len(texts) == len(self.answer.raw)
        return self.answer


def test_a_message_that_is_not_a_complaint_learns_joy_or_no_emotion_whichever_the_model_finds_likelier():
    joyful, angry = np.eye(7)[LABEL_INDEX["joy"]], np.eye(7)[LABEL_INDEX["anger"]]
    model = _Fixed([joyful, joyful, angry, 0.5 * joyful + 0.5 * angry], [0.3, 0.6, 0.2, 0.4])
    # P(joy) = raw joy x (1 - P(no emotion)): 0.7, 0.4, 0, 0.3; never one of the six negative emotions
    assert not_complaint_targets(model, list("abcd")) == ["joy", "no emotion", "no emotion", "no emotion"]


def test_feedback_scores_leave_rows_judged_only_not_a_complaint_out_of_both_figures():
    joyful, angry = np.eye(7)[LABEL_INDEX["joy"]], np.eye(7)[LABEL_INDEX["anger"]]
    dev = pd.DataFrame({"text": list("abcde"), "kind": ["complaint", "praise", "plain", "not complaint", "plain"]})
    # the "not complaint" row is joyful and the calmest of all: counted as emotional it would lower the AUC
    model = _Fixed([angry, joyful, angry, joyful, angry], [0.1, 0.2, 0.8, 0.99, 0.7])
    figures = feedback_scores(model, dev)
    assert figures["complaints_joy"] == 0.0 and figures["praise_joy"] == 1.0
    assert figures["plain_auc"] == 1.0 and figures["feedback"] == 1.0


def test_the_no_emotion_threshold_holds_its_false_flags_in_every_domain():
    rng = np.random.default_rng(0)
    # domain B's emotional rows look calmer than domain A's: A's threshold alone would flag many of B's
    raw = np.r_[rng.beta(2, 8, 400), rng.beta(8, 2, 300), rng.beta(3, 4, 400), rng.beta(8, 2, 100)]
    neutral = np.r_[np.zeros(400, bool), np.ones(300, bool), np.zeros(400, bool), np.ones(100, bool)]
    domain = np.array(["A"] * 700 + ["B"] * 500, dtype=object)
    alone = fit_no_emotion_scale(raw[:700], neutral[:700], ~neutral[:700])
    both = fit_no_emotion_scale(raw, neutral, ~neutral, domain=domain)
    served = both.apply(raw)
    for name in ("A", "B"):
        rows = (domain == name) & ~neutral
        assert (served[rows] >= both.threshold).mean() <= 0.05
        assert both.by_domain[name]["emotional_flagged"] <= 0.05
    assert (alone.apply(raw[700:])[~neutral[700:]] >= alone.threshold).mean() > 0.05
    assert both.fitted_on == "A, B" and 0.5 < both.by_domain["B"]["auc"] < both.by_domain["A"]["auc"]
    assert NoEmotionScale.from_dict(both.to_dict()) == both
    assert NoEmotionScale.from_dict({"slope": 1.0, "intercept": 0.0, "threshold": 0.5}).fitted_on == "GoEmotions dev"


def test_the_recipe_says_what_the_feedback_rows_learnt_and_where_the_run_started():
    params = {
        "kind": "encoder",
        "large": False,
        "layers": [0, 2, 3, 5],
        "broad": False,
        "neutral": 5000,
        "init": "encoder-fast-two-domains",
        "teacher": "encoder-fast-two-domains",
        "temperature": 2.0,
        "distill_weight": 0.5,
        "llm_weight": 0.3,
        "feedback": {"rows": {"complaint": 1331, "praise": 1839, "plain": 2625}, "complaint_teacher": "encoder-large"},
        "epochs": 2,
        "lr": 3e-4,
        "batch_size": 32,
        "label_smoothing": 0.1,
        "weight_decay": 0.01,
        "warmup": 0.06,
        "seed": 0,
        "mix_alpha": 0.8,
        "mix_alphas_tried": [1.0, 0.9, 0.8],
    }
    text = recipe_text(params)
    assert "1,331 complaints" in text and "`encoder-large`'s probabilities with joy taken out" in text
    assert "2,625 plain requests and status messages as 'no emotion'" in text and "(the two-domain stage)" in text
    assert "ISEAR only" not in text and "0.2 x the starting adapter + 0.8 x the continued one" in text
    assert "tweets" not in text
    params["feedback"]["sources"] = ["amazon_alexa", "tweeteval_sentiment"]
    assert "2,625 plain requests, status messages and neutral tweets as 'no emotion'" in recipe_text(params)
    assert "ironic tweets" not in recipe_text(params) and "soup" not in recipe_text(params)
    assert "judged" not in recipe_text(params)
    params["feedback"]["sources"].append("irony_tweets")
    params["soup"] = {"weight": 0.5, "with": "`encoder-fast` at abc123", "with_adapter_sha256": "59e932265f89b262"}
    text = recipe_text(params)
    assert "negative tweets, ironic tweets whose praise words mean the opposite)" in text
    params["feedback"]["sources"].append("complaint_tweets")
    params["feedback"]["rows"]["not complaint"] = 542
    text = recipe_text(params)
    assert "the opposite, tweets to companies judged complaints)" in text
    assert "542 tweets to companies judged not complaints as joy or 'no emotion', whichever the starting" in text
    assert text.endswith(
        "soup: 0.5 x the adapter of `encoder-fast` at abc123 (sha256 59e932265f89…, continued from "
        "the same start) + 0.5 x this run's"
    )


def test_a_run_keeps_each_epochs_figures_and_writes_its_record(tmp_path, capsys):
    import json

    from emotion.training.two_domain_stage import EpochScores, record_run

    class Saved:
        family = "encoder"

        def save(self, folder):
            (folder / "adapter_model.safetensors").write_bytes(b"weights")
            return ["adapter_model.safetensors"]

    scores = iter([{"isear": 0.61234, "mean": 0.7}, {"isear": 0.65, "mean": 0.75}])
    dev_score = EpochScores(lambda model: next(scores))
    assert [dev_score(None), dev_score(None)] == [0.7, 0.75]
    assert dev_score.seen[0] == {"isear": 0.6123, "mean": 0.7} and '"isear": 0.6123' in capsys.readouterr().out
    record = record_run({"best_epoch": 2}, Saved(), tmp_path, dev_score.seen, 123, {"seed": 0})
    assert json.loads((tmp_path / "run.json").read_text()) == record
    assert record["files"] == ["adapter_model.safetensors"] and record["rows"] == 123
    assert record["dev_by_epoch"] == dev_score.seen and record["params"] == {"seed": 0} and record["threads"] >= 1
    # resumed after both epochs from its checkpoints: nothing scored again, the figures recorded before are kept
    history = [{"epoch": 1}, {"epoch": 2}]
    resumed = record_run({"best_epoch": 2, "history": history}, Saved(), tmp_path, [], 123, {"seed": 0})
    assert resumed["dev_by_epoch"] == dev_score.seen
