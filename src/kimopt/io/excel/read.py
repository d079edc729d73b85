"""Reading an instance workbook into a :class:`~kimopt.io.reader.Document` with cell locations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from kimopt.data import Instance, Kommune, Traeger, changeable_fields
from kimopt.errors import Finding, InputError, Loc, error_findings
from kimopt.io.excel.cells import _Problem, cell_value
from kimopt.io.excel.opening import not_workbook
from kimopt.io.excel.schema import (
    _HEADER_WORDS,
    _INDICATOR_HEADER,
    _NOTE_COLUMN,
    _PREFIXED_HEADER,
    _SUM_WORDS,
    AUTHORITIES,
    CHANGES,
    COORDINATION,
    FROM_YEAR,
    FUNDING,
    KOMMUNEN,
    KREIS,
    PREFIXES,
    TRAEGER,
    UNTIL_YEAR,
    YEARS,
    Field,
    Sheet,
    _display,
    _hint,
    _lookup,
    normalise,
)
from kimopt.io.reader import Document

HEADER_SEARCH_ROWS = 10


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Reader:
    """Collects the data, the cell of every value and the problems of one workbook."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self.lines: dict[Loc, int | str] = {}
        self.findings: list[Finding] = []

    def problem(self, loc: Loc, code: str, **params: Any) -> None:
        self.findings.append(Finding(loc, code, params))

    def put(self, path: tuple[str, ...], value: Any) -> None:
        node = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    def read_value(self, loc: Loc, raw: object, field_kind: str, cell: str) -> Any:
        """Convert one cell, note its location, record a problem; ``None`` if not given."""
        self.lines[loc] = cell
        try:
            value = cell_value(raw, field_kind)
        except _Problem as exc:
            self.problem(loc, exc.code, **exc.params)
            return None
        if isinstance(value, list):
            for j in range(len(value)):
                self.lines[(*loc, j)] = cell
        return value

    # key/value sheets: Kreis, Förderung

    def read_pairs(self, rows: Iterable[tuple[int, tuple[Any, ...]]], sheet: Sheet, title: str) -> None:
        lookup = _lookup(sheet.fields)
        seen: dict[Field, str] = {}
        for number, row in rows:
            label = row[0] if row else None
            value = row[1] if len(row) > 1 else None
            where = f"{title}!B{number}"
            if _blank(label):
                if not _blank(value):
                    self.problem((), "xlsx_unlabelled_value", value=value, cell=where)
                continue
            key = normalise(str(label))
            field = lookup.get(key)
            if field is None:
                if key in _HEADER_WORDS or _blank(value):
                    continue  # the header row, a title or a section heading
                self.problem(
                    (),
                    "xlsx_unknown_label",
                    value=_display(label),
                    cell=f"{title}!A{number}",
                    **_hint(str(label), sheet.fields),
                )
                continue
            if field in seen:
                self.problem(
                    (), "xlsx_duplicate_label", value=_display(label), cell=f"{title}!A{number}", first=seen[field]
                )
                continue
            seen[field] = f"{title}!A{number}"
            parsed = self.read_value(field.path, value, field.kind, f"{where} ({_display(label)})")
            if parsed is not None:
                self.put(field.path, parsed)
        for field in sheet.fields:
            self.lines.setdefault(field.path, f"{title} ({field.label})")

    # tables: Kommunen, Träger

    def _header(self, rows: list[tuple[int, tuple[Any, ...]]], sheet: Sheet) -> int | None:
        lookup = _lookup(sheet.fields)
        for position, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            known = [c for c in row if isinstance(c, str) and normalise(c) in lookup]
            if len(known) >= 2 or any(lookup.get(normalise(c)) is sheet.fields[0] for c in known):
                return position
        return None

    def read_table(
        self, sheet_rows: Iterable[tuple[int, tuple[Any, ...]]], sheet: Sheet, title: str
    ) -> list[dict[str, Any]]:
        assert sheet.record is not None
        record_key = sheet.record
        self.lines[(record_key,)] = title
        rows = list(sheet_rows)
        position = self._header(rows, sheet) if rows else None
        if position is None:
            if rows or sheet is KOMMUNEN:
                self.problem(
                    (), "xlsx_no_header", value=title, expected=", ".join(f.label for f in sheet.fields if f.required)
                )
            return []
        header_number, header = rows[position]
        lookup = _lookup(sheet.fields)
        # column index -> (key path, kind, header text); None for the planner's note columns
        columns: dict[int, tuple[Loc, str, str] | None] = {}
        seen: dict[Loc, str] = {}
        for c, head in enumerate(header):
            if _blank(head):
                continue
            text = _display(head)
            cell = f"{title}!{get_column_letter(c + 1)}{header_number}"
            indicator = _INDICATOR_HEADER.match(text) if sheet is KOMMUNEN else None
            prefixed = _PREFIXED_HEADER.match(text) if sheet is YEARS else None  # "Kosten: Moers"
            if indicator:
                key: Loc = ("indicators", indicator.group(1))
                kind = "number"
            elif prefixed:
                section, kind = PREFIXES[prefixed.group(1).casefold()]
                key = (section, prefixed.group(2))
            elif normalise(text) in lookup:
                field = lookup[normalise(text)]
                key, kind = field.path, field.kind
            elif _NOTE_COLUMN.match(text):
                columns[c] = None  # the planner's own remarks: not read
                continue
            else:
                self.problem((), "xlsx_unknown_column", value=text, cell=cell, **_hint(text, sheet.fields))
                continue
            if key in seen:
                self.problem((), "xlsx_duplicate_column", value=text, cell=cell, first=seen[key])
                continue
            seen[key] = cell
            columns[c] = (key, kind, text)
        body = rows[position + 1 :]
        name_column = next((c for c, column in columns.items() if column and column[0] == ("name",)), None)
        if name_column is not None:  # a total row typed below the table is not a record
            body = [
                (n, row)
                for n, row in body
                if not (
                    name_column < len(row)
                    and isinstance(row[name_column], str)
                    and normalise(row[name_column]) in _SUM_WORDS
                )
            ]
        if not body:
            if sheet is KOMMUNEN:
                self.problem((), "xlsx_no_rows", value=title)
            return []
        for field in sheet.fields:
            if field.required and field.path not in seen:
                self.problem((), "xlsx_missing_column", value=field.label, sheet=title)
        records: list[dict[str, Any]] = []
        for i, (number, row) in enumerate(body):
            record: dict[str, Any] = {}
            self.lines[(record_key, i)] = f"{title}!A{number}"
            self.lines[(record_key, i, "indicators")] = f"{title}!A{number}"
            for c, raw in enumerate(row):
                if c not in columns and not _blank(raw) and c < len(header) and _blank(header[c]):
                    self.problem(
                        (), "xlsx_unnamed_column", value=raw, cell=f"{title}!{get_column_letter(c + 1)}{number}"
                    )
            for c, column in columns.items():
                if column is None:
                    continue
                key, kind, text = column
                raw = row[c] if c < len(row) else None
                value = self.read_value(
                    (record_key, i, *key), raw, kind, f"{title}!{get_column_letter(c + 1)}{number} ({text})"
                )
                if value is None:
                    continue
                if len(key) == 2:  # a named column: indicators, or a year's costs and budgets
                    record.setdefault(str(key[0]), {})[key[1]] = value
                else:
                    record[str(key[0])] = value
            records.append(record)
        return records


def _read_authorities(reader: _Reader, rows: Iterable[tuple[int, tuple[Any, ...]]], title: str) -> None:
    """The Baustein 3 table: its rows are ``authorities.positions`` (the rate is on „Förderung“)."""
    records = reader.read_table(rows, AUTHORITIES, title)
    flat = str(AUTHORITIES.record)
    for loc in [loc for loc in reader.lines if loc[:1] == (flat,)]:
        reader.lines[("authorities", "positions", *loc[1:])] = reader.lines.pop(loc)
    if records or "authorities" in reader.data:
        reader.data.setdefault("authorities", {})["positions"] = records


def _split_commas(data: dict[str, Any]) -> None:
    """``Hünxe, Voerde`` in a list cell means two Kommunen when both are known."""
    known = {
        str(k.get(key))
        for k in data.get("kommunen", [])
        if isinstance(k, dict)
        for key in ("name", "ags")
        if k.get(key) is not None
    }
    for section, key in (("kommunen", "share_with"), ("traeger", "serves")):
        for record in data.get(section, []):
            names = record.get(key)
            if not isinstance(names, list):
                continue
            split: list[str] = []
            for name in names:
                parts = [p.strip() for p in name.split(",")] if isinstance(name, str) else []
                if name not in known and len(parts) > 1 and all(p in known for p in parts):
                    split.extend(parts)
                else:
                    split.append(name)
            record[key] = split


def _relocate(lines: dict[Loc, int | str], moves: dict[Loc, Loc]) -> None:
    """Every location under a moved record (``(section, i)``) goes with it, so that a problem
    found later in the moved record still names its cell."""
    moved = {loc: (*moves[loc[:2]], *loc[2:]) for loc in lines if loc[:2] in moves}
    cells = {loc: lines.pop(loc) for loc in moved}
    lines.update({new: cells[old] for old, new in moved.items()})


def _year_cell(reader: _Reader, loc: Loc, value: object, years: dict[object, int]) -> int | None:
    """The index in ``years`` of a later year named in a cell; a problem naming the cell if none."""
    if value in years and not isinstance(value, bool):
        return years[value]
    reader.problem(
        (),
        "xlsx_year_unknown",
        value=_display(value),
        cell=reader.lines.get(loc, "–"),
        years=", ".join(str(y) for y in years) or "–",
    )
    return None


def _later_years(data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[object, int]]:
    """The records of the sheet „Jahre“ and, by year, the index of each."""
    records = [y for y in data.get("years") or [] if isinstance(y, dict)]
    return records, {y.get("year"): n for n, y in enumerate(records)}


def _members_by_year(reader: _Reader) -> None:
    """DESIGN §5 from the columns „Ab Jahr“ and „Austritt ab Jahr“: a row that joins in a later
    year is a record of that year's ``join`` (``join_traeger``), one that leaves names itself in
    that year's ``leave``. „Ab Jahr“ of the first year is the same as none."""
    data = reader.data
    years_data, years = _later_years(data)
    first = (data.get("funding") or {}).get("year")
    for section, joining in (("kommunen", "join"), ("traeger", "join_traeger")):
        kept: list[dict[str, Any]] = []
        moves: dict[Loc, Loc] = {}
        for i, record in enumerate(data.get(section) or []):
            start, end = record.pop(FROM_YEAR, None), record.pop(UNTIL_YEAR, None)
            at = None
            if start is not None and start != first:
                at = _year_cell(reader, (section, i, FROM_YEAR), start, years)
            if at is None:
                moves[(section, i)] = (section, len(kept))
                kept.append(record)
            else:
                joined = years_data[at].setdefault(joining, [])
                moves[(section, i)] = ("years", at, joining, len(joined))
                joined.append(record)
            if end is None:
                continue
            out = _year_cell(reader, (section, i, UNTIL_YEAR), end, years)
            if out is not None and at is not None and out <= at:
                reader.problem(
                    (),
                    "xlsx_leave_before_join",
                    cell=reader.lines[(section, i, UNTIL_YEAR)],
                    year=_display(end),
                    start=_display(start),
                )
            elif out is not None:
                leaving = years_data[out].setdefault("leave", [])
                reader.lines[("years", out, "leave", len(leaving))] = reader.lines[(section, i, UNTIL_YEAR)]
                leaving.append(record.get("name"))
        if section in data:
            data[section] = kept
            _relocate(reader.lines, moves)


def _changes_by_year(reader: _Reader, changes: list[dict[str, Any]]) -> None:
    """DESIGN §5 ``years[].kommunen`` and ``years[].traeger`` from the rows of „Änderungen“: the
    member named, the column of its sheet, the new value read as that column reads it."""
    data = reader.data
    years_data, years = _later_years(data)
    members: dict[object, tuple[str, Sheet, list[str]]] = {}
    for section, sheet, joining, record_type in (
        ("kommunen", KOMMUNEN, "join", Kommune),
        ("traeger", TRAEGER, "join_traeger", Traeger),
    ):
        records = list(data.get(section) or []) + [r for y in years_data for r in y.get(joining) or []]
        keys = changeable_fields(record_type)
        members.update({r.get("name"): (section, sheet, keys) for r in records if isinstance(r, dict)})
    seen: dict[tuple[object, ...], str] = {}
    for k, change in enumerate(changes):
        cell = str(reader.lines.get(("changes", k, "value"), "–"))
        at = _year_cell(reader, ("changes", k, "year"), change.get("year"), years)
        name = change.get("name")
        if not isinstance(name, str) or name not in members:
            reader.problem(
                (), "xlsx_change_member", value=_display(name), cell=reader.lines.get(("changes", k, "name"), "–")
            )
            continue
        section, sheet, changeable_keys = members[name]
        changeable = [f for f in sheet.fields if f.key in changeable_keys]
        label = change.get("field")
        field = _lookup(changeable).get(normalise(str(label)))
        if field is None:
            reader.problem(
                (),
                "xlsx_change_field",
                value=_display(label),
                sheet=sheet.title,
                cell=reader.lines.get(("changes", k, "field"), "–"),
                **_hint(str(label), changeable),
            )
            continue
        if at is None:
            continue
        key = (at, name, field.key)
        if key in seen:
            reader.problem((), "xlsx_duplicate_change", value=_display(label), cell=cell, first=seen[key])
            continue
        seen[key] = cell
        try:
            value = cell_value(change.get("value"), field.kind)
        except _Problem as exc:
            reader.problem(("years", at, section, name, field.key), exc.code, **exc.params)
            reader.lines[("years", at, section, name, field.key)] = cell
            continue
        years_data[at].setdefault(section, {}).setdefault(name, {})[field.key] = value
        reader.lines[("years", at, section, name, field.key)] = f"{cell} ({field.label})"


def _find_sheet(titles: Sequence[str], sheet: Sheet) -> str | None:
    wanted = {normalise(n) for n in sheet.names}
    return next((t for t in titles if normalise(t) in wanted), None)


def read_workbook(path: Path | str) -> Document:
    """Read an instance workbook into a :class:`Document` whose lines are cell references.

    Raises
    ------
    InputError
        For a file that is not a workbook, a missing sheet, header or column, an empty
        Kommunen sheet and cells that cannot be meant as typed (each with its cell).
    """
    from kimopt.io.table import Book

    path = Path(path)
    book = Book(path)  # the bounded reader of every table: formulas without a stored value refused
    workbook = book.values
    reader = _Reader(path)
    try:
        titles = list(workbook.sheetnames)
        hidden = [t for t in titles if getattr(workbook[t], "sheet_state", "visible") != "visible"]
        for sheet in (KREIS, FUNDING, KOMMUNEN, TRAEGER, YEARS, CHANGES, COORDINATION, AUTHORITIES):  # optional too
            if (title := _find_sheet(hidden, sheet)) is not None:
                raise InputError(path, [Finding((), "xlsx_sheet_hidden", {"value": title})])
        titles = [t for t in titles if t not in hidden]
        found = {
            sheet.title: _find_sheet(titles, sheet)
            for sheet in (KREIS, FUNDING, KOMMUNEN, TRAEGER, YEARS, CHANGES, COORDINATION, AUTHORITIES)
        }
        for sheet in (KREIS, FUNDING, KOMMUNEN):
            if found[sheet.title] is None:
                reader.problem((), "xlsx_sheet_missing", value=sheet.title, sheets=", ".join(titles) or "–")
        changes: list[dict[str, Any]] = []
        try:
            for sheet in (KREIS, FUNDING, COORDINATION):
                if (title := found[sheet.title]) is not None:
                    reader.read_pairs(book.rows(title), sheet, title)
            for sheet in (KOMMUNEN, TRAEGER, YEARS):
                if (title := found[sheet.title]) is not None:
                    records = reader.read_table(book.rows(title), sheet, title)
                    if records or sheet is not YEARS:
                        reader.data[str(sheet.record)] = records
            if (title := found[AUTHORITIES.title]) is not None:
                _read_authorities(reader, book.rows(title), title)
            changes = reader.read_table(book.rows(title), CHANGES, title) if (title := found[CHANGES.title]) else []
        except _Problem as exc:
            reader.problem((), exc.code, **exc.params)
        except InputError:
            raise
        except Exception as exc:  # damaged sheet XML surfaces only while rows are read
            raise not_workbook(path, exc) from None
    finally:
        book.__exit__()
    if "traeger" not in reader.data:
        reader.data["traeger"] = []
    _members_by_year(reader)
    _changes_by_year(reader, changes)
    _split_commas(reader.data)
    if reader.findings:
        raise InputError(path, reader.findings + _other_findings(reader), reader.data, reader.lines)
    return Document(path, reader.data, reader.lines)


def _other_findings(reader: _Reader) -> list[Finding]:
    """With cell problems found, the validators' findings for the other cells, so that
    ``kimopt validate`` lists every problem at once (not for a workbook missing a sheet)."""
    if any(f.loc == () for f in reader.findings):
        return []
    from pydantic import ValidationError

    reported = {f.loc for f in reader.findings}
    try:
        Instance.model_validate(reader.data)
    except ValidationError as exc:
        found = [f for e in exc.errors(include_url=False) for f in error_findings(e, Instance)]
        return [f for f in found if f.loc not in reported]
    return []
