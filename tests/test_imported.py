"""Imported prediction sets: aligned by id or row order, never by accident."""

import pandas as pd
import pytest

from emotion.evaluation.imported import align_predictions
from emotion.io.tables import DataError


def test_ids_align_in_any_order_and_unknown_or_missing_ids_are_counted():
    data_ids = pd.Series(["7", "3", "5"])
    table = pd.DataFrame({"id": ["5", "99", "7"], "vendor": ["Joy", "anger", "sad"], "human": ["fear", "", "shame"]})
    sets = align_predictions(table, data_ids, 3, "p.csv")
    assert sets.sets["vendor"] == ["sadness", None, "joy"]
    assert sets.sets["human"] == ["shame", None, "fear"]
    assert sets.unknown_ids == 1 and sets.missing_ids == 1
    assert sets.unanswered == {"vendor": 1, "human": 1}
    assert "1 ids not in the data" in sets.summary()


def test_answers_naming_no_emotion_are_unanswered_and_counted():
    table = pd.DataFrame({"id": ["1", "2"], "vendor": ["fear or anger", "banana"]})
    sets = align_predictions(table, pd.Series(["1", "2"]), 2)
    assert sets.sets["vendor"] == [None, None] and sets.unmapped == {"vendor": 2}


def test_the_data_id_column_name_is_used_when_the_file_has_it():
    table = pd.DataFrame({"ref": ["b", "a"], "gpt": ["joy", "fear"]})
    sets = align_predictions(table, pd.Series(["a", "b"]), 2, id_column="ref")
    assert sets.sets["gpt"] == ["fear", "joy"] and sets.aligned_by == "id column 'ref'"


def test_duplicate_ids_are_an_error_naming_the_first():
    table = pd.DataFrame({"id": ["1", "2", "2", "3", "3"], "vendor": ["joy"] * 5})
    with pytest.raises(DataError, match="id '2' appears more than once"):
        align_predictions(table, pd.Series(["1", "2", "3"]), 3)


def test_without_ids_the_row_count_must_match():
    table = pd.DataFrame({"vendor": ["joy", "fear"]})
    assert align_predictions(table, None, 2).sets["vendor"] == ["joy", "fear"]
    with pytest.raises(DataError, match="2 rows but the data has 3"):
        align_predictions(table, None, 3)


def test_ids_on_one_side_only_and_no_label_column_are_errors():
    with pytest.raises(DataError, match="the data has none"):
        align_predictions(pd.DataFrame({"id": ["1"], "v": ["joy"]}), None, 1)
    with pytest.raises(DataError, match="no label column"):
        align_predictions(pd.DataFrame({"id": ["1"]}), pd.Series(["1"]), 1)
