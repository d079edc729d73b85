"""The independent checker for plans of several years and Bausteine (DESIGN §5).

Plain Python and exact fractions, written from the rule text, not from the solver model or
:mod:`kimopt.horizon`: each year's funding and costs are derived here again from the
instance, each year's Baustein 2 links are checked against every rule of §2 by the one-year
checker, and then the rules of §5 across Bausteine and years:

- ``coordination`` (Baustein 1): the plan lists exactly the coordinators and the assistant the
  rule gives (Kreis: ``base_vzae`` + ``assistant_vzae``; every Kommune with all flags of
  ``qualifies_by``: ``per_kommune_vzae``, or its own ``coordinator_vzae``);
- ``authorities`` (Baustein 3): exactly the listed positions, each at the Kreis or a Kommune
  with its own Ausländerbehörde or Einbürgerungsbehörde;
- ``budget_kommune``/``budget_kreis``: each payer's Eigenanteil of all Bausteine in a year
  stays within that year's budget;
- ``continuity`` (by the one-year checker, given the year before): under ``keep_existing`` no
  host holds fewer VZÄ than the year before (``continuity: total``: not fewer in all), except
  the cuts the plan lists under ``cuts``, which must be exactly the hosts' differences (under
  ``total`` one entry of type ``total``, the difference in all; under ``none`` no rule and no
  cut). That the cuts are the least possible is proven by the solver (its ``continuity``
  level), not re-derived here. A ``lookahead`` plan is checked the same way: it lists no cut.
  A member that left is no host any more (its positions went with it), a member that joined
  held nothing.
  No cut is larger than needed: giving a cut host back one or more host steps (up to its cut)
  on any one of its links, this year's or the year before's, must break some rule of the year
  (the one-year checker and the budgets of all Bausteine on the changed plan), else „Kürzung
  größer als nötig“ — unless the year's ``continuity`` level says it is not proven least.

Every violation's subject starts with its year (``2023: Voerde (Niederrhein)``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.check import Violation, _Checker, _v, checked
from kimopt.data import Instance, Kommune, PlanningModel, Traeger
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


def _naming(kommunen: dict[str, dict[str, Any]]) -> Callable[[str], str]:
    """A Kommune's name from its name or AGS (any other name unchanged: the Kreis, a Träger)."""
    return lambda key: next((n for n, k in kommunen.items() if key in (n, k["ags"])), key)


def _years(instance: Instance) -> list[tuple[int | None, Instance]]:
    """Each year's Baustein 2 instance, derived from the rule text of DESIGN §5.

    The members of a year: those of the year before without ``leave`` (and without them in any
    ``share_with``/``serves``), with ``join``/``join_traeger``; a member's cost grows from the
    year before (a joiner's from the year it joins), ``costs``, ``budgets`` and the fields under
    ``kommunen``/``traeger`` set a value outright.
    """
    out = [(instance.funding.year, instance)]
    positions, rate = instance.funding.positions_vzae, instance.funding.rate_per_vzae
    kreis_cost = instance.kreis.cost_per_vzae
    kreis_budget = instance.kreis.budget
    kommunen: dict[str, dict[str, Any]] = {k.name: dict(k) for k in instance.kommunen}
    traeger: dict[str, dict[str, Any]] = {t.name: dict(t) for t in instance.traeger}
    growth = Fraction(0)
    for year in instance.years:
        positions = year.positions_vzae if year.positions_vzae is not None else positions
        rate = year.rate_per_vzae if year.rate_per_vzae is not None else rate
        growth = year.cost_growth if year.cost_growth is not None else growth
        named = _naming(kommunen)
        gone = {named(key) for key in year.leave}
        gone |= {kommunen[n]["ags"] for n in gone if n in kommunen and kommunen[n]["ags"]}  # named either way
        for name in gone:
            kommunen.pop(name, None)
            traeger.pop(name, None)
        for record in (*kommunen.values(), *traeger.values()):
            if "share_with" in record:
                record["share_with"] = [n for n in record["share_with"] if n not in gone]
            if "serves" in record:
                record["serves"] = [n for n in record["serves"] if n not in gone]
        kreis_cost = _half_up(kreis_cost * (1 + growth))
        for record in (*kommunen.values(), *traeger.values()):
            if record["cost_per_vzae"] is not None:
                record["cost_per_vzae"] = _half_up(record["cost_per_vzae"] * (1 + growth))
        kommunen |= {k.name: dict(k) for k in year.join}
        traeger |= {t.name: dict(t) for t in year.join_traeger}
        for key, cost in year.costs.items():
            if key == instance.kreis.name:
                kreis_cost = cost
            else:
                (traeger.get(key) or kommunen[named(key)])["cost_per_vzae"] = cost
        for key, budget in year.budgets.items():
            if key == instance.kreis.name:
                kreis_budget = budget
            else:
                kommunen[named(key)]["budget"] = budget
        for key, fields in year.kommunen.items():
            kommunen[named(key)].update(fields)
        for key, fields in year.traeger.items():
            traeger[key].update(fields)
        derived = instance.model_copy(
            update={
                "funding": instance.funding.model_copy(
                    # months: a year's own, 12 unless it says so (a late start is no later year's)
                    update={
                        "year": year.year,
                        "positions_vzae": positions,
                        "rate_per_vzae": rate,
                        "months": year.months if year.months is not None else 12,
                    }
                ),
                "kreis": instance.kreis.model_copy(update={"cost_per_vzae": kreis_cost, "budget": kreis_budget}),
                "kommunen": [Kommune.model_construct(**fields) for fields in kommunen.values()],
                "traeger": [Traeger.model_construct(**fields) for fields in traeger.values()],
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
            for k in derived.kommunen:  # the Kommunen taking part this year, with this year's flags
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
            members = derived.kommunen  # a position ends when its Kommune leaves
            by_key = {k.name: k for k in members} | {k.ags: k for k in members if k.ags}
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
    """Baustein 3: exactly the listed positions, each at the Kreis or a Kommune with its own
    Ausländerbehörde or Einbürgerungsbehörde."""
    found = h.listed(year, "authorities", AUTHORITIES, 3)
    offices = {k.name for k in year.derived.kommunen if k.auslaenderbehoerde or k.einbuergerungsbehoerde}
    for (_, kind, host), vzae in sorted(found.items()):
        if vzae and not (
            (kind == "kreis" and host == h.instance.kreis.name) or (kind == "kommune" and host in offices)
        ):
            h.add(
                AUTHORITIES,
                year.label,
                host,
                "weder eigene Ausländer- noch Einbürgerungsbehörde",
                "neither an Ausländerbehörde nor an Einbürgerungsbehörde of its own",
            )


@dataclass(frozen=True)
class _Before:
    """What the year before left (:class:`kimopt.check.YearBefore`): its hosted VZÄ, the cuts the plan states."""

    held: dict[tuple[str, str], Fraction]
    allowance: Fraction


def _of_members(held: dict[tuple[str, str], Fraction], derived: Instance) -> dict[tuple[str, str], Fraction]:
    """What the year before held, of the members of this year: the positions of a member that
    left are gone with it (no cut); a member that joins held nothing."""
    members = {("kreis", derived.kreis.name)}
    members |= {("kommune", k.name) for k in derived.kommunen} | {("traeger", t.name) for t in derived.traeger}
    return {key: vzae for key, vzae in held.items() if key in members}


def _members_as_stated(
    h: _Horizon,
    label: str,
    entry: dict[str, Any],
    held: dict[tuple[str, str], Fraction],
    before: Instance,
    derived: Instance,
) -> None:
    """The plan's ``joined`` and ``left`` of a year (where it states them) are exactly the
    members that came and went, each that left with the VZÄ it held the year before."""

    def members(inst: Instance) -> set[tuple[str, str]]:
        return {("kommune", k.name) for k in inst.kommunen} | {("traeger", t.name) for t in inst.traeger}

    came, went = members(derived) - members(before), members(before) - members(derived)
    want = {"joined": {key: Fraction(0) for key in came}, "left": {key: held.get(key, Fraction(0)) for key in went}}
    for key, expected in want.items():
        raw = entry.get(key)
        if raw is None:
            continue
        stated: dict[tuple[str, str], Fraction] = {}
        for item in raw if isinstance(raw, list) else []:
            try:
                stated[(str(item.get("member_type")), str(item.get("name")))] = to_fraction(item.get("vzae"))
            except (NumberError, AttributeError):
                h.add("plan", label, key, "Eintrag ist kein Mitglied mit VZÄ", "entry is no member with VZÄ")
        if stated != expected:
            names = ", ".join(f"{name} ({_v(v, 'de')})" for (_, name), v in sorted(expected.items())) or "keine"
            names_en = ", ".join(f"{name} ({_v(v, 'en')})" for (_, name), v in sorted(expected.items())) or "none"
            h.add(
                "plan",
                label,
                key,
                f"„{key}“ stimmt nicht mit der Instanz überein: {names}",
                f"'{key}' does not match the instance: {names_en}",
            )


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
    """Every host below the year before is listed under ``cuts`` with its cut, and no other; with
    ``continuity: total`` one entry of type ``total`` when the positions fall in number (its host
    name is the plan's); with ``none`` no cut."""
    if year.previous is None or not h.model.keep_existing:
        return
    hosted = year.checker.hosted
    mode = h.model.continuity
    if mode == "total":
        fell = sum(year.previous.values(), Fraction(0)) - year.checker.used
        name = next((key[1] for key in stated if key[0] == "total"), "")
        actual = {("total", name): fell} if fell > 0 else {}
    else:
        actual = {
            key: held - hosted.get(key, Fraction(0))
            for key, held in year.previous.items()
            if mode == "host" and hosted.get(key, Fraction(0)) < held
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


def _hosts_of(*entries: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(host type, host) of every link of the entries, in the plans' order."""
    found: dict[tuple[str, str], None] = {}
    for entry in entries:
        raw = entry.get("links") if isinstance(entry, dict) else None
        for link in raw if isinstance(raw, list) else []:
            if isinstance(link, dict):
                found[(str(link.get("host_type")), str(link.get("host")))] = None
    return list(found)


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
        # continuity: total cuts the number of positions of all employers: any link may take them back
        hosts = _hosts_of(year.entry, entry_before) if kind == "total" else [(kind, host)]
        links = [
            (k_kind, k_host, kommune)
            for k_kind, k_host in hosts
            for kommune in dict.fromkeys(
                _links_of(year.entry, k_kind, k_host) + _links_of(entry_before, k_kind, k_host)
            )
            if kommune
            not in _links_of({"links": year.entry.get("fixed_links")}, k_kind, k_host)  # the planner's rows stay
        ]
        steps = -(-cut // step)
        found = next(
            (
                (k_kind, k_host, kommune, back)
                for k_kind, k_host, kommune in links
                for back in (min(j * step, cut) for j in range(1, int(steps) + 1))
                if _holds(
                    h,
                    year,
                    _given_back(year.entry, k_kind, k_host, kommune, back),
                    _Before(before.held, before.allowance - back),
                )
            ),
            None,
        )
        if found is not None:
            kind, host, kommune, back = found
            h.add(
                CONTINUITY,
                year.label,
                f"cuts: {host}",
                f"Kürzung größer als nötig: mit {_v(back, 'de')} mehr {'beim' if kind == 'kreis' else 'bei'} "
                f"{host} für {kommune} gelten alle "
                "Regeln des Jahres",
                f"cut larger than needed: with {_v(back, 'en')} more at {host} for {kommune} every rule of "
                "the year holds",
            )


def _budgets(h: _Horizon, year: Year) -> dict[str, Fraction]:
    """Each payer's Eigenanteil of all Bausteine against that year's budget; returns Kreis and total."""
    model, derived, checker = h.model, year.derived, year.checker
    kreis_pays = checker.pay_kreis
    kommune_pays = dict(zip(checker.kommune_names, checker.pay_kommune, strict=True))
    share = Fraction(derived.funding.months, 12)
    caps = {k.name: k.deficit_coverage_eur_per_vzae for k in derived.kommunen}
    for _, _, kind, host, vzae, cost, rate in year.fixed:
        deficit = share * max(0, cost - rate)
        if kind == "kommune" and not model.kreis_covers_kommunen:
            cap = caps.get(host)
            by_kreis = Fraction(0) if cap is None else min(deficit, share * cap)
            kreis_pays += by_kreis * vzae
            kommune_pays[host] += (deficit - by_kreis) * vzae
        else:
            kreis_pays += deficit * vzae
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
        if previous is not None:
            _members_as_stated(h, label, entry, previous, years[n - 1][1], derived)
            previous = _of_members(previous, derived)
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
