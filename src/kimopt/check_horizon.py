"""The independent checker for plans of several years and Bausteine (DESIGN §5).

Plain Python and exact fractions, written from the rule text, not from the solver model or
:mod:`kimopt.horizon`: each year's funding and costs are derived here again from the
instance, each year's Baustein 2 links are checked against every rule of §2 by the one-year
checker, and then the rules of §5 across Bausteine and years:

- ``coordination`` (Baustein 1): the plan lists exactly the coordinators and the assistant the
  rule gives (Kreis: ``base_vzae`` + ``assistant_vzae``; every Kommune with all flags of
  ``qualifies_by``: ``per_kommune_vzae``, or its own ``coordinator_vzae``);
- ``authorities`` (Baustein 3): exactly the listed positions, each at the Kreis or a Kommune
  with its own Ausländerbehörde;
- ``budget_kommune``/``budget_kreis``: each payer's Eigenanteil of all Bausteine in a year
  stays within that year's budget;
- ``continuity`` (by the one-year checker, given the year before): under ``keep_existing`` no
  host holds fewer VZÄ than the year before, except the cuts the plan lists under ``cuts``,
  which must be exactly the hosts' differences; and no cut is larger than needed: giving a cut
  host back one or more host steps (up to its cut) on any one of its links, this year's or the
  year before's, must break some rule of the year (the one-year checker and the budgets of all
  Bausteine on the changed plan), else „Kürzung größer als nötig“ — unless the year's
  ``continuity`` level says it is not proven least (a search the time limit ended).

Every violation's subject starts with its year (``2023: Voerde (Niederrhein)``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.check import Violation, _Checker, _v, checked
from kimopt.data import Instance, PlanningModel
from kimopt.numbers import NumberError, fmt_euros, to_fraction
from kimopt.rules import (
    AUTHORITIES,
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    CONTINUITY,
    COORDINATION,
    HORIZON_RULES,
    Rule,
)


def _half_up(value: Fraction) -> int:
    """Whole euros, halves rounded up."""
    return (value + Fraction(1, 2)).__floor__()


def _years(instance: Instance) -> list[tuple[int | None, Instance]]:
    """Each year's Baustein 2 instance, derived from the rule text of DESIGN §5."""
    out = [(instance.funding.year, instance)]
    positions, rate = instance.funding.positions_vzae, instance.funding.rate_per_vzae
    kreis_cost = instance.kreis.cost_per_vzae
    kreis_budget = instance.kreis.budget
    kommune_cost = {k.name: k.cost_per_vzae for k in instance.kommunen}
    kommune_budget = {k.name: k.budget for k in instance.kommunen}
    traeger_cost = {t.name: t.cost_per_vzae for t in instance.traeger}
    ags = {k.ags: k.name for k in instance.kommunen if k.ags}
    growth = Fraction(0)
    for year in instance.years:
        positions = year.positions_vzae if year.positions_vzae is not None else positions
        rate = year.rate_per_vzae if year.rate_per_vzae is not None else rate
        growth = year.cost_growth if year.cost_growth is not None else growth
        kreis_cost = _half_up(kreis_cost * (1 + growth))
        kommune_cost = {n: None if c is None else _half_up(c * (1 + growth)) for n, c in kommune_cost.items()}
        traeger_cost = {n: _half_up(c * (1 + growth)) for n, c in traeger_cost.items()}
        for name, cost in year.costs.items():
            name = ags.get(name, name)
            if name == instance.kreis.name:
                kreis_cost = cost
            elif name in kommune_cost:
                kommune_cost[name] = cost
            else:
                traeger_cost[name] = cost
        for name, budget in year.budgets.items():
            name = ags.get(name, name)
            if name == instance.kreis.name:
                kreis_budget = budget
            else:
                kommune_budget[name] = budget
        derived = instance.model_copy(
            update={
                "funding": instance.funding.model_copy(
                    update={"year": year.year, "positions_vzae": positions, "rate_per_vzae": rate}
                ),
                "kreis": instance.kreis.model_copy(update={"cost_per_vzae": kreis_cost, "budget": kreis_budget}),
                "kommunen": [
                    k.model_copy(update={"cost_per_vzae": kommune_cost[k.name], "budget": kommune_budget[k.name]})
                    for k in instance.kommunen
                ],
                "traeger": [t.model_copy(update={"cost_per_vzae": traeger_cost[t.name]}) for t in instance.traeger],
            }
        )
        out.append((year.year, derived))
    return out


def _rates(instance: Instance) -> list[tuple[int, int, int]]:
    """(coordinator rate, assistant rate, authority rate) per year."""
    c, a = instance.coordination, instance.authorities
    rates = [(c.rate_per_vzae if c else 0, c.assistant_rate_per_vzae if c else 0, a.rate_per_vzae if a else 0)]
    for year in instance.years:
        b1, assistant, b3 = rates[-1]
        rates.append(
            (
                year.coordination_rate_per_vzae if year.coordination_rate_per_vzae is not None else b1,
                year.assistant_rate_per_vzae if year.assistant_rate_per_vzae is not None else assistant,
                year.authorities_rate_per_vzae if year.authorities_rate_per_vzae is not None else b3,
            )
        )
    return rates


def _grown(cost: int | None, instance: Instance, n: int) -> int | None:
    """An explicit Baustein 1/3 cost in the ``n``-th year (0 = first), grown like every cost."""
    if cost is None:
        return None
    growth = Fraction(0)
    for year in instance.years[:n]:
        growth = year.cost_growth if year.cost_growth is not None else growth
        cost = _half_up(cost * (1 + growth))
    return cost


@dataclass
class Year:
    """What the horizon rules check in one year: its entry, its derived instance, its Baustein 2 totals."""

    n: int
    label: str
    derived: Instance
    entry: dict[str, Any]
    checker: _Checker
    fixed: list[tuple[int, str, str, str, Fraction, int, int]]  # Baustein, role, host type, host, VZÄ, cost, rate
    previous: dict[tuple[str, str], Fraction] | None  # hosted VZÄ of the year before


class _Horizon:
    def __init__(self, instance: Instance, model: PlanningModel) -> None:
        self.instance = instance
        self.model = model
        self.violations: list[Violation] = []

    def add(self, rule: Rule | str, year: str, subject: str, de: str, en: str) -> None:
        name = rule if isinstance(rule, str) else rule.name
        self.violations.append(Violation(name, f"{year}: {subject}" if subject else year, de, en))

    def expected(self, n: int, derived: Instance) -> list[tuple[int, str, str, str, Fraction, int, int]]:
        """(Baustein, role, host type, host, VZÄ, cost, rate) of every fixed position of a year."""
        inst, c, a = self.instance, self.instance.coordination, self.instance.authorities
        b1_rate, assistant_rate, b3_rate = _rates(inst)[n]
        kreis = derived.kreis
        costs = {
            k.name: k.cost_per_vzae if k.cost_per_vzae is not None else kreis.cost_per_vzae for k in derived.kommunen
        }
        out = []
        if c is not None:
            own_cost = _grown(c.cost_per_vzae, inst, n)
            assistant_cost = _grown(c.assistant_cost_per_vzae, inst, n)
            if c.base_vzae:
                out.append(
                    (
                        1,
                        "coordinator",
                        "kreis",
                        kreis.name,
                        c.base_vzae,
                        own_cost if own_cost is not None else kreis.cost_per_vzae,
                        b1_rate,
                    )
                )
            if c.assistant_vzae:
                out.append(
                    (
                        1,
                        "assistant",
                        "kreis",
                        kreis.name,
                        c.assistant_vzae,
                        assistant_cost if assistant_cost is not None else kreis.cost_per_vzae,
                        assistant_rate,
                    )
                )
            for k in inst.kommunen:
                if k.coordinator_vzae is not None:
                    vzae = k.coordinator_vzae
                elif all(getattr(k, flag) for flag in c.qualifies_by):
                    vzae = c.per_kommune_vzae
                else:
                    vzae = Fraction(0)
                if vzae:
                    out.append(
                        (
                            1,
                            "coordinator",
                            "kommune",
                            k.name,
                            vzae,
                            own_cost if own_cost is not None else costs[k.name],
                            b1_rate,
                        )
                    )
        if a is not None:
            by_key = {k.name: k for k in inst.kommunen} | {k.ags: k for k in inst.kommunen if k.ags}
            for position in a.positions:
                cost = _grown(position.cost_per_vzae, inst, n)
                if position.host in (kreis.name, kreis.ags):
                    out.append(
                        (
                            3,
                            "authority",
                            "kreis",
                            kreis.name,
                            position.vzae,
                            cost if cost is not None else kreis.cost_per_vzae,
                            b3_rate,
                        )
                    )
                elif position.host in by_key:
                    k = by_key[position.host]
                    out.append(
                        (
                            3,
                            "authority",
                            "kommune",
                            k.name,
                            position.vzae,
                            cost if cost is not None else costs[k.name],
                            b3_rate,
                        )
                    )
        return out

    def listed(self, year: Year, key: str, rule: Rule, baustein: int) -> dict[tuple[str, str, str], Fraction]:
        """The plan's Baustein section must list exactly the positions the rule gives."""
        expected = [(role, kind, host, vzae) for b, role, kind, host, vzae, _, _ in year.fixed if b == baustein]
        raw = year.entry.get(key)
        found: dict[tuple[str, str, str], Fraction] = defaultdict(Fraction)
        for item in raw if isinstance(raw, list) else []:
            if not isinstance(item, dict):
                continue
            try:
                found[(str(item.get("role")), str(item.get("host_type")), str(item.get("host")))] += to_fraction(
                    item.get("vzae")
                )
            except NumberError:
                self.add(rule, year.label, str(item.get("host")), "VZÄ ist keine Zahl", "VZÄ is not a number")
        want = {(role, kind, host): vzae for role, kind, host, vzae in expected}
        for (role, kind, host), vzae in sorted(want.items()):
            have = found.get((role, kind, host), Fraction(0))
            if have != vzae:
                self.add(
                    rule,
                    year.label,
                    host,
                    f"{_ROLE[role][0]}: {_v(have, 'de')} im Plan, die Regel verlangt {_v(vzae, 'de')}",
                    f"{_ROLE[role][1]}: {_v(have, 'en')} in the plan, the rule requires {_v(vzae, 'en')}",
                )
        for (role, kind, host), vzae in sorted(found.items()):
            if (role, kind, host) not in want and vzae:
                self.add(
                    rule,
                    year.label,
                    host,
                    f"{_v(vzae, 'de')} ohne Grundlage in der Regel",
                    f"{_v(vzae, 'en')} the rule does not provide",
                )
        return found


_ROLE = {
    "coordinator": ("Koordination", "coordinators"),
    "assistant": ("Assistenz", "assistant"),
    "authority": ("Stellen in der Ausländerbehörde", "authority positions"),
}


@COORDINATION.check_year
def coordination(h: _Horizon, year: Year) -> None:
    """Baustein 1: exactly the coordinators and the assistant of the rule."""
    h.listed(year, "coordination", COORDINATION, 1)


@AUTHORITIES.check_year
def authorities(h: _Horizon, year: Year) -> None:
    """Baustein 3: exactly the listed positions, each at the Kreis or a Kommune with Ausländerbehörde."""
    found = h.listed(year, "authorities", AUTHORITIES, 3)
    abh = {k.name for k in h.instance.kommunen if k.auslaenderbehoerde}
    for (_, kind, host), vzae in sorted(found.items()):
        if vzae and not ((kind == "kreis" and host == h.instance.kreis.name) or (kind == "kommune" and host in abh)):
            h.add(AUTHORITIES, year.label, host, "keine eigene Ausländerbehörde", "no Ausländerbehörde of its own")


@dataclass(frozen=True)
class _Before:
    """What the year before left (:class:`kimopt.check.YearBefore`): its hosted VZÄ, the cuts the plan states."""

    held: dict[tuple[str, str], Fraction]
    allowance: Fraction


def _stated_cuts(h: _Horizon, label: str, entry: dict[str, Any]) -> dict[tuple[str, str], Fraction]:
    """The plan's ``cuts`` of a year by (host type, host)."""
    out: dict[tuple[str, str], Fraction] = {}
    raw = entry.get("cuts")
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            out[(str(item.get("host_type")), str(item.get("host")))] = to_fraction(item.get("vzae"))
        except NumberError:
            h.add("plan", label, f"cuts: {item.get('host')}", "VZÄ ist keine Zahl", "VZÄ is not a number")
    return out


def _cuts_as_stated(h: _Horizon, year: Year, stated: dict[tuple[str, str], Fraction]) -> None:
    """Every host below the year before is listed under ``cuts`` with its cut, and no other."""
    if year.previous is None or not h.model.keep_existing:
        return
    hosted = year.checker.hosted
    actual = {
        key: held - hosted.get(key, Fraction(0))
        for key, held in year.previous.items()
        if hosted.get(key, Fraction(0)) < held
    }
    for key in sorted(set(actual) | set(stated)):
        if actual.get(key, Fraction(0)) != stated.get(key, Fraction(0)):
            h.add(
                "plan",
                year.label,
                f"cuts: {key[1]}",
                f"Kürzung angegeben {_v(stated.get(key, Fraction(0)), 'de')}, aus den Verbindungen "
                f"{_v(actual.get(key, Fraction(0)), 'de')}",
                f"cut stated {_v(stated.get(key, Fraction(0)), 'en')}, the links give "
                f"{_v(actual.get(key, Fraction(0)), 'en')}",
            )


def _year_checker(
    derived: Instance, model: PlanningModel, entry: dict[str, Any], before: _Before | None, figures: bool = True
) -> _Checker:
    """The one-year checker over a year's Baustein 2 links; budgets are checked over all Bausteine."""
    leave_out = frozenset({BUDGET_KOMMUNE, BUDGET_KREIS})
    return checked(derived, model, entry, leave_out=leave_out, before=before, figures=figures)


def _links_of(entry: dict[str, Any] | None, kind: str, host: str) -> list[str]:
    """The Kommunen a host serves in a year's entry, in the plan's order."""
    raw = entry.get("links") if isinstance(entry, dict) else None
    return [
        str(link.get("kommune"))
        for link in (raw if isinstance(raw, list) else [])
        if isinstance(link, dict) and link.get("host_type") == kind and link.get("host") == host
    ]


def _given_back(entry: dict[str, Any], kind: str, host: str, kommune: str, vzae: Fraction) -> dict[str, Any]:
    """The year's entry with ``vzae`` more on one link (a new link where the host had none to that Kommune)."""
    links = [dict(link) for link in entry.get("links") or [] if isinstance(link, dict)]
    same = next(
        (x for x in links if x.get("host_type") == kind and x.get("host") == host and x.get("kommune") == kommune),
        None,
    )
    if same is None:
        links.append({"host": host, "host_type": kind, "kommune": kommune, "vzae": str(vzae)})
    else:
        same["vzae"] = str(to_fraction(same.get("vzae")) + vzae)
    return {**entry, "links": links}


def _holds(h: _Horizon, year: Year, entry: dict[str, Any], before: _Before) -> bool:
    """Whether a changed Baustein 2 of a year keeps every rule of that year (all Bausteine' budgets too)."""
    checker = _year_checker(year.derived, h.model, entry, before, figures=False)
    if checker.violations:
        return False
    trial = _Horizon(h.instance, h.model)
    _budgets(trial, Year(year.n, year.label, year.derived, entry, checker, year.fixed, year.previous))
    return not trial.violations


def _least(entry: dict[str, Any]) -> bool:
    """Whether the year claims its cut least: not when its ``continuity`` level says it is not proven
    (the time limit ended the search; the plan is then FEASIBLE, its cut possibly larger)."""
    levels = entry.get("objectives")
    for level in levels if isinstance(levels, list) else []:
        if isinstance(level, dict) and level.get("name") == CONTINUITY.name:
            return level.get("proven_optimal") is not False
    return True


def _cuts_needed(
    h: _Horizon, year: Year, stated: dict[tuple[str, str], Fraction], before: _Before, entry_before: dict[str, Any]
) -> None:
    """No cut larger than needed: for each cut host, giving back 1, 2, … host steps (up to its cut)
    on any one of its links must break some rule of the year. A plan of the least total cut passes:
    were a give-back to hold every rule, a smaller total cut would exist. A link the planner fixed
    (``fixed_links``, ``solve --fix``) is not given back: a fixed row may force a larger cut."""
    step = h.model.host_step_vzae
    for (kind, host), cut in sorted(stated.items()):
        if cut <= 0:
            continue
        fixed = set(_links_of({"links": year.entry.get("fixed_links")}, kind, host))  # the planner's rows stay
        kommunen = [
            k
            for k in dict.fromkeys(_links_of(year.entry, kind, host) + _links_of(entry_before, kind, host))
            if k not in fixed
        ]
        steps = -(-cut // step)
        found = next(
            (
                (kommune, back)
                for kommune in kommunen
                for back in (min(j * step, cut) for j in range(1, int(steps) + 1))
                if _holds(
                    h,
                    year,
                    _given_back(year.entry, kind, host, kommune, back),
                    _Before(before.held, before.allowance - back),
                )
            ),
            None,
        )
        if found is not None:
            kommune, back = found
            h.add(
                CONTINUITY,
                year.label,
                f"cuts: {host}",
                f"Kürzung größer als nötig: mit {_v(back, 'de')} mehr bei {host} für {kommune} gelten alle "
                "Regeln des Jahres",
                f"cut larger than needed: with {_v(back, 'en')} more at {host} for {kommune} every rule of "
                "the year holds",
            )


def _budgets(h: _Horizon, year: Year) -> dict[str, Fraction]:
    """Each payer's Eigenanteil of all Bausteine against that year's budget; returns Kreis and total."""
    model, derived, checker = h.model, year.derived, year.checker
    kreis_pays = checker.pay_kreis
    kommune_pays = dict(zip(checker.kommune_names, checker.pay_kommune, strict=True))
    for _, _, kind, host, vzae, cost, rate in year.fixed:
        amount = max(0, cost - rate) * vzae
        if kind == "kommune" and not model.kreis_covers_kommunen:
            kommune_pays[host] += amount
        else:
            kreis_pays += amount
    if derived.kreis.budget is not None and kreis_pays > derived.kreis.budget:
        h.add(
            BUDGET_KREIS,
            year.label,
            derived.kreis.name,
            f"Eigenanteil aller Bausteine {fmt_euros(kreis_pays)} > Budget {fmt_euros(derived.kreis.budget)}",
            f"own share of all Bausteine {fmt_euros(kreis_pays, 'en')} > budget "
            f"{fmt_euros(derived.kreis.budget, 'en')}",
        )
    if not model.kreis_covers_kommunen:
        for k in derived.kommunen:
            if k.budget is not None and kommune_pays[k.name] > k.budget:
                h.add(
                    BUDGET_KOMMUNE,
                    year.label,
                    k.name,
                    f"Eigenanteil aller Bausteine {fmt_euros(kommune_pays[k.name])} > Budget {fmt_euros(k.budget)}",
                    f"own share of all Bausteine {fmt_euros(kommune_pays[k.name], 'en')} > budget "
                    f"{fmt_euros(k.budget, 'en')}",
                )
    total = kreis_pays + (Fraction(0) if model.kreis_covers_kommunen else sum(kommune_pays.values(), Fraction(0)))
    return {"kreis": kreis_pays, "total": total}


def check_horizon(instance: Instance, model: PlanningModel, plan: dict[str, Any]) -> list[Violation]:
    """Every rule of DESIGN §2 and §5 the plan breaks, in every year and Baustein (empty when valid)."""
    h = _Horizon(instance, model)
    years = _years(instance)
    entries = plan.get("years")
    if not isinstance(entries, list) or len(entries) != len(years):
        h.add(
            "plan",
            "years",
            "",
            f"der Plan muss {len(years)} Jahre unter „years“ enthalten",
            f"the plan must hold {len(years)} years under 'years'",
        )
        return h.violations
    summary = plan.get("summary")
    by_year = summary.get("eigenanteil_eur_by_year") if isinstance(summary, dict) else None
    previous: dict[tuple[str, str], Fraction] | None = None
    entry_before: dict[str, Any] = {}
    for n, ((number, derived), entry) in enumerate(zip(years, entries, strict=True)):
        label = str(number) if number is not None else "1"
        if not isinstance(entry, dict) or entry.get("year") != number:
            h.add(
                "plan",
                label,
                "years",
                f"Eintrag {n + 1} ist nicht das Jahr {label}",
                f"entry {n + 1} is not the year {label}",
            )
            continue
        found_before = len(h.violations)
        stated = _stated_cuts(h, label, entry)
        before = None if previous is None else _Before(previous, sum(stated.values(), Fraction(0)))
        checker = _year_checker(derived, model, entry, before)
        h.violations += [
            Violation(v.rule, f"{label}: {v.subject}" if v.subject else label, v.de, v.en) for v in checker.violations
        ]
        year = Year(n, label, derived, entry, checker, h.expected(n, derived), previous)
        _cuts_as_stated(h, year, stated)
        for rule in HORIZON_RULES:
            rule.check_in_year(h, year)
        computed = _budgets(h, year)
        if before is not None and model.keep_existing and len(h.violations) == found_before and _least(entry):
            _cuts_needed(h, year, stated, before, entry_before)  # only a plan valid otherwise: one reason at a time
        reported = by_year.get(label) if isinstance(by_year, dict) else None
        for key, exact in computed.items():
            if not isinstance(reported, dict) or key not in reported:
                continue
            try:
                wrong = abs(to_fraction(reported[key]) - exact) > Fraction(1, 2)
            except NumberError:
                wrong = True
            if wrong:
                h.add(
                    "plan",
                    label,
                    f"summary.eigenanteil_eur_by_year.{key}",
                    f"angegeben {reported[key]} €, berechnet {fmt_euros(exact)}",
                    f"reported €{reported[key]}, computed {fmt_euros(exact, 'en')}",
                )
        previous = dict(checker.hosted)
        entry_before = entry
    # one-year readers see the first year at the top level: it must be the same plan (checked above)
    first = entries[0] if isinstance(entries[0], dict) else {}
    for key in ("objectives", "summary", "hosts", "kommunen", "links", "finance"):
        top, own = plan.get(key), first.get(key)
        if key == "summary" and isinstance(top, dict) and isinstance(own, dict):
            top, own = _figures(top), _figures(own)
        if top != own:
            h.add(
                "plan",
                key,
                "",
                f"„{key}“ oben ist nicht das erste Jahr des Plans",
                f"the top-level '{key}' is not the plan's first year",
            )
    return h.violations


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary's figures of the plan itself, without the totals over years and the analyses."""
    return {k: v for k, v in summary.items() if k != "eigenanteil_eur_by_year" and not k.startswith("binding_rules")}
