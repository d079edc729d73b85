"""Several years and Bausteine 1 and 3 (DESIGN §5): the horizon expanded year by year.

An instance's first year is its ``funding`` with the costs and budgets as written; every
entry of ``years`` overrides the year before (``positions_vzae``, ``rate_per_vzae``, the
Baustein 1 and 3 rates, ``cost_growth``, which carries on, ``costs`` by employer, ``budgets``
by payer, any field of a Kommune or Träger under ``kommunen``/``traeger``) and changes the
members (``leave``, ``join``, ``join_traeger``). ``cost_growth`` raises every cost, also the
explicit Baustein 1 and 3 costs, by that fraction over the previous year, each rounded half up
to a whole euro; a member that joins grows from the cost it gives in the year it joins. A
Kommune's Baustein 1 coordinators and Baustein 3 positions exist in the years it takes part.

Bausteine 1 and 3 leave no choice: Baustein 1 employs ``base_vzae`` coordinators and
``assistant_vzae`` assistant at the Kreis and ``per_kommune_vzae`` coordinators at every Kommune
with all the flags of ``qualifies_by`` (a Kommune's ``coordinator_vzae`` overrides); Baustein 3
places exactly the listed positions. Their Eigenanteil ``max(0, cost − rate)`` per VZÄ is a
fixed amount per payer and year that shares the yearly budget with Baustein 2. No solver here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from kimopt.data import MONTHS, Funding, Instance, Kommune, PlanningModel, Year
from kimopt.numbers import round_euros

Role = Literal["coordinator", "assistant", "authority"]
ROLE_BAUSTEIN: dict[str, int] = {"coordinator": 1, "assistant": 1, "authority": 3}


@dataclass(frozen=True)
class FixedPosition:
    """A Baustein 1 or 3 position of one year: who employs it, its cost and its funding."""

    role: Role
    host: str
    host_type: Literal["kreis", "kommune"]
    vzae: Fraction
    cost_per_vzae: int
    rate_per_vzae: int
    months: int = MONTHS  # of the year funded: its euros are pro rata
    deficit_cap: int | None = None  # the employer's deficit_coverage_eur_per_vzae

    @property
    def baustein(self) -> int:
        return ROLE_BAUSTEIN[self.role]

    @property
    def eigenanteil(self) -> Fraction:
        """``max(0, cost − rate) × VZÄ × months/12``, euros of the year."""
        return max(0, self.cost_per_vzae - self.rate_per_vzae) * self.vzae * Fraction(self.months, MONTHS)

    @property
    def funding(self) -> Fraction:
        """The rate paid up to the real cost, × months/12, euros of the year."""
        return min(self.rate_per_vzae, self.cost_per_vzae) * self.vzae * Fraction(self.months, MONTHS)

    def payer(self, instance: Instance, model: PlanningModel) -> str:
        """The employer pays; with ``kreis_covers_kommunen`` the Kreis pays for Kommunen too
        (with a capped coverage the Kommune stays the payer of what is left: :meth:`payments`)."""
        if self.host_type == "kommune" and not model.kreis_covers_kommunen:
            return self.host
        return instance.kreis.name

    def payments(self, instance: Instance, model: PlanningModel) -> dict[str, Fraction]:
        """The Eigenanteil by payer: a Kommune with ``deficit_coverage_eur_per_vzae`` pays what
        the Kreis does not cover, at most the cap per VZÄ and year (× months/12)."""
        payer = self.payer(instance, model)
        if payer == instance.kreis.name or self.deficit_cap is None:
            return {payer: self.eigenanteil}
        deficit = max(0, self.cost_per_vzae - self.rate_per_vzae)
        kreis = min(deficit, self.deficit_cap) * self.vzae * Fraction(self.months, MONTHS)
        return {instance.kreis.name: kreis, payer: self.eigenanteil - kreis}


@dataclass(frozen=True)
class HorizonYear:
    """One year of the horizon: its Baustein 2 instance and its fixed Baustein 1 and 3 positions."""

    year: int | None
    instance: Instance  # Baustein 2 of this year: that year's funding, costs and budgets
    coordination: tuple[FixedPosition, ...]
    authorities: tuple[FixedPosition, ...]

    @property
    def label(self) -> str:
        return str(self.year) if self.year is not None else "1"

    @property
    def fixed(self) -> tuple[FixedPosition, ...]:
        return self.coordination + self.authorities

    def fixed_payments(self, model: PlanningModel) -> dict[str, Fraction]:
        """Baustein 1 and 3 Eigenanteil by payer name."""
        out: dict[str, Fraction] = {}
        for position in self.fixed:
            for payer, amount in position.payments(self.instance, model).items():
                out[payer] = out.get(payer, Fraction(0)) + amount
        return out


def grow(cost: int, growth: Fraction) -> int:
    """``cost × (1 + growth)``, rounded half up to a whole euro."""
    return round_euros(cost * (1 + growth))


def qualifies(kommune: Kommune, flags: list[str]) -> bool:
    """A Kommune qualifies for Baustein 1 coordinators when it has every flag of ``qualifies_by``."""
    return all(getattr(kommune, flag) for flag in flags)


def _coordination(
    instance: Instance, coordinator_cost: int | None, assistant_cost: int | None, rate: int, assistant_rate: int
) -> tuple[FixedPosition, ...]:
    c = instance.coordination
    if c is None:
        return ()
    kreis = instance.kreis
    out: list[FixedPosition] = []
    if c.base_vzae:
        out.append(
            FixedPosition(
                "coordinator",
                kreis.name,
                "kreis",
                c.base_vzae,
                coordinator_cost if coordinator_cost is not None else kreis.cost_per_vzae,
                rate,
                instance.funding.months,
            )
        )
    if c.assistant_vzae:
        out.append(
            FixedPosition(
                "assistant",
                kreis.name,
                "kreis",
                c.assistant_vzae,
                assistant_cost if assistant_cost is not None else kreis.cost_per_vzae,
                assistant_rate,
                instance.funding.months,
            )
        )
    for kommune in sorted(instance.kommunen, key=lambda k: k.name):
        if kommune.coordinator_vzae is not None:
            vzae = kommune.coordinator_vzae
        else:
            vzae = c.per_kommune_vzae if qualifies(kommune, list(c.qualifies_by)) else Fraction(0)
        if vzae:
            own = kommune.cost_per_vzae if kommune.cost_per_vzae is not None else kreis.cost_per_vzae
            out.append(
                FixedPosition(
                    "coordinator",
                    kommune.name,
                    "kommune",
                    vzae,
                    coordinator_cost if coordinator_cost is not None else own,
                    rate,
                    instance.funding.months,
                    kommune.deficit_coverage_eur_per_vzae,
                )
            )
    return tuple(out)


def _authorities(instance: Instance, costs: list[int | None], rate: int) -> tuple[FixedPosition, ...]:
    a = instance.authorities
    if a is None:
        return ()
    index = instance.kommune_index()
    kreis = instance.kreis
    out: list[FixedPosition] = []
    for position, cost in zip(a.positions, costs, strict=True):
        if position.host == kreis.name or position.host == kreis.ags:
            out.append(
                FixedPosition(
                    "authority",
                    kreis.name,
                    "kreis",
                    position.vzae,
                    cost if cost is not None else kreis.cost_per_vzae,
                    rate,
                    instance.funding.months,
                )
            )
            continue
        if position.host not in index:
            continue  # its Kommune has left: the positions end with it
        kommune = instance.kommunen[index[position.host]]
        own = kommune.cost_per_vzae if kommune.cost_per_vzae is not None else kreis.cost_per_vzae
        out.append(
            FixedPosition(
                "authority",
                kommune.name,
                "kommune",
                position.vzae,
                cost if cost is not None else own,
                rate,
                instance.funding.months,
                kommune.deficit_coverage_eur_per_vzae,
            )
        )
    return tuple(sorted(out, key=lambda p: (p.host_type != "kreis", p.host)))


def _base(instance: Instance) -> Instance:
    """The first year's Baustein 2 instance: the file's content without the §5 keys."""
    return instance.model_copy(update={"years": [], "coordination": None, "authorities": None})


def expand(instance: Instance) -> list[HorizonYear]:
    """Every year of the horizon in order, each with its Baustein 2 instance and fixed positions.

    Assumes a validated instance (:func:`kimopt.data.horizon_findings` is empty).
    """
    current = _base(instance)
    c, a = instance.coordination, instance.authorities
    coordinator_cost = c.cost_per_vzae if c else None
    assistant_cost = c.assistant_cost_per_vzae if c else None
    rate_b1 = c.rate_per_vzae if c else 0
    rate_assistant = c.assistant_rate_per_vzae if c else 0
    authority_costs: list[int | None] = [p.cost_per_vzae for p in a.positions] if a else []
    rate_b3 = a.rate_per_vzae if a else 0
    growth = Fraction(0)
    years: list[HorizonYear] = []

    def add(year: int | None) -> None:
        years.append(
            HorizonYear(
                year,
                current,
                _coordination(instance_view(), coordinator_cost, assistant_cost, rate_b1, rate_assistant),
                _authorities(instance_view(), authority_costs, rate_b3),
            )
        )

    def instance_view() -> Instance:
        # Baustein 1 and 3 read the flags and positions from the file, the costs from this year.
        return current.model_copy(update={"coordination": c, "authorities": a})

    add(instance.funding.year)
    for entry in instance.years:
        if entry.cost_growth is not None:
            growth = entry.cost_growth
        funding = current.funding.model_copy(
            update={
                "year": entry.year,
                "positions_vzae": entry.positions_vzae
                if entry.positions_vzae is not None
                else current.funding.positions_vzae,
                "rate_per_vzae": entry.rate_per_vzae
                if entry.rate_per_vzae is not None
                else current.funding.rate_per_vzae,
                "months": entry.months if entry.months is not None else MONTHS,  # not carried on
            }
        )
        current = _next_year(current, funding, growth, entry)
        if growth:
            coordinator_cost = None if coordinator_cost is None else grow(coordinator_cost, growth)
            assistant_cost = None if assistant_cost is None else grow(assistant_cost, growth)
            authority_costs = [None if x is None else grow(x, growth) for x in authority_costs]
        rate_b1 = entry.coordination_rate_per_vzae if entry.coordination_rate_per_vzae is not None else rate_b1
        rate_assistant = entry.assistant_rate_per_vzae if entry.assistant_rate_per_vzae is not None else rate_assistant
        rate_b3 = entry.authorities_rate_per_vzae if entry.authorities_rate_per_vzae is not None else rate_b3
        add(entry.year)
    return years


def _next_year(previous: Instance, funding: Funding, growth: Fraction, entry: Year) -> Instance:
    """The next year's Baustein 2 instance, in this order: the members of ``leave`` are gone (and
    so from every ``share_with`` and ``serves``), the costs of the others grow, those of ``join``
    and ``join_traeger`` take part with the costs they give, then ``costs`` and ``budgets`` by
    name, then the fields of ``kommunen`` and ``traeger`` by name."""
    costs, budgets = entry.costs, entry.budgets
    index = previous.kommune_index()
    gone = {previous.kommunen[index[n]].name for n in entry.leave if n in index}
    gone_traeger = set(entry.leave) - set(index)

    def staying(names: list[str]) -> list[str]:
        return [n for n in names if previous.kommunen[index[n]].name not in gone]

    kreis = previous.kreis
    kreis_cost = costs.get(kreis.name, grow(kreis.cost_per_vzae, growth))
    kreis = kreis.model_copy(update={"cost_per_vzae": kreis_cost, "budget": budgets.get(kreis.name, kreis.budget)})
    kommunen = [
        k.model_copy(
            update={"share_with": staying(k.share_with)}
            | ({} if k.cost_per_vzae is None else {"cost_per_vzae": grow(k.cost_per_vzae, growth)})
        )
        for k in previous.kommunen
        if k.name not in gone
    ] + list(entry.join)
    traeger = [
        t.model_copy(update={"cost_per_vzae": grow(t.cost_per_vzae, growth), "serves": staying(t.serves)})
        for t in previous.traeger
        if t.name not in gone_traeger
    ] + list(entry.join_traeger)
    changes: dict[str, dict[str, object]] = {}
    for k in kommunen:
        update: dict[str, object] = {}
        keys = [key for key in (k.name, k.ags) if key is not None]
        for key in keys:
            if key in costs:
                update["cost_per_vzae"] = costs[key]
            if key in budgets:
                update["budget"] = budgets[key]
        for key in keys:  # the fields of ``kommunen`` last
            update |= entry.kommunen.get(key, {})
        changes[k.name] = update
    kommunen = [k.model_copy(update=changes[k.name]) for k in kommunen]
    traeger = [
        t.model_copy(
            update=({"cost_per_vzae": costs[t.name]} if t.name in costs else {}) | entry.traeger.get(t.name, {})
        )
        for t in traeger
    ]
    return previous.model_copy(update={"kreis": kreis, "funding": funding, "kommunen": kommunen, "traeger": traeger})
