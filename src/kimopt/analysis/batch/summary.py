"""The summary of a batch: ``summary.csv`` for machines, ``summary.xlsx`` for people, a DataFrame."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.analysis.batch.run import SUMMARY_NAMES, Row

if TYPE_CHECKING:
    import pandas as pd

HEADERS = {  # column -> (German, English) for the workbook; the CSV uses the column keys
    "file": ("Datei", "File"),
    "name": ("Name", "Name"),
    "status": ("Status", "Status"),
    "positions_used": ("VZÄ genutzt", "VZÄ used"),
    "positions_fundable": ("VZÄ förderfähig", "VZÄ fundable"),
    "kreis_share": ("Anteil Kreis", "Kreis share"),
    "deviation_l1": ("Abweichung Σ|c−e| (VZÄ)", "Deviation Σ|c−e| (VZÄ)"),
    "eigenanteil_eur": ("Eigenanteil (€/Jahr)", "Own share (€/year)"),
    "seconds": ("Sekunden", "Seconds"),
    "error": ("Fehler", "Error"),
    "plan": ("Plan", "Plan"),
    "resumed": ("übernommen (--resume)", "kept (--resume)"),
}

COLUMNS = tuple(f.name for f in fields(Row))


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``= + - @``, tab, CR) gets a leading ``'``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _cell_text(value: Any) -> Any:
    """Control characters (a file named with one) cannot stand in a workbook: shown as ``\\x07``."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: m.group().encode("unicode_escape").decode(), value)
    return value


def summary_csv(rows: list[Row]) -> str:
    """The summary as CSV: column keys as header, dot decimals, one row per instance."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in asdict(row).values()])
    return buffer.getvalue()


def summary_xlsx(rows: list[Row], lang: str = "de") -> bytes:
    """The summary as a workbook for the Lenkungsgruppe: labelled columns, filters, formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Übersicht" if lang == "de" else "Summary"
    sheet.append([HEADERS[c][0 if lang == "de" else 1] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {
        "positions_used": "0.0",
        "positions_fundable": "0.0",
        "kreis_share": "0.0%",
        "deviation_l1": "0.000",
        "eigenanteil_eur": '#,##0 "€"',
        "seconds": "0.00",
    }
    for row in rows:
        values = asdict(row)
        values["resumed"] = ("ja" if lang == "de" else "yes") if row.resumed else ""
        sheet.append([_cell_text(neutralise(values[c])) for c in COLUMNS])
        for c, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            if c in formats:
                cell.number_format = formats[c]
    widths = {"file": 40, "name": 34, "status": 12, "error": 60, "plan": 36}
    for n, c in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(1, n + 1).column_letter].width = widths.get(c, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TEXT_COLUMNS = ("file", "name", "status", "error", "plan")


def summary_frame(rows: list[Row]) -> pd.DataFrame:
    """The summary as a pandas DataFrame: one row per instance, the columns of ``summary.csv``."""
    import pandas as pd

    return pd.DataFrame([asdict(row) for row in rows], columns=list(COLUMNS))


def read_summary(out: Path) -> pd.DataFrame:
    """``summary.csv`` of a finished batch in ``out`` as a DataFrame (empty text cells as ``""``)."""
    import pandas as pd

    frame = pd.read_csv(out / SUMMARY_NAMES[0], dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                        na_values={c: [""] for c in COLUMNS if c not in TEXT_COLUMNS})
    return frame


def write_summary(rows: list[Row], out: Path, lang: str = "de") -> list[Path]:
    """``summary.csv`` and ``summary.xlsx`` in ``out``, each written atomically."""
    from kimopt.io.atomic import write_bytes_atomic, write_text_atomic

    csv_path, xlsx_path = out / SUMMARY_NAMES[0], out / SUMMARY_NAMES[1]
    write_text_atomic(csv_path, summary_csv(rows))
    write_bytes_atomic(xlsx_path, summary_xlsx(rows, lang))
    return [csv_path, xlsx_path]
