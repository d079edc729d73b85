"""The model keys ``continuity: host | total | none`` and ``lookahead: true`` (DESIGN §5, issue 21).

Hand-derived on ``conftest.tiny`` (Kreis Klein, 3 VZÄ, targets Adorf 1.0, Bedorf 0.5, Cedorf
1.5; a VZÄ costs 71,400 €, the rate is 55,000 €: 16,400 € Eigenanteil), Cedorf may host 2 VZÄ
and its budget decides how many it can pay; and on the bundled Mettmann and Rhein-Sieg instances.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.load import load_instance, load_model
from kimopt.pipeline import check, plan_instance
from kimopt.problem import compile_problem
from kimopt.solve_horizon import NO_LOOKAHEAD
from tests.conftest import (
    DEFICIT,
    INSTANCES,
    MODELS,
    TEST_SETTINGS,
    cut_figures,
    instance,
    model,
    solve,
    tiny,
    write_yaml,
)

runner = CliRunner()


def cedorf(budget: int, **year: Any) -> dict[str, Any]:
    """``tiny`` with Cedorf (max 2 VZÄ, budget ``budget`` in 2022) and a year 2023 of ``year``."""
    data = tiny(years=[{"year": 2023, **year}])
    for k in data["kommunen"]:
        if k["name"] == "Cedorf":
            k.update(max_vzae=2, budget=budget)
    return data


def year(solved: Any, label: int) -> dict[str, Any]:
    """The year ``label`` of a plan (an :class:`~kimopt.pipeline.Outcome` or its plan JSON)."""
    plan = solved if isinstance(solved, dict) else solved.plan_json
    return next(y for y in plan["years"] if y["year"] == label)


def hosts(entry: dict[str, Any]) -> dict[str, float]:
    return {h["name"]: h["vzae"] for h in entry["hosts"] if h["vzae"]}


def value(entry: dict[str, Any], name: str) -> float | None:
    return next((lv["value"] for lv in entry["objectives"] if lv["name"] == name), None)


def test_the_keys_default_to_todays_rule_and_refuse_other_values() -> None:
    assert model().continuity == "host" and model().lookahead is False
    with pytest.raises(ValueError):
        model(continuity="kreis")


def test_total_lets_the_kreis_hand_positions_to_a_kommune() -> None:
    # 2022: Cedorf's budget 0 € pays no Eigenanteil, so the Kreis employs all 3.0 VZÄ. 2023: Cedorf
    # budgets 16,400 € = 1.0 VZÄ. host: the Kreis keeps its 3.0, nothing moves. total: N ≥ 3.0
    # only; partner_share moves what Cedorf can pay, 1.0 VZÄ (its coverage 1.5 rounds down to
    # steps of 0.5, its budget allows 1.0): Kreis 2.0, Cedorf 1.0; stability |2 − 3| + |1 − 0| = 2.0
    data = cedorf(0, budgets={"Cedorf": DEFICIT})
    host = year(solve(data), 2023)
    assert hosts(host) == {"Kreis Klein": 3.0}
    assert value(host, "partner_share") == 0.0 and value(host, "stability") == 0.0
    total = solve(data, continuity="total")
    moved = year(total, 2023)
    assert hosts(moved) == {"Kreis Klein": 2.0, "Cedorf": 1.0}
    assert value(moved, "partner_share") == 1.0 and value(moved, "stability") == 2.0
    assert moved["cuts"] == [] and value(moved, "continuity") is None
    assert total.plan_json["solver"]["method"].endswith("continuity: total")


def test_total_moves_instead_of_cutting_where_host_must_cut() -> None:
    # 2022: Cedorf can pay 1.0 VZÄ: Kreis 2.0, Cedorf 1.0. 2023: Cedorf's budget is 0 €. host: Cedorf
    # cannot keep its 1.0, the least cut is 1.0 VZÄ at Cedorf (the Kreis grows to 3.0). total: the
    # Kreis takes Cedorf's 1.0, the 3.0 VZÄ stay in number: no cut.
    data = cedorf(DEFICIT, budgets={"Cedorf": 0})
    host = year(solve(data), 2023)
    assert cut_figures(host["cuts"]) == [
        {"host": "Cedorf", "host_type": "kommune", "from_vzae": 1.0, "to_vzae": 0.0, "vzae": 1.0}
    ]
    assert value(host, "continuity") == 1.0 and hosts(host) == {"Kreis Klein": 3.0}
    total = year(solve(data, continuity="total"), 2023)
    assert total["cuts"] == [] and value(total, "continuity") is None
    assert hosts(total) == {"Kreis Klein": 3.0} and value(total, "stability") == 2.0


def test_total_cuts_the_positions_in_number_and_none_cuts_nothing() -> None:
    # 2022: Kreis 3.0 (Cedorf pays nothing). 2023: the Kreis's budget 32,800 € = 2 × 16,400 € pays
    # 2.0 VZÄ: total must cut 1.0 VZÄ in all (its least cut, in one host step of 0.5 twice), listed
    # as one cut of every employer; none has no continuity: N = 2.0, no level, no cut.
    data = cedorf(0, budgets={"Kreis Klein": 2 * DEFICIT})
    total = solve(data, continuity="total")
    entry = year(total, 2023)
    assert cut_figures(entry["cuts"]) == [
        {"host": "alle Arbeitgeber", "host_type": "total", "from_vzae": 3.0, "to_vzae": 2.0, "vzae": 1.0}
    ]
    assert value(entry, "continuity") == 1.0 and value(entry, "use_positions") == 2.0
    none = year(solve(data, continuity="none"), 2023)
    assert none["cuts"] == [] and value(none, "continuity") is None and value(none, "use_positions") == 2.0


def test_the_checker_reads_a_total_cut_against_the_links() -> None:
    data = cedorf(0, budgets={"Kreis Klein": 2 * DEFICIT})
    settings = model(continuity="total")
    plan = plan_instance(instance(data), settings).plan_json
    assert plan is not None and check(instance(data), settings, plan) == []
    plan["years"][1]["cuts"][0]["vzae"] = 0.5  # states less than the links cut
    assert {v.rule for v in check(instance(data), settings, plan)} >= {"plan", "continuity"}
    plan["years"][1]["cuts"] = []  # no cut stated: the 1.0 VZÄ fewer break continuity
    assert {v.rule for v in check(instance(data), settings, plan)} == {"continuity", "plan"}
    # under host the same plan cuts the Kreis by 1.0 with no cut stated
    assert "continuity" in {v.rule for v in check(instance(data), model(), plan)}


def mettmann() -> dict[str, Any]:
    """The bundled Mettmann 2022–2023 with its 2023 budget kept at 114,800 €."""
    inst, _ = load_instance(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    data = inst.model_dump(mode="json")
    data["years"][0]["budgets"] = {"Kreis Mettmann": 114800}
    return data


def test_lookahead_2022_gives_way_so_that_2023_needs_no_cut() -> None:
    # In order: 2022 uses all 16 VZÄ (7 new × 16,400 = 114,800 €); 2023's 7 new cost
    # 7 × (73,542 − 57,000) = 115,794 € > 114,800 €, so 2023 cuts 0.5. lookahead: 2022 places only
    # 6.5 new VZÄ (15.5 in all, 6.5 × 16,400 = 106,600 €), 2023 keeps them (6.5 × 16,542 = 107,523 €)
    # and cuts nothing; 2022 says it held back 0.5 VZÄ for 2023.
    data = mettmann()
    in_order = plan_instance(instance(data), model())
    assert value(year(in_order, 2022), "use_positions") == 16.0
    assert sum(c["vzae"] for c in year(in_order, 2023)["cuts"]) == 0.5
    assert "held_back" not in year(in_order, 2022)
    ahead = plan_instance(instance(data), model(lookahead=True))
    first, second = year(ahead, 2022), year(ahead, 2023)
    assert value(first, "use_positions") == 15.5 and value(first, "own_cost") == 106600
    assert value(second, "use_positions") == 15.5 and value(second, "own_cost") == 107523
    assert second["cuts"] == [] and value(second, "continuity") is None
    assert sum(Fraction(str(h["vzae"])) for h in first["held_back"]) == Fraction(1, 2)
    assert {h["for_year"] for h in first["held_back"]} == {2023} and second["held_back"] == []
    assert ahead.plan_json["solver"]["method"].startswith("all years together (lookahead)")
    assert check(instance(data), model(lookahead=True), ahead.plan_json) == []


def test_lookahead_changes_nothing_where_no_later_year_cuts() -> None:
    # the bundled Mettmann (the Kreis carries the tariff rise in 2023): the same plan either way
    inst, _ = load_instance(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    in_order = plan_instance(inst, model()).plan_json
    ahead = plan_instance(inst, model(lookahead=True)).plan_json
    assert in_order is not None and ahead is not None
    assert [y["links"] for y in ahead["years"]] == [y["links"] for y in in_order["years"]]
    assert all(y["held_back"] == [] for y in ahead["years"])


def test_bundled_rhein_sieg_moves_17_vzae_from_the_kreis_to_its_kommunen() -> None:
    # 2024: no Kommune has budgeted an Eigenanteil, the Kreis employs all 25.5 VZÄ. 2025 under
    # continuity: total: the Kreis keeps its third (25.5 / 3 = 8.5), 17 VZÄ move to the Kommunen;
    # stability counts 17 out of the Kreis and 17 into the Kommunen = 34.
    inst, _ = load_instance(INSTANCES / "rhein-sieg-2024-2025.yaml")
    settings, _ = load_model(MODELS / "continuity-total.yaml")
    plan = plan_instance(inst, settings.model_copy(update={"workers": 2})).plan_json
    assert plan is not None
    first, second = year(plan, 2024), year(plan, 2025)
    assert hosts(first) == {"Rhein-Sieg-Kreis": 25.5}
    moved = hosts(second)
    assert moved.pop("Rhein-Sieg-Kreis") == 8.5 and sum(moved.values()) == 17.0
    assert value(second, "stability") == 34.0 and second["cuts"] == []


def test_lookahead_holds_a_kommunes_position_back_that_the_next_year_cannot_pay() -> None:
    # 2022 alone: Cedorf pays 1.0 VZÄ (16,400 €), Kreis 2.0. 2023: Cedorf's budget is 0 €, so in
    # order 2023 cuts Cedorf's 1.0. lookahead: 2022 gives way, the Kreis employs all 3.0 in both
    # years, and 2022 says it held back Cedorf's 1.0 VZÄ for 2023.
    data = cedorf(DEFICIT, budgets={"Cedorf": 0})
    ahead = solve(data, lookahead=True)
    first, second = year(ahead, 2022), year(ahead, 2023)
    assert hosts(first) == hosts(second) == {"Kreis Klein": 3.0} and second["cuts"] == []
    assert first["held_back"] == [{"host": "Cedorf", "host_type": "kommune", "vzae": 1.0, "for_year": 2023}]


def test_lookahead_without_a_cut_free_plan_decides_the_years_in_order_and_says_so() -> None:
    # the planner fixes Cedorf's 1.0 VZÄ in 2022: 2023 (budget 0 €) cannot keep it in any plan of
    # both years, so the years are decided in order, 2023 cuts Cedorf's 1.0, and the plan says why
    data = cedorf(DEFICIT, budgets={"Cedorf": 0})
    problem = compile_problem(instance(data), model())
    own = problem.self_link(next(h for h, host in enumerate(problem.hosts) if host.name == "Cedorf"))
    assert own is not None
    plan = plan_instance(instance(data), model(lookahead=True), fixed={0: {own: 10}}).plan_json
    assert plan is not None
    assert [c["host"] for c in year(plan, 2023)["cuts"]] == ["Cedorf"]
    assert plan["solver"]["method"] == NO_LOOKAHEAD + "; continuity: host"


def test_check_reads_the_total_cut_back_from_the_plan_workbook(tmp_path: Path) -> None:
    # the sheet „Kürzungen“ writes the total cut with the type „alle“; check reads it back
    data = write_yaml(tmp_path / "instance.yaml", cedorf(0, budgets={"Kreis Klein": 2 * DEFICIT}))
    settings = write_yaml(tmp_path / "model.yaml", {**TEST_SETTINGS, "continuity": "total"})
    book = tmp_path / "plan.xlsx"
    solved = runner.invoke(app, ["solve", str(data), "-m", str(settings), "--no-binding", "--report", str(book)])
    assert solved.exit_code == 0, solved.output
    checked = runner.invoke(app, ["check", str(data), str(book), "-m", str(settings)])
    assert checked.exit_code == 0, checked.output
