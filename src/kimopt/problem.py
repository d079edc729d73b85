"""The instance and planning model compiled into integer units: hosts, links, weights, payers.

Every VZÄ quantity becomes a whole number of granularity units (``g`` = 0.1 VZÄ by default);
money stays in whole euros. Solver model, plan and checker all read this one compilation, so
they agree on who may serve whom and who pays for what. No OR-Tools here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Literal

from kimopt.data import MONTHS, Instance, Kommune, PlanningModel, Traeger

HostKind = Literal["kreis", "kommune", "traeger"]
# Why this order: the tie-break prefers a Kommune's own staff, then Träger, then the Kreis.
KIND_ORDER: dict[HostKind, int] = {"kommune": 0, "traeger": 1, "kreis": 2}
INT64_SAFE = 2**62


@dataclass(frozen=True)
class Host:
    """An employer of case managers."""

    name: str
    kind: HostKind
    record: int  # position in kommunen/traeger; -1 for the Kreis
    max_units: int | None  # None: only the funding cap limits (the Kreis)
    existing_units: int
    cost_per_vzae: int
    deficit_per_vzae: int  # d_h = max(0, cost - rate), per VZÄ and (whole) year
    kreis_pays: bool  # the Kreis carries this host's deficit, wholly or up to a cap
    kreis_deficit_per_vzae: int  # the Kreis's part of d_h: d_h, min(d_h, cap) or 0

    @property
    def payer_deficit_per_vzae(self) -> int:
        """The rest of ``d_h`` the Kreis does not carry: the employer's (a partner's part: the partner's)."""
        return self.deficit_per_vzae - self.kreis_deficit_per_vzae


@dataclass(frozen=True)
class Link:
    """Host ``host`` may serve Kommune ``kommune`` (indices into the problem's lists)."""

    host: int
    kommune: int
    shared: bool  # a Kommune host serving a sharing partner


HostKey = tuple[str, str]
"""A host by kind and name, the same in every year of a horizon."""


@dataclass(frozen=True)
class Carried:
    """What the year before leaves a later year (DESIGN §5, ``continuity``).

    Rule: every host holds at least the VZÄ it ``held`` the year before, except for cuts of at
    most ``allowance`` VZÄ in total (each cut in whole host steps, so the allowance is too).
    """

    held: Mapping[HostKey, Fraction]
    allowance: Fraction = Fraction(0)

    def among(self, instance: Instance) -> Carried:
        """What the members of this year's ``instance`` held: a member that has left takes its
        positions with it (they are no cut), one that joins held nothing."""
        members = {("kreis", instance.kreis.name)}
        members |= {("kommune", k.name) for k in instance.kommunen}
        members |= {("traeger", t.name) for t in instance.traeger}
        return Carried({key: vzae for key, vzae in self.held.items() if key in members}, self.allowance)


@dataclass(frozen=True)
class Problem:
    """A planning problem in integer units (one year: a later year of a horizon is ``carried``)."""

    instance: Instance
    model: PlanningModel
    hosts: tuple[Host, ...]
    links: tuple[Link, ...]
    weights: tuple[int, ...]  # integer key weights w_i of the Kommunen
    carried: Carried | None = None

    def held_units(self, h: int) -> int:
        """Units host ``h`` held before this year: its filled positions, or the year before's plan."""
        host = self.hosts[h]
        if self.carried is None:
            return host.existing_units
        return self.units(self.carried.held.get((host.kind, host.name), Fraction(0)))

    @cached_property
    def allowance_units(self) -> int:
        """The continuity cuts this year may make in total, units."""
        return 0 if self.carried is None else self.units(self.carried.allowance)

    @property
    def g(self) -> Fraction:
        """The granularity: VZÄ per unit."""
        return self.model.granularity_vzae

    def units(self, vzae: Fraction) -> int:
        """VZÄ to whole units; the value must be a multiple of the granularity."""
        return whole_units(vzae, self.g)

    def units_up(self, vzae: Fraction) -> int:
        """VZÄ to units, rounded up (for lower bounds such as the minimum host size)."""
        return math.ceil(vzae / self.g)

    def vzae(self, units: int | Fraction) -> Fraction:
        """Units back to VZÄ."""
        return Fraction(units) * self.g

    @cached_property
    def year_share(self) -> Fraction:
        """``months / 12``: every euro of the year (funding, cost, deficit) is pro rata (DESIGN §5)."""
        return Fraction(self.instance.funding.months, MONTHS)

    @cached_property
    def money_factor(self) -> Fraction:
        """Euros of the year per unit of the solver's money: ``d × g.numerator × units`` is
        ``g.denominator`` times the yearly euros ``d × VZÄ``, of which the year pays ``year_share``."""
        return self.year_share / self.g.denominator

    def money_limit(self, euros: int | Fraction) -> int:
        """A budget in the solver's money: the largest integer ``m`` with ``m × money_factor ≤ euros``."""
        return math.floor(euros / self.money_factor)

    @cached_property
    def positions(self) -> int:
        """Fundable positions P in units."""
        return self.units(self.instance.funding.positions_vzae)

    @cached_property
    def total_weight(self) -> int:
        """W, the sum of the key weights."""
        return sum(self.weights)

    @cached_property
    def kommune_order(self) -> tuple[int, ...]:
        """Kommune indices sorted by name: the solver model is built in this order."""
        return name_order(self.instance.kommunen)

    def kommunen_in_order(self) -> list[tuple[int, Kommune]]:
        """``(index, Kommune)`` pairs in :attr:`kommune_order`."""
        return [(i, self.instance.kommunen[i]) for i in self.kommune_order]

    @cached_property
    def kreis(self) -> int:
        """Index of the Kreis host (always 0)."""
        return 0

    @cached_property
    def links_of_host(self) -> tuple[tuple[int, ...], ...]:
        """For each host, the indices of its links."""
        out: list[list[int]] = [[] for _ in self.hosts]
        for li, link in enumerate(self.links):
            out[link.host].append(li)
        return tuple(tuple(x) for x in out)

    @cached_property
    def links_of_kommune(self) -> tuple[tuple[int, ...], ...]:
        """For each Kommune, the indices of the links serving it."""
        out: list[list[int]] = [[] for _ in self.instance.kommunen]
        for li, link in enumerate(self.links):
            out[link.kommune].append(li)
        return tuple(tuple(x) for x in out)

    def self_link(self, host: int) -> int | None:
        """The link of a Kommune host to itself."""
        h = self.hosts[host]
        if h.kind != "kommune":
            return None
        return next((li for li in self.links_of_host[host] if self.links[li].kommune == h.record), None)

    @cached_property
    def rank(self) -> tuple[int, ...]:
        """A canonical order of the links (kind, host name, Kommune name) for the tie-break."""
        kommunen = self.instance.kommunen
        order = sorted(
            range(len(self.links)),
            key=lambda li: (
                KIND_ORDER[self.hosts[self.links[li].host].kind],
                self.hosts[self.links[li].host].name,
                kommunen[self.links[li].kommune].name,
            ),
        )
        rank = [0] * len(self.links)
        for position, li in enumerate(order):
            rank[li] = position + 1
        return tuple(rank)


def whole_units(vzae: Fraction, g: Fraction) -> int:
    """VZÄ in units of ``g``; refuses a value off the granularity (loading checks it first)."""
    units = vzae / g
    if units.denominator != 1:
        raise ValueError(f"{vzae} VZÄ is not a multiple of the granularity {g}")
    return int(units)


def name_order(records: Sequence[Kommune] | Sequence[Traeger]) -> tuple[int, ...]:
    """Record positions sorted by name: the order the solver model is built in."""
    return tuple(sorted(range(len(records)), key=lambda i: records[i].name))


def _kommune_host(instance: Instance, model: PlanningModel, i: int, size: int, existing: int) -> Host:
    """Kommune ``i`` as a host of at most ``size`` units: its cost (else the Kreis's), its deficit
    and the Kreis's part of it (``kreis_covers_kommunen``, or up to its cap)."""
    kommune, kreis = instance.kommunen[i], instance.kreis
    cost = kommune.cost_per_vzae if kommune.cost_per_vzae is not None else kreis.cost_per_vzae
    deficit = max(0, cost - instance.funding.rate_per_vzae)
    cap = None if model.kreis_covers_kommunen else kommune.deficit_coverage_eur_per_vzae
    covered = model.kreis_covers_kommunen or cap is not None
    part = kreis_part(deficit, model.kreis_covers_kommunen, cap)
    return Host(kommune.name, "kommune", i, size, existing, cost, deficit, covered, part)


def kreis_part(deficit: int, covered: bool, cap: int | None) -> int:
    """The Kreis's part of a deficit per VZÄ and year: up to ``cap`` when capped, else all or nothing."""
    if cap is not None:
        return min(deficit, cap)
    return deficit if covered else 0


def key_weights(instance: Instance, model: PlanningModel) -> tuple[int, ...]:
    """Integer weights proportional to the key: ``share_i = Σ_k λ_k · x_ik / X_k``.

    With the default key (population only) the weights are the populations divided by their
    greatest common divisor; a mix of columns is brought to a common denominator exactly.
    """
    columns = {
        name: [Fraction(k.population) if name == "population" else k.indicators[name] for k in instance.kommunen]
        for name in model.key
    }
    shares = [Fraction(0)] * len(instance.kommunen)
    for name, weight in model.key.items():
        total = sum(columns[name], Fraction(0))
        if weight == 0 or total == 0:
            continue
        for i, value in enumerate(columns[name]):
            shares[i] += weight * value / total
    denominator = math.lcm(*(s.denominator for s in shares))
    ints = [int(s * denominator) for s in shares]
    divisor = math.gcd(*ints) or 1
    return tuple(x // divisor for x in ints)


def compile_problem(instance: Instance, model: PlanningModel, carried: Carried | None = None) -> Problem:
    """Hosts, links and weights of DESIGN §2 in integer units.

    Hosts: the Kreis, every Kommune with ``max_vzae > 0`` or filled positions (its maximum is
    then at least those), every Träger, and (last) every Kommune that held positions the year
    before but wants none now. Links: the Kreis to
    every Kommune; a Kommune host to itself and its sharing partners (symmetric); a Träger to
    the Kommunen it serves. Hosts and links are listed in an order that depends on names
    only (Kreis, Kommune hosts, Träger, each by name), so that an instance whose records are
    permuted compiles to the same solver model and hence to the same plan; Kommune indices
    stay the positions in the file. ``carried``: what the year before leaves this one.
    """
    g = model.granularity_vzae
    carried = None if carried is None else carried.among(instance)
    rate = instance.funding.rate_per_vzae
    index = instance.kommune_index()
    kommunen = instance.kommunen
    order = name_order(kommunen)
    by_name = {i: kommunen[i].name for i in range(len(kommunen))}
    kreis = instance.kreis
    hosts = [
        Host(
            kreis.name,
            "kreis",
            -1,
            None,
            whole_units(kreis.existing_vzae, g),
            kreis.cost_per_vzae,
            max(0, kreis.cost_per_vzae - rate),
            True,
            max(0, kreis.cost_per_vzae - rate),
        )
    ]
    links: list[Link] = [Link(0, i, False) for i in order]

    partners: list[set[int]] = [set() for _ in kommunen]
    for i, kommune in enumerate(kommunen):
        for other in kommune.share_with:
            j = index[other]
            if j != i:
                partners[i].add(j)
                partners[j].add(i)
    held_only: list[int] = []
    for i in order:
        kommune = kommunen[i]
        if kommune.max_vzae <= 0 and kommune.existing_vzae <= 0:
            if carried and carried.held.get(("kommune", kommune.name)):
                held_only.append(i)
            continue
        # Filled positions count as wanted: "we have 1.0 VZÄ and want no more" is max_vzae 0.
        size = whole_units(max(kommune.max_vzae, kommune.existing_vzae), g)
        hosts.append(_kommune_host(instance, model, i, size, whole_units(kommune.existing_vzae, g)))
        h = len(hosts) - 1
        links.append(Link(h, i, False))
        links.extend(Link(h, j, True) for j in sorted(partners[i], key=by_name.__getitem__))
    for t in name_order(instance.traeger):
        traeger = instance.traeger[t]
        deficit = max(0, traeger.cost_per_vzae - rate)
        hosts.append(
            Host(
                traeger.name,
                "traeger",
                t,
                whole_units(traeger.max_vzae, g),
                whole_units(traeger.existing_vzae, g),
                traeger.cost_per_vzae,
                deficit,
                traeger.kreis_covers,
                kreis_part(deficit, traeger.deficit_coverage, traeger.deficit_coverage_eur_per_vzae),
            )
        )
        h = len(hosts) - 1
        served = {index[name] for name in traeger.serves}
        links.extend(Link(h, j, False) for j in sorted(served, key=by_name.__getitem__))
    # A Kommune that no longer wants positions (max_vzae 0) but held some the year before stays
    # a host of at most 0 VZÄ, so its cut is counted and stated. Listed last: the indices of every
    # other host and link are those of the year without what the year before left (--fix rows).
    for i in held_only:
        hosts.append(_kommune_host(instance, model, i, 0, 0))
        links.append(Link(len(hosts) - 1, i, False))
    return Problem(instance, model, tuple(hosts), tuple(links), key_weights(instance, model), carried)
