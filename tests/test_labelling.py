import numpy as np
import pandas as pd

from emotion.labelling import add_consensus, neutralise_formulas


def test_consensus_votes_ties_and_flags():
    frame = pd.DataFrame(
        {
            "a_label": ["joy", "joy", "fear", None],
            "a_confidence": [0.9, 0.4, 0.3, np.nan],
            "b_label": ["joy", "fear", "fear", None],
            "b_confidence": [0.8, 0.9, 0.2, np.nan],
            "c_label": ["sadness", None, "fear", None],
            "c_confidence": [0.7, np.nan, 0.4, np.nan],
        }
    )
    out = add_consensus(frame, ["a", "b", "c"], threshold=0.5)
    # row 1: a 1-1 tie goes to the label with the higher confidence; row 3: nobody answered
    assert list(out.consensus_label[:3]) == ["joy", "fear", "fear"] and pd.isna(out.consensus_label[3])
    assert list(out.agreement[:3]) == [0.667, 0.5, 1.0] and np.isnan(out.agreement[3])
    assert list(out.disagreement) == [True, True, False, False]
    assert list(out.low_confidence) == [False, False, True, False]


def test_formula_cells_are_neutralised():
    frame = pd.DataFrame({"t": ["=1+1", "+A1", "-2", "@SUM(A1)", "\tx", "plain", None], "n": range(7)})
    out = neutralise_formulas(frame)
    assert list(out.t[:5]) == ["'=1+1", "'+A1", "'-2", "'@SUM(A1)", "'\tx"]
    assert out.t[5] == "plain" and pd.isna(out.t[6]) and list(out.n) == list(range(7))


def test_chunks_cover_every_row_once_and_adapt(sample):
    from emotion.labelling import label_chunks
    from emotion.models.tfidf import TfidfClassifier

    texts, labels = sample
    model = TfidfClassifier().fit(texts * 3, labels * 3)
    frame = pd.DataFrame({"text": [f"{t} {i}" for i, t in enumerate(texts * 20)]})
    parts = list(label_chunks(frame, "text", {"tfidf": model}, start=10, chunk_rows=8, target_seconds=0.05))
    assert pd.concat(parts).index.tolist() == list(range(10, len(frame)))
    assert len({len(p) for p in parts[:-1]}) > 1  # chunk sizes follow the measured rate
