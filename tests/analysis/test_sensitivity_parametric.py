"""Population thresholds by the largest-remainder argument equal those of re-solving.

The parametric coverage (:func:`remainder_verdict`) must be the coverage the lexicographic
re-solve finds wherever it claims one, and the thresholds found with it must be the ones the
solve-only bisection finds. The search of issue 24 (the remainder argument, the first two
levels, the predicted threshold probed on both sides, budgets cleared in groups) finds the
thresholds plain bisection by full re-solves finds, exactly and on every run."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimopt.analysis.apportion import apportion
from kimopt.analysis.sensitivity import analyse, budget_thresholds, budgets, population_thresholds, solve_instance
from kimopt.analysis.sensitivity import base as base_module
from kimopt.analysis.sensitivity import populations as pop
from kimopt.analysis.sensitivity.base import optimal_base
from kimopt.problem import key_weights
from tests.conftest import instance, model, tiny

TRAEGER = [
    {"name": "Träger A", "max_vzae": 1.0, "serves": ["Adorf", "Bedorf"], "cost_per_vzae": 71400},
    {"name": "Träger B", "max_vzae": 0.5, "serves": ["Bedorf", "Cedorf", "Dedorf"], "cost_per_vzae": 71400},
]


def four(populations: list[int], kreis_budget: int | None = None) -> dict:
    names = ["Adorf", "Bedorf", "Cedorf", "Dedorf"]
    kommunen = [{"name": n, "population": p} for n, p in zip(names, populations, strict=True)]
    kommunen[0].update(max_vzae=1.0, budget=1640)
    return tiny(
        kommunen=kommunen,
        traeger=TRAEGER,
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": kreis_budget},
    )


def solve_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pop, "remainder_verdict", lambda *args: (None, False))
    monkeypatch.setattr(pop, "levels_coverage", lambda *args, **named: None)


def test_thresholds_with_the_argument_equal_those_of_bisection_by_solves(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = instance(four([20000, 10000, 30000, 7000]))
    fast = population_thresholds(data, model(workers=1))
    solve_only(monkeypatch)
    slow = population_thresholds(data, model(workers=1))
    assert [(p.increase, p.decrease) for p in fast] == [(p.increase, p.decrease) for p in slow]
    assert sum(p.solves for p in fast) < sum(p.solves for p in slow) / 2


def test_argument_declines_when_the_kreis_cannot_fill_in() -> None:
    # the Kreis may pay nothing: it cannot serve more than the other hosts leave it
    data = instance(four([20000, 10000, 30000, 7000], kreis_budget=0))
    settings_ = model(workers=1)
    base = optimal_base(data, settings_, None)
    changed = pop._with_population(data, 3, 60000)
    found = pop.remainder_verdict(changed, settings_, base, 3)[0]
    solved = solve_instance(changed, settings_)
    assert found is None or (solved.coverage is not None and found == solved.coverage[3])


def test_argument_declines_under_the_quota_rule() -> None:
    data = instance(four([20000, 10000, 30000, 7000]))
    settings_ = model(workers=1, quota_rule=True)
    base = optimal_base(data, settings_, None)
    assert pop.remainder_verdict(pop._with_population(data, 0, 25000), settings_, base, 0)[0] is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    populations=st.lists(st.integers(500, 60000), min_size=4, max_size=4),
    kommune=st.integers(0, 3),
    population=st.integers(0, 120000),
    kreis_budget=st.sampled_from([None, 0, 16400, 32800]),
)
def test_parametric_coverage_is_the_re_solved_coverage(
    populations: list[int], kommune: int, population: int, kreis_budget: int | None
) -> None:
    data = instance(four(populations, kreis_budget))
    settings_ = model(workers=1)
    base = optimal_base(data, settings_, None)
    changed = pop._with_population(data, kommune, population)
    found = pop.remainder_verdict(changed, settings_, base, kommune)[0]
    if found is not None:
        solved = solve_instance(changed, settings_)
        assert solved.coverage is not None
        assert found == solved.coverage[kommune] and isinstance(found, Fraction)


# --- the parametric search against plain bisection, on generated Kreise (issue 24) ----------

DEFICIT_EUR = 71400 - 55000


def generated(seed: int) -> dict:
    """A small Kreis drawn with a fixed seed: 5 Kommunen (two of the same population, so that
    remainders tie), two Kommune hosts with budgets, a Träger, sometimes a Kreis budget."""
    draw = random.Random(seed)
    names = ["Adorf", "Bedorf", "Cedorf", "Dedorf", "Eedorf"]
    populations = [draw.randrange(2000, 40000) for _ in names]
    populations[4] = populations[draw.randrange(4)]
    kommunen = [{"name": n, "population": p} for n, p in zip(names, populations, strict=True)]
    for k in draw.sample(range(5), 2):
        kommunen[k].update(max_vzae=draw.choice([0.5, 1.0]), budget=draw.choice([0, 1640, 4920, 8200]))
    served = draw.sample(names, 3)
    traeger = [{"name": "Träger A", "max_vzae": draw.choice([0.5, 1.0]), "serves": served, "cost_per_vzae": 71400}]
    kreis_budget = draw.choice([None, None, 3 * DEFICIT_EUR])
    return tiny(
        kommunen=kommunen,
        traeger=traeger,
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": kreis_budget},
        funding={"year": 2022, "positions_vzae": draw.choice([2, 3, 4]), "rate_per_vzae": 55000},
    )


SEEDS = [11, 12, 13, 14]


def one_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The searches in this process, so that the patches below reach them."""
    monkeypatch.setattr(base_module.os, "cpu_count", lambda: 1)


def bisection_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The search before issue 24: no argument, no prediction, every probe a full re-solve."""
    plain = pop._search
    monkeypatch.setattr(pop, "remainder_verdict", lambda *args: (None, False))
    monkeypatch.setattr(pop, "levels_coverage", lambda *args, **named: None)
    monkeypatch.setattr(
        pop, "_search", lambda found, p, sign, limit, guess, *rest, **named: plain(found, p, sign, limit, guess)
    )


def steps(found: list) -> list:
    return [(p.kommune, p.increase, p.decrease) for p in found]


@pytest.mark.parametrize("seed", SEEDS)
def test_parametric_thresholds_equal_those_of_plain_bisection(monkeypatch, seed: int) -> None:  # type: ignore[no-untyped-def]
    one_process(monkeypatch)
    data = instance(generated(seed))
    settings_ = model(workers=1)
    fast = population_thresholds(data, settings_)
    bisection_only(monkeypatch)
    slow = population_thresholds(data, settings_)
    assert steps(fast) == steps(slow)
    assert sum(p.solves for p in fast) < sum(p.solves for p in slow)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("staged", [False, True])
def test_each_threshold_is_exact(monkeypatch, seed: int, staged: bool) -> None:  # type: ignore[no-untyped-def]
    """Re-solved: the coverage is the plan's one inhabitant before the threshold and differs at it;
    ``staged``: the open probes decided by the levels in stages (as where the base's tie-break
    did not finish), not by full re-solves."""
    one_process(monkeypatch)
    if staged:
        monkeypatch.setattr(pop, "proven", lambda solved: False)
    data = instance(generated(seed))
    settings_ = model(workers=1)
    found = population_thresholds(data, settings_)
    assert any(p.increase is not None for p in found)
    for i, threshold in enumerate(found):
        for sign, step in ((+1, threshold.increase), (-1, threshold.decrease)):
            if step is None:
                continue
            before = solve_instance(
                pop._with_population(data, i, threshold.population + sign * (step.inhabitants - 1)), settings_
            )
            at = solve_instance(
                pop._with_population(data, i, threshold.population + sign * step.inhabitants), settings_
            )
            assert before.coverage is not None and before.coverage[i] == threshold.coverage == step.coverage_before
            assert (None if at.coverage is None else at.coverage[i]) == step.coverage_after != threshold.coverage


@pytest.mark.parametrize("seed", SEEDS)
def test_budgets_cleared_in_groups_equal_budgets_solved_one_by_one(monkeypatch, seed: int) -> None:  # type: ignore[no-untyped-def]
    one_process(monkeypatch)
    data = instance(generated(seed))
    settings_ = model(workers=1)
    grouped = budget_thresholds(data, settings_)

    def singly(inst, settings, base, payers, time_limit, progress):  # type: ignore[no-untyped-def]
        return {p: solve_instance(budgets._with_budget(inst, p, None), settings, time_limit) for p in payers}

    monkeypatch.setattr(budgets, "_unlimited_changes", singly)
    assert budget_thresholds(data, settings_) == grouped


def test_the_analysis_is_the_same_on_every_run_and_in_parallel(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = instance(generated(SEEDS[0]))
    settings_ = model(workers=2)

    def run() -> dict:
        found = analyse(data, settings_, parts=("populations", "budgets"))
        return {k: v for k, v in found.to_json().items() if k != "seconds"}

    parallel = run()
    assert run() == parallel
    one_process(monkeypatch)
    assert run() == parallel


@settings(max_examples=25, deadline=None)
@given(
    populations=st.lists(st.integers(0, 60000), min_size=2, max_size=6),
    indicator=st.lists(st.integers(0, 500), min_size=6, max_size=6),
    mixed=st.booleans(),
    kommune=st.integers(0, 5),
    population=st.integers(0, 200000),
    used=st.integers(0, 60),
)
def test_linear_weights_and_hare_hint_equal_the_key_and_apportion(
    populations: list[int], indicator: list[int], mixed: bool, kommune: int, population: int, used: int
) -> None:
    kommunen = [
        {"name": f"K{j}", "population": p, "indicators": {"quote": indicator[j]}} for j, p in enumerate(populations)
    ]
    data = instance(tiny(kommunen=kommunen))
    key = {"population": Fraction(1, 3), "quote": Fraction(2, 3)} if mixed else {"population": 1}
    settings_ = model(key=key)
    i = kommune % len(populations)
    changed = pop._with_population(data, i, population)
    weights = key_weights(changed, settings_)
    assert pop.linear_weights(data, settings_, i)(population) == weights
    g = settings_.granularity_vzae
    expected = None if used == 0 or not any(weights) else apportion(weights, used, "hare-niemeyer").seats[i] * g
    assert pop.hare_coverage(data, settings_, i, used * g)(population) == expected
