"""Population thresholds: the fewest inhabitants more or fewer that change a Kommune's coverage."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from kimopt.analysis.sensitivity.base import Progress, optimal_base, solve_instance
from kimopt.data import Instance, PlanningModel


@dataclass(frozen=True)
class Step:
    """The smallest population change that moves a Kommune's coverage, verified on both sides."""

    inhabitants: int  # how many more (or fewer)
    coverage_before: Fraction  # at inhabitants − 1: unchanged
    coverage_after: Fraction | None  # at inhabitants (None: no plan there)


@dataclass(frozen=True)
class PopulationThreshold:
    """For one Kommune: ``+X`` / ``−Y`` inhabitants that change its coverage (None: none found)."""

    kommune: str
    population: int
    coverage: Fraction
    increase: Step | None
    decrease: Step | None
    solves: int


def _with_population(instance: Instance, i: int, population: int) -> Instance:
    kommunen = list(instance.kommunen)
    kommunen[i] = kommunen[i].model_copy(update={"population": population})
    return instance.model_copy(update={"kommunen": kommunen})


def population_thresholds(
    instance: Instance,
    model: PlanningModel,
    time_limit: float | None = None,
    progress: Progress = None,
    kommunen: Sequence[int] | None = None,
) -> list[PopulationThreshold]:
    """For every Kommune (or those in ``kommunen``): the smallest ``+X`` / ``−Y`` inhabitants
    that change its coverage in the optimal plan.

    Searched up to the Kreis's whole population more and down to 0 inhabitants (see the
    module docstring).
    """
    base = optimal_base(instance, model, time_limit)
    assert base.coverage is not None
    total = sum(k.population for k in instance.kommunen)
    chosen = range(len(instance.kommunen)) if kommunen is None else kommunen
    out = []
    for i in chosen:
        kommune = instance.kommunen[i]
        if progress:
            progress(kommune.name)
        cache: dict[int, Fraction | None] = {kommune.population: base.coverage[i]}

        def coverage_at(
            population: int,
            i: int = i,
            cache: dict[int, Fraction | None] = cache,
        ) -> Fraction | None:
            if population not in cache:
                changed = _with_population(instance, i, population)
                solved = solve_instance(changed, model, time_limit)
                cache[population] = solved.coverage[i] if solved.coverage is not None else None
            return cache[population]

        guess = _first_guess(instance, model, i, total)
        hare = _hare_coverage(instance, model, i, base.plan.used if base.plan else Fraction(0))
        up = _search(
            coverage_at, kommune.population, +1, total, guess, _hint(hare, kommune.population, +1, total, guess)
        )
        down = _search(
            coverage_at,
            kommune.population,
            -1,
            kommune.population,
            guess,
            _hint(hare, kommune.population, -1, kommune.population, guess),
        )
        out.append(PopulationThreshold(kommune.name, kommune.population, base.coverage[i], up, down, len(cache) - 1))
    return out


def _first_guess(instance: Instance, model: PlanningModel, i: int, total: int) -> int:
    """A start for the doubling search: about a quarter granularity step of the target.

    ``de_i/dp_i = N·(W − p_i)/W²``; only a starting point — exactness comes from the search.
    """
    others = max(total - instance.kommunen[i].population, 1)
    positions = instance.funding.positions_vzae
    per_step = model.granularity_vzae * total * total / (positions * others)
    return max(1, math.floor(per_step / 4))


def _hare_coverage(
    instance: Instance, model: PlanningModel, i: int, used: Fraction
) -> Callable[[int], Fraction | None]:
    """Kommune ``i``'s Hare–Niemeyer VZÄ at granularity ``g`` for a given population of it.

    Without binding rules the L1-optimal coverage is exactly this rounding (with ``k`` round-ups
    ``Σ|c − e| = k − 2·Σ_up r + Σ r`` is least for the largest remainders ``r``), so it predicts
    where the plan changes. Only a hint for the search: every threshold is re-solved.
    """
    from kimopt.analysis.apportion import apportion
    from kimopt.problem import key_weights

    g = model.granularity_vzae
    house = int(used / g)

    def coverage(population: int) -> Fraction | None:
        weights = key_weights(_with_population(instance, i, population), model)
        if house == 0 or not any(weights):
            return None
        return apportion(weights, house, "hare-niemeyer").seats[i] * g

    return coverage


def _hint(predict: Callable[[int], Fraction | None], population: int, sign: int, limit: int, guess: int) -> int | None:
    found = _search(predict, population, sign, limit, guess)
    return None if found is None else found.inhabitants


def _search(
    coverage_at: Callable[[int], Fraction | None],
    population: int,
    sign: int,
    limit: int,
    guess: int,
    hint: int | None = None,
) -> Step | None:
    """Smallest ``d`` in ``1..limit`` with ``coverage(p + sign·d) ≠ coverage(p)``, else None.

    Doubling from ``guess`` until the coverage changes, then bisection. A ``hint`` (a predicted
    threshold) is probed first, with the population one below it.
    """
    if limit <= 0:
        return None
    start = coverage_at(population)
    unchanged, delta = 0, min(guess, limit)
    if hint is not None and 0 < hint <= limit:
        if coverage_at(population + sign * hint) == start:
            unchanged, delta = hint, min(2 * hint, limit)
        elif hint == 1 or coverage_at(population + sign * (hint - 1)) == start:
            unchanged, delta = hint - 1, hint
        else:
            delta = hint - 1
    while coverage_at(population + sign * delta) == start:
        if delta == limit:
            return None
        unchanged, delta = delta, min(2 * delta, limit)
    changed = delta
    while changed - unchanged > 1:
        middle = (unchanged + changed) // 2
        if coverage_at(population + sign * middle) == start:
            unchanged = middle
        else:
            changed = middle
    before = coverage_at(population + sign * (changed - 1))  # verified: equal to start
    assert before == start and before is not None
    return Step(changed, before, coverage_at(population + sign * changed))
