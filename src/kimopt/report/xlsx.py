"""The plan as a workbook the Lenkungsgruppe can forward: overview, Kommunen, positions, money.

Sheets (German names; English ones with ``lang="en"``):

``Übersicht``  the key figures and every objective level with its value and bound;
``Kommunen``   key share, target, coverage, deviation and who serves each Kommune;
``Zuordnung``  one row per link (employer, type, Kommune, VZÄ, fixed; a plan of several years
               first the year, with every year's rows): planners edit it, and
               ``kimopt check`` and ``kimopt solve --fix`` read it back
               (:mod:`kimopt.io.excel.plan_sheet`);
``Kürzungen``  a plan of several years: where a later year holds less than the year before
               (read back by ``kimopt check``);
``Finanzen``   cost, funding and deficit per employer, then the Eigenanteil by payer;
``Vergleich``  alternatives side by side (only when ``comparison`` is given).

Figures are numbers with formats (VZÄ with one decimal, targets and deviations with three,
euros with thousands separators), so planners can go on computing with them. Tables have a
bold header, an autofilter and a frozen header row. Every text (names come from the instance
and may start with ``=``) is stored as a string Excel never evaluates. The same plan gives
the same bytes: no save time is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from kimopt.cut_text import year_cut_texts
from kimopt.io.atomic import write_bytes_atomic
from kimopt.io.excel import set_text, workbook_bytes
from kimopt.labels import HOST_KIND, OBJECTIVE_LABELS, STATUS_LABELS
from kimopt.labels import t as in_lang
from kimopt.numbers import fmt_number
from kimopt.report.horizon import BAUSTEINE, unused_table

VZAE = "0.0"
VZAE_EXACT = "0.000"
SIGNED = "+0.000;-0.000;0.000"
EURO = '#,##0 "€"'
COUNT = "#,##0"
PERCENT = "0.0%"
SHARE = "0.00%"
TEXT = "@"
UNIT_FORMATS = {"VZÄ": VZAE_EXACT, "EUR": EURO, "count": COUNT, "rank": COUNT}

SHEET_NAMES = {
    "de": ("Übersicht", "Kommunen", "Zuordnung", "Finanzen", "Vergleich"),
    "en": ("Overview", "Kommunen", "Assignment", "Finance", "Comparison"),
}
CUT_SHEET = {"de": "Kürzungen", "en": "Cuts"}

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")
MARK_FILL = PatternFill("solid", fgColor="FFF1B8")  # the HTML report's mark colour
HEAD_BORDER = Border(bottom=Side(style="thin", color="7F7F7F"))
TOTAL_BORDER = Border(top=Side(style="thin", color="7F7F7F"))
WRAP = Alignment(wrap_text=True, vertical="top")
RIGHT = Alignment(horizontal="right")


@dataclass(frozen=True)
class Col:
    """A table column: header, number format of its cells, smallest width."""

    label: str
    fmt: str | None = None
    width: int = 10


class _Lang:
    """Picks the German or English text; names host types and units."""

    def __init__(self, lang: str) -> None:
        self.de = lang == "de"

    def __call__(self, de: str, en: str) -> str:
        return de if self.de else en

    def pick(self, labels: tuple[str, str] | None, fallback: object = "") -> str:
        return str(fallback) if labels is None else labels[0 if self.de else 1]

    def yes(self, value: object) -> str:
        return self("ja", "yes") if value else self("nein", "no")

    def kind(self, host_type: object) -> str:
        return self.pick(HOST_KIND.get(str(host_type)), host_type)

    def unit(self, unit: object) -> str:
        return {"VZÄ": "VZÄ", "EUR": "€", "count": self("Anzahl", "count")}.get(str(unit), "")

    def objective(self, name: object) -> str:
        return self.pick(OBJECTIVE_LABELS.get(str(name)), name)


def put(ws: Any, row: int, column: int, value: Any, fmt: str | None = None) -> Any:
    """One cell: text as a string Excel never evaluates, numbers as numbers with ``fmt``."""
    cell = ws.cell(row, column)
    if value is None:
        return cell
    if isinstance(value, str):
        set_text(cell, ILLEGAL_CHARACTERS_RE.sub("", value)[:32767])
    else:
        cell.value = value
    if fmt:
        cell.number_format = fmt
    return cell


def _num(value: Any) -> Decimal:
    """A JSON number as an exact decimal (its shortest text); anything else counts as 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return Decimal(0)


def _euros(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _table(
    ws: Any,
    top: int,
    columns: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    total: Sequence[Any] | None = None,
    filtered: bool = True,
) -> int:
    """A header at row ``top``, the rows and a bold total row; returns the next free row.

    ``filtered`` tables get the sheet's autofilter and frozen header (one per sheet).
    """
    for c, column in enumerate(columns, start=1):
        cell = put(ws, top, c, column.label)
        cell.font, cell.fill, cell.border, cell.alignment = BOLD, HEAD_FILL, HEAD_BORDER, WRAP
    for r, row in enumerate(rows, start=top + 1):
        for c, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            put(ws, r, c, value, column.fmt)
    last = top + len(rows)
    if filtered:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{last}"
        ws.freeze_panes = f"B{top + 1}"
        ws.print_title_rows = f"{top}:{top}"
    if total is not None:
        last += 1
        for c, (column, value) in enumerate(zip(columns, total, strict=True), start=1):
            cell = put(ws, last, c, value, column.fmt)
            cell.font, cell.border = BOLD, TOTAL_BORDER
    _widths(ws, columns, [*rows, *([total] if total else [])])
    return last + 2


def _widths(ws: Any, columns: Sequence[Col], rows: Sequence[Sequence[Any]]) -> None:
    for c, column in enumerate(columns, start=1):
        cells = [row[c - 1] for row in rows]
        sizes = [len(v) for v in cells if isinstance(v, str)]
        sizes += [len(f"{v:,.1f}") + 2 for v in cells if isinstance(v, (int, float)) and not isinstance(v, bool)]
        wanted = max([column.width, min(len(column.label), 24) + 2, *sizes]) + 1
        dimension = ws.column_dimensions[get_column_letter(c)]
        dimension.width = max(dimension.width or 0, min(wanted, 60))


# ---- sheets -------------------------------------------------------------------------------


def _overview(ws: Any, plan: dict[str, Any], t: _Lang) -> None:
    summary: dict[str, Any] = plan.get("summary") or {}
    own: dict[str, Any] = summary.get("eigenanteil_eur") or {}
    solver: dict[str, Any] = plan.get("solver") or {}
    status = str(plan.get("status", ""))
    label = STATUS_LABELS.get(status)
    put(ws, 1, 1, t("KIM-Verteilungsplan: ", "KIM allocation plan: ") + str(plan.get("instance", ""))).font = TITLE
    quota = summary.get("quota_rule_holds")
    figures: list[tuple[str, Any, str | None, str]] = [
        (t("Instanz", "Instance"), plan.get("instance"), None, ""),
        (t("Planungsmodell", "Planning model"), plan.get("model"), None, ""),
        ("Status", t.pick(label) if label else status, None, ""),
        (t("Stellen verwendet", "Positions used"), summary.get("positions_used"), VZAE, "VZÄ"),
        (t("Förderfähige Stellen", "Fundable positions"), summary.get("positions_fundable"), VZAE, "VZÄ"),
        (t("davon beim Kreis", "of which at the Kreis"), summary.get("kreis_vzae"), VZAE, "VZÄ"),
        (
            t("davon bei Kommunen und Trägern", "of which with Kommunen and Träger"),
            summary.get("partner_vzae"),
            VZAE,
            "VZÄ",
        ),
        (t("Anteil des Kreises", "Kreis share"), summary.get("kreis_share"), PERCENT, ""),
        (t("Förderung pro Jahr", "Funding per year"), summary.get("funding_eur"), EURO, "€"),
        (t("Eigenanteil Kreis pro Jahr", "Own share Kreis per year"), own.get("kreis"), EURO, "€"),
        (t("Eigenanteil Kommunen pro Jahr", "Own share Kommunen per year"), own.get("kommunen"), EURO, "€"),
        (t("Eigenanteil Träger pro Jahr", "Own share Träger per year"), own.get("traeger"), EURO, "€"),
        (t("Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"), own.get("total"), EURO, "€"),
        (
            t("Abweichung vom Schlüssel (Summe |Ist − Soll|)", "Deviation from the key (sum |c − e|)"),
            summary.get("deviation_l1"),
            VZAE_EXACT,
            "VZÄ",
        ),
        (
            t("Größte Abweichung einer Kommune", "Largest deviation of a Kommune"),
            summary.get("deviation_max"),
            VZAE_EXACT,
            "VZÄ",
        ),
        (t("Quotenregel eingehalten", "Quota rule holds"), None if quota is None else t.yes(quota), None, ""),
        ("kimopt", plan.get("kimopt"), None, ""),
        ("OR-Tools", solver.get("ortools"), None, ""),
        (t("Rechenzeit", "Solve time"), solver.get("seconds"), "0.00", "s"),
        (t("Zufallsstartwert (seed)", "Random seed"), solver.get("seed"), "0", ""),
        (t("Prüfsumme der Eingaben (SHA-256)", "Input checksum (SHA-256)"), plan.get("input_sha256"), None, ""),
    ]
    columns = [
        Col(t("Kennzahl", "Figure"), None, 40),
        Col(t("Wert", "Value"), None, 18),
        Col(t("Einheit", "Unit"), None, 8),
    ]
    # the euro format shows "€" itself: no second "€" in the unit column
    next_row = _table(
        ws,
        3,
        columns,
        [[name, value, "" if fmt == EURO else unit] for name, value, fmt, unit in figures],
        filtered=False,
    )
    ws.print_title_rows = "3:3"
    for r, (_, value, fmt, _) in enumerate(figures, start=4):
        ws.cell(r, 2).alignment = RIGHT
        if fmt and value is not None:
            ws.cell(r, 2).number_format = fmt
    ws.column_dimensions["B"].width = 30  # the checksum stays readable, other figures fit

    put(
        ws,
        next_row,
        1,
        t("Ziele (lexikographisch, in dieser Reihenfolge)", "Objectives (lexicographic, in this order)"),
    ).font = BOLD
    levels: list[dict[str, Any]] = list(plan.get("objectives") or [])
    columns = [
        Col(t("Ebene", "Level"), "0", 6),
        Col(t("Ziel", "Objective"), None, 16),
        Col(t("Bedeutung", "Meaning"), None, 30),
        Col(t("Wert", "Value"), None, 12),
        Col(t("Schranke", "Bound"), None, 12),
        Col(t("Einheit", "Unit"), None, 8),
        Col(t("bewiesen optimal", "proven optimal"), None, 10),
    ]
    rows = [
        [
            n,
            str(level.get("name", "")),
            t.objective(level.get("name")),
            level.get("value"),
            level.get("bound"),
            "" if level.get("unit") == "EUR" else t.unit(level.get("unit")),  # € in the format
            t.yes(level.get("proven_optimal")),
        ]
        for n, level in enumerate(levels, start=1)
    ]
    top = next_row + 1
    _table(ws, top, columns, rows, filtered=False)
    for r, level in enumerate(levels, start=top + 1):
        fmt = UNIT_FORMATS.get(str(level.get("unit")), "General")
        ws.cell(r, 4).number_format = ws.cell(r, 5).number_format = fmt


def _kommunen(ws: Any, plan: dict[str, Any], t: _Lang) -> None:
    lang = "de" if t.de else "en"
    columns = [
        Col("Kommune", None, 22),
        Col("AGS", TEXT, 10),
        Col(t("Einwohner", "Population"), COUNT, 11),
        Col(t("Schlüsselanteil", "Key share"), SHARE, 10),
        Col(t("Soll-VZÄ", "Target VZÄ"), VZAE_EXACT, 9),
        Col(t("Ist-VZÄ", "VZÄ"), VZAE, 8),
        Col(t("Abweichung (VZÄ)", "Deviation (VZÄ)"), SIGNED, 11),
        Col(t("Versorgt durch", "Served by"), None, 30),
    ]
    kommunen: list[dict[str, Any]] = list(plan.get("kommunen") or [])
    rows = [
        [
            k.get("name"),
            k.get("ags"),
            k.get("population"),
            k.get("key_share"),
            k.get("target_vzae"),
            k.get("coverage_vzae"),
            k.get("deviation_vzae"),
            "; ".join(f"{s.get('host', '')} {fmt_number(s.get('vzae', 0), 1, lang)}" for s in k.get("served_by") or []),
        ]
        for k in kommunen
    ]
    total = [
        t("Summe", "Total"),
        None,
        int(sum(_num(k.get("population")) for k in kommunen)),
        float(sum(_num(k.get("key_share")) for k in kommunen)),
        float(sum(_num(k.get("target_vzae")) for k in kommunen)),
        float(sum(_num(k.get("coverage_vzae")) for k in kommunen)),
        None,
        None,
    ]
    _table(ws, 1, columns, rows, total=total)


def _several_years(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's years when it has more than one (else ``[]``: a plan of one year)."""
    years = [y for y in plan.get("years") or [] if isinstance(y, dict)]
    return years if len(years) > 1 else []


def _link_rows(year: dict[str, Any], t: _Lang) -> list[list[Any]]:
    """One year's links and fixed rows (a row fixed at 0 VZÄ is no link, but stays fixed)."""

    def key(link: dict[str, Any]) -> tuple[Any, Any, Any]:
        return link.get("host_type"), link.get("host"), link.get("kommune")

    fixed_links: list[dict[str, Any]] = list(year.get("fixed_links") or [])
    fixed = {key(f) for f in fixed_links}
    links: list[dict[str, Any]] = list(year.get("links") or [])
    listed = {key(link) for link in links}
    return [
        [
            link.get("host"),
            t.kind(link.get("host_type")),
            link.get("kommune"),
            link.get("vzae"),
            t.yes(key(link) in fixed),
            t.yes(link.get("host_type") == "kommune" and link.get("host") != link.get("kommune")),
        ]
        for link in links
    ] + [
        [f.get("host"), t.kind(f.get("host_type")), f.get("kommune"), f.get("vzae"), t.yes(True), t.yes(False)]
        for f in fixed_links
        if key(f) not in listed
    ]


def _zuordnung(ws: Any, plan: dict[str, Any], t: _Lang) -> None:
    """One row per link, in the columns :mod:`kimopt.io.excel.plan_sheet` reads back; a plan of
    several years has every year's rows, each with its year in the first column „Jahr“.

    No total row: the planner edits the VZÄ here, and a stale sum would mislead.
    """
    columns = [
        Col(t("Anstellungsträger", "Employer"), None, 30),
        Col(t("Art", "Type"), None, 9),
        Col("Kommune", None, 22),
        Col("VZÄ", VZAE, 7),
        Col(t("fest", "fixed"), None, 6),
        Col(t("Geteilte Stelle", "Shared position"), None, 10),
    ]
    years = _several_years(plan)
    if years:
        columns.insert(0, Col(t("Jahr", "Year"), "0", 6))
        rows = [[year.get("year"), *row] for year in years for row in _link_rows(year, t)]
    else:
        one = plan.get("years") or [plan]  # a plan of one year with Bausteine 1 and 3 lists its fixed rows there
        rows = _link_rows({**plan, "fixed_links": one[0].get("fixed_links") or plan.get("fixed_links")}, t)
    _table(ws, 1, columns, rows)
    note = len(rows) + 3
    put(
        ws,
        note,
        1,
        t(
            "Bearbeiten: VZÄ ändern, Zeilen hinzufügen oder löschen (VZÄ 0 = keine Verbindung); "
            "„fest“ = ja hält die Zeile bei kimopt solve --fix fest"
            + (" (in ihrem Jahr)" if years else "")
            + ". Prüfen mit: kimopt check INSTANZ plan.xlsx",
            'Edit: change VZÄ, add or delete rows (VZÄ 0 = no link); "fixed" = yes keeps the '
            "row in kimopt solve --fix" + (" (in its year)" if years else "") + ". "
            "Verify with: kimopt check INSTANCE plan.xlsx",
        ),
    ).font = Font(italic=True, color="5B6670")


def _kuerzungen(ws: Any, years: list[dict[str, Any]], t: _Lang) -> None:
    """Every cut of a later year below the year before, in the columns
    :mod:`kimopt.io.excel.plan_sheet` reads back (Jahr, Anstellungsträger, Art, Kürzung), with
    its reason and the smallest change that avoids it („Grund und Abhilfe“)."""
    lang = "de" if t.de else "en"
    columns = [
        Col(t("Jahr", "Year"), "0", 6),
        Col(t("Anstellungsträger", "Employer"), None, 30),
        Col(t("Art", "Type"), None, 9),
        Col(t("Vorjahr (VZÄ)", "Year before (VZÄ)"), VZAE, 9),
        Col(t("jetzt (VZÄ)", "now (VZÄ)"), VZAE, 9),
        Col(t("Kürzung (VZÄ)", "Cut (VZÄ)"), VZAE, 9),
        Col(t("Grund und Abhilfe", "Reason and remedy"), None, 90),
    ]
    rows = [
        [
            year.get("year"),
            cut.get("host"),
            t.kind(cut.get("host_type")),
            cut.get("from_vzae"),
            cut.get("to_vzae"),
            cut.get("vzae"),
            text,
        ]
        for year in years
        for cut, text in zip(year.get("cuts") or [], year_cut_texts(year, lang, with_year=False), strict=True)
    ]
    put(
        ws,
        1,
        1,
        t(
            "Wo ein Jahr weniger Stellen hat als das Vorjahr (Bestandsschutz): die kleinste Kürzung, "
            "mit der alle Regeln des Jahres gelten. kimopt check prüft die Zuordnung gegen diese Kürzungen."
            if rows
            else "Der Plan nennt keine Kürzungen unter das Vorjahr (Bestandsschutz).",
            "Where a year has fewer positions than the year before (keep_existing): the least cut with "
            "which every rule of the year holds. kimopt check checks the assignment against these cuts."
            if rows
            else "The plan states no cuts below the year before (keep_existing).",
        ),
    ).font = Font(italic=True, color="5B6670")
    _table(ws, 3, columns, rows)  # the note above the table: below it, it would read as a row


def _finanzen(ws: Any, plan: dict[str, Any], t: _Lang) -> None:
    finance: dict[str, Any] = plan.get("finance") or {}
    rate = _num(finance.get("rate_per_vzae"))
    share = Decimal(int(finance.get("months") or 12)) / 12  # a year of fewer months: euros pro rata
    columns = [
        Col(t("Anstellungsträger", "Employer"), None, 30),
        Col(t("Art", "Type"), None, 9),
        Col("VZÄ", VZAE, 7),
        Col(t("davon vorhanden", "of which existing"), VZAE, 9),
        Col(t("davon neu", "of which new"), VZAE, 9),
        Col(t("Obergrenze VZÄ", "Maximum VZÄ"), VZAE, 9),
        Col(t("Kosten je VZÄ", "Cost per VZÄ"), EURO, 11),
        Col(t("Förderung je VZÄ", "Funding per VZÄ"), EURO, 11),
        Col(t("Defizit je VZÄ", "Deficit per VZÄ"), EURO, 11),
        Col(t("Kosten pro Jahr", "Cost per year"), EURO, 12),
        Col(t("Förderung pro Jahr", "Funding per year"), EURO, 12),
        Col(t("Defizit trägt", "Deficit paid by"), None, 12),
    ]
    rows = []
    for host in plan.get("hosts") or []:
        vzae, cost = _num(host.get("vzae")), _num(host.get("cost_per_vzae"))
        funded = min(rate, cost)  # the flat rate, paid up to the real cost
        payer = "Kreis" if host.get("deficit_paid_by_kreis") else t.kind(host.get("host_type"))
        if "deficit_kreis_per_vzae" in host:  # capped coverage (DESIGN §5)
            cap = host["deficit_kreis_per_vzae"]
            payer = t(f"Kreis bis {cap} €, Rest {t.kind(host.get('host_type'))}", f"Kreis up to €{cap}, rest employer")
        rows.append(
            [
                host.get("name"),
                t.kind(host.get("host_type")),
                host.get("vzae"),
                host.get("existing_vzae"),
                host.get("new_vzae"),
                host.get("max_vzae"),
                host.get("cost_per_vzae"),
                int(funded),
                host.get("deficit_per_vzae"),
                _euros(cost * vzae * share),
                _euros(funded * vzae * share),
                payer,
            ]
        )
    total = [
        t("Summe", "Total"),
        None,
        float(sum(_num(row[2]) for row in rows)),
        None,
        None,
        None,
        None,
        None,
        None,
        finance.get("total_cost_eur", sum(row[9] for row in rows)),
        finance.get("funding_eur", sum(row[10] for row in rows)),
        None,
    ]
    next_row = _table(ws, 1, columns, rows, total=total)

    put(
        ws,
        next_row,
        1,
        t("Eigenanteil nach Zahler (pro Jahr, für neue Stellen)", "Own share by payer (per year, for new positions)"),
    ).font = BOLD
    columns = [
        Col(t("Zahler", "Payer"), None, 30),
        Col(t("Art", "Type"), None, 9),
        Col(t("Eigenanteil", "Own share"), EURO, 12),
        Col("Budget", EURO, 12),
        Col(t("Budget frei", "Budget left"), EURO, 12),
    ]
    payments: list[dict[str, Any]] = list(finance.get("eigenanteil") or [])
    rows = []
    for payment in payments:
        budget = payment.get("budget_eur")
        left = None if budget is None else int(_num(budget) - _num(payment.get("eur")))
        rows.append(
            [
                payment.get("payer"),
                t.kind(payment.get("payer_type")),
                payment.get("eur"),
                t("unbegrenzt", "unlimited") if budget is None else budget,
                left,
            ]
        )
    total = [t("Summe", "Total"), None, int(sum(_num(p.get("eur")) for p in payments)), None, None]
    _table(ws, next_row + 1, columns, rows, total=total, filtered=False)


def _comparison(ws: Any, plans: Sequence[dict[str, Any]], t: _Lang) -> None:
    """One row per figure, one column per alternative; plans of several years give every year's
    figures, each label starting with its year („2023: Stellen verwendet“)."""
    from kimopt.analysis.comparison import year_views

    rows: list[list[Any]] = []
    formats: list[str | None] = []
    for year, views in year_views(list(plans)):
        _comparison_rows(views, t, f"{year}: " if year else "", rows, formats)
    _comparison_sheet(ws, plans, t, rows, formats)


def _comparison_rows(
    plans: Sequence[dict[str, Any]], t: _Lang, prefix: str, rows: list[list[Any]], formats: list[str | None]
) -> None:
    """The figure rows of one year's plans (``prefix``: the year's, or empty) added to ``rows``."""

    def add(label: str, unit: str, fmt: str | None, values: list[Any]) -> None:
        rows.append([prefix + label, "" if fmt == EURO else unit, *values])
        formats.append(fmt)

    def union(key: str) -> list[str]:
        names: list[str] = []
        for plan in plans:
            names += [str(r.get("name")) for r in plan.get(key) or [] if str(r.get("name")) not in names]
        return names

    def find(plan: dict[str, Any], key: str, name: str, field: str) -> Any:
        return next((r.get(field) for r in plan.get(key) or [] if str(r.get("name")) == name), None)

    def summary(key: str, sub: str | None = None) -> list[Any]:
        values = [(p.get("summary") or {}).get(key) for p in plans]
        return [(v or {}).get(sub) for v in values] if sub else values

    add("Status", "", None, [str(p.get("status", "")) for p in plans])
    add(t("Planungsmodell", "Planning model"), "", None, [p.get("model") for p in plans])
    add(t("Stellen verwendet", "Positions used"), "VZÄ", VZAE, summary("positions_used"))
    add(t("davon beim Kreis", "of which at the Kreis"), "VZÄ", VZAE, summary("kreis_vzae"))
    add(t("davon bei Kommunen und Trägern", "of which with Kommunen and Träger"), "VZÄ", VZAE, summary("partner_vzae"))
    add(t("Anteil des Kreises", "Kreis share"), "", PERCENT, summary("kreis_share"))
    add(
        t("Abweichung vom Schlüssel (Summe)", "Deviation from the key (sum)"),
        "VZÄ",
        VZAE_EXACT,
        summary("deviation_l1"),
    )
    add(t("Größte Abweichung", "Largest deviation"), "VZÄ", VZAE_EXACT, summary("deviation_max"))
    add(t("Förderung pro Jahr", "Funding per year"), "€", EURO, summary("funding_eur"))
    for key, de, en in (
        ("kreis", "Eigenanteil Kreis", "Own share Kreis"),
        ("kommunen", "Eigenanteil Kommunen", "Own share Kommunen"),
        ("traeger", "Eigenanteil Träger", "Own share Träger"),
        ("total", "Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"),
    ):
        add(t(de, en), "€", EURO, summary("eigenanteil_eur", key))
    payers: list[str] = []
    for plan in plans:
        payers += [
            str(p.get("payer"))
            for p in (plan.get("finance") or {}).get("eigenanteil") or []
            if p.get("payer_type") == "kommune" and str(p.get("payer")) not in payers
        ]
    for payer in payers:
        add(
            t("Eigenanteil ", "Own share ") + payer,
            "€",
            EURO,
            [
                None
                if "finance" not in p
                else sum(
                    int(_num(x.get("eur")))
                    for x in p["finance"].get("eigenanteil") or []
                    if str(x.get("payer")) == payer
                )
                for p in plans
            ],
        )
    for name in union("objectives"):
        unit = next((find(p, "objectives", name, "unit") for p in plans if find(p, "objectives", name, "unit")), "")
        add(
            t("Ziel: ", "Objective: ") + t.objective(name),
            t.unit(unit),
            UNIT_FORMATS.get(str(unit)),
            [find(p, "objectives", name, "value") for p in plans],
        )
    for name in union("kommunen"):
        add(t("Ist-VZÄ ", "VZÄ ") + name, "VZÄ", VZAE, [find(p, "kommunen", name, "coverage_vzae") for p in plans])
    for name in union("hosts"):
        add(t("Stellen bei ", "Positions at ") + name, "VZÄ", VZAE, [find(p, "hosts", name, "vzae") for p in plans])
    if any(p.get("eigenanteil_all_eur") for p in plans):  # a year of DESIGN §5: what the Haushalt carries
        for key, de in (("kreis", "Kreis"), ("total", "Kreis + Kommunen")):
            add(
                t(f"Eigenanteil {de} (alle Bausteine)", f"Own share {de} (all Bausteine)"),
                "€",
                EURO,
                [(p.get("eigenanteil_all_eur") or {}).get(key) for p in plans],
            )


def _comparison_sheet(
    ws: Any, plans: Sequence[dict[str, Any]], t: _Lang, rows: list[list[Any]], formats: list[str | None]
) -> None:
    """The sheet „Vergleich“: the rows under a head with one column per alternative, differences marked."""
    names = [str(p.get("alternative") or p.get("instance") or f"Alternative {n}") for n, p in enumerate(plans, start=1)]
    columns = [
        Col(t("Kennzahl", "Figure"), None, 34),
        Col(t("Einheit", "Unit"), None, 7),
        *(Col(name, None, 14) for name in names),
    ]
    _table(ws, 1, columns, rows)
    ws.freeze_panes = "C2"
    for r, (row, fmt) in enumerate(zip(rows, formats, strict=True), start=2):
        for c in range(3, 3 + len(plans)):
            if fmt:
                ws.cell(r, c).number_format = fmt
            if c > 3 and row[c - 1] != row[2]:  # as in the HTML: what differs from the first alternative
                ws.cell(r, c).fill, ws.cell(r, c).font = MARK_FILL, BOLD
    note = len(rows) + 3
    put(
        ws,
        note,
        1,
        t(
            "Gelb markiert: anders als in der ersten Alternative.",
            "Marked yellow: different from the first alternative.",
        ),
    ).font = Font(italic=True)
    ws.cell(note, 1).fill = MARK_FILL


def page_setup(ws: Any, header_rows: str | None = None) -> None:
    """Committee print-outs: A4 landscape, one page wide, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_rows or not ws.print_title_rows:
        ws.print_title_rows = header_rows or "1:1"


def plan_workbook(plan_json: dict[str, Any], lang: str = "de", comparison: list[dict[str, Any]] | None = None) -> bytes:
    """The plan workbook as ``.xlsx`` bytes (the same plan gives the same bytes)."""
    t = _Lang(lang)
    workbook = Workbook()
    workbook.remove(workbook.active)
    overview, kommunen, stellen, finanzen, vergleich = SHEET_NAMES["de" if t.de else "en"]
    _overview(workbook.create_sheet(overview), plan_json, t)
    _kommunen(workbook.create_sheet(kommunen), plan_json, t)
    _zuordnung(workbook.create_sheet(stellen), plan_json, t)
    _finanzen(workbook.create_sheet(finanzen), plan_json, t)
    if years := _several_years(plan_json):
        _kuerzungen(workbook.create_sheet(CUT_SHEET["de" if t.de else "en"]), years, t)
    if comparison:
        _comparison(workbook.create_sheet(vergleich), comparison, t)

    horizon_sheet(workbook, plan_json, lang)
    if comparison:
        workbook.active = workbook.worksheets.index(workbook[vergleich])  # a comparison opens on the comparison
        for ws in workbook.worksheets:  # one selected tab only: two would be grouped in Excel
            ws.sheet_view.tabSelected = ws.title == vergleich
    for ws in workbook.worksheets:
        page_setup(ws)
    title = str(plan_json.get("instance", ""))
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", title)[:200]
    workbook.properties.creator = "kimopt"
    return workbook_bytes(workbook)


def write_plan_workbook(
    plan_json: dict[str, Any], path: Path | str, lang: str = "de", comparison: list[dict[str, Any]] | None = None
) -> None:
    """Write the plan workbook to ``path`` atomically.

    Parameters
    ----------
    plan_json
        A plan as ``kimopt solve -o`` writes it (missing parts are left empty).
    path
        The ``.xlsx`` file; callers make sure it is none of their inputs.
    lang
        ``"de"`` (default) or ``"en"``: headers, labels and sheet names.
    comparison
        Plans of alternatives, each named under ``"alternative"``: adds the sheet
        ``Vergleich`` with one column per alternative.
    """
    write_bytes_atomic(Path(path), plan_workbook(plan_json, lang, comparison))


def horizon_sheet(workbook: Any, plan: dict[str, Any], lang: str) -> None:
    """The workbook sheet „Haushalt“: year × payer Eigenanteil and year × employer VZÄ, as numbers.

    After each year's payers, a row „Bestand <payer>“ per payer with existing positions: their own
    cost in Baustein 2, outside the columns Eigenanteil and Budget (financed already). Under the
    tables, each year that leaves fundable VZÄ unused says how many and which rules keep them.
    """
    from kimopt.report import typed

    if not plan.get("years"):
        return
    ws = workbook.create_sheet(in_lang(lang, "Haushalt", "Budget"))
    euro = [
        Col("Baustein 1", EURO, 12),
        Col("Baustein 2", EURO, 12),
        Col("Baustein 3", EURO, 12),
        Col(in_lang(lang, "Eigenanteil", "Own share"), EURO, 12),
        Col(in_lang(lang, "Budget", "Budget"), EURO, 12),
    ]
    payers = []
    for year in plan["years"]:
        payers += [
            [
                year["year"],
                p["payer"],
                *(p[f"{b}_eur"] for b in BAUSTEINE),
                p["eur"],
                None if p["payer_type"] == "traeger" else p["budget_eur"],
            ]
            for p in year["eigenanteil"]
        ]
        payers += [
            [year["year"], in_lang(lang, "Bestand ", "Existing positions ") + p["payer"], None, p["bestand_eur"]]
            + [None] * 3
            for p in year["eigenanteil"]
            if p.get("bestand_eur")
        ]
    top = _table(
        ws,
        1,
        [Col(in_lang(lang, "Jahr", "Year"), None, 6), Col(in_lang(lang, "Zahler", "Payer"), None, 24), *euro],
        payers,
    )
    staff = [
        Col("Baustein 1", VZAE),
        Col("Baustein 2", VZAE),
        Col("Baustein 3", VZAE),
        Col(in_lang(lang, "VZÄ gesamt", "VZÄ in total"), VZAE),
    ]
    employers = [
        [year["year"], e["employer"], *(e[f"{b}_vzae"] for b in BAUSTEINE), e["vzae"]]
        for year in plan["years"]
        for e in year["vzae_by_baustein"]
    ]
    below = _table(
        ws,
        top,
        [
            Col(in_lang(lang, "Jahr", "Year"), None, 6),
            Col(in_lang(lang, "Anstellungsträger", "Employer"), None, 24),
            *staff,
        ],
        employers,
        filtered=False,
    )
    unused = unused_table(typed(plan), lang)
    if unused is not None:
        put(ws, below, 1, unused.title).font = BOLD
        for n, (sentence,) in enumerate(unused.rows, start=below + 1):
            put(ws, n, 1, sentence)
