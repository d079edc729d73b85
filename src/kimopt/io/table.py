"""Tables handed in as CSV or XLSX, read within bounds: the one reader of every tabular input.

Every table (an indicator file, the observed allocations of ``--calibrate``, a plan
workbook's „Zuordnung“) is refused before it can cost much: the file size
(:data:`MAX_TABLE_BYTES`), the rows (:data:`~kimopt.io.excel.opening.MAX_ROWS`), the columns
(:data:`~kimopt.io.excel.opening.MAX_COLUMNS`), the cells (:data:`~kimopt.io.excel.opening.MAX_CELLS`)
and the characters of one cell (:data:`MAX_CELL_CHARS`). A CSV's lines are counted before
a single row is parsed; a workbook's cells are counted in its XML before openpyxl reads it,
and it is read in read-only (streaming) mode.

Workbooks: only visible sheets are read (a hidden sheet is nobody's current data; where the
only sheet of the wanted name is hidden, the file is refused and the sheet named), and a
formula whose value Excel never stored (a file written by a program, not saved in Excel)
is refused with its cell instead of being read as empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kimopt.errors import Finding, InputError
from kimopt.io.reader import read_text

MAX_TABLE_BYTES = 8 * 1024 * 1024  # a Land's 400 territories with 20 columns take 100 KB
MAX_CELL_CHARS = 1000
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _fail(path: Path, code: str, where: int | str | None = None, **params: Any) -> InputError:
    return InputError(path, [Finding((), code, params)], line_of={(): where} if where else None)


@dataclass(frozen=True)
class Grid:
    """The non-empty rows of one table: ``(row number, cells)``; a CSV's cells are text, a
    workbook's are the values Excel stored (text, numbers, booleans, dates)."""

    path: Path
    sheet: str | None  # the worksheet read; None for a CSV
    rows: list[tuple[int, tuple[Any, ...]]]

    def where(self, row: int, column: int | None = None) -> int | str:
        """Where a cell stands for messages: the CSV's line, or ``Tabelle1!B7``."""
        if self.sheet is None:
            return row
        from openpyxl.utils import get_column_letter

        letter = get_column_letter(column + 1) if column is not None else ""
        return f"{self.sheet}!{letter}{row}"


def read_grid(path: Path) -> Grid:
    """A CSV (``;``, ``,`` or tab between fields, the one used most in the first line) or the
    first visible sheet of a workbook, within the bounds of the module docstring."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        with Book(path) as book:
            title = book.first_visible()
            return Grid(path, title, list(book.rows(title)))
    return read_csv(path)


def read_csv(path: Path) -> Grid:
    """A CSV table; lines, columns and cell lengths are checked on the text before parsing."""
    from kimopt.io.excel.opening import MAX_CELLS, MAX_COLUMNS, MAX_ROWS

    text = read_text(path, MAX_TABLE_BYTES)
    lines = text.splitlines()
    if len(lines) > MAX_ROWS + 1:
        raise _fail(path, "table_too_many_rows", limit=MAX_ROWS)
    delimiter = max(";,\t", key=lines[0].count) if lines else ";"
    cells = 0
    for number, line in enumerate(lines, start=1):
        count = line.count(delimiter) + 1  # an upper bound: a quoted delimiter is counted too
        if count > MAX_COLUMNS:
            raise _fail(path, "table_too_many_columns", number, count=count, limit=MAX_COLUMNS)
        cells += count
        if cells > MAX_CELLS:
            raise _fail(path, "table_too_many_cells", number, limit=MAX_CELLS)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    previous = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        start = 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, tuple(cell.strip() for cell in row)))
            start = reader.line_num + 1
    except csv.Error as exc:
        at = reader.line_num or start
        if "field larger" in str(exc):
            raise _fail(path, "table_cell_too_long", at, limit=MAX_CELL_CHARS) from None
        raise _fail(path, "table_csv_syntax", at, value=str(exc)) from None
    finally:
        csv.field_size_limit(previous)
    return Grid(path, None, rows)


class Book:
    """A workbook opened within bounds (:func:`kimopt.io.excel.opening.open_workbook`), twice:
    the stored values, and the formulas (to tell an uncomputed formula from an empty cell)."""

    def __init__(self, path: Path) -> None:
        from kimopt.io.excel.opening import open_workbook as _open_workbook

        self.path = path
        self.values = _open_workbook(path)
        self.formulas: Any = None
        try:
            self.formulas = _open_workbook(path, data_only=False)
        except BaseException:
            self.values.close()
            raise

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *_: object) -> None:
        self.values.close()
        if self.formulas is not None:
            self.formulas.close()

    def visible(self) -> list[str]:
        """The titles of the sheets a planner sees in Excel."""
        return [t for t in self.values.sheetnames if getattr(self.values[t], "sheet_state", "visible") == "visible"]

    def first_visible(self) -> str:
        """The first visible sheet (a workbook whose sheets are all hidden is refused)."""
        visible = self.visible()
        if not visible:
            raise _fail(self.path, "xlsx_no_visible_sheet")
        return visible[0]

    def sheet(self, names: Sequence[str], match: Any = None) -> str | None:
        """The visible sheet named one of ``names`` (compared after ``match``, e.g.
        :func:`~kimopt.io.excel.schema.normalise`); ``None`` if there is none; a file where
        only a hidden sheet has the name is refused, naming it."""
        key = match or (lambda text: text)
        wanted = {key(n) for n in names}
        visible = self.visible()
        titles = [t for t in self.values.sheetnames if key(t) in wanted]
        shown = [t for t in titles if t in visible]
        if shown:
            return shown[0]
        if titles:
            raise _fail(self.path, "xlsx_sheet_hidden", value=titles[0])
        return None

    def rows(self, title: str, max_columns: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Non-empty rows of ``title`` with their 1-based numbers (see the module docstring)."""
        from openpyxl.utils import get_column_letter

        from kimopt.io.excel.opening import MAX_COLUMNS, MAX_ROWS

        width = min(max_columns or MAX_COLUMNS, MAX_COLUMNS)
        values, formulas = self.values[title], self.formulas[title]
        for sheet in (values, formulas):
            sheet.reset_dimensions()  # a stale or hostile <dimension> must neither cut nor pad rows
        pairs = zip(
            values.iter_rows(max_col=width, values_only=True),
            formulas.iter_rows(max_col=width, values_only=True),
            strict=False,
        )
        for number, (row, written) in enumerate(pairs, start=1):
            if number > MAX_ROWS:
                raise _fail(self.path, "xlsx_too_many_rows", value=title, limit=MAX_ROWS)
            for c, value in enumerate(row):
                text = written[c] if c < len(written) else None
                cell = f"{title}!{get_column_letter(c + 1)}{number}"
                if value is None and isinstance(text, str) and text.startswith("="):
                    raise _fail(self.path, "xlsx_formula_no_value", value=text[:40], cell=cell)
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise _fail(self.path, "table_cell_too_long", cell, limit=MAX_CELL_CHARS)
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
                yield number, tuple(row)
