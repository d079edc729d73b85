"""The plan workbook's sheet „Zuordnung“: one row per link, edited by planners, read back.

Columns (German or English headers, matched like the instance workbook's):
„Anstellungsträger“, „Art“ (Kreis/Kommune/Träger), „Kommune“, „VZÄ“ and „fest“ (ja/nein).
A row with an empty or zero VZÄ cell is no link; empty rows are skipped. The sheet
„Übersicht“ records which instance the plan belongs to (its name and the inputs'
checksum), so ``kimopt check`` can say when a plan is checked against another instance.

Every row keeps its cells (``Zuordnung!D7``), so a broken rule can name the cell to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from kimopt.errors import Finding, InputError, Loc
from kimopt.io.excel.cells import float_value, parse_number
from kimopt.io.excel.schema import normalise
from kimopt.numbers import NumberError, decimal_vzae, to_fraction

if TYPE_CHECKING:
    from kimopt.check import Violation

SHEET_NAMES = ("Zuordnung", "Assignment")
OVERVIEW_NAMES = ("Übersicht", "Overview")
HEADERS: dict[str, tuple[str, str]] = {
    "host": ("Anstellungsträger", "Employer"),
    "host_type": ("Art", "Type"),
    "kommune": ("Kommune", "Kommune"),
    "vzae": ("VZÄ", "VZÄ"),
    "fixed": ("fest", "fixed"),
}
REQUIRED = ("host", "host_type", "kommune", "vzae")
KINDS = {
    "kreis": "kreis",
    "kommune": "kommune",
    "gemeinde": "kommune",
    "stadt": "kommune",
    "trager": "traeger",
    "traeger": "traeger",
}
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
    _index: tuple[int, dict[tuple[str | None, str | None], list[PlanRow]]] | None = field(
        default=None, repr=False, compare=False
    )

    def plan(self) -> dict[str, Any]:
        """The plan as the checker reads it: links, and whose instance it is."""
        plan: dict[str, Any] = {
            "links": [
                {"host": r.host, "host_type": r.host_type, "kommune": r.kommune, "vzae": decimal_vzae(r.vzae)}
                for r in self.rows
            ],
        }
        if self.instance:
            plan["instance"] = self.instance
        if self.input_sha256:
            plan["input_sha256"] = self.input_sha256
        return plan

    def cell(self, row: PlanRow, column: str = "vzae") -> str:
        """``Zuordnung!D7``."""
        return f"{self.title}!{self.columns[column]}{row.row}"

    def cells_of(self, host: str | None = None, kommune: str | None = None) -> list[PlanRow]:
        """The rows of ``host`` and/or serving ``kommune`` (from an index built once, so that
        locating every violation of a 30,000-row sheet stays linear)."""
        if self._index is None or self._index[0] != len(self.rows):
            index: dict[tuple[str | None, str | None], list[PlanRow]] = {}
            for r in self.rows:
                for key in ((r.host, r.kommune), (r.host, None), (None, r.kommune), (None, None)):
                    index.setdefault(key, []).append(r)
            self._index = (len(self.rows), index)
        return self._index[1].get((host, kommune), [])

    def locate(self, subject: str) -> str:
        """The VZÄ cells a checker's subject concerns: a link ``host → Kommune``, a host, a
        Kommune, ``links[n]`` or nothing (then the whole column); beyond six cells the first
        six and how many more."""
        if subject.startswith("links[") and subject.endswith("]") and subject[6:-1].isdigit():
            n = int(subject[6:-1]) - 1
            rows = self.rows[n : n + 1]
        elif " → " in subject:
            host, kommune = subject.split(" → ", 1)
            rows = self.cells_of(host, kommune)
        elif subject:
            rows = self.cells_of(host=subject) or self.cells_of(kommune=subject)
        else:
            rows = self.rows
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
    """Whether ``path`` is a workbook with a sheet „Zuordnung“ (a plan, not an instance; a
    hidden one counts, so that reading it says that it is hidden)."""
    from kimopt.io.excel.read import _open_workbook

    workbook = _open_workbook(path)
    try:
        return any(t in SHEET_NAMES for t in workbook.sheetnames)
    finally:
        workbook.close()


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
    return _parse(path, title, rows, instance, checksum)


def _parse(
    path: Path, title: str, rows: list[tuple[int, tuple[Any, ...]]], instance: str | None, checksum: str | None
) -> PlanSheet:
    wanted = {normalise(label): key for key, labels in HEADERS.items() for label in labels}
    header_row, columns, body = 0, {}, []
    for position, (n, row) in enumerate(rows[:10]):
        found = {wanted[normalise(_text(v))]: c for c, v in enumerate(row) if normalise(_text(v)) in wanted}
        if all(key in found for key in REQUIRED):
            header_row, columns = n, found
            body = rows[position + 1 :]
            break
    if not header_row:
        names = ", ".join(f"„{HEADERS[k][0]}“" for k in REQUIRED)
        raise InputError(
            path,
            [
                Finding(
                    (), "plan_mismatch", {"value": f"im Blatt „{title}“ fehlt die Kopfzeile mit den Spalten {names}"}
                )
            ],
        )
    letters = {key: get_column_letter(c + 1) for key, c in columns.items()}
    sheet = PlanSheet(path, title, [], letters, instance, checksum)
    findings: list[Finding] = []
    lines: dict[Loc, int | str] = {}

    def problem(n: int, key: str, code: str, value: object, **extra: str) -> None:
        loc: Loc = (f"{title}!{n}", key)  # the cell below names the place; no record label
        lines[loc] = f"{title}!{letters[key]}{n} ({HEADERS[key][0]})"
        findings.append(Finding(loc, code, {"value": value, **extra}))

    for n, row in body:

        def get(key: str, row: tuple[Any, ...] = row) -> object:
            c = columns.get(key)
            return row[c] if c is not None and c < len(row) else None

        if all(_text(get(key)) == "" for key in HEADERS):
            continue
        raw_vzae = get("vzae")
        vzae = _vzae(raw_vzae)
        if vzae is None and _text(raw_vzae) != "":
            problem(n, "vzae", "invalid", _text(raw_vzae))
            continue
        fixed_text = _text(get("fixed")).casefold()
        if fixed_text not in YES | NO:
            problem(n, "fixed", "plan_fixed_mark", _text(get("fixed")))
            continue
        if not vzae and fixed_text not in YES:
            continue  # a link set to 0 (or emptied) is no link, unless it is fixed at 0
        kind = KINDS.get(normalise(_text(get("host_type"))))
        if kind is None:
            problem(n, "host_type", "bad_choice", _text(get("host_type")), choices="Kreis, Kommune, Träger")
            continue
        host, kommune = _text(get("host")), _text(get("kommune"))
        if not host:
            problem(n, "host", "missing", None)
            continue
        if not kommune:
            problem(n, "kommune", "missing", None)
            continue
        sheet.rows.append(PlanRow(host, kind, kommune, vzae or Fraction(0), fixed_text in YES, n))
    if findings:
        raise InputError(path, findings, None, lines)
    return sheet
