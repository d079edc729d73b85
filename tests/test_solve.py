"""The lexicographic solve: targets, determinism, the size of the model and its 64-bit guard."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest

from kimopt.lexicographic import ModelTooLarge, build
from kimopt.problem import compile_problem
from tests.conftest import instance, model, solve, tiny, with_kommune


def without_solver(plan_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plan_json.items() if k != "solver"}


def big_instance(n: int, host: bool = False, traeger: int = 0) -> dict[str, Any]:
    """``n`` Kommunen (optionally each a 0.5-VZÄ host), ``traeger`` Träger serving all of them."""
    kommunen = [{"name": f"K{i:05d}", "population": 1000 + i, **({"max_vzae": 0.5} if host else {})} for i in range(n)]
    providers = [
        {"name": f"T{t}", "max_vzae": 5, "serves": [k["name"] for k in kommunen], "cost_per_vzae": 71400}
        for t in range(traeger)
    ]
    return {
        "name": "Groß",
        "kreis": {"name": "Kreis Groß", "cost_per_vzae": 71400},
        "funding": {"positions_vzae": n // 10 + 1, "rate_per_vzae": 55000},
        "kommunen": kommunen,
        "traeger": providers,
    }


@pytest.mark.parametrize(
    "objectives",
    [
        ["proportionality", "use_positions"],
        ["proportionality", "partner_share", "own_cost"],
    ],
    ids=["proportionality_first", "use_positions_dropped"],
)
def test_targets_rest_on_the_most_positions_when_use_positions_is_not_first(objectives: list[str]) -> None:
    """A model may reorder or drop levels; the targets ``e_i = N_used* × w_i / W`` still rest on
    the most positions any plan can use (a separate solve first), so proportionality cannot
    "win" by leaving all funding unused (1 VZÄ fundable, three equal Kommunen)."""
    data = tiny(
        kommunen=[{"name": n, "population": 1} for n in ("Adorf", "Bedorf", "Cedorf")],
        funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
    )
    outcome = solve(data, objectives=objectives)
    assert outcome.plan is not None
    # Targets 1/3 VZÄ each; the Kreis (the only host) holds 0, 0.5 or 1.0 VZÄ. Σ|c − e| is 1 with
    # nothing used, 2/15 + 2/15 + 7/30 = 1/2 at best with 0.5 (0.2 + 0.2 + 0.1), and
    # 1/15 + 1/30 + 1/30 = 2/15 with 1.0 (0.4 + 0.3 + 0.3): the whole position is used.
    assert outcome.plan.used == 1, "reordering the levels left funding unused"


def test_quota_rule_model_size_is_linear_in_the_instance() -> None:
    """Every row refers to ``N`` as one variable, not as the sum over all links: with the quota
    rule on 300 Kommunen the model stays linear in links + Kommunen (not links × Kommunen)."""
    n = 300
    problem = compile_problem(instance(big_instance(n)), model(quota_rule=True))
    cm = build(problem)
    terms = sum(len(c.linear.vars) for c in cm.model.proto.constraints)
    assert terms <= 30 * (len(problem.links) + n), f"{terms} linear terms for {len(problem.links)} links"


def test_key_too_fine_for_64_bit_rows_is_refused_cleanly() -> None:
    """A mixed key of coprime column totals makes the weight sum ``W`` near 10^18; with 60 Träger
    serving every Kommune the deviation rows would overflow 64 bits: the solve either works or
    refuses with ModelTooLarge (a clear input error), never a RuntimeError."""
    # Populations are capped at 10^9 on input, but a mixed key of two columns with coprime
    # totals still gives a weight sum W near 10^18.
    data = tiny(
        kommunen=[
            {"name": "A", "population": 999999937, "indicators": {"x": 999999893}},
            {"name": "B", "population": 999999929, "indicators": {"x": 999999883}},
        ],
        funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        traeger=[{"name": f"T{t:02d}", "max_vzae": 1, "serves": ["A", "B"], "cost_per_vzae": 71400} for t in range(60)],
    )
    with contextlib.suppress(ModelTooLarge):  # refusing cleanly is fine; a RuntimeError is not
        solve(
            data,
            objectives=["proportionality", "use_positions"],
            time_limit_s=20,
            key={"population": "1/2", "x": "1/2"},
        )


def test_same_input_twice_gives_identical_plan_json() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, share_with=["Bedorf"])
    first, second = solve(data), solve(data)
    assert first.plan_json is not None and second.plan_json is not None
    assert without_solver(first.plan_json) == without_solver(second.plan_json)


def test_permuted_records_give_the_same_links() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, share_with=["Bedorf"])
    data["traeger"] = [
        {
            "name": "Caritas",
            "max_vzae": 1.0,
            "serves": ["Cedorf", "Bedorf"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
        },
        {
            "name": "AWO",
            "max_vzae": 1.0,
            "serves": ["Bedorf", "Cedorf"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
        },
    ]
    permuted = copy.deepcopy(data)
    permuted["kommunen"].reverse()
    permuted["traeger"].reverse()
    a, b = solve(data), solve(permuted)
    assert a.plan_json is not None and b.plan_json is not None

    def key(plan: dict[str, Any]) -> list[tuple[str, str, str, float]]:
        return sorted((x["host_type"], x["host"], x["kommune"], x["vzae"]) for x in plan["links"])

    assert key(a.plan_json) == key(b.plan_json)
