"""Population thresholds by the largest-remainder argument equal those of re-solving.

The parametric coverage (:func:`parametric_coverage`) must be the coverage the lexicographic
re-solve finds wherever it claims one, and the thresholds found with it must be the ones the
solve-only bisection finds."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimopt.analysis.sensitivity import population_thresholds, solve_instance
from kimopt.analysis.sensitivity import populations as pop
from kimopt.analysis.sensitivity.base import optimal_base
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
    monkeypatch.setattr(pop, "parametric_coverage", lambda *args: None)


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
    found = pop.parametric_coverage(changed, settings_, base, 3)
    solved = solve_instance(changed, settings_)
    assert found is None or (solved.coverage is not None and found == solved.coverage[3])


def test_argument_declines_under_the_quota_rule() -> None:
    data = instance(four([20000, 10000, 30000, 7000]))
    settings_ = model(workers=1, quota_rule=True)
    base = optimal_base(data, settings_, None)
    assert pop.parametric_coverage(pop._with_population(data, 0, 25000), settings_, base, 0) is None


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
    found = pop.parametric_coverage(changed, settings_, base, kommune)
    if found is not None:
        solved = solve_instance(changed, settings_)
        assert solved.coverage is not None
        assert found == solved.coverage[kommune] and isinstance(found, Fraction)
