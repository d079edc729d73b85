"""Block by block: the later levels solved per block of Kommunen reach what the whole model reaches."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kimopt import blocks
from kimopt.check import check_plan
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.labels import some_of
from kimopt.lexicographic import solve_problem
from kimopt.plan import Plan
from kimopt.problem import Problem, compile_problem
from kimopt.results import SolveResult, Status
from tests.conftest import instance, model, tiny


@pytest.fixture(autouse=True)
def small_instances_by_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """These instances are small enough to follow; by default they would be one model."""
    monkeypatch.setattr(blocks, "MIN_KOMMUNEN", 0)


def land(seed: int, kommunen: int = 40, positions: float = 40.0, **kreis: Any) -> dict[str, Any]:
    """A Kreis of many small Kommunen: some employ staff and share it with neighbours, Träger
    serve stretches of Kommunen; the Kreis keeps most positions, so its share does not bind."""
    rng = random.Random(seed)
    names = [f"Gemeinde {n:02d}" for n in range(kommunen)]
    records: list[dict[str, Any]] = []
    for n, name in enumerate(names):
        record: dict[str, Any] = {"name": name, "population": rng.choice([800, 1500, 3000, 6000, 12000, 25000])}
        if rng.random() < 0.3:
            record["max_vzae"] = rng.choice([0.5, 1.0, 1.5])
            record["share_with"] = names[n + 1 : n + 1 + rng.randint(0, 2)]
            if record["population"] >= 12000 and rng.random() < 0.5:
                record["existing_vzae"] = 0.5
        if rng.random() < 0.3:
            record["budget"] = 8200 * rng.randint(0, 2)
        records.append(record)
    traeger = []
    for t in range(3):
        start = rng.randrange(0, kommunen - 5)
        traeger.append(
            {
                "name": f"Träger {t + 1}",
                "max_vzae": rng.choice([0.5, 1.0]),
                "serves": names[start : start + rng.randint(2, 5)],
                "cost_per_vzae": 71400,
                "deficit_coverage": rng.random() < 0.5,
            }
        )
    return {
        "name": f"Kreis {seed}",
        "kreis": {"name": f"Kreis {seed}", "cost_per_vzae": 71400, "budget": None, **kreis},
        "funding": {"year": 2022, "positions_vzae": positions, "rate_per_vzae": 55000},
        "kommunen": records,
        "traeger": traeger,
    }


def solved(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch | None = None, **settings: Any) -> SolveResult:
    """Solve ``data``; with ``monkeypatch``, the whole model only (no blocks)."""
    applies = blocks.applies
    if monkeypatch is not None:
        monkeypatch.setattr(blocks, "applies", lambda objectives: False)
    problem = compile_problem(instance(data), model(**settings))
    result = solve_problem(problem)
    if monkeypatch is not None:
        monkeypatch.setattr(blocks, "applies", applies)
    return result


def tie_value(problem: Problem, units: list[int]) -> int:
    return sum(rank * u for rank, u in zip(problem.rank, units, strict=True))


SETTINGS: list[dict[str, Any]] = [
    {},
    {"keep_existing": False},
    {"kreis_covers_kommunen": True},
    {"min_share_vzae": 0.2, "max_sharing_partners": 1},
    {"quota_rule": True},
    {"objectives": ["use_positions", "proportionality", "fewer_hosts", "own_cost"]},
]


@pytest.mark.parametrize("seed", range(12))
def test_blocks_reach_every_level_of_the_whole_model(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SETTINGS[seed % len(SETTINGS)]
    data = land(seed)
    by_blocks = solved(data, **settings)
    whole = solved(data, monkeypatch, **settings)
    assert by_blocks.status is whole.status is Status.OPTIMAL
    assert by_blocks.solver["blocks"] >= 1  # the blocks did the work
    assert "blocks" not in whole.solver
    levels = [(r.name, r.value, r.proven) for r in by_blocks.levels]
    assert levels == [(r.name, r.value, r.proven) for r in whole.levels]
    assert by_blocks.solver["tie_break"]["proven"] and whole.solver["tie_break"]["proven"]
    problem = compile_problem(instance(data), model(**settings))
    assert by_blocks.units is not None and whole.units is not None
    assert tie_value(problem, by_blocks.units) == tie_value(problem, whole.units)
    assert by_blocks.units == whole.units  # the strict tie-break: the plan does not depend on the path
    assert check_plan(problem.instance, problem.model, Plan(problem, by_blocks.units).to_json()) == []


def test_blocks_give_the_same_plan_on_every_run() -> None:
    data = land(3)
    assert solved(data).units == solved(data).units


def test_a_kreis_share_that_may_bind_leaves_it_to_the_whole_model() -> None:
    # three Kommunen could take every position: the Kreis's third is then a rule of the whole plan
    data = tiny(kommunen=[{"name": n, "population": 10000, "max_vzae": 3} for n in ("Adorf", "Bedorf", "Cedorf")])
    result = solved(data)
    assert result.status is Status.OPTIMAL and "blocks" not in result.solver
    assert all(r.proven for r in result.levels)


def test_a_kreis_budget_that_may_bind_leaves_it_to_the_whole_model() -> None:
    data = land(1, budget=500000)  # less than 40 VZÄ × 16,400 €
    problem = compile_problem(instance(data), model())
    used = problem.positions
    split = blocks.partition(problem, remainder_optimum(problem, used))
    assert not blocks.worthwhile(problem, split, used)
    assert blocks.worthwhile(compile_problem(instance(land(1)), model()), split, used)


def test_kommunen_joined_by_a_host_form_one_block_and_the_rest_is_settled() -> None:
    data = tiny(
        kommunen=[
            {"name": "Adorf", "population": 20000, "max_vzae": 1, "share_with": ["Bedorf"]},
            {"name": "Bedorf", "population": 10000},
            {"name": "Cedorf", "population": 30000},
            {"name": "Dedorf", "population": 30000},
            {"name": "Eedorf", "population": 10000},
        ],
        traeger=[{"name": "Träger", "max_vzae": 1, "serves": ["Dedorf", "Eedorf"], "cost_per_vzae": 71400}],
    )
    problem = compile_problem(instance(data), model())
    split = blocks.partition(problem, remainder_optimum(problem, problem.positions))
    names = problem.instance.kommunen
    assert sorted(sorted(names[i].name for i in block.kommunen) for block in split.blocks) == [
        ["Adorf", "Bedorf"],
        ["Dedorf", "Eedorf"],
    ]
    cedorf = next(i for i, k in enumerate(names) if k.name == "Cedorf")
    # 30 % of 3 VZÄ, all at the Kreis
    assert [(problem.links[li].kommune, units) for li, units in split.settled] == [(cedorf, 9)]


def test_kommunen_tied_at_the_threshold_share_one_block() -> None:
    # 1 VZÄ for four equal Kommunen: 0.2 each and 0.1 × 2 more; all four tie for the extra units
    data = tiny(
        kommunen=[{"name": n, "population": 1000} for n in ("Adorf", "Bedorf", "Cedorf", "Dedorf")],
        funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
    )
    problem = compile_problem(instance(data), model(min_host_vzae=0.1, host_step_vzae=0.1))
    optimum = remainder_optimum(problem, problem.positions)
    assert len(optimum.tied) == 4 and optimum.tied_up == 2
    split = blocks.partition(problem, optimum)
    assert len(split.blocks) == 1 and not split.settled
    (block,) = split.blocks
    assert block.coverage == ((2, 3),) * 4 and block.tied_units == 10
    result = solved(data, min_host_vzae=0.1, host_step_vzae=0.1)
    assert result.status is Status.OPTIMAL and result.levels[-1].proven


def test_the_certificate_needs_the_kreis_filled_positions_and_its_count() -> None:
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": None, "existing_vzae": 2})
    problem = compile_problem(instance(data), model())
    nothing_settled = blocks.Partition(problem, (), (), ())
    kreis_links = problem.links_of_host[problem.kreis]
    below = [0] * len(problem.links)
    below[kreis_links[0]] = 10  # 1 VZÄ at the Kreis, 2 filled
    assert not blocks.meets_relaxed_values(problem, below, 30, nothing_settled)
    enough = [0] * len(problem.links)
    for li, units in zip(kreis_links, (10, 5, 15), strict=True):
        enough[li] = units
    assert blocks.meets_relaxed_values(problem, enough, 30, nothing_settled)
    # without a Kreis share or filled positions, a plan need not employ anyone at the Kreis …
    free = compile_problem(instance(tiny()), model(kreis_min_share=0))
    assert not blocks.meets_relaxed_values(free, enough, 30, nothing_settled)
    assert blocks.meets_relaxed_values(free, [0] * len(free.links), 30, nothing_settled)
    # … unless a Kommune with coverage is served by the Kreis alone
    assert blocks.meets_relaxed_values(free, enough, 30, blocks.Partition(free, (), (), ((kreis_links[0], 10),)))


def test_a_kreis_share_of_zero_is_solved_by_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # every plan employs someone at the Kreis: the Kommunen that only the Kreis serves need it
    data = land(4)
    result = solved(data, kreis_min_share=0)
    assert "blocks" in result.solver
    whole = solved(data, monkeypatch, kreis_min_share=0)
    assert [r.value for r in result.levels] == [r.value for r in whole.levels]


def test_a_traeger_named_like_the_kreis_crashed_the_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # the block took the Träger by name, so also into blocks it does not serve (KeyError)
    data = land(5)
    data["traeger"][0]["name"] = data["kreis"]["name"]
    data["kommunen"][0]["name"] = data["kreis"]["name"]  # and a Kommune too: its size rule stays
    data["kommunen"][0]["share_with"] = []
    result = solved(data)
    assert result.status is Status.OPTIMAL and "blocks" in result.solver
    whole = solved(data, monkeypatch)
    assert [r.value for r in result.levels] == [r.value for r in whole.levels]


def test_a_fine_indicator_key_in_a_block_fell_over_the_size_guard() -> None:
    # The block's own key weights had a common denominator far beyond the whole model's, and
    # ModelTooLarge stopped the solve. A block reads no key: it has the population key.
    primes, parts = [999983, 1000003, 1000033], [400000, 500000, 300000]
    data = tiny(
        kommunen=[
            {
                "name": "Adorf",
                "population": 1000,
                "max_vzae": 1,
                "share_with": ["Bedorf"],
                "indicators": {f"c{k}": parts[k] for k in range(3)},
            },
            {"name": "Bedorf", "population": 1000, "indicators": {f"c{k}": primes[k] - parts[k] for k in range(3)}},
            {"name": "Cedorf", "population": 1000, "indicators": {f"c{k}": 10**7 - primes[k] for k in range(3)}},
        ]
    )
    result = solved(data, key={"c0": "1/3", "c1": "1/3", "c2": "1/3"})
    assert result.status is Status.OPTIMAL and all(r.proven for r in result.levels)


def test_the_links_the_checker_reads_are_those_of_the_whole_plan_file() -> None:
    data = land(2)
    problem = compile_problem(instance(data), model())
    result = solve_problem(problem)
    assert result.units is not None
    plan = Plan(problem, result.units)
    assert plan.links_json() == {"links": plan.to_json()["links"]}


def test_a_long_list_of_names_shows_twelve_and_counts_the_rest() -> None:
    names = [f"Gemeinde {n}" for n in range(1250)]
    assert some_of(names[:12], "de") == ", ".join(names[:12])
    assert some_of(names, "de").endswith("Gemeinde 11 … und 1.238 weitere")
    assert some_of(names, "en").endswith("Gemeinde 11 … and 1,238 more")


def test_a_kreis_of_fewer_kommunen_than_the_threshold_is_one_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MIN_KOMMUNEN", 41)
    assert "blocks" not in solved(land(3)).solver  # 40 Kommunen
    monkeypatch.setattr(blocks, "MIN_KOMMUNEN", 40)
    assert "blocks" in solved(land(3)).solver
