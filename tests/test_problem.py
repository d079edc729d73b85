"""Compiling an instance into hosts and links: who may serve whom."""

from __future__ import annotations

from kimopt.check import check_plan
from kimopt.problem import compile_problem
from tests.conftest import assert_checker_refuses_a_broken_copy, instance, model, solve, tiny


def test_traeger_serving_a_kommune_twice_and_references_by_ags() -> None:
    data = tiny(
        kommunen=[
            {"name": "Adorf", "ags": "05170001", "population": 20000, "max_vzae": 1.0, "share_with": ["05170002"]},
            {"name": "Bedorf", "ags": "05170002", "population": 10000},
            {"name": "Cedorf", "ags": "05170003", "population": 30000},
        ],
        traeger=[
            {
                "name": "Caritas",
                "max_vzae": 1.0,
                "serves": ["Cedorf", "05170003", "Cedorf"],
                "cost_per_vzae": 71400,
                "deficit_coverage": True,
            }
        ],
    )
    problem = compile_problem(instance(data), model())
    names = [(problem.hosts[li.host].name, problem.instance.kommunen[li.kommune].name) for li in problem.links]
    assert names.count(("Caritas", "Cedorf")) == 1
    assert ("Adorf", "Bedorf") in names and ("Adorf", "Adorf") in names
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert outcome.plan_json is not None
    assert check_plan(instance(data), model(), outcome.plan_json) == []
    assert_checker_refuses_a_broken_copy(instance(data), model(), outcome.plan_json)
