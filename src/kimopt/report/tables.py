"""The report's content as plain tables of text, shared by the HTML, Markdown and CSV writers.

Every section of a plan report is a :class:`Table` (a title, a header, rows of formatted
cells, which columns are numbers). The writers only lay tables out, so the figures and
labels are the same in every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kimopt.labels import DEVIATION_SUM, HOST_KIND, OBJECTIVE_LABELS, pick, rule_instance_label, status_label, t
from kimopt.numbers import NumberError, fmt_euros, fmt_level, fmt_number, to_fraction
from kimopt.plan_file import Kommune, PlanFile, Served, Summary, YearEntry

OneYear = PlanFile | YearEntry
"""What a report's one-year tables read: a plan, or one year of a plan of several years."""

APPORTION_LABELS: dict[str, tuple[str, str]] = {
    "hare-niemeyer": ("Hare–Niemeyer", "Hare–Niemeyer (largest remainder)"),
    "sainte-lague": ("Sainte-Laguë", "Sainte-Laguë (Webster)"),
}


@dataclass
class Table:
    """One section: ``rows`` of formatted cells under ``head``; ``numeric`` columns align right."""

    key: str
    title: str
    head: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    note: str = ""
    emphasis: list[set[int]] = field(default_factory=list)  # per row: cells to highlight
    prose: bool = False  # one sentence per row: HTML shows paragraphs, not a grid


def vzae(value: float | int | Fraction, lang: str, places: int = 1) -> str:
    """VZÄ for people: ``0,9``."""
    return fmt_number(value, places, lang)


def signed(value: float, lang: str, places: int = 3) -> str:
    """A deviation with its sign: ``+0,038`` / ``-0,010``."""
    text = fmt_number(value, places, lang)
    return "+" + text if value > 0 and text.strip("0,.") else text


def percent(value: float, lang: str, places: int = 1) -> str:
    """A share as percent: ``36,4 %``."""
    return f"{fmt_number(value * 100, places, lang)} %"


def yes_no(flag: bool, lang: str) -> str:
    return t(lang, "ja", "yes") if flag else t(lang, "nein", "no")


def status_text(status: str, lang: str) -> str:
    """``optimal (bewiesen)``: one status in words (the identifier stays in the JSON)."""
    return status_label(status, lang)


def served_text(served: list[Served], lang: str) -> str:
    """Who serves a Kommune: ``Kreis Wesel 0,1; Dinslaken 1,5``."""
    return "; ".join(f"{s.host} {vzae(s.vzae, lang)}" for s in served) or "–"


def unused_vzae(summary: Summary) -> Fraction:
    """The fundable VZÄ a plan leaves unused (``summary.unused_vzae``; older plans: fundable − used)."""
    try:
        if summary.unused_vzae is not None:
            return to_fraction(summary.unused_vzae)
        return to_fraction(summary.positions_fundable) - to_fraction(summary.positions_used)
    except NumberError:
        return Fraction(0)


def unused_sentence(summary: Summary, lang: str) -> str | None:
    """„9,5 VZÄ der Förderung bleiben ungenutzt; es begrenzt: Budget Kreis“ (DESIGN §5).

    ``None`` when the plan uses every fundable VZÄ. The rules are ``summary.unused_limited_by``
    (the binding rules of ``use_positions``); without binding rules only the number is said.
    """
    unused = unused_vzae(summary)
    if unused <= 0:
        return None
    places = next((k for k in range(1, 7) if (unused * 10**k).denominator == 1), 6)
    amount = fmt_number(unused, places, lang)
    head = t(lang, f"{amount} VZÄ der Förderung bleiben ungenutzt", f"{amount} VZÄ of the funding stay unused")
    rules = summary.unused_limited_by
    if rules:
        names = ", ".join(rule_instance_label(r.rule, r.subject, lang) for r in rules)
        verb = t(lang, "es begrenzt" if len(rules) == 1 else "es begrenzen", "limited by")
        return f"{head}; {verb}: {names}"
    if rules == [] and summary.binding_rules_complete:
        return head + t(
            lang,
            "; keine Regel allein begrenzt sie, nur mehrere zusammen",
            "; no rule alone keeps them unused, only several together",
        )
    if rules == []:
        return head + t(
            lang,
            "; die begrenzenden Regeln sind nicht vollständig geprüft",
            "; the binding rules are not completely checked",
        )
    return head


def summary_table(plan: OneYear, lang: str) -> Table:
    """The headline figures: positions, shares, funding, Eigenanteil."""
    s = plan.summary
    own = s.eigenanteil_eur
    months = plan.finance.months
    rows = [
        [t(lang, "Status", "Status"), status_text(plan.status, lang)],
        [
            t(lang, "VZÄ verwendet / förderfähig", "VZÄ used / fundable"),
            f"{vzae(s.positions_used, lang)} / {vzae(s.positions_fundable, lang)}",
        ],
        [
            t(lang, "VZÄ beim Kreis (Anteil)", "VZÄ at the Kreis (share)"),
            f"{vzae(s.kreis_vzae, lang)} ({percent(s.kreis_share, lang)})",
        ],
        [
            t(lang, "VZÄ bei Kommunen und Trägern", "VZÄ with Kommunen and Träger"),
            vzae(s.partner_vzae, lang),
        ],
        [
            t(lang, "Förderung pro Jahr", "Funding per year")
            if not months
            else t(lang, "Förderung im Jahr ({m} Monate)", "Funding in the year ({m} months)").format(m=months),
            fmt_euros(s.funding_eur, lang),
        ],
        [t(lang, "Eigenanteil Kreis", "Own share Kreis"), fmt_euros(own.kreis, lang)],
        [t(lang, "Eigenanteil Kommunen", "Own share Kommunen"), fmt_euros(own.kommunen, lang)],
        [t(lang, "Eigenanteil Träger", "Own share Träger"), fmt_euros(own.traeger, lang)],
        [
            t(lang, "Eigenanteil Kreis + Kommunen", "Own share Kreis + Kommunen"),
            fmt_euros(own.total, lang),
        ],
    ]
    unused = unused_sentence(s, lang)
    if unused:
        rows.insert(2, [t(lang, "VZÄ ungenutzt", "VZÄ unused"), vzae(unused_vzae(s), lang)])
    return Table(
        "summary",
        t(lang, "Überblick", "Summary"),
        [t(lang, "Kennzahl", "Figure"), t(lang, "Wert", "Value")],
        rows,
        {1},
        note=f"{unused}." if unused else "",
    )


def kommune_money(plan: OneYear, kommune: Kommune) -> tuple[int, int | None, bool]:
    """A Kommune's yearly Eigenanteil, its budget and whether the plan records the budget
    (older plans list budgets only for Kommunen that pay)."""
    if kommune.eigenanteil_eur is not None:
        return int(kommune.eigenanteil_eur), kommune.budget_eur, True
    paid = next(
        (p for p in plan.finance.eigenanteil if p.payer_type == "kommune" and p.payer == kommune.name),
        None,
    )
    return (int(paid.eur), paid.budget_eur, True) if paid else (0, None, False)


def all_bausteine_paid(plan: OneYear) -> dict[str, int] | None:
    """Each payer's Eigenanteil of all Bausteine in the plan's (first) year; ``None`` for a one-year plan.

    A budget holds for all Bausteine together, so this, not the Baustein 2 part, is what it is
    measured against.
    """
    if isinstance(plan, YearEntry):
        payers = plan.eigenanteil
    elif plan.years:
        payers = plan.years[0].eigenanteil
    else:
        return None
    return {p.payer: int(p.eur) for p in payers}


def budget_use(paid: int, budget: int | None, lang: str) -> str:
    """``50 %`` of a budget; ``–`` without a limited budget above 0."""
    return percent(paid / budget, lang, 0) if budget else "–"


def kommunen_table(plan: OneYear, lang: str) -> Table:
    """One row per Kommune: population, target, coverage, deviation, employers, Eigenanteil, budget."""
    head = [
        t(lang, "Kommune", "Kommune"),
        t(lang, "Einwohner", "Population"),
        t(lang, "Soll-VZÄ", "Target VZÄ"),
        t(lang, "Ist-VZÄ", "Coverage VZÄ"),
        t(lang, "Abweichung", "Deviation"),
        t(lang, "Anstellungsträger (VZÄ)", "Employers (VZÄ)"),
        t(lang, "Eigenanteil", "Own share"),
        t(lang, "Budget", "Budget"),
        t(lang, "genutzt", "used"),
    ]
    every = all_bausteine_paid(plan)
    if every is not None:
        head[6] = t(lang, "Eigenanteil Baustein 2", "Own share Baustein 2")
        head[8] = t(lang, "genutzt (alle Bausteine)", "used (all Bausteine)")
    rows = []
    for k in plan.kommunen:
        paid, budget, known = kommune_money(plan, k)
        used = paid if every is None else every.get(k.name, 0)
        rows.append(
            [
                k.name,
                fmt_number(k.population, 0, lang),
                fmt_number(k.target_vzae, 3, lang),
                vzae(k.coverage_vzae, lang),
                signed(k.deviation_vzae, lang),
                served_text(k.served_by, lang),
                fmt_euros(paid, lang),
                ("–" if not known else t(lang, "unbegrenzt", "unlimited"))
                if budget is None
                else fmt_euros(budget, lang),
                budget_use(used, budget, lang),
            ]
        )
    s = plan.summary
    rows.append(
        [
            t(lang, "Summe", "Total"),
            fmt_number(sum(k.population for k in plan.kommunen), 0, lang),
            fmt_number(sum(k.target_vzae for k in plan.kommunen), 3, lang),
            vzae(s.positions_used, lang),
            t(
                lang,
                f"zusammen {fmt_number(s.deviation_l1, 3, lang)}",
                f"in all {fmt_number(s.deviation_l1, 3, lang)}",
            ),
            "",
            fmt_euros(s.eigenanteil_eur.kommunen, lang),
            "",
            "",
        ]
    )
    return Table(
        "kommunen",
        t(lang, "Verteilung auf die Kommunen", "Allocation to the Kommunen"),
        head,
        rows,
        {1, 2, 3, 4, 6, 7, 8},
        note=t(
            lang,
            "Soll: rechnerischer Anteil nach dem Verteilungsschlüssel. Eigenanteil: was die Kommune "
            "im Jahr selbst trägt (eigene neue Stellen und Kostenausgleich an die Gastkommune).",
            "Target: the calculated share by the key. Own share: what the Kommune pays itself per year "
            "(its own new positions and cost sharing with its host Kommune).",
        ),
    )


def hosts_table(plan: OneYear, lang: str) -> Table:
    """Employers with positions: type, VZÄ, existing and new positions, deficit per VZÄ."""
    head = [
        t(lang, "Anstellungsträger", "Employer"),
        t(lang, "Art", "Type"),
        "VZÄ",
        t(lang, "davon Bestand", "existing"),
        t(lang, "neu", "new"),
        t(lang, "Defizit je VZÄ", "deficit per VZÄ"),
        t(lang, "Defizit trägt", "deficit paid by"),
    ]
    rows = []
    for h in plan.hosts:
        if not h.vzae:
            continue
        own = h.name if h.host_type != "kommune" else t(lang, "betreute Kommunen", "Kommunen served")
        payer = "Kreis" if h.deficit_paid_by_kreis else own
        if h.deficit_kreis_per_vzae is not None:  # capped coverage (DESIGN §5)
            cap = fmt_euros(h.deficit_kreis_per_vzae, lang)
            payer = t(lang, f"Kreis {cap} je VZÄ, Rest {own}", f"Kreis {cap} per VZÄ, rest {own}")
        rows.append(
            [
                h.name,
                pick(HOST_KIND[h.host_type], lang),
                vzae(h.vzae, lang),
                vzae(h.existing_vzae, lang),
                vzae(h.new_vzae, lang),
                fmt_euros(h.deficit_per_vzae, lang),
                payer,
            ]
        )
    return Table("hosts", t(lang, "Anstellungsträger", "Employers"), head, rows, {2, 3, 4, 5})


def objectives_table(plan: OneYear, lang: str) -> Table:
    """The lexicographic levels in solving order with value, bound and proof."""
    head = [
        "#",
        t(lang, "Ziel", "Objective"),
        t(lang, "Bedeutung", "Meaning"),
        t(lang, "Wert", "Value"),
        t(lang, "Schranke", "Bound"),
        t(lang, "bewiesen optimal", "proven optimal"),
    ]
    rows = []
    for n, level in enumerate(plan.objectives, start=1):
        name = level.name + (f" ({level.measure})" if level.measure else "")
        rows.append(
            [
                str(n),
                name,
                pick(OBJECTIVE_LABELS.get(level.name, (level.name,) * 2), lang),
                fmt_level(level.value, level.unit, lang),
                fmt_level(level.bound, level.unit, lang),
                yes_no(level.proven_optimal, lang),
            ]
        )
    return Table(
        "objectives",
        t(
            lang,
            "Ziele (lexikographisch, in dieser Reihenfolge)",
            "Objectives (lexicographic, in this order)",
        ),
        head,
        rows,
        {0, 3, 4},
    )


INDEX_LABELS: dict[str, tuple[str, str]] = {
    "deviation_l1": DEVIATION_SUM,
    "deviation_max": (
        "größte Abweichung max|Ist − Soll| (VZÄ)",
        "largest deviation max|coverage − target| (VZÄ)",
    ),
    "loosemore_hanby": (
        "Loosemore–Hanby-Index ½·Σ|Anteil Ist − Anteil Soll|",
        "Loosemore–Hanby index ½·Σ|coverage share − key share|",
    ),
    "gallagher": (
        "Gallagher-Index √(½·Σ(Anteil Ist − Anteil Soll)²)",
        "Gallagher index √(½·Σ(coverage share − key share)²)",
    ),
    "quota_rule_holds": (
        "Quotenregel: jede Kommune zwischen Soll ab- und aufgerundet",
        "quota rule: every Kommune between its target rounded down and up",
    ),
}


def index_value(summary: Summary | dict[str, Any], key: str, lang: str) -> str:
    """One disproportionality index, formatted (a comparison's entries are still dicts)."""
    value = getattr(summary, key) if isinstance(summary, Summary) else summary.get(key)
    if value is None:
        return "–"
    if key == "quota_rule_holds":
        return yes_no(bool(value), lang)
    if key in ("loosemore_hanby", "gallagher"):
        return percent(value, lang, 2)
    return fmt_number(value, 3, lang)


INDEX_FORMULAS = {"deviation_l1": "= Σ|Ist − Soll|"}
"""Formulas the appendix names beside a measure said in words elsewhere."""


def indices_table(plan: OneYear, lang: str) -> Table:
    """L1, max, Loosemore–Hanby, Gallagher and the quota rule."""
    rows = [
        [
            pick(label, lang) + (f" {INDEX_FORMULAS[key]}" if key in INDEX_FORMULAS else ""),
            index_value(plan.summary, key, lang),
        ]
        for key, label in INDEX_LABELS.items()
    ]
    return Table(
        "indices",
        t(lang, "Disproportionalität", "Disproportionality"),
        [t(lang, "Maß", "Measure"), t(lang, "Wert", "Value")],
        rows,
        {1},
        note=t(lang, "0 bedeutet: genau nach Schlüssel verteilt.", "0 means: exactly by the key."),
    )


@dataclass(frozen=True)
class Baseline:
    """A classical apportionment to set against the plan: VZÄ per Kommune and any tie."""

    method: str
    vzae: dict[str, float]
    tied: list[str] = field(default_factory=list)
    tie_vzae: float = 0.0


def baselines_table(plan: OneYear, baselines: list[Baseline], lang: str) -> Table:
    """The optimal coverage next to classical apportionments; differing cells are emphasised."""
    head = [
        t(lang, "Kommune", "Kommune"),
        t(lang, "Soll-VZÄ", "Target VZÄ"),
        t(lang, "optimaler Plan", "optimal plan"),
        *(pick(APPORTION_LABELS.get(b.method, (b.method, b.method)), lang) for b in baselines),
    ]
    rows, emphasis = [], []
    for k in plan.kommunen:
        row = [k.name, fmt_number(k.target_vzae, 3, lang), vzae(k.coverage_vzae, lang)]
        marked = set()
        for col, baseline in enumerate(baselines, start=3):
            value = baseline.vzae.get(k.name)
            tied = k.name in baseline.tied
            row.append("–" if value is None else vzae(value, lang) + (" (+?)" if tied else ""))
            if value is not None and (tied or abs(value - k.coverage_vzae) > 1e-9):
                marked.add(col)
        rows.append(row)
        emphasis.append(marked)
    note = t(
        lang,
        "Markiert: anders als im optimalen Plan. Gleiche Gesamtzahl an VZÄ, Schritte der Granularität.",
        "Marked: different from the optimal plan. Same total VZÄ, steps of the granularity.",
    )
    for b in baselines:
        if b.tied:
            label = pick(APPORTION_LABELS.get(b.method, (b.method, b.method)), lang)
            note += " " + t(
                lang,
                f"{label}: Gleichstand zwischen {', '.join(b.tied)} um "
                f"{vzae(b.tie_vzae, lang)} VZÄ (+?), vom Verfahren nicht entschieden.",
                f"{label}: tie between {', '.join(b.tied)} for {vzae(b.tie_vzae, lang)} VZÄ "
                "(+?), not decided by the method.",
            )
    title = t(lang, "Vergleich mit klassischen Verfahren", "Comparison with classical methods")
    return Table("baselines", title, head, rows, set(range(1, len(head))), note=note, emphasis=emphasis)
