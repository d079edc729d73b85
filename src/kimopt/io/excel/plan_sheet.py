"""The plan workbook's sheet „Zuordnung“: one row per link, edited by planners, read back.

Columns (German or English headers, matched like the instance workbook's):
„Jahr“ (a plan of several years: every row's year), „Anstellungsträger“, „Art“
(Kreis/Kommune/Träger), „Kommune“, „VZÄ“ and „fest“ (ja/nein). A sheet without „Jahr“ is a
plan of one year. A row with an empty or zero VZÄ cell is no link; empty rows are skipped.
The sheet „Übersicht“ records which instance the plan belongs to (its name and the inputs'
checksum), so ``kimopt check`` can say when a plan is checked against another instance.
A plan of several years states in the sheet „Kürzungen“ where a later year holds less than
the year before (Jahr, Anstellungsträger, Art, Kürzung (VZÄ)); without that sheet it states none.

Every row keeps its cells (``Zuordnung!D7``), so a broken rule can name the cell to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openpyxl.utils import get_column_letter

from kimopt.errors import Finding, InputError, Loc
from kimopt.io.excel.cells import float_value, parse_number
from kimopt.io.excel.schema import normalise
from kimopt.numbers import NumberError, decimal_vzae, to_fraction

if TYPE_CHECKING:
    from kimopt.check import Violation

SHEET_NAMES = ("Zuordnung", "Assignment")
OVERVIEW_NAMES = ("Übersicht", "Overview")
CUT_SHEET_NAMES = ("Kürzungen", "Cuts")
HEADERS: dict[str, tuple[str, str]] = {
    "year": ("Jahr", "Year"),
    "host": ("Anstellungsträger", "Employer"),
    "host_type": ("Art", "Type"),
    "kommune": ("Kommune", "Kommune"),
    "vzae": ("VZÄ", "VZÄ"),
    "fixed": ("fest", "fixed"),
}
CUT_HEADERS: dict[str, tuple[str, str]] = {
    "year": ("Jahr", "Year"),
    "host": ("Anstellungsträger", "Employer"),
    "host_type": ("Art", "Type"),
    "vzae": ("Kürzung (VZÄ)", "Cut (VZÄ)"),
}
KINDS = {
    "kreis": "kreis",
    "kommune": "kommune",
    "gemeinde": "kommune",
    "stadt": "kommune",
    "trager": "traeger",
    "traeger": "traeger",
}
CUT_KINDS = {**KINDS, "alle": "total", "all": "total", "total": "total"}
"""A cut's type: a host's, or ``total`` (all employers, under ``continuity: total``)."""
YES = {"ja", "j", "x", "✓", "✔", "☑", "1", "wahr", "true", "yes", "y"}
NO = {"", "nein", "n", "no", "false", "falsch", "0", "-", "–", "—", "✗", "✘", "☐"}
INSTANCE_LABELS = ("Instanz", "Instance")
CHECKSUM_LABELS = ("Prüfsumme der Eingaben (SHA-256)", "Input checksum (SHA-256)")


@dataclass(frozen=True)
class PlanRow:
    """One link as the planner wrote it, with the row it stands in."""

    host: str
    host_type: str
    kommune: str
    vzae: Fraction
    fixed: bool
    row: int
    year: int | None = None  # the row's „Jahr“; ``None`` in a sheet of one year


@dataclass(frozen=True)
class PlanCut:
    """A cut the plan states for a later year (sheet „Kürzungen“): the host holds ``vzae`` less than the year before."""

    year: int | None
    host: str
    host_type: str
    vzae: Fraction
    row: int


Row = TypeVar("Row", PlanRow, PlanCut)


def link_entries(rows: Sequence[PlanRow]) -> list[dict[str, Any]]:
    """The rows as the plan JSON's ``links``."""
    return [
        {"host": r.host, "host_type": r.host_type, "kommune": r.kommune, "vzae": decimal_vzae(r.vzae)} for r in rows
    ]


@dataclass
class PlanSheet:
    """The links of a plan workbook and where each one stands."""

    path: Path
    title: str
    rows: list[PlanRow]
    columns: dict[str, str]  # field -> column letter
    instance: str | None = None
    input_sha256: str | None = None
    findings: list[Finding] = field(default_factory=list)
    cuts: list[PlanCut] = field(default_factory=list)
    cut_title: str = CUT_SHEET_NAMES[0]
    cut_columns: dict[str, str] = field(default_factory=dict)
    _index: tuple[int, dict[tuple[int | None, str | None, str | None], list[PlanRow]]] | None = field(
        default=None, repr=False, compare=False
    )

    def plan(self) -> dict[str, Any]:
        """The plan of one year as the checker reads it: links, and whose instance it is."""
        plan: dict[str, Any] = {"links": link_entries(self.rows)}
        if self.instance:
            plan["instance"] = self.instance
        if self.input_sha256:
            plan["input_sha256"] = self.input_sha256
        return plan

    @property
    def has_years(self) -> bool:
        """Whether the sheet has the column „Jahr“ (a plan of several years)."""
        return "year" in self.columns

    def by_year(self, years: Sequence[int | None]) -> list[list[PlanRow]]:
        """The rows of each of the instance's ``years``, in that order.

        A sheet without „Jahr“ is the plan of a one-year instance; in an instance of one year
        without a year number every row is that year's.

        Raises
        ------
        InputError
            If the instance has several years and the sheet no column „Jahr“, or a row names a
            year the instance does not have (every such row, with its cell).
        """
        if len(years) == 1 and (not self.has_years or years[0] is None):
            return [list(self.rows)]
        if not self.has_years:
            choices = ", ".join(str(y) for y in years)
            where = f"{self.title}!1 ({HEADERS['year'][0]})"
            raise InputError(
                self.path,
                [Finding((self.title,), "plan_year_column", {"choices": choices})],
                None,
                {(self.title,): where},
            )
        return _by_year(self.path, self.title, self.columns, self.rows, years)

    def cuts_by_year(self, years: Sequence[int | None]) -> list[list[PlanCut]]:
        """The stated cuts of each of the instance's ``years`` (see :meth:`by_year`).

        Raises
        ------
        InputError
            If a cut names a year the instance does not have.
        """
        if len(years) == 1 and years[0] is None:
            return [list(self.cuts)]
        return _by_year(self.path, self.cut_title, self.cut_columns, self.cuts, years)

    def cell(self, row: PlanRow, column: str = "vzae") -> str:
        """``Zuordnung!D7``."""
        return f"{self.title}!{self.columns[column]}{row.row}"

    def cells_of(self, host: str | None = None, kommune: str | None = None, year: int | None = None) -> list[PlanRow]:
        """The rows of ``host`` and/or serving ``kommune`` (of ``year``, or of any year; from an
        index built once, so that locating every violation of a 30,000-row sheet
        stays linear)."""
        if self._index is None or self._index[0] != len(self.rows):
            index: dict[tuple[int | None, str | None, str | None], list[PlanRow]] = {}
            for r in self.rows:
                for key in ((r.host, r.kommune), (r.host, None), (None, r.kommune), (None, None)):
                    index.setdefault((None, *key), []).append(r)  # year None: any year
                    if r.year is not None:
                        index.setdefault((r.year, *key), []).append(r)
            self._index = (len(self.rows), index)
        return self._index[1].get((year, host, kommune), [])

    def _year_of(self, subject: str) -> tuple[int | None, str]:
        """A subject of a plan of several years starts with its year (``2023: Moers``)."""
        head, sep, rest = subject.partition(": ")
        if self.has_years and sep and head.isdigit():
            return int(head), rest
        if self.has_years and subject.isdigit():
            return int(subject), ""
        return None, subject

    def locate(self, subject: str) -> str:
        """The VZÄ cells a checker's subject concerns: a link ``host → Kommune``, a host, a
        Kommune, ``links[n]`` or nothing (then the whole column), each of the year the subject
        starts with in a plan of several years; beyond six cells the first six and how many more."""
        year, subject = self._year_of(subject)
        subject = subject.removeprefix("cuts: ")  # a stated cut: the host's rows of the year
        mine = self.cells_of(year=year)
        if subject.startswith("links[") and subject.endswith("]") and subject[6:-1].isdigit():
            n = int(subject[6:-1]) - 1
            rows = mine[n : n + 1]
        elif " → " in subject:
            host, kommune = subject.split(" → ", 1)
            rows = self.cells_of(host, kommune, year)
        elif subject:
            rows = self.cells_of(host=subject, year=year) or self.cells_of(kommune=subject, year=year)
        else:
            rows = mine
        if not rows:
            return ""
        column = self.columns["vzae"]
        if not subject:
            first, last = min(r.row for r in rows), max(r.row for r in rows)
            return f"{self.title}!{column}{first}:{column}{last}"
        shown = ", ".join(f"{column}{r.row}" for r in rows[:6])
        more = f" … (+{len(rows) - 6})" if len(rows) > 6 else ""
        return f"{self.title}!{shown}{more}"

    def violation_lines(self, violations: Sequence[Violation], lang: str) -> list[str]:
        """One line per distinct violation with its cells; a violation reported for many rows
        alike (a link listed 1,000 times) is one line with its count."""
        counts: dict[str, int] = {}
        for v in violations:
            line = "  " + v.text(lang) + (f" [{where}]" if (where := self.locate(v.subject)) else "")
            counts[line] = counts.get(line, 0) + 1
        times = "-mal" if lang == "de" else " times"
        return [line if n == 1 else f"{line} ({n}{times})" for line, n in counts.items()]


def _by_year(
    path: Path, title: str, columns: dict[str, str], rows: Sequence[Row], years: Sequence[int | None]
) -> list[list[Row]]:
    """``rows`` of each year of ``years``; every row of another year is an error at its cell „Jahr“."""
    choices = ", ".join(str(y) for y in years)
    wanted = {y: n for n, y in enumerate(years)}
    out: list[list[Row]] = [[] for _ in years]
    findings: list[Finding] = []
    lines: dict[Loc, int | str] = {}
    for row in rows:
        if row.year in wanted:
            out[wanted[row.year]].append(row)
            continue
        loc: Loc = (f"{title}!{row.row}", "year")
        lines[loc] = f"{title}!{columns['year']}{row.row} ({HEADERS['year'][0]})"
        findings.append(Finding(loc, "plan_year_unknown", {"value": row.year, "choices": choices}))
    if findings:
        raise InputError(path, findings, None, lines)
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _vzae(value: object) -> Fraction | None:
    """VZÄ as stored (a number) or typed as text (``0,5``); ``None`` when not a number ≥ 0."""
    if isinstance(value, bool):
        return None
    number: int | str | None
    if isinstance(value, (int, float)):
        number = float_value(float(value)) if isinstance(value, float) else value
    else:
        number = parse_number(str(value), "vzae")
    if number is None:
        return None
    try:
        result = to_fraction(number)
    except NumberError:
        return None
    return result if result >= 0 else None


def _year(value: object) -> int | None:
    """A year as stored (a number) or typed as text; ``None`` when it is no whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 10_000 else None
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def _overview(workbook: Any) -> tuple[str | None, str | None]:
    title = next((t for t in workbook.sheetnames if t in OVERVIEW_NAMES), None)
    if title is None:
        return None, None
    found: dict[str, str] = {}
    wanted = {
        normalise(label): key
        for key, labels in (("instance", INSTANCE_LABELS), ("sha", CHECKSUM_LABELS))
        for label in labels
    }
    for n, row in enumerate(workbook[title].iter_rows(max_col=2, values_only=True), start=1):
        if n > 200:
            break
        if row and row[0] is not None and normalise(str(row[0])) in wanted and len(row) > 1:
            found.setdefault(wanted[normalise(str(row[0]))], _text(row[1]))
    return found.get("instance") or None, found.get("sha") or None


def is_plan_workbook(path: Path) -> bool:
    """Whether ``path`` is a workbook with a sheet „Zuordnung“ (a plan, not an instance; a hidden
    one counts, so that reading it says that it is hidden). Only the workbook's list of sheets is
    read, bounded, without openpyxl: a start page lists a folder of them."""
    import re
    import zipfile

    try:
        with zipfile.ZipFile(path) as book, book.open("xl/workbook.xml") as stream:
            head = stream.read(1 << 20).decode("utf-8", "replace")  # bounded: a zip may unpack to anything
    except (OSError, zipfile.BadZipFile, KeyError):
        return False
    names = "|".join(SHEET_NAMES)
    return re.search(rf'<(?:\w+:)?sheet\b[^>]*\bname="(?:{names})"', head) is not None


def read_plan_sheet(path: Path | str) -> PlanSheet:
    """Read the visible sheet „Zuordnung“ of a plan workbook (within the bounds of
    :mod:`kimopt.io.table`; a hidden „Zuordnung“ is refused, never read).

    Raises
    ------
    InputError
        If the sheet or a column is missing, or a cell holds no valid value: every problem
        at once, each with its cell.
    """
    from kimopt.io.table import Book

    path = Path(path)
    with Book(path) as book:
        title = book.sheet(SHEET_NAMES)
        if title is None:
            raise InputError(
                path,
                [
                    Finding(
                        (),
                        "plan_mismatch",
                        {
                            "value": (
                                "die Arbeitsmappe hat kein Blatt „Zuordnung“ (eine Zeile je Verbindung); "
                                "kimopt report -o plan.xlsx schreibt es"
                            )
                        },
                    )
                ],
            )
        rows = list(book.rows(title, max_columns=30))
        instance, checksum = _overview(book.values)
        cut_title = book.sheet(CUT_SHEET_NAMES)
        cut_rows = list(book.rows(cut_title, max_columns=30)) if cut_title is not None else None
    sheet = _parse(path, title, rows, instance, checksum)
    if cut_title is not None and cut_rows is not None:
        _parse_cuts(sheet, cut_title, cut_rows)
    return sheet


def _header(
    path: Path,
    title: str,
    rows: list[tuple[int, tuple[Any, ...]]],
    headers: dict[str, tuple[str, str]],
    optional: tuple[str, ...] = (),
) -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
    """The columns of the first of ten rows that has every header but the ``optional`` ones, and the rows below it."""
    wanted = {normalise(label): key for key, labels in headers.items() for label in labels}
    required = [key for key in headers if key not in optional]
    for position, (_, row) in enumerate(rows[:10]):
        found = {wanted[normalise(_text(v))]: c for c, v in enumerate(row) if normalise(_text(v)) in wanted}
        if all(key in found for key in required):
            return found, rows[position + 1 :]
    names = ", ".join(f"„{headers[k][0]}“" for k in required)
    raise InputError(
        path,
        [Finding((), "plan_mismatch", {"value": f"im Blatt „{title}“ fehlt die Kopfzeile mit den Spalten {names}"})],
    )


class _Problems:
    """The findings of one sheet, each at its cell (``Zuordnung!D7 (VZÄ)``)."""

    def __init__(self, path: Path, title: str, letters: dict[str, str], headers: dict[str, tuple[str, str]]) -> None:
        self.path, self.title, self.letters, self.headers = path, title, letters, headers
        self.findings: list[Finding] = []
        self.lines: dict[Loc, int | str] = {}

    def add(self, n: int, key: str, code: str, value: object, **extra: str) -> None:
        loc: Loc = (f"{self.title}!{n}", key)  # the cell below names the place; no record label
        self.lines[loc] = f"{self.title}!{self.letters[key]}{n} ({self.headers[key][0]})"
        self.findings.append(Finding(loc, code, {"value": value, **extra}))

    def raise_any(self) -> None:
        if self.findings:
            raise InputError(self.path, self.findings, None, self.lines)


def _parse(
    path: Path, title: str, rows: list[tuple[int, tuple[Any, ...]]], instance: str | None, checksum: str | None
) -> PlanSheet:
    columns, body = _header(path, title, rows, HEADERS, ("year", "fixed"))
    letters = {key: get_column_letter(c + 1) for key, c in columns.items()}
    sheet = PlanSheet(path, title, [], letters, instance, checksum)
    problem = _Problems(path, title, letters, HEADERS)

    for n, row in body:

        def get(key: str, row: tuple[Any, ...] = row) -> object:
            c = columns.get(key)
            return row[c] if c is not None and c < len(row) else None

        if all(_text(get(key)) == "" for key in HEADERS):
            continue
        raw_vzae = get("vzae")
        vzae = _vzae(raw_vzae)
        if vzae is None and _text(raw_vzae) != "":
            problem.add(n, "vzae", "invalid", _text(raw_vzae))
            continue
        fixed_text = _text(get("fixed")).casefold()
        if fixed_text not in YES | NO:
            problem.add(n, "fixed", "plan_fixed_mark", _text(get("fixed")))
            continue
        if not vzae and fixed_text not in YES:
            continue  # a link set to 0 (or emptied) is no link, unless it is fixed at 0
        kind = KINDS.get(normalise(_text(get("host_type"))))
        if kind is None:
            problem.add(n, "host_type", "bad_choice", _text(get("host_type")), choices="Kreis, Kommune, Träger")
            continue
        host, kommune = _text(get("host")), _text(get("kommune"))
        if not host:
            problem.add(n, "host", "missing", None)
            continue
        if not kommune:
            problem.add(n, "kommune", "missing", None)
            continue
        year = _year(get("year"))
        if "year" in columns and year is None:
            problem.add(n, "year", "missing" if _text(get("year")) == "" else "not_integer", _text(get("year")) or None)
            continue
        sheet.rows.append(PlanRow(host, kind, kommune, vzae or Fraction(0), fixed_text in YES, n, year))
    problem.raise_any()
    return sheet


def _parse_cuts(sheet: PlanSheet, title: str, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
    """The sheet „Kürzungen“: one row per host a later year cuts."""
    path = sheet.path
    columns, body = _header(path, title, rows, CUT_HEADERS)
    letters = {key: get_column_letter(c + 1) for key, c in columns.items()}
    sheet.cut_title, sheet.cut_columns = title, letters
    problem = _Problems(path, title, letters, CUT_HEADERS)
    for n, row in body:

        def get(key: str, row: tuple[Any, ...] = row) -> object:
            c = columns.get(key)
            return row[c] if c is not None and c < len(row) else None

        if all(_text(get(key)) == "" for key in CUT_HEADERS):
            continue
        year, vzae = _year(get("year")), _vzae(get("vzae"))
        kind = CUT_KINDS.get(normalise(_text(get("host_type"))))
        if year is None:
            problem.add(n, "year", "missing" if _text(get("year")) == "" else "not_integer", _text(get("year")) or None)
        elif vzae is None:
            problem.add(n, "vzae", "missing" if _text(get("vzae")) == "" else "invalid", _text(get("vzae")) or None)
        elif kind is None:
            problem.add(n, "host_type", "bad_choice", _text(get("host_type")), choices="Kreis, Kommune, Träger, alle")
        elif not _text(get("host")):
            problem.add(n, "host", "missing", None)
        else:
            sheet.cuts.append(PlanCut(year, _text(get("host")), kind, vzae, n))
    problem.raise_any()
