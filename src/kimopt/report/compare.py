"""Alternatives side by side: one table per aspect of the plans that
:func:`kimopt.analysis.comparison.solve_alternatives` found (nothing is solved here).

An alternative is a named pair of instance and planning model (a model file or a scenario).
The first alternative is the reference: every figure of another alternative that differs
from it is emphasised (``*`` in the terminal, a CSS class in HTML, bold in Markdown). An
alternative without a plan (infeasible, or no plan in the time limit) gets a column that
says so instead of figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kimopt.labels import STATUS_LABELS, pick, t
from kimopt.numbers import fmt_euros, fmt_number
from kimopt.plan_file import Kommune, YearEntry, YearTotals
from kimopt.report.tables import (
    INDEX_LABELS,
    OneYear,
    Table,
    index_value,
    percent,
    status_text,
    vzae,
)


def has_plan(plan: dict[str, Any]) -> bool:
    return "summary" in plan


Row = tuple[str, list[str | None]]  # label, one cell per alternative (None: no plan)


@dataclass(frozen=True)
class Column:
    """One alternative in one year, typed: its name and model, and its plan of the year (``None``:
    none), with the Eigenanteil of all Bausteine of a year of DESIGN §5."""

    name: str
    model: str
    scenario_of: str | None
    status: str
    plan: OneYear | None
    all_bausteine: YearTotals | None = None

    @property
    def cut_vzae(self) -> float:
        """The VZÄ the year cuts against the year before (a plan of one year cuts none)."""
        return sum(c.vzae for c in self.plan.cuts) if isinstance(self.plan, YearEntry) else 0


def column(entry: dict[str, Any]) -> Column:
    """An alternative's entry (:func:`kimopt.analysis.comparison.year_views`: its name beside the
    keys of its plan, or of one year of it, which carries ``cuts``) read by the one plan reader."""
    from kimopt.io.plan_file import as_plan_file, as_year_entry

    plan: OneYear | None = None
    if has_plan(entry):
        plan = as_year_entry(entry) if "cuts" in entry else as_plan_file(entry, "lenient")
    every = entry.get("eigenanteil_all_eur")
    return Column(
        str(entry["alternative"]),
        str(entry.get("model", "")),
        entry.get("scenario_of"),
        str(getattr(entry["status"], "value", entry["status"])),
        plan,
        YearTotals.model_validate(every) if every else None,
    )


def model_text(alternative: Column, lang: str) -> str:
    """The alternative's planning model; a scenario says it is one, and of which model (its own
    name is the column's head and the plan's ``model``)."""
    if alternative.scenario_of:
        return t(lang, f"Szenario von {alternative.scenario_of}", f"scenario of {alternative.scenario_of}")
    return alternative.model


def _figure_rows(columns: list[Column], lang: str) -> list[Row]:
    def each(get: Callable[[OneYear], str]) -> list[str | None]:
        return [get(c.plan) if c.plan is not None else None for c in columns]

    rows: list[Row] = [
        (t(lang, "Planungsmodell", "Planning model"), [model_text(c, lang) for c in columns]),
        # the short label: a column of alternatives is narrow (the full text is in the page head)
        (t(lang, "Status", "Status"), [pick(STATUS_LABELS.get(c.status, (c.status,) * 2), lang) for c in columns]),
        (
            t(lang, "VZÄ verwendet", "VZÄ used"),
            each(lambda p: vzae(p.summary.positions_used, lang)),
        ),
        (
            t(lang, "VZÄ beim Kreis", "VZÄ at the Kreis"),
            each(lambda p: vzae(p.summary.kreis_vzae, lang)),
        ),
        (
            t(lang, "Kreisanteil", "Kreis share"),
            each(lambda p: percent(p.summary.kreis_share, lang)),
        ),
        (
            t(lang, "VZÄ bei Kommunen und Trägern", "VZÄ with Kommunen and Träger"),
            each(lambda p: vzae(p.summary.partner_vzae, lang)),
        ),
        (
            t(lang, "Förderung pro Jahr", "Funding per year"),
            each(lambda p: fmt_euros(p.summary.funding_eur, lang)),
        ),
        (
            t(lang, "Eigenanteil Kreis", "Own share Kreis"),
            each(lambda p: fmt_euros(p.summary.eigenanteil_eur.kreis, lang)),
        ),
    ]
    payers: list[str] = []
    for plan in (c.plan for c in columns if c.plan is not None):
        for payment in plan.finance.eigenanteil:
            if payment.payer_type != "kreis" and payment.payer not in payers:
                payers.append(payment.payer)
    for payer in payers:

        def paid(p: OneYear, payer: str = payer) -> str:
            amount = sum(x.eur for x in p.finance.eigenanteil if x.payer == payer)
            return fmt_euros(amount, lang)

        rows.append((t(lang, "Eigenanteil ", "Own share ") + payer, each(paid)))
    rows.append(
        (
            t(lang, "Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"),
            each(lambda p: fmt_euros(p.summary.eigenanteil_eur.total, lang)),
        )
    )
    for key, label in INDEX_LABELS.items():

        def index(p: OneYear, key: str = key) -> str:
            return index_value(p.summary, key, lang)

        rows.append((pick(label, lang), each(index)))
    if any(isinstance(c.plan, YearEntry) and c.plan.cuts for c in columns):  # a later year that cut
        rows.append(
            (
                t(lang, "Kürzung ggü. Vorjahr (VZÄ)", "Cut against the year before (VZÄ)"),
                [vzae(c.cut_vzae, lang) if c.plan is not None else None for c in columns],
            )
        )
    if any(c.all_bausteine for c in columns):  # a year of DESIGN §5: what the Haushalt carries
        for part, de in (("kreis", "Kreis"), ("total", "Kreis + Kommunen")):
            rows.append(
                (
                    t(lang, f"Eigenanteil {de} (alle Bausteine)", f"Own share {de} (all Bausteine)"),
                    [fmt_euros(getattr(c.all_bausteine, part), lang) if c.all_bausteine else None for c in columns],
                )
            )
    return rows


def _by_kommune(columns: list[Column], cell: Callable[[Kommune], str]) -> list[Row]:
    names: list[str] = []
    for plan in (c.plan for c in columns if c.plan is not None):
        names += [k.name for k in plan.kommunen if k.name not in names]
    rows: list[Row] = []
    for name in names:
        cells: list[str | None] = []
        for c in columns:
            record = next((k for k in c.plan.kommunen if k.name == name), None) if c.plan is not None else None
            cells.append(cell(record) if record is not None else None)
        rows.append((name, cells))
    return rows


def _hosts_text(record: Kommune, lang: str) -> str:
    parts = []
    for s in record.served_by:
        who = "Kreis" if s.host_type == "kreis" else (t(lang, "selbst", "itself") if s.host == record.name else s.host)
        parts.append(f"{who} {vzae(s.vzae, lang)}")
    return "; ".join(parts) or "–"


def _table(
    key: str,
    title: str,
    first: str,
    rows: list[Row],
    columns: list[Column],
    lang: str,
    numeric: bool,
) -> Table:
    """Rows of cells per alternative; a cell differing from the first plan with figures is emphasised."""
    missing = t(lang, "– (kein Plan)", "– (no plan)")
    reference = next((n for n, c in enumerate(columns) if c.plan is not None), None)
    body, emphasis = [], []
    for label, cells in rows:
        marked = set()
        if reference is not None:
            base = cells[reference]
            marked = {n + 1 for n, c in enumerate(cells) if c is not None and n != reference and c != base}
        body.append([label, *(missing if c is None else c for c in cells)])
        emphasis.append(marked)
    head = [first, *(c.name for c in columns)]
    return Table(key, title, head, body, set(range(1, len(head))) if numeric else set(), emphasis=emphasis)


MARK_NOTES = {
    "*": (
        "Markiert (*): anders als in der ersten Alternative mit Plan.",
        "Marked (*): different from the first alternative with a plan.",
    ),
    "yellow": (
        "Gelb hinterlegt: anders als in der ersten Alternative mit Plan.",
        "Highlighted in yellow: different from the first alternative with a plan.",
    ),
    "bold": (
        "Fett: anders als in der ersten Alternative mit Plan.",
        "Bold: different from the first alternative with a plan.",
    ),
    "": ("", ""),
}
"""How each format marks a differing figure, said in its note (CSV marks nothing)."""


def comparison_tables(plans: list[dict[str, Any]], lang: str, mark: str = "*") -> list[Table]:
    """Figures, coverage per Kommune (with target) and who serves each Kommune, per alternative;
    the three tables for every year of plans of several years (:func:`year_tables`).

    ``mark`` names how the format shows a differing figure (a key of :data:`MARK_NOTES`).
    """
    return [table for _, _, tables in year_tables(plans, lang, mark) for table in tables]


def year_tables(
    plans: list[dict[str, Any]], lang: str, mark: str = "*"
) -> list[tuple[str, list[dict[str, Any]], list[Table]]]:
    """Per year (:func:`kimopt.analysis.comparison.year_views`): the year, its plan of every
    alternative and its three tables (titled „… – 2023“; a one-year comparison: one entry, no year)."""
    from kimopt.analysis.comparison import year_views

    return [(year, views, _tables(views, lang, mark, year)) for year, views in year_views(plans)]


def _tables(plans: list[dict[str, Any]], lang: str, mark: str, year: str) -> list[Table]:
    """The three tables of one year's plans; ``year`` ends each key and title (empty: one year)."""
    columns = [column(p) for p in plans]
    key = f"-{year}" if year else ""
    title = f" – {year}" if year else ""
    figures = _table(
        "figures" + key,
        t(lang, "Kennzahlen je Alternative", "Figures per alternative") + title,
        t(lang, "Kennzahl", "Figure"),
        _figure_rows(columns, lang),
        columns,
        lang,
        True,
    )
    coverage = _table(
        "coverage" + key,
        t(lang, "Ist-VZÄ (Soll-VZÄ) je Kommune", "Coverage VZÄ (target VZÄ) per Kommune") + title,
        t(lang, "Kommune", "Kommune"),
        _by_kommune(
            columns,
            lambda k: f"{vzae(k.coverage_vzae, lang)} ({fmt_number(k.target_vzae, 3, lang)})",
        ),
        columns,
        lang,
        True,
    )
    hosts = _table(
        "served" + key,
        t(lang, "Betreut durch", "Served by") + title,
        t(lang, "Kommune", "Kommune"),
        _by_kommune(columns, lambda k: _hosts_text(k, lang)),
        columns,
        lang,
        False,
    )
    note = pick(MARK_NOTES[mark], lang)
    for table in (figures, coverage, hosts):
        table.note = note
    return [figures, coverage, hosts]


def reference_parts(table: Table, plans: list[dict[str, Any]], lang: str) -> list[Table]:
    """A table of many alternatives in parts of at most :data:`COLUMNS_PER_TABLE`, every part
    with the label column and the reference alternative (the one the marks compare with)."""
    from dataclasses import replace

    from kimopt.report.html import COLUMNS_PER_TABLE

    count = len(table.head) - 1
    if count <= COLUMNS_PER_TABLE:
        return [table]
    reference = next((n + 1 for n, p in enumerate(plans) if has_plan(p)), 1)
    others = [c for c in range(1, len(table.head)) if c != reference]
    first = COLUMNS_PER_TABLE - 1
    groups = [others[:first]] + [others[i : i + first] for i in range(first, len(others), first)]
    parts = []
    for n, group in enumerate(groups):
        columns = [0, *sorted([reference, *group])]
        remap = {old: new for new, old in enumerate(columns)}
        shown = columns[1:] if n == 0 else group
        span = f"{min(shown)}–{max(shown)}" if len(shown) > 1 else str(shown[0])
        title = f"{table.title} ({span} {t(lang, 'von', 'of')} {count})"
        if n:
            title += t(lang, f", zum Vergleich mit {reference}", f", compared with {reference}")
        parts.append(
            replace(
                table,
                key=f"{table.key}-{n + 1}",
                title=title,
                head=[table.head[c] for c in columns],
                rows=[[row[c] for c in columns] for row in table.rows],
                numeric={remap[c] for c in table.numeric if c in remap},
                emphasis=[{remap[c] for c in marked if c in remap} for marked in table.emphasis],
            )
        )
    return parts


def comparison_title(plans: list[dict[str, Any]], lang: str) -> str:
    instances = list(dict.fromkeys(str(p.get("instance", "")) for p in plans))
    return t(lang, "Vergleich der Alternativen – ", "Comparison of alternatives – ") + ", ".join(instances)


def comparison_meta(plans: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    """Each alternative's model and status; one without a plan over several years names the year
    that has none."""

    def failed(p: dict[str, Any]) -> str:
        year = p.get("failed_year")
        return (
            t(
                lang,
                f", kein Plan für {year} (gegeben die Jahre davor)",
                f", no plan for {year} (given the years before)",
            )
            if year
            else ""
        )

    return [
        (
            f"{n}. {p['alternative']}",
            f"{t(lang, 'Modell', 'model')} {p.get('model', '')}, " + status_text(p["status"], lang) + failed(p),
        )
        for n, p in enumerate(plans, start=1)
    ]


def comparison_html(plans: list[dict[str, Any]], lang: str, draft: bool = False, stand: str = "") -> str:
    """The comparison as one HTML page: landscape in print, tables split into parts of at most
    five alternatives, the chart only for Kommunen whose coverage differs."""
    from kimopt.report.charts import comparison_chart, employers_chart, left_out_text
    from kimopt.report.html import figure_html, kreis_name, page, table_html

    heading, meta = comparison_title(plans, lang), comparison_meta(plans, lang)
    blocks = []
    for year, views, tables in year_tables(plans, lang, "yellow"):  # every year: figures, charts, Kommunen
        blocks += [table_html(part) for part in reference_parts(tables[0], views, lang)]
        if any(map(has_plan, views)):
            columns = [column(view) for view in views]
            key, suffix = (f"chart-{year}", f" – {year}") if year else ("chart", "")
            caption = t(lang, "Ist-VZÄ je Kommune und Alternative", "Coverage VZÄ per Kommune and alternative")
            employers = t(lang, "VZÄ je Anstellungsträger und Alternative", "VZÄ per employer and alternative")
            title = t(lang, "Was sich unterscheidet", "What differs") + suffix
            blocks.append(
                f'<section id="{key}"><h2>{title}</h2>'
                + figure_html(caption, comparison_chart(columns, lang))
                + figure_html(employers, employers_chart(columns, lang))
                + figure_html("", left_out_text(columns, lang))
                + "</section>"
            )
        blocks += [table_html(part) for table in tables[1:] for part in reference_parts(table, views, lang)]
    kreis = next((kreis_name(c.plan) for c in map(column, plans) if c.plan is not None), "")
    return page(heading, meta, blocks, lang, draft=draft, kreis=kreis, wide=True, stand=stand)


def write_comparison(
    plans: list[dict[str, Any]],
    path: Path,
    lang: str = "de",
    inputs: list[Path | None] | None = None,
    draft: bool = False,
) -> None:
    """Write the comparison in the format of ``path``'s suffix (HTML, PDF, Markdown, CSV or XLSX)."""
    from kimopt.io.atomic import guard_output, write_text_atomic
    from kimopt.report import check_suffix, write_xlsx

    suffix = check_suffix(path)
    guard_output(path, inputs or [])
    tables = comparison_tables(plans, lang, "bold" if suffix == ".md" else "")
    heading, meta = comparison_title(plans, lang), comparison_meta(plans, lang)
    if suffix == ".xlsx":
        base = next((p for p in plans if has_plan(p)), None)
        if base is None:
            from kimopt.errors import Finding, InputError

            raise InputError(
                path,
                [
                    Finding(
                        (),
                        "invalid",
                        {
                            "value": t(
                                lang,
                                "keine Alternative hat einen Plan",
                                "no alternative has a plan",
                            )
                        },
                    )
                ],
            )
        write_xlsx(base, path, lang, plans)
        return
    if suffix == ".html":
        write_text_atomic(path, comparison_html(plans, lang, draft))
    elif suffix == ".pdf":
        from kimopt.report.pdf import stand_date, write_pdf

        write_pdf(path, comparison_html(plans, lang, draft, stand_date()))
    elif suffix == ".md":
        from kimopt.report.markdown import document

        write_text_atomic(path, document(heading, meta, tables))
    else:
        from kimopt.report.csv import tables_csv

        write_text_atomic(path, tables_csv(tables, lang))
