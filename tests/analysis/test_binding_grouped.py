"""The grouped binding-rule search finds exactly the rules a per-rule check finds.

Reference: every rule instance on its own, level by level — the rule is binding at the first
level that can improve with it alone switched off (the plan's earlier levels kept). The grouped
search (one check with many rules off, halving) must report the same set wherever it completes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from kimopt.analysis.explain.binding import _at_best, _Probe, binding_rules
from kimopt.analysis.explain.core import Scenario
from kimopt.cpsat.switches import RuleId
from kimopt.pipeline import plan_instance
from tests.conftest import instance, model, tiny


def per_rule(scenario: Scenario, plan) -> set[tuple[RuleId, str]]:  # type: ignore[no-untyped-def]
    probe = _Probe(scenario, plan)
    found = set()
    for rule in probe.literals:
        for k, (level, value, _, _) in enumerate(probe.levels):
            if _at_best(level, value, plan):
                continue
            decided = probe.improves({rule}, k)
            assert decided is not None
            if decided:
                found.add((rule, level.name))
                break
    return found


def kreis(populations: list[int], budgets: list[int | None], kreis_budget: int | None, hosts: list[float]) -> dict:
    names = ["Adorf", "Bedorf", "Cedorf", "Dedorf"]
    kommunen = []
    for name, population, budget, host in zip(names, populations, budgets, hosts, strict=True):
        kommune: dict = {"name": name, "population": population}
        if budget is not None:
            kommune["budget"] = budget
        if host:
            kommune["max_vzae"] = host
        kommunen.append(kommune)
    kommunen[0]["share_with"] = ["Bedorf"]
    traeger = [
        {"name": "Träger A", "max_vzae": 1.0, "serves": ["Adorf", "Bedorf"], "cost_per_vzae": 71400},
        {
            "name": "Träger B",
            "max_vzae": 0.5,
            "serves": ["Bedorf", "Cedorf", "Dedorf"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
        },
    ]
    return tiny(
        kommunen=kommunen,
        traeger=traeger,
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": kreis_budget},
    )


def compare(data: dict) -> None:
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    scenario = Scenario(instance(data), settings_)
    report = binding_rules(scenario, outcome.plan)
    assert report.complete
    assert {(b.rule, b.level) for b in report} == per_rule(scenario, outcome.plan)


def test_grouped_equals_per_rule_on_a_tangled_small_kreis() -> None:
    compare(kreis([20000, 10000, 30000, 7000], [1640, 0, None, 3280], 16400, [1.0, 0.5, 0.0, 0.0]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    populations=st.lists(st.integers(1000, 60000), min_size=4, max_size=4),
    budgets=st.lists(st.sampled_from([None, 0, 1640, 3280, 8200]), min_size=4, max_size=4),
    kreis_budget=st.sampled_from([None, 0, 16400, 32800]),
    hosts=st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=4, max_size=4),
)
def test_grouped_equals_per_rule(
    populations: list[int], budgets: list[int | None], kreis_budget: int | None, hosts: list[float]
) -> None:
    compare(kreis(populations, budgets, kreis_budget, hosts))


def witness_is_exact(data: dict) -> bool:
    """Whenever a group check finds a better plan, the rules that plan breaks (evaluated on its
    values) are a set that alone improves the level; where it is one rule, that rule is binding."""
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    scenario = Scenario(instance(data), settings_)
    probe = _Probe(scenario, outcome.plan)
    rules = sorted(probe.literals)
    narrowed = False
    for k, (level, value, _, _) in enumerate(probe.levels):
        if _at_best(level, value, outcome.plan) or not probe.improves(set(rules), k):
            continue
        witness = probe.witness
        assert witness and set(witness) <= set(rules)
        probe.known.clear()  # a fresh solve, not the plan just found
        assert probe.improves(set(witness), k) is True
        narrowed |= len(witness) < len(rules)
    return narrowed


def test_a_better_plan_names_fewer_rules_than_were_switched_off() -> None:
    assert witness_is_exact(kreis([20000, 10000, 30000, 7000], [1640, 0, None, 3280], 16400, [1.0, 0.5, 0.0, 0.0]))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    populations=st.lists(st.integers(1000, 60000), min_size=4, max_size=4),
    budgets=st.lists(st.sampled_from([None, 0, 1640, 3280, 8200]), min_size=4, max_size=4),
    kreis_budget=st.sampled_from([None, 0, 16400, 32800]),
    hosts=st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=4, max_size=4),
)
def test_the_rules_a_better_plan_breaks_suffice(
    populations: list[int], budgets: list[int | None], kreis_budget: int | None, hosts: list[float]
) -> None:
    witness_is_exact(kreis(populations, budgets, kreis_budget, hosts))


def test_a_relaxed_value_cut_off_before_any_plan_was_a_garbage_number(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Regression (weit: fewer_hosts 83 → "4173717605896462"): when the work limit stopped the
    # search for the best relaxed value before it had a plan, the solver's value of nothing was
    # reported. Now it is the value of the plan that showed the rule binding.
    import kimopt.analysis.explain.binding as binding

    data = kreis([20000, 10000, 30000, 7000], [1640, 0, None, 3280], 16400, [1.0, 0.5, 0.0, 0.0])
    settings_ = model(workers=1)
    outcome = plan_instance(instance(data), settings_)
    assert outcome.plan is not None
    scenario = Scenario(instance(data), settings_)
    honest = binding_rules(scenario, outcome.plan)
    real_best, real_solver = binding._Probe.best, binding.work_limited_solver
    codes = []

    def no_plan(work, seed):  # type: ignore[no-untyped-def]
        solver = real_solver(work, seed)
        solver.parameters.stop_after_presolve = True  # stops before the search finds a plan
        solve = solver.solve
        solver.solve = lambda model: codes.append(solve(model)) or codes[-1]  # type: ignore[method-assign]
        return solver

    def starved(self, rule, level):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(binding, "work_limited_solver", no_plan)
        try:
            return real_best(self, rule, level)
        finally:
            monkeypatch.setattr(binding, "work_limited_solver", real_solver)

    monkeypatch.setattr(binding._Probe, "best", starved)
    cut = binding_rules(scenario, outcome.plan)
    assert cp_model.UNKNOWN in codes
    assert [(b.rule, b.level) for b in cut] == [(b.rule, b.level) for b in honest]
    for before, after in zip(honest, cut, strict=True):
        if after.after is None:
            continue
        assert not after.proven
        # a value some plan reaches: at least as good as the plan's, never better than the best
        if after.before < (before.after or 0):  # maximized level
            assert after.before < after.after <= before.after
        else:
            assert before.after <= after.after < after.before
