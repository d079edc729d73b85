"""Smallest repairs: for each conflicting rule with a number in it, the least change of that one
number that makes the scenario feasible, with every other rule and number unchanged.

Each repair is computed exactly by a CP-SAT optimisation with the number as the variable: the
rule is switched off and the quantity it bounds is optimised under all other rules (the least
Eigenanteil a budget must carry, the fewest VZÄ the funding cap must allow, …). Existing
positions also change who pays for new ones, so for them the grid of ``g`` is searched outward
instead. Every repair is then verified by re-solving the scenario with the repaired number
(feasible) and with one unit less (infeasible: one ``g`` for VZÄ, 1 € for euros).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal, cast

from ortools.sat.python import cp_model

from kimopt import rules
from kimopt.analysis.explain.core import ExplainTimeout, Scenario, feasible
from kimopt.cpsat.solver import new_solver
from kimopt.cpsat.switches import RuleId
from kimopt.data import Kommune, Traeger
from kimopt.lexicographic import CpsatModel
from kimopt.problem import Problem
from kimopt.rules import (
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    EXISTING,
    FUNDING_CAP,
    HOST_SIZE,
    KREIS_SHARE,
    PROVIDER_AREA,
    REACHABILITY,
)

Number = Literal[
    "positions_vzae",
    "kreis_min_share",
    "min_coverage_vzae",
    "kommune_budget",
    "kreis_budget",
    "kommune_max_vzae",
    "traeger_max_vzae",
    "existing_vzae",
]
SHARE_STEP = Fraction(1, 1000)
"""One unit of a share when verifying a repair: 0.1 percentage points."""


@dataclass(frozen=True)
class Repair:
    """Change ``number`` (of ``subject``) from ``current`` to ``value``: ``value`` is the least
    change that makes the scenario feasible, ``None`` if no value of this number alone does.
    """

    rule: RuleId
    number: Number | None
    subject: str
    current: Fraction | None
    value: Fraction | None
    direction: Literal[">=", "<="]
    verified: bool = False

    @property
    def unit(self) -> str:
        """``EUR``, ``share`` or ``VZÄ``."""
        return "VZÄ" if self.number is None else rules.NUMBERS[self.number].unit


# ---- reading and changing one number ------------------------------------------------------


def current_value(scenario: Scenario, number: Number, subject: str) -> Fraction | None:
    """The number as it stands (``None`` for an unlimited budget)."""
    inst, model = scenario.instance, scenario.model
    if number == "positions_vzae":
        return inst.funding.positions_vzae
    if number == "kreis_min_share":
        return model.kreis_min_share
    if number == "min_coverage_vzae":
        return model.min_coverage_vzae
    if number == "kreis_budget":
        return None if inst.kreis.budget is None else Fraction(inst.kreis.budget)
    if number == "existing_vzae" and subject == inst.kreis.name:
        return inst.kreis.existing_vzae
    record = _record(scenario, number, subject)
    value = getattr(record, FIELD[number])
    return None if value is None else Fraction(value)


FIELD: dict[Number, str] = {
    "kommune_budget": "budget",
    "kommune_max_vzae": "max_vzae",
    "traeger_max_vzae": "max_vzae",
    "existing_vzae": "existing_vzae",
}


def _record(scenario: Scenario, number: Number, subject: str) -> Kommune | Traeger:
    """The Kommune or Träger record a number belongs to."""
    inst = scenario.instance
    if number != "traeger_max_vzae":
        kommune = next((k for k in inst.kommunen if k.name == subject), None)
        if kommune is not None:
            return kommune
    return next(t for t in inst.traeger if t.name == subject)


def with_number(scenario: Scenario, number: Number, subject: str, value: Fraction) -> Scenario:
    """The scenario with one number changed (euros must be whole)."""
    inst, model = scenario.instance, scenario.model
    if number == "positions_vzae":
        return scenario.with_instance(
            inst.model_copy(update={"funding": inst.funding.model_copy(update={"positions_vzae": value})})
        )
    if number in ("kreis_min_share", "min_coverage_vzae"):
        return scenario.with_model(model.model_copy(update={number: value}))
    if number == "kreis_budget":
        return scenario.with_instance(
            inst.model_copy(update={"kreis": inst.kreis.model_copy(update={"budget": int(value)})})
        )
    if number == "existing_vzae" and subject == inst.kreis.name:
        return scenario.with_instance(
            inst.model_copy(update={"kreis": inst.kreis.model_copy(update={"existing_vzae": value})})
        )
    record = _record(scenario, number, subject)
    new = record.model_copy(update={FIELD[number]: int(value) if number == "kommune_budget" else value})
    key = "traeger" if isinstance(record, Traeger) else "kommunen"
    records = [new if r is record else r for r in getattr(inst, key)]
    return scenario.with_instance(inst.model_copy(update={key: records}))


# ---- exact optimisation with one rule off -------------------------------------------------


def _relaxed(scenario: Scenario, off: set[RuleId]) -> CpsatModel:
    """The switchable model with every rule instance enforced except ``off``."""
    rules = scenario.build(switchable=True).switches.literals
    return scenario.relaxed({rule for rule in rules if rule not in off})


def _optimum(
    cm: CpsatModel,
    expr: cp_model.LinearExprT,
    maximize: bool,
    scenario: Scenario,
    time_limit: float,
) -> tuple[int, cp_model.CpSolver] | None:
    """Optimal value of ``expr`` (``None`` if infeasible)."""
    cm.model.maximize(expr) if maximize else cm.model.minimize(expr)
    solver = new_solver(time_limit, scenario.model.workers or 1, scenario.model.seed)
    code = solver.solve(cm.model)
    if code == cp_model.INFEASIBLE:
        return None
    if code != cp_model.OPTIMAL:
        raise ExplainTimeout(solver.status_name(code))
    return round(solver.objective_value), solver


def _host(problem: Problem, name: str) -> int:
    return next(h for h, host in enumerate(problem.hosts) if host.name == name)


def least_payment(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """The least Eigenanteil (exact euros) the payer of a budget rule can pay under all other rules."""
    cm = _relaxed(scenario, {rule})
    if rule[0] == BUDGET_KREIS.name:
        expr = cm.variables.kreis_payment()
    else:
        i = next(i for i, k in enumerate(scenario.instance.kommunen) if k.name == rule[1])
        expr = cm.variables.kommune_payment(i)
    found = _optimum(cm, expr, False, scenario, time_limit)
    return None if found is None else found[0] * cm.problem.money_factor


@BUDGET_KOMMUNE.repair
@BUDGET_KREIS.repair
def least_budget(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Least budget: the least Eigenanteil the payer can pay under all other rules, plus what its
    fixed Baustein 1 and 3 positions take (the budget holds for all Bausteine)."""
    least = least_payment(scenario, rule, time_limit)
    payer = rule[1] or scenario.instance.kreis.name
    return None if least is None else Fraction(math.ceil(least + scenario.committed(payer)))


@FUNDING_CAP.repair
def _positions(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Least fundable VZÄ: the fewest positions a plan can use under all other rules."""
    cm = _relaxed(scenario, {rule})
    found = _optimum(cm, cm.variables.used_total, False, scenario, time_limit)
    return None if found is None else cm.problem.vzae(max(found[0], 1))


@REACHABILITY.repair
def _min_coverage(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Largest minimum coverage: maximise ``min_i c_i`` with every reachability rule off."""
    cm = _relaxed(scenario, {r for r in scenario_rules(scenario) if r[0] == REACHABILITY.name})
    floor = cm.model.new_int_var(0, cm.variables.cap, "min_coverage")
    for i in range(len(scenario.instance.kommunen)):
        cm.model.add(floor <= cm.variables.coverage(i))
    found = _optimum(cm, floor, True, scenario, time_limit)
    return None if found is None else cm.problem.vzae(found[0])


@KREIS_SHARE.repair
def _kreis_share(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Largest Kreis share ``max H_kreis / N`` under all other rules (Dinkelbach's method).

    For a trial ratio ``r = p/q`` maximise ``q·H_kreis − p·N``; a positive optimum gives a plan
    with a larger ratio, which becomes the next trial; an optimum of 0 proves ``r`` maximal.
    """
    cm = _relaxed(scenario, {rule})
    kreis, used = cm.variables.hosted(cm.problem.kreis), cm.variables.used_total
    cm.model.add(used >= 1)  # with N = 0 the share rule holds, so it would not be in the conflict
    ratio = Fraction(0)
    while True:
        found = _optimum(cm, ratio.denominator * kreis - ratio.numerator * used, True, scenario, time_limit)
        if found is None:
            return None
        value, solver = found
        if value <= 0:
            return ratio
        ratio = Fraction(solver.value(kreis), solver.value(used))


@HOST_SIZE.repair
@PROVIDER_AREA.repair
def _max_vzae(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Least maximum of a host: its smallest size under all other rules.

    For a Kommune the maximum is part of ``host_size``; switching that rule off also drops the
    half steps and the minimum size, so they are added back without the maximum.
    """
    cm = _relaxed(scenario, {rule})
    problem = cm.problem
    h = _host(problem, rule[1])
    hosted = cm.variables.hosted(h)
    if rule[0] == HOST_SIZE.name:
        step = problem.units(problem.model.host_step_vzae)
        lowest = max(1, -(-problem.units_up(problem.model.min_host_vzae) // step))
        highest = cm.variables.cap // step
        steps = cm.model.new_int_var_from_domain(
            cp_model.Domain.from_intervals([[0, 0], [lowest, max(lowest, highest)]]),
            "steps[repair]",
        )
        cm.model.add(hosted == step * steps)
    found = _optimum(cm, hosted, False, scenario, time_limit)
    return None if found is None else problem.vzae(found[0])


@EXISTING.repair
def _existing(scenario: Scenario, rule: RuleId, time_limit: float) -> Fraction | None:
    """Existing VZÄ nearest to the current value (down first) that make the scenario feasible.

    Existing positions also decide which positions are new and cost an Eigenanteil, so
    feasibility is not monotone in this number: the grid is searched outward, one ``g`` at a time.
    """
    g = scenario.model.granularity_vzae
    current = current_value(scenario, "existing_vzae", rule[1])
    assert current is not None
    problem = scenario.problem()
    top = problem.vzae(problem.positions) + sum((problem.vzae(h.existing_units) for h in problem.hosts), Fraction(0))
    steps = 1
    while current - steps * g >= 0 or current + steps * g <= top:
        for value in (current - steps * g, current + steps * g):
            if 0 <= value <= top and feasible(with_number(scenario, "existing_vzae", rule[1], value), time_limit):
                return value
        steps += 1
    return None


def scenario_rules(scenario: Scenario) -> list[RuleId]:
    """Every rule instance of the scenario."""
    return list(scenario.build(switchable=True).switches.literals)


def number_of(scenario: Scenario, rule: RuleId) -> Number | None:
    """The number a rule instance is about, if any (a Kommune's ``max_vzae`` for ``host_size``)."""
    family, subject = rule
    if family == HOST_SIZE.name and not any(k.name == subject for k in scenario.instance.kommunen):
        return None  # the Kreis has no maximum; a Träger's is provider_area's
    number = rules.rule(family).number
    return None if number is None else cast("Number", number.name)


def one_unit(number: Number, scenario: Scenario) -> Fraction:
    """The smallest change of a number: 1 € or one ``g``."""
    unit = rules.NUMBERS[number].unit
    if unit == "share":
        return SHARE_STEP
    return Fraction(1) if unit == "EUR" else scenario.model.granularity_vzae


def stricter(number: Number, value: Fraction, scenario: Scenario, direction: str) -> Fraction | None:
    """The value one unit stricter than ``value`` (``None`` if there is none to test)."""
    unit = one_unit(number, scenario)
    tighter = value - unit if direction == ">=" else value + unit
    if tighter < 0 or (number == "positions_vzae" and tighter == 0):
        return None
    return None if number == "kreis_min_share" and tighter > 1 else tighter


def verify(scenario: Scenario, repair: Repair, time_limit: float) -> bool:
    """Feasible with the repaired number; infeasible one unit stricter."""
    if repair.number is None or repair.value is None:
        return False
    if not feasible(with_number(scenario, repair.number, repair.subject, repair.value), time_limit):
        return False
    if repair.number == "existing_vzae":
        return True  # the outward search proved every nearer value infeasible
    tighter = stricter(repair.number, repair.value, scenario, repair.direction)
    return tighter is None or not feasible(with_number(scenario, repair.number, repair.subject, tighter), time_limit)


def smallest_repair(scenario: Scenario, rule: RuleId, time_limit: float = 60.0) -> Repair:
    """The least change of the rule's number that makes the scenario feasible, verified."""
    number = number_of(scenario, rule)
    subject = rule[1] if number is not None and rules.NUMBERS[number].per_subject else ""
    if number is None:
        return Repair(rule, None, subject, None, None, ">=")
    current = current_value(scenario, number, subject)
    value = rules.rule(rule[0]).least_change(scenario, rule, time_limit)
    direction: Literal[">=", "<="] = ">="
    if number == "existing_vzae":
        direction = "<=" if value is None or current is None or value < current else ">="
    elif number in ("kreis_min_share", "min_coverage_vzae"):
        direction = "<="
    repair = Repair(rule, number, subject, current, value, direction)
    if value is None:
        return repair
    return Repair(rule, number, subject, current, value, direction, verify(scenario, repair, time_limit))


def smallest_repairs(scenario: Scenario, conflict: list[RuleId], time_limit: float = 60.0) -> list[Repair]:
    """One repair per number in the conflict (rules sharing a number, like reachability, once)."""
    repairs: list[Repair] = []
    seen: set[tuple[Number | None, str]] = set()
    for rule in conflict:
        number = number_of(scenario, rule)
        key = (number, rule[1] if number is not None and rules.NUMBERS[number].per_subject else "")
        if number is not None and key in seen:
            continue
        seen.add(key)
        repairs.append(smallest_repair(scenario, rule, time_limit))
    return repairs


@dataclass(frozen=True)
class JointRepair:
    """One changed number per blocking group, found group by group and checked together."""

    repairs: list[Repair]
    verified: bool  # the scenario with every changed number has a plan


def joint_repair(scenario: Scenario, conflicts: list[list[RuleId]], time_limit: float = 60.0) -> JointRepair | None:
    """The least change of one number of each group, with the groups after it left out and the
    changes before it applied; ``None`` when some group has no number that helps.

    Each change is the least under what it is computed with; the result is re-solved with every
    change in place (``verified``).
    """
    changed = scenario
    repairs: list[Repair] = []
    for n, conflict in enumerate(conflicts):
        later = frozenset(rule for group in conflicts[n + 1 :] for rule in group)
        trial = replace(changed, off=later)
        found = next(
            (r for r in smallest_repairs(trial, conflict, time_limit) if r.number is not None and r.value is not None),
            None,
        )
        if found is None or found.number is None or found.value is None:
            return None
        repairs.append(found)
        changed = with_number(changed, found.number, found.subject, found.value)
    return JointRepair(repairs, feasible(changed, time_limit))
