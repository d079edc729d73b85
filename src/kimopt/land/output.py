"""The round's result for people and programs: one table per territory as CSV, XLSX, HTML, JSON.

Columns: AGS, territory, population, key share, quota (the key alone: total × share), VZÄ,
VZÄ per 100,000 inhabitants, lower and upper bound, which bound binds, tie. The JSON holds
every figure exactly as well (``…_exact``: fractions as text) and the divisor interval; the
sums are stated and equal the total (with an open tie: the certain VZÄ plus the open ones).
All formats come from the same rows (:func:`rows`), so they show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from html import escape
from typing import Any

from kimopt.analysis.apportion import METHODS
from kimopt.labels import key_text, t
from kimopt.land.allocate import Allocation, decimal_root, divisor_text, verify
from kimopt.numbers import decimal_vzae, exact_text, fmt_number, fraction_text
from kimopt.report.tables import Table

BOUND_LABELS = {
    "base": ("Sockel", "base"),
    "existing": ("Bestand", "existing"),
    "max": ("Höchstwert", "maximum"),
}
MODE_LABELS = {
    "minimum": ("Mindestwert je Gebiet", "minimum per territory"),
    "added": ("Sockel vorab, Rest nach Schlüssel", "base first, the rest by the key"),
}


@dataclass(frozen=True)
class Row:
    """One territory's figures (exact) and its flags."""

    ags: str
    name: str
    population: int
    kommunen: int
    share: Fraction
    quota: Fraction
    vzae: Fraction
    lower: Fraction
    upper: Fraction | None
    lower_source: str | None
    binding: str | None
    tied: bool

    @property
    def per_100k(self) -> Fraction:
        return self.vzae * 100000 / self.population if self.population else Fraction(0)


def rows(allocation: Allocation) -> list[Row]:
    """The table's rows in territory (AGS) order."""
    a = allocation
    step = a.step
    return [
        Row(
            territory.ags,
            territory.name,
            territory.population,
            len(territory.gemeinden),
            a.shares[i],
            a.quotas[i],
            a.vzae[i],
            a.lower[i] * step,
            None if a.upper[i] is None else a.upper[i] * step,  # type: ignore[operator]
            a.lower_source[i],
            a.binding[i],
            i in a.tied,
        )
        for i, territory in enumerate(a.territories)
    ]


def binding_text(row: Row, lang: str) -> str:
    if row.binding == "min" and row.lower_source:
        return t(lang, "Mindestwert", "minimum") + f" ({BOUND_LABELS[row.lower_source][0 if lang == 'de' else 1]})"
    if row.binding == "max":
        return t(lang, "Höchstwert", "maximum")
    return ""


def tie_text(allocation: Allocation, row: Row, lang: str) -> str:
    tie = allocation.tie
    if not row.tied or tie is None:
        return ""
    steps = (
        fmt_number(allocation.step, 1, lang)
        if allocation.tie_decided
        else fmt_number(tie.seats * allocation.step, 1, lang)
    )
    if allocation.tie_decided:
        if row.ags in allocation.round.tie_winners:
            return t(lang, f"Gleichstand: +{steps} VZÄ nach tie_winners", f"tie: +{steps} VZÄ by tie_winners")
        return t(lang, "Gleichstand: leer ausgegangen (tie_winners)", "tie: not chosen (tie_winners)")
    return t(
        lang,
        f"Gleichstand: {len(tie.parties)} Gebiete um {steps} VZÄ",
        f"tie: {len(tie.parties)} territories for {steps} VZÄ",
    )


def territory_table(allocation: Allocation, lang: str) -> Table:
    """The per-territory table with German (or English) labels and formatted figures."""
    head = [
        "AGS",
        t(lang, "Gebiet", "Territory"),
        t(lang, "Einwohner", "Population"),
        t(lang, "Schlüsselanteil", "Key share"),
        t(lang, "Quote (VZÄ)", "Quota (VZÄ)"),
        "VZÄ",
        t(lang, "VZÄ je 100.000 EW", "VZÄ per 100,000"),
        t(lang, "Untergrenze", "Lower bound"),
        t(lang, "Obergrenze", "Upper bound"),
        t(lang, "bindet", "binding"),
        t(lang, "Gleichstand", "Tie"),
    ]
    body = []
    for row in rows(allocation):
        body.append(
            [
                row.ags,
                row.name,
                fmt_number(row.population, 0, lang),
                f"{fmt_number(row.share * 100, 3, lang)} %",
                fmt_number(row.quota, 3, lang),
                fmt_number(row.vzae, 1, lang),
                fmt_number(row.per_100k, 2, lang),
                fmt_number(row.lower, 1, lang),
                "" if row.upper is None else fmt_number(row.upper, 1, lang),
                binding_text(row, lang),
                tie_text(allocation, row, lang),
            ]
        )
    total = allocation.total
    open_vzae = (allocation.undecided.seats * allocation.step) if allocation.undecided else Fraction(0)
    body.append(
        [
            "",
            t(lang, "Summe", "Total"),
            fmt_number(allocation.population, 0, lang),
            "100,000 %" if lang == "de" else "100.000 %",
            fmt_number(total, 3, lang),
            fmt_number(sum(allocation.vzae, Fraction(0)), 1, lang)
            + (
                t(lang, f" + {fmt_number(open_vzae, 1, lang)} offen", f" + {fmt_number(open_vzae, 1, lang)} open")
                if open_vzae
                else ""
            ),
            fmt_number(total * 100000 / allocation.population, 2, lang),
            "",
            "",
            "",
            "",
        ]
    )
    return Table(
        "zuteilung",
        t(lang, "Zuteilung je Gebiet", "Allocation per territory"),
        head,
        body,
        {2, 3, 4, 5, 6, 7, 8},
        note=divisor_text(allocation, lang),
    )


def meta(allocation: Allocation, lang: str) -> list[tuple[str, str]]:
    """The round's settings, shown above the table."""
    r = allocation.round
    key = key_text(r.key, lang)
    size = fmt_number(allocation.total, 1, lang) + " VZÄ"
    if r.budget_eur is not None:
        size += t(
            lang,
            f" (Budget {fmt_number(r.budget_eur, 0, lang)} € / {fmt_number(r.rate_per_vzae, 0, lang)} €)",
            f" (budget €{fmt_number(r.budget_eur, 0, lang)} / €{fmt_number(r.rate_per_vzae, 0, lang)})",
        )
    return [
        (t(lang, "Land", "Land"), f"{r.land} ({allocation.land_name})" if allocation.land_name else r.land),
        (t(lang, "Gebiete", "Territories"), str(len(allocation.territories))),
        (t(lang, "Gesamt", "Total"), size),
        (t(lang, "Förderung je VZÄ", "Funding per VZÄ"), f"{fmt_number(r.rate_per_vzae, 0, lang)} €"),
        (t(lang, "Verfahren", "Method"), METHODS[r.method].label),
        (t(lang, "Schrittweite", "Step"), f"{exact_text(r.step_vzae, lang)} VZÄ"),
        (
            t(lang, "Sockel", "Base"),
            f"{exact_text(r.base_vzae, lang)} VZÄ, " + MODE_LABELS[r.base_mode][0 if lang == "de" else 1],
        ),
        (t(lang, "Schlüssel", "Key"), key),
        (t(lang, "Divisor", "Divisor"), divisor_text(allocation, lang)),
    ]


def _divisor_json(allocation: Allocation) -> dict[str, Any] | None:
    bounds = allocation.divisor_vzae()
    if bounds is None:
        return None
    low, high = bounds
    assert low is not None
    squared = allocation.interval is not None and allocation.interval.squared
    unit = "inhabitants per VZÄ" if set(allocation.round.key) == {"population"} else "key inhabitants per VZÄ"

    def number(x: Fraction | None) -> float | None:
        if x is None:
            return None
        return float(decimal_root(x, 6)) if squared else decimal_vzae(x)

    nice = allocation.nice_divisor()
    return {
        "low": number(low),
        "high": number(high),
        "unit": unit,
        "squared": squared,
        "low_exact": fraction_text(low),
        "high_exact": None if high is None else fraction_text(high),
        "nice": None if nice is None else decimal_vzae(nice),
    }


def to_json(allocation: Allocation) -> dict[str, Any]:
    """The whole result: settings, per territory exact figures, divisor, ties, sums, check."""
    a = allocation
    r = a.round
    tie = a.tie
    open_vzae = a.undecided.seats * a.step if a.undecided else Fraction(0)
    return {
        "round": r.name,
        "land": r.land,
        "year": r.year,
        "method": r.method,
        "method_label": METHODS[r.method].label,
        "step_vzae": decimal_vzae(r.step_vzae),
        "total_vzae": decimal_vzae(a.total),
        "rate_per_vzae": r.rate_per_vzae,
        "funding_eur": int(a.total * r.rate_per_vzae) if (a.total * r.rate_per_vzae).denominator == 1 else None,
        "base_vzae": decimal_vzae(r.base_vzae),
        "base_mode": r.base_mode,
        "key": {k: fraction_text(v) for k, v in r.key.items()},
        "population": a.population,
        "determined": a.undecided is None,
        "divisor": _divisor_json(a),
        "hare_quota": None if a.hare_lambda is None else decimal_vzae(1 / (a.hare_lambda * a.step)),
        "territories": [
            {
                "ags": row.ags,
                "name": row.name,
                "population": row.population,
                "gemeinden": row.kommunen,
                "key_share": decimal_vzae(row.share, 9),
                "key_share_exact": fraction_text(row.share),
                "quota_vzae": decimal_vzae(row.quota),
                "quota_exact": fraction_text(row.quota),
                "vzae": decimal_vzae(row.vzae),
                "per_100k": decimal_vzae(row.per_100k, 4),
                "lower_vzae": decimal_vzae(row.lower),
                "lower_source": row.lower_source,
                "upper_vzae": None if row.upper is None else decimal_vzae(row.upper),
                "binding": row.binding,
                "tied": row.tied,
            }
            for row in rows(a)
        ],
        "ties": []
        if tie is None
        else [
            {
                "territories": [a.territories[i].ags for i in tie.parties],
                "names": [a.territories[i].name for i in tie.parties],
                "steps": tie.seats,
                "vzae": decimal_vzae(tie.seats * a.step),
                "decided_by": "tie_winners" if a.tie_decided else None,
                "winners": list(r.tie_winners) if a.tie_decided else [],
            }
        ],
        "sums": {
            "vzae": decimal_vzae(sum(a.vzae, Fraction(0))),
            "open_vzae": decimal_vzae(open_vzae),
            "total_vzae": decimal_vzae(a.total),
        },
        "check": verify(a),
    }


# --- two keys side by side ---------------------------------------------------------------------


def comparison_table(first: Allocation, second: Allocation, labels: tuple[str, str], lang: str) -> Table:
    """VZÄ under two keys per territory, the difference marked."""
    head = [
        "AGS",
        t(lang, "Gebiet", "Territory"),
        t(lang, "Einwohner", "Population"),
        f"VZÄ {labels[0]}",
        f"VZÄ {labels[1]}",
        t(lang, "Differenz", "Difference"),
        f"{t(lang, 'je 100.000', 'per 100,000')} {labels[0]}",
        f"{t(lang, 'je 100.000', 'per 100,000')} {labels[1]}",
    ]
    body, marks = [], []
    second_by = {row.ags: row for row in rows(second)}
    for row in rows(first):
        other = second_by[row.ags]
        diff = other.vzae - row.vzae
        body.append(
            [
                row.ags,
                row.name,
                fmt_number(row.population, 0, lang),
                fmt_number(row.vzae, 1, lang),
                fmt_number(other.vzae, 1, lang),
                ("+" if diff > 0 else "") + fmt_number(diff, 1, lang),
                fmt_number(row.per_100k, 2, lang),
                fmt_number(other.per_100k, 2, lang),
            ]
        )
        marks.append({5} if diff else set())
    return Table(
        "vergleich",
        t(lang, "Zwei Schlüssel im Vergleich", "Two keys side by side"),
        head,
        body,
        {2, 3, 4, 5, 6, 7},
        emphasis=marks,
    )


def comparison_json(first: Allocation, second: Allocation, labels: tuple[str, str]) -> dict[str, Any]:
    second_by = {row.ags: row for row in rows(second)}
    return {
        "labels": list(labels),
        "second": to_json(second),
        "territories": [
            {
                "ags": row.ags,
                "name": row.name,
                "vzae": decimal_vzae(row.vzae),
                "vzae_compare": decimal_vzae(second_by[row.ags].vzae),
                "difference": decimal_vzae(second_by[row.ags].vzae - row.vzae),
            }
            for row in rows(first)
        ],
    }


# --- files -------------------------------------------------------------------------------------


def csv_text(tables: list[Table], lang: str) -> str:
    """German CSV (``;``, decimal comma, UTF-8 with BOM) via the report's CSV writer."""
    from kimopt.report.csv import tables_csv

    return tables_csv(tables, lang)


def xlsx_bytes(
    allocation: Allocation, lang: str, second: Allocation | None = None, labels: tuple[str, str] = ("", "")
) -> bytes:
    """A workbook: ``Zuteilung`` (numbers with formats, filter, frozen header), ``Runde`` (settings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from kimopt.io.excel import set_text, workbook_bytes

    book = Workbook()
    sheet = book.active
    sheet.title = t(lang, "Zuteilung", "Allocation")
    head = territory_table(allocation, lang).head
    sheet.append([])
    for n, label in enumerate(head, start=1):
        set_text(sheet.cell(1, n), label)
        sheet.cell(1, n).font = Font(bold=True)
    formats = ["@", "@", "#,##0", "0.000%", "0.000", "0.0", "0.00", "0.0", "0.0", "@", "@"]
    for r, row in enumerate(rows(allocation), start=2):
        values: list[Any] = [
            row.ags,
            row.name,
            row.population,
            float(row.share),
            float(row.quota),
            float(row.vzae),
            float(row.per_100k),
            float(row.lower),
            None if row.upper is None else float(row.upper),
            binding_text(row, lang),
            tie_text(allocation, row, lang),
        ]
        for c, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
            cell = sheet.cell(r, c)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.number_format = number_format
    last = len(allocation.territories) + 1
    total_row = last + 1
    set_text(sheet.cell(total_row, 2), t(lang, "Summe", "Total"))
    sheet.cell(total_row, 2).font = Font(bold=True)
    sheet.cell(total_row, 3).value = allocation.population
    sheet.cell(total_row, 3).number_format = "#,##0"
    sheet.cell(total_row, 6).value = float(sum(allocation.vzae, Fraction(0)))
    sheet.cell(total_row, 6).number_format = "0.0"
    widths = [10, 38, 12, 14, 12, 8, 14, 12, 12, 22, 34]
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, n).column_letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:K{last}"
    settings = book.create_sheet(t(lang, "Runde", "Round"))
    for label, value in [(t(lang, "Runde", "Round"), allocation.round.name), *meta(allocation, lang)]:
        settings.append([])
        set_text(settings.cell(settings.max_row, 1), label)
        set_text(settings.cell(settings.max_row, 2), value)
    settings.column_dimensions["A"].width = 22
    settings.column_dimensions["B"].width = 70
    if second is not None:
        compare = book.create_sheet(t(lang, "Vergleich", "Comparison"))
        table = comparison_table(allocation, second, labels, lang)
        compare.append([])
        for n, label in enumerate(table.head, start=1):
            set_text(compare.cell(1, n), label)
            compare.cell(1, n).font = Font(bold=True)
        second_by = {row.ags: row for row in rows(second)}
        for row in rows(allocation):
            other = second_by[row.ags]
            compare.append([])
            r = compare.max_row
            set_text(compare.cell(r, 1), row.ags)
            set_text(compare.cell(r, 2), row.name)
            for c, value in enumerate(
                [
                    row.population,
                    float(row.vzae),
                    float(other.vzae),
                    float(other.vzae - row.vzae),
                    float(row.per_100k),
                    float(other.per_100k),
                ],
                start=3,
            ):
                compare.cell(r, c).value = value
                compare.cell(r, c).number_format = "#,##0" if c == 3 else "0.0" if c < 7 else "0.00"
        compare.column_dimensions["B"].width = 38
        compare.freeze_panes = "A2"
    return workbook_bytes(book)


def chart_svg(
    allocation: Allocation, lang: str, second: Allocation | None = None, labels: tuple[str, str] = ("", "")
) -> str:
    """VZÄ per 100,000 inhabitants per territory as horizontal bars, the Land's average as a line.

    Plain SVG written here (no plotting library: a round's page is made in milliseconds); every
    figure drawn is also in the table.
    """
    from kimopt.report.charts import COLOURS

    first = [float(row.per_100k) for row in rows(allocation)]
    other = [float(row.per_100k) for row in rows(second)] if second is not None else None
    names = [row.name for row in rows(allocation)]
    average = float(allocation.total * 100000 / allocation.population)
    top = max([*first, *(other or []), average, 0.1])
    tick = (
        next(x for x in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if top / x <= 8)
        if top <= 8000
        else 10 ** len(str(int(top)))
    )
    ticks = [tick * n for n in range(int(top / tick) + 2)]
    left, plot, row_h, head = 230, 450, (15 if other is not None else 13), 28  # 54 rows fit one A4 page
    height = head + row_h * len(names) + 36
    scale = plot / ticks[-1]

    def x(value: float) -> float:
        return round(left + value * scale, 1)

    def num(value: float) -> str:
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "de" else text

    parts = [
        f'<svg viewBox="0 0 {left + plot + 20} {height}" width="{left + plot + 20}" height="{height}" '
        'font-family="Segoe UI, Arial, sans-serif" font-size="10">'
    ]
    for value in ticks:
        parts.append(
            f'<line x1="{x(value)}" y1="{head - 4}" x2="{x(value)}" y2="{height - 30}" stroke="#dddddd"/>'
            f'<text x="{x(value)}" y="{height - 18}" text-anchor="middle">{num(value)}</text>'
        )
    for n, name in enumerate(names):
        y = head + n * row_h
        parts.append(f'<text x="{left - 6}" y="{y + row_h * 0.7:.1f}" text-anchor="end">{escape(name)}</text>')
        bar = row_h - 3 if other is None else (row_h - 4) / 2
        parts.append(
            f'<rect x="{left}" y="{y + 1}" width="{x(first[n]) - left:.1f}" height="{bar:.1f}" '
            f'fill="{COLOURS["coverage"]}"><title>{escape(name)}: {num(round(first[n], 2))}</title></rect>'
        )
        if other is not None:
            parts.append(
                f'<rect x="{left}" y="{y + 1 + bar:.1f}" width="{x(other[n]) - left:.1f}" '
                f'height="{bar:.1f}" fill="{COLOURS["traeger"]}"/>'
            )
    parts.append(
        f'<line x1="{x(average)}" y1="{head - 4}" x2="{x(average)}" y2="{height - 30}" '
        f'stroke="{COLOURS["budget"]}" stroke-width="1.5"/>'
    )
    plain = t(lang, "VZÄ je 100.000 EW", "VZÄ per 100,000")
    legend = [(COLOURS["coverage"], labels[0] if other is not None else plain)]
    if other is not None:
        legend.append((COLOURS["traeger"], labels[1]))
    legend.append(
        (
            COLOURS["budget"],
            t(
                lang,
                f"Landesdurchschnitt {fmt_number(average, 2, lang)}",
                f"Land average {fmt_number(average, 2, lang)}",
            ),
        )
    )
    at = left
    for colour, label in legend:
        parts.append(
            f'<rect x="{at}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{at + 14}" y="15">{escape(label)}</text>'
        )
        at += 24 + 6 * len(label)
    parts.append(
        f'<text x="{left + plot / 2}" y="{height - 4}" text-anchor="middle">'
        f"{escape(t(lang, 'VZÄ je 100.000 Einwohner', 'VZÄ per 100,000 inhabitants'))}</text></svg>"
    )
    return "".join(parts)


ROUND_CSS = """
body { max-width: 72rem; }
#zuteilung table, #vergleich table { font-size: 9pt; }
@media print {
  /* eleven columns on A4 portrait: small type, narrow padding, headers and texts wrap */
  #zuteilung table, #vergleich table { font-size: 7pt; }
  #zuteilung th, #zuteilung td, #vergleich th, #vergleich td { padding: .1rem .2rem; }
  #zuteilung td:first-child, #zuteilung th:first-child,
  #vergleich td:first-child, #vergleich th:first-child { min-width: 0; }
}
"""


def html_text(
    allocation: Allocation,
    lang: str,
    second: Allocation | None = None,
    labels: tuple[str, str] = ("", ""),
    extra: list[Table] | None = None,
    stand: str = "",
) -> str:
    """One self-contained page: settings, the table, the comparison, the chart, ties, ``extra``.

    The table comes first, so page 1 holds the settings and the first territories (the chart,
    never cut, would not fit under the settings and left page 1 empty).

    ``stand`` (a date) goes into the running head of every printed page (the PDF).
    """
    from kimopt.report.html import figure_html, page, table_html

    blocks = [f"<style>{ROUND_CSS}</style>"]
    tie = allocation.undecided
    if tie is not None:
        names = ", ".join(allocation.territories[i].name for i in tie.parties)
        blocks.append(
            '<p class="note"><strong>'
            + escape(
                t(
                    lang,
                    f"Gleichstand, nicht entschieden: {names} haben exakt gleiche Ansprüche auf "
                    f"{tie.seats} Schritt(e). Die Runde entscheidet das (tie_winners), nicht kimopt.",
                    f"Undecided tie: {names} have exactly equal claims on {tie.seats} step(s). The round "
                    "decides (tie_winners), not kimopt.",
                )
            )
            + "</strong></p>"
        )
    problems = verify(allocation)
    if problems:
        blocks.append('<p class="note"><strong>' + escape("; ".join(problems)) + "</strong></p>")
    blocks.append(table_html(territory_table(allocation, lang)))
    if second is not None:
        blocks.append(table_html(comparison_table(allocation, second, labels, lang)))
    caption = t(lang, "VZÄ je 100.000 Einwohner je Gebiet", "VZÄ per 100,000 inhabitants per territory")
    blocks.append(figure_html(caption, chart_svg(allocation, lang, second, labels)))
    blocks += [table_html(table) for table in extra or []]
    heading = t(lang, "Förderrunde ", "Funding round ") + allocation.round.name
    return page(heading, meta(allocation, lang), blocks, lang, stand=stand)
