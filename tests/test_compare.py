"""Figures the Compare page draws: quality against speed and cost, the Pareto front."""

import math

import pandas as pd
import pytest

from emotion.evaluation.comparison import cost_speed, pareto_front


def metrics(**extra: dict) -> dict:
    """Stored-evaluation shape: a local model, GPT-3.5 answers, and a cascade sending 40% of rows to them."""
    gpt = {"family": "llm", "llm": "gpt-3.5-turbo-1106", "macro_f1": 0.70, **extra}
    return {
        "models": {
            "encoder-fast": {"family": "encoder", "macro_f1": 0.68, "intervals": {"macro_f1": [0.65, 0.71]}},
            "llm:openai-gpt-3.5-turbo-1106": gpt,
            "cascade:encoder-fast+llm:openai-gpt-3.5-turbo-1106": {
                "family": "cascade",
                "cascade": "cascade:encoder-fast+llm:openai-gpt-3.5-turbo-1106",
                "macro_f1": 0.72,
                "fallback_share": 0.4,
            },
        }
    }


def test_cost_from_the_tokens_the_endpoint_reported():
    # 1,000 requests reported 120 input and 8 output tokens each: $1 and $2 per million tokens
    tokens = {"requests": 1000, "reported": 1000, "input_tokens": 120_000, "output_tokens": 8_000}
    table = cost_speed(metrics(tokens=tokens), ["a text"], {"encoder-fast": 1000.0}).set_index("model")
    gpt = table.loc["llm:openai-gpt-3.5-turbo-1106"]
    assert gpt["cost_basis"] == "measured"
    assert gpt["usd_per_1k"] == pytest.approx((120_000 * 1.0 + 8_000 * 2.0) / 1e6)
    cascade = table.loc["cascade:encoder-fast+llm:openai-gpt-3.5-turbo-1106"]
    assert cascade["usd_per_1k"] == pytest.approx(0.4 * gpt["usd_per_1k"])
    assert table.loc["encoder-fast", "usd_per_1k"] == 0 and table.loc["encoder-fast", "cost_basis"] == "local"
    assert table.loc["encoder-fast", "macro_f1_low"] == 0.65


def test_cost_is_estimated_without_reported_tokens_and_unknown_without_a_price():
    table = cost_speed(metrics(), ["x" * 400], {"encoder-fast": 1000.0}).set_index("model")
    assert table.loc["llm:openai-gpt-3.5-turbo-1106", "cost_basis"] == "estimated"
    assert table.loc["llm:openai-gpt-3.5-turbo-1106", "usd_per_1k"] > 0.1  # 100 text tokens + the prompt
    unpriced = {"models": {"vendor": {"family": "imported", "macro_f1": 0.5}}}
    row = cost_speed(unpriced, ["a"], {}).iloc[0]
    assert math.isnan(row["usd_per_1k"]) and row["cost_basis"] == "unknown"


def test_pareto_front():
    quality = pd.Series([0.7, 0.6, 0.8, 0.5, float("nan")])
    speed = pd.Series([100.0, 1000.0, 10.0, 50.0, 1e6])
    assert pareto_front(quality, speed) == [True, True, True, False, False]


def test_the_reliability_diagram_shades_the_perfectly_calibrated_band():
    import pandas as pd

    from emotion.dashboard.charts import reliability_diagram

    bins = pd.DataFrame(
        {
            "confidence": [0.4, 0.8, 0.4, 0.8],
            "accuracy": [0.5, 0.7, 0.3, 0.9],
            "rows": [10, 10, 10, 10],
            "low": [0.2, 0.6, 0.2, 0.6],
            "high": [0.6, 0.95, 0.6, 0.95],
            "stage": ["after calibration"] * 2 + ["before calibration"] * 2,
        }
    )
    names = [trace.name for trace in reliability_diagram(bins, "m").data]
    assert names == ["ideal", "perfectly calibrated, 95% of draws", "after calibration", "before calibration"]
    band = reliability_diagram(bins, "m").data[1]
    assert list(band.y) == [0.6, 0.95, 0.6, 0.2]  # high along the after-calibration bins, then low back
    no_band = reliability_diagram(bins.drop(columns=["low", "high"]), "m")
    assert [trace.name for trace in no_band.data] == ["ideal", "after calibration", "before calibration"]


def test_the_calibration_table_shows_the_cards_cross_validated_ece_beside_the_in_sample_one():
    from emotion.evaluation.comparison import calibration_table

    scores = {"ece": 0.02, "ece_perfect_p95": 0.05, "brier": 0.4, "rows": 10}
    metrics = {
        "models": {
            "local": {
                "calibration": scores,
                "calibration_before": {**scores, "ece": 0.08},
                "temperature": 1.1,
                "dev_ece_cross_validated": 0.049,
            },
            "imported": {"calibration": {**scores, "ece": 0.3}},
        }
    }
    table = calibration_table(metrics).set_index("model")
    assert table.loc["local", "ECE on ISEAR dev, cross-validated"] == 0.049
    assert table.loc["local", "ECE before"] == 0.08 and table.loc["local", "ECE"] == 0.02
    assert pd.isna(table.loc["imported", "ECE on ISEAR dev, cross-validated"])


def test_cascade_choices_read_what_the_evaluation_recorded_not_family_names():
    from emotion.evaluation.comparison import confidence_systems, fallback_systems

    stored = metrics()
    stored["models"]["encoder-fast"]["probabilities"] = True
    stored["models"]["llm:openai-gpt-3.5-turbo-1106"]["probabilities"] = False
    columns = ["encoder-fast_confidence", "llm:openai-gpt-3.5-turbo-1106_confidence"]
    assert confidence_systems(pd.DataFrame(columns=columns), stored) == ["encoder-fast"]
    assert fallback_systems(stored, "encoder-fast") == ["llm:openai-gpt-3.5-turbo-1106"]  # never a cascade
    stored["models"]["toy"] = {"family": "toy", "probabilities": True, "macro_f1": 0.5}  # a new family needs no entry
    assert confidence_systems(pd.DataFrame(columns=[*columns, "toy_confidence"]), stored) == ["encoder-fast", "toy"]
