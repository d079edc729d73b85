"""The summary of a batch: ``summary.csv`` for German Excel (or the keys with ``lang="en"``),
``summary.xlsx`` for people, ``summary.json`` for machines, a DataFrame.

One line per instance and year (:func:`summary_lines`): a multi-year instance has a line for
every year of its plan, each with that year's figures; a one-year instance one line (``year``:
its funding year, empty without one); an instance without a plan one line with the reason
(``year``: the year that has no plan, where the solve got that far).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.analysis.batch.run import SUMMARY_NAMES, Row, YearFigures
from kimopt.labels import DEVIATION_SUM

if TYPE_CHECKING:
    import pandas as pd

HEADERS = {  # column -> (German, English) for the workbook and the German CSV; the English CSV uses the keys
    "file": ("Datei", "File"),
    "name": ("Name", "Name"),
    "year": ("Jahr", "Year"),
    "status": ("Status", "Status"),
    "positions_used": ("VZÄ genutzt", "VZÄ used"),
    "positions_fundable": ("VZÄ förderfähig", "VZÄ fundable"),
    "kreis_share": ("Anteil Kreis", "Kreis share"),
    "deviation_l1": DEVIATION_SUM,
    "eigenanteil_eur": ("Eigenanteil (€/Jahr)", "Own share (€/year)"),
    "eigenanteil_all_eur": ("Eigenanteil alle Bausteine (€/Jahr)", "Own share all Bausteine (€/year)"),
    "binding_rules": ("Begrenzende Regeln", "Binding rules"),
    "binding_rules_complete": ("Begrenzende Regeln vollständig geprüft", "Binding rules completely checked"),
    "seconds": ("Sekunden", "Seconds"),
    "error": ("Fehler", "Error"),
    "plan": ("Plan", "Plan"),
    "resumed": ("übernommen (--resume)", "kept (--resume)"),
}

COLUMNS = tuple(HEADERS)


def summary_lines(rows: list[Row]) -> list[dict[str, Any]]:
    """The summary's lines, keyed by :data:`COLUMNS`: one per instance and year of its plan.

    The instance's own columns (file, name, seconds, error, plan, resumed) stand on each of its
    lines, so that a filter on one year keeps them; ``status`` is the year's.
    """
    lines = []
    for row in rows:
        for year in row.years or [YearFigures(status=row.status)]:
            line = {**asdict(row), **asdict(year)}
            lines.append({c: line[c] for c in COLUMNS})
    return lines


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
    """The summary as CSV, one row per instance and year.

    German (default): what German Excel opens as columns on a double click – ``;`` as separator,
    decimal comma, ``ja``/``nein``, German headers, UTF-8 with a byte-order mark. English: the
    column keys as header, ``,`` and dot decimals, for scripts (``summary.json`` has the same keys).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "de" else ",", lineterminator="\r\n")
    writer.writerow([HEADERS[c][0] for c in COLUMNS] if lang == "de" else COLUMNS)
    for line in summary_lines(rows):
        writer.writerow([_csv_cell(v, lang) for v in line.values()])
    return ("\ufeff" if lang == "de" else "") + buffer.getvalue()


def summary_json(rows: list[Row]) -> str:
    """The summary with the column keys and JSON types, for scripts and tests."""
    import json

    return json.dumps(summary_lines(rows), ensure_ascii=False, indent=2) + "\n"


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
        "eigenanteil_all_eur": '#,##0 "€"',
        "seconds": "0.00",
    }
    for values in summary_lines(rows):
        values["resumed"] = ("ja" if lang == "de" else "yes") if values["resumed"] else ""
        if values["binding_rules_complete"] is not None:
            values["binding_rules_complete"] = _csv_cell(values["binding_rules_complete"], lang)
        sheet.append([_cell_text(neutralise(values[c])) for c in COLUMNS])
        for c, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            if c in formats:
                cell.number_format = formats[c]
    widths = {"file": 40, "name": 34, "year": 7, "status": 12, "error": 60, "plan": 36}
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
    """The summary as a pandas DataFrame: one row per instance and year, the columns of ``summary.csv``."""
    return _frame(summary_lines(rows))


def _frame(lines: list[dict[str, Any]]) -> pd.DataFrame:
    """The lines as a DataFrame with the columns of ``summary.csv``; ``year`` a whole number where
    given (pandas' nullable ``Int64``: an empty year stays empty instead of making the column float)."""
    import pandas as pd

    frame = pd.DataFrame(lines, columns=list(COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    return frame


def read_summary(out: Path) -> pd.DataFrame:
    """The summary of a finished batch in ``out`` as a DataFrame, from ``summary.json`` (the column
    keys and JSON types; ``summary.csv`` is laid out for German Excel): one row per instance and year."""
    import json

    data = json.loads((out / SUMMARY_NAMES[2]).read_text(encoding="utf-8"))
    return _frame([{c: entry.get(c) for c in COLUMNS} for entry in data])


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
