"""Cuts said so (DESIGN §5): a later year's cut names the rule that forces it, the smallest change
that keeps every position and the funding it leaves unused; ``check`` refuses a cut larger than
needed. Numbers derived by hand from the bundled Kreis Mettmann instances:

- 2022 places 7 new VZÄ at 71,400 − 55,000 = 16,400 € each: 7 × 16,400 = 114,800 € (the budget).
- 2023: costs +3 % (71,400 × 1.03 = 73,542 €), rate 57,000 €: 16,542 € per new VZÄ; keeping all
  7 costs 7 × 16,542 = 115,794 € > 114,800 €, so 2023 cuts one host step (0.5 VZÄ) and
  115,794 − 114,800 = 994 € more would keep every position; 6.5 × 16,542 = 107,523 € ≤ 114,800 €.
  Every new position is at a Träger (the Kreis holds its 9 existing ones), so the cut is a Träger's.
- Funding falls to 15.7 VZÄ in 2023 (budget 116,000 €): 0.3 short of 16, host step 0.5: cut 0.5,
  15.5 used, 0.2 VZÄ of funding unused; 16.0 VZÄ (0.3 more) would keep every position.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt import check_horizon
from kimopt.cli import app
from kimopt.cut_text import cut_text
from kimopt.load import load_inputs
from kimopt.pipeline import Outcome, check, plan_instance
from kimopt.plan_file import Cut
from tests.conftest import INSTANCES, model, write_yaml

runner = CliRunner()
KEPT = INSTANCES / "kreis-mettmann-2022-2023-budget-kept.yaml"
METTMANN = INSTANCES / "kreis-mettmann-2022-2023.yaml"

NEW, RATE_2022, RATE_2023, COST = 7, 55000, 57000, 71400
COST_2023 = COST * 103 // 100  # 73,542 € (exact: 71,400 × 1.03)
NEEDED = NEW * (COST_2023 - RATE_2023)  # 115,794 €
BUDGET = NEW * (COST - RATE_2022)  # 114,800 €, kept for 2023


def _data(path: Path) -> dict[str, Any]:
    return load_inputs(path).instance.model_dump(mode="json")


def _solve(path: Path) -> Outcome:
    inputs = load_inputs(path)
    return plan_instance(inputs.instance, model())


def _second(outcome: Outcome) -> dict[str, Any]:
    assert outcome.plan_json is not None
    return outcome.plan_json["years"][1]


@pytest.fixture(scope="module")
def kept() -> Outcome:
    return _solve(KEPT)


@pytest.fixture(scope="module")
def funding_falls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Outcome]:
    data = _data(METTMANN)
    data["years"][0]["positions_vzae"] = 15.7
    path = write_yaml(tmp_path_factory.mktemp("falls") / "mettmann-15-7.yaml", data)
    return path, _solve(path)


def test_the_hand_derived_figures() -> None:
    assert (COST_2023, COST_2023 - RATE_2023, NEEDED, BUDGET, NEEDED - BUDGET) == (73542, 16542, 115794, 114800, 994)
    assert Fraction(13, 2) * (COST_2023 - RATE_2023) == 107523 <= BUDGET


def test_a_budget_kept_cuts_half_a_position_at_a_traeger_and_says_why(kept: Outcome) -> None:
    first, second = kept.plan_json["years"] if kept.plan_json else ([], [])
    assert first["cuts"] == [] and first["summary"]["positions_used"] == 16.0  # 2022 decided alone
    (cut,) = second["cuts"]
    assert (cut["host_type"], cut["from_vzae"], cut["to_vzae"], cut["vzae"]) == ("traeger", 2.0, 1.5, 0.5)
    assert cut["reasons"] == [
        {"rule": "budget_kreis", "subject": "Kreis Mettmann", "needed": NEEDED, "current": BUDGET, "unit": "EUR"}
    ]
    assert cut["reasons_joint"] is False
    assert second["summary"]["eigenanteil_eur"]["kreis"] == 107523
    assert second["summary"]["unused_vzae"] == 0.5  # the budget, not the funding, stops the half position
    assert cut["text"] == (
        f"2023: 0,5 VZÄ weniger bei {cut['host']} (2,0 VZÄ → 1,5 VZÄ): das Budget des Kreises reicht nicht "
        "(115.794 € nötig, 114.800 € beschlossen); mit 994 € mehr bleiben alle Stellen; "
        "0,5 VZÄ der Förderung bleiben ungenutzt"
    )


def test_a_funding_fall_of_0_3_cuts_0_5_and_leaves_0_2_unused(funding_falls: tuple[Path, Outcome]) -> None:
    _, outcome = funding_falls
    second = _second(outcome)
    (cut,) = second["cuts"]
    assert cut["vzae"] == 0.5
    assert second["summary"]["positions_used"] == 15.5 and second["summary"]["unused_vzae"] == 0.2
    assert cut["reasons"] == [{"rule": "funding_cap", "subject": "", "needed": 16.0, "current": 15.7, "unit": "VZÄ"}]
    assert "die Förderung reicht nicht (16,0 VZÄ nötig, 15,7 VZÄ gefördert)" in cut["text"]
    assert cut["text"].endswith(
        "mit 0,3 VZÄ mehr Förderung bleiben alle Stellen; 0,2 VZÄ der Förderung bleiben ungenutzt"
    )


def test_a_year_without_a_cut_has_no_reasons_and_nothing_unused() -> None:
    outcome = _solve(METTMANN)  # the Kreis carries the tariff rise: 116,000 € ≥ 115,794 €
    second = _second(outcome)
    assert second["cuts"] == [] and second["summary"]["unused_vzae"] == 0.0


def test_the_sentence_in_english_and_for_several_reasons() -> None:
    cut = {"host": "Moers", "host_type": "kommune", "from_vzae": 2.0, "to_vzae": 1.0, "vzae": 1.0, "reasons": []}
    budget = {"rule": "budget_kommune", "subject": "Moers", "needed": 30000, "current": 20000, "unit": "EUR"}
    cap = {"rule": "funding_cap", "subject": "", "needed": 11.0, "current": 10.0, "unit": "VZÄ"}
    assert cut_text(2023, Cut.model_validate({**cut, "reasons": [budget]}), 0, "en") == (
        "2023: 1.0 VZÄ less at Moers (2.0 VZÄ → 1.0 VZÄ): the budget of Moers does not suffice "
        "(€30,000 needed, €20,000 decided); with €10,000 more for Moers every position stays"
    )
    joint = cut_text(2023, Cut.model_validate({**cut, "reasons": [budget, cap], "reasons_joint": True}), 0)
    assert joint.endswith("erst mit 10.000 € mehr für Moers und 1,0 VZÄ mehr Förderung zusammen bleiben alle Stellen")
    either = cut_text(2023, Cut.model_validate({**cut, "reasons": [budget, cap]}), 0)
    assert "; mit 10.000 € mehr für Moers oder 1,0 VZÄ mehr Förderung bleiben alle Stellen" in either
    assert cut_text(2023, Cut.model_validate(cut), 0).endswith(
        ": die kleinste Kürzung, mit der alle Regeln des Jahres gelten"
    )


def test_solve_prints_and_every_report_shows_the_sentence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(KEPT), "--no-binding", "--report", str(tmp_path / "p.md")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "Kürzung 2023:" in x)
    assert "115.794 € nötig, 114.800 € beschlossen" in line and "mit 994 € mehr bleiben alle Stellen" in line
    markdown = (tmp_path / "p.md").read_text(encoding="utf-8")
    assert "## Kürzungen gegenüber dem Vorjahr" in markdown and "mit 994 € mehr bleiben alle Stellen" in markdown
    for suffix in ("html", "xlsx"):
        done = runner.invoke(app, ["solve", str(KEPT), "--no-binding", "-q", "--report", str(tmp_path / f"p.{suffix}")])
        assert done.exit_code == 0, done.output
    assert "mit 994 € mehr bleiben alle Stellen" in (tmp_path / "p.html").read_text(encoding="utf-8")
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx")["Kürzungen"]
    head, row = list(sheet.iter_rows(min_row=3, max_row=4, values_only=True))
    assert head[-1] == "Grund und Abhilfe" and row[0] == 2023 and row[5] == 0.5
    assert str(row[-1]).startswith("0,5 VZÄ weniger bei") and "mit 994 € mehr" in str(row[-1])
    english = runner.invoke(app, ["solve", str(KEPT), "--no-binding", "--lang", "en"])
    assert "with €994 more every position stays" in english.output


# ---- check: no cut larger than needed ---------------------------------------------------------


def test_kimopts_own_plans_with_cuts_pass(kept: Outcome, funding_falls: tuple[Path, Outcome]) -> None:
    for path, outcome in ((KEPT, kept), funding_falls):
        inputs = load_inputs(path)
        assert outcome.plan_json is not None and _second(outcome)["cuts"]
        assert check(inputs.instance, model(), outcome.plan_json) == []


def assert_an_unneeded_cut_is_refused(kept: Outcome) -> None:
    """The plan with the cut, checked against the budget raised to 116,000 € (≥ 115,794 €): every
    figure of the plan still holds, but the Träger's half position could stay: refused."""
    raised = _data(KEPT)
    raised["years"][0]["budgets"] = {"Kreis Mettmann": 116000}
    inputs = load_inputs(KEPT)
    instance = inputs.instance.model_validate(raised)
    assert kept.plan_json is not None
    violations = check(instance, model(), copy.deepcopy(kept.plan_json))
    host = _second(kept)["cuts"][0]["host"]
    assert [(v.rule, v.subject) for v in violations] == [("continuity", f"2023: cuts: {host}")]
    assert violations[0].de.startswith(f"Kürzung größer als nötig: mit 0,5 VZÄ mehr bei {host} für ")


def test_a_plan_with_an_unneeded_cut_is_refused(kept: Outcome) -> None:
    assert_an_unneeded_cut_is_refused(kept)


def test_switching_the_check_of_cuts_off_fails_its_test(kept: Outcome, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_horizon, "_cuts_needed", lambda *_args, **_kw: None)
    with pytest.raises(AssertionError):
        assert_an_unneeded_cut_is_refused(kept)


def test_check_on_the_command_line_refuses_the_unneeded_cut(kept: Outcome, tmp_path: Path) -> None:
    # the council raised the 2023 budget after the plan was written: the same instance (name), a
    # new checksum; the plan is still checked, and its cut is no longer needed (exit 5)
    raised = _data(KEPT)
    raised["years"][0]["budgets"] = {"Kreis Mettmann": 116000}
    instance = write_yaml(tmp_path / "raised.yaml", raised)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(kept.plan_json, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(instance), str(plan)])
    assert result.exit_code == 5, result.output
    assert "Kürzung größer als nötig" in result.output
    assert runner.invoke(app, ["check", str(KEPT), str(plan)]).exit_code == 0


def test_a_cut_a_fixed_row_forces_is_not_refused(kept: Outcome) -> None:
    # the planner fixed the cut host's links of 2023 (solve --fix): giving back is not the check's to do
    raised = _data(KEPT)
    raised["years"][0]["budgets"] = {"Kreis Mettmann": 116000}
    instance = load_inputs(KEPT).instance.model_validate(raised)
    plan = copy.deepcopy(kept.plan_json)
    assert plan is not None
    second = plan["years"][1]
    host = second["cuts"][0]["host"]
    second["fixed_links"] = [link for link in second["links"] if link["host"] == host]
    assert check(instance, model(), plan) == []


def test_a_cut_not_proven_least_is_not_held_to_it(kept: Outcome) -> None:
    # a search the time limit ended says so (continuity level not proven): its cut may be larger
    raised = _data(KEPT)
    raised["years"][0]["budgets"] = {"Kreis Mettmann": 116000}
    instance = load_inputs(KEPT).instance.model_validate(raised)
    plan = copy.deepcopy(kept.plan_json)
    assert plan is not None
    (level,) = [lv for lv in plan["years"][1]["objectives"] if lv["name"] == "continuity"]
    level["proven_optimal"] = False
    assert check(instance, model(), plan) == []
