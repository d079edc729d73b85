"""Budget thresholds: the least budget increase of each payer that changes the plan."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from kimopt.analysis.sensitivity.base import Progress, Solved, each_in_parallel, optimal_base, proven, solve_instance
from kimopt.analysis.sensitivity.least_budget import Undecided, least_changing_budget
from kimopt.data import Instance, PlanningModel
from kimopt.problem import Carried, Problem, compile_problem


@dataclass(frozen=True)
class LinkChange:
    """A link whose VZÄ differ between the plan and the plan with the raised budget."""

    host: str
    kommune: str
    before: Fraction
    after: Fraction


@dataclass(frozen=True)
class BudgetThreshold:
    """The smallest budget increase that changes the plan (None: no increase changes it)."""

    payer: str
    payer_type: str  # "kreis" or "kommune"
    budget: int
    increase: int | None
    eigenanteil_before: Fraction
    eigenanteil_after: Fraction | None
    changes: tuple[LinkChange, ...] = ()
    verified: bool = True  # one euro below keeps the plan (proven or re-solved), the threshold changes it (re-solved)


def _deficits(problem: Problem, payer: int | None) -> list[int]:
    """The payer's parts of the deficits per VZÄ and year of the hosts whose new positions it
    pays (None: the Kreis, its covered part; a Kommune: what Kommune hosts serving it leave)."""
    found = set()
    for h, host in enumerate(problem.hosts):
        if payer is None:
            part = host.kreis_deficit_per_vzae
        elif host.kind == "kommune" and any(problem.links[li].kommune == payer for li in problem.links_of_host[h]):
            part = host.payer_deficit_per_vzae
        else:
            part = 0
        if part > 0:
            found.add(part)
    return sorted(found)


def payment_levels(
    deficits: Sequence[int], g: Fraction, units: int, above: int, fixed: Fraction = Fraction(0)
) -> list[int]:
    """Whole-euro budgets at which ``fixed + Σ n_d·g·d ≤ budget`` admits a new payment: the sums
    ``fixed + g·Σ n_d·d`` (``Σ n_d ≤ units``) above ``above``, rounded up to whole euros, ascending.
    ``fixed``: what the payer pays for Bausteine 1 and 3 out of the same budget."""
    reached = {(0, 0)}  # (Σ n_d·d, Σ n_d)
    for deficit in deficits:
        reached = {(total + n * deficit, count + n) for total, count in reached for n in range(units - count + 1)}
    levels = {math.ceil(fixed + g * total) for total, _ in reached}
    return sorted(level for level in levels if level > above)


def _with_budget(instance: Instance, payer: int | None, budget: int | Fraction | None) -> Instance:
    return _with_budgets(instance, {payer: budget})


def _with_budgets(instance: Instance, budgets: Mapping[int | None, int | Fraction | None]) -> Instance:
    """``instance`` with these payers' budgets (``None`` as a payer: the Kreis; as a budget: unlimited)."""
    if None in budgets:
        instance = instance.model_copy(update={"kreis": instance.kreis.model_copy(update={"budget": budgets[None]})})
    kommunen = list(instance.kommunen)
    for payer, budget in budgets.items():
        if payer is not None:
            kommunen[payer] = kommunen[payer].model_copy(update={"budget": budget})
    return instance.model_copy(update={"kommunen": kommunen})


def budget_thresholds(
    instance: Instance,
    model: PlanningModel,
    time_limit: float | None = None,
    progress: Progress = None,
    carried: Carried | None = None,
    fixed: Mapping[str, Fraction] | None = None,
    base: Solved | None = None,
) -> list[BudgetThreshold]:
    """For the Kreis and every Kommune with a budget: the smallest increase changing the plan.

    A year of a horizon: ``instance`` is the solver's view, each budget less ``fixed`` (a payer's
    Eigenanteil of Bausteine 1 and 3); the budgets and thresholds reported are the whole budgets,
    ``carried`` (the years before) is held fixed. ``base``: the optimal plan of ``instance``
    when the caller has it already.

    Each payer's threshold is first the least payment of a plan before the base plan
    (:mod:`~kimopt.analysis.sensitivity.least_budget`); for the payers this leaves open, which
    unlimited budgets change the plan at all is found in groups (:func:`_unlimited_changes`),
    and only those are bisected.
    """
    base = base or optimal_base(instance, model, time_limit, carried)
    assert base.plan is not None
    problem = base.plan.problem
    fixed = fixed or {}
    payers: list[tuple[int | None, str, str, int | Fraction]] = []
    if instance.kreis.budget is not None:
        payers.append((None, instance.kreis.name, "kreis", instance.kreis.budget))
    payers += [(i, k.name, "kommune", k.budget) for i, k in enumerate(instance.kommunen) if k.budget is not None]
    levels = {payer: _levels(problem, payer, budget, fixed.get(name, Fraction(0))) for payer, name, _, budget in payers}
    searched = [(payer, name, budget) for payer, name, _, budget in payers if levels[payer]]
    proofs = each_in_parallel(
        _least_budget,
        [
            (instance, model, base, payer, budget, fixed.get(name, Fraction(0)), levels[payer])
            for payer, name, budget in searched
        ],
        [f"{name}: kleinstes Budget, das den Plan ändert" for _, name, _ in searched],
        progress,
    )
    least = {payer: proof for (payer, _, _), proof in zip(searched, proofs, strict=True)}
    unlimited = _unlimited_changes(
        instance, model, base, [payer for payer, _, _ in searched if least[payer] is None], time_limit, progress
    )
    jobs = [
        (
            instance,
            model,
            base,
            payer,
            name,
            kind,
            budget,
            time_limit,
            fixed.get(name, Fraction(0)),
            unlimited.get(payer),
            least.get(payer),
        )
        for payer, name, kind, budget in payers
    ]
    return each_in_parallel(_threshold, jobs, [name for _, name, _, _ in payers], progress)


def _levels(problem: Problem, payer: int | None, budget: int | Fraction, fixed: Fraction) -> list[int]:
    """The payer's payment levels above its whole budget (a year of fewer months pays months/12
    of each deficit, DESIGN §5)."""
    whole = budget + fixed
    assert whole.denominator == 1  # a budget of the file, less the fixed part, plus it again
    g = problem.g * problem.year_share
    return payment_levels(_deficits(problem, payer), g, problem.positions, int(whole), fixed)


@dataclass(frozen=True)
class Least:
    """A threshold proven by the least payment of a plan before the base plan (``None``: no
    budget changes it)."""

    budget: int | None


def _least_budget(
    instance: Instance,
    model: PlanningModel,
    base: Solved,
    payer: int | None,
    budget: int | Fraction,
    fixed: Fraction,
    levels: Sequence[int],
) -> Least | None:
    """The payer's threshold by :func:`~kimopt.analysis.sensitivity.least_budget.least_changing_budget`
    (``None``: not decided there, so re-solves decide it); ``levels``: its payment levels.

    Valid for a first or only year whose levels begin with ``use_positions`` (then ``N_used*``,
    and with it the order of the plans, is level 1's) and a base plan proven to the strict
    tie-break."""
    if base.carried is not None or not proven(base) or model.objectives[0].name != "use_positions":
        return None
    assert base.plan is not None
    unlimited = compile_problem(_with_budget(instance, payer, None), model)
    if len(unlimited.links) != len(base.plan.problem.links):
        return None
    try:
        found = least_changing_budget(unlimited, base.plan, payer, budget, fixed, model.seed)
    except Undecided:
        return None
    if found is not None and found not in levels:
        return None  # not a payment level: let the re-solves decide
    return Least(found)


def _unlimited_changes(
    instance: Instance,
    model: PlanningModel,
    base: Solved,
    payers: Sequence[int | None],
    time_limit: float | None,
    progress: Progress,
) -> dict[int | None, Solved]:
    """The payers whose budget, made unlimited alone, changes the plan, each with that plan.

    Tested in groups: every budget of a group unlimited at once. The plans with more budget
    contain those with less, and the optimal plan is the first in one total order (the levels,
    then the strict tie-break), so a plan that stays optimal in the larger set stays optimal in
    every set between: a group whose unlimited budgets keep the plan clears all its members
    with one solve. A group that changes the plan is halved; one whose plan is not proven
    (the tie-break cut short) proves nothing and is split into its members. A single payer's
    solve is its plan without limit. The groups of a round are solved in parallel.
    """
    changed: dict[int | None, Solved] = {}
    groups = [list(payers)] if payers else []
    round_ = 0
    while groups:
        round_ += 1
        labels = [f"Budgets ohne Grenze, Runde {round_}: {len(group)} auf einmal" for group in groups]
        jobs = [
            (_with_budgets(instance, dict.fromkeys(group)), model, time_limit, base.carried, base.units)
            for group in groups
        ]
        solved = each_in_parallel(solve_instance, jobs, labels, progress)
        later: list[list[int | None]] = []
        for group, plan in zip(groups, solved, strict=True):
            if len(group) == 1:
                if plan.units != base.units or not proven(plan):
                    changed[group[0]] = plan
            elif not proven(plan):
                later += [[payer] for payer in group]
            elif plan.units != base.units:
                half = len(group) // 2
                later += [group[:half], group[half:]]
        groups = later
    return changed


def _threshold(
    instance: Instance,
    model: PlanningModel,
    base: Solved,
    payer: int | None,
    name: str,
    kind: str,
    budget: int | Fraction,
    time_limit: float | None,
    fixed: Fraction = Fraction(0),
    unlimited: Solved | None = None,
    least: Least | None = None,
) -> BudgetThreshold:
    """The threshold of one payer (one task of the parallel search), on its whole budget
    (``budget`` left for Baustein 2 plus the ``fixed`` Eigenanteil of Bausteine 1 and 3).

    A budget with no payment level above it (the payer pays for no new position of any host)
    can change nothing: no re-solve is needed to say so. ``unlimited``: the plan with this
    budget unlimited where it differs from ``base`` (``None``: it keeps the base plan,
    :func:`_unlimited_changes`). ``least``: the threshold already proven (:func:`_least_budget`);
    only the plan at it is re-solved.
    """
    assert base.plan is not None
    problem = base.plan.problem
    total = int(budget + fixed)
    cache: dict[int | None, Solved] = {total: base, None: unlimited or base}

    def at(value: int | None) -> Solved:
        if value not in cache:
            left = None if value is None else value - fixed
            changed = _with_budget(instance, payer, left)
            cache[value] = solve_instance(changed, model, time_limit, base.carried, base.units)
        return cache[value]

    if least is not None:
        return _budget_result(base, name, kind, total, least.budget, at, below_proven=True)
    levels = _levels(problem, payer, budget, fixed)
    found = None
    if levels and at(None).units != base.units:
        lo, hi = 0, len(levels) - 1  # at(levels[-1]) is as good as unlimited
        if at(levels[hi]).units != base.units:
            while lo < hi:
                mid = (lo + hi) // 2
                if at(levels[mid]).units != base.units:
                    hi = mid
                else:
                    lo = mid + 1
            found = levels[lo]
            if at(found - 1).units != base.units:
                # the bisection's premise failed (plans not nested here): take the first
                # level that changes the plan, level by level
                found = next(level for level in levels if at(level).units != base.units)
    return _budget_result(base, name, kind, total, found, at)


def _budget_result(
    base: Solved,
    name: str,
    kind: str,
    budget: int,
    found: int | None,
    at: Callable[[int | None], Solved],
    below_proven: bool = False,
) -> BudgetThreshold:
    """The threshold ``found`` with the plan there; verified when one euro below keeps the plan
    (``below_proven``: shown by the least payment, else re-solved) and the threshold changes it."""
    assert base.plan is not None
    if found is None:
        return BudgetThreshold(name, kind, budget, None, base.plan.eigenanteil, None)
    after = at(found)
    verified = (below_proven or at(found - 1).units == base.units) and after.units != base.units
    problem = base.plan.problem
    changes = []
    if after.units is not None and base.units is not None:
        for index, (old, new) in enumerate(zip(base.units, after.units, strict=True)):
            if old != new:
                link = problem.links[index]
                changes.append(
                    LinkChange(
                        problem.hosts[link.host].name,
                        problem.instance.kommunen[link.kommune].name,
                        problem.vzae(old),
                        problem.vzae(new),
                    )
                )
    return BudgetThreshold(
        name,
        kind,
        budget,
        found - budget,
        base.plan.eigenanteil,
        after.plan.eigenanteil if after.plan else None,
        tuple(changes),
        verified,
    )
