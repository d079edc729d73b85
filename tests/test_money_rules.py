"""The money rules of DESIGN §5: capped deficit coverage and a year of fewer months.

``deficit_coverage_eur_per_vzae``: the Kreis covers at most the cap of an employer's deficit
per new VZÄ and year, the employer the rest (a Kommune host: each Kommune it serves, for its
part). ``months``: every euro of that year (funding, cost, deficit, hence Eigenanteil and the
budget comparison) is ``months/12`` of a whole year's; VZÄ are not.

The instances are ``conftest.tiny`` (Adorf 20,000, Bedorf 10,000, Cedorf 30,000 inhabitants,
3 VZÄ, targets 1.0, 0.5, 1.5; cost 71,400 €, rate 55,000 €, so a deficit of 16,400 € per VZÄ
and year); every figure is derived by hand in a comment. The checker cases fail when the rule
is switched off in the checker (the cap ignored or taken as full coverage, the months ignored),
the solver cases when it is switched off in the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt import check, problem
from kimopt.check import check_plan
from kimopt.check_horizon import check_horizon
from kimopt.cli import app
from kimopt.data import Instance, pairing_findings
from kimopt.horizon import expand
from kimopt.io.gv100 import read_gv100
from kimopt.load import load_instance
from kimopt.pipeline import Outcome, plan_instance
from kimopt.solve_horizon import solve_horizon
from tests.conftest import GV100, INSTANCES, TEST_SETTINGS, hosted, instance, model, solve, tiny, write_yaml

runner = CliRunner()

CAP = 5000
CARITAS = {
    "name": "Caritas",
    "max_vzae": 1.0,
    "serves": ["Bedorf", "Cedorf"],
    "cost_per_vzae": 71400,
    "deficit_coverage_eur_per_vzae": CAP,
}


def capped_traeger(**changes: Any) -> dict[str, Any]:
    """``tiny`` with Caritas (1 VZÄ, capped coverage) and a Kreis budget of 2 × 16,400 + 5,000.

    Three VZÄ need the Kreis for 2.0 (32,800 €) and Caritas for 1.0 (5,000 € of its 16,400 €):
    37,800 € exactly. Fully covered, Caritas would cost the Kreis 16,400 € and only 2.0 VZÄ fit.
    """
    data = tiny(traeger=[CARITAS], kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 37800})
    data.update(changes)
    return data


def capped_kommune(**changes: Any) -> dict[str, Any]:
    """``tiny`` where Adorf hosts 1.5 VZÄ (itself 1.0, its partner Bedorf 0.5) under a 5,000 € cap.

    Kreis budget 1.5 × 16,400 + 1.5 × 5,000 = 32,100 €: the Kreis 1.5 for Cedorf and its cap for
    Adorf's 1.5 (Kreis 3.0 would cost 49,200 €, Kreis 2.0 + Adorf 1.0 37,800 €).
    """
    data = tiny(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": 32100})
    data["kommunen"][0].update(max_vzae=1.5, share_with=["Bedorf"], deficit_coverage_eur_per_vzae=CAP)
    data.update(changes)
    return data


def half_year(budget: int | None = 24600, **changes: Any) -> dict[str, Any]:
    """``tiny`` operative from 1 July: 3.0 VZÄ at the Kreis cost it 3 × 16,400 / 2 = 24,600 €."""
    return tiny(
        funding={"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000, "months": 6},
        kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": budget},
        **changes,
    )


def payments(outcome: Outcome) -> dict[str, Fraction]:
    assert outcome.plan is not None
    return {p.payer: p.eur for p in outcome.plan.payments}


def solved_units(data: dict[str, Any]) -> Fraction:
    """The VZÄ the solver uses in the first year, without the checker (a model switched off)."""
    return solve_horizon(instance(data), model()).years[0].plan().used


def own_cost(outcome: Outcome) -> Fraction | None:
    return next(lv.value for lv in outcome.result.levels if lv.name == "own_cost")


# ---- capped deficit coverage: the solver -------------------------------------------------


def test_a_capped_traeger_costs_the_kreis_the_cap_and_itself_the_rest() -> None:
    outcome = solve(capped_traeger())
    assert outcome.plan is not None
    assert outcome.plan.used == 3
    assert hosted(outcome, "Caritas") == 1 and hosted(outcome, "Kreis Klein") == 2
    # Kreis: 2.0 × 16,400 + 1.0 × 5,000 = 37,800 €; Caritas: 1.0 × (16,400 − 5,000) = 11,400 €
    assert payments(outcome) == {"Kreis Klein": 37800, "Adorf": 0, "Bedorf": 0, "Cedorf": 0, "Caritas": 11400}
    assert own_cost(outcome) == 37800  # the Träger's rest is no Eigenanteil of Kreis or Kommunen
    caritas = next(h for h in outcome.plan_json["hosts"] if h["name"] == "Caritas")
    assert caritas["deficit_paid_by_kreis"] and caritas["deficit_kreis_per_vzae"] == CAP
    eigenanteil = outcome.plan_json["summary"]["eigenanteil_eur"]
    assert (eigenanteil["kreis"], eigenanteil["traeger"], eigenanteil["total"]) == (37800, 11400, 37800)


def test_the_model_counts_only_the_cap_against_the_kreis_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switched off in the model (the cap taken as full coverage), 3 VZÄ no longer fit."""
    monkeypatch.setattr(problem, "kreis_part", lambda deficit, covered, cap: deficit if covered or cap else 0)
    # 2.0 VZÄ: 2 × 16,400 = 32,800 ≤ 37,800 < 2.5 × 16,400
    assert solved_units(capped_traeger()) == 2


def test_a_cap_above_the_deficit_is_full_coverage() -> None:
    outcome = solve(capped_traeger(traeger=[{**CARITAS, "deficit_coverage_eur_per_vzae": 20000}]))
    assert outcome.plan is not None
    # the Kreis pays all 16,400 € of Caritas's VZÄ: 2.0 VZÄ fit the budget of 37,800 €
    assert outcome.plan.used == 2
    assert payments(outcome)["Caritas"] == 0
    assert all("deficit_kreis_per_vzae" not in h for h in outcome.plan_json["hosts"])


def test_a_capped_kommune_host_and_its_partner_pay_the_rest_by_their_parts() -> None:
    outcome = solve(capped_kommune())
    assert outcome.plan is not None and outcome.plan.used == 3
    assert hosted(outcome, "Adorf") == Fraction(3, 2) and hosted(outcome, "Kreis Klein") == Fraction(3, 2)
    # Kreis 1.5 × 16,400 + 1.5 × 5,000 = 32,100 €; Adorf 1.0 × 11,400; Bedorf 0.5 × 11,400 = 5,700 €
    assert payments(outcome) == {"Kreis Klein": 32100, "Adorf": 11400, "Bedorf": 5700, "Cedorf": 0}
    assert own_cost(outcome) == 32100 + 11400 + 5700


def test_a_capped_kommune_budget_holds_its_rest_only() -> None:
    """Adorf's budget of 11,400 € holds 1.0 VZÄ of its own at 11,400 € (the Kreis pays 5,000 €)."""
    data = capped_kommune(kreis={"name": "Kreis Klein", "cost_per_vzae": 71400, "budget": None})
    data["kommunen"][0].update(max_vzae=1.0, share_with=[], budget=11400)
    outcome = solve(data, objectives=["use_positions", "partner_share", "own_cost"])
    assert outcome.plan is not None
    assert hosted(outcome, "Adorf") == 1  # at 16,400 € a VZÄ only 0.5 would fit its budget
    assert payments(outcome)["Adorf"] == 11400


def test_the_cap_and_kreis_covers_kommunen_are_one_too_many() -> None:
    findings = pairing_findings(instance(capped_kommune()), model(kreis_covers_kommunen=True))
    assert [(f.loc, f.code) for f in findings] == [
        (("kommunen", 0, "deficit_coverage_eur_per_vzae"), "deficit_cap_covered")
    ]


# ---- months: the solver ------------------------------------------------------------------


def test_a_half_year_halves_every_euro_but_no_position() -> None:
    outcome = solve(half_year())
    assert outcome.plan is not None
    assert outcome.plan.used == 3  # a whole year's 49,200 € would allow only 1.5 VZÄ
    assert payments(outcome)["Kreis Klein"] == 24600
    assert own_cost(outcome) == 24600
    finance = outcome.plan_json["finance"]
    # funding 3 × 55,000 / 2 = 82,500 €; cost 3 × 71,400 / 2 = 107,100 €; rates stay per year
    assert (finance["funding_eur"], finance["total_cost_eur"], finance["months"]) == (82500, 107100, 6)
    assert (finance["rate_per_vzae"], outcome.plan_json["hosts"][0]["deficit_per_vzae"]) == (55000, 16400)
    assert outcome.plan_json["summary"]["positions_used"] == 3.0


def test_one_euro_less_in_a_half_year_costs_half_a_position() -> None:
    outcome = solve(half_year(24599))
    assert outcome.plan is not None and outcome.plan.used == Fraction(5, 2)  # 2.5 × 8,200 = 20,500 €


def test_months_without_a_whole_euro_per_position_stay_exact() -> None:
    data = half_year(28700)
    data["funding"]["months"] = 7
    outcome = solve(data)
    assert outcome.plan is not None and outcome.plan.used == 3  # 3 × 16,400 × 7/12 = 28,700 €
    assert outcome.plan.funding == Fraction(3 * 55000 * 7, 12)  # 96,250 €
    less = solve({**data, "kreis": {**data["kreis"], "budget": 28699}})
    assert less.plan is not None and less.plan.used == Fraction(5, 2)
    assert payments(less)["Kreis Klein"] == Fraction(5, 2) * 16400 * Fraction(7, 12)  # 23,916 2/3 €


def test_a_half_year_with_a_capped_traeger() -> None:
    """Funding 27,500 € per VZÄ, deficit 8,200 €: the Kreis pays 2,500 € of a Träger VZÄ, the Träger 5,700 €."""
    data = capped_traeger(funding={"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000, "months": 6})
    data["kreis"]["budget"] = 2 * 8200 + 2500
    outcome = solve(data)
    assert outcome.plan is not None and outcome.plan.used == 3
    assert payments(outcome)["Kreis Klein"] == 18900 and payments(outcome)["Caritas"] == 5700
    assert outcome.plan.funding == 3 * 27500


def test_the_model_pays_a_half_year_pro_rata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switched off in the model (a whole year's euros), the budget holds only 1.5 VZÄ."""
    monkeypatch.setattr(problem.Problem, "year_share", property(lambda self: Fraction(1)))
    assert solved_units(half_year()) == Fraction(3, 2)


# ---- months over several years and in Bausteine 1 and 3 ----------------------------------


def two_years(second: dict[str, Any]) -> dict[str, Any]:
    """A half year 2022 and a later year 2023 (budget 49,200 €: three VZÄ in a whole year)."""
    data = half_year(49200)
    data["years"] = [{"year": 2023, **second}]
    return data


def test_months_count_for_their_own_year_only() -> None:
    years = expand(instance(two_years({})))
    assert [y.instance.funding.months for y in years] == [6, 12]
    years = expand(instance(two_years({"months": 3})))
    assert [y.instance.funding.months for y in years] == [6, 3]


def test_a_later_year_is_whole_again_and_the_checker_agrees() -> None:
    inst = instance(two_years({}))
    outcome = plan_instance(inst, model())
    by_year = outcome.plan_json["summary"]["eigenanteil_eur_by_year"]
    # 2022: 3 × 8,200 = 24,600 €; 2023: 3 × 16,400 = 49,200 € (continuity keeps the three VZÄ)
    assert (by_year["2022"]["kreis"], by_year["2023"]["kreis"]) == (24600, 49200)
    finance = [y["finance"] for y in outcome.plan_json["years"]]
    assert [f["funding_eur"] for f in finance] == [82500, 165000]
    assert "months" not in finance[1]
    assert check_horizon(inst, model(), outcome.plan_json) == []
    # the checker derives 2023 on its own: a plan claiming the half-year euros there is refused
    doctored = json.loads(json.dumps(outcome.plan_json))
    doctored["summary"]["eigenanteil_eur_by_year"]["2023"]["kreis"] = 24600
    assert [v.rule for v in check_horizon(inst, model(), doctored)] == ["plan"]


def test_bausteine_1_and_3_pay_pro_rata_and_a_kommune_cap_splits_their_deficit() -> None:
    data = tiny(
        funding={"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000, "months": 6},
        coordination={"per_kommune_vzae": 1, "rate_per_vzae": 57000, "qualifies_by": ["jugendamt"]},
    )
    data["kommunen"][0].update(jugendamt=True, deficit_coverage_eur_per_vzae=CAP)
    (year,) = expand(instance(data))
    (position,) = year.coordination
    # a coordinator at Adorf: deficit 71,400 − 57,000 = 14,400 € a year, 7,200 € in the half year;
    # the Kreis covers 5,000 / 2 = 2,500 €, Adorf the other 4,700 €; funding 57,000 / 2 = 28,500 €
    assert position.funding == 28500
    assert position.payments(year.instance, model()) == {"Kreis Klein": 2500, "Adorf": 4700}
    assert year.fixed_payments(model()) == {"Kreis Klein": 2500, "Adorf": 4700}
    outcome = plan_instance(instance(data), model())
    rows = {r["payer"]: r for r in outcome.plan_json["years"][0]["eigenanteil"]}
    assert (rows["Kreis Klein"]["baustein_1_eur"], rows["Adorf"]["baustein_1_eur"]) == (2500, 4700)


# ---- the checker -------------------------------------------------------------------------


def kreis_links(adorf: float = 1.0, bedorf: float = 0.5, cedorf: float = 1.5) -> list[dict[str, Any]]:
    return [
        {"host": "Kreis Klein", "host_type": "kreis", "kommune": name, "vzae": vzae}
        for name, vzae in (("Adorf", adorf), ("Bedorf", bedorf), ("Cedorf", cedorf))
        if vzae
    ]


TRAEGER_PLAN = [
    *kreis_links(bedorf=0, cedorf=1.0),
    {"host": "Caritas", "host_type": "traeger", "kommune": "Bedorf", "vzae": 0.5},
    {"host": "Caritas", "host_type": "traeger", "kommune": "Cedorf", "vzae": 0.5},
]
KOMMUNE_PLAN = [
    {"host": "Adorf", "host_type": "kommune", "kommune": "Adorf", "vzae": 1.0},
    {"host": "Adorf", "host_type": "kommune", "kommune": "Bedorf", "vzae": 0.5},
    *kreis_links(adorf=0, bedorf=0),
]


def with_kreis_budget(data: dict[str, Any], budget: int) -> dict[str, Any]:
    return {**data, "kreis": {**data["kreis"], "budget": budget}}


def with_adorf_budget(data: dict[str, Any], budget: int) -> dict[str, Any]:
    data["kommunen"][0]["budget"] = budget
    return data


# (name, instance, links, the rules broken): each pair of cases sits at the exact euro
CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = {
    # Kreis 2.0 × 16,400 + Caritas 1.0 × 5,000 = 37,800 €
    "traeger_cap_holds": (capped_traeger(), TRAEGER_PLAN, []),
    "traeger_cap_one_euro_short": (with_kreis_budget(capped_traeger(), 37799), TRAEGER_PLAN, ["budget_kreis"]),
    # Kreis 1.5 × 16,400 + 1.5 × 5,000 = 32,100 €; Adorf 1.0 × 11,400 €
    "kommune_cap_holds": (with_adorf_budget(capped_kommune(), 11400), KOMMUNE_PLAN, []),
    "kommune_cap_kreis_short": (with_kreis_budget(capped_kommune(), 32099), KOMMUNE_PLAN, ["budget_kreis"]),
    "kommune_cap_rest_short": (with_adorf_budget(capped_kommune(), 11399), KOMMUNE_PLAN, ["budget_kommune"]),
    # 3 × 16,400 / 2 = 24,600 €
    "half_year_holds": (half_year(24600), kreis_links(), []),
    "half_year_one_euro_short": (half_year(24599), kreis_links(), ["budget_kreis"]),
}


def broken_rules(name: str) -> list[str]:
    data, links, _ = CASES[name]
    return [v.rule for v in check_plan(instance(data), model(), {"links": links})]


@pytest.mark.parametrize("name", list(CASES))
def test_checker_cases(name: str) -> None:
    assert broken_rules(name) == CASES[name][2]


@pytest.fixture
def cap_as_no_coverage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = check._Checker._hosts
    monkeypatch.setattr(
        check._Checker, "_hosts", lambda self: [(*h[:4], 0 if h[4] == CAP else h[4]) for h in original(self)]
    )
    yield


@pytest.fixture
def cap_as_full_coverage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = check._Checker._hosts
    monkeypatch.setattr(
        check._Checker, "_hosts", lambda self: [(*h[:4], None if h[4] == CAP else h[4]) for h in original(self)]
    )
    yield


@pytest.fixture
def whole_year(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = check._Checker.payments

    def payments(self: check._Checker, links: Any) -> None:
        funding = self.instance.funding
        self.instance = self.instance.model_copy(update={"funding": funding.model_copy(update={"months": 12})})
        original(self, links)

    monkeypatch.setattr(check._Checker, "payments", payments)
    yield


@pytest.mark.usefixtures("cap_as_no_coverage")
def test_checker_without_the_cap_as_a_payment_misses_the_kreis_part() -> None:
    assert broken_rules("traeger_cap_one_euro_short") != CASES["traeger_cap_one_euro_short"][2]
    assert broken_rules("kommune_cap_kreis_short") != CASES["kommune_cap_kreis_short"][2]


@pytest.mark.usefixtures("cap_as_full_coverage")
def test_checker_with_the_cap_as_full_coverage_refuses_valid_plans() -> None:
    assert broken_rules("traeger_cap_holds") != CASES["traeger_cap_holds"][2]
    assert broken_rules("kommune_cap_holds") != CASES["kommune_cap_holds"][2]


@pytest.mark.usefixtures("whole_year")
def test_checker_without_months_refuses_a_valid_half_year() -> None:
    assert broken_rules("half_year_holds") != CASES["half_year_holds"][2]


def test_kimopt_check_names_the_budget_a_cap_breaks(tmp_path: Path) -> None:
    data, links, _ = CASES["traeger_cap_one_euro_short"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"links": links}), encoding="utf-8")
    settings = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["check", str(write_yaml(tmp_path / "i.yaml", data)), str(plan), "-m", str(settings)])
    assert result.exit_code == 5, result.output
    assert "37.800 €" in result.output and "37.799 €" in result.output


# ---- input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "why"),
    [(0, "1 bis 12 Monate"), (13, "1 bis 12 Monate"), (6.5, "1 bis 12 Monate"), ("sechs", "keine Zahl")],
)
def test_months_outside_a_year_are_refused_naming_the_field(tmp_path: Path, months: object, why: str) -> None:
    data = half_year()
    data["funding"]["months"] = months
    result = runner.invoke(app, ["validate", str(write_yaml(tmp_path / "i.yaml", data))])
    assert result.exit_code == 1
    assert "Förderung, Feld „months“" in result.output and why in result.output


def test_months_of_a_later_year_are_refused_naming_the_year(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(write_yaml(tmp_path / "i.yaml", two_years({"months": 14})))])
    assert result.exit_code == 1 and "1 bis 12 Monate" in result.output and "„months“" in result.output


def test_a_negative_cap_is_refused_naming_the_record(tmp_path: Path) -> None:
    data = capped_traeger(traeger=[{**CARITAS, "deficit_coverage_eur_per_vzae": -1}])
    result = runner.invoke(app, ["validate", str(write_yaml(tmp_path / "i.yaml", data))])
    assert result.exit_code == 1
    assert "Caritas" in result.output and "deficit_coverage_eur_per_vzae" in result.output


def test_defaults_leave_the_content_hash_unchanged() -> None:
    """``months: 12`` and no cap are what an instance without them means: the same content."""
    plain = instance(tiny(traeger=[{**CARITAS, "deficit_coverage_eur_per_vzae": None}]))
    assert "months" not in plain.model_dump()["funding"]
    assert "deficit_coverage_eur_per_vzae" not in plain.model_dump()["traeger"][0]
    explicit = tiny(traeger=[{**CARITAS, "deficit_coverage_eur_per_vzae": None}])
    explicit["funding"]["months"] = 12
    assert instance(explicit).model_dump() == plain.model_dump()


def test_the_workbook_carries_months_and_caps(tmp_path: Path) -> None:
    source = INSTANCES / "kreis-heinsberg-2022.yaml"
    target = tmp_path / "heinsberg.xlsx"
    result = runner.invoke(app, ["convert", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert load_instance(target)[0] == load_instance(source)[0]


# ---- the bundled instance ----------------------------------------------------------------

HEINSBERG = INSTANCES / "kreis-heinsberg-2022.yaml"


@pytest.mark.skipif(not GV100.exists(), reason=f"GV100AD file not found: {GV100}")
def test_heinsberg_populations_are_those_of_gv100() -> None:
    """The bundled figures are the official ones, read from the shared file (not copied in)."""
    inst, _ = load_instance(HEINSBERG)
    official = {g.ags: g.population for g in read_gv100(GV100).populated("05370")}
    assert {k.ags: k.population for k in inst.kommunen} == official


def heinsberg() -> tuple[Instance, Outcome]:
    inst, _ = load_instance(HEINSBERG)
    return inst, plan_instance(inst, model())


def test_heinsberg_solves_with_half_year_euros_and_capped_coverage() -> None:
    inst, outcome = heinsberg()
    assert outcome.plan is not None and outcome.result.status.value == "OPTIMAL"
    # Kreis budget 40,000 €: Kreis 3.0 × 8,200 = 24,600 € plus 2,500 € for each of the 6.0 VZÄ
    # at Träger and Erkelenz = 39,600 €; 9.5 VZÄ would need the Kreis for 3.5 (43,700 €)
    assert outcome.plan.used == 9
    paid = payments(outcome)
    assert paid["Kreis Heinsberg"] == 39600
    by_host = {h.name: outcome.plan.hosted[n] for n, h in enumerate(outcome.problem.hosts)}
    for name in ("Erkelenz", "Caritasverband für die Region Heinsberg", "Diakonie im Kirchenkreis Jülich"):
        assert paid[name] == by_host[name] * 5700  # (16,400 − 5,000) / 2 per VZÄ
    assert outcome.plan_json["finance"]["funding_eur"] == 9 * 27500
    assert check_plan(inst, model(), outcome.plan_json) == []


def test_heinsberg_from_the_command_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    settings = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["solve", str(HEINSBERG), "-m", str(settings), "-o", str(plan)])
    assert result.exit_code == 0, result.output
    assert "6 Monate" in result.output
    assert runner.invoke(app, ["check", str(HEINSBERG), str(plan), "-m", str(settings)]).exit_code == 0


def test_heinsberg_paper_says_who_pays_whom_in_half_year_euros() -> None:
    """„Wer zahlt wem“: the Kreis passes on 27,500 € per VZÄ and pays 2,500 € of each capped VZÄ."""
    from kimopt.plan_file import PlanFile
    from kimopt.report.money import finance_table, transfers
    from kimopt.report.tables import hosts_table

    _, outcome = heinsberg()
    plan = PlanFile.model_validate(outcome.plan_json)
    moves = {(m[1], m[2]): m[4] for m in transfers(plan) if m[0] == "Kreis Heinsberg"}
    assert moves[("Caritasverband für die Region Heinsberg", "passed_on")] == 3 * 27500
    assert moves[("Caritasverband für die Region Heinsberg", "defizit")] == 3 * 2500
    assert moves[("Diakonie im Kirchenkreis Jülich", "defizit")] == Fraction(5, 2) * 2500
    assert moves[("Erkelenz", "defizit")] == Fraction(1, 2) * 2500
    rows = {r[0].strip(): r[1] for r in finance_table(plan, "de").rows}
    # 9 × 35,700 − 9 × 27,500 = 73,800 € = Kreis 39,600 + Erkelenz 2,850 + Träger 31,350 (nothing existed)
    assert rows["= nicht durch Förderung gedeckt"] == "73.800 €"
    assert rows["davon bestehende Stellen (bereits finanziert)"] == "0 €"
    # the paper says the euros are half a year's, and who carries a capped deficit
    assert finance_table(plan, "de").title == "Finanzen (für 6 Monate, anteilig)"
    assert "− Förderung (55.000 € / VZÄ × 6/12)" in rows
    payers = {r[0]: r[-1] for r in hosts_table(plan, "de").rows}
    assert payers["Caritasverband für die Region Heinsberg"] == (
        "Kreis 5.000 € je VZÄ, Rest Caritasverband für die Region Heinsberg"
    )
    assert payers["Erkelenz"] == "Kreis 5.000 € je VZÄ, Rest betreute Kommunen"
    assert payers["Kreis Heinsberg"] == "Kreis"


@pytest.mark.parametrize(
    ("months", "cap", "threshold"),
    [
        (6, None, 4100),  # 0.5 VZÄ × 16,400 € / 2
        (12, CAP, 5700),  # 0.5 VZÄ × (16,400 − 5,000) €
        (6, CAP, 2850),  # 0.5 VZÄ × 11,400 € / 2
    ],
)
def test_budget_sensitivity_finds_the_pro_rata_and_capped_threshold(
    months: int, cap: int | None, threshold: int
) -> None:
    """Cedorf could host but has a budget of 0 €: the first budget at which it takes its
    smallest host size of 0.5 VZÄ is its part of the deficit in that year."""
    from kimopt.analysis.sensitivity import budget_thresholds

    data = tiny(funding={"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000, "months": months})
    data["kommunen"][2].update(max_vzae=1.5, budget=0, deficit_coverage_eur_per_vzae=cap)
    found = budget_thresholds(instance(data), model())
    assert [(b.payer, b.increase, b.verified) for b in found] == [("Cedorf", threshold, True)]
