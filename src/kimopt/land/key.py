"""The round's key: indicator columns by AGS from a German CSV or XLSX, and exact shares.

Table files (indicators, observed allocations) have a header row and one row per territory.
The key column is headed ``ags`` (also ``AGS``, ``Schlüssel``, ``Gebietsschlüssel``); other
columns are named as in the round file's ``key``. CSV: ``;`` (or ``,`` / tab) between fields,
UTF-8 with or without BOM. Numbers in one convention per file, German (``1.234,5``) unless the
file writes decimal points (``1234.5``); a file mixing both is refused with its cells
(:mod:`kimopt.io.number_convention`). Workbooks: the first visible sheet.
A key that lost its leading zero in Excel (``5170``) gets it back. Columns nobody asked for
(a name, a remark) are ignored.

Key shares mix column shares exactly as within a Kreis (DESIGN §2):
``share_i = Σ_k λ_k · x_ik / X_k``, ``X_k = Σ_i x_ik``; ``population`` is the GV100AD's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from kimopt.data import MAX_COUNT
from kimopt.errors import Finding, InputError
from kimopt.io.number_convention import GERMAN, Convention, ConventionError, decide
from kimopt.io.table import Grid, read_grid
from kimopt.land.territories import Territory

KEY_HEADERS = {"ags", "schlüssel", "schluessel", "gebietsschlüssel", "gebietsschluessel", "kreisschlüssel"}


@dataclass(frozen=True)
class Cell:
    """One value of a table file and where it stands (``line`` for CSV, ``B7`` for XLSX);
    ``stored`` is the number a workbook cell holds as a number (not as text)."""

    text: str
    where: int | str
    stored: Fraction | None = None


@dataclass(frozen=True)
class TableFile:
    """Rows by AGS: for every column, the cell as written, and the file's number convention."""

    path: Path
    columns: tuple[str, ...]
    rows: dict[str, dict[str, Cell]]
    convention: Convention = GERMAN

    def error(self, column: str | None, where: int | str | None, code: str, **params: object) -> InputError:
        loc = (column,) if column else ()
        return InputError(self.path, [Finding(loc, code, params)], line_of={loc: where} if where else None)

    def number(self, ags: str, column: str) -> Fraction:
        """The exact number in ``column`` of the row ``ags`` (≥ 0), read in the file's convention."""
        cell = self.rows[ags][column]
        value = cell.stored if cell.stored is not None else self.convention.read(cell.text)
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


def _cell(value: object, where: int | str) -> Cell:
    """A grid value as a :class:`Cell`: a workbook's number keeps its exact value."""
    from kimopt.io.excel import float_value
    from kimopt.numbers import NumberError, to_fraction

    if value is None:
        return Cell("", where)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = float_value(value) if isinstance(value, float) else value
        try:
            return Cell(str(shown), where, to_fraction(shown))
        except NumberError:  # NaN or infinity stored in the file
            return Cell(str(shown), where)
    return Cell(str(value).strip(), where)


def read_table(path: Path) -> TableFile:
    """A CSV or XLSX table with a key column (see the module docstring), read within the
    bounds of :mod:`kimopt.io.table`, its numbers in one convention for the whole file
    (:mod:`kimopt.io.number_convention`)."""
    grid = read_grid(path)
    if not grid.rows:
        raise InputError(path, [Finding((), "file_empty", {})])
    header_number, header = grid.rows[0]
    names = ["" if h is None else str(h).strip() for h in header]
    key = next((i for i, h in enumerate(names) if h.lower() in KEY_HEADERS), None)
    if key is None:
        raise InputError(
            path, [Finding((), "table_no_key", {"value": ", ".join(names)})], line_of={(): grid.where(header_number)}
        )
    rows: dict[str, dict[str, Cell]] = {}
    texts: list[tuple[str, str]] = []  # every text cell outside the key column, for the convention
    for number, values in grid.rows[1:]:
        raw_key = _cell(values[key] if key < len(values) else None, number).text
        ags = _normal_ags(raw_key)
        if ags is None or ags in rows:
            code, shown = ("table_bad_ags", raw_key) if ags is None else ("table_duplicate", ags)
            raise InputError(
                path, [Finding((names[key],), code, {"value": shown})], line_of={(names[key],): grid.where(number, key)}
            )
        cells = {}
        for i, name in enumerate(names):
            if i == key or not name:
                continue
            cell = _cell(values[i] if i < len(values) else None, grid.where(number, i))
            cells[name] = cell
            if cell.stored is None and cell.text:
                texts.append((cell.text, _label(grid, number, i, name)))
        rows[ags] = cells
    try:
        convention = decide(texts)
    except ConventionError as exc:
        raise InputError(path, [Finding((), exc.code, exc.params)]) from None
    return TableFile(path, tuple(n for i, n in enumerate(names) if i != key and n), rows, convention)


def _label(grid: Grid, row: int, column: int, name: str) -> str:
    """A cell for a list in a message: ``C7 (quote)`` in a CSV, ``Tabelle1!C7`` in a workbook."""
    from openpyxl.utils import get_column_letter

    if grid.sheet is None:
        return f"{get_column_letter(column + 1)}{row} ({name})"
    return str(grid.where(row, column))


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
