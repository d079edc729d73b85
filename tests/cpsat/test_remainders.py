"""The largest-remainder bound of the proportionality level and the shortcut built on it."""

from __future__ import annotations

from fractions import Fraction

from kimopt.cpsat.remainders import kreis_fills_in, remainder_optimum
from kimopt.pipeline import plan_instance
from kimopt.problem import compile_problem
from tests.conftest import instance, model, tiny


def test_exact_targets_give_bound_zero() -> None:
    # targets 1.0, 0.5, 1.5 VZÄ are whole units (10, 5, 15): nothing to round
    problem = compile_problem(instance(tiny()), model())
    optimum = remainder_optimum(problem, problem.positions)
    assert optimum.lb == 0
    assert optimum.floor == (10, 5, 15) and not optimum.up and not optimum.tied


def test_equal_remainders_are_tied_not_chosen() -> None:
    # three equal Kommunen share one unit: targets 1/3 each, one of them gets the unit.
    # W·Σ|c − e| = 3 × 1 (the remainders) + (3 − 2 × 1) for the one raised = 4, i.e. 4/3 units.
    data = tiny(kommunen=[{"name": n, "population": 7} for n in ("Adorf", "Bedorf", "Cedorf")])
    problem = compile_problem(instance(data), model())
    optimum = remainder_optimum(problem, 1)
    assert optimum.lb == 4 and problem.total_weight == 3
    assert optimum.tied == (0, 1, 2) and optimum.tied_up == 1 and not optimum.up


def test_kreis_fills_in_keeps_other_hosts_and_the_kreis_total() -> None:
    data = tiny(
        kommunen=[
            {"name": "Adorf", "population": 20000, "max_vzae": 1.0},
            {"name": "Bedorf", "population": 10000},
            {"name": "Cedorf", "population": 30001},
        ]
    )
    problem = compile_problem(instance(data), model())
    units = [0] * len(problem.links)
    kreis_links = [li for li, link in enumerate(problem.links) if link.host == problem.kreis]
    own = next(li for li, link in enumerate(problem.links) if link.host != problem.kreis)
    units[own] = 10  # Adorf employs 1.0 VZÄ for itself
    units[kreis_links[2]] = 20  # the Kreis gives all its 2.0 VZÄ to Cedorf
    optimum = remainder_optimum(problem, 30)
    filled = kreis_fills_in(problem, units, optimum)
    assert filled is not None
    assert filled[own] == 10
    assert sum(filled[li] for li in kreis_links) == 20
    assert [sum(filled[li] for li in problem.links_of_kommune[i]) for i in range(3)] == [10, 5, 15]


def test_solved_deviation_never_below_the_bound_and_equal_when_the_kreis_can_fill_in() -> None:
    outcome = plan_instance(
        instance(tiny(funding={"positions_vzae": 2.3, "rate_per_vzae": 55000})),
        model(host_step_vzae=0.1, min_host_vzae=0.1),
    )
    problem = outcome.problem
    optimum = remainder_optimum(problem, problem.units(outcome.plan.used))
    value = next(lv.value for lv in outcome.result.levels if lv.name == "proportionality")
    assert value == Fraction(optimum.lb, problem.total_weight) * problem.g


def test_proof_by_construction_and_by_search_give_the_same_plan(monkeypatch) -> None:
    # Whether the proportionality level is proven by construction (which depends on the
    # previous level's plan) or by search, the model that follows is the same, and so is the plan.
    import kimopt.lexicographic as solve

    data = tiny(
        traeger=[
            {
                "name": "Caritas",
                "max_vzae": 1.0,
                "serves": ["Bedorf", "Cedorf"],
                "cost_per_vzae": 71400,
                "deficit_coverage": True,
            }
        ],
        funding={"positions_vzae": 2.7, "rate_per_vzae": 55000},
    )
    built = plan_instance(instance(data), model())
    monkeypatch.setattr(solve, "_remainder_plan", lambda *args: None)
    searched = plan_instance(instance(data), model())
    assert [lv.value for lv in built.result.levels] == [lv.value for lv in searched.result.levels]
    assert built.plan_json["links"] == searched.plan_json["links"]
