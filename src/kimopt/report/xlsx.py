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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from kimopt.plan_file import Link, PlanFile, YearEntry
from kimopt.report import typed
from kimopt.report.horizon import unused_table

if TYPE_CHECKING:
    from kimopt.report import PlanLike
    from kimopt.report.compare import Column
    from kimopt.report.tables import OneYear

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


def _overview(ws: Any, plan: PlanFile, t: _Lang) -> None:
    summary, solver = plan.summary, plan.solver
    own = summary.eigenanteil_eur
    status = plan.status.value
    label = STATUS_LABELS.get(status)
    put(ws, 1, 1, t("KIM-Verteilungsplan: ", "KIM allocation plan: ") + plan.instance).font = TITLE
    figures: list[tuple[str, Any, str | None, str]] = [
        (t("Instanz", "Instance"), plan.instance, None, ""),
        (t("Planungsmodell", "Planning model"), plan.model, None, ""),
        ("Status", t.pick(label) if label else status, None, ""),
        (t("Stellen verwendet", "Positions used"), summary.positions_used, VZAE, "VZÄ"),
        (t("Förderfähige Stellen", "Fundable positions"), summary.positions_fundable, VZAE, "VZÄ"),
        (t("davon beim Kreis", "of which at the Kreis"), summary.kreis_vzae, VZAE, "VZÄ"),
        (
            t("davon bei Kommunen und Trägern", "of which with Kommunen and Träger"),
            summary.partner_vzae,
            VZAE,
            "VZÄ",
        ),
        (t("Anteil des Kreises", "Kreis share"), summary.kreis_share, PERCENT, ""),
        (t("Förderung pro Jahr", "Funding per year"), summary.funding_eur, EURO, "€"),
        (t("Eigenanteil Kreis pro Jahr", "Own share Kreis per year"), own.kreis, EURO, "€"),
        (t("Eigenanteil Kommunen pro Jahr", "Own share Kommunen per year"), own.kommunen, EURO, "€"),
        (t("Eigenanteil Träger pro Jahr", "Own share Träger per year"), own.traeger, EURO, "€"),
        (t("Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"), own.total, EURO, "€"),
        (
            t("Abweichung vom Schlüssel (Summe |Ist − Soll|)", "Deviation from the key (sum |c − e|)"),
            summary.deviation_l1,
            VZAE_EXACT,
            "VZÄ",
        ),
        (
            t("Größte Abweichung einer Kommune", "Largest deviation of a Kommune"),
            summary.deviation_max,
            VZAE_EXACT,
            "VZÄ",
        ),
        (t("Quotenregel eingehalten", "Quota rule holds"), t.yes(summary.quota_rule_holds), None, ""),
        ("kimopt", plan.kimopt or None, None, ""),
        ("OR-Tools", solver.ortools, None, ""),
        (t("Rechenzeit", "Solve time"), solver.seconds, "0.00", "s"),
        (t("Zufallsstartwert (seed)", "Random seed"), solver.seed, "0", ""),
        (t("Prüfsumme der Eingaben (SHA-256)", "Input checksum (SHA-256)"), plan.input_sha256 or None, None, ""),
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
            level.name,
            t.objective(level.name),
            level.value,
            level.bound,
            "" if level.unit == "EUR" else t.unit(level.unit),  # € in the format
            t.yes(level.proven_optimal),
        ]
        for n, level in enumerate(plan.objectives, start=1)
    ]
    top = next_row + 1
    _table(ws, top, columns, rows, filtered=False)
    for r, level in enumerate(plan.objectives, start=top + 1):
        ws.cell(r, 4).number_format = ws.cell(r, 5).number_format = UNIT_FORMATS[level.unit]


def _kommunen(ws: Any, plan: PlanFile, t: _Lang) -> None:
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
    kommunen = plan.kommunen
    rows = [
        [
            k.name,
            k.ags,
            k.population,
            k.key_share,
            k.target_vzae,
            k.coverage_vzae,
            k.deviation_vzae,
            "; ".join(f"{s.host} {fmt_number(s.vzae, 1, lang)}" for s in k.served_by),
        ]
        for k in kommunen
    ]
    total = [
        t("Summe", "Total"),
        None,
        sum(k.population for k in kommunen),
        float(sum(_num(k.key_share) for k in kommunen)),
        float(sum(_num(k.target_vzae) for k in kommunen)),
        float(sum(_num(k.coverage_vzae) for k in kommunen)),
        None,
        None,
    ]
    _table(ws, 1, columns, rows, total=total)


def _several_years(plan: PlanFile) -> list[YearEntry]:
    """The plan's years when it has more than one (else ``[]``: a plan of one year)."""
    years = plan.years or []
    return years if len(years) > 1 else []


def _link_rows(links: list[Link], fixed_links: list[Link], t: _Lang) -> list[list[Any]]:
    """One year's links and fixed rows (a row fixed at 0 VZÄ is no link, but stays fixed)."""

    def key(link: Link) -> tuple[str, str, str]:
        return link.host_type, link.host, link.kommune

    fixed = {key(f) for f in fixed_links}
    listed = {key(link) for link in links}
    return [
        [
            link.host,
            t.kind(link.host_type),
            link.kommune,
            link.vzae,
            t.yes(key(link) in fixed),
            t.yes(link.host_type == "kommune" and link.host != link.kommune),
        ]
        for link in links
    ] + [
        [f.host, t.kind(f.host_type), f.kommune, f.vzae, t.yes(True), t.yes(False)]
        for f in fixed_links
        if key(f) not in listed
    ]


def _zuordnung(ws: Any, plan: PlanFile, t: _Lang) -> None:
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
        rows = [[year.year, *row] for year in years for row in _link_rows(year.links, year.fixed_links or [], t)]
    else:
        # a plan of one year with Bausteine 1 and 3 lists its fixed rows under its one year
        fixed = (plan.years[0].fixed_links if plan.years else None) or plan.fixed_links or []
        rows = _link_rows(plan.links, fixed, t)
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


def _kuerzungen(ws: Any, years: list[YearEntry], t: _Lang) -> None:
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
        [year.year, cut.host, t.kind(cut.host_type), cut.from_vzae, cut.to_vzae, cut.vzae, text]
        for year in years
        for cut, text in zip(year.cuts, year_cut_texts(year, lang, with_year=False), strict=True)
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


def _finanzen(ws: Any, plan: PlanFile, t: _Lang) -> None:
    finance = plan.finance
    rate = _num(finance.rate_per_vzae)
    share = Decimal(finance.months or 12) / 12  # a year of fewer months: euros pro rata
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
    for host in plan.hosts:
        vzae, cost = _num(host.vzae), _num(host.cost_per_vzae)
        funded = min(rate, cost)  # the flat rate, paid up to the real cost
        payer = "Kreis" if host.deficit_paid_by_kreis else t.kind(host.host_type)
        if host.deficit_kreis_per_vzae is not None:  # capped coverage (DESIGN §5)
            cap = host.deficit_kreis_per_vzae
            payer = t(f"Kreis bis {cap} €, Rest {t.kind(host.host_type)}", f"Kreis up to €{cap}, rest employer")
        rows.append(
            [
                host.name,
                t.kind(host.host_type),
                host.vzae,
                host.existing_vzae,
                host.new_vzae,
                host.max_vzae,
                host.cost_per_vzae,
                int(funded),
                host.deficit_per_vzae,
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
        finance.total_cost_eur,
        finance.funding_eur,
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
    rows = [
        [
            payment.payer,
            t.kind(payment.payer_type),
            payment.eur,
            t("unbegrenzt", "unlimited") if payment.budget_eur is None else payment.budget_eur,
            None if payment.budget_eur is None else payment.budget_eur - payment.eur,
        ]
        for payment in finance.eigenanteil
    ]
    total = [t("Summe", "Total"), None, sum(p.eur for p in finance.eigenanteil), None, None]
    _table(ws, next_row + 1, columns, rows, total=total, filtered=False)


def _comparison(ws: Any, plans: Sequence[dict[str, Any]], t: _Lang) -> None:
    """One row per figure, one column per alternative; plans of several years give every year's
    figures, each label starting with its year („2023: Stellen verwendet“)."""
    from kimopt.analysis.comparison import year_views
    from kimopt.report.compare import column

    rows: list[list[Any]] = []
    formats: list[str | None] = []
    names: list[str] = []
    for year, views in year_views(list(plans)):
        columns = [column(entry) for entry in views]
        names = names or [c.name for c in columns]
        _comparison_rows(columns, t, f"{year}: " if year else "", rows, formats)
    _comparison_sheet(ws, names, t, rows, formats)


def _comparison_rows(
    columns: Sequence[Column], t: _Lang, prefix: str, rows: list[list[Any]], formats: list[str | None]
) -> None:
    """The figure rows of one year's alternatives (``prefix``: the year's, or empty) added to ``rows``;
    an alternative without a plan has empty cells."""
    plans = [c.plan for c in columns]

    def add(label: str, unit: str, fmt: str | None, values: list[Any]) -> None:
        rows.append([prefix + label, "" if fmt == EURO else unit, *values])
        formats.append(fmt)

    def each(get: Callable[[OneYear], Any]) -> list[Any]:
        return [None if plan is None else get(plan) for plan in plans]

    def union(names: Callable[[OneYear], list[str]]) -> list[str]:
        return list(dict.fromkeys(name for plan in plans if plan is not None for name in names(plan)))

    add("Status", "", None, [c.status for c in columns])
    add(t("Planungsmodell", "Planning model"), "", None, [c.model for c in columns])
    add(t("Stellen verwendet", "Positions used"), "VZÄ", VZAE, each(lambda p: p.summary.positions_used))
    add(t("davon beim Kreis", "of which at the Kreis"), "VZÄ", VZAE, each(lambda p: p.summary.kreis_vzae))
    add(
        t("davon bei Kommunen und Trägern", "of which with Kommunen and Träger"),
        "VZÄ",
        VZAE,
        each(lambda p: p.summary.partner_vzae),
    )
    add(t("Anteil des Kreises", "Kreis share"), "", PERCENT, each(lambda p: p.summary.kreis_share))
    add(
        t("Abweichung vom Schlüssel (Summe)", "Deviation from the key (sum)"),
        "VZÄ",
        VZAE_EXACT,
        each(lambda p: p.summary.deviation_l1),
    )
    add(t("Größte Abweichung", "Largest deviation"), "VZÄ", VZAE_EXACT, each(lambda p: p.summary.deviation_max))
    add(t("Förderung pro Jahr", "Funding per year"), "€", EURO, each(lambda p: p.summary.funding_eur))
    for part, de, en in (
        ("kreis", "Eigenanteil Kreis", "Own share Kreis"),
        ("kommunen", "Eigenanteil Kommunen", "Own share Kommunen"),
        ("traeger", "Eigenanteil Träger", "Own share Träger"),
        ("total", "Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"),
    ):
        add(t(de, en), "€", EURO, [None if p is None else getattr(p.summary.eigenanteil_eur, part) for p in plans])
    payers = union(lambda p: [x.payer for x in p.finance.eigenanteil if x.payer_type == "kommune"])
    for payer in payers:
        add(
            t("Eigenanteil ", "Own share ") + payer,
            "€",
            EURO,
            [None if p is None else sum(x.eur for x in p.finance.eigenanteil if x.payer == payer) for p in plans],
        )
    for name in union(lambda p: [level.name for level in p.objectives]):
        values = [None if p is None else next((x.value for x in p.objectives if x.name == name), None) for p in plans]
        unit = next(level.unit for p in plans if p is not None for level in p.objectives if level.name == name)
        add(t("Ziel: ", "Objective: ") + t.objective(name), t.unit(unit), UNIT_FORMATS[unit], values)
    for name in union(lambda p: [k.name for k in p.kommunen]):
        add(
            t("Ist-VZÄ ", "VZÄ ") + name,
            "VZÄ",
            VZAE,
            [None if p is None else next((k.coverage_vzae for k in p.kommunen if k.name == name), None) for p in plans],
        )
    for name in union(lambda p: [h.name for h in p.hosts]):
        add(
            t("Stellen bei ", "Positions at ") + name,
            "VZÄ",
            VZAE,
            [None if p is None else next((h.vzae for h in p.hosts if h.name == name), None) for p in plans],
        )
    if any(c.all_bausteine for c in columns):  # a year of DESIGN §5: what the Haushalt carries
        for part, de in (("kreis", "Kreis"), ("total", "Kreis + Kommunen")):
            add(
                t(f"Eigenanteil {de} (alle Bausteine)", f"Own share {de} (all Bausteine)"),
                "€",
                EURO,
                [None if c.all_bausteine is None else getattr(c.all_bausteine, part) for c in columns],
            )


def _comparison_sheet(ws: Any, names: list[str], t: _Lang, rows: list[list[Any]], formats: list[str | None]) -> None:
    """The sheet „Vergleich“: the rows under a head with one column per alternative, differences marked."""
    columns = [
        Col(t("Kennzahl", "Figure"), None, 34),
        Col(t("Einheit", "Unit"), None, 7),
        *(Col(name, None, 14) for name in names),
    ]
    _table(ws, 1, columns, rows)
    ws.freeze_panes = "C2"
    for r, (row, fmt) in enumerate(zip(rows, formats, strict=True), start=2):
        for c in range(3, 3 + len(names)):
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


def plan_workbook(plan_json: PlanLike, lang: str = "de", comparison: list[dict[str, Any]] | None = None) -> bytes:
    """The plan workbook as ``.xlsx`` bytes (the same plan gives the same bytes); a plan given as a
    dict is read by the one plan reader (leniently)."""
    plan = typed(plan_json)
    t = _Lang(lang)
    workbook = Workbook()
    workbook.remove(workbook.active)
    overview, kommunen, stellen, finanzen, vergleich = SHEET_NAMES["de" if t.de else "en"]
    _overview(workbook.create_sheet(overview), plan, t)
    _kommunen(workbook.create_sheet(kommunen), plan, t)
    _zuordnung(workbook.create_sheet(stellen), plan, t)
    _finanzen(workbook.create_sheet(finanzen), plan, t)
    if years := _several_years(plan):
        _kuerzungen(workbook.create_sheet(CUT_SHEET["de" if t.de else "en"]), years, t)
    if comparison:
        _comparison(workbook.create_sheet(vergleich), comparison, t)

    horizon_sheet(workbook, plan, lang)
    if comparison:
        workbook.active = workbook.worksheets.index(workbook[vergleich])  # a comparison opens on the comparison
        for ws in workbook.worksheets:  # one selected tab only: two would be grouped in Excel
            ws.sheet_view.tabSelected = ws.title == vergleich
    for ws in workbook.worksheets:
        page_setup(ws)
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", plan.instance)[:200]
    workbook.properties.creator = "kimopt"
    return workbook_bytes(workbook)


def write_plan_workbook(
    plan_json: PlanLike, path: Path | str, lang: str = "de", comparison: list[dict[str, Any]] | None = None
) -> None:
    """Write the plan workbook to ``path`` atomically.

    Parameters
    ----------
    plan_json
        A plan as ``kimopt solve -o`` writes it (typed, or as its JSON).
    path
        The ``.xlsx`` file; callers make sure it is none of their inputs.
    lang
        ``"de"`` (default) or ``"en"``: headers, labels and sheet names.
    comparison
        Plans of alternatives, each named under ``"alternative"``: adds the sheet
        ``Vergleich`` with one column per alternative.
    """
    write_bytes_atomic(Path(path), plan_workbook(plan_json, lang, comparison))


def horizon_sheet(workbook: Any, plan: PlanFile, lang: str) -> None:
    """The workbook sheet „Haushalt“: year × payer Eigenanteil and year × employer VZÄ, as numbers.

    After each year's payers, a row „Bestand <payer>“ per payer with existing positions: their own
    cost in Baustein 2, outside the columns Eigenanteil and Budget (financed already). Under the
    tables, each year that leaves fundable VZÄ unused says how many and which rules keep them.
    """
    if not plan.years:
        return
    ws = workbook.create_sheet(in_lang(lang, "Haushalt", "Budget"))
    euro = [
        Col("Baustein 1", EURO, 12),
        Col("Baustein 2", EURO, 12),
        Col("Baustein 3", EURO, 12),
        Col(in_lang(lang, "Eigenanteil", "Own share"), EURO, 12),
        Col(in_lang(lang, "Budget", "Budget"), EURO, 12),
    ]
    payers: list[list[Any]] = []
    for year in plan.years:
        payers += [
            [
                year.year,
                p.payer,
                p.baustein_1_eur,
                p.baustein_2_eur,
                p.baustein_3_eur,
                p.eur,
                None if p.payer_type == "traeger" else p.budget_eur,
            ]
            for p in year.eigenanteil
        ]
        payers += [
            [year.year, in_lang(lang, "Bestand ", "Existing positions ") + p.payer, None, p.bestand_eur] + [None] * 3
            for p in year.eigenanteil
            if p.bestand_eur
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
        [year.year, e.employer, e.baustein_1_vzae, e.baustein_2_vzae, e.baustein_3_vzae, e.vzae]
        for year in plan.years
        for e in year.vzae_by_baustein
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
    unused = unused_table(plan, lang)
    if unused is not None:
        put(ws, below, 1, unused.title).font = BOLD
        for n, (sentence,) in enumerate(unused.rows, start=below + 1):
            put(ws, n, 1, sentence)
