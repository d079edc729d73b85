"""Binding rules of a feasible plan: the rule instances that limit the optimum.

A rule instance is *binding* when switching it off (every other rule kept) gives a
lexicographically better optimum: some level improves while every earlier level keeps its
value. The relaxed model is solved level by level and stops at the first level that improves
(binding) or fails to improve after the last one (not binding). To keep this affordable only
rule instances that are *tight* in the plan are tried — a budget with less room than one more
unit would cost, a host at its maximum, a Kommune at its minimum coverage, … — since a rule
with slack cannot limit the optimum; the half-step and quota rules are always tight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kimopt.analysis.explain.core import ExplainTimeout, Scenario, canonical
from kimopt.cpsat.objectives import Level
from kimopt.cpsat.switches import RuleId
from kimopt.numbers import decimal_vzae, round_euros
from kimopt.plan import Plan
from kimopt.problem import Problem
from kimopt.results import LevelResult, Status
from kimopt.rules import (
    BUDGET_KOMMUNE,
    BUDGET_KREIS,
    EXISTING,
    FUNDING_CAP,
    HOST_SIZE,
    KREIS_SHARE,
    PROVIDER_AREA,
    QUOTA_RULE,
    REACHABILITY,
    RULES,
    SHARING,
)
from kimopt.solve import lexicographic


@dataclass(frozen=True)
class Binding:
    """Relaxing ``rule`` improves ``level`` from ``before`` to ``after`` (``None``: without the
    rule the level is bounded by nothing but the model's own universe, e.g. the funding cap)."""

    rule: RuleId
    level: str
    unit: str
    before: Fraction
    after: Fraction | None


def _kommune_hosts_serving(problem: Problem, kommune: int) -> list[int]:
    hosts = [problem.links[link].host for link in problem.links_of_kommune[kommune]]
    return [h for h in hosts if problem.hosts[h].kind == "kommune"]


def _no_room(budget: int | None, paid: Fraction, deficits: list[int], g: Fraction) -> bool:
    """A budget is tight when what is left would not pay for one more unit of any host."""
    costs = [d * g for d in deficits if d > 0]
    return budget is not None and bool(costs) and budget - paid < min(costs)


def _sharing_tight(plan: Plan, h: int) -> bool:
    problem = plan.problem
    own = problem.self_link(h)
    partners = [link for link in problem.links_of_host[h] if problem.links[link].shared]
    minimum = problem.units_up(problem.model.share)
    if any(0 < plan.units[link] == minimum for link in problem.links_of_host[h]):
        return True
    if not partners:
        return False
    used = sum(1 for link in partners if plan.units[link] > 0)
    return (own is not None and plan.units[own] == 0) or used >= problem.model.max_sharing_partners


def tight_rules(plan: Plan) -> list[RuleId]:
    """Rule instances without slack in the plan, in canonical order.

    Hosts change in whole steps, so a rule counts as tight when one host step (not only
    zero) would break it: a Kreis at 4.0 VZÄ with 11 × 1/3 = 3.67 cannot give up half a
    position, so the Kreis quota binds although it holds with room to spare.
    """
    tight = [(rule.name, subject) for rule in RULES for subject in rule.hook("tight")(plan)]
    return sorted(tight, key=canonical)


@FUNDING_CAP.tight
def _funding_cap(plan: Plan) -> list[str]:
    return [""] if plan.used + plan.problem.model.host_step_vzae > plan.instance.funding.positions_vzae else []


@KREIS_SHARE.tight
def _kreis_share(plan: Plan) -> list[str]:
    model = plan.problem.model
    return [""] if plan.used > 0 and plan.kreis_vzae - model.host_step_vzae < model.kreis_min_share * plan.used \
        else []


@HOST_SIZE.tight
def _host_size(plan: Plan) -> list[str]:
    return [host.name for host in plan.problem.hosts]  # always: sizes come in whole steps


@SHARING.tight
def _sharing(plan: Plan) -> list[str]:
    return [host.name for h, host in enumerate(plan.problem.hosts)
            if host.kind == "kommune" and _sharing_tight(plan, h)]


@PROVIDER_AREA.tight
def _provider_area(plan: Plan) -> list[str]:
    problem, step = plan.problem, plan.problem.model.host_step_vzae
    return [host.name for h, host in enumerate(problem.hosts)
            if host.kind == "traeger" and host.max_units is not None
            and plan.hosted[h] + step > problem.vzae(host.max_units)]


@EXISTING.tight
def _existing(plan: Plan) -> list[str]:
    problem, step = plan.problem, plan.problem.model.host_step_vzae
    return [host.name for h, host in enumerate(problem.hosts)
            if host.existing_units and plan.hosted[h] - step < problem.vzae(host.existing_units)]


@BUDGET_KOMMUNE.tight
def _budget_kommune(plan: Plan) -> list[str]:
    problem = plan.problem
    payments = {p.payer: p.eur for p in plan.payments}
    tight = []
    for i, kommune in enumerate(plan.instance.kommunen):
        deficits = [problem.hosts[k].deficit_per_vzae for k in _kommune_hosts_serving(problem, i)]
        if _no_room(kommune.budget, payments[kommune.name], deficits, problem.g):
            tight.append(kommune.name)
    return tight


@BUDGET_KREIS.tight
def _budget_kreis(plan: Plan) -> list[str]:
    problem, kreis = plan.problem, plan.instance.kreis
    kreis_paid = [host.deficit_per_vzae for host in problem.hosts if host.kreis_pays]
    return [""] if _no_room(kreis.budget, plan.payments[0].eur, kreis_paid, problem.g) else []


@REACHABILITY.tight
def _reachability(plan: Plan) -> list[str]:
    minimum, g = plan.problem.model.min_coverage_vzae, plan.problem.g
    return [k.name for i, k in enumerate(plan.instance.kommunen) if minimum and plan.coverage[i] - g < minimum]


@QUOTA_RULE.tight
def _quota_rule(plan: Plan) -> list[str]:
    return [k.name for k in plan.instance.kommunen]  # always: coverage comes in whole units


def _better(value: Fraction, base: Fraction, maximize: bool) -> bool:
    return value > base if maximize else value < base


def relax_one(
    scenario: Scenario, rule: RuleId, baseline: list[LevelResult], time_limit: float
) -> Binding | None:
    """Optimise level by level with ``rule`` off; the first level that beats the plan, if any."""
    rules = scenario.build(switchable=True).switches.literals
    cm = scenario.relaxed({other for other in rules if other != rule})
    model = scenario.model
    base = {r.name: r for r in baseline}

    def beats(level: Level, found: LevelResult) -> bool:
        before = base[level.name].value
        if before is None:
            raise ExplainTimeout("baseline without value")
        assert found.value is not None
        return _better(found.value, before, level.maximize)

    deadline = time.perf_counter() + time_limit
    run = lexicographic(cm, deadline, model.workers or 1, model.seed, shortcut=False, stop=beats)
    if run.status is not Status.OPTIMAL:
        raise ExplainTimeout(run.status.value)
    if not run.stopped:
        return None
    found = run.levels[-1]
    assert found.value is not None
    before = base[found.name].value
    assert before is not None
    unbounded = rule == (FUNDING_CAP.name, "") and found.name == "use_positions"
    return Binding(rule, found.name, found.unit, before, None if unbounded else found.value)


def binding_rules(
    scenario: Scenario,
    plan: Plan,
    time_limit: float = 60.0,
    progress: Callable[[RuleId], None] | None = None,
) -> list[Binding]:
    """The rule instances that limit the optimum of ``plan`` (which must be proven optimal)."""
    known = set(scenario.build(switchable=True).switches.literals)
    found: list[Binding] = []
    for rule in tight_rules(plan):
        if rule not in known:
            continue
        if progress:
            progress(rule)
        binding = relax_one(scenario, rule, plan.levels, time_limit)
        if binding is not None:
            found.append(binding)
    return found


def _figure(value: Fraction, unit: str) -> float | int:
    if unit == "EUR":
        return round_euros(value)
    return decimal_vzae(value) if unit == "VZÄ" else int(value)


def binding_json(bindings: list[Binding]) -> list[dict[str, Any]]:
    """Binding rules for the plan JSON: rule, subject, the level that improves, before/after."""
    return [
        {
            "rule": b.rule[0],
            "subject": b.rule[1] or None,
            "level": b.level,
            "value": _figure(b.before, b.unit),
            "relaxed_value": None if b.after is None else _figure(b.after, b.unit),
        }
        for b in bindings
    ]


def add_binding_rules(
    plan_json: dict[str, Any], plan: Plan, time_limit: float = 60.0
) -> dict[str, Any]:
    """Add ``summary.binding_rules`` to a plan JSON (for ``solve -o``).

    ``None`` when the plan is not proven optimal or a re-solve hits the time limit: binding
    rules are only defined against a proven optimum.
    """
    found: list[dict[str, Any]] | None = None
    if plan.status is Status.OPTIMAL:
        try:
            found = binding_json(
                binding_rules(Scenario(plan.instance, plan.problem.model), plan, time_limit)
            )
        except ExplainTimeout:
            found = None
    plan_json.setdefault("summary", {})["binding_rules"] = found
    return plan_json
