"""Binding rules at the levels after proportionality, decided block by block (:mod:`kimopt.blocks`).

Where the solve may go block by block — ``proportionality`` at the largest-remainder bound, so
every coverage is fixed, and no rule of the Kreis can bind (:func:`kimopt.blocks.worthwhile`)
— the relaxation without the Kreis's own rules has the whole model's optimum: its later
levels are a constant plus the sum of the blocks' own, and the plan is, in every block, at
that block's lexicographic optimum.

**The argument.** Take a rule ``r`` that does not improve ``use_positions`` or
``proportionality`` (the whole-model search decides those levels first): with ``r`` off they
keep the plan's values, so the coverages stay fixed, and the relaxation with ``r`` off still
bounds every plan of the whole model with ``r`` off (where it counts the Kreis in
``fewer_hosts``, every such plan must employ it: :func:`~kimopt.blocks.bounds_later_levels`).

- A rule of the Kreis itself (its share, budget, size, filled positions, the funding cap):
  the relaxation leaves it out already, so its bound is the plan's values, and the rule binds
  no later level. So does a rule of a Kommune that only the Kreis serves (its coverage is
  fixed), and the quota rule where the fixed coverages keep it.
- A rule of one block ``b`` (a Kommune's budget, a host's size, a Träger's capacity …)
  changes only block ``b``'s part of the relaxation. It improves no level of its block → it
  improves no later level of the whole plan. It improves level ``k`` of its block first, by
  ``d`` → if the Kreis's rules still cannot bind with ``r`` off
  (:func:`~kimopt.blocks.worthwhile` with ``off={r}``: a Träger's capacity may have been
  what kept the Kreis its share), every plan of the relaxation is one of the whole model, so
  ``r`` improves level ``k`` first there too, by ``d``.

One thing the relaxation keeps: with ``r`` off every other host and the Kreis still employ
whole host steps, and so do the plan's ``N`` positions, so the host that ``r`` frees employs
whole steps too; every host of a block does (:func:`_whole_steps`). Each block is checked on
its own small switchable model with the very checks of :mod:`~kimopt.analysis.explain.binding`.
Rules whose subject is in no single block (or shares the Kreis's name), rules the bound does
not cover, and rules a block's work limit cut short are left *undecided*: the whole-model
search checks them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from kimopt import blocks
from kimopt.analysis.explain.core import Scenario, canonical
from kimopt.cpsat.objectives import UNITS
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.cpsat.switches import RuleId
from kimopt.lexicographic import CpsatModel, ModelTooLarge, block_model
from kimopt.plan import Plan
from kimopt.problem import Problem
from kimopt.results import LevelResult, Status
from kimopt.rules import QUOTA_RULE, rule

if TYPE_CHECKING:  # binding.py calls this module with its checks: no import the other way
    from kimopt.analysis.explain.binding import Binding

Check = Callable[[Scenario, Plan, list[RuleId], float], tuple[list["Binding"], set[RuleId], float]]
"""The checks of every level of a model (:func:`kimopt.analysis.explain.binding.check_levels`)."""

FIRST_LEVEL = 2
"""The first level decided per block: the one after ``proportionality`` (:func:`blocks.applies`)."""

WORK_BLOCKS = 40.0  # as the whole analysis's (binding.WORK_TOTAL)
"""Deterministic work of all blocks' checks together (Germany as one model, 532 blocks, spends
0.12, the largest block 0.015); the blocks left when it is spent go to the whole-model search."""

SETTLED = -1
"""The place of a rule that the relaxation leaves out or that has nothing left to change in it:
the Kreis's own, those of a Kommune that only the Kreis serves."""


@dataclass(frozen=True)
class LaterLevels:
    """What the blocks decide: the rules binding at ``level`` or later, and those left undecided."""

    level: int  # index of the first level decided per block
    bindings: tuple[Binding, ...]
    undecided: frozenset[RuleId]


@dataclass(frozen=True)
class _BlockScenario(Scenario):
    """One block as a scenario: its model is :func:`~kimopt.lexicographic.block_model`, every
    host of the block in whole steps."""

    block: blocks.Block | None = None

    def build(self, switchable: bool) -> CpsatModel:
        assert self.block is not None
        cm = block_model(self.block, switchable)
        _whole_steps(cm)
        return cm


def later_levels(
    scenario: Scenario,
    plan: Plan,
    rules: Iterable[RuleId],
    check: Check,
    progress: Callable[[str], None] | None = None,
) -> LaterLevels | None:
    """The later levels' binding rules among ``rules`` (the whole model's), block by block.

    ``None`` when blocks do not apply (see the module docstring): then every rule is the
    whole-model search's. A rule found binding at an earlier level is no concern here: the
    caller uses the answer only for the rules still open at :attr:`LaterLevels.level`.
    """
    problem = plan.problem
    if not _applies(scenario, plan):
        return None
    used = problem.units(plan.used)
    optimum = remainder_optimum(problem, used)
    if plan.levels[1].value != Fraction(optimum.lb, problem.total_weight) * problem.g:
        return None
    split = blocks.partition(problem, optimum)
    if not blocks.worthwhile(problem, split, used):
        return None
    undecided: set[RuleId] = set()
    by_block: dict[int, list[RuleId]] = {}
    for r, place in _places(problem, split, rules).items():
        if place is None or not blocks.bounds_later_levels(problem, used, split, frozenset({r})):
            undecided.add(r)
        elif place != SETTLED and not (r[0] == QUOTA_RULE.name and _quota_kept(problem, split, used, r)):
            by_block.setdefault(place, []).append(r)
    bindings: list[Binding] = []
    later = [objective.name for objective in problem.model.objectives[FIRST_LEVEL:]]
    work = WORK_BLOCKS
    for number, (b, candidates) in enumerate(sorted(by_block.items()), start=1):
        if progress:
            progress(f"{later[0]} … {later[-1]}: {number}/{len(by_block)}")
        if work <= 0:
            undecided |= set(candidates)
            continue
        found, open_, spent = _decide_block(split.blocks[b], plan, sorted(candidates, key=canonical), check, work)
        work -= spent
        undecided |= open_
        for binding in found:
            # binding in its block; in the whole plan only if the Kreis's rules still hold
            if blocks.worthwhile(problem, split, used, off=frozenset({binding.rule})):
                bindings.append(binding)
            else:
                undecided.add(binding.rule)
    bindings.sort(key=lambda found: canonical(found.rule))
    return LaterLevels(FIRST_LEVEL, tuple(bindings), frozenset(undecided))


def _applies(scenario: Scenario, plan: Plan) -> bool:
    """A plain year of one proven plan, whose solve may go by blocks."""
    problem = plan.problem
    return (
        scenario.wish is None
        and not scenario.off
        and scenario.year is None
        and scenario.carried is None
        and plan.status is Status.OPTIMAL
        and plan.target_units in (None, problem.units(plan.used))
        and len(plan.levels) == len(problem.model.objectives)
        and all(level.proven and level.value is not None for level in plan.levels)
        and blocks.applies(problem.model.objectives)
        and blocks.large_enough(problem)
    )


def _places(problem: Problem, split: blocks.Partition, rules: Iterable[RuleId]) -> dict[RuleId, int | None]:
    """Each rule's block (its index in ``split.groups``), :data:`SETTLED`, or ``None``: not one block."""
    group_of = {i: g for g, members in enumerate(split.groups) for i in members}
    kreis = problem.hosts[problem.kreis].name
    kreis_rules = blocks.kreis_rules(problem)
    kommunen: dict[str, list[int]] = {}
    for i, kommune in enumerate(problem.instance.kommunen):
        kommunen.setdefault(kommune.name, []).append(i)
    hosts: dict[str, list[int]] = {}
    for h, host in enumerate(problem.hosts):
        if h != problem.kreis:
            hosts.setdefault(host.name, []).append(h)
    places: dict[RuleId, int | None] = {}
    for r in rules:
        family, subject = r
        if subject == kreis and (subject in hosts or subject in kommunen):
            places[r] = None  # one literal for the Kreis's rule and another host's or Kommune's
        elif r in kreis_rules:
            places[r] = SETTLED
        elif rule(family).scope == "global" or subject == kreis:
            places[r] = None
        else:
            if rule(family).scope == "host":
                members = [problem.links[li].kommune for h in hosts.get(subject, []) for li in problem.links_of_host[h]]
            else:
                members = kommunen.get(subject, [])
            found = {group_of.get(i, SETTLED) for i in members}
            places[r] = found.pop() if len(found) == 1 else None
    return places


def _quota_kept(problem: Problem, split: blocks.Partition, used: int, r: RuleId) -> bool:
    """Whether the fixed coverages keep the Kommune's quota rule whatever the plan
    (``N·w_i − W < c_i·W < N·w_i + W`` for its least and its most ``c_i``)."""
    i = next(i for i, k in enumerate(problem.instance.kommunen) if k.name == r[1])
    total, weight = problem.total_weight, problem.weights[i]
    return all(used * weight - total < c * total < used * weight + total for c in split.bounds[i])


def _decide_block(
    block: blocks.Block, plan: Plan, candidates: list[RuleId], check: Check, work: float
) -> tuple[list[Binding], set[RuleId], float]:
    """The ``candidates`` binding in ``block`` (values as in the whole plan), those the work
    limit left undecided (the others bind at no later level), and the work spent (at most ``work``)."""
    try:
        scenario = _BlockScenario(block.problem.instance, block.problem.model, block=block)
        own = _block_plan(block, plan)
        inside, undecided, spent = check(scenario, own, candidates, work)
    except ModelTooLarge:
        return [], set(candidates), 0.0
    found = []
    for binding in inside:
        whole = plan.levels[FIRST_LEVEL + [level.name for level in own.levels].index(binding.level)].value
        assert whole is not None and binding.after is not None
        found.append(replace(binding, before=whole, after=whole + binding.after - binding.before))
    return found, undecided, spent


def _block_plan(block: blocks.Block, plan: Plan) -> Plan:
    """The whole plan's links of the block, as a plan of the block with its own levels' values.

    The block's model counts its Kreis as employing (for the whole plan): so does its
    ``fewer_hosts`` here, where the Kreis serves nobody of the block.
    """
    units = [plan.units[li] for li in block.links]
    own = Plan(block.problem, units)
    kreis_idle = own.hosted[block.problem.kreis] == 0
    levels = []
    for objective in block.problem.model.objectives:
        value = own.objective_value(objective.name, objective.measure)
        if objective.name == "fewer_hosts" and kreis_idle:
            value += 1
        levels.append(LevelResult(objective.name, UNITS[objective.name], value, value, True, 0.0, objective.measure))
    return Plan(block.problem, units, levels=levels)


def _whole_steps(cm: CpsatModel) -> None:
    """Every host of the block but its Kreis employs whole host steps, whichever rules are off.

    Exact for one rule off in the whole plan (see the module docstring). A check with several
    rules off is then not quite the whole model's, but it still relaxes each of their checks
    alone, and that is all the search draws from it.
    """
    problem, v = cm.problem, cm.variables
    step = problem.units(problem.model.host_step_vzae)
    if step <= 1:
        return
    for h, host in enumerate(problem.hosts):
        if h != problem.kreis:
            steps = cm.model.new_int_var(0, v.cap // step, f"whole_steps[{host.name}]")
            cm.model.add(v.hosted(h) == step * steps)
