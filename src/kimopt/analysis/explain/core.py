"""Minimal conflicts: which rule instances together make a plan impossible.

A *scenario* is an instance under a planning model, optionally with a planner's wish for one
host's VZÄ. Every rule instance of DESIGN §2 has its own enforcement literal
(``build(..., switchable=True)``); a set of rule instances is *feasible* when the model with
exactly those literals true (and the others false) has a solution. A conflict is a set that
is not; it is *minimal* when dropping any one member makes the rest feasible.

Why no assumption cores: with every literal left open CP-SAT must prove infeasibility without
presolve, and on the Wesel instance with a minimum coverage of 1 VZÄ that took over a minute
(with the literals fixed, milliseconds). Fixing them also keeps the answer deterministic: a
feasibility verdict is a fact whatever the number of workers, while a core depends on which
worker wins. The deletion filter runs in a canonical order (rule family as in
:data:`~kimopt.rules.RULES`, then subject), so the same input always gives the
same conflict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from ortools.sat.python import cp_model

from kimopt.cpsat.horizon import budget_instance
from kimopt.cpsat.solver import new_solver
from kimopt.cpsat.switches import RuleId
from kimopt.data import Instance, PlanningModel
from kimopt.horizon import HorizonYear
from kimopt.lexicographic import CpsatModel, build
from kimopt.problem import Carried, HostKind, Problem, compile_problem
from kimopt.rules import HOST_SIZE, RULES

FAMILIES: tuple[str, ...] = tuple(rule.name for rule in RULES)

Op = Literal["=", ">=", "<="]


class ExplainTimeout(RuntimeError):
    """A feasibility check hit the time limit, so no conflict can be proven."""


def canonical(rule: RuleId) -> tuple[int, str]:
    """Sort key of a rule instance: family in the order of DESIGN §2, then subject.

    The deletion filter drops rules early in this order first when it can, so a conflict
    keeps, where there is a choice, the later families: budgets, minimum coverage and the quota
    rule — the policy choices a planner can change — rather than the funding cap or host sizes.
    """
    family, subject = rule
    return (FAMILIES.index(family) if family in FAMILIES else len(FAMILIES), subject)


@dataclass(frozen=True)
class Wish:
    """A planner's wish for the VZÄ one host employs: ``H_name op units × g``."""

    name: str
    kind: HostKind
    op: Op
    units: int
    text: str

    def holds(self, hosted: int) -> bool:
        """Whether a host employing ``hosted`` units meets the wish."""
        if self.op == "=":
            return hosted == self.units
        return hosted >= self.units if self.op == ">=" else hosted <= self.units


@dataclass(frozen=True)
class Scenario:
    """What explain reasons about: an instance, its planning model and an optional wish.

    A year of a horizon also has ``carried`` (what the year before left) and ``year`` (its fixed
    Baustein 1 and 3 positions): the instance keeps the real budgets, and the problem counts the
    fixed positions' Eigenanteil against them, as :func:`kimopt.cpsat.horizon.year_problem` does.
    """

    instance: Instance
    model: PlanningModel
    wish: Wish | None = None
    off: frozenset[RuleId] = frozenset()  # rule instances left out (the other blockers of a wish)
    carried: Carried | None = None  # a later year of a horizon: what the year before left
    year: HorizonYear | None = None  # a year with Bausteine 1 and 3: their positions are fixed

    def with_instance(self, instance: Instance) -> Scenario:
        return replace(self, instance=instance)

    def with_model(self, model: PlanningModel) -> Scenario:
        return replace(self, model=model)

    def _hidden_kommune(self) -> int | None:
        """A wished-for Kommune that employs nobody (``max_vzae = 0``) is no host yet."""
        wish = self.wish
        if wish is None or wish.kind != "kommune":
            return None
        i = next(i for i, k in enumerate(self.instance.kommunen) if k.name == wish.name)
        return i if self.instance.kommunen[i].max_vzae == 0 else None

    def problem(self) -> Problem:
        """The compiled problem; a wished-for Kommune without positions becomes a host of size 0.

        Its ``max_vzae`` is widened so that the host exists; :meth:`build` restores the real
        maximum 0 as part of that host's ``host_size`` rule, so switching the rule off relaxes it.
        """
        hidden = self._hidden_kommune()
        instance = self.instance
        if hidden is not None and self.wish is not None:
            widened = instance.funding.positions_vzae + self.wish.units * self.model.granularity_vzae
            kommunen = list(instance.kommunen)
            kommunen[hidden] = kommunen[hidden].model_copy(update={"max_vzae": widened})
            instance = instance.model_copy(update={"kommunen": kommunen})
        if self.year is not None:
            instance = budget_instance(replace(self.year, instance=instance), self.model)
        return compile_problem(instance, self.model, self.carried)

    def committed(self, payer: str) -> Fraction:
        """The Eigenanteil of Bausteine 1 and 3 that ``payer`` carries: it counts against its budget."""
        if self.year is None:
            return Fraction(0)
        return replace(self.year, instance=self.instance).fixed_payments(self.model).get(payer, Fraction(0))

    def wish_host(self, problem: Problem) -> int | None:
        """Index of the wished-for host in ``problem``."""
        if self.wish is None:
            return None
        return next(
            h for h, host in enumerate(problem.hosts) if host.name == self.wish.name and host.kind == self.wish.kind
        )

    def relaxed(self, active: set[RuleId]) -> CpsatModel:
        """The switchable model with exactly the rule instances ``active`` on (less ``off``), all others off."""
        cm = self.build(switchable=True)
        for rule, literal in cm.switches.literals.items():
            cm.model.add(literal == int(rule in active and rule not in self.off))
        return cm

    def build(self, switchable: bool) -> CpsatModel:
        """The CP-SAT model with the wish as a hard constraint (it is what is asked)."""
        problem = self.problem()
        wish = self.wish
        cm = build(problem, switchable=switchable, headroom=headroom(problem, wish) if switchable else 0)
        h = self.wish_host(problem)
        if wish is None or h is None:
            return cm
        hosted = cm.variables.hosted(h)
        if self._hidden_kommune() is not None:
            cm.model.add(hosted <= 0).only_enforce_if(cm.switches.lits(HOST_SIZE, wish.name))
        if wish.op == "=":
            cm.model.add(hosted == wish.units)
        elif wish.op == ">=":
            cm.model.add(hosted >= wish.units)
        else:
            cm.model.add(hosted <= wish.units)
        links = problem.links_of_host[h]
        cm.side_rules.append(lambda units: wish.holds(sum(units[li] for li in links)))
        return cm


def headroom(problem: Problem, wish: Wish | None) -> int:
    """Units beyond the funding cap a plan may need once the cap is switched off.

    The core's universe covers what existing positions, minimum coverage and minimum host
    sizes demand (``D``). Two rules scale with the total: the Kreis's share ``s`` needs
    ``D·s/(1−s)`` more at the Kreis, and the quota rule gives a Kommune of weight ``w_i`` at most
    about ``N·w_i/W``, so covering a demand of ``D`` may need ``N ≈ D·W/w_min``. Without enough
    room a check would call a set infeasible only because the universe is too small, and the
    conflict would wrongly leave out the funding cap.
    """
    model = problem.model
    demand = (
        sum(max(host.existing_units, problem.held_units(h)) for h, host in enumerate(problem.hosts))
        + len(problem.instance.kommunen) * problem.units_up(model.min_coverage_vzae)
        + len(problem.hosts) * problem.units_up(max(model.min_host_vzae, model.host_step_vzae))
        + (wish.units if wish else 0)
    )
    share = model.kreis_min_share
    extra = math.ceil(demand * share / (1 - share)) if share < 1 else 0
    positive = [w for w in problem.weights if w > 0]
    if model.quota_rule and positive:
        extra += math.ceil(Fraction((demand + extra + 1) * problem.total_weight, min(positive))) + 1
    return (wish.units if wish else 0) + extra


def run(model: cp_model.CpModel, solver: cp_model.CpSolver) -> bool:
    """Solve; ``True`` if feasible, ``False`` if proven infeasible.

    Raises
    ------
    ExplainTimeout
        If neither could be shown within the time limit.
    """
    code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if code == cp_model.INFEASIBLE:
        return False
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT: invalid model ({model.validate()})")
    raise ExplainTimeout(solver.status_name(code))


def feasible(scenario: Scenario, time_limit: float = 60.0) -> bool:
    """Whether the scenario has any plan (every rule hard but those ``off``, the wish included)."""
    if scenario.off:
        cm = scenario.relaxed(set(scenario.build(switchable=True).switches.literals))
    else:
        cm = scenario.build(switchable=False)
    return run(cm.model, new_solver(time_limit, scenario.model.workers or 1, scenario.model.seed))


class Oracle:
    """Feasibility of sets of rule instances: each check is a copy of the one switchable model
    with the chosen rules switched on and all others off (literals fixed in their domains, so
    presolve sees a plain model; the copy, not a new build, since a conflict search asks often)."""

    def __init__(self, scenario: Scenario, time_limit: float = 60.0) -> None:
        self.scenario = scenario
        self.time_limit = time_limit
        self._switchable = scenario.build(switchable=True)
        self.rules: list[RuleId] = sorted(self._switchable.switches.literals, key=canonical)

    def feasible(self, active: Iterable[RuleId]) -> bool:
        """Has the scenario a plan when exactly the rule instances ``active`` hold?"""
        on = set(active) - self.scenario.off
        model = self._switchable.model.clone()
        for rule, literal in self._switchable.switches.literals.items():
            domain = model.proto.variables[literal.index].domain  # a literal's: [0, 1]
            domain[0] = domain[1] = int(rule in on)
        settings = self.scenario.model
        return run(model, new_solver(self.time_limit, settings.workers or 1, settings.seed))


def minimal_conflict(oracle: Oracle, among: list[RuleId] | None = None) -> list[RuleId] | None:
    """A minimal set of rule instances that cannot hold together, or ``None`` if all can.

    The conflict is the deletion filter's in canonical order — go through the rules, drop a
    rule when the rest is still infeasible without it, keep it when dropping it makes the rest
    feasible; a kept rule is necessary for every subset checked later, so the result is
    minimal — found by :func:`_quick_xplain` with far fewer checks. An empty list means no rule
    is needed: the wish alone is impossible. ``among``: only these rules (the others off).
    """
    universe = list(oracle.rules if among is None else among)
    if oracle.feasible(universe):
        return None
    if not oracle.feasible([]):
        return []
    found = _quick_xplain(oracle, [], [], universe[::-1])
    position = {rule: n for n, rule in enumerate(universe)}
    return sorted(found, key=position.__getitem__)


def _quick_xplain(
    oracle: Oracle, background: list[RuleId], added: list[RuleId], candidates: list[RuleId]
) -> list[RuleId]:
    """Junker's QuickXplain (2004): the conflict among ``candidates`` (given the ``background``,
    which holds none) that prefers the candidates listed first, by halving.

    With the candidates in reverse canonical order this is the deletion filter's conflict (the
    filter drops early rules first, so it keeps the latest ones it can); about ``2k·log(n/k)``
    checks for a conflict of ``k`` among ``n`` rules instead of ``n``.
    """
    if added and not oracle.feasible(background):
        return []
    if len(candidates) == 1:
        return list(candidates)
    half = len(candidates) // 2
    first, second = candidates[:half], candidates[half:]
    later = _quick_xplain(oracle, background + first, first, second)
    earlier = _quick_xplain(oracle, background + later, later, first)
    return earlier + later


def blocking_conflicts(oracle: Oracle, limit: int = 6) -> list[list[RuleId]]:
    """Disjoint minimal conflicts until the rest is feasible: every group of limits that blocks.

    The first is :func:`minimal_conflict`; the next is searched with the rules found so far
    left out, and so on, so relaxing one rule of *each* group (not of one) makes a plan
    possible. At most ``limit`` groups (each costs a conflict search).
    """
    found: list[list[RuleId]] = []
    rest = list(oracle.rules)
    while len(found) < limit:
        conflict = minimal_conflict(oracle, rest)
        if conflict is None:
            break
        found.append(conflict)
        if not conflict:
            break
        rest = [rule for rule in rest if rule not in conflict]
    return found
