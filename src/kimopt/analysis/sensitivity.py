"""How robust is the optimal plan? Population thresholds, budget thresholds, the trade-off curve.

Every figure comes from exact re-solves of modified instances, never from sampling:

* **Population** (:func:`population_thresholds`). The plan depends on a Kommune's population
  only through the targets ``e_j = N·w_j/W``. For each Kommune the smallest whole number of
  inhabitants more (and fewer) that changes *its* coverage is found by a doubling search
  followed by bisection over integer populations, each probe a full lexicographic re-solve.
  The bisection takes the coverage to be monotone in the Kommune's own population between
  its probes (raising ``p_i`` raises ``e_i`` and lowers every other target); whatever the
  search finds is checked: the coverage is re-solved at ``threshold − 1`` (unchanged) and at
  ``threshold`` (changed), and both results are reported.
* **Budgets** (:func:`budget_thresholds`). A payer's budget ``B`` enters only the constraint
  ``payment ≤ B``, and a payment is a sum of ``n_h × g × d_h`` (new units times granularity
  times the host's deficit). Between two such payment levels the feasible set — hence the
  model and the plan — is the same, so the only budgets at which the plan can change are the
  payment levels above ``B``, rounded up to whole euros. The feasible sets grow with the budget,
  so once the plan has changed it does not come back; the first level that changes it is
  found by bisection over the levels and verified by re-solving at it and one euro below.
* **Trade-off** (:func:`tradeoff_curve`). With ``use_positions`` fixed at its optimum, the
  ε-constraint method: minimise the L1 deviation subject to ``Eigenanteil ≤ ε``, then the
  Eigenanteil at that deviation; the next ε lies one solver unit (``1/g.denominator`` €)
  below the Eigenanteil found.
  This enumerates the Pareto-optimal (Eigenanteil, deviation) pairs from the most
  proportional plan down to the cheapest.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from kimopt.data import Instance, Objective, PlanningModel
from kimopt.numbers import decimal_vzae, fraction_text, round_euros
from kimopt.plan import Plan
from kimopt.problem import Problem, compile_problem

Progress = Callable[[str], None] | None


class SensitivityError(RuntimeError):
    """The instance itself has no optimal plan (infeasible or not solved in time)."""


@dataclass(frozen=True)
class Solved:
    """One re-solve: the link units (``None`` if no plan) and the plan's coverage."""

    status: str
    units: tuple[int, ...] | None
    coverage: tuple[Fraction, ...] | None
    plan: Plan | None


def solve_instance(instance: Instance, model: PlanningModel,
                   time_limit: float | None = None) -> Solved:
    """Solve lexicographically (no checker: thresholds compare plans of one compiled shape)."""
    from kimopt.solve import solve_problem

    problem = compile_problem(instance, model)
    result = solve_problem(problem, time_limit=time_limit)
    if result.units is None:
        return Solved(result.status, None, None, None)
    plan = Plan(problem, result.units, result.status, result.levels, result.solver)
    return Solved(result.status, tuple(result.units), tuple(plan.coverage), plan)


def _base(instance: Instance, model: PlanningModel, time_limit: float | None) -> Solved:
    base = solve_instance(instance, model, time_limit)
    if base.status != "OPTIMAL":
        raise SensitivityError(f"{instance.name}: {base.status}")
    return base


# --- populations ------------------------------------------------------------------------------


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


def population_thresholds(instance: Instance, model: PlanningModel,
                          time_limit: float | None = None, progress: Progress = None,
                          kommunen: Sequence[int] | None = None) -> list[PopulationThreshold]:
    """For every Kommune (or those in ``kommunen``): the smallest ``+X`` / ``−Y`` inhabitants
    that change its coverage in the optimal plan.

    Searched up to the Kreis's whole population more and down to 0 inhabitants (see the
    module docstring).
    """
    base = _base(instance, model, time_limit)
    assert base.coverage is not None
    total = sum(k.population for k in instance.kommunen)
    chosen = range(len(instance.kommunen)) if kommunen is None else kommunen
    out = []
    for i in chosen:
        kommune = instance.kommunen[i]
        if progress:
            progress(kommune.name)
        cache: dict[int, Fraction | None] = {kommune.population: base.coverage[i]}

        def coverage_at(population: int, i: int = i, cache: dict[int, Fraction | None] = cache,
                        ) -> Fraction | None:
            if population not in cache:
                changed = _with_population(instance, i, population)
                solved = solve_instance(changed, model, time_limit)
                cache[population] = solved.coverage[i] if solved.coverage is not None else None
            return cache[population]

        guess = _first_guess(instance, model, i, total)
        hare = _hare_coverage(instance, model, i, base.plan.used if base.plan else Fraction(0))
        up = _search(coverage_at, kommune.population, +1, total, guess,
                     _hint(hare, kommune.population, +1, total, guess))
        down = _search(coverage_at, kommune.population, -1, kommune.population, guess,
                       _hint(hare, kommune.population, -1, kommune.population, guess))
        out.append(PopulationThreshold(kommune.name, kommune.population, base.coverage[i],
                                       up, down, len(cache) - 1))
    return out


def _first_guess(instance: Instance, model: PlanningModel, i: int, total: int) -> int:
    """A start for the doubling search: about a quarter granularity step of the target.

    ``de_i/dp_i = N·(W − p_i)/W²``; only a starting point — exactness comes from the search.
    """
    others = max(total - instance.kommunen[i].population, 1)
    positions = instance.funding.positions_vzae
    per_step = model.granularity_vzae * total * total / (positions * others)
    return max(1, math.floor(per_step / 4))


def _hare_coverage(instance: Instance, model: PlanningModel, i: int,
                   used: Fraction) -> Callable[[int], Fraction | None]:
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


def _hint(predict: Callable[[int], Fraction | None], population: int, sign: int, limit: int,
          guess: int) -> int | None:
    found = _search(predict, population, sign, limit, guess)
    return None if found is None else found.inhabitants


def _search(coverage_at: Callable[[int], Fraction | None], population: int, sign: int,
            limit: int, guess: int, hint: int | None = None) -> Step | None:
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


# --- budgets ----------------------------------------------------------------------------------


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
    """Deficits per VZÄ of the hosts whose new positions the payer pays (None: the Kreis)."""
    found = set()
    for h, host in enumerate(problem.hosts):
        if payer is None:
            pays = host.kind != "kommune" and host.kreis_pays
            pays = pays or (host.kind == "kommune" and problem.model.kreis_covers_kommunen)
        else:
            pays = host.kind == "kommune" and not problem.model.kreis_covers_kommunen and any(
                problem.links[link].kommune == payer for link in problem.links_of_host[h])
        if pays and host.deficit_per_vzae > 0:
            found.add(host.deficit_per_vzae)
    return sorted(found)


def payment_levels(deficits: Sequence[int], g: Fraction, units: int, above: int) -> list[int]:
    """Whole-euro budgets at which ``Σ n_d·g·d ≤ budget`` admits a new payment: the sums
    ``g·Σ n_d·d`` (``Σ n_d ≤ units``) above ``above``, rounded up to whole euros, ascending."""
    reached = {(0, 0)}  # (Σ n_d·d, Σ n_d)
    for deficit in deficits:
        reached = {(total + n * deficit, count + n) for total, count in reached
                   for n in range(units - count + 1)}
    return sorted({math.ceil(g * total) for total, _ in reached if math.ceil(g * total) > above})


def _with_budget(instance: Instance, payer: int | None, budget: int | None) -> Instance:
    if payer is None:
        kreis = instance.kreis.model_copy(update={"budget": budget})
        return instance.model_copy(update={"kreis": kreis})
    kommunen = list(instance.kommunen)
    kommunen[payer] = kommunen[payer].model_copy(update={"budget": budget})
    return instance.model_copy(update={"kommunen": kommunen})


def budget_thresholds(instance: Instance, model: PlanningModel, time_limit: float | None = None,
                      progress: Progress = None) -> list[BudgetThreshold]:
    """For the Kreis and every Kommune with a budget: the smallest increase changing the plan."""
    base = _base(instance, model, time_limit)
    assert base.plan is not None
    problem = base.plan.problem
    payers: list[tuple[int | None, str, str, int]] = []
    if instance.kreis.budget is not None:
        payers.append((None, instance.kreis.name, "kreis", instance.kreis.budget))
    payers += [(i, k.name, "kommune", k.budget) for i, k in enumerate(instance.kommunen)
               if k.budget is not None]
    out = []
    for payer, name, kind, budget in payers:
        if progress:
            progress(name)
        cache: dict[int | None, Solved] = {budget: base}

        def at(value: int | None, payer: int | None = payer,
               cache: dict[int | None, Solved] = cache) -> Solved:
            if value not in cache:
                changed = _with_budget(instance, payer, value)
                cache[value] = solve_instance(changed, model, time_limit)
            return cache[value]

        levels = payment_levels(_deficits(problem, payer), problem.g, problem.positions, budget)
        found = None
        if at(None).units != base.units and levels:
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
        out.append(_budget_result(base, name, kind, budget, found, at))
    return out


def _budget_result(base: Solved, name: str, kind: str, budget: int, found: int | None,
                   at: Callable[[int | None], Solved]) -> BudgetThreshold:
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
                changes.append(LinkChange(problem.hosts[link.host].name,
                                          problem.instance.kommunen[link.kommune].name,
                                          problem.vzae(old), problem.vzae(new)))
    return BudgetThreshold(name, kind, budget, found - budget, base.plan.eigenanteil,
                           after.plan.eigenanteil if after.plan else None, tuple(changes),
                           verified)


# --- the trade-off curve ----------------------------------------------------------------------


@dataclass(frozen=True)
class TradeoffPoint:
    """A Pareto-optimal pair: the least L1 deviation for at most this Eigenanteil."""

    eigenanteil: Fraction
    deviation: Fraction
    proven: bool


@dataclass
class Tradeoff:
    """The trade-off curve, most proportional first; ``complete`` unless cut at ``max_points``."""

    positions_used: Fraction
    points: list[TradeoffPoint] = field(default_factory=list)
    complete: bool = True


def tradeoff_curve(instance: Instance, model: PlanningModel, max_points: int = 40,
                   time_limit: float | None = None, progress: Progress = None) -> Tradeoff:
    """The ε-constraint curve of L1 deviation against total Eigenanteil (N at its optimum)."""
    from ortools.sat.python import cp_model

    from kimopt.cpsat.objectives import LEVELS
    from kimopt.cpsat.solver import new_solver
    from kimopt.results import Status
    from kimopt.solve import build, most_positions

    problem = compile_problem(instance, model)
    limit = float(model.time_limit_s if time_limit is None else time_limit)
    l1 = Objective(name="proportionality", measure="l1")

    def solver() -> cp_model.CpSolver:
        return new_solver(limit, model.workers or 1, model.seed)

    found, n_used = most_positions(build(problem), time.perf_counter() + limit, model.workers or 1, model.seed)
    if found is not Status.OPTIMAL or n_used is None:
        raise SensitivityError(f"{instance.name}: use_positions")
    curve = Tradeoff(problem.vzae(n_used))
    cap: int | None = None
    while True:
        if len(curve.points) >= max_points:
            curve.complete = False
            break
        cm = build(problem)
        m, v = cm.model, cm.variables
        m.add(v.used_total == n_used)
        deviation = LEVELS["proportionality"](m, problem, v, l1, n_used)
        cost = LEVELS["own_cost"](m, problem, v, Objective(name="own_cost"), n_used)
        if cap is not None:
            m.add(cost.expr <= cap)
        m.minimize(deviation.expr)
        s = solver()
        first = s.solve(m)
        if first not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break  # no plan is cheaper: the curve is complete
        best = s.value(deviation.expr)
        m.add(deviation.expr <= best)
        m.minimize(cost.expr)
        s = solver()
        second = s.solve(m)
        if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        paid = s.value(cost.expr)
        curve.points.append(TradeoffPoint(cost.factor * paid, deviation.factor * best,
                                          first == second == cp_model.OPTIMAL))
        if progress:
            progress(f"{len(curve.points)}")
        cap = paid - 1
        if cap < 0:
            break
    return curve


# --- everything together ----------------------------------------------------------------------


@dataclass
class Sensitivity:
    """The three analyses of one instance under one model."""

    instance: Instance
    model_name: str
    plan: Plan
    populations: list[PopulationThreshold]
    budgets: list[BudgetThreshold]
    tradeoff: Tradeoff | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """JSON: ``populations``, ``budgets``, ``tradeoff``; VZÄ as decimals, euros as integers."""
        def step(found: Step | None) -> dict[str, Any] | None:
            if found is None:
                return None
            after = None if found.coverage_after is None else decimal_vzae(found.coverage_after)
            return {"inhabitants": found.inhabitants,
                    "coverage_before": decimal_vzae(found.coverage_before), "coverage_after": after}

        return {
            "instance": self.instance.name,
            "model": self.model_name,
            "plan": {"positions_used": decimal_vzae(self.plan.used),
                     "deviation_l1": decimal_vzae(self.plan.indices["deviation_l1"]),
                     "eigenanteil_eur": round_euros(self.plan.eigenanteil)},
            "populations": [{
                "name": p.kommune, "population": p.population, "coverage": decimal_vzae(p.coverage),
                "increase": step(p.increase), "decrease": step(p.decrease), "solves": p.solves,
            } for p in self.populations],
            "budgets": [{
                "payer": b.payer, "payer_type": b.payer_type, "budget_eur": b.budget,
                "increase_eur": b.increase,
                "threshold_eur": None if b.increase is None else b.budget + b.increase,
                "verified": b.verified,
                "eigenanteil_before_eur": round_euros(b.eigenanteil_before),
                "eigenanteil_after_eur": None if b.eigenanteil_after is None
                else round_euros(b.eigenanteil_after),
                "changes": [{"host": c.host, "kommune": c.kommune,
                             "before_vzae": decimal_vzae(c.before),
                             "after_vzae": decimal_vzae(c.after)} for c in b.changes],
            } for b in self.budgets],
            "tradeoff": None if self.tradeoff is None else {
                "positions_used": decimal_vzae(self.tradeoff.positions_used),
                "complete": self.tradeoff.complete,
                "points": [{"eigenanteil_eur": round_euros(p.eigenanteil),
                            "eigenanteil_exact": fraction_text(p.eigenanteil),
                            "deviation_l1": decimal_vzae(p.deviation),
                            "deviation_exact": fraction_text(p.deviation), "proven": p.proven}
                           for p in self.tradeoff.points],
            },
            "seconds": round(self.seconds, 3),
        }


def analyse(instance: Instance, model: PlanningModel, model_name: str = "kim-standard",
            parts: Sequence[str] = ("populations", "budgets", "tradeoff"), max_points: int = 40,
            time_limit: float | None = None, progress: Progress = None) -> Sensitivity:
    """Run the chosen analyses (``populations``, ``budgets``, ``tradeoff``)."""
    started = time.perf_counter()
    # many small re-solves: workers beyond the cores only slow them; the plan does not depend on it
    model = model.model_copy(update={"workers": max(1, min(model.workers, os.cpu_count() or 1))})
    base = _base(instance, model, time_limit)
    assert base.plan is not None
    populations, budgets, curve = [], [], None
    if "populations" in parts:
        populations = population_thresholds(instance, model, time_limit, progress)
    if "budgets" in parts:
        budgets = budget_thresholds(instance, model, time_limit, progress)
    if "tradeoff" in parts:
        curve = tradeoff_curve(instance, model, max_points, time_limit, progress)
    return Sensitivity(instance, model_name, base.plan, populations, budgets, curve,
                       time.perf_counter() - started)


def tradeoff_chart(data: dict[str, Any], target: Any, lang: str = "de") -> None:
    """Draw the trade-off curve (and the plan's point) as SVG or PNG, by the file's suffix."""
    import io
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from kimopt.io.atomic import write_bytes_atomic

    de = lang == "de"
    points = data["tradeoff"]["points"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = [p["eigenanteil_eur"] for p in points]
    ys = [p["deviation_l1"] for p in points]
    ax.step(xs, ys, where="post", color="#1f4e79", linewidth=1.2)
    ax.plot(xs, ys, "o", color="#1f4e79", markersize=4,
            label="Pareto-optimal (ε-Beschränkung)" if de else "Pareto optimal (ε-constraint)")
    plan = data["plan"]
    ax.plot([plan["eigenanteil_eur"]], [plan["deviation_l1"]], "D", color="#c00000",
            label="optimaler Plan" if de else "optimal plan")
    ax.set_xlabel("Eigenanteil Kreis + Kommunen (€/Jahr)" if de
                  else "Eigenanteil Kreis + Kommunen (€/year)")
    ax.set_ylabel("Abweichung vom Schlüssel Σ|c − e| (VZÄ)" if de
                  else "deviation from the key Σ|c − e| (VZÄ)")
    ax.set_title(("Zielkonflikt Proportionalität – Eigenanteil: " if de else
                  "Trade-off proportionality – Eigenanteil: ") + data["instance"])
    ax.grid(True, alpha=0.3)
    ax.legend()
    if de:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda x, _: f"{x:,.0f}".replace(",", ".")))
    fig.tight_layout()
    buffer = io.BytesIO()
    suffix = Path(target).suffix.lower().lstrip(".")
    fig.savefig(buffer, format=suffix, metadata={"Date": None} if suffix == "svg" else None)
    plt.close(fig)
    write_bytes_atomic(Path(target), buffer.getvalue())
