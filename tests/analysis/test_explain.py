"""Explanations: minimal conflicts, smallest repairs, wishes and binding rules.

The fixtures in ``tests/data/infeasible`` cover every rule family; each is named after its
conflict and explains the arithmetic in its header. Repairs are checked with the solver
pipeline itself (``plan_instance``, which also runs the independent checker), not with the
explain code: the repaired number must give a plan, one unit less must not.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.analysis.explain.binding import add_binding_rules, binding_rules
from kimopt.analysis.explain.core import Oracle, Scenario, feasible, minimal_conflict
from kimopt.analysis.explain.repair import Repair, smallest_repairs, stricter, with_number
from kimopt.analysis.explain.wish import WishError, optimal_plan, parse_wish, wish_price
from kimopt.cli import app
from kimopt.load import load_inputs
from kimopt.pipeline import plan_instance
from tests.conftest import DATA, INSTANCES, instance, model, tiny

INFEASIBLE = DATA / "infeasible"
WESEL = INSTANCES / "kreis-wesel-2022.yaml"
runner = CliRunner()

EXPECTED = {
    # 3 × 1,5 = 4,5 VZÄ > 3,0; every Kommune's minimum is needed, any two fit.
    "reachability_over_funding_cap": [
        ("funding_cap", ""),
        ("reachability", "Adorf"),
        ("reachability", "Bedorf"),
        ("reachability", "Cedorf"),
    ],
    # 3,5 filled at the Kreis > 3,0 fundable.
    "existing_over_funding_cap": [("funding_cap", ""), ("existing", "Kreis Klein")],
    # 2,5 at Adorf + Kreis ≥ a third (1,5 in half steps) = 4,0 > 3,0.
    "kreis_share_over_existing": [("funding_cap", ""), ("kreis_share", ""), ("existing", "Adorf")],
    # 0,3 filled, but a host has 0 or ≥ 0,5 and at most 0,3.
    "host_size_below_existing": [("host_size", "Adorf"), ("existing", "Adorf")],
    # Adorf serves only itself 1,5; quota floors for Bedorf and Cedorf: N ≥ 3,9 > 3,0.
    "sharing_existing_over_quota": [
        ("funding_cap", ""),
        ("sharing", "Adorf"),
        ("existing", "Adorf"),
        ("quota_rule", "Bedorf"),
        ("quota_rule", "Cedorf"),
    ],
    # 1,5 filled at Caritas > its capacity 1,0.
    "provider_area_below_existing": [("provider_area", "Caritas"), ("existing", "Caritas")],
    # Adorf needs 0,5 from the Kreis: 8.200 € > 8.199 €.
    "budget_kreis_below_reachability": [("budget_kreis", ""), ("reachability", "Adorf")],
    # Adorf needs 0,5 from the Kreis or itself, 8.200 € either way, both budgets 0 €.
    "budget_kommune_below_reachability": [
        ("budget_kommune", "Adorf"),
        ("budget_kreis", ""),
        ("reachability", "Adorf"),
    ],
    # Bedorf: target ≤ 0,15, quota ≤ 0,2 < minimum 0,3.
    "quota_rule_below_reachability": [
        ("funding_cap", ""),
        ("reachability", "Bedorf"),
        ("quota_rule", "Bedorf"),
    ],
}


def fixture_paths(name: str) -> tuple[Path, Path | None]:
    path = INFEASIBLE / f"{name}.yaml"
    model_path = INFEASIBLE / f"{name}.model.yaml"
    return path, model_path if model_path.exists() else None


def scenario_of(name: str) -> Scenario:
    inputs = load_inputs(*fixture_paths(name))
    return Scenario(inputs.instance, inputs.model.model_copy(update={"workers": 2}))


def test_fixtures_cover_every_rule_family() -> None:
    from kimopt.analysis.explain.core import FAMILIES
    from kimopt.rules import CONTINUITY

    # continuity joins a year to the one before: a one-year fixture cannot break it (the
    # multi-year tests of test_horizon.py explain it)
    assert {rule[0] for rules in EXPECTED.values() for rule in rules} == set(FAMILIES) - {CONTINUITY.name}
    assert {p.stem for p in INFEASIBLE.glob("*.yaml") if not p.stem.endswith(".model")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_minimal_conflict(name: str) -> None:
    scenario = scenario_of(name)
    assert plan_instance(scenario.instance, scenario.model).status == "INFEASIBLE"
    oracle = Oracle(scenario)
    conflict = minimal_conflict(oracle)
    assert conflict == EXPECTED[name]
    assert oracle.feasible(conflict) is False
    for member in conflict:  # minimal: without any one member the rest holds together
        assert oracle.feasible([r for r in conflict if r != member]) is True


def test_conflict_is_deterministic() -> None:
    scenario = scenario_of("sharing_existing_over_quota")
    assert minimal_conflict(Oracle(scenario)) == minimal_conflict(Oracle(scenario))


def _plan_status(scenario: Scenario) -> str:
    return plan_instance(scenario.instance, scenario.model).status


def check_repair(scenario: Scenario, repair: Repair) -> None:
    """The repaired number gives a plan; one unit stricter gives none (checked by the pipeline)."""
    assert repair.number is not None and repair.value is not None and repair.verified
    assert _plan_status(with_number(scenario, repair.number, repair.subject, repair.value)) == "OPTIMAL"
    tighter = stricter(repair.number, repair.value, scenario, repair.direction)
    if tighter is not None and repair.number != "existing_vzae":
        assert _plan_status(with_number(scenario, repair.number, repair.subject, tighter)) == "INFEASIBLE"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_repairs_are_smallest(name: str) -> None:
    scenario = scenario_of(name)
    repairs = smallest_repairs(scenario, EXPECTED[name])
    assert repairs
    for repair in repairs:
        if repair.number is None:  # sharing and the quota rule have no single number
            assert repair.rule[0] in ("sharing", "quota_rule")
            continue
        check_repair(scenario, repair)


def test_repair_values() -> None:
    repairs = {
        r.number: r.value
        for r in smallest_repairs(scenario_of("kreis_share_over_existing"), EXPECTED["kreis_share_over_existing"])
    }
    # Cap: 2,5 + 1,5 = 4,0. Share: with 2,5 at Adorf the Kreis has at most 0,5 of 3,0 = 1/6.
    # Existing: 2,0 at Adorf leaves the Kreis 1,0 = a third of 3,0.
    assert repairs == {"positions_vzae": 4, "kreis_min_share": Fraction(1, 6), "existing_vzae": 2}
    repairs = {
        r.number: r.value
        for r in smallest_repairs(
            scenario_of("reachability_over_funding_cap"), EXPECTED["reachability_over_funding_cap"]
        )
    }
    # Cap: 3 × 1,5 = 4,5. Minimum: 3,0 / 3 = 1,0 each.
    assert repairs == {"positions_vzae": Fraction(9, 2), "min_coverage_vzae": 1}


def test_existing_repair_one_step_nearer_is_infeasible() -> None:
    scenario = scenario_of("host_size_below_existing")
    repair = next(
        r for r in smallest_repairs(scenario, EXPECTED["host_size_below_existing"]) if r.number == "existing_vzae"
    )
    # 0,3 → 0,5: filled positions count as wanted, so 0,5 filled makes Adorf a host of 0,5 VZÄ
    # (the nearest repair); 0,4 is still below the minimum host size, and so are 0,1 and 0,2.
    assert repair.value == Fraction(1, 2)
    for value in (Fraction(1, 10), Fraction(2, 10), Fraction(4, 10)):
        assert _plan_status(with_number(scenario, "existing_vzae", "Adorf", value)) == "INFEASIBLE"


def wesel() -> Scenario:
    inputs = load_inputs(WESEL)
    return Scenario(inputs.instance, inputs.model.model_copy(update={"workers": 2}))


def test_voerde_wish_names_budget_kommune_and_16400() -> None:
    # Voerde's own 1,0 VZÄ costs 71.400 − 55.000 = 16.400 € against a budget of 0 €.
    base = wesel()
    scenario = replace(base, wish=parse_wish("Voerde (Niederrhein)=1", base.instance, base.model))
    conflict = minimal_conflict(Oracle(scenario))
    assert conflict == [("budget_kommune", "Voerde (Niederrhein)")]
    (repair,) = smallest_repairs(scenario, conflict)
    assert repair.number == "kommune_budget" and repair.value == 16400 and repair.verified
    repaired = with_number(scenario, "kommune_budget", "Voerde (Niederrhein)", Fraction(16400))
    assert feasible(repaired) and not feasible(
        with_number(scenario, "kommune_budget", "Voerde (Niederrhein)", Fraction(16399))
    )


def test_voerde_wish_cli() -> None:
    result = runner.invoke(app, ["explain", str(WESEL), "--want", "Voerde (Niederrhein)=1"])
    assert result.exit_code == 3, result.output
    assert "Budget Voerde (Niederrhein): Eigenanteil höchstens 0 €" in result.output and "16.400 €" in result.output
    result = runner.invoke(app, ["explain", str(WESEL), "--want", "Voerde (Niederrhein)=1", "--lang", "en"])
    assert result.exit_code == 3 and "€16,400" in result.output and "Wish" in result.output


def tiny_scenario(**kommune_fields: object) -> Scenario:
    data = tiny()
    data["kommunen"][0].update(kommune_fields)
    return Scenario(instance(data), model())


def test_wish_price_level_by_level() -> None:
    # Without the wish Adorf hosts 1,0 (partner_share 1,0), the Kreis 2,0; with Adorf = 0,5 the
    # Kreis takes 2,5: partner_share −0,5; Adorf pays 8.200 € less, the Kreis 8.200 € more.
    base = tiny_scenario(max_vzae=1.0)
    price = wish_price(replace(base, wish=parse_wish("Adorf=0,5", base.instance, base.model)))
    assert price is not None
    deltas = {change.name: change.delta for change in price.levels}
    assert deltas == {
        "use_positions": 0,
        "proportionality": 0,
        "partner_share": Fraction(-1, 2),
        "own_cost": 0,
        "stability": 0,
        "fewer_hosts": 0,
    }
    payers = {p.payer: p.after - p.before for p in price.payers if p.after != p.before}
    assert payers == {"Adorf": -8200, "Kreis Klein": 8200}


def test_wish_for_kommune_without_positions() -> None:
    # Bedorf employs nobody (max_vzae 0): its own maximum blocks the wish; 0,5 would do.
    base = tiny_scenario()
    scenario = replace(base, wish=parse_wish("Bedorf>=0,5", base.instance, base.model))
    conflict = minimal_conflict(Oracle(scenario))
    assert conflict == [("host_size", "Bedorf")]
    (repair,) = smallest_repairs(scenario, conflict)
    assert repair.number == "kommune_max_vzae" and repair.value == Fraction(1, 2) and repair.verified


@pytest.mark.parametrize(
    ("text", "op", "units"),
    [
        ("Adorf=1", "=", 10),
        ("adorf >= 0,86", ">=", 9),  # rounded up to the granularity, case ignored
        ("Adorf<=1.55", "<=", 15),  # rounded down
        ("Adorf ≥ 1", ">=", 10),
    ],
)
def test_parse_wish(text: str, op: str, units: int) -> None:
    wish = parse_wish(text, instance(tiny()), model())
    assert (wish.name, wish.op, wish.units) == ("Adorf", op, units)


@pytest.mark.parametrize(
    "text",
    [
        "Adorf",  # no operator
        "Adorf=",  # no number
        "Adorf=eins",  # not a number
        "Adorf=-1",  # negative
        "Adorf=0,05",  # off the granularity
        "Adorff=1",  # unknown name
        "Adorf=1.000,5",  # both separators
    ],
)
def test_bad_wish(text: str) -> None:
    with pytest.raises(WishError):
        parse_wish(text, instance(tiny()), model())


def test_bad_wish_cli_suggests_names(test_model_file: Path) -> None:
    result = runner.invoke(app, ["explain", str(WESEL), "-m", str(test_model_file), "--want", "Vörde=1"])
    assert result.exit_code == 1
    assert "Voerde (Niederrhein)" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["explain", str(WESEL), "--want", "Moers 1"])
    assert result.exit_code == 1 and "NAME=VZÄ" in result.output


def test_binding_rules() -> None:
    # Adorf's budget 8.200 € pays for 0,5 of its 1,0 VZÄ (16.400 € each): relaxing it raises
    # partner_share from 0,5 to 1,0. The funding cap binds use_positions. Bedorf and Cedorf
    # have no budget rule, and a Kommune without a host has no host_size.
    scenario = tiny_scenario(max_vzae=1.0, budget=8200)
    plan = optimal_plan(scenario, 60)
    assert plan is not None and plan.status == "OPTIMAL"
    found = {b.rule: b for b in binding_rules(scenario, plan)}
    assert found[("funding_cap", "")].level == "use_positions"
    budget = found[("budget_kommune", "Adorf")]
    assert (budget.level, budget.before, budget.after) == ("partner_share", Fraction(1, 2), 1)
    data = add_binding_rules({"summary": {}}, plan)
    assert {
        "rule": "budget_kommune",
        "subject": "Adorf",
        "level": "partner_share",
        "value": 0.5,
        "relaxed_value": 1.0,
        "relaxed_value_proven": True,
    } in data["summary"]["binding_rules"]
    assert data["summary"]["binding_rules_complete"] is True


def test_slack_budget_is_not_binding() -> None:
    # 20.000 € leaves room for more than 1,0 × 16.400 €, and Adorf is at its maximum 1,0.
    scenario = tiny_scenario(max_vzae=1.0, budget=20000)
    plan = optimal_plan(scenario, 60)
    assert plan is not None
    report = binding_rules(scenario, plan)
    assert report.complete
    assert ("budget_kommune", "Adorf") not in {b.rule for b in report}


def test_cli_infeasible_explains_and_exits_3() -> None:
    path, model_path = fixture_paths("reachability_over_funding_cap")
    assert model_path is not None
    result = runner.invoke(app, ["explain", str(path), "-m", str(model_path)])
    assert result.exit_code == 3, result.output
    assert "Erreichbarkeit: 3 Kommunen × 1,5 VZÄ = 4,5 VZÄ > Förderobergrenze 3,0 VZÄ" in result.output
    assert "Förderobergrenze ≥ 4,5 VZÄ" in result.output
    english = runner.invoke(app, ["explain", str(path), "-m", str(model_path), "--lang", "en"])
    assert english.exit_code == 3 and "Funding cap ≥ 4.5 VZÄ" in english.output


def test_solve_prints_the_same_explanation() -> None:
    path, _ = fixture_paths("kreis_share_over_existing")
    explained = runner.invoke(app, ["explain", str(path)])
    solved = runner.invoke(app, ["solve", str(path)])
    assert solved.exit_code == 3 and explained.exit_code == 3
    assert explained.output.strip() in solved.output


def test_cli_feasible_lists_binding_rules(test_model_file: Path) -> None:
    result = runner.invoke(app, ["explain", str(DATA / "valid_tiny.yaml"), "-m", str(test_model_file)])
    assert result.exit_code == 0, result.output
    assert "Förderobergrenze: höchstens" in result.output and "Bindende Regeln" in result.output
