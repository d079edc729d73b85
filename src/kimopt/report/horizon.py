"""The Haushalt sections of a multi-year, multi-Baustein plan (DESIGN §5) for every report format.

Two tables: the Eigenanteil per year and payer (Baustein 1, 2, 3, together, budget) and the
VZÄ per year and employer (Baustein 1, 2, 3, together); and each year's levels with their
proven bounds. The text formats (HTML, Markdown, CSV) get them as :class:`Table` sections,
the plan workbook as a sheet „Haushalt“.
"""

from __future__ import annotations

from typing import Any

from kimopt.cut_text import year_cut_texts
from kimopt.labels import objective_label, t
from kimopt.numbers import fmt_euros, fmt_level, fmt_number
from kimopt.plan_file import EmployerYear, PayerYear, PlanFile, YearEntry
from kimopt.report.tables import Table, unused_sentence, vzae

BAUSTEINE = ("baustein_1", "baustein_2", "baustein_3")


def _budget(entry: PayerYear, lang: str) -> str:
    if entry.payer_type == "traeger":
        return "–"
    return t(lang, "unbegrenzt", "unlimited") if entry.budget_eur is None else fmt_euros(entry.budget_eur, lang)


def _baustein_eur(payer: PayerYear) -> tuple[int, int, int]:
    return payer.baustein_1_eur, payer.baustein_2_eur, payer.baustein_3_eur


def _baustein_vzae(employer: EmployerYear) -> tuple[float, float, float]:
    return employer.baustein_1_vzae, employer.baustein_2_vzae, employer.baustein_3_vzae


def bestand_rows(year: YearEntry, lang: str) -> list[list[str]]:
    """„Bestand“ rows of one year: each payer's own cost of its existing positions (Baustein 2),
    apart from the Eigenanteil the budget counts, then what the payers pay in all with it.

    None when no payer has existing positions. The columns are those of :func:`eigenanteil_table`.
    """
    payers = year.eigenanteil
    held = [(p, p.bestand_eur) for p in payers if p.bestand_eur]
    if not held:
        return []
    label = str(year.year)
    rows = [
        [
            label,
            t(lang, f"Bestand {p.payer}", f"Existing positions {p.payer}"),
            "–",
            fmt_euros(eur, lang),
            "–",
            "–",
            t(lang, "bereits finanziert", "financed already"),
        ]
        for p, eur in held
    ]
    bestand = sum(eur for _, eur in held)
    b2 = sum(p.baustein_2_eur for p in payers) + bestand
    rows.append(
        [
            label,
            t(lang, "Insgesamt mit Bestand", "In all, with existing positions"),
            fmt_euros(sum(p.baustein_1_eur for p in payers), lang),
            fmt_euros(b2, lang),
            fmt_euros(sum(p.baustein_3_eur for p in payers), lang),
            fmt_euros(sum(p.eur for p in payers) + bestand, lang),
            "",
        ]
    )
    return rows


def eigenanteil_table(plan: PlanFile, lang: str) -> Table:
    """Year × payer: what each payer carries in each year, per Baustein, against its budget; then
    the „Bestand“ (existing positions' own cost, outside the budget) and the sum with it."""
    head = [
        t(lang, "Jahr", "Year"),
        t(lang, "Zahler", "Payer"),
        "Baustein 1",
        "Baustein 2",
        "Baustein 3",
        t(lang, "Eigenanteil", "Own share"),
        t(lang, "Budget", "Budget"),
    ]
    rows = []
    for year in plan.years or []:
        payers = year.eigenanteil
        rows += [
            [
                str(year.year),
                p.payer,
                *(fmt_euros(eur, lang) for eur in _baustein_eur(p)),
                fmt_euros(p.eur, lang),
                _budget(p, lang),
            ]
            for p in payers
        ]
        rows.append(
            [
                str(year.year),
                t(lang, "Summe", "Total"),
                *(fmt_euros(sum(_baustein_eur(p)[n] for p in payers), lang) for n in range(len(BAUSTEINE))),
                fmt_euros(sum(p.eur for p in payers), lang),
                "",
            ]
        )
        rows += bestand_rows(year, lang)
    return Table(
        "haushalt_eigenanteil",
        t(
            lang,
            "Haushalt: Eigenanteil je Jahr und Zahler (alle Bausteine)",
            "Budget: own share per year and payer (all Bausteine)",
        ),
        head,
        rows,
        {2, 3, 4, 5, 6},
        t(
            lang,
            "Das Budget gilt je Jahr für alle Bausteine zusammen; € pro Jahr. Eigenanteil: für Stellen "
            "über dem Bestand. Bestand: Kosten über der Förderung für die vorher besetzten Stellen, bereits "
            "finanziert und nicht im Budget.",
            "The budget holds per year for all Bausteine together; € per year. Own share: for positions "
            "above the existing ones. Existing positions: their cost above the funding, financed already "
            "and not in the budget.",
        ),
    )


def vzae_table(plan: PlanFile, lang: str) -> Table:
    """Year × employer: the VZÄ of each Baustein."""
    head = [
        t(lang, "Jahr", "Year"),
        t(lang, "Anstellungsträger", "Employer"),
        "Baustein 1",
        "Baustein 2",
        "Baustein 3",
        t(lang, "VZÄ gesamt", "VZÄ in total"),
    ]
    rows = [
        [str(year.year), e.employer, *(vzae(v, lang) for v in _baustein_vzae(e)), vzae(e.vzae, lang)]
        for year in plan.years or []
        for e in year.vzae_by_baustein
    ]
    return Table(
        "haushalt_vzae",
        t(lang, "Stellen je Jahr und Anstellungsträger nach Baustein", "Positions per year and employer by Baustein"),
        head,
        rows,
        {2, 3, 4, 5},
        t(
            lang,
            "Baustein 1: Koordination; 2: Case Management; 3: Ausländerbehörden.",
            "Baustein 1: coordination; 2: case management; 3: immigration authorities.",
        ),
    )


def years_levels_table(plan: PlanFile, lang: str) -> Table:
    """Every year's levels with value and proven bound (optimised year by year, earlier years first)."""
    head = [
        t(lang, "Jahr", "Year"),
        t(lang, "Ziel", "Objective"),
        t(lang, "Wert", "Value"),
        t(lang, "Schranke", "Bound"),
        t(lang, "bewiesen optimal", "proven optimal"),
    ]
    rows = []
    for year in plan.years or []:
        for level in year.objectives:
            rows.append(
                [
                    str(year.year),
                    objective_label(level.name, lang),
                    fmt_level(level.value, level.unit, lang),
                    fmt_level(level.bound, level.unit, lang),
                    t(lang, "ja", "yes") if level.proven_optimal else t(lang, "nein", "no"),
                ]
            )
    return Table(
        "haushalt_ziele",
        t(lang, "Ziele je Jahr", "Objectives per year"),
        head,
        rows,
        {2, 3},
        t(
            lang,
            "Jahr für Jahr entschieden, frühere Jahre zuerst: jedes Jahr gegeben die Jahre davor.",
            "Decided year by year, earlier years first: each year given the years before.",
        ),
    )


def unused_table(plan: PlanFile, lang: str) -> Table | None:
    """„Ungenutzte Förderung“: each year that leaves fundable VZÄ unused, how many and which rules
    keep them (``None`` when every year uses all its funding)."""
    rows = [
        [f"{year.year}: {sentence}."]
        for year in plan.years or []
        if (sentence := unused_sentence(year.summary, lang)) is not None
    ]
    if not rows:
        return None
    return Table(
        "haushalt_ungenutzt",
        t(lang, "Ungenutzte Förderung je Jahr", "Unused funding per year"),
        [t(lang, "Jahr", "Year")],
        rows,
        prose=True,
    )


def cuts_table(plan: PlanFile, lang: str) -> Table | None:
    """Every cut of a later year as its sentence: the host, why, the smallest change that keeps
    every position, the funding left unused (``None`` when no year cuts)."""
    rows = [[text] for year in plan.years or [] for text in year_cut_texts(year, lang)]
    if not rows:
        return None
    return Table(
        "kuerzungen",
        t(lang, "Kürzungen gegenüber dem Vorjahr", "Cuts against the year before"),
        [t(lang, "Kürzung", "Cut")],
        rows,
        note=t(
            lang,
            "Jedes Jahr wird gegeben die Jahre davor entschieden; wo ein Jahr nicht alle Stellen des Vorjahres "
            "halten kann, kürzt es so wenig wie möglich, in ganzen Stellenschritten.",
            "Each year is decided given the years before; where a year cannot keep every position of the "
            "year before, it cuts as little as possible, in whole host steps.",
        ),
        prose=True,
    )


def horizon_meta(plan: PlanFile, lang: str) -> list[tuple[str, str]]:
    """The line under the title of a multi-year plan: which years, and what the first sections show."""
    if not plan.years:
        return []
    years = [str(y.year) for y in plan.years]
    return [
        (t(lang, "Jahre", "Years"), f"{years[0]}–{years[-1]}" if len(years) > 1 else years[0]),
        (
            t(lang, "Hinweis", "Note"),
            t(
                lang,
                f"Tabellen bis „Anstellungsträger“: {years[0]}, Baustein 2; danach Kommunen und Zahlungen "
                "jedes weiteren Jahres, alle Jahre und Bausteine unter „Haushalt“.",
                f"tables up to 'Employers': {years[0]}, Baustein 2; then the Kommunen and payments of every "
                "later year, every year and Baustein under 'Budget'.",
            ),
        ),
    ]


def year_plan(plan: dict[str, Any], year: dict[str, Any]) -> dict[str, Any]:
    """One year of a multi-year plan JSON shaped as a one-year plan JSON (its Baustein 2 figures);
    the typed :class:`~kimopt.plan_file.YearEntry` is one already."""
    return {**plan, **year, "years": []}


def member_sentences(year: YearEntry, lang: str) -> list[str]:
    """Who takes part from this year on, and who stopped (with the VZÄ that end with them)."""
    out = []
    if year.joined:
        names = ", ".join(m.name for m in year.joined)
        out.append(t(lang, f"Ab {year.year} neu dabei: {names}.", f"Taking part from {year.year}: {names}."))
    if year.left:
        parts = ", ".join(f"{m.name} ({fmt_number(m.vzae, 1, lang)} VZÄ)" for m in year.left)
        out.append(
            t(
                lang,
                f"Ab {year.year} nicht mehr dabei: {parts}; die Stellen enden mit dem Austritt (keine Kürzung).",
                f"Stopped in {year.year}: {parts}; the positions end as they leave (no cut).",
            )
        )
    return out


def later_years_tables(plan: PlanFile, lang: str) -> list[Table]:
    """„Verteilung auf die Kommunen“ and „Wer zahlt wem“ of every year after the first."""
    from dataclasses import replace

    from kimopt.report.money import transfers_table
    from kimopt.report.tables import kommunen_table

    tables = []
    for year in (plan.years or [])[1:]:
        kommunen = kommunen_table(year, lang)
        kommunen = replace(kommunen, note=" ".join(filter(None, [*member_sentences(year, lang), kommunen.note])))
        for table in (kommunen, transfers_table(year, lang)):
            tables.append(replace(table, key=f"{table.key}_{year.year}", title=f"{table.title} {year.year}"))
    return tables


def horizon_tables(plan: PlanFile, lang: str) -> list[Table]:
    """The sections a multi-year plan adds (none for a one-year plan)."""
    if not plan.years:
        return []
    unused = unused_table(plan, lang)
    cuts = cuts_table(plan, lang)
    return [
        *([cuts] if cuts is not None else []),
        *later_years_tables(plan, lang),
        *([unused] if unused else []),
        eigenanteil_table(plan, lang),
        vzae_table(plan, lang),
        years_levels_table(plan, lang),
    ]
