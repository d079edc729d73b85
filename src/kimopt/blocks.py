"""Kreis blocks: the levels after proportionality, solved one block of Kommunen at a time.

Once ``proportionality`` is proven at the largest-remainder bound, every Kommune's coverage
``c_i`` is fixed (:mod:`kimopt.cpsat.remainders`; the Kommunen tied at the threshold share one
sum), so the Kreis serves each Kommune what the other hosts leave,
``a[K,i] = c_i − Σ_{h≠K} a[h,i]``. A *block* is a set of Kommunen joined by the Kommune hosts
and Träger that may serve them; the tied Kommunen form one block together. Blocks share
nothing but the Kreis. A Kommune that only the Kreis serves, and that is not tied, has
nothing left to decide.

**Relaxation.** Leave out the Kreis's own rules: its share, its size in whole steps, its
filled positions and its budget (the funding cap holds with the fixed coverages). What is
left falls apart into one problem per block, and every later level becomes a sum over the
blocks plus a constant, at least as good as the level itself:

- ``partner_share``: ``N − H_K`` for ``min(N − H_K, (1 − s)·N)``;
- ``own_cost`` and ``stability``: ``Σ_b H_K,b − E_K`` for the Kreis's
  ``max(0, H_K − E_K)`` and ``|H_K − E_K|``;
- ``fewer_hosts``: the Kreis counted once if every plan employs it, else not at all;
- the tie-break ``Σ_l rank_l · a_l`` exactly.

So the relaxation's lexicographic optimum is every block at its own, found block by block in
small models. **Certificate.** If the combined plan keeps every rule (the independent
checker) and its values equal the relaxed ones — the Kreis keeps at least ``E_K`` (its share
the checker sees), and it employs someone only if every plan does — then no plan of the whole
model is better on any level: the plan is optimal, tie-break included. Otherwise the whole
model is solved as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from kimopt.cpsat.remainders import RemainderOptimum
from kimopt.data import Instance, Objective
from kimopt.problem import Host, Problem, compile_problem
from kimopt.rules import BUDGET_KREIS, EXISTING, FUNDING_CAP, HOST_SIZE, KREIS_SHARE, PROVIDER_AREA

LATER_LEVELS = frozenset({"partner_share", "own_cost", "stability", "fewer_hosts"})
"""The levels that separate by block once the coverages are fixed."""

MIN_KOMMUNEN = 300
"""Fewer Kommunen are solved as one model. Every Kreis of Germany (at most 235 Gemeinden) is
proven that way in well under a second, where the many small block solves cost more (all 400
Kreise as a batch: 8.2 s as one model each, 10.0 s by blocks); all of NRW as one Kreis (396
Gemeinden) takes 17.8 s as one model and 2.1 s by blocks."""


@dataclass(frozen=True)
class Block:
    """One block: its own problem and how its links and Kommunen sit in the whole problem."""

    problem: Problem  # the block's Kommunen, hosts and links; its Kreis without the Kreis's own rules
    kommunen: tuple[int, ...]  # for each Kommune of the block, the Kommune of the whole problem
    links: tuple[int, ...]  # for each link of the block, the link of the whole problem
    coverage: tuple[tuple[int, int], ...]  # for each Kommune of the block, its least and most units
    tied: tuple[int, ...]  # the block's Kommunen tied at the threshold (between ⌊e_i⌋ and ⌊e_i⌋ + 1) …
    tied_units: int  # … and what they receive together
    rank: tuple[int, ...]  # the whole problem's tie-break rank of each link of the block

    @property
    def relaxed(self) -> frozenset[tuple[str, str]]:
        """The Kreis's size in whole steps is a rule of the whole plan, not of one block."""
        return frozenset({(HOST_SIZE.name, self.problem.hosts[self.problem.kreis].name)})


@dataclass(frozen=True)
class Partition:
    """The blocks of a problem, and the Kreis links that have nothing left to decide."""

    problem: Problem
    groups: tuple[tuple[int, ...], ...]  # the Kommunen of each block
    bounds: tuple[tuple[int, int], ...]  # for each Kommune, its least and most units
    settled: tuple[tuple[int, int], ...]  # (link, units): the Kreis serves the whole coverage
    tied: frozenset[int] = frozenset()  # the Kommunen tied at the threshold …
    tied_units: int = 0  # … and what they receive together

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """Each block as a problem of its own (compiled only when they are solved)."""
        index = self.problem.instance.kommune_index()
        return tuple(_block(self, index, members) for members in self.groups)


def applies(objectives: list[Objective]) -> bool:
    """Whether every level after ``proportionality`` separates by block."""
    names = [o.name for o in objectives]
    if names[:2] != ["use_positions", "proportionality"] or (objectives[1].measure or "l1") != "l1":
        return False
    return bool(names[2:]) and set(names[2:]) <= LATER_LEVELS


def large_enough(problem: Problem) -> bool:
    """Whether the problem has the :data:`MIN_KOMMUNEN` that make blocks pay (and is no later year:
    the relaxation leaves out the Kreis's rules, and continuity is one of them)."""
    return problem.carried is None and len(problem.instance.kommunen) >= MIN_KOMMUNEN


def partition(problem: Problem, optimum: RemainderOptimum) -> Partition:
    """Split the Kommunen into blocks joined by their non-Kreis hosts (and the tie)."""
    n = len(problem.instance.kommunen)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(members: list[int]) -> None:
        for other in members[1:]:
            parent[root(other)] = root(members[0])

    decided = [False] * n
    for h in range(len(problem.hosts)):
        if h == problem.kreis:
            continue
        members = [problem.links[li].kommune for li in problem.links_of_host[h]]
        join(members)
        for i in members:
            decided[i] = True
    join(list(optimum.tied))
    for i in optimum.tied:
        decided[i] = True

    tied = set(optimum.tied)
    bounds = []
    for i, floor in enumerate(optimum.floor):
        fixed = floor + (i in optimum.up)
        bounds.append((floor, floor + 1) if i in tied else (fixed, fixed))
    groups: dict[int, list[int]] = {}
    settled: list[tuple[int, int]] = []
    for i in problem.kommune_order:
        if decided[i]:
            groups.setdefault(root(i), []).append(i)
        else:
            settled.extend((li, bounds[i][0]) for li in problem.links_of_kommune[i])
    tied_units = sum(optimum.floor[i] for i in optimum.tied) + optimum.tied_up
    joined = tuple(tuple(group) for group in groups.values())
    return Partition(problem, joined, tuple(bounds), tuple(settled), frozenset(tied), tied_units)


def _block(split: Partition, index: dict[str, int], members: tuple[int, ...]) -> Block:
    """The block of ``members`` (whole-problem Kommune indices) as a problem of its own.

    Its Kommune ``k`` is ``members[k]``; its Kreis has no budget and no filled positions (and
    another name where a Kommune or Träger of the block has the Kreis's), and its Kreis share is
    0, so each level counts only what the block decides.
    """
    problem, bounds, tied = split.problem, split.bounds, split.tied
    instance = problem.instance
    inside = {instance.kommunen[i].name for i in members}

    def within(names: list[str]) -> list[str]:
        return [name for name in names if instance.kommunen[index[name]].name in inside]

    kommunen = [
        instance.kommunen[i].model_copy(update={"share_with": within(instance.kommunen[i].share_with)}) for i in members
    ]
    serving = {problem.hosts[problem.links[li].host] for i in members for li in problem.links_of_kommune[i]}
    traeger = [instance.traeger[t] for t in sorted(host.record for host in serving if host.kind == "traeger")]
    names = {k.name for k in kommunen} | {t.name for t in traeger}
    kreis_name = instance.kreis.name
    while kreis_name in names:  # the Kreis's relaxed rules are named by it: no Kommune may share the name
        kreis_name += " (Kreis)"
    ties = tuple(k for k, i in enumerate(members) if i in tied)
    units = sum(bounds[i][0] for i in members if i not in tied) + (split.tied_units if ties else 0)
    sub: Instance = instance.model_copy(
        update={
            "kommunen": kommunen,
            "traeger": traeger,
            "kreis": instance.kreis.model_copy(
                update={"name": kreis_name, "budget": None, "existing_vzae": Fraction(0)}
            ),
            "funding": instance.funding.model_copy(update={"positions_vzae": problem.vzae(units)}),
        }
    )
    objectives = [o for o in problem.model.objectives if o.name in LATER_LEVELS]
    # no level of a block reads the key: the plain population key keeps its weights small
    neutral = {"kreis_min_share": Fraction(0), "quota_rule": False, "key": {"population": Fraction(1)}}
    settings = problem.model.model_copy(update={**neutral, "objectives": objectives})
    block = compile_problem(sub, settings)
    whole = {_key(problem, li): li for i in members for li in problem.links_of_kommune[i]}
    links = tuple(whole[_key(block, li)] for li in range(len(block.links)))
    coverage = tuple(bounds[i] for i in members)
    tied_units = split.tied_units if ties else 0
    return Block(block, members, links, coverage, ties, tied_units, tuple(problem.rank[li] for li in links))


def _key(problem: Problem, li: int) -> tuple[str, str, str]:
    link = problem.links[li]
    host = problem.hosts[link.host]
    return host.kind, "" if host.kind == "kreis" else host.name, problem.instance.kommunen[link.kommune].name


def worthwhile(problem: Problem, split: Partition, used: int, off: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether solving block by block is worth trying: the blocks split the problem, and no
    rule of the Kreis can bind in any plan, so the certificate can only fail by a defect.

    The Kommune hosts and Träger take at most ``Σ_h min(max_h, Σ_i most_i)`` units; that must
    leave the Kreis its share, its filled positions and its smallest size. The Kreis pays at
    most the largest deficit it carries for every unit; that must fit its budget. Where
    ``fewer_hosts`` counts the Kreis, every plan must employ someone there.

    ``off``: rule instances switched off (the binding-rule analysis asks whether the argument
    still holds with one rule relaxed). A Kommune host's size or a Träger's capacity off lifts
    its maximum; with a rule of the Kreis off (:func:`kreis_rules`) the argument does not hold.
    """
    if len(split.groups) < 2 and not split.settled:
        return False
    if off & kreis_rules(problem):
        return False
    most = [top for _, top in split.bounds]
    others = 0
    for h, host in enumerate(problem.hosts):
        if h != problem.kreis:
            reach = sum(most[problem.links[li].kommune] for li in problem.links_of_host[h])
            limit = None if _limit_rule(host) in off else host.max_units
            others += reach if limit is None else min(limit, reach)
    share = problem.model.kreis_min_share
    kreis = problem.hosts[problem.kreis]
    if share.denominator * others > (share.denominator - share.numerator) * used:
        return False
    step = problem.units(problem.model.host_step_vzae)
    smallest = step * max(1, -(-problem.units_up(problem.model.min_host_vzae) // step)) if used else 0
    if others > used - max(kreis.existing_units, smallest):
        return False
    if _counts_hosts(problem) and not kreis_always_employs(problem, used, split):
        return False
    budget = problem.instance.kreis.budget
    if budget is None:
        return True
    deficits = [host.deficit_per_vzae for host in problem.hosts if host.kreis_pays]
    return max(deficits, default=0) * problem.vzae(used) <= budget


def kreis_rules(problem: Problem) -> frozenset[tuple[str, str]]:
    """The rule instances of the Kreis itself, which the relaxation leaves out: the funding cap,
    the Kreis's share, its budget, its size and its filled positions."""
    kreis = problem.hosts[problem.kreis].name
    return frozenset(
        {
            (FUNDING_CAP.name, ""),
            (KREIS_SHARE.name, ""),
            (BUDGET_KREIS.name, ""),
            (HOST_SIZE.name, kreis),
            (EXISTING.name, kreis),
        }
    )


def _limit_rule(host: Host) -> tuple[str, str]:
    """The rule that gives a Kommune host or a Träger its maximum."""
    return (HOST_SIZE.name if host.kind == "kommune" else PROVIDER_AREA.name, host.name)


def kreis_always_employs(
    problem: Problem, used: int, split: Partition, off: frozenset[tuple[str, str]] = frozenset()
) -> bool:
    """Whether every plan with ``used`` units gives the Kreis positions: its share, its filled
    positions, or a Kommune with coverage that only the Kreis serves. ``off``: rule instances
    switched off (the share and the filled positions count only while their rule holds)."""
    kreis = problem.hosts[problem.kreis]
    return (
        (problem.model.kreis_min_share > 0 and used > 0 and (KREIS_SHARE.name, "") not in off)
        or (problem.model.keep_existing and kreis.existing_units > 0 and (EXISTING.name, kreis.name) not in off)
        or any(units > 0 for _, units in split.settled)
    )


def bounds_later_levels(problem: Problem, used: int, split: Partition, off: frozenset[tuple[str, str]]) -> bool:
    """Whether the relaxation still bounds every plan's later levels with the rules ``off``
    switched off: it counts the Kreis in ``fewer_hosts`` only where every plan employs it."""
    return not _counts_hosts(problem) or kreis_always_employs(problem, used, split, off)


def meets_relaxed_values(problem: Problem, units: list[int], used: int, split: Partition) -> bool:
    """Whether the plan's values equal the relaxation's (see the module docstring).

    The Kreis's share is a rule and is left to the checker.
    """
    kreis = problem.hosts[problem.kreis]
    hosted = sum(units[li] for li in problem.links_of_host[problem.kreis])
    if hosted < kreis.existing_units:
        return False
    return not (_counts_hosts(problem) and hosted > 0 and not kreis_always_employs(problem, used, split))


def _counts_hosts(problem: Problem) -> bool:
    return any(o.name == "fewer_hosts" for o in problem.model.objectives)
