"""How robust is the optimal plan? Population thresholds, budget thresholds, the trade-off curve.

Every figure comes from exact re-solves of modified instances, never from sampling:

* **Population** (:func:`population_thresholds`). The plan depends on a Kommune's population
  only through the targets ``e_j = N·w_j/W``. For each Kommune the smallest whole number of
  inhabitants more (and fewer) that changes *its* coverage is found by a doubling search
  followed by bisection over integer populations, each probe the optimal coverage there:
  proven by the largest-remainder argument where the levels allow it (no solve, see
  :mod:`~kimopt.analysis.sensitivity.populations`), else a full lexicographic re-solve.
  The bisection takes the coverage to be monotone in the Kommune's own population between
  its probes (raising ``p_i`` raises ``e_i`` and lowers every other target); whatever the
  search finds is checked: the coverage at ``threshold − 1`` (unchanged) and at
  ``threshold`` (changed), and both results are reported. The targets move linearly in the
  population, so the Hare–Niemeyer rounding predicts the threshold by integer arithmetic;
  the prediction is probed on both sides (a predicted "no change" at the end of the range); a
  probe on a tie of remainders is decided by whether any plan at the first two levels' optimum
  comes before the base plan in the later levels' order (which reads no population), and a
  probe still open by the first two levels, then by every level and the tie-break's value
  (each with one uniqueness check under a work limit), and only then by a full re-solve.
* **Budgets** (:func:`budget_thresholds`). A payer's budget ``B`` enters only the constraint
  ``payment ≤ B``, and a payment is a sum of ``n_h × g × d_h`` (new units times granularity
  times the host's deficit). Between two such payment levels the feasible set — hence the
  model and the plan — is the same, so the only budgets at which the plan can change are the
  payment levels above ``B``, rounded up to whole euros. The feasible sets grow with the budget
  and the plans are totally ordered, so the first level that changes the plan is the least
  payment of any plan that comes before it (:mod:`~kimopt.analysis.sensitivity.least_budget`:
  one optimisation per objective level, proven; the plan there is re-solved). Where a work
  limit leaves that open, the level is found by bisection over the levels and verified by
  re-solving at it and one euro below. A
  budget with no payment level above it (its payer pays for no new position) changes nothing
  and is not re-solved. Which budgets change the plan at all when unlimited is found in groups
  (all of a group unlimited at once keeps the plan: none of them changes it, the lexicographic
  optimum being monotone); payers are searched in parallel processes.
* **Trade-off** (:func:`tradeoff_curve`). With ``use_positions`` fixed at its optimum, the
  ε-constraint method: minimise the L1 deviation subject to ``Eigenanteil ≤ ε``, then the
  Eigenanteil at that deviation; the next ε lies one solver unit (``1/g.denominator`` €)
  below the Eigenanteil found.
  This enumerates the Pareto-optimal (Eigenanteil, deviation) pairs from the most
  proportional plan down to the cheapest.

The analyses live in :mod:`~kimopt.analysis.sensitivity.populations`,
:mod:`~kimopt.analysis.sensitivity.budgets` (with
:mod:`~kimopt.analysis.sensitivity.least_budget`) and :mod:`~kimopt.analysis.sensitivity.tradeoff`;
this module runs them together (:func:`analyse`) and gives the result as JSON
(:meth:`Sensitivity.to_json`). The chart of the trade-off curve is a report:
:func:`kimopt.report.tradeoff.tradeoff_chart`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.analysis.sensitivity.base import Progress, SensitivityError, Solved, optimal_base, solve_instance
from kimopt.analysis.sensitivity.budgets import BudgetThreshold, LinkChange, budget_thresholds, payment_levels
from kimopt.analysis.sensitivity.populations import PopulationThreshold, Step, population_thresholds
from kimopt.analysis.sensitivity.tradeoff import Tradeoff, TradeoffPoint, tradeoff_curve
from kimopt.data import Instance, PlanningModel
from kimopt.numbers import decimal_vzae, fraction_text, round_euros
from kimopt.plan import Plan
from kimopt.problem import Carried

__all__ = [
    "BudgetThreshold",
    "LinkChange",
    "PopulationThreshold",
    "Progress",
    "Sensitivity",
    "SensitivityError",
    "Solved",
    "Step",
    "Tradeoff",
    "TradeoffPoint",
    "analyse",
    "budget_thresholds",
    "payment_levels",
    "population_thresholds",
    "solve_instance",
    "tradeoff_curve",
]


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
    year: int | None = None  # a year of a horizon: the year's own numbers, the years before fixed

    def to_json(self) -> dict[str, Any]:
        """JSON: ``populations``, ``budgets``, ``tradeoff``; VZÄ as decimals, euros as integers."""

        def step(found: Step | None) -> dict[str, Any] | None:
            if found is None:
                return None
            after = None if found.coverage_after is None else decimal_vzae(found.coverage_after)
            return {
                "inhabitants": found.inhabitants,
                "coverage_before": decimal_vzae(found.coverage_before),
                "coverage_after": after,
            }

        return {
            "instance": self.instance.name,
            "model": self.model_name,
            "plan": {
                "positions_used": decimal_vzae(self.plan.used),
                "deviation_l1": decimal_vzae(self.plan.indices["deviation_l1"]),
                "eigenanteil_eur": round_euros(self.plan.eigenanteil),
            },
            "populations": [
                {
                    "name": p.kommune,
                    "population": p.population,
                    "coverage": decimal_vzae(p.coverage),
                    "increase": step(p.increase),
                    "decrease": step(p.decrease),
                    "solves": p.solves,
                }
                for p in self.populations
            ],
            "budgets": [
                {
                    "payer": b.payer,
                    "payer_type": b.payer_type,
                    "budget_eur": b.budget,
                    "increase_eur": b.increase,
                    "threshold_eur": None if b.increase is None else b.budget + b.increase,
                    "verified": b.verified,
                    "eigenanteil_before_eur": round_euros(b.eigenanteil_before),
                    "eigenanteil_after_eur": None if b.eigenanteil_after is None else round_euros(b.eigenanteil_after),
                    "changes": [
                        {
                            "host": c.host,
                            "kommune": c.kommune,
                            "before_vzae": decimal_vzae(c.before),
                            "after_vzae": decimal_vzae(c.after),
                        }
                        for c in b.changes
                    ],
                }
                for b in self.budgets
            ],
            "tradeoff": None
            if self.tradeoff is None
            else {
                "positions_used": decimal_vzae(self.tradeoff.positions_used),
                "complete": self.tradeoff.complete,
                "points": [
                    {
                        "eigenanteil_eur": round_euros(p.eigenanteil),
                        "eigenanteil_exact": fraction_text(p.eigenanteil),
                        "deviation_l1": decimal_vzae(p.deviation),
                        "deviation_exact": fraction_text(p.deviation),
                        "proven": p.proven,
                    }
                    for p in self.tradeoff.points
                ],
            },
            "seconds": round(self.seconds, 3),
        }


def analyse(
    instance: Instance,
    model: PlanningModel,
    model_name: str = "kim-standard",
    parts: Sequence[str] = ("populations", "budgets", "tradeoff"),
    max_points: int = 40,
    time_limit: float | None = None,
    progress: Progress = None,
    carried: Carried | None = None,
    fixed: Mapping[str, Fraction] | None = None,
    year: int | None = None,
) -> Sensitivity:
    """Run the chosen analyses (``populations``, ``budgets``, ``tradeoff``).

    A ``year`` of a horizon: ``instance`` is that year's problem as the solver sees it (budgets
    less ``fixed``, the Eigenanteil of Bausteine 1 and 3 by payer) and ``carried`` what the
    years before left it, held fixed (:func:`kimopt.analysis.sensitivity.years.analyse_years`).
    """
    started = time.perf_counter()
    # many small re-solves: workers beyond the cores only slow them; the plan does not depend on it
    model = model.model_copy(update={"workers": max(1, min(model.workers, os.cpu_count() or 1))})
    base = optimal_base(instance, model, time_limit, carried)
    assert base.plan is not None
    populations, budgets, curve = [], [], None
    if "populations" in parts:
        populations = population_thresholds(instance, model, time_limit, progress, carried=carried, base=base)
    if "budgets" in parts:
        budgets = budget_thresholds(instance, model, time_limit, progress, carried, fixed, base)
    if "tradeoff" in parts:
        curve = tradeoff_curve(instance, model, max_points, time_limit, progress, carried)
    seconds = time.perf_counter() - started
    return Sensitivity(instance, model_name, base.plan, populations, budgets, curve, seconds, year)
