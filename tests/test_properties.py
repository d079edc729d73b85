"""Property and metamorphic tests on random valid instances (Hypothesis).

Whatever ``solve`` returns passes the independent checker; the checker rejects any single
corruption of a good plan; and the optimum reacts to changes of the input the way the
planning model says it must.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

from kimopt.check import check_plan
from kimopt.cpsat.remainders import remainder_optimum
from kimopt.pipeline import Outcome, plan_instance
from tests.conftest import assert_checker_refuses_a_broken_copy, dev_extra, instance, model

hypothesis = dev_extra("hypothesis")
st = dev_extra("hypothesis.strategies")
HealthCheck, assume, given, settings = hypothesis.HealthCheck, hypothesis.assume, hypothesis.given, hypothesis.settings

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HALF = [Fraction(k, 2) for k in range(0, 5)]


@st.composite
def instances(draw: st.DrawFn, max_kommunen: int = 30) -> dict[str, Any]:
    """A valid instance: 2–30 Kommunen, some hosts with budgets and partners, 0–3 Träger."""
    n = draw(st.integers(2, max_kommunen))
    names = [f"K{i:02d}" for i in range(n)]
    kommunen = []
    for name in names:
        kommune: dict[str, Any] = {"name": name, "population": draw(st.integers(100, 200_000))}
        if draw(st.booleans()):
            maximum = draw(st.sampled_from(HALF[1:]))
            kommune.update(
                max_vzae=str(maximum),
                cost_per_vzae=draw(st.sampled_from([55000, 71400])),
                budget=draw(st.sampled_from([None, 0, 8200, 16400, 50000])),
                existing_vzae=str(draw(st.sampled_from([h for h in HALF if h <= maximum]))),
            )
        kommunen.append(kommune)
    for i in range(n):
        if draw(st.integers(0, 3)) == 0:
            partner = draw(st.sampled_from(names))
            if partner != names[i]:
                kommunen[i]["share_with"] = [partner]
    traeger = []
    for t in range(draw(st.integers(0, 3))):
        serves = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(n, 5), unique=True))
        traeger.append(
            {
                "name": f"Träger {t}",
                "max_vzae": str(draw(st.sampled_from(HALF[1:]))),
                "serves": serves,
                "cost_per_vzae": 71400,
                "deficit_coverage": draw(st.booleans()),
                "existing_vzae": str(draw(st.sampled_from(HALF[:2]))),
            }
        )
    return {
        "name": "Zufallskreis",
        "kreis": {
            "name": "Kreis Zufall",
            "cost_per_vzae": 71400,
            "budget": draw(st.sampled_from([None, 0, 32800, 100000])),
            "existing_vzae": str(draw(st.sampled_from(HALF))),
        },
        "funding": {"positions_vzae": str(Fraction(draw(st.integers(2, 40)), 2)), "rate_per_vzae": 55000},
        "kommunen": kommunen,
        "traeger": traeger,
    }


settings_strategy = st.fixed_dictionaries(
    {
        "kreis_min_share": st.sampled_from(["0", "1/4", "1/3", "1/2"]),
        "quota_rule": st.booleans(),
        "min_coverage_vzae": st.sampled_from(["0", "0.1"]),
        "keep_existing": st.booleans(),
        "kreis_covers_kommunen": st.booleans(),
        "objectives": st.sampled_from(
            [
                None,
                ["use_positions", {"name": "proportionality", "measure": "max"}, "own_cost"],
                ["own_cost", "use_positions", "proportionality"],
            ]
        ),
    }
)


def solve(data: dict[str, Any], changes: dict[str, Any]) -> Outcome:
    changes = {k: v for k, v in changes.items() if v is not None}
    return plan_instance(instance(data), model(time_limit_s=30, **changes))


def values(outcome: Outcome) -> list[Fraction]:
    return [level.value for level in outcome.result.levels if level.value is not None]


@SETTINGS
@given(instances(), settings_strategy)
def test_every_plan_passes_the_checker(data: dict[str, Any], changes: dict[str, Any]) -> None:
    outcome = solve(data, changes)  # plan_instance itself refuses a plan the checker rejects
    assume(outcome.plan is not None)
    assert outcome.plan_json is not None and outcome.plan is not None
    assert check_plan(outcome.problem.instance, outcome.problem.model, outcome.plan_json) == []
    assert_checker_refuses_a_broken_copy(outcome.problem.instance, outcome.problem.model, outcome.plan_json)
    for level in outcome.result.levels:
        if level.proven:  # the solver's value is the plan's own recomputed figure
            assert level.value == outcome.plan.objective_value(level.name, level.measure)
    basis = outcome.result.target_units
    deviation = next(lv for lv in outcome.result.levels if lv.name == "proportionality")
    if basis is not None and deviation.measure == "l1" and deviation.value is not None:
        # no plan deviates less than the largest-remainder apportionment of the same positions
        optimum = remainder_optimum(outcome.problem, basis)
        assert deviation.value >= Fraction(optimum.lb, outcome.problem.total_weight) * outcome.problem.g


def corruptions(plan: dict[str, Any], data: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Single changes to a valid plan, each of which must be caught."""

    def bump_link(i: int, delta: float) -> dict[str, Any]:
        bad = copy.deepcopy(plan)
        bad["links"][i]["vzae"] = round(bad["links"][i]["vzae"] + delta, 6)
        return bad

    def rehost(i: int, host: str, kind: str) -> dict[str, Any]:
        bad = copy.deepcopy(plan)
        bad["links"][i].update(host=host, host_type=kind)
        return bad

    def summary(key: str, delta: float) -> dict[str, Any]:
        bad = copy.deepcopy(plan)
        bad["summary"][key] = round(bad["summary"][key] + delta, 6)
        return bad

    n = len(plan["links"])
    options = [
        st.builds(
            summary,
            st.sampled_from(["positions_used", "kreis_vzae", "partner_vzae"]),
            st.sampled_from([-0.1, 0.1, 1.0]),
        )
    ]
    if n:
        options.append(st.builds(bump_link, st.integers(0, n - 1), st.sampled_from([-0.1, 0.1, 0.05, 0.5])))
        options.append(st.builds(rehost, st.integers(0, n - 1), st.just("Niemand"), st.just("traeger")))
    return st.one_of(options)


@SETTINGS
@given(instances(max_kommunen=8), st.data())
def test_checker_rejects_single_corruptions(data: dict[str, Any], draw: st.DataObject) -> None:
    outcome = solve(data, {})
    assume(outcome.plan_json is not None)
    assert outcome.plan_json is not None
    bad = draw.draw(corruptions(outcome.plan_json, data))
    assert check_plan(outcome.problem.instance, outcome.problem.model, bad) != []


def permuted(data: dict[str, Any], seed: int) -> dict[str, Any]:
    import random

    shuffled = copy.deepcopy(data)
    rng = random.Random(seed)
    rng.shuffle(shuffled["kommunen"])
    rng.shuffle(shuffled["traeger"])
    return shuffled


@SETTINGS
@given(instances(max_kommunen=12), st.integers(0, 10**6))
def test_permuting_records_keeps_every_level(data: dict[str, Any], seed: int) -> None:
    first, second = solve(data, {}), solve(permuted(data, seed), {})
    assert first.status == second.status
    assume(first.status == "OPTIMAL")
    assert values(first) == values(second)
    # the canonical tie-break makes even the chosen plan independent of the order
    assert sorted(map(str, first.plan_json["links"])) == sorted(map(str, second.plan_json["links"]))


@SETTINGS
@given(instances(max_kommunen=12), st.integers(2, 7))
def test_scaling_populations_keeps_the_plan(data: dict[str, Any], factor: int) -> None:
    scaled = copy.deepcopy(data)
    for kommune in scaled["kommunen"]:
        kommune["population"] *= factor
    first, second = solve(data, {}), solve(scaled, {})
    assert first.status == second.status
    assume(first.status == "OPTIMAL")
    assert first.plan_json["links"] == second.plan_json["links"]
    assert values(first) == values(second)


@SETTINGS
@given(instances(max_kommunen=12), st.integers(1, 6))
def test_more_positions_never_lower_positions_used(data: dict[str, Any], extra_halves: int) -> None:
    more = copy.deepcopy(data)
    more["funding"]["positions_vzae"] = str(Fraction(data["funding"]["positions_vzae"]) + Fraction(extra_halves, 2))
    first, second = solve(data, {}), solve(more, {})
    assume(first.status == "OPTIMAL")
    assert second.status == "OPTIMAL"  # a larger cap cannot make a feasible instance infeasible
    assert second.plan.used >= first.plan.used


def badness(outcome: Outcome) -> list[Fraction]:
    """Level values oriented so that smaller is better, for a lexicographic comparison."""
    maximised = {"use_positions", "partner_share"}
    return [-lv.value if lv.name in maximised else lv.value for lv in outcome.result.levels if lv.value is not None]


@SETTINGS
@given(instances(max_kommunen=12), st.sampled_from([8200, 16400, 100000]))
def test_raising_a_budget_never_worsens_the_optimum(data: dict[str, Any], extra: int) -> None:
    richer = copy.deepcopy(data)
    if richer["kreis"]["budget"] is not None:
        richer["kreis"]["budget"] += extra
    for kommune in richer["kommunen"]:
        if kommune.get("budget") is not None:
            kommune["budget"] += extra
    first, second = solve(data, {}), solve(richer, {})
    assume(first.status == "OPTIMAL")
    assert second.status == "OPTIMAL"
    assert badness(second) <= badness(first)
