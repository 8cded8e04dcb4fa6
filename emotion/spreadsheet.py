"""Downloads for spreadsheet users: CSV and XLSX bytes with formula injection neutralised."""

from __future__ import annotations

import io

import pandas as pd

from emotion.labelling import neutralise_formulas


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel detects the encoding)."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """An XLSX workbook with one sheet, ``labelled``."""
    buffer = io.BytesIO()
    neutralise_formulas(frame).to_excel(buffer, index=False, sheet_name="labelled", engine="openpyxl")
    return buffer.getvalue()
