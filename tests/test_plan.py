"""The plan recomputes every figure from the links: targets, money by payer, the file's keys."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kimopt.plan import Plan
from tests.conftest import DEFICIT, coverage, hosted, level, solve, tiny, with_kommune


def test_partner_pays_its_part_even_from_existing_positions() -> None:
    """A Kommune host's existing positions are its own staff and count against its own part
    first; a sharing partner pays ``d_k × a[k,i]`` for its part in full (it reimburses the host
    under the cooperation agreement). Adorf has 1.0 VZÄ existing (max 1.0); giving 0.5 of it to
    Bedorf would cost Bedorf 0.5 × 16,400 = 8,200 € > its budget 0 €, so Adorf keeps all 1.0 for
    itself. Targets 0.5, 1.0, 1.5 (10/20/30 of 60 thousand × 3 VZÄ): Adorf 1.0 (+0.5), and the
    other 2.0 VZÄ leave Bedorf and Cedorf 0.5 short together: deviation 1.0 VZÄ.
    """
    data = tiny(
        kommunen=[
            {"name": "Adorf", "population": 10000, "max_vzae": 1.0, "existing_vzae": 1.0, "share_with": ["Bedorf"]},
            {"name": "Bedorf", "population": 20000, "budget": 0},
            {"name": "Cedorf", "population": 30000},
        ]
    )
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert level(outcome, "proportionality") == 1
    assert outcome.plan_json is not None
    assert not any(link["host"] == "Adorf" and link["kommune"] == "Bedorf" for link in outcome.plan_json["links"])
    # with a budget for its part, Bedorf is served by Adorf and every target is met exactly
    data["kommunen"][1]["budget"] = 8200
    assert level(solve(data), "proportionality") == 0


def test_kommune_with_population_zero_gets_target_zero() -> None:
    outcome = solve(with_kommune(tiny(), "Bedorf", population=0))
    assert outcome.status == "OPTIMAL" and outcome.plan is not None
    assert outcome.plan.used == 3
    assert coverage(outcome)["Bedorf"] == 0
    assert level(outcome, "proportionality") == 0  # 1.2 / 1.8 are exact multiples of 0.1


def test_traeger_without_deficit_coverage_pays_itself_and_is_outside_own_cost() -> None:
    traeger = {
        "name": "Caritas",
        "max_vzae": 1.0,
        "serves": ["Bedorf"],
        "cost_per_vzae": 71400,
        "deficit_coverage": False,
    }
    outcome = solve(tiny(traeger=[traeger]), kreis_min_share=0)
    assert outcome.plan is not None and outcome.plan_json is not None
    assert hosted(outcome, "Caritas") == Fraction(1, 2)  # Bedorf's target 0.5
    eig = outcome.plan_json["summary"]["eigenanteil_eur"]
    assert eig["traeger"] == DEFICIT // 2
    assert eig["total"] == eig["kreis"] + eig["kommunen"] == Fraction(5, 2) * DEFICIT
    assert level(outcome, "own_cost") == Fraction(5, 2) * DEFICIT


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


def test_kreis_covers_kommunen_ignores_kommune_budgets_and_bills_the_kreis() -> None:
    data = with_kommune(tiny(), "Adorf", max_vzae=1.0, budget=0)
    outcome = solve(data, kreis_covers_kommunen=True)
    assert outcome.plan_json is not None
    assert hosted(outcome, "Adorf") == 1
    eig = outcome.plan_json["summary"]["eigenanteil_eur"]
    assert eig["kommunen"] == 0 and eig["kreis"] == 3 * DEFICIT == eig["total"]


def test_existing_plan_money_above_existing_only() -> None:
    # Kreis keeps 1.0 existing; the plan adds 2.0 new Kreis VZÄ: 2 × 16,400 €.
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "existing_vzae": 1.0})
    outcome = solve(data)
    assert outcome.plan is not None
    plan: Plan = outcome.plan
    assert plan.eigenanteil == 2 * DEFICIT


def test_plan_json_has_the_design_keys() -> None:
    outcome = solve(with_kommune(tiny(), "Adorf", max_vzae=1.0))
    plan = outcome.plan_json
    assert plan is not None
    for k in ("status", "objectives", "summary", "hosts", "kommunen", "links", "finance", "solver", "input_sha256"):
        assert k in plan
    for k in (
        "positions_used",
        "positions_fundable",
        "kreis_vzae",
        "partner_vzae",
        "funding_eur",
        "eigenanteil_eur",
        "deviation_l1",
    ):
        assert k in plan["summary"]
    assert [o["name"] for o in plan["objectives"]] == [
        "use_positions",
        "proportionality",
        "partner_share",
        "own_cost",
        "stability",
        "fewer_hosts",
    ]
    assert all({"name", "value", "bound"} <= set(o) for o in plan["objectives"])
    assert all(set(x) == {"host", "host_type", "kommune", "vzae"} for x in plan["links"])
    assert {x["host_type"] for x in plan["links"]} <= {"kreis", "kommune", "traeger"}
    assert {"ortools", "seconds", "seed", "workers"} <= set(plan["solver"])
    assert isinstance(plan["summary"]["funding_eur"], int)
