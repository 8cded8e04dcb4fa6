import pandas as pd
import pytest

from emotion.io.datasets import load_isear, load_labelled
from emotion.io.formats import sniff_csv
from emotion.io.tables import DataError, guess_text_column, read_table
from emotion.io.text import check_text


def test_reads_csv_with_detected_delimiter_and_encoding(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes("id;text;note\n1;Ich war so fröhlich heute;x\n2;Café closed;007\n".encode("cp1252"))
    frame = read_table(path)
    assert list(frame.columns) == ["id", "text", "note"]
    assert frame.loc[0, "text"] == "Ich war so fröhlich heute"
    assert frame.loc[1, "note"] == "007"  # strings stay strings
    assert sniff_csv(path.read_bytes()) == ("cp1252", ";")


def test_reads_xlsx_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"text": ["hello there", "bye now"]}).to_excel(writer, sheet_name="second", index=False)
    assert list(read_table(path, sheet="second").text) == ["hello there", "bye now"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"%PDF", "unsupported file type"),
        ("x.xlsx", b"this is not a zip file", "cannot read"),
        ("x.csv", b"", "cannot read"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as error:
        read_table(path)
    assert "\n" not in str(error.value)


def test_labelled_file_checks_columns_and_labels(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("text,label\nI was happy,Joy\nI was scared,afraid\n")
    frame = load_labelled(path)
    assert list(frame.label) == ["joy", "fear"] and list(frame.id) == [0, 1]
    path.write_text("text,label\nI was happy,joy\nI was bored,boredom\n")
    with pytest.raises(DataError, match="row 3: label 'boredom'"):
        load_labelled(path)
    path.write_text("words,label\nI was happy,joy\n")
    with pytest.raises(DataError, match="no column 'text'"):
        load_labelled(path)


def test_text_checks_and_column_guess():
    assert check_text("hi") is None
    assert check_text("   ") == "empty text"
    assert check_text(None) == "empty text"
    assert check_text(float("nan")) == "empty text"
    assert check_text(12) == "not text"
    frame = pd.DataFrame({"id": ["1", "2"], "comment": ["I loved the show", "It was awful and long"]})
    assert guess_text_column(frame) == "comment"
    with pytest.raises(DataError):
        guess_text_column(pd.DataFrame({"n": ["1", "2"]}))


@pytest.mark.isear
def test_isear_splits(isear_dir):
    train, dev = load_isear("train"), load_isear("dev")
    assert (len(train), len(dev)) == (5366, 766)
    assert set(train.label) == {"anger", "disgust", "fear", "guilt", "joy", "sadness", "shame"}
    assert not set(train.id) & set(dev.id)
    assert dev.placeholder.sum() > 0  # placeholders are kept, never dropped


def test_data_dir_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTION_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="EMOTION_DATA_DIR"):
        load_isear("dev")


def test_labelled_data_maps_labels_tolerantly_and_lists_what_it_excludes():
    from emotion.io.datasets import labelled_data

    frame = pd.DataFrame(
        {
            "comment": ["I won", "He hit me", "", "A spider", "Lost my dog", None],
            "feeling": ["Happy", "ANGRY", "joy", "banana", "sad", "fear"],
        }
    )
    data = labelled_data(frame)
    assert (data.text_column, data.label_column, data.id_column) == ("comment", "feeling", None)
    assert list(data.rows["label"]) == ["joy", "anger", "sadness"]
    assert list(data.rows["row"]) == [2, 3, 6]
    assert data.excluded[["row", "reason"]].values.tolist() == [
        [4, "empty text"],
        [5, "label not an emotion"],
        [7, "empty text"],
    ]
    assert "3 excluded" in data.summary() and "rows 4, 7" in data.summary()


@pytest.mark.parametrize(
    ("labels", "message"),
    [(["", "", ""], "no label column found"), (["joy", "joy", "glad"], "at least two emotions")],
)
def test_labelled_data_refuses_empty_and_one_class_label_columns(labels, message):
    from emotion.io.datasets import labelled_data
    from emotion.io.tables import DataError

    with pytest.raises(DataError, match=message):
        labelled_data(pd.DataFrame({"text": ["a b", "c d", "e f"], "note": labels}))
