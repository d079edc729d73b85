"""The round's key: indicator columns by AGS from a German CSV or XLSX, and exact shares.

Table files (indicators, observed allocations) have a header row and one row per territory.
The key column is headed ``ags`` (also ``AGS``, ``Schlüssel``, ``Gebietsschlüssel``); other
columns are named as in the round file's ``key``. CSV is read as Germans write it: ``;`` (or
``,`` / tab) between fields, ``1.234,5`` with a decimal comma, UTF-8 with or without BOM.
A key that lost its leading zero in Excel (``5170``) gets it back. Columns nobody asked for
(a name, a remark) are ignored.

Key shares mix column shares exactly as within a Kreis (DESIGN §2):
``share_i = Σ_k λ_k · x_ik / X_k``, ``X_k = Σ_i x_ik``; ``population`` is the GV100AD's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from kimopt.data import MAX_COUNT
from kimopt.errors import MESSAGES, Finding, InputError
from kimopt.io.reader import read_bytes, read_text
from kimopt.land.territories import Territory

MESSAGES.update(
    {
        "table_no_key": (
            "keine Spalte „ags“ in der Kopfzeile (gefunden: {value})",
            "no column 'ags' in the header row (found: {value})",
        ),
        "table_no_column": (
            "die Spalte {value} fehlt in der Kopfzeile (gefunden: {choices})",
            "the column {value} is missing in the header row (found: {choices})",
        ),
        "table_no_row": (
            "keine Zeile für das Gebiet {value}",
            "no row for the territory {value}",
        ),
        "table_bad_ags": (
            "{value} ist kein Gebietsschlüssel (5 oder 8 Ziffern)",
            "{value} is not an area key (5 or 8 digits)",
        ),
        "table_duplicate": (
            "das Gebiet {value} steht mehrfach in der Datei",
            "the territory {value} appears more than once",
        ),
        "table_number": (
            "{value} ist keine Zahl ≥ 0 (deutsch geschrieben: 1.234,5)",
            "{value} is not a number ≥ 0 (e.g. 1234.5)",
        ),
        "table_zero_column": (
            "die Spalte {value} ist für alle Gebiete 0: sie kann keinen Anteil bestimmen",
            "the column {value} is 0 for every territory: it cannot determine a share",
        ),
    }
)

KEY_HEADERS = {"ags", "schlüssel", "schluessel", "gebietsschlüssel", "gebietsschluessel", "kreisschlüssel"}


@dataclass(frozen=True)
class Cell:
    """One value of a table file and where it stands (``line`` for CSV, ``B7`` for XLSX)."""

    text: str
    where: int | str


@dataclass(frozen=True)
class TableFile:
    """Rows by AGS: for every column, the cell as written."""

    path: Path
    columns: tuple[str, ...]
    rows: dict[str, dict[str, Cell]]

    def error(self, column: str | None, where: int | str | None, code: str, **params: object) -> InputError:
        loc = (column,) if column else ()
        return InputError(self.path, [Finding(loc, code, params)], line_of={loc: where} if where else None)

    def number(self, ags: str, column: str) -> Fraction:
        """The exact number in ``column`` of the row ``ags`` (≥ 0)."""
        from kimopt.io.excel import parse_number
        from kimopt.numbers import NumberError, to_fraction

        cell = self.rows[ags][column]
        try:
            parsed = parse_number(cell.text) if cell.text.strip() else None
            value = to_fraction(parsed) if parsed is not None else None
        except (NumberError, ValueError, ArithmeticError, Exception):  # ambiguous or malformed
            value = None
        if value is None or value < 0 or value > MAX_COUNT:
            raise self.error(column, cell.where, "table_number", value=cell.text)
        return value


def _normal_ags(text: str) -> str | None:
    digits = text.strip().replace(" ", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    if not digits.isdigit() or len(digits) > 8:
        return None
    return digits.zfill(5) if len(digits) <= 5 else digits.zfill(8)


def read_table(path: Path) -> TableFile:
    """A CSV or XLSX table with a key column (see the module docstring)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = _xlsx_rows(path)
    else:
        text = read_text(path)
        first = text.splitlines()[0] if text else ""
        delimiter = max(";,\t", key=first.count)
        grid = [
            (n, [c.strip() for c in row])
            for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
            if any(c.strip() for c in row)
        ]
    if not grid:
        raise InputError(path, [Finding((), "file_empty", {})])
    header_where, header = grid[0]
    names = [h.strip() for h in header]
    key = next((i for i, h in enumerate(names) if h.lower() in KEY_HEADERS), None)
    if key is None:
        raise InputError(path, [Finding((), "table_no_key", {"value": ", ".join(names)})], line_of={(): header_where})
    rows: dict[str, dict[str, Cell]] = {}
    for where, cells in grid[1:]:
        raw_key = cells[key] if key < len(cells) else ""
        ags = _normal_ags(raw_key)
        if ags is None:
            raise InputError(
                path, [Finding((names[key],), "table_bad_ags", {"value": raw_key})], line_of={(names[key],): where}
            )
        if ags in rows:
            raise InputError(
                path, [Finding((names[key],), "table_duplicate", {"value": ags})], line_of={(names[key],): where}
            )
        rows[ags] = {
            name: Cell(cells[i] if i < len(cells) else "", _cell_where(where, i))
            for i, name in enumerate(names)
            if i != key and name
        }
    return TableFile(path, tuple(n for i, n in enumerate(names) if i != key and n), rows)


def _cell_where(where: int | str, column: int) -> int | str:
    if isinstance(where, int):
        return where
    from openpyxl.utils import get_column_letter

    sheet, _, row = where.rpartition("!")
    return f"{sheet}!{get_column_letter(column + 1)}{row}"


def _xlsx_rows(path: Path) -> list[tuple[int | str, list[str]]]:
    """The first sheet as text cells; ``where`` is ``Sheet`` + row for messages (``Tabelle1!B7``)."""
    from openpyxl import load_workbook

    from kimopt.io.excel import float_value

    read_bytes(path)  # the checks every input gets (exists, is a file, size)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a workbook at all
        raise InputError(path, [Finding((), "file_unreadable", {"value": type(exc).__name__})]) from None
    sheet = book.worksheets[0]
    grid: list[tuple[int | str, list[str]]] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(float_value(v)) if isinstance(v, float) else str(v) for v in row]
        if any(c.strip() for c in cells):
            grid.append((f"{sheet.title}!{number}", cells))
    book.close()
    return grid  # "Tabelle1!7": _cell_where makes it "Tabelle1!B7"


def column_values(table: TableFile | None, column: str, found: Sequence[Territory]) -> list[Fraction]:
    """One key column for every territory, in territory order (population from the GV100AD)."""
    if column == "population":
        return [Fraction(t.population) for t in found]
    if table is None:
        raise InputError(None, [Finding(("key", column), "unknown_indicator", {"value": column})])
    if column not in table.columns:
        raise table.error(None, None, "table_no_column", value=column, choices=", ".join(table.columns))
    values = []
    for territory in found:
        if territory.ags not in table.rows:
            raise table.error(None, None, "table_no_row", value=f"{territory.ags} {territory.name}")
        values.append(table.number(territory.ags, column))
    return values


def key_shares(key: dict[str, Fraction], columns: dict[str, list[Fraction]]) -> list[Fraction]:
    """``share_i = Σ_k λ_k · x_ik / X_k`` exactly; the shares add up to Σ λ_k (= 1)."""
    n = len(next(iter(columns.values())))
    shares = [Fraction(0)] * n
    for name, weight in key.items():
        values = columns[name]
        total = sum(values, Fraction(0))
        if weight == 0:
            continue
        for i, value in enumerate(values):
            shares[i] += weight * value / total
    return shares


def zero_columns(key: dict[str, Fraction], columns: dict[str, list[Fraction]]) -> list[str]:
    """Key columns with weight > 0 that are 0 everywhere (they cannot be shared out)."""
    return [name for name, w in key.items() if w > 0 and sum(columns[name], Fraction(0)) == 0]
