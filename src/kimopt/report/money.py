"""The money of a plan for a committee: who pays whom, and why cost and funding differ.

Rules (DESIGN §2): the Land funds ``min(rate, cost)`` per VZÄ through the Kreis, the
Fördermittelempfänger, which passes the funding on to the other employers. Each employer's
deficit ``d = max(0, cost − rate)`` per VZÄ is due for new positions: a sharing partner pays
its host ``d × part`` (the Kostenausgleich of the Kooperationsvereinbarung), the Kreis pays
the deficit of Träger with Defizitübernahme (and of Kommune hosts with
``kreis_covers_kommunen``). Hence

    total cost − funding = Σ Eigenanteil of every payer + the deficit of existing positions,

the last being financed already. Every amount is computed exactly from the plan's links and
rounded with :func:`kimopt.numbers.round_parts`, so the rows shown add up to the totals shown.
"""

from __future__ import annotations

from fractions import Fraction

from kimopt.labels import t
from kimopt.numbers import NumberError, fmt_euros, round_parts, to_fraction
from kimopt.plan_file import Host
from kimopt.report.tables import OneYear, Table, vzae

LAND = ("Land NRW", "Land NRW")


def _exact(value: object) -> Fraction:
    try:
        return to_fraction(value if value is not None else 0)
    except NumberError:
        return Fraction(0)


def _hosts(plan: OneYear) -> list[Host]:
    return [h for h in plan.hosts if _exact(h.vzae)]


def _year_share(plan: OneYear) -> Fraction:
    """``months/12`` of a year funded for fewer months (``finance.months``), else 1."""
    return Fraction(int(plan.finance.months or 12), 12)


def _period(plan: OneYear, lang: str) -> str:
    """`` (pro Jahr)``, or the months of a year funded pro rata."""
    months = plan.finance.months
    if not months:
        return t(lang, " (pro Jahr)", " (per year)")
    return t(lang, f" (für {months} Monate, anteilig)", f" (for {months} months, pro rata)")


def _funded(plan: OneYear, host: Host) -> Fraction:
    rate = _exact(plan.finance.rate_per_vzae)
    return min(rate, _exact(host.cost_per_vzae)) * _exact(host.vzae) * _year_share(plan)


def _deficit_parts(plan: OneYear, host: Host) -> tuple[Fraction, Fraction]:
    """(the Kreis's part, the rest) of the host's deficit per VZÄ in this year: all, up to the
    capped ``deficit_kreis_per_vzae``, or nothing for the Kreis."""
    deficit = _exact(host.deficit_per_vzae) * _year_share(plan)
    if host.deficit_kreis_per_vzae is not None:
        kreis = _exact(host.deficit_kreis_per_vzae) * _year_share(plan)
    else:
        kreis = deficit if host.deficit_paid_by_kreis else Fraction(0)
    return kreis, deficit - kreis


def transfers(plan: OneYear) -> list[tuple[str, str, str, Fraction, Fraction]]:
    """Every payment as ``(from, to, kind, VZÄ, exact euros)``; kinds: ``funding``,
    ``passed_on``, ``kostenausgleich``, ``defizit``."""
    kreis = next((h.name for h in plan.hosts if h.host_type == "kreis"), "Kreis")
    out: list[tuple[str, str, str, Fraction, Fraction]] = []
    hosts = _hosts(plan)
    used = sum((_exact(h.vzae) for h in hosts), Fraction(0))
    out.append((LAND[0], kreis, "funding", used, sum((_funded(plan, h) for h in hosts), Fraction(0))))
    for h in hosts:
        if h.host_type != "kreis":
            out.append((kreis, h.name, "passed_on", _exact(h.vzae), _funded(plan, h)))
    by_name = {h.name: h for h in hosts}
    own: dict[str, Fraction] = {}
    for link in plan.links:
        host = by_name.get(link.host)
        if host is None or host.host_type != "kommune":
            continue
        by_kreis, rest = _deficit_parts(plan, host)
        part = _exact(link.vzae)
        if link.kommune == host.name:
            own[host.name] = part
            continue
        if by_kreis and part:
            out.append((kreis, host.name, "defizit", part, by_kreis * part))
        if rest and part:
            out.append((link.kommune, host.name, "kostenausgleich", part, rest * part))
    for h in hosts:
        by_kreis, _ = _deficit_parts(plan, h)
        if h.host_type == "kreis" or not by_kreis:
            continue
        if h.host_type == "kommune":  # the Kreis covers (part of) the host's own new part
            new = max(Fraction(0), own.get(h.name, Fraction(0)) - _exact(h.existing_vzae))
        else:
            new = _exact(h.new_vzae)
        if new:
            out.append((kreis, h.name, "defizit", new, by_kreis * new))
    return out


def _own_part(plan: OneYear, payer: str) -> Fraction:
    """The part of a payer's Eigenanteil that is no transfer: its own new positions (what the
    Kreis does not cover of them)."""
    host = next((h for h in _hosts(plan) if h.name == payer), None)
    if host is None:
        return Fraction(0)
    by_kreis, rest = _deficit_parts(plan, host)
    deficit = by_kreis + rest if host.host_type == "kreis" else rest
    if host.host_type != "kommune":
        return deficit * _exact(host.new_vzae)
    own = sum(
        (_exact(link.vzae) for link in plan.links if link.host == payer and link.kommune == payer),
        Fraction(0),
    )
    return deficit * max(Fraction(0), own - _exact(host.existing_vzae))


def _payer_rounding(plan: OneYear, moves: list[tuple[str, str, str, Fraction, Fraction]]) -> dict[int, int]:
    """Whole euros per transfer such that a payer's own part and its transfers add up to the
    Eigenanteil the plan shows for that payer (the same rounding as everywhere in the report)."""
    shown = {p.payer: int(p.eur) for p in plan.finance.eigenanteil}
    out: dict[int, int] = {}
    for payer in dict.fromkeys(m[0] for m in moves):
        mine = [m for m in moves if m[0] == payer]
        own = _own_part(plan, payer)
        total = shown.get(payer)
        parts = round_parts([own, *(m[4] for m in mine)], total)
        out.update({id(m): e for m, e in zip(mine, parts[1:], strict=True)})
    return out


def transfers_table(plan: OneYear, lang: str) -> Table:
    """„Wer zahlt wem“: funding from the Land via the Kreis, Kostenausgleich, Defizitübernahme."""
    moves = transfers(plan)
    kinds = {
        "funding": t(lang, "KIM-Förderung für {v} VZÄ (Fördermittelempfänger)", "KIM funding for {v} VZÄ (recipient)"),
        "passed_on": t(lang, "weitergeleitete Förderung für {v} VZÄ", "funding passed on for {v} VZÄ"),
        "kostenausgleich": t(
            lang,
            "Kostenausgleich (Kooperationsvereinbarung) für {v} VZÄ",
            "cost sharing (cooperation agreement) for {v} VZÄ",
        ),
        "defizit": t(lang, "Defizitübernahme für {v} neue VZÄ", "deficit coverage for {v} new VZÄ"),
    }
    funding = [m for m in moves if m[2] == "funding"]
    passed = [m for m in moves if m[2] == "passed_on"]
    own = [m for m in moves if m[2] in ("kostenausgleich", "defizit")]
    total_funding = int(plan.finance.funding_eur)
    euros = {id(m): e for m, e in zip(funding, [total_funding], strict=True)}
    # what is passed on and what the Kreis keeps for its own staff add up to the Land's total
    kept = funding[0][4] - sum((m[4] for m in passed), Fraction(0))
    shares = round_parts([m[4] for m in passed] + [kept], total_funding)
    euros.update({id(m): e for m, e in zip(passed, shares[:-1], strict=True)})
    euros.update(_payer_rounding(plan, own))
    rows = [
        [m[0], m[1], kinds[m[2]].format(v=vzae(m[3], lang)), fmt_euros(euros[id(m)], lang)]
        for m in funding + passed + own
    ]
    if own:
        rows.append(
            [
                t(lang, "Summe Kostenausgleich und Defizitübernahme", "Total cost sharing and deficit coverage"),
                "",
                "",
                fmt_euros(sum(euros[id(m)] for m in own), lang),
            ]
        )
    note = t(
        lang,
        "Die Förderung zahlt das Land an den Kreis als Fördermittelempfänger; er leitet sie an die "
        "anderen Anstellungsträger weiter. Kostenausgleich: eine Partnerkommune zahlt ihrer "
        "Gastkommune deren Defizit je VZÄ für ihren Anteil.",
        "The Land pays the funding to the Kreis as recipient, which passes it on to the other "
        "employers. Cost sharing: a partner Kommune pays its host Kommune the host's deficit per VZÄ "
        "for its part.",
    )
    return Table(
        "transfers",
        t(lang, "Wer zahlt wem", "Who pays whom") + _period(plan, lang),
        [t(lang, "Von", "From"), t(lang, "An", "To"), t(lang, "Wofür", "What for"), t(lang, "Betrag", "Amount")],
        rows,
        {3},
        note=note,
    )


def existing_deficit(plan: OneYear) -> Fraction:
    """The deficit of positions that existed before the plan (financed already): ``d × min(H, e)``
    per host, for a Kommune host ``d × min(own part, e)`` (its partners pay their part in full)."""
    own = {
        link.host: _exact(link.vzae) for link in plan.links if link.host_type == "kommune" and link.host == link.kommune
    }
    total = Fraction(0)
    for h in _hosts(plan):
        held = own.get(h.name, Fraction(0)) if h.host_type == "kommune" else _exact(h.vzae)
        total += _exact(h.deficit_per_vzae) * min(held, _exact(h.existing_vzae))
    return total * _year_share(plan)


def finance_table(plan: OneYear, lang: str) -> Table:
    """Cost, funding and the gap between them, explained by payer: the rows add up to the euro."""
    f, own = plan.finance, plan.summary.eigenanteil_eur
    cost, funding = int(f.total_cost_eur), int(f.funding_eur)
    gap = cost - funding
    parts = [int(own.kreis), int(own.kommunen), int(own.traeger)]
    existing = gap - sum(parts)  # exact identity; the rounded rest equals the existing deficit
    kreis_budget = next((p.budget_eur for p in f.eigenanteil if p.payer_type == "kreis"), None)

    def budget(value: int | None, paid: int) -> list[str]:
        if value is None:
            return [t(lang, "unbegrenzt", "unlimited"), ""]
        return [fmt_euros(value, lang), f"{round(100 * paid / value)} %" if value else ""]

    rows = [
        [t(lang, "Gesamtkosten der Stellen", "Total cost of the positions"), fmt_euros(cost, lang), "", ""],
        [
            t(lang, "− Förderung", "− funding")
            + f" ({fmt_euros(f.rate_per_vzae, lang)} / VZÄ"
            + (f" × {f.months}/12)" if f.months else ")"),
            fmt_euros(funding, lang),
            "",
            "",
        ],
        [t(lang, "= nicht durch Förderung gedeckt", "= not covered by funding"), fmt_euros(gap, lang), "", ""],
        [
            t(lang, "   davon Eigenanteil Kreis", "   of which own share Kreis"),
            fmt_euros(parts[0], lang),
            *budget(kreis_budget, parts[0]),
        ],
        [
            t(
                lang,
                "   davon Eigenanteil Kommunen (je Kommune: Tabelle oben)",
                "   of which own share Kommunen (per Kommune: table above)",
            ),
            fmt_euros(parts[1], lang),
            "",
            "",
        ],
        [
            t(lang, "   davon Träger ohne Defizitübernahme", "   of which Träger without deficit coverage"),
            fmt_euros(parts[2], lang),
            "",
            "",
        ],
        [
            t(
                lang,
                "   davon bestehende Stellen (bereits finanziert)",
                "   of which existing positions (financed already)",
            ),
            fmt_euros(existing, lang),
            "",
            "",
        ],
    ]
    note = t(
        lang,
        "Eigenanteil: Kosten über der Förderung, fällig für neue Stellen. Für bestehende Stellen ist "
        "das Defizit bereits finanziert. Beträge auf ganze Euro so gerundet, dass die Teile die Summe ergeben.",
        "Own share: cost above the funding, due for new positions. For existing positions the deficit is "
        "financed already. Amounts rounded to whole euros so that the parts add up to the total.",
    )
    return Table(
        "finance",
        t(lang, "Finanzen", "Finance") + _period(plan, lang),
        [t(lang, "Posten", "Item"), t(lang, "Betrag", "Amount"), "Budget", t(lang, "ausgeschöpft", "used")],
        rows,
        {1, 2, 3},
        note=note,
    )
