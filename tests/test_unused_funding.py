"""A year whose plan leaves fundable positions unused says how many and which rules keep them
(DESIGN §5, "as the binding rules do").

Kreis Wesel 2022 (instances/kreis-wesel-2022.yaml, 11 fundable VZÄ) with a Kreis budget of
10,000 €: the Kreis's deficit is 71,400 − 55,000 = 16,400 € per VZÄ, so it can pay for at most
10,000 / 16,400 = 0.61 VZÄ, in host steps of 0.5: 0.5 VZÄ (8,200 €). The Kreis keeps at least a
third (``kreis_share``), so N ≤ 3 × 0.5 = 1.5 VZÄ: 9.5 of the 11 VZÄ stay unused. Each of three
rules alone keeps them: without the budget all 11 VZÄ fit; without the Kreis share the Kommunen
take more (7.5 VZÄ); without the host step at the Kreis it holds 0.6 and N = 1.6.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kimopt.check import check_plan
from kimopt.cli import app
from kimopt.load import load_instance
from kimopt.plan_file import PlanFile, Summary
from kimopt.report import render_plan_report, xlsx_bytes
from kimopt.report.horizon import unused_table
from kimopt.report.tables import summary_table, unused_sentence
from tests.conftest import INSTANCES, model, solve, tiny, write_yaml

runner = CliRunner()

WESEL_RULES = [
    {"rule": "kreis_share", "subject": None},
    {"rule": "host_size", "subject": "Kreis Wesel"},
    {"rule": "budget_kreis", "subject": None},
]
WESEL_SENTENCE = (
    "9,5 VZÄ der Förderung bleiben ungenutzt; es begrenzen: Kreisanteil, Stellengröße Kreis Wesel, Budget Kreis"
)


def with_kreis_budget(tmp_path: Path, source: str, budget: int, **year_budgets: int) -> Path:
    data = yaml.safe_load((INSTANCES / source).read_text(encoding="utf-8"))
    data["kreis"]["budget"] = budget
    for entry in data.get("years", []):
        entry["budgets"] = {data["kreis"]["name"]: year_budgets[str(entry["year"])]}
    return write_yaml(tmp_path / source, data)


def solved(tmp_path: Path, path: Path, model_file: Path, *options: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(path), "-m", str(model_file), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wesel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    """Kreis Wesel 2022 with a Kreis budget of 10,000 €, solved with binding rules (the default)."""
    tmp = tmp_path_factory.mktemp("wesel")
    settings = write_yaml(tmp / "model.yaml", {"workers": 2, "time_limit_s": 60})
    path = with_kreis_budget(tmp, "kreis-wesel-2022.yaml", 10000)
    return (path, *solved(tmp, path, settings))


def test_the_plan_says_how_many_and_which_rules(wesel: tuple[Path, str, dict[str, Any]]) -> None:
    _, _, plan = wesel
    summary = plan["summary"]
    assert (summary["positions_used"], summary["positions_fundable"], summary["kreis_vzae"]) == (1.5, 11.0, 0.5)
    assert summary["unused_vzae"] == 9.5
    assert summary["unused_limited_by"] == WESEL_RULES
    # the same rules as the binding rules of use_positions, with what each would allow alone
    relaxed = {(b["rule"], b["subject"]): b["relaxed_value"] for b in summary["binding_rules"]}
    assert relaxed == {("kreis_share", None): 7.5, ("host_size", "Kreis Wesel"): 1.6, ("budget_kreis", None): 11.0}


def test_the_console_says_it_under_the_positions(wesel: tuple[Path, str, dict[str, Any]]) -> None:
    _, output, _ = wesel
    lines = output.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("Stellen: 1,5 von 11,0 VZÄ"))
    assert lines[at + 1] == f"Achtung: {WESEL_SENTENCE}."


def test_the_reports_say_it(wesel: tuple[Path, str, dict[str, Any]]) -> None:
    _, _, plan = wesel
    typed = PlanFile.model_validate(plan)
    table = summary_table(typed, "de")
    assert ["VZÄ ungenutzt", "9,5"] in table.rows
    assert table.note == WESEL_SENTENCE + "."
    for suffix in (".html", ".md"):
        assert WESEL_SENTENCE in render_plan_report(typed, suffix, "de")
    english = unused_sentence(typed.summary, "en")
    assert english == "9.5 VZÄ of the funding stay unused; limited by: Kreis share, Host size Kreis Wesel, Budget Kreis"


def test_without_binding_rules_the_number_is_still_said(tmp_path: Path, test_model_file: Path) -> None:
    path = with_kreis_budget(tmp_path, "kreis-wesel-2022.yaml", 10000)
    output, plan = solved(tmp_path, path, test_model_file, "--no-binding")
    assert plan["summary"]["unused_vzae"] == 9.5
    assert "unused_limited_by" not in plan["summary"]
    assert "Achtung: 9,5 VZÄ der Förderung bleiben ungenutzt." in output.splitlines()


def test_a_plan_that_uses_all_funding_says_nothing() -> None:
    plan = solve(tiny()).plan_json
    assert plan is not None
    assert plan["summary"]["unused_vzae"] == 0.0
    typed = PlanFile.model_validate(plan)
    assert unused_sentence(typed.summary, "de") is None
    assert summary_table(typed, "de").note == ""


def test_every_year_of_a_multi_year_plan_says_it(tmp_path: Path, test_model_file: Path) -> None:
    # Mettmann with the 2023 budget kept at 114,800 €: 2022 places all 7 new VZÄ (7 × 16,400 =
    # 114,800 €); in 2023 they cost 7 × 16,542 = 115,794 € > 114,800 €, so 6.5 new VZÄ fit
    # (107,523 €; 6.9 would fit, 114,140 €, but hosts grow in steps of 0.5): 0.5 VZÄ unused.
    # Without the budget all 7 fit; without the host step of any one employer it takes 0.4 more.
    path = with_kreis_budget(tmp_path, "kreis-mettmann-2022-2023.yaml", 114800, **{"2023": 114800})
    output, plan = solved(tmp_path, path, test_model_file)
    first, second = plan["years"]
    assert first["summary"]["unused_vzae"] == 0.0 and "unused_limited_by" not in first["summary"]
    assert second["summary"]["unused_vzae"] == 0.5
    hosts = ["AWO Kreisverband Mettmann", "Caritasverband für den Kreis Mettmann", "Diakonie im Kreis Mettmann"]
    assert second["summary"]["unused_limited_by"] == [
        *({"rule": "host_size", "subject": name} for name in [*hosts, "Kreis Mettmann"]),
        {"rule": "budget_kreis", "subject": None},
    ]
    sentence = (
        "0,5 VZÄ der Förderung bleiben ungenutzt; es begrenzen: "
        + ", ".join(f"Stellengröße {name}" for name in [*hosts, "Kreis Mettmann"])
        + ", Budget Kreis"
    )
    assert f"   {sentence}." in output.splitlines()
    typed = PlanFile.model_validate(plan)
    table = unused_table(typed, "de")
    assert table is not None and table.rows == [[f"2023: {sentence}."]]
    assert "Ungenutzte Förderung je Jahr" in render_plan_report(typed, ".html", "de")
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan, "plan.xlsx", "de", None)))["Haushalt"]
    assert f"2023: {sentence}." in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_the_checker_recomputes_the_unused_vzae(wesel: tuple[Path, str, dict[str, Any]]) -> None:
    path, _, plan = wesel
    inst, _ = load_instance(path)
    assert check_plan(inst, model(), plan) == []
    broken = copy.deepcopy(plan)
    broken["summary"]["unused_vzae"] = 0.0
    assert [(v.rule, v.subject) for v in check_plan(inst, model(), broken)] == [("plan", "summary.unused_vzae")]


@pytest.mark.parametrize(
    ("summary", "said"),
    [
        # one rule
        (
            {"unused_vzae": 0.25, "unused_limited_by": [{"rule": "budget_kreis", "subject": None}]},
            "0,25 VZÄ der Förderung bleiben ungenutzt; es begrenzt: Budget Kreis",
        ),
        # a Kommune's budget names the Kommune
        (
            {"unused_vzae": 1, "unused_limited_by": [{"rule": "budget_kommune", "subject": "Voerde (Niederrhein)"}]},
            "1,0 VZÄ der Förderung bleiben ungenutzt; es begrenzt: Budget Voerde (Niederrhein)",
        ),
        # no rule alone, the analysis complete
        (
            {"unused_vzae": 0.5, "unused_limited_by": [], "binding_rules_complete": True},
            "0,5 VZÄ der Förderung bleiben ungenutzt; keine Regel allein begrenzt sie, nur mehrere zusammen",
        ),
        # the work limit left rules undecided
        (
            {"unused_vzae": 0.5, "unused_limited_by": [], "binding_rules_complete": False},
            "0,5 VZÄ der Förderung bleiben ungenutzt; die begrenzenden Regeln sind nicht vollständig geprüft",
        ),
        # not proven optimal: no binding rules
        ({"unused_vzae": 0.5, "unused_limited_by": None}, "0,5 VZÄ der Förderung bleiben ungenutzt"),
        # an older plan without the key: fundable − used
        ({"positions_fundable": 16.0, "positions_used": 15.7}, "0,3 VZÄ der Förderung bleiben ungenutzt"),
    ],
)
def test_the_sentence(summary: dict[str, Any], said: str) -> None:
    whole = {**SUMMARY, **summary}
    if "positions_used" in summary:  # an older plan without the key
        whole.pop("unused_vzae")
    assert unused_sentence(Summary.model_validate(whole), "de") == said


SUMMARY: dict[str, Any] = {  # a plan's key figures, the others of no concern to the sentence
    "positions_used": 10.5,
    "positions_fundable": 11.0,
    "unused_vzae": 0.5,
    "target_basis_vzae": 10.5,
    "kreis_vzae": 4.0,
    "partner_vzae": 6.5,
    "kreis_share": 0.38,
    "funding_eur": 577500,
    "eigenanteil_eur": {"kreis": 0, "kommunen": 0, "traeger": 0, "total": 0},
    "deviation_l1": 0.0,
    "deviation_max": 0.0,
    "loosemore_hanby": 0.0,
    "gallagher": 0.0,
    "quota_rule_holds": True,
}
