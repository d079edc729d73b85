"""Budget thresholds: the least budget increase of each payer that changes the plan."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from kimopt.analysis.sensitivity.base import Progress, Solved, each_in_parallel, optimal_base, solve_instance
from kimopt.data import Instance, PlanningModel
from kimopt.problem import Carried, Problem


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
    verified: bool = True  # re-solved: one euro below keeps the plan, the threshold changes it


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
    if payer is None:
        kreis = instance.kreis.model_copy(update={"budget": budget})
        return instance.model_copy(update={"kreis": kreis})
    kommunen = list(instance.kommunen)
    kommunen[payer] = kommunen[payer].model_copy(update={"budget": budget})
    return instance.model_copy(update={"kommunen": kommunen})


def budget_thresholds(
    instance: Instance,
    model: PlanningModel,
    time_limit: float | None = None,
    progress: Progress = None,
    carried: Carried | None = None,
    fixed: Mapping[str, Fraction] | None = None,
) -> list[BudgetThreshold]:
    """For the Kreis and every Kommune with a budget: the smallest increase changing the plan.

    A year of a horizon: ``instance`` is the solver's view, each budget less ``fixed`` (a payer's
    Eigenanteil of Bausteine 1 and 3); the budgets and thresholds reported are the whole budgets,
    ``carried`` (the years before) is held fixed.
    """
    base = optimal_base(instance, model, time_limit, carried)
    fixed = fixed or {}
    payers: list[tuple[int | None, str, str, int | Fraction]] = []
    if instance.kreis.budget is not None:
        payers.append((None, instance.kreis.name, "kreis", instance.kreis.budget))
    payers += [(i, k.name, "kommune", k.budget) for i, k in enumerate(instance.kommunen) if k.budget is not None]
    jobs = [
        (instance, model, base, payer, name, kind, budget, time_limit, fixed.get(name, Fraction(0)))
        for payer, name, kind, budget in payers
    ]
    return each_in_parallel(_threshold, jobs, [name for _, name, _, _ in payers], progress)


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
) -> BudgetThreshold:
    """The threshold of one payer (one task of the parallel search), on its whole budget
    (``budget`` left for Baustein 2 plus the ``fixed`` Eigenanteil of Bausteine 1 and 3).

    A budget with no payment level above it (the payer pays for no new position of any host)
    can change nothing: no re-solve is needed to say so.
    """
    assert base.plan is not None
    problem = base.plan.problem
    whole = budget + fixed
    assert whole.denominator == 1  # a budget of the file, less the fixed part, plus it again
    total = int(whole)
    cache: dict[int | None, Solved] = {total: base}

    def at(value: int | None) -> Solved:
        if value not in cache:
            left = None if value is None else value - fixed
            cache[value] = solve_instance(_with_budget(instance, payer, left), model, time_limit, base.carried)
        return cache[value]

    # a year of fewer months pays months/12 of each deficit (DESIGN §5)
    levels = payment_levels(_deficits(problem, payer), problem.g * problem.year_share, problem.positions, total, fixed)
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
    base: Solved, name: str, kind: str, budget: int, found: int | None, at: Callable[[int | None], Solved]
) -> BudgetThreshold:
    assert base.plan is not None
    if found is None:
        return BudgetThreshold(name, kind, budget, None, base.plan.eigenanteil, None)
    after = at(found)
    verified = at(found - 1).units == base.units and after.units != base.units
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
