"""Several years and Bausteine 1 and 3 (DESIGN §5): data, the rule families, the plan, the CLI.

The small cases build on ``conftest.tiny`` (Adorf 20,000, Bedorf 10,000, Cedorf 30,000
inhabitants; 3 VZÄ; real cost 71,400 € against 55,000 €, so a deficit of 16,400 € per VZÄ).
Each new rule family gets a feasible case, a forced conflict and a known optimum with its
arithmetic; property tests check that whatever the solver returns passes the checker.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.analysis.explain.horizon import horizon_conflict
from kimopt.check_horizon import check_horizon
from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.lexicographic import solve_problem
from kimopt.load import load_inputs, load_instance
from kimopt.pipeline import Outcome, plan_instance
from kimopt.plan import input_sha256
from kimopt.problem import Carried
from kimopt.results import Status
from tests.conftest import INSTANCES, assert_checker_refuses_a_broken_copy, dev_extra, instance, model, tiny, write_yaml

hypothesis = dev_extra("hypothesis")
st = dev_extra("hypothesis.strategies")
HealthCheck, given, settings = hypothesis.HealthCheck, hypothesis.given, hypothesis.settings

runner = CliRunner()


def solve(data: dict[str, Any], **changes: Any) -> Outcome:
    return plan_instance(instance(data), model(**changes))


def year(outcome: Outcome, label: int) -> dict[str, Any]:
    assert outcome.plan_json is not None
    return next(y for y in outcome.plan_json["years"] if y["year"] == label)


def level(entry: dict[str, Any], name: str) -> Any:
    return next(lv["value"] for lv in entry["objectives"] if lv["name"] == name)


def hosted(entry: dict[str, Any], name: str) -> float:
    return next((h["vzae"] for h in entry["hosts"] if h["name"] == name), 0.0)


def two_years(**second: Any) -> dict[str, Any]:
    """Tiny in 2022 and 2023, the second year with ``second`` overriding."""
    return tiny(years=[{"year": 2023, **second}])


def kommune(data: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    for k in data["kommunen"]:
        if k["name"] == name:
            k.update(fields)
    return data


# ---- data ---------------------------------------------------------------------------------


def test_one_year_content_and_hash_unchanged() -> None:
    # The §5 keys at their defaults are left out of the dump, so a one-year instance hashes
    # (and plans) exactly as before they existed.
    data = tiny()
    inst = instance(data)
    assert not inst.multi
    dumped = inst.model_dump(mode="json")
    assert set(dumped) == {"name", "kreis", "funding", "kommunen", "traeger"}
    assert "jugendamt" not in dumped["kommunen"][0]
    assert input_sha256(inst, model()) == input_sha256(instance(copy.deepcopy(data)), model())


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        # a Baustein 3 position at a Kommune without its own Ausländerbehörde
        (
            {"authorities": {"rate_per_vzae": 55000, "positions": [{"host": "Adorf", "vzae": 0.5}]}},
            "authority_without_abh",
            "„Adorf“ hat keine eigene Ausländerbehörde",
        ),
        # Baustein 3 positions come in half positions
        (
            {"authorities": {"rate_per_vzae": 55000, "positions": [{"host": "Kreis Klein", "vzae": 0.3}]}},
            "authority_slice",
            "kein Vielfaches von 0,5",
        ),
        # a misspelt host
        (
            {"authorities": {"rate_per_vzae": 55000, "positions": [{"host": "Adrof", "vzae": 0.5}]}},
            "unknown_kommune",
            "meinten Sie „Adorf“",
        ),
        # years must come after the first year
        ({"years": [{"year": 2021}]}, "years_order", "2021"),
        # costs only for employers of the instance
        ({"years": [{"year": 2023, "costs": {"Cedrof": 73000}}]}, "unknown_employer", "Cedrof"),
        # budgets only for the Kreis and Kommunen
        ({"years": [{"year": 2023, "budgets": {"Caritas": 0}}]}, "unknown_payer", "Caritas"),
    ],
)
def test_bad_horizon_input_is_named(tmp_path: Path, changes: dict[str, Any], code: str, words: str) -> None:
    path = write_yaml(tmp_path / "bad.yaml", tiny(**changes))
    with pytest.raises(InputError) as caught:
        load_instance(path)
    assert [f.code for f in caught.value.findings] == [code]
    assert words in caught.value.render("de")
    assert str(path) in caught.value.render("de")


def test_coordinator_override_needs_coordination(tmp_path: Path) -> None:
    data = kommune(tiny(), "Adorf", coordinator_vzae=1)
    with pytest.raises(InputError) as caught:
        load_instance(write_yaml(tmp_path / "bad.yaml", data))
    assert "Kommune 1 „Adorf“" in caught.value.render("de")


def test_cost_growth_rounds_half_up() -> None:
    from kimopt.horizon import expand

    # 71,400 × 1.03 = 73,542 exactly; 73,542 × 1.03 = 75,748.26 → 75,748; 50 × 1.01 = 50.5 → 51
    data = two_years(cost_growth="3/100")
    data["years"].append({"year": 2024})
    years = expand(instance(data))
    assert [y.instance.kreis.cost_per_vzae for y in years] == [71400, 73542, 75748]
    half = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 50}, years=[{"year": 2023, "cost_growth": "1/100"}])
    assert expand(instance(half))[1].instance.kreis.cost_per_vzae == 51


# ---- Baustein 2 in every year and continuity ------------------------------------------------


def test_mettmann_2023_known_optimum() -> None:
    # 2022: 7 new VZÄ × (71,400 − 55,000) = 114,800 €, exactly the budget.
    # 2023: costs +3 % = 73,542 €, rate 57,000 €: 7 × (73,542 − 57,000) = 115,794 €.
    inputs = load_inputs(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    outcome = plan_instance(inputs.instance, model())
    assert outcome.status == "OPTIMAL"
    by_year = outcome.plan_json["summary"]["eigenanteil_eur_by_year"] if outcome.plan_json else {}
    assert by_year["2022"]["kreis"] == 114800
    assert by_year["2023"]["kreis"] == 115794
    assert level(year(outcome, 2023), "own_cost") == 115794
    assert all(lv["proven_optimal"] for y in outcome.plan_json["years"] for lv in y["objectives"])


def test_mettmann_budget_kept_cuts_2023_not_2022() -> None:
    # The years are decided in order: 2022 alone uses all 16 VZÄ (7 new × 16,400 = 114,800 €, the
    # budget). With the 2023 budget kept at 114,800 €, 7 new cost 7 × 16,542 = 115,794 €: 2023 cuts
    # the least, one host step of 0.5 VZÄ (6.5 × 16,542 = 107,523 €), and 2022 keeps its 16.
    inputs = load_inputs(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    data = inputs.instance.model_dump(mode="json")
    data["years"][0]["budgets"] = {"Kreis Mettmann": 114800}
    outcome = plan_instance(instance(data), model())
    assert outcome.status == "OPTIMAL"
    assert level(year(outcome, 2022), "use_positions") == 16
    second = year(outcome, 2023)
    assert second["objectives"][0]["name"] == "continuity"
    assert level(second, "continuity") == 0.5
    assert [cut["vzae"] for cut in second["cuts"]] == [0.5]
    assert level(second, "use_positions") == 15.5
    assert outcome.plan_json is not None
    assert outcome.plan_json["summary"]["eigenanteil_eur_by_year"]["2023"]["kreis"] == 107523


def test_solve_prints_the_cuts_of_a_year(tmp_path: Path, test_model_file: Path) -> None:
    # the Mettmann case above on the command line: 2023 cuts 0.5 VZÄ, and the table says so
    inputs = load_inputs(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    data = inputs.instance.model_dump(mode="json")
    data["years"][0]["budgets"] = {"Kreis Mettmann": 114800}
    path = write_yaml(tmp_path / "mettmann.yaml", data)
    result = runner.invoke(app, ["solve", str(path), "-m", str(test_model_file), "--no-binding"])
    assert result.exit_code == 0, result.output
    cuts = [line for line in result.output.splitlines() if "Kürzung 2023:" in line]
    assert len(cuts) == 1 and "→" in cuts[0] and "mit 994 € mehr bleiben alle Stellen" in cuts[0], result.output


def test_continuity_holds_and_cuts_only_where_funding_falls() -> None:
    # Adorf may host 1.0: it does in 2022 and keeps it in 2023.
    data = kommune(two_years(rate_per_vzae=57000), "Adorf", max_vzae=1)
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert hosted(year(outcome, 2022), "Adorf") == hosted(year(outcome, 2023), "Adorf") == 1.0
    # Funding falls from 3 to 2 VZÄ: the least cut is 3 − 2 = 1.0 VZÄ, reported as a level.
    falling = kommune(two_years(positions_vzae=2), "Adorf", max_vzae=1)
    outcome = solve(falling)
    assert outcome.status == "OPTIMAL"
    second = year(outcome, 2023)
    assert second["objectives"][0]["name"] == "continuity"
    assert level(second, "continuity") == 1.0
    # each cut listed with the year before and now; together the least total
    assert all(cut["from_vzae"] - cut["to_vzae"] == cut["vzae"] > 0 for cut in second["cuts"])
    assert sum(cut["vzae"] for cut in second["cuts"]) == 1.0


def test_a_later_budget_that_cannot_keep_a_host_cuts_it() -> None:
    # 2022: the Kreis may pay nothing (budget 0), so Adorf (reachability 0.5) is served by its own
    # host; 2023: Adorf may pay nothing, so its host cannot stay: 2023 cuts it (1.0 VZÄ) and the
    # Kreis, free in 2023, serves Adorf. 2022 is not changed for 2023's sake.
    data = {
        "name": "Kreis Eins",
        "kreis": {"name": "Kreis Eins", "cost_per_vzae": 71400, "budget": 0},
        "funding": {"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        "kommunen": [{"name": "Adorf", "population": 100, "max_vzae": 1}],
        "years": [{"year": 2023, "budgets": {"Kreis Eins": None, "Adorf": 0}}],
    }
    settings = {"kreis_min_share": "0", "min_coverage_vzae": "0.5"}
    outcome = solve(data, **settings)
    assert outcome.status == "OPTIMAL"
    assert hosted(year(outcome, 2022), "Adorf") == 1.0
    second = year(outcome, 2023)
    assert level(second, "continuity") == 1.0
    assert [(cut["host"], cut["vzae"]) for cut in second["cuts"]] == [("Adorf", 1.0)]
    assert hosted(second, "Kreis Eins") == 1.0
    # without continuity (keep_existing off) nothing is cut: the years are free
    free = solve(data, keep_existing=False, **settings)
    assert free.plan_json is not None and not year(free, 2023)["cuts"]


def test_a_year_without_any_plan_names_its_year_and_rules() -> None:
    # 2023: neither the Kreis nor Adorf may pay anything, and Adorf must be reached: no cut helps
    data = {
        "name": "Kreis Eins",
        "kreis": {"name": "Kreis Eins", "cost_per_vzae": 71400, "budget": None},
        "funding": {"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        "kommunen": [{"name": "Adorf", "population": 100, "max_vzae": 1}],
        "years": [{"year": 2023, "budgets": {"Kreis Eins": 0, "Adorf": 0}}],
    }
    settings = {"kreis_min_share": "0", "min_coverage_vzae": "0.5"}
    outcome = solve(data, **settings)
    assert outcome.status == "INFEASIBLE"
    assert outcome.failed_year == "2023"
    lines = horizon_conflict(instance(data), model(**settings))
    assert lines is not None
    text = "\n".join(lines)
    assert "kein zulässiger Plan für 2023 (gegeben die Jahre davor)" in text
    assert "2023: Budget Adorf: Eigenanteil höchstens 0 €" in text
    assert "2023: Budget Kreis: Eigenanteil höchstens 0 €" in text
    assert "2022" not in text


# ---- Baustein 1: coordination ----------------------------------------------------------------

COORDINATION = {
    "base_vzae": 1.0,
    "assistant_vzae": 0.5,
    "per_kommune_vzae": 1.0,
    "rate_per_vzae": 57000,
    "assistant_rate_per_vzae": 45000,
}


def with_coordination(**kreis: Any) -> dict[str, Any]:
    data = tiny(
        coordination=COORDINATION, kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": None, **kreis}
    )
    return kommune(data, "Adorf", auslaenderbehoerde=True, jugendamt=True, integrationsrat=True, cost_per_vzae=71400)


def test_coordination_known_optimum() -> None:
    # Kreis: 1.0 × (71,400 − 57,000) + 0.5 × (71,400 − 45,000) = 14,400 + 13,200 = 27,600 € in Baustein 1;
    # Adorf qualifies (all three flags): 1.0 × 14,400 = 14,400 €. Bedorf has only a Jugendamt: nothing.
    # Cedorf has no flag but its own coordinator_vzae 0.5: 0.5 × 14,400 = 7,200 €.
    data = kommune(kommune(with_coordination(), "Bedorf", jugendamt=True), "Cedorf", coordinator_vzae=0.5)
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    entry = outcome.plan_json["years"][0] if outcome.plan_json else {}
    payers = {p["payer"]: p for p in entry["eigenanteil"]}
    assert payers["Kreis Klein"]["baustein_1_eur"] == 27600
    assert payers["Adorf"]["baustein_1_eur"] == 14400
    assert "Bedorf" not in payers
    assert payers["Cedorf"]["baustein_1_eur"] == 7200
    assert {(c["host"], c["role"], c["vzae"]) for c in entry["coordination"]} == {
        ("Kreis Klein", "coordinator", 1.0),
        ("Kreis Klein", "assistant", 0.5),
        ("Adorf", "coordinator", 1.0),
        ("Cedorf", "coordinator", 0.5),
    }


def test_coordination_forced_conflict() -> None:
    # Adorf's coordinator alone costs it 14,400 € > its budget of 10,000 €.
    data = kommune(with_coordination(), "Adorf", budget=10000)
    assert solve(data).status == "INFEASIBLE"
    lines = horizon_conflict(instance(data), model())
    assert lines is not None
    assert any(
        "2022: Budget Adorf: Eigenanteil aller Bausteine" in line and "Koordination (Baustein 1) 14.400 €" in line
        for line in lines
    )
    # the smallest repair: Adorf's budget must carry its coordinator, 1.0 × (71,400 − 57,000) = 14,400 €
    assert "  - 2022: Budget Adorf ≥ 14.400 € (bisher 10.000 €)" in lines


def test_coordination_shares_the_budget_with_baustein_2() -> None:
    # Adorf's budget 22,600 € = 14,400 € (its coordinator) + 8,200 € (0.5 VZÄ × 16,400 € of Baustein 2):
    # it may host 0.5 of its own, not 1.0. Without the coordinator it could host 1.0 (16,400 €).
    data = kommune(with_coordination(), "Adorf", budget=22600, max_vzae=1)
    outcome = solve(data)
    assert outcome.status == "OPTIMAL"
    assert hosted(year(outcome, 2022), "Adorf") == 0.5
    assert solve(kommune(tiny(), "Adorf", budget=22600, max_vzae=1, cost_per_vzae=71400)).plan is not None


def test_coordination_checker_rejects_missing_coordinator() -> None:
    data = with_coordination()
    outcome = solve(data)
    assert outcome.plan_json is not None
    broken = copy.deepcopy(outcome.plan_json)
    broken["years"][0]["coordination"] = [c for c in broken["years"][0]["coordination"] if c["host"] != "Adorf"]
    rules = {(v.rule, v.subject) for v in check_horizon(instance(data), model(), broken)}
    assert ("coordination", "2022: Adorf") in rules


# ---- Baustein 3: authorities -----------------------------------------------------------------


def with_authorities(budget: int | None = None) -> dict[str, Any]:
    data = tiny(
        authorities={
            "rate_per_vzae": 55000,
            "positions": [{"host": "Kreis Klein", "vzae": 1.0}, {"host": "Cedorf", "vzae": 0.5}],
        },
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": budget},
    )
    return kommune(data, "Cedorf", auslaenderbehoerde=True)


def test_authorities_known_optimum() -> None:
    # Kreis 1.0 × 16,400 = 16,400 €; Cedorf 0.5 × 16,400 = 8,200 € (its cost defaults to the Kreis's).
    outcome = solve(with_authorities())
    assert outcome.status == "OPTIMAL"
    entry = year(outcome, 2022)
    payers = {p["payer"]: p for p in entry["eigenanteil"]}
    assert payers["Kreis Klein"]["baustein_3_eur"] == 16400
    assert payers["Cedorf"]["baustein_3_eur"] == 8200
    # Baustein 2: 3 new Kreis VZÄ × 16,400 = 49,200 €, together 65,600 € for the Kreis
    assert payers["Kreis Klein"]["eur"] == 65600


def test_authorities_forced_conflict() -> None:
    # Baustein 3 alone costs the Kreis 16,400 € > its budget of 10,000 €.
    data = with_authorities(budget=10000)
    assert solve(data).status == "INFEASIBLE"
    lines = horizon_conflict(instance(data), model())
    assert lines is not None
    assert any(
        "2022: Budget Kreis: Eigenanteil aller Bausteine" in line and "Ausländerbehörde (Baustein 3) 16.400 €" in line
        for line in lines
    )
    # a plan exists once Baustein 3 fits: 1.0 × 16,400 € (Baustein 2 may then place nothing new;
    # using positions is an objective, not a rule)
    assert "  - 2022: Budget Kreis Klein ≥ 16.400 € (bisher 10.000 €)" in lines


def test_authorities_checker_rejects_a_kommune_without_authority() -> None:
    data = with_authorities()
    outcome = solve(data)
    assert outcome.plan_json is not None
    broken = copy.deepcopy(outcome.plan_json)
    broken["years"][0]["authorities"].append(
        {"role": "authority", "host": "Adorf", "host_type": "kommune", "vzae": 0.5}
    )
    rules = {(v.rule, v.subject) for v in check_horizon(instance(data), model(), broken)}
    assert ("authorities", "2022: Adorf") in rules


def test_budget_over_all_bausteine_checked() -> None:
    data = with_authorities(budget=65600)
    outcome = solve(data)
    assert outcome.plan_json is not None and not check_horizon(instance(data), model(), outcome.plan_json)
    tighter = with_authorities(budget=65599)
    violations = check_horizon(instance(tighter), model(), outcome.plan_json)
    assert [(v.rule, v.subject) for v in violations] == [("budget_kreis", "2022: Kreis Klein")]


# ---- the Wesel instance and the command line ------------------------------------------------


def test_wesel_bausteine_cli(tmp_path: Path, test_model_file: Path) -> None:
    path = INSTANCES / "kreis-wesel-2022-2023.yaml"
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(path), "-m", str(test_model_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Eigenanteil je Jahr und Zahler" in result.output
    assert "VZÄ je Jahr und Anstellungsträger nach Baustein" in result.output
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert [y["year"] for y in plan["years"]] == [2022, 2023]
    assert plan["links"] == plan["years"][0]["links"]
    coordinators = {c["host"]: c["vzae"] for c in plan["years"][0]["coordination"] if c["role"] == "coordinator"}
    # 3.5 at the Kreis and one for each city with Ausländerbehörde, Jugendamt and Integrationsrat
    assert coordinators == {"Kreis Wesel": 3.5, "Dinslaken": 1.0, "Moers": 1.0, "Wesel": 1.0}
    check = runner.invoke(app, ["check", str(path), str(out), "-m", str(test_model_file)])
    assert check.exit_code == 0, check.output
    plan["years"][1]["links"][0]["vzae"] += 0.5
    out.write_text(json.dumps(plan), encoding="utf-8")
    check = runner.invoke(app, ["check", str(path), str(out), "-m", str(test_model_file)])
    assert check.exit_code == 5
    assert "2023: " in check.output


def test_explain_cli_names_the_year(tmp_path: Path, test_model_file: Path) -> None:
    path = write_yaml(tmp_path / "eng.yaml", kommune(with_coordination(), "Adorf", budget=10000))
    result = runner.invoke(app, ["explain", str(path), "-m", str(test_model_file)])
    assert result.exit_code == 3
    assert "2022: Budget Adorf" in result.output
    solved = runner.invoke(app, ["solve", str(path), "-m", str(test_model_file)])
    assert solved.exit_code == 3
    assert "2022: Budget Adorf" in solved.output


# ---- properties -----------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HALF = [Fraction(k, 2) for k in range(0, 5)]


@st.composite
def horizons(draw: st.DrawFn) -> dict[str, Any]:
    """2–6 Kommunen, 2–3 years with changing funding, costs and budgets, Bausteine 1 and 3 or not."""
    n = draw(st.integers(2, 6))
    kommunen = []
    for i in range(n):
        k: dict[str, Any] = {"name": f"K{i}", "population": draw(st.integers(100, 50_000))}
        if draw(st.booleans()):
            k.update(
                max_vzae=str(draw(st.sampled_from(HALF[1:]))),
                cost_per_vzae=draw(st.sampled_from([55000, 71400])),
                budget=draw(st.sampled_from([None, 0, 16400, 40000])),
            )
        flags = draw(st.booleans())
        k.update(auslaenderbehoerde=flags, jugendamt=flags, integrationsrat=draw(st.booleans()))
        kommunen.append(k)
    years = []
    for y in range(draw(st.integers(1, 2))):
        entry: dict[str, Any] = {"year": 2023 + y}
        if draw(st.booleans()):
            entry["positions_vzae"] = str(Fraction(draw(st.integers(2, 12)), 2))
        if draw(st.booleans()):
            entry["rate_per_vzae"] = draw(st.sampled_from([55000, 57000, 60000]))
        if draw(st.booleans()):
            entry["cost_growth"] = draw(st.sampled_from(["0", "3/100", "1/20"]))
        if draw(st.booleans()):
            entry["budgets"] = {"K0": draw(st.sampled_from([None, 0, 30000]))}
        years.append(entry)
    data: dict[str, Any] = {
        "name": "Zufallskreis",
        "kreis": {
            "name": "Kreis Zufall",
            "cost_per_vzae": 71400,
            "budget": draw(st.sampled_from([None, 50000, 120000])),
            "existing_vzae": str(draw(st.sampled_from(HALF[:3]))),
        },
        "funding": {"year": 2022, "positions_vzae": str(Fraction(draw(st.integers(2, 12)), 2)), "rate_per_vzae": 55000},
        "kommunen": kommunen,
        "years": years,
    }
    if draw(st.booleans()):
        data["coordination"] = {
            "base_vzae": "1.5",
            "assistant_vzae": "0.5",
            "rate_per_vzae": 57000,
            "assistant_rate_per_vzae": 45000,
        }
    abh = [k["name"] for k in kommunen if k["auslaenderbehoerde"]]
    if draw(st.booleans()):
        data["authorities"] = {
            "rate_per_vzae": 55000,
            "positions": [{"host": "Kreis Zufall", "vzae": "0.5"}]
            + [{"host": name, "vzae": "0.5"} for name in abh[:1]],
        }
    return data


horizon_settings = st.fixed_dictionaries(
    {
        "keep_existing": st.booleans(),
        "kreis_covers_kommunen": st.booleans(),
        "min_coverage_vzae": st.sampled_from(["0", "0.1"]),
        "objectives": st.sampled_from([None, ["own_cost", "use_positions", "proportionality"]]),
    }
)


@SETTINGS
@given(horizons(), horizon_settings)
def test_property_horizon_plans_pass_the_checker(data: dict[str, Any], changes: dict[str, Any]) -> None:
    # plan_instance raises PlanRejected if the independent checker finds any broken rule
    changes = {k: v for k, v in changes.items() if v is not None}
    keep = changes["keep_existing"]
    outcome = plan_instance(instance(data), model(time_limit_s=20, **changes))
    assert outcome.status in {"OPTIMAL", "INFEASIBLE"}
    if outcome.plan_json is None:
        return
    plan = outcome.plan_json
    assert not check_horizon(instance(data), model(**changes), plan)
    assert_checker_refuses_a_broken_copy(instance(data), model(**changes), plan)
    assert len(plan["years"]) == 1 + len(data["years"])
    for entry in plan["years"]:
        assert all(lv["proven_optimal"] for lv in entry["objectives"])
    # continuity: a host never holds less than the year before except by the listed cuts, and
    # they are the least: one host step less and the year has no plan
    for n, (before, now) in enumerate(zip(plan["years"], plan["years"][1:], strict=False), start=1):
        if not keep:
            assert not now["cuts"]  # without continuity nothing is a cut
            continue
        cut = sum(max(0.0, hosted(before, h["name"]) - h["vzae"]) for h in now["hosts"])
        assert cut == pytest.approx(sum(c["vzae"] for c in now["cuts"]))
        if not cut:
            continue
        assert now["objectives"][0]["name"] == "continuity"
        year_n = outcome.years[n]
        assert year_n.problem.carried is not None
        less = Carried(year_n.problem.carried.held, Fraction(str(cut)) - year_n.problem.model.host_step_vzae)
        problem = replace(year_n.problem, carried=less)
        assert solve_problem(problem).status is Status.INFEASIBLE


# ---- Excel -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".json", ".yaml"])
@pytest.mark.parametrize("name", ["kreis-mettmann-2022-2023", "kreis-wesel-2022-2023"])
def test_convert_round_trip_keeps_years_and_bausteine(tmp_path: Path, name: str, suffix: str) -> None:
    target = tmp_path / f"{name}{suffix}"
    assert runner.invoke(app, ["convert", str(INSTANCES / f"{name}.yaml"), "-o", str(target)]).exit_code == 0
    assert load_instance(target)[0] == load_instance(INSTANCES / f"{name}.yaml")[0]


def test_workbook_names_the_cell_of_a_bad_authority(tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "wesel.xlsx"
    runner.invoke(app, ["convert", str(INSTANCES / "kreis-wesel-2022-2023.yaml"), "-o", str(target)])
    workbook = openpyxl.load_workbook(target)
    workbook["Baustein 3"]["A3"] = "Alpen"  # Alpen has no Ausländerbehörde of its own
    workbook["Jahre"]["H1"] = "Budget: Moers"
    workbook["Jahre"]["H2"] = "70.000"
    workbook.save(target)
    with pytest.raises(InputError) as caught:
        load_instance(target)
    assert caught.value.render("de").startswith(f"{target}, Baustein 3!A3 (Anstellungsträger)")
    assert "„Alpen“ hat keine eigene Ausländerbehörde" in caught.value.render("de")
    workbook["Baustein 3"]["A3"] = "Moers"
    workbook.save(target)
    assert load_instance(target)[0].years[0].budgets == {"Moers": 70000}


# ---- reports, compare, batch ------------------------------------------------------------------


@pytest.fixture(scope="module")
def wesel_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Kreis Wesel 2022-2023 plan with Bausteine 1-3, written by ``kimopt solve``."""
    out = tmp_path_factory.mktemp("wesel") / "plan.json"
    settings = write_yaml(out.parent / "model.yaml", {"workers": 2})
    result = runner.invoke(
        app, ["solve", str(INSTANCES / "kreis-wesel-2022-2023.yaml"), "-m", str(settings), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("suffix", [".html", ".md", ".csv"])
def test_reports_show_the_haushalt_tables(wesel_plan: Path, suffix: str) -> None:
    target = wesel_plan.parent / f"report{suffix}"
    assert runner.invoke(app, ["report", str(wesel_plan), "-o", str(target)]).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "Eigenanteil je Jahr und Zahler" in text
    assert "Stellen je Jahr und Anstellungsträger nach Baustein" in text
    # Kreis Wesel 2022, Baustein 1: 3.5 × (78,000 − 57,000) + 0.5 × (52,000 − 45,000) = 73,500 + 3,500
    assert "77.000" in text


def test_workbook_report_has_a_haushalt_sheet(wesel_plan: Path) -> None:
    import openpyxl

    target = wesel_plan.parent / "report.xlsx"
    assert runner.invoke(app, ["report", str(wesel_plan), "-o", str(target)]).exit_code == 0
    sheet = openpyxl.load_workbook(target)["Haushalt"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(max_row=3)]
    assert rows[0][:3] == ["Jahr", "Zahler", "Baustein 1"]
    assert rows[1][:3] == [2022, "Kreis Wesel", 77000]


def test_compare_and_batch_accept_multi_year_instances(tmp_path: Path, test_model_file: Path) -> None:
    path = INSTANCES / "kreis-mettmann-2022-2023.yaml"
    result = runner.invoke(app, ["compare", str(path), "-m", str(test_model_file), "-m", str(test_model_file)])
    assert result.exit_code == 0, result.output
    assert "Kennzahlen je Alternative – 2023" in result.output  # every year its own table
    assert "Eigenanteil Kreis (alle Bausteine)" in result.output.split("– 2023")[1]
    assert "115.794 €" in result.output
    folder = tmp_path / "round"
    folder.mkdir()
    (folder / "mettmann.yaml").write_bytes(path.read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out), "-m", str(test_model_file)])
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "mettmann.plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["eigenanteil_eur_by_year"]["2023"]["kreis"] == 115794


def test_checker_rejects_a_cut_when_funding_does_not_fall() -> None:
    # Mettmann keeps 16 VZÄ in 2023: the AWO may not drop from 2.0 to 1.5 VZÄ.
    inputs = load_inputs(INSTANCES / "kreis-mettmann-2022-2023.yaml")
    outcome = plan_instance(inputs.instance, model())
    assert outcome.plan_json is not None
    broken = copy.deepcopy(outcome.plan_json)
    link = next(li for li in broken["years"][1]["links"] if li["host"] == "AWO Kreisverband Mettmann")
    link["vzae"] -= 0.5
    rules = {(v.rule, v.subject) for v in check_horizon(inputs.instance, model(), broken)}
    assert ("continuity", "2023: AWO Kreisverband Mettmann") in rules
    # the same plan is fine without keep_existing (no continuity), apart from the host's new size
    loose = {(v.rule, v.subject) for v in check_horizon(inputs.instance, model(keep_existing=False), broken)}
    assert ("continuity", "2023: AWO Kreisverband Mettmann") not in loose


@pytest.mark.parametrize(
    "command",
    [["alternatives", "-k", "2"], ["sensitivity", "--part", "budgets"], ["explain", "--want", "2023: Moers=1"]],
)
def test_every_command_takes_a_horizon(command: list[str]) -> None:
    # once refused with exit 2 („nur für ein Jahr“); now each plans every year (serve: test_serve_years.py)
    path = INSTANCES / "kreis-wesel-2022-2023.yaml"
    result = runner.invoke(app, [command[0], str(path), *command[1:]])
    assert result.exit_code in (0, 3), result.output  # explain: the wish is blocked by continuity (3)
    assert "2023" in result.output and "nur für ein Jahr" not in result.output


@pytest.mark.parametrize("name", ["kreis-wesel-2022", "kreis-mettmann-2022"])
def test_an_identical_second_year_changes_no_level(name: str) -> None:
    # the same funding and costs again in 2023: the one-year plan works in both years (continuity
    # holds), so each year's levels have exactly the one-year optimum
    inputs = load_inputs(INSTANCES / f"{name}.yaml")
    one = plan_instance(inputs.instance, model())
    data = inputs.instance.model_dump(mode="json")
    data["years"] = [{"year": 2023}]
    two = plan_instance(instance(data), model())
    assert one.plan_json is not None and two.plan_json is not None
    expected = [(lv["name"], lv["value"]) for lv in one.plan_json["objectives"]]
    first, second = two.plan_json["years"]
    assert [(lv["name"], lv["value"]) for lv in first["objectives"]] == expected
    # 2023 changes nothing against 2022: its stability (change against the year before) is 0
    again = [(name, 0.0 if name == "stability" else value) for name, value in expected]
    assert [(lv["name"], lv["value"]) for lv in second["objectives"]] == again


@pytest.mark.parametrize("seconds", [0.05, 0.5])
def test_a_time_limit_gives_a_checked_plan_or_none(seconds: float) -> None:
    # cut short anywhere in the year-major levels: the plan (if any) keeps every rule of every year,
    # is FEASIBLE, and the levels not proven say so
    inputs = load_inputs(INSTANCES / "kreis-wesel-2022-2023.yaml")
    outcome = plan_instance(inputs.instance, model(), time_limit=seconds)
    assert outcome.status in {"OPTIMAL", "FEASIBLE", "UNKNOWN"}
    if outcome.plan_json is None:
        return
    assert not check_horizon(inputs.instance, model(), outcome.plan_json)
    assert_checker_refuses_a_broken_copy(inputs.instance, model(), outcome.plan_json)
    if outcome.status == "FEASIBLE":
        assert not all(lv["proven_optimal"] for y in outcome.plan_json["years"] for lv in y["objectives"])
