"""The summary of a batch: ``summary.csv`` for German Excel (or the keys with ``lang="en"``),
``summary.xlsx`` for people, ``summary.json`` for machines, a DataFrame."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.analysis.batch.run import SUMMARY_NAMES, Row
from kimopt.labels import DEVIATION_SUM

if TYPE_CHECKING:
    import pandas as pd

HEADERS = {  # column -> (German, English) for the workbook and the German CSV; the English CSV uses the keys
    "file": ("Datei", "File"),
    "name": ("Name", "Name"),
    "status": ("Status", "Status"),
    "positions_used": ("VZÄ genutzt", "VZÄ used"),
    "positions_fundable": ("VZÄ förderfähig", "VZÄ fundable"),
    "kreis_share": ("Anteil Kreis", "Kreis share"),
    "deviation_l1": DEVIATION_SUM,
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


def _csv_cell(value: Any, lang: str) -> str:
    """One CSV cell: German decimal comma and ja/nein, or English dots and yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("ja" if value else "nein") if lang == "de" else ("yes" if value else "no")
    if isinstance(value, float) and lang == "de":
        return format(value, "f").rstrip("0").rstrip(".").replace(".", ",") if value % 1 else str(int(value))
    return str(neutralise(value))


def summary_csv(rows: list[Row], lang: str = "de") -> str:
    """The summary as CSV, one row per instance.

    German (default): what German Excel opens as columns on a double click – ``;`` as separator,
    decimal comma, ``ja``/``nein``, German headers, UTF-8 with a byte-order mark. English: the
    column keys as header, ``,`` and dot decimals, for scripts (``summary.json`` has the same keys).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "de" else ",", lineterminator="\r\n")
    writer.writerow([HEADERS[c][0] for c in COLUMNS] if lang == "de" else COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(v, lang) for v in asdict(row).values()])
    return ("\ufeff" if lang == "de" else "") + buffer.getvalue()


def summary_json(rows: list[Row]) -> str:
    """The summary with the column keys and JSON types, for scripts and tests."""
    import json

    return json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2) + "\n"


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
    from kimopt.report.xlsx import page_setup

    page_setup(sheet)  # one page wide in landscape, the header row on every page
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_frame(rows: list[Row]) -> pd.DataFrame:
    """The summary as a pandas DataFrame: one row per instance, the columns of ``summary.csv``."""
    import pandas as pd

    return pd.DataFrame([asdict(row) for row in rows], columns=list(COLUMNS))


def read_summary(out: Path) -> pd.DataFrame:
    """The summary of a finished batch in ``out`` as a DataFrame, from ``summary.json`` (the column
    keys and JSON types; ``summary.csv`` is laid out for German Excel)."""
    import json

    data = json.loads((out / SUMMARY_NAMES[2]).read_text(encoding="utf-8"))
    return summary_frame([Row(**{k: v for k, v in entry.items() if k in COLUMNS}) for entry in data])


def summary_outputs(rows: list[Row], out: Path, lang: str = "de") -> list[tuple[Path, bytes]]:
    """``summary.csv`` (German Excel, or the keys with ``lang="en"``), ``summary.xlsx`` and
    ``summary.json`` in ``out``, rendered, not yet written."""
    csv_path, xlsx_path, json_path = (out / name for name in SUMMARY_NAMES)
    return [
        (csv_path, summary_csv(rows, lang).encode("utf-8")),
        (xlsx_path, summary_xlsx(rows, lang)),
        (json_path, summary_json(rows).encode("utf-8")),
    ]


def write_summary(rows: list[Row], out: Path, lang: str = "de") -> list[Path]:
    """The three summary files of :func:`summary_outputs`, written together (all or none)."""
    from kimopt.io.atomic import write_all_atomic

    files = summary_outputs(rows, out, lang)
    write_all_atomic(files)
    return [path for path, _ in files]
