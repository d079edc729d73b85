"""Review of the planning model and the independent checker (DESIGN §2/§3).

Tests in the first part FAIL on purpose: each demonstrates a finding of the review (see the
docstring of each test for the file and line, the DESIGN clause and the suggested fix). The
second part passes and documents edge cases verified as correct. All solves are tiny and run
with two CP-SAT workers (``tests.conftest.model``).
"""

from __future__ import annotations

import contextlib
import copy
from fractions import Fraction
from typing import Any

import pytest

from kimopt.check import check_plan
from kimopt.pipeline import Outcome, PlanRejected, plan_instance
from kimopt.plan import Plan
from kimopt.problem import compile_problem
from kimopt.solve import ModelTooLarge, build
from tests.conftest import instance, model, tiny

DEFICIT = 71400 - 55000  # 16,400 € per VZÄ


def solve(data: dict[str, Any], **settings: Any) -> Outcome:
    return plan_instance(instance(data), model(**settings))


def with_kommune(data: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    for k in data["kommunen"]:
        if k["name"] == name:
            k.update(fields)
    return data


def hosted(outcome: Outcome, name: str) -> Fraction:
    assert outcome.plan is not None
    return next(outcome.plan.hosted[h] for h, host in enumerate(outcome.problem.hosts) if host.name == name)


def coverage(outcome: Outcome) -> dict[str, Fraction]:
    assert outcome.plan is not None
    return {k.name: c for k, c in zip(outcome.problem.instance.kommunen, outcome.plan.coverage, strict=True)}


def level(outcome: Outcome, name: str) -> Fraction | None:
    return next(lv.value for lv in outcome.result.levels if lv.name == name)


def without_solver(plan_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plan_json.items() if k != "solver"}


def big_instance(n: int, host: bool = False, traeger: int = 0) -> dict[str, Any]:
    """``n`` Kommunen (optionally each a 0.5-VZÄ host), ``traeger`` Träger serving all of them."""
    kommunen = [{"name": f"K{i:05d}", "population": 1000 + i, **({"max_vzae": 0.5} if host else {})}
                for i in range(n)]
    providers = [{"name": f"T{t}", "max_vzae": 5, "serves": [k["name"] for k in kommunen],
                  "cost_per_vzae": 71400} for t in range(traeger)]
    return {"name": "Groß", "kreis": {"name": "Kreis Groß", "cost_per_vzae": 71400},
            "funding": {"positions_vzae": n // 10 + 1, "rate_per_vzae": 55000},
            "kommunen": kommunen, "traeger": providers}


# =========================================================================================
# Part 1 — findings (these tests fail until the finding is fixed)
# =========================================================================================


def test_existing_positions_of_kommune_without_max_vzae_are_not_dropped() -> None:
    """F1. problem.py:195 skips Kommunen with ``max_vzae: 0`` as hosts, so their
    ``existing_vzae`` disappears from the model (no ``existing`` rule, no stability term), but
    check.py:216-229 treats every Kommune as a host with existing positions and rejects the plan.
    DESIGN §2 ``existing``: with keep_existing, H_h ≥ existing_h (filled positions stay).
    A Kommune that has 1.0 VZÄ and wants no more (max_vzae 0) is a natural input; today the
    solve ends in PlanRejected ("internal error", exit 5-ish) instead of a plan or a clear
    input error.
    """
    data = with_kommune(tiny(), "Adorf", existing_vzae=1.0, max_vzae=0)
    try:
        outcome = solve(data)
    except PlanRejected as exc:
        pytest.fail(f"model and checker disagree on existing positions of a non-host Kommune: {exc}")
    assert outcome.status in {"OPTIMAL", "INFEASIBLE"}


def test_min_share_zero_lets_a_kommune_serve_partners_without_itself() -> None:
    """F2. constraints.py:67-79: with ``min_share_vzae: 0`` the linking
    ``a[k,k] ≥ min_share·s[k,k]`` becomes ``a[k,k] ≥ 0``, so ``s[k,k] = 1`` with ``a[k,k] = 0``
    satisfies "serves partners only if it serves itself". check.py:192-195 (correctly, DESIGN
    §2 ``sharing``) requires a positive own part, so the pipeline raises PlanRejected.
    Fix: use ``max(1, min_share)`` units for the self link (or add ``a[k,k] ≥ s[k,k]``), or
    refuse ``min_share_vzae: 0`` in model_findings.
    """
    data = with_kommune(tiny(), "Adorf", population=0, max_vzae=0.5, share_with=["Bedorf"])
    try:
        outcome = solve(data, min_share_vzae=0)
    except PlanRejected as exc:
        pytest.fail(f"model allows a partner-only Kommune host, checker rejects: {exc}")
    assert outcome.status == "OPTIMAL"


@pytest.mark.parametrize("objectives", [
    ["proportionality", "use_positions"],
    ["proportionality", "partner_share", "own_cost"],
], ids=["proportionality_first", "use_positions_dropped"])
def test_reordered_objectives_do_not_give_an_empty_plan(objectives: list[str]) -> None:
    """F3. objectives.py:242-254 / solve.py:129: when ``use_positions`` is not the first level,
    ``proportionality`` measures |c_i − N·w_i/W| against the plan's *own* N, which N = 0
    satisfies with deviation 0. The plan then uses no positions at all (here 1 VZÄ fundable,
    three equal Kommunen; with tiny() and use_positions dropped it is 0 of 3 VZÄ too).
    DESIGN §2 defines e_i from N_used* "the optimum of level 1", i.e. the most positions that
    can be used; a model may reorder or drop levels but should not silently turn the plan
    into "leave all funding on the table". Fix: compute N_used* = max N in a pre-solve when
    use_positions is not first (targets then constant), or target P·w_i/W, or reject models
    where proportionality precedes use_positions (model_findings).
    """
    data = tiny(kommunen=[{"name": n, "population": 1} for n in ("Adorf", "Bedorf", "Cedorf")],
                funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000})
    outcome = solve(data, objectives=objectives)
    assert outcome.plan is not None
    assert outcome.plan.used > 0, "reordering the levels produced a plan with 0 VZÄ"


def test_partner_pays_its_part_even_from_existing_positions() -> None:
    """F4, decided: a Kommune host's existing positions are its own staff and count against
    its own part first; a sharing partner pays ``d_k × a[k,i]`` for its part in full (it
    reimburses the host under the cooperation agreement). Adorf has 1.0 VZÄ existing (max 1.0);
    giving 0.5 of it to Bedorf would cost Bedorf 0.5 × 16,400 = 8,200 € > its budget 0 €, so
    Adorf keeps all 1.0 for itself. Targets 0.5, 1.0, 1.5 (10/20/30 of 60 thousand × 3 VZÄ):
    Adorf 1.0 (+0.5), and the other 2.0 VZÄ leave Bedorf and Cedorf 0.5 short together:
    deviation 1.0 VZÄ.
    """
    data = tiny(kommunen=[
        {"name": "Adorf", "population": 10000, "max_vzae": 1.0, "existing_vzae": 1.0, "share_with": ["Bedorf"]},
        {"name": "Bedorf", "population": 20000, "budget": 0},
        {"name": "Cedorf", "population": 30000},
    ])
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert level(outcome, "proportionality") == 1
    assert outcome.plan_json is not None
    assert not any(link["host"] == "Adorf" and link["kommune"] == "Bedorf" for link in outcome.plan_json["links"])
    # with a budget for its part, Bedorf is served by Adorf and every target is met exactly
    data["kommunen"][1]["budget"] = 8200
    assert level(solve(data), "proportionality") == 0


def test_quota_rule_model_size_is_linear_in_the_instance() -> None:
    """F5. constraints.py:160-164: each Kommune's quota constraint ``W·c_i − w_i·N`` expands
    ``N = Σ a`` over *all* links, so the model has O(n·L) terms: 2,005,003 terms for 1,000
    Kommunen, ~2·10^8 for 10,000 (GBs of memory, minutes to build). Same in the generic
    proportionality form (objectives.py:248-253, used when use_positions is not first).
    Fix: one integer variable ``N`` with ``N == Σ a`` (domain [0, cap]) referenced everywhere
    (quota_rule, proportionality, kreis_share, partner_share).
    """
    n = 300
    problem = compile_problem(instance(big_instance(n)), model(quota_rule=True))
    cm = build(problem)
    terms = sum(len(c.linear.vars) for c in cm.model.proto.constraints)
    assert terms <= 30 * (len(problem.links) + n), f"{terms} linear terms for {len(problem.links)} links"


def test_granularity_without_finite_decimal_is_refused() -> None:
    """F7. Plans write VZÄ as decimals (DESIGN §3), so a granularity of 1/3 VZÄ could never be
    written exactly: the model file is refused with a clear message instead."""
    from pydantic import ValidationError

    from kimopt.data import PlanningModel
    from kimopt.errors import pydantic_findings

    with pytest.raises(ValidationError) as refused:
        PlanningModel.model_validate({"granularity_vzae": "1/3", "host_step_vzae": "1/3", "min_host_vzae": "1/3"})
    assert [f.code for f in pydantic_findings(refused.value, PlanningModel)] == ["not_decimal"]


def test_overflow_guard_covers_the_generic_deviation_rows() -> None:
    """F8. solve.py:83-90 bounds ``(P+1)·4·W·n``, i.e. assumes about 4 link terms per
    Kommune. The generic deviation rows ``dev_i ≥ ±(W·c_i − w_i·N)`` (objectives.py:250-252)
    and the quota rows carry ``w_i·ub(a)`` for every link in N, so many Träger serving
    every Kommune overflow int64 below the guard: CP-SAT returns MODEL_INVALID and
    solve.py:140 raises a RuntimeError (a traceback in the CLI) instead of ModelTooLarge.
    Fix: compute the guard from the actual rows (Σ|coef|·ub), or, with the variable N of
    F5, from ``W·cap·(deg_i + 1)``.
    """
    # Populations are capped at 10^9 on input, but a mixed key of two columns with coprime
    # totals still gives a weight sum W near 10^18.
    data = tiny(kommunen=[{"name": "A", "population": 999999937, "indicators": {"x": 999999893}},
                          {"name": "B", "population": 999999929, "indicators": {"x": 999999883}}],
                funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
                traeger=[{"name": f"T{t:02d}", "max_vzae": 1, "serves": ["A", "B"], "cost_per_vzae": 71400}
                         for t in range(60)])
    with contextlib.suppress(ModelTooLarge):  # refusing cleanly is fine; a RuntimeError is not
        solve(data, objectives=["proportionality", "use_positions"], time_limit_s=20,
              key={"population": "1/2", "x": "1/2"})


# =========================================================================================
# Part 2 — edge cases verified as correct (these pass)
# =========================================================================================


def test_kommune_with_population_zero_gets_target_zero() -> None:
    outcome = solve(with_kommune(tiny(), "Bedorf", population=0))
    assert outcome.status == "OPTIMAL" and outcome.plan is not None
    assert outcome.plan.used == 3
    assert coverage(outcome)["Bedorf"] == 0
    assert level(outcome, "proportionality") == 0  # 1.2 / 1.8 are exact multiples of 0.1


def test_all_budgets_zero_give_an_empty_but_valid_plan() -> None:
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 0},
                kommunen=[{**k, "budget": 0, "max_vzae": 1.0} for k in tiny()["kommunen"]])
    outcome = solve(data)
    assert outcome.status == "OPTIMAL" and outcome.plan is not None
    assert outcome.plan.used == 0  # the Kreis may add nothing, so 1/3 of N forces N = 0
    assert outcome.plan_json is not None and outcome.plan_json["links"] == []


def test_traeger_without_deficit_coverage_pays_itself_and_is_outside_own_cost() -> None:
    traeger = {"name": "Caritas", "max_vzae": 1.0, "serves": ["Bedorf"], "cost_per_vzae": 71400,
               "deficit_coverage": False}
    outcome = solve(tiny(traeger=[traeger]), kreis_min_share=0)
    assert outcome.plan is not None and outcome.plan_json is not None
    assert hosted(outcome, "Caritas") == Fraction(1, 2)  # Bedorf's target 0.5
    eig = outcome.plan_json["summary"]["eigenanteil_eur"]
    assert eig["traeger"] == DEFICIT // 2
    assert eig["total"] == eig["kreis"] + eig["kommunen"] == Fraction(5, 2) * DEFICIT
    assert level(outcome, "own_cost") == Fraction(5, 2) * DEFICIT


def test_positions_not_a_multiple_of_the_host_step() -> None:
    outcome = solve(tiny(funding={"year": 2022, "positions_vzae": 3.2, "rate_per_vzae": 55000}))
    assert outcome.plan is not None and outcome.plan_json is not None
    assert outcome.plan.used == 3  # hosts come in 0.5 steps; the Kreis alone hosts
    assert outcome.plan_json["summary"]["positions_fundable"] == 3.2


@pytest.mark.parametrize("g", ["0.05", "0.25"])
def test_fine_and_coarse_granularity_keep_money_exact(g: str) -> None:
    step = Fraction(g)
    # Adorf may pay exactly one unit's deficit: it hosts exactly one unit for itself.
    data = with_kommune(tiny(), "Adorf", max_vzae=float(step), budget=int(DEFICIT * step))
    outcome = solve(data, granularity_vzae=g, host_step_vzae=g, min_host_vzae=g)
    assert outcome.status == "OPTIMAL" and outcome.plan_json is not None
    assert hosted(outcome, "Adorf") == step
    assert outcome.plan_json["summary"]["eigenanteil_eur"]["kommunen"] == DEFICIT * step
    assert level(outcome, "own_cost") == 3 * DEFICIT


@pytest.mark.parametrize("share", ["0", "1"])
def test_kreis_min_share_extremes(share: str) -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0)
    outcome = solve(data, kreis_min_share=share)
    assert outcome.plan is not None
    assert outcome.plan.used == 3
    if share == "1":
        assert hosted(outcome, "Kreis Klein") == 3
        assert level(outcome, "partner_share") == 0
    else:
        assert hosted(outcome, "Adorf") == 1
        assert level(outcome, "partner_share") == 1


def test_existing_above_a_hosts_maximum() -> None:
    """A Kommune's filled positions count as wanted (its maximum is at least its existing
    positions); a Träger's capacity is a hard limit, so there the conflict is infeasible."""
    data = with_kommune(tiny(), "Adorf", max_vzae=0.5, existing_vzae=1.0)
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert outcome.plan is not None
    assert outcome.plan.hosted[next(h for h, host in enumerate(outcome.problem.hosts) if host.name == "Adorf")] == 1
    traeger = {"name": "Caritas", "max_vzae": 0.5, "serves": ["Bedorf"], "cost_per_vzae": 71400,
               "existing_vzae": 1.0}
    assert solve(tiny(traeger=[traeger])).status == "INFEASIBLE"
    # without keep_existing both are plannable and the checker agrees
    assert solve(data, keep_existing=False).status == "OPTIMAL"
    assert solve(tiny(traeger=[traeger]), keep_existing=False).status == "OPTIMAL"


def test_traeger_serving_a_kommune_twice_and_references_by_ags() -> None:
    data = tiny(kommunen=[
        {"name": "Adorf", "ags": "05170001", "population": 20000, "max_vzae": 1.0, "share_with": ["05170002"]},
        {"name": "Bedorf", "ags": "05170002", "population": 10000},
        {"name": "Cedorf", "ags": "05170003", "population": 30000},
    ], traeger=[{"name": "Caritas", "max_vzae": 1.0, "serves": ["Cedorf", "05170003", "Cedorf"],
                 "cost_per_vzae": 71400, "deficit_coverage": True}])
    problem = compile_problem(instance(data), model())
    names = [(problem.hosts[li.host].name, problem.instance.kommunen[li.kommune].name) for li in problem.links]
    assert names.count(("Caritas", "Cedorf")) == 1
    assert ("Adorf", "Bedorf") in names and ("Adorf", "Adorf") in names
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert outcome.plan_json is not None
    assert check_plan(instance(data), model(), outcome.plan_json) == []


def test_kreis_covers_kommunen_ignores_kommune_budgets_and_bills_the_kreis() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, budget=0)
    outcome = solve(data, kreis_covers_kommunen=True)
    assert outcome.plan_json is not None
    assert hosted(outcome, "Adorf") == 1
    eig = outcome.plan_json["summary"]["eigenanteil_eur"]
    assert eig["kommunen"] == 0 and eig["kreis"] == 3 * DEFICIT == eig["total"]


def test_same_input_twice_gives_identical_plan_json() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, share_with=["Bedorf"])
    first, second = solve(data), solve(data)
    assert first.plan_json is not None and second.plan_json is not None
    assert without_solver(first.plan_json) == without_solver(second.plan_json)


def test_permuted_records_give_the_same_links() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, share_with=["Bedorf"])
    data["traeger"] = [{"name": "Caritas", "max_vzae": 1.0, "serves": ["Cedorf", "Bedorf"],
                        "cost_per_vzae": 71400, "deficit_coverage": True},
                       {"name": "AWO", "max_vzae": 1.0, "serves": ["Bedorf", "Cedorf"],
                        "cost_per_vzae": 71400, "deficit_coverage": True}]
    permuted = copy.deepcopy(data)
    permuted["kommunen"].reverse()
    permuted["traeger"].reverse()
    a, b = solve(data), solve(permuted)
    assert a.plan_json is not None and b.plan_json is not None

    def key(plan: dict[str, Any]) -> list[tuple[str, str, str, float]]:
        return sorted((x["host_type"], x["host"], x["kommune"], x["vzae"]) for x in plan["links"])

    assert key(a.plan_json) == key(b.plan_json)


def test_plan_json_has_the_design_keys() -> None:
    outcome = solve(with_kommune(tiny(), "Adorf", max_vzae=1.0))
    plan = outcome.plan_json
    assert plan is not None
    for k in ("status", "objectives", "summary", "hosts", "kommunen", "links", "finance", "solver",
              "input_sha256"):
        assert k in plan
    for k in ("positions_used", "positions_fundable", "kreis_vzae", "partner_vzae", "funding_eur",
              "eigenanteil_eur", "deviation_l1"):
        assert k in plan["summary"]
    assert [o["name"] for o in plan["objectives"]] == ["use_positions", "proportionality", "partner_share",
                                                       "own_cost", "stability", "fewer_hosts"]
    assert all({"name", "value", "bound"} <= set(o) for o in plan["objectives"])
    assert all(set(x) == {"host", "host_type", "kommune", "vzae"} for x in plan["links"])
    assert {x["host_type"] for x in plan["links"]} <= {"kreis", "kommune", "traeger"}
    assert {"ortools", "seconds", "seed", "workers"} <= set(plan["solver"])
    assert isinstance(plan["summary"]["funding_eur"], int)


def test_quota_rule_with_fractional_targets_agrees_with_checker() -> None:
    data = tiny(kommunen=[{"name": n, "population": p, "max_vzae": 1.0}
                          for n, p in (("Adorf", 1), ("Bedorf", 1), ("Cedorf", 1))])
    outcome = solve(data, quota_rule=True)
    assert outcome.plan is not None
    for c in coverage(outcome).values():
        assert Fraction(9, 10) <= c <= Fraction(11, 10)  # e_i = 1.0 exactly at N = 3
    assert outcome.plan.indices["quota_rule_holds"]


def test_existing_plan_money_above_existing_only() -> None:
    # Kreis keeps 1.0 existing; the plan adds 2.0 new Kreis VZÄ: 2 × 16,400 €.
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "existing_vzae": 1.0})
    outcome = solve(data)
    assert outcome.plan is not None
    plan: Plan = outcome.plan
    assert plan.eigenanteil == 2 * DEFICIT
