"""The certificates of the sensitivity searches decide exactly what full re-solves decide.

On small generated Kreise with binding Kommune budgets and overlapping Träger areas: every
verdict of :func:`stays_optimal` and :func:`keeps_plan` agrees with the re-solve, and the
thresholds found with the certificates are the thresholds of plain bisection by full re-solves,
also on every run and with one or two processes."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from kimopt.analysis.sensitivity import analyse, budget_thresholds, budgets, population_thresholds, solve_instance
from kimopt.analysis.sensitivity import populations as pop
from kimopt.analysis.sensitivity.base import optimal_base
from kimopt.analysis.sensitivity.certificate import keeps_plan, stays_optimal
from kimopt.problem import compile_problem
from tests.analysis.test_sensitivity_parametric import bisection_only, one_process, steps
from tests.conftest import instance, model, tiny

DEFICIT_EUR = 71400 - 55000
STEP_EUR = DEFICIT_EUR // 10  # the Eigenanteil of 0.1 VZÄ


def tangled(seed: int) -> dict:
    """6 Kommunen, two Träger whose areas overlap, tight Kommune budgets, sometimes a Kreis budget."""
    draw = random.Random(f"certificate:{seed}")
    names = ["Adorf", "Bedorf", "Cedorf", "Dedorf", "Eedorf", "Fedorf"]
    kommunen = [{"name": n, "population": draw.randrange(2000, 40000)} for n in names]
    for k in draw.sample(range(6), 3):
        kommunen[k].update(max_vzae=draw.choice([0.5, 1.0]), budget=STEP_EUR * draw.randrange(0, 4))
    for k in kommunen:
        if "budget" not in k and draw.random() < 0.5:
            k["budget"] = STEP_EUR * draw.randrange(0, 3)
    traeger = [
        {"name": "Träger A", "max_vzae": 0.5, "serves": names[:4], "cost_per_vzae": 71400},
        {"name": "Träger B", "max_vzae": 0.5, "serves": names[2:], "cost_per_vzae": 71400},
    ]
    kreis_budget = draw.choice([DEFICIT_EUR, 2 * DEFICIT_EUR])
    return tiny(
        kommunen=kommunen,
        traeger=traeger,
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": kreis_budget},
        funding={"year": 2022, "positions_vzae": draw.choice([3, 4]), "rate_per_vzae": 55000},
    )


SEEDS = [1, 2, 3]


def plain_bisection(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every probe a full re-solve: no argument, no certificate, no prediction."""
    bisection_only(monkeypatch)
    monkeypatch.setattr(budgets, "_certified", lambda *args: None)


def fast_and_plain(monkeypatch, seed: int, thresholds):  # type: ignore[no-untyped-def]
    """``thresholds`` of the seeded Kreis, with every shortcut and by plain bisection (one process)."""
    one_process(monkeypatch)
    data = instance(tangled(seed))
    settings_ = model(workers=1)
    fast = thresholds(data, settings_)
    plain_bisection(monkeypatch)
    return fast, thresholds(data, settings_)


@pytest.mark.parametrize("seed", SEEDS)
def test_population_thresholds_equal_those_of_plain_bisection(monkeypatch, seed: int) -> None:  # type: ignore[no-untyped-def]
    fast, slow = fast_and_plain(monkeypatch, seed, population_thresholds)
    assert steps(fast) == steps(slow)
    assert any(p.increase is not None for p in fast)
    assert sum(p.solves for p in fast) < sum(p.solves for p in slow)


@pytest.mark.parametrize("seed", SEEDS)
def test_budget_thresholds_equal_those_of_full_re_solves(monkeypatch, seed: int) -> None:  # type: ignore[no-untyped-def]
    fast, slow = fast_and_plain(monkeypatch, seed, budget_thresholds)
    assert any(b.increase is not None for b in fast)
    assert slow == fast


@pytest.mark.parametrize("seed", SEEDS)
def test_a_population_certificate_is_the_re_solved_plan(seed: int) -> None:
    data = instance(tangled(seed))
    settings_ = model(workers=1)
    base = optimal_base(data, settings_, None)
    assert base.plan is not None and base.units is not None
    problem = base.plan.problem
    used = problem.units(base.plan.used)
    assert stays_optimal(problem, problem, base.units, used, settings_.seed) is True
    draw = random.Random(seed)
    certified = 0
    for _ in range(12):
        i = draw.randrange(len(data.kommunen))
        population = max(0, data.kommunen[i].population + draw.randrange(-6000, 6000))
        weights = pop.linear_weights(data, settings_, i)(population)
        verdict = stays_optimal(problem, replace(problem, weights=weights), base.units, used, settings_.seed)
        if verdict:
            certified += 1
            assert solve_instance(pop._with_population(data, i, population), settings_).units == base.units
    assert certified > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_budget_certificate_is_the_re_solved_verdict(seed: int) -> None:
    data = instance(tangled(seed))
    settings_ = model(workers=1)
    base = optimal_base(data, settings_, None)
    assert base.plan is not None
    for i, kommune in enumerate(data.kommunen):
        if kommune.budget is None:
            continue
        for more in (STEP_EUR, 4 * STEP_EUR, None):
            budget = None if more is None else kommune.budget + more
            changed = budgets._with_budget(data, i, budget)
            verdict = keeps_plan(compile_problem(changed, settings_), base.plan, settings_.seed)
            assert verdict is not None
            assert verdict == (solve_instance(changed, settings_).units == base.units)
    assert keeps_plan(base.plan.problem, base.plan, settings_.seed) is True


def test_the_analysis_is_the_same_on_every_run_and_with_one_or_two_processes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = instance(tangled(SEEDS[0]))
    settings_ = model(workers=2)

    def run() -> dict:
        found = analyse(data, settings_, parts=("populations", "budgets"))
        return {k: v for k, v in found.to_json().items() if k != "seconds"}

    parallel = run()
    assert run() == parallel
    one_process(monkeypatch)
    assert run() == parallel


def test_a_certificate_the_work_limit_stops_decides_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Cut short, a certificate leaves the probe to the re-solve: the same thresholds."""
    one_process(monkeypatch)
    data = instance(tangled(SEEDS[1]))
    settings_ = model(workers=1)
    full = budget_thresholds(data, settings_), population_thresholds(data, settings_)
    undecided = []

    def stopped(*args, **named):  # type: ignore[no-untyped-def]
        undecided.append(args)
        return None

    monkeypatch.setattr(budgets, "keeps_plan", stopped)
    monkeypatch.setattr(pop, "stays_optimal", stopped)
    cut = budget_thresholds(data, settings_), population_thresholds(data, settings_)
    assert undecided
    assert cut[0] == full[0] and steps(cut[1]) == steps(full[1])
