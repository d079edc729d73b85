"""Binding rules of a feasible plan: the rule instances that limit the optimum.

A rule instance is *binding* when switching it off (every other rule kept) gives a
lexicographically better optimum: some level improves while every earlier level keeps its
value. The plan is optimal, so with one rule off each level either keeps its value or is the
first to improve; level ``k`` improves exactly when some plan has the rule off, the levels
before ``k`` at the plan's values and level ``k`` better.

Fast: one switchable model holds every level — "at the plan's value" and "better than the
plan" each behind a literal — and is reused for every check, with the rule literals fixed by
their domains so presolve sees a plain model. Switching more rules off can only help, so one
check with *every* rule instance off tells whether any of them can improve a level (no slack
heuristics: in whole host steps a budget with room for one step can still bind when the
better plan needs two). Only when a level can improve does a second check ask for the
fewest rules that must be off for it: one rule is binding; two or more mean that no rule
improves the level on its own. A check that finds a better plan also names the rules that plan
breaks (evaluated on its values, every other rule it keeps): when that is one rule, the rule is
binding without further search. Levels already at their best possible value (the largest-remainder bound, the whole
partner share, no Eigenanteil, no change) are not checked at all.

Both cores: once a level's search halves many rules, the halves are searched side by side,
each with the work left and what was known at the halving (:data:`SIDE_BY_SIDE_FROM`).

Same input, same answer: every check runs with one CP-SAT worker, a fixed seed and a
deterministic work limit (``max_deterministic_time``), never wall time; the halves side by side
see exactly what they would see one after the other. Rules whose check
that limit cut short are reported as not completely checked, never silently dropped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ortools.sat.python import cp_model

from kimopt.analysis.explain.core import Scenario, canonical
from kimopt.cpsat.objectives import LEVELS, Level
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.cpsat.solver import work_limited_solver
from kimopt.cpsat.switches import RuleId
from kimopt.lexicographic import CpsatModel
from kimopt.numbers import decimal_vzae, round_euros
from kimopt.plan import Plan
from kimopt.results import LevelResult, Status
from kimopt.rules import FUNDING_CAP

if TYPE_CHECKING:
    from kimopt.pipeline import Outcome

_T = TypeVar("_T")

WORK_PER_CHECK = 4.0
"""Deterministic work limit of one check, in CP-SAT's deterministic seconds."""
WORK_FEWEST = 0.05
"""Work limit of the search for the fewest rules to switch off (halving the set takes over)."""
WORK_TOTAL = 40.0
"""Deterministic work of the whole analysis; rules left when it is spent are reported unchecked.
Halves searched side by side may each spend what is left, so the analysis spends at most twice this."""
SIDE_BY_SIDE_FROM = 16
"""A level's search over at least this many rules, once it must halve them, searches the two
halves side by side (the second on a twin of the model, on the other core), each with the work
left and what was known before the halving; searched one after the other, the halves see
exactly the same, so the answer does not depend on whether they ran in parallel. (Halving the
work left instead cut the search on Germany as one model short: 2,837 rules unchecked.)"""
WORK_REFERENCE_VARIABLES = 2_000
"""Up to this many model variables the limits above hold as they are (Eifelkreis Bitburg-Prüm,
234 Gemeinden, has 1,248); a larger model gets them in proportion, because CP-SAT's
deterministic time under-counts the work on large models: one check of 4 deterministic
seconds took 55 s of wall time on 10,789 Kommunen."""


@dataclass(frozen=True)
class Binding:
    """Relaxing ``rule`` improves ``level`` from ``before`` to ``after`` (``None``: without the
    rule the level is bounded by nothing but the model's own universe, e.g. the funding cap).
    ``proven`` is false when the work limit stopped the search for the best ``after`` (then
    ``after`` is an improvement found, not necessarily the best)."""

    rule: RuleId
    level: str
    unit: str
    before: Fraction
    after: Fraction | None
    proven: bool = True


@dataclass
class BindingReport:
    """The binding rules found, and the rule instances the work limit left not fully checked,
    each with the first level it was not decided at (at the levels before it does not bind)."""

    bindings: list[Binding] = field(default_factory=list)
    unchecked_from: dict[RuleId, str] = field(default_factory=dict)

    def leave(self, rules: list[RuleId], level: str) -> None:
        """``rules`` stay undecided from ``level`` on."""
        self.unchecked_from.update(dict.fromkeys(rules, level))

    @property
    def unchecked(self) -> list[RuleId]:
        """The rule instances not completely checked, in canonical order."""
        return sorted(self.unchecked_from, key=canonical)

    @property
    def complete(self) -> bool:
        """Every rule instance was decided: binding or not."""
        return not self.unchecked_from

    def __iter__(self) -> Iterator[Binding]:
        return iter(self.bindings)

    def __len__(self) -> int:
        return len(self.bindings)


def _fixed_domain(cm: CpsatModel, literal: cp_model.IntVar, value: int) -> None:
    domain = cm.model.proto.variables[literal.index].domain
    domain.clear()
    domain.extend([value, value])


class _Stopped(Exception):
    """The search was ended from another thread (:meth:`_Probe.stop`); its findings are dropped."""


@dataclass
class _Knowledge:
    """What a probe has learnt: the work spent, the better plans found (level, rules each broke),
    the value and plan each binding rule reached, the work of the last check."""

    work: float
    known: list[tuple[int, frozenset[RuleId]]]
    reached: dict[RuleId, tuple[int, list[int]]]
    last_check: float


class _Probe:
    """The switchable model with every level of the plan, reused for each check."""

    def __init__(self, scenario: Scenario, plan: Plan, parallel: bool = False) -> None:
        self._twin_of = (scenario, plan) if parallel else None
        self._twin: _Probe | None = None
        self._stopped = False
        self._current: cp_model.CpSolver | None = None
        self._lock = threading.Lock()
        self.cm = scenario.build(switchable=True)
        self.model = scenario.model
        self.literals = self.cm.switches.literals
        self.work = 0.0
        self.last_check = 0.0
        cm, used = self.cm, _targets(plan)
        self.levels: list[tuple[Level, int, cp_model.IntVar, cp_model.IntVar]] = []
        for objective, base in zip(scenario.model.objectives, plan.levels, strict=True):
            level = LEVELS[objective.name](cm.model, cm.problem, cm.variables, objective, used)
            assert base.value is not None
            units = base.value / level.factor
            assert units.denominator == 1
            at, better = (cm.model.new_bool_var(f"{level.name}@plan"), cm.model.new_bool_var(f"{level.name}>plan"))
            if level.maximize:
                cm.model.add(level.expr >= int(units)).only_enforce_if(at)
                cm.model.add(level.expr >= int(units) + 1).only_enforce_if(better)
            else:
                cm.model.add(level.expr <= int(units)).only_enforce_if(at)
                cm.model.add(level.expr <= int(units) - 1).only_enforce_if(better)
            self.levels.append((level, int(units), at, better))
        self._hold_remainder_coverages(plan)
        self.plan_units = list(plan.units)
        self._hint(self.plan_units)
        self.constraints = _rule_constraints(cm.model.proto, self.literals)
        self.witness: list[RuleId] = []
        self.known: list[tuple[int, frozenset[RuleId]]] = []  # (level, rules a better plan broke)
        # the level's value and the units of a better plan with just this rule off
        self.reached: dict[RuleId, tuple[int, list[int]]] = {}
        self.scale = min(1.0, WORK_REFERENCE_VARIABLES / len(cm.model.proto.variables))
        self.budget = WORK_TOTAL * self.scale

    def _hold_remainder_coverages(self, plan: Plan) -> None:
        """Proportionality held at the largest-remainder bound (with ``N`` at the plan's) means
        exactly the coverages of :mod:`kimopt.cpsat.remainders`: say so, so that later levels'
        checks start from fixed coverages instead of rediscovering them."""
        names = [level.name for level, *_ in self.levels]
        if names[:2] != ["use_positions", "proportionality"] or self.levels[1][0].measure not in (None, "l1"):
            return
        problem, used = plan.problem, _targets(plan)
        if used != problem.units(plan.used) or self.levels[0][1] != used:
            return
        optimum = remainder_optimum(problem, used)
        if self.levels[1][1] != optimum.lb:
            return
        model, v, at = self.cm.model, self.cm.variables, self.levels[1][2]
        tied = set(optimum.tied)
        for i in problem.kommune_order:
            if i not in tied:
                model.add(v.coverage(i) == optimum.floor[i] + (i in optimum.up)).only_enforce_if(at)
        for i in optimum.tied:
            model.add_linear_constraint(v.coverage(i), optimum.floor[i], optimum.floor[i] + 1).only_enforce_if(at)
        if optimum.tied:
            extra = sum(optimum.floor[i] for i in optimum.tied) + optimum.tied_up
            model.add(sum(v.coverage(i) for i in optimum.tied) == extra).only_enforce_if(at)

    def _set(self, off: set[RuleId], level: int, free: set[RuleId] | None = None) -> None:
        for rule, literal in self.literals.items():
            if free and rule in free:
                _free_domain(self.cm, literal)
            else:
                _fixed_domain(self.cm, literal, int(rule not in off))
        for k, (_, _, at, better) in enumerate(self.levels):
            _fixed_domain(self.cm, at, int(k < level))
            _fixed_domain(self.cm, better, int(k == level))

    def _solver(self, limit: float = WORK_PER_CHECK) -> cp_model.CpSolver:
        solver = work_limited_solver(min(limit * self.scale, self.budget - self.work), self.model.seed)
        with self._lock:
            if self._stopped:
                raise _Stopped
            self._current = solver
        return solver

    def stop(self) -> None:
        """End the search from another thread: the running check stops, no further one starts."""
        with self._lock:
            self._stopped = True
            if self._current is not None:
                self._current.stop_search()

    def _knowledge(self) -> _Knowledge:
        return _Knowledge(self.work, list(self.known), dict(self.reached), self.last_check)

    def _adopt(self, knowledge: _Knowledge, budget: float) -> None:
        self.work, self.budget, self.last_check = knowledge.work, budget, knowledge.last_check
        self.known, self.reached = list(knowledge.known), dict(knowledge.reached)

    def side_by_side(self, first: Callable[[_Probe], _T], second: Callable[[_Probe], _T]) -> tuple[_T, _T]:
        """``first(self)`` and ``second(...)``, each with the work left and the knowledge of now
        (see :data:`SIDE_BY_SIDE_FROM`); afterwards the probe knows what both learnt and has
        spent what both spent."""
        before, budget = self._knowledge(), self.budget
        if self._twin_of is None:
            a = first(self)
            after_first = self._knowledge()
            self._adopt(before, budget)
            b = second(self)
            after_second = self._knowledge()
        else:
            if self._twin is None:
                self._twin = _Probe(*self._twin_of)
            twin = self._twin
            twin._adopt(before, budget)
            a, b = _two_threads(lambda: first(self), lambda: second(twin), twin)
            after_first, after_second = self._knowledge(), twin._knowledge()
        self._adopt(before, budget)
        self.work += (after_first.work - before.work) + (after_second.work - before.work)
        for after in (after_first, after_second):
            self.known += after.known[len(before.known) :]
            self.reached.update(after.reached)
        self.last_check = after_second.last_check
        return a, b

    @property
    def spent(self) -> bool:
        return self.work >= self.budget

    def improves(self, off: set[RuleId], level: int) -> bool | None:
        """Can level ``level`` improve with the rules ``off`` switched off? ``None``: undecided.

        Yes without a solve when a better plan found before breaks only rules of ``off``."""
        for known_level, broken in self.known:
            if known_level == level and broken <= off:
                self.witness = sorted(broken, key=canonical)
                return True
        self._set(off, level)
        self.cm.model.clear_objective()
        solver = self._solver()
        code = solver.solve(self.cm.model)
        self.work += solver.deterministic_time
        self.last_check = solver.deterministic_time
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.witness = self.broken(solver, sorted(off, key=canonical))
            self.known.append((level, frozenset(self.witness)))
            one = self.witness if len(self.witness) == 1 else sorted(off) if len(off) == 1 else []
            if one:
                self._reach(one[0], solver, level)
            return True
        return False if code == cp_model.INFEASIBLE else None

    def broken(self, solver: cp_model.CpSolver, among: list[RuleId]) -> list[RuleId]:
        """The rules of ``among`` that the solver's plan breaks, evaluated on its values.

        The plan keeps every other rule, so it is a plan with just these rules off. A rule
        whose constraints are not all linear counts as broken (no evaluation, no claim)."""
        values = list(solver.response_proto.solution)
        proto = self.cm.model.proto.constraints

        def holds(index: int, own: int) -> bool:
            c = proto[index]
            others = [r for r in c.enforcement_literal if r != own]
            if not all(values[r] == 1 if r >= 0 else values[-r - 1] == 0 for r in others):
                return True  # not enforced even with the rule on
            total = sum(coeff * values[var] for var, coeff in zip(c.linear.vars, c.linear.coeffs, strict=True))
            bounds = c.linear.domain
            return any(bounds[i] <= total <= bounds[i + 1] for i in range(0, len(bounds), 2))

        def keeps(rule: RuleId) -> bool:
            listed = self.constraints[rule]
            own = self.literals[rule].index
            return listed is not None and all(holds(index, own) for index in listed)

        return [rule for rule in among if not keeps(rule)]

    def fewest(self, among: list[RuleId], level: int) -> tuple[bool, list[RuleId]]:
        """The fewest rules of ``among`` to switch off so that ``level`` improves, and whether
        that is proven the fewest (the others are kept on, the earlier levels at the plan's)."""
        self._set(set(among), level, free=set(among))
        model = self.cm.model.clone()
        off_count = sum(1 - self.literals[rule] for rule in among)
        model.add(off_count >= 1)  # the plan is optimal: with every rule on nothing improves
        model.minimize(off_count)
        # worth it where a check is expensive (many Kommunen); halving is cheaper on small models
        solver = self._solver(min(WORK_FEWEST, max(0.005, 16 * self.last_check / self.scale)))
        code = solver.solve(model)
        self.work += solver.deterministic_time
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, []
        off = [rule for rule in among if solver.value(self.literals[rule]) == 0]
        if len(off) == 1:
            self._reach(off[0], solver, level)
        return code == cp_model.OPTIMAL, off

    def _hint(self, units: list[int]) -> None:
        self.cm.model.clear_hints()
        for var, value in zip(self.cm.variables.a, units, strict=True):
            self.cm.model.add_hint(var, value)

    def _reach(self, rule: RuleId, solver: cp_model.CpSolver, level: int) -> None:
        values = solver.response_proto.solution
        units = [values[var.index] for var in self.cm.variables.a]
        self.reached[rule] = (solver.value(self.levels[level][0].expr), units)

    def best(self, rule: RuleId, level: int) -> tuple[int, bool]:
        """The best value of level ``level`` with ``rule`` off (solver units) and whether proven.

        Unproven, it is the better of the value this search reached and the value of the plan
        that showed the rule binding (the work limit may stop the search before any plan)."""
        expr_level = self.levels[level][0]
        self._set({rule}, level)
        model = self.cm.model
        model.maximize(expr_level.expr) if expr_level.maximize else model.minimize(expr_level.expr)
        reached, units = self.reached[rule]
        self._hint(units)  # start from the better plan already found
        solver = self._solver()
        code = solver.solve(model)
        self.work += solver.deterministic_time
        model.clear_objective()
        self._hint(self.plan_units)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return reached, False
        value = solver.value(expr_level.expr)
        better = max if expr_level.maximize else min
        return better(value, reached), code == cp_model.OPTIMAL


def _two_threads(first: Callable[[], _T], second: Callable[[], _T], twin: _Probe) -> tuple[_T, _T]:
    """``first()`` here and ``second()`` on another thread (CP-SAT lets go of Python while it
    searches); when ``first`` fails (Ctrl-C, a superseded request), ``twin`` is stopped too."""
    result: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(second())
        except _Stopped:
            pass
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    thread = threading.Thread(target=run, name="binding-twin", daemon=True)
    thread.start()
    try:
        a = first()
    except BaseException:
        twin.stop()
        thread.join()
        raise
    thread.join()
    if failure:
        raise failure[0]
    return a, result[0]


def _rule_constraints(proto: Any, literals: dict[RuleId, cp_model.IntVar]) -> dict[RuleId, list[int] | None]:
    """The constraints each rule literal switches (``None``: one is not linear, or the literal
    appears in a constraint otherwise — then the rule is never evaluated, always counted broken)."""
    rule_of = {literal.index: rule for rule, literal in literals.items()}
    found: dict[RuleId, list[int] | None] = {rule: [] for rule in literals}
    for index, constraint in enumerate(proto.constraints):
        for var in constraint.linear.vars if constraint.has_linear() else ():
            if var in rule_of:  # used as a value, not only as a switch: no evaluation
                found[rule_of[var]] = None
        for ref in constraint.enforcement_literal:
            rule = rule_of.get(ref if ref >= 0 else -ref - 1)
            if rule is None:
                continue
            listed = found[rule]
            if ref < 0 or not constraint.has_linear() or listed is None:
                found[rule] = None
            else:
                listed.append(index)
    return found


def _free_domain(cm: CpsatModel, literal: cp_model.IntVar) -> None:
    domain = cm.model.proto.variables[literal.index].domain
    domain.clear()
    domain.extend([0, 1])


def _targets(plan: Plan) -> int:
    """``N_used*``, on which the plan's targets rest."""
    return plan.target_units if plan.target_units is not None else plan.problem.units(plan.used)


def _at_best(level: Level, value: int, plan: Plan) -> bool:
    """No rule can improve a level that is already at the best value any plan of ``N`` has."""
    problem, used = plan.problem, _targets(plan)
    n_units = problem.units(plan.used)
    if level.name == "proportionality" and level.measure in (None, "l1") and used == n_units:
        return value == remainder_optimum(problem, n_units).lb
    if level.name == "partner_share":
        share = problem.model.kreis_min_share
        return value == (share.denominator - share.numerator) * n_units
    if level.name in ("own_cost", "stability"):
        return value == 0
    if level.name == "fewer_hosts":
        return value <= int(n_units > 0)
    return False


def binding_rules(
    scenario: Scenario,
    plan: Plan,
    progress: Callable[[str], None] | None = None,
    parallel: bool = True,
    by_blocks: bool = True,
) -> BindingReport:
    """The rule instances that limit the optimum of ``plan`` (which must be proven optimal).

    Needs the objectives to start with ``use_positions`` (as every bundled model does):
    otherwise switching a rule off could move ``N_used*`` and with it the targets themselves,
    which is no "better" or "worse" on the plan's levels, so every rule is reported unchecked.
    Rules are also reported unchecked when the deterministic work (:data:`WORK_TOTAL`) is spent.
    ``parallel`` searches halves on both cores (:data:`SIDE_BY_SIDE_FROM`), with the same answer.
    ``by_blocks``: where the solve may go block by block, the rules of one block are decided
    for the later levels on their block's own model (:mod:`.binding_blocks`; the same answer).
    """
    from kimopt.analysis.explain.binding_blocks import later_levels

    probe = _Probe(scenario, plan, parallel=parallel and (os.cpu_count() or 1) > 1)
    rules = sorted(probe.literals, key=canonical)
    report = BindingReport()
    first = scenario.model.objectives[0].name if scenario.model.objectives else ""
    if first != "use_positions":
        report.leave(rules, first)
        return report
    split = later_levels(scenario, plan, rules, check_levels, progress) if by_blocks else None
    cut = len(probe.levels) if split is None else split.level
    open_rules = _search_levels(probe, rules, plan, report, range(cut), progress)
    if split is not None and open_rules:
        report.bindings += [b for b in split.bindings if b.rule in set(open_rules)]
        undecided = [r for r in open_rules if r in split.undecided]
        _search_levels(probe, undecided, plan, report, range(cut, len(probe.levels)), progress)
    report.bindings.sort(key=lambda b: canonical(b.rule))
    return report


def check_levels(
    scenario: Scenario, plan: Plan, candidates: list[RuleId], work: float
) -> tuple[list[Binding], set[RuleId], float]:
    """Which ``candidates`` bind ``plan`` on ``scenario``'s model, every level from its first
    (a block's levels, :mod:`.binding_blocks`), with at most ``work``: the bindings, the rules
    left undecided (a work limit, or no rule of this model), and the work spent."""
    probe = _Probe(scenario, plan)
    probe.budget = min(probe.budget, work)
    report = BindingReport()
    _search_levels(probe, [r for r in candidates if r in probe.literals], plan, report, range(len(probe.levels)))
    undecided = {r for r in candidates if r not in probe.literals} | set(report.unchecked_from)
    return report.bindings, undecided, probe.work


def _search_levels(
    probe: _Probe,
    rules: list[RuleId],
    plan: Plan,
    report: BindingReport,
    levels: range,
    progress: Callable[[str], None] | None = None,
) -> list[RuleId] | None:
    """Search ``rules`` at ``levels`` in order, into ``report``: a rule binding at level ``k`` is
    reported there and not checked later. The rules still open after the last of ``levels``;
    ``None`` when the work ran out (the rules left are then in ``report.unchecked``)."""
    open_rules = list(rules)
    for k in levels:
        level, value, _, _ = probe.levels[k]
        if not open_rules:
            break
        if progress:
            progress(level.name)
        if _at_best(level, value, plan):
            continue
        found, unchecked = _search(probe, open_rules, k)
        report.bindings += _bindings(probe, found, k, plan.levels[k])
        done = set(found) | set(unchecked)
        report.leave(unchecked, level.name)
        open_rules = [r for r in open_rules if r not in done]
        if probe.spent:
            # decided up to this level; undecided only if a later level still needs its check
            later = [lv.name for lv, v, _, _ in probe.levels[k + 1 :] if not _at_best(lv, v, plan)]
            if later:
                report.leave(open_rules, later[0])
            return None
    return open_rules


def _search(
    probe: _Probe, candidates: list[RuleId], level: int, whole: bool = True
) -> tuple[list[RuleId], list[RuleId]]:
    """Which ``candidates`` alone improve ``level``: (binding, undecided), in canonical order.

    First a check with all of them off (infeasible in the common case, which presolve proves
    fast); when the level can improve, the fewest rules whose switching off suffices: one rule
    is binding; two or more (proven) mean no candidate improves the level alone. When that
    search is cut short, the set is halved and each half checked (by the first check alone).
    """
    found: list[RuleId] = []
    todo = list(candidates)
    while todo:
        if probe.spent:
            return found, todo
        improves = probe.improves(set(todo), level)
        if improves is None and len(todo) == 1:
            return found, todo
        if improves is False:
            return found, []
        if improves and len(probe.witness) == 1:  # its plan breaks this rule alone
            found += probe.witness
            todo = [r for r in todo if r not in probe.witness]
            continue
        if improves is True and len(todo) == 1:
            return found + todo, []
        proven, off = probe.fewest(todo, level) if improves and whole else (False, [])
        if len(off) == 1:  # a plan with only this rule off improves the level
            found += off
            todo = [r for r in todo if r not in off]
            continue
        if proven:
            return found, []
        half = len(todo) // 2
        first, second = todo[:half], todo[half:]
        if whole and len(todo) >= SIDE_BY_SIDE_FROM:
            parts = probe.side_by_side(
                partial(_search, candidates=first, level=level, whole=False),
                partial(_search, candidates=second, level=level, whole=False),
            )
        else:
            parts = (_search(probe, first, level, whole=False), _search(probe, second, level, whole=False))
        unchecked: list[RuleId] = []
        for more, undecided in parts:
            found += more
            unchecked += undecided
        return found, unchecked
    return found, []


def _bindings(probe: _Probe, rules: list[RuleId], k: int, base: LevelResult) -> list[Binding]:
    """The bindings of ``rules`` at level ``k`` with their relaxed values (half on each core)."""
    if len(rules) < 2:
        return [_binding(probe, rule, k, base) for rule in rules]
    first, second = probe.side_by_side(
        lambda p: [_binding(p, rule, k, base) for rule in rules[::2]],
        lambda p: [_binding(p, rule, k, base) for rule in rules[1::2]],
    )
    return first + second


def _binding(probe: _Probe, rule: RuleId, k: int, base: LevelResult) -> Binding:
    level = probe.levels[k][0]
    assert base.value is not None
    if rule == (FUNDING_CAP.name, "") and level.name == "use_positions":
        return Binding(rule, level.name, level.unit, base.value, None)
    value, proven = probe.best(rule, k)
    return Binding(rule, level.name, level.unit, base.value, level.factor * value, proven)


def _figure(value: Fraction, unit: str) -> float | int:
    if unit == "EUR":
        return round_euros(value)
    return decimal_vzae(value) if unit == "VZÄ" else int(value)


def binding_json(report: BindingReport) -> dict[str, Any]:
    """Binding rules for the plan JSON: rule, subject, the level that improves, before/after;
    and the rule instances not completely checked, each with the first level it was not decided
    at (empty when the analysis is complete)."""
    return {
        "binding_rules": [
            {
                "rule": b.rule[0],
                "subject": b.rule[1] or None,
                "level": b.level,
                "value": _figure(b.before, b.unit),
                "relaxed_value": None if b.after is None else _figure(b.after, b.unit),
                "relaxed_value_proven": b.proven,
            }
            for b in report.bindings
        ],
        "binding_rules_complete": report.complete,
        "binding_rules_unchecked": [
            {"rule": rule, "subject": subject or None, "level": report.unchecked_from[(rule, subject)]}
            for rule, subject in report.unchecked
        ],
    }


def add_binding_rules(
    plan_json: dict[str, Any], plan: Plan, progress: Callable[[str], None] | None = None, together: bool = False
) -> dict[str, Any]:
    """Add ``summary.binding_rules`` (and whether they are complete) to a plan JSON.

    ``None`` when the plan is not proven optimal, or when its years are planned together
    (``lookahead``): binding rules are only defined against a year's proven optimum. The answer
    does not depend on time: see the module docstring.
    """
    summary = plan_json.setdefault("summary", {})
    if plan.status is not Status.OPTIMAL or together:
        summary.update(binding_rules=None, binding_rules_complete=False, binding_rules_unchecked=[])
        if summary.get("unused_vzae"):
            summary["unused_limited_by"] = None
        return plan_json
    report = binding_rules(Scenario(plan.instance, plan.problem.model, carried=plan.problem.carried), plan, progress)
    summary.update(binding_json(report))
    if summary.get("unused_vzae"):
        summary["unused_limited_by"] = unused_limited_by(report)
    return plan_json


def unused_limited_by(report: BindingReport) -> list[dict[str, Any]]:
    """The rules that keep fundable VZÄ unused: those binding ``use_positions`` (DESIGN §5).

    A plan that leaves funding unused is not at the funding cap, so relaxing one of these rules
    (every other rule kept) lets it use more positions.
    """
    return [{"rule": b.rule[0], "subject": b.rule[1] or None} for b in report.bindings if b.level == "use_positions"]


def add_year_binding_rules(outcome: Outcome, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """:func:`add_binding_rules` for every year of a solved plan, each against its own optimum given
    the years before; the top level of a multi-year plan repeats the first year's."""
    data = outcome.plan_json
    assert data is not None
    years = data.get("years")
    if not isinstance(years, list):
        return add_binding_rules(data, outcome.years[0].plan(), progress)
    # lookahead: a year gives way for a later one, so its plan is not its own optimum (held_back)
    together = outcome.years[0].problem.model.lookahead and len(years) > 1
    for entry, year in zip(years, outcome.years, strict=True):
        labelled = None if progress is None else _prefixed(progress, year.label)
        add_binding_rules(entry, year.plan(), labelled, together)
    keys = ("binding_rules", "binding_rules_complete", "binding_rules_unchecked", "unused_limited_by")
    data["summary"].update({k: years[0]["summary"][k] for k in keys if k in years[0]["summary"]})
    return data


def _prefixed(progress: Callable[[str], None], label: str) -> Callable[[str], None]:
    return lambda text: progress(f"{label}: {text}")
