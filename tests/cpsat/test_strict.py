"""The strict tie-break (:mod:`kimopt.cpsat.strict`) against every plan at the tie-break's value.

Small models where all plans can be listed: the plan :func:`strict_plan` returns must be the
lexicographically greatest in rank order of all plans with the value of the plan it starts
from, whichever of them that is.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from ortools.sat.python import cp_model

from kimopt import lexicographic
from kimopt.cpsat.strict import strict_plan
from kimopt.problem import compile_problem
from tests.conftest import instance, model, tiny


def _model(seed: int) -> tuple[cp_model.CpModel, list[cp_model.IntVar], list[int]]:
    """Seven links with capacities placing a total, two of them sharing a smaller limit."""
    rng = random.Random(seed)
    model = cp_model.CpModel()
    caps = [rng.randint(2, 3) for _ in range(7)]
    links = [model.new_int_var(0, cap, f"a{li}") for li, cap in enumerate(caps)]
    model.add(sum(links) == rng.randint(4, sum(caps) - caps[0] - caps[3]))
    model.add(links[0] + links[3] <= rng.randint(0, 3))
    rank = rng.sample(range(1, len(links) + 1), len(links))
    return model, links, rank


class _All(cp_model.CpSolverSolutionCallback):
    def __init__(self, links: list[cp_model.IntVar]) -> None:
        super().__init__()
        self.links, self.plans = links, []  # type: ignore[var-annotated]

    def on_solution_callback(self) -> None:
        self.plans.append([self.value(x) for x in self.links])


def _plans(model: cp_model.CpModel, links: list[cp_model.IntVar]) -> list[list[int]]:
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    every = _All(links)
    assert solver.solve(model, every) == cp_model.OPTIMAL
    return every.plans


@pytest.mark.parametrize("seed", range(12))
def test_the_plan_is_the_first_in_rank_order_of_all_plans_at_its_tie_break_value(seed: int) -> None:
    """Every value that several plans share (the least value is mostly held by one plan alone),
    from each of its plans."""
    model, links, rank = _model(seed)
    by_value: dict[int, list[list[int]]] = {}
    for plan in _plans(model, links):
        by_value.setdefault(sum(r * u for r, u in zip(rank, plan, strict=True)), []).append(plan)
    order = sorted(range(len(links)), key=rank.__getitem__)
    shared = [tied for tied in by_value.values() if len(tied) > 1][:3]
    assert shared, "the model must have plans that tie"
    for tied in shared:
        first = max(tied, key=lambda plan: [plan[li] for li in order])
        for start in tied[:4]:
            plan, proven = strict_plan(model, links, rank, list(start), time.perf_counter() + 60, 0)
            assert proven
            assert plan == first


def test_a_plan_that_is_already_first_is_returned_as_it_is() -> None:
    model = cp_model.CpModel()
    links = [model.new_int_var(0, 2, f"a{li}") for li in range(3)]
    model.add(sum(links) == 2)
    rank = [1, 2, 3]
    # tie value 3: (1, 1, 0) only; (2, 0, 0) is 2 → the value holds it to the one plan
    plan, proven = strict_plan(model, links, rank, [1, 1, 0], time.perf_counter() + 60, 0)
    assert (plan, proven) == ([1, 1, 0], True)


def test_ties_are_broken_towards_the_link_of_lowest_rank() -> None:
    """1·a0 + 2·a1 + 3·a2 + 4·a3 = 10 with a0 + … + a3 = 4: (1,1,1,1), (0,3,0,1), (2,0,0,2), … tie;
    the first in rank order gives link 0 the most."""
    model = cp_model.CpModel()
    links = [model.new_int_var(0, 3, f"a{li}") for li in range(4)]
    model.add(sum(links) == 4)
    rank = [1, 2, 3, 4]
    plan, proven = strict_plan(model, links, rank, [1, 1, 1, 1], time.perf_counter() + 60, 0)
    assert proven
    assert plan == [2, 0, 0, 2]


def test_a_start_gives_the_plan_of_no_start_and_an_unproven_one_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tie-break begun at another plan ends at the same strict plan; where it is left
    unproven, the tie-break runs again without the start (an unproven plan would lean towards it)."""
    problem = compile_problem(instance(tiny()), model(workers=1))
    plain = lexicographic.solve_problem(problem)
    assert plain.units is not None
    other = list(plain.units)
    other.reverse()
    assert lexicographic.solve_problem(problem, start=other).units == plain.units
    calls: list[bool] = []
    real = lexicographic._tie_break

    def unproven_from_a_start(cm: Any, deadline: float, seed: int, fallback: Any, start: Any = None) -> Any:
        calls.append(start is not None)
        units, info = real(cm, deadline, seed, fallback, start)
        return (other, {**info, "proven": False}) if start is not None else (units, info)

    monkeypatch.setattr(lexicographic, "_tie_break", unproven_from_a_start)
    assert lexicographic.solve_problem(problem, start=other).units == plain.units
    assert calls == [True, False]
