"""The file-format table: every writer round-trips any text; regression tests for the file bugs users hit."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emotion.cli import main
from emotion.io import formats
from emotion.io.tables import DataError, default_sheet, read_table

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),  # any character a string can hold
    max_size=300,
) | st.sampled_from(["=1+1", "+33 6", "-x", "@sum", "\ttab", "\rcr", 'say "hi"', "a\r\nb", "\x00nul", "x" * 40_000])


def read_back(data: bytes, file_format: formats.FileFormat) -> pd.DataFrame:
    return read_table(data, name=f"back{file_format.suffixes[0]}")


@pytest.mark.parametrize("file_format", formats.FORMATS, ids=lambda f: f.name)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(TEXT, min_size=1, max_size=12))
def test_every_writer_round_trips_rows_and_text(file_format, cells):
    frame = pd.DataFrame({"id": [str(i) for i in range(len(cells))], "text": cells})
    back = read_back(formats.to_bytes(frame, file_format), file_format)
    assert len(back) == len(frame)  # same number of rows, whatever the cells hold
    assert list(back["id"]) == list(frame["id"])
    written = formats.prepare(frame, file_format)
    if file_format.typed:  # a column that reads as numbers, dates or booleans is written as such
        written, back = formats.restore_types(written), formats.restore_types(back)
    if file_format.name in ("CSV", "TSV", "JSON Lines", "Parquet"):
        # Text comes back as written (after formula neutralisation); an empty cell reads back as missing.
        expected = ["" if pd.isna(v) or v == "" else str(v) for v in written["text"]]
        assert [("" if pd.isna(v) else str(v)) for v in back["text"]] == expected
    if file_format.illegal is not None:  # XLSX: what it cannot hold is replaced or cut, and counted per row
        illegal = [len(file_format.illegal.findall(v)) for v in cells]
        cut = [len(v) > file_format.max_cell_chars for v in cells]
        statuses = back["status"].fillna("") if "status" in back.columns else [""] * len(cells)
        for count, too_long, status in zip(illegal, cut, statuses, strict=True):
            assert (f"{count} illegal character" in status) == bool(count)
            assert ("cut to 32,767 characters" in status) == too_long


def test_a_carriage_return_in_a_cell_keeps_the_row_count():
    frame = pd.DataFrame({"text": ["one\rtwo", "three", "four\r", "five", "six", "seven"]})
    data = formats.to_bytes(frame, "csv")
    assert len(read_back(data, formats.by_name("csv"))) == 6
    assert len(pd.read_csv(io.BytesIO(data))) == 6  # any CSV reader, not only ours


def test_nul_and_control_characters_do_not_break_xlsx():
    frame = pd.DataFrame({"text": ["fine", "bad\x00cell\x07", "also fine"], "status": ["ok", "ok", "ok"]})
    back = read_back(formats.to_bytes(frame, "xlsx"), formats.by_name("xlsx"))
    assert list(back["text"]) == ["fine", "bad\ufffdcell\ufffd", "also fine"]
    assert list(back["status"]) == ["ok", "ok; 2 illegal characters replaced", "ok"]


def test_utf16_csv_with_a_byte_order_mark_is_read(tmp_path):
    frame = pd.DataFrame({"id": ["1", "2"], "answer": ["I was so happy — truly", "Ich war wütend"]})
    data = frame.to_csv(index=False).encode("utf-16")  # BOM + UTF-16 LE, as Excel's "Unicode text"
    assert data[:2] == b"\xff\xfe"
    assert formats.sniff_csv(data)[0] == "utf-16"
    back = read_table(data, name="survey.csv")
    assert list(back.columns) == ["id", "answer"] and list(back["answer"]) == list(frame["answer"])
    (tmp_path / "survey.csv").write_bytes(data)
    code = main(
        [
            "label",
            str(tmp_path / "survey.csv"),
            "--text-column",
            "answer",
            "--model",
            "tfidf",
            "--output",
            str(tmp_path / "out.xlsx"),
        ]
    )
    assert code == 0
    assert list(pd.read_excel(tmp_path / "out.xlsx", dtype=str)["answer"]) == list(frame["answer"])


def test_rows_with_more_fields_than_the_header_are_kept():
    data = b"id,answer\n1,I was happy\n2,I was sad,and more,and more still\n3,I was angry\n"
    frame = read_table(data, name="ragged.csv")
    assert len(frame) == 3
    assert list(frame["answer"]) == ["I was happy", "I was sad", "I was angry"]
    assert frame[formats.OVERFLOW_COLUMN].tolist()[1] == "and more,and more still"
    assert frame[formats.OVERFLOW_COLUMN].isna().tolist() == [True, False, True]


def test_xlsx_defaults_to_the_first_sheet_with_data(tmp_path):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="cover", index=False)
        pd.DataFrame({"answer": ["I was happy", "I was sad"]}).to_excel(writer, sheet_name="answers", index=False)
    data = buffer.getvalue()
    assert default_sheet(data) == "answers"
    assert list(read_table(data, name="book.xlsx")["answer"]) == ["I was happy", "I was sad"]
    path = tmp_path / "book.xlsx"
    path.write_bytes(data)
    with pytest.raises(DataError, match="empty"):
        read_table(path, sheet="cover")


def test_cli_sheet_option(capsys, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"answer": ["I was happy"]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"answer": ["I was sad", "I was scared"]}).to_excel(writer, sheet_name="second", index=False)
    argv = ["label", str(path), "--text-column", "answer", "--model", "tfidf", "--output", str(tmp_path / "o.csv")]
    assert main([*argv, "--sheet", "second"]) == 0
    assert list(pd.read_csv(tmp_path / "o.csv")["answer"]) == ["I was sad", "I was scared"]
    assert main([*argv, "--sheet", "third"]) == 2
    assert "third" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl"])
def test_new_formats_stream_through_the_cli(tmp_path, suffix):
    file_format = formats.format_for(f"x{suffix}")
    frame = pd.DataFrame({"id": ["007", "8"], "answer": ["I was happy", "=cmd"]})
    source = tmp_path / f"in{suffix}"
    with open(source, "wb") as handle:
        file_format.write(frame, handle)
    output = tmp_path / f"out{suffix}"
    assert main(["label", str(source), "--text-column", "answer", "--model", "tfidf", "--output", str(output)]) == 0
    back = read_table(output)
    assert list(back["id"]) == ["007", "8"] and back["tfidf_label"].notna().all()
    assert back["answer"].iloc[1] == ("'=cmd" if file_format.spreadsheet else "=cmd")


def test_unknown_suffix_is_one_line():
    with pytest.raises(DataError, match=r"unsupported file type \.doc"):
        read_table(b"x", name="notes.doc")


def test_a_header_without_rows_is_a_one_line_error(capsys, tmp_path):
    (tmp_path / "empty.csv").write_text("id,answer\n")
    argv = ["label", str(tmp_path / "empty.csv"), "--text-column", "answer", "--model", "tfidf"]
    assert main([*argv, "--output", str(tmp_path / "o.csv")]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert errors == ["error: empty.csv: column 'answer' holds no text (empty or numbers only)"]
    assert not (tmp_path / "o.csv").exists()


TYPED = st.fixed_dictionaries(
    {
        "when": st.datetimes(
            min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2100-01-01").to_pydatetime()
        ).map(lambda d: pd.Timestamp(d).floor("s")),
        "rating": st.integers(min_value=-(10**9), max_value=10**9),
        "score": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)),
        "flag": st.booleans(),
        "ref": st.integers(min_value=0, max_value=9999).map(lambda i: f"0{i:04d}"),  # an id with a leading zero
    }
)


@pytest.mark.parametrize("file_format", formats.FORMATS, ids=lambda f: f.name)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(TYPED, min_size=1, max_size=8))
def test_dates_numbers_and_booleans_keep_their_types(file_format, rows):
    """A typed upload (XLSX, Parquet) comes back typed in every download that holds types; CSV and TSV keep
    ISO dates and plain numbers; ids with leading zeros stay text everywhere."""
    typed = pd.DataFrame(rows)
    upload = formats.to_bytes(typed, formats.by_name("XLSX"))
    frame = read_table(upload, name="upload.xlsx")  # what the app reads: strings
    assert list(frame["ref"]) == list(typed["ref"])
    back = read_table(formats.to_bytes(frame, file_format), name=f"back{file_format.suffixes[0]}")
    if file_format.typed:
        raw = formats.to_bytes(frame, file_format)
        native = (
            pd.read_excel(io.BytesIO(raw))
            if file_format.name == "XLSX"
            else pd.read_parquet(io.BytesIO(raw))
            if file_format.name == "Parquet"
            else pd.read_json(io.BytesIO(raw), lines=True, dtype=False)
        )
        assert pd.api.types.is_integer_dtype(native["rating"]) and list(native["rating"]) == list(typed["rating"])
        assert pd.api.types.is_float_dtype(native["score"]) or pd.api.types.is_integer_dtype(native["score"])
        assert native["score"].astype(float).tolist() == pytest.approx(typed["score"].tolist())
        assert pd.api.types.is_bool_dtype(native["flag"]) and list(native["flag"]) == list(typed["flag"])
        if file_format.name != "JSON Lines":  # JSON has no date type: ISO text
            assert pd.api.types.is_datetime64_any_dtype(native["when"])
            assert list(native["when"]) == list(typed["when"])
    else:
        assert list(back["when"]) == [d.isoformat(sep=" ") for d in typed["when"]]
        assert list(back["rating"]) == [str(v) for v in typed["rating"]]
    assert list(back["ref"]) == list(typed["ref"])


# Hostile workbooks: tiny files that once took the server up by gigabytes -------------------------------------------


def rewrite(source: Path, target: Path, part: str, change) -> None:
    """A copy of the workbook ``source`` with one XML part changed by ``change(bytes)`` (bytes or chunks)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename != part:
                new.writestr(info, data)
                continue
            changed = change(data)
            with new.open(info.filename, "w", force_zip64=True) as handle:
                for chunk in [changed] if isinstance(changed, bytes) else changed:
                    handle.write(chunk)


def whitespace(sheet: bytes):
    """The sheet with 100 MB of spaces inside ``<sheetData>``, in chunks."""
    head, tail = sheet.split(b"<sheetData>", 1)
    yield head + b"<sheetData>"
    for _ in range(100):
        yield b" " * 1_000_000
    yield tail


def shared_strings(path: Path, strings: list[str], rows: list[int]) -> None:
    """A one-column workbook written by hand: ``rows`` index the shared ``strings`` (Excel caps a cell at 32,767
    characters when it writes; a hand-made file need not)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    content = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{content}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{content}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{kind}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="r1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{kind}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="r2" Type="{kind}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>'
            + "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{s}</v></c></row>' for i, s in enumerate(rows))
            + "</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{main}" count="{len(rows)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{s}</t></si>" for s in strings)
            + "</sst>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text)


def hostile_workbooks(folder: Path) -> dict[str, Path]:
    """The three probes: a far-off cell (``XFD2000``), a sheet padded with 100 MB of whitespace (0.1 MB zipped),
    and one 1 MB shared string used by 1,000 rows."""
    from openpyxl import Workbook

    paths = {name: folder / f"{name}.xlsx" for name in ("far_cell", "whitespace", "shared_string", "plain")}
    book = Workbook()
    book.active.append(["comment"])
    book.active.append(["fine"])
    book.active["XFD2000"] = "x"
    book.save(paths["far_cell"])
    book = Workbook()
    for row in [["comment"], *[["a short comment"]] * 50]:
        book.active.append(row)
    book.save(paths["plain"])
    rewrite(paths["plain"], paths["whitespace"], "xl/worksheets/sheet1.xml", whitespace)
    shared_strings(paths["shared_string"], ["comment", "complaint " * 100_000], [0] + [1] * 1000)
    return paths


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_workbooks(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("far_cell", "declares 2,000 rows × 16,384 columns"),
        ("shared_string", "characters of text"),
        ("whitespace", "unpacks from"),
    ],
)
def test_a_hostile_workbook_is_refused_in_one_line(hostile, name, message):
    with pytest.raises(DataError) as refused:
        read_table(hostile[name])
    assert message in str(refused.value) and "\n" not in str(refused.value)


PEAK = """
import resource, sys
from emotion.io.tables import DataError, read_table
try:
    read_table(sys.argv[1])
except DataError:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow  # five interpreters
def test_hostile_workbooks_never_take_memory(hostile):
    """Peak memory reading each probe, above a 50-row workbook's: it once was 0.8 GB (far cell), 3 GB (whitespace)
    and 5.1 GB (shared string, then a traceback)."""

    def peak_mb(path: Path) -> int:
        done = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True)
        return int(done.stdout.split()[-1])

    baseline = peak_mb(hostile["plain"])
    for name in ("far_cell", "whitespace", "shared_string"):
        assert peak_mb(hostile[name]) - baseline < 50, name
