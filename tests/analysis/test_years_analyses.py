"""``kimopt alternatives``, ``sensitivity`` and ``apportion`` on a multi-year instance (DESIGN §5).

Each year is analysed on its own problem given the years before as planned. The numbers checked
by hand come from the bundled instances' comments: Kreis Mettmann 2023 costs 71,400 € × 1.03 =
73,542 € per VZÄ at a rate of 57,000 €, so the 7 new VZÄ cost the Kreis 7 × 16,542 = 115,794 €
(2022: 7 × (71,400 − 55,000) = 114,800 €).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.load import load_inputs
from kimopt.pipeline import plan_instance
from tests.conftest import INSTANCES, TEST_SETTINGS, write_yaml

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022-2023.yaml"
METTMANN = INSTANCES / "kreis-mettmann-2022-2023.yaml"


def _kreis_share(plan: dict, kreis: str) -> int:
    return next(p["eur"] for p in plan["finance"]["eigenanteil"] if p["payer"] == kreis)


@pytest.mark.parametrize("path", [WESEL, METTMANN], ids=["wesel", "mettmann"])
def test_alternatives_list_each_years_plans(path: Path, tmp_path: Path, test_model_file: Path) -> None:
    out = tmp_path / "alternatives.json"
    result = runner.invoke(app, ["alternatives", str(path), "-m", str(test_model_file), "-k", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "\n2022:\n" in result.output and "\n2023:\n" in result.output
    assert "die Vorjahre wie geplant" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [y["year"] for y in data["years"]] == [2022, 2023]
    # Plan 1 of every year is the year of `kimopt solve`
    inputs = load_inputs(path, test_model_file)
    solved = plan_instance(inputs.instance, inputs.model).plan_json
    assert solved is not None
    for entry, year in zip(data["years"], solved["years"], strict=True):
        assert entry["plans"][0]["alternative"] == f"{entry['year']}: Plan 1"
        assert all(plan["year"] == entry["year"] for plan in entry["plans"])
        assert sorted(map(str, entry["plans"][0]["links"])) == sorted(map(str, year["links"]))


def test_alternatives_of_mettmann_cost_the_kreis_the_same_each_year(tmp_path: Path, test_model_file: Path) -> None:
    out = tmp_path / "alternatives.json"
    args = ["alternatives", str(METTMANN), "-m", str(test_model_file), "-k", "3", "-o", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Per year: that year's equally good plans" in result.output
    years = json.loads(out.read_text(encoding="utf-8"))["years"]
    # all 16 positions used in both years, 9 existing: 7 new VZÄ at 16,400 € (2022), 16,542 € (2023)
    assert {_kreis_share(p, "Kreis Mettmann") for p in years[0]["plans"]} == {7 * 16_400}
    assert {_kreis_share(p, "Kreis Mettmann") for p in years[1]["plans"]} == {115_794}


def test_alternatives_of_one_year_keep_their_json(tmp_path: Path, test_model_file: Path) -> None:
    out = tmp_path / "alternatives.json"
    path = INSTANCES / "kreis-mettmann-2022.yaml"
    result = runner.invoke(app, ["alternatives", str(path), "-m", str(test_model_file), "-k", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["instance", "model", "complete", "work_limit_reached", "plans"]
    assert [p["alternative"] for p in data["plans"]] == ["Plan 1", "Plan 2"]
    assert "2022:" not in result.output


@pytest.fixture(scope="module")
def wesel_budgets(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """``kimopt sensitivity --part budgets`` of Kreis Wesel 2022-2023: its output and JSON."""
    folder = tmp_path_factory.mktemp("wesel-sensitivity")
    out, settings = folder / "sensitivity.json", write_yaml(folder / "model.yaml", TEST_SETTINGS)
    args = ["sensitivity", str(WESEL), "-m", str(settings), "--part", "budgets", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output, json.loads(out.read_text(encoding="utf-8"))


def test_sensitivity_of_wesel_states_budget_thresholds_per_year(wesel_budgets: tuple[str, dict]) -> None:
    output, data = wesel_budgets
    assert "\n2022:\n" in output and "\n2023:\n" in output
    assert "die Vorjahre bleiben wie geplant" in output
    assert [y["year"] for y in data["years"]] == [2022, 2023]
    moers = [next(b for b in y["budgets"] if b["payer"] == "Moers") for y in data["years"]]
    # 2022: Moers holds its maximum of 2.0 VZÄ (21,000 + 8,200 + 2 × 16,400 = 62,000 € = its budget)
    assert moers[0]["budget_eur"] == 62_000 and moers[0]["increase_eur"] is None
    # 2023, the whole budget (all Bausteine): B1 1.0 × (80,340 − 57,000) + B3 0.5 × (73,542 − 55,000)
    # + B2 2.0 × (73,542 − 57,000) = 23,340 + 9,271 + 33,084 = 65,695 € keeps Moers at 2.0 VZÄ
    assert moers[1]["budget_eur"] == 62_000
    assert moers[1]["threshold_eur"] == 65_695 and moers[1]["increase_eur"] == 3_695
    assert moers[1]["verified"]
    assert {(c["host"], c["after_vzae"]) for c in moers[1]["changes"]} >= {("Moers", 2.0)}
    # Voerde pays nothing for Bausteine 1 and 3: half a position costs it 0.5 × 16,542 = 8,271 €
    voerde = next(b for b in data["years"][1]["budgets"] if b["payer"] == "Voerde (Niederrhein)")
    assert voerde["threshold_eur"] == 8_271


def test_sensitivity_of_mettmann_runs_every_part_per_year(tmp_path: Path, test_model_file: Path) -> None:
    out, chart = tmp_path / "sensitivity.json", tmp_path / "tradeoff.svg"
    args = ["sensitivity", str(METTMANN), "-m", str(test_model_file), "-o", str(out), "--chart", str(chart)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    years = data["years"]
    assert [y["year"] for y in years] == [2022, 2023]
    assert [y["budgets"][0]["budget_eur"] for y in years] == [114_800, 116_000]
    # one point each: no allocation of the 16 VZÄ costs less than 7 new VZÄ at that year's deficit
    assert [[p["eigenanteil_eur"] for p in y["tradeoff"]["points"]] for y in years] == [[114_800], [115_794]]
    assert all(len(y["populations"]) == 10 for y in years)
    assert (tmp_path / "tradeoff-2022.svg").is_file() and (tmp_path / "tradeoff-2023.svg").is_file()
    assert not chart.exists()


def test_apportion_gives_one_table_per_year(tmp_path: Path) -> None:
    # 2023 funds 18 VZÄ instead of 16: its table divides 18
    source = METTMANN.read_text(encoding="utf-8")
    changed = source.replace("positions_vzae: 16          # [METTMANN] the same", "positions_vzae: 18  #")
    assert changed != source
    path = tmp_path / "mettmann.yaml"
    path.write_text(changed, encoding="utf-8")
    out = tmp_path / "apportion.json"
    result = runner.invoke(app, ["apportion", str(path), "--method", "hare-niemeyer", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2022:\n") and "\n2023:\n" in result.output
    years = json.loads(out.read_text(encoding="utf-8"))["years"]
    assert [(y["year"], y["positions_vzae"]) for y in years] == [(2022, 16), (2023, 18)]
    ratingen = [next(k for k in y["kommunen"] if k["name"] == "Ratingen") for y in years]
    # the quota: positions × population / the Kreis's 484,322 inhabitants
    assert [Fraction(k["quota_exact"]) for k in ratingen] == [
        Fraction(16 * 86_899, 484_322),
        Fraction(18 * 86_899, 484_322),
    ]
    assert [sum(Fraction(str(k["vzae"])) for k in y["kommunen"]) for y in years] == [16, 18]


def test_apportion_takes_wesel_with_its_bausteine(tmp_path: Path) -> None:
    result = runner.invoke(app, ["apportion", str(WESEL), "--method", "sainte-lague"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Sainte-Laguë – Kreis Wesel") == 2
    assert "\n2023:\n" in result.output


def _wesel_with_moers_2023_budget(tmp_path: Path, budget: int) -> Path:
    source = WESEL.read_text(encoding="utf-8")
    growth = '    cost_growth: "3/100"        # ASSUMPTION: salaries rise 3 %\n'
    assert growth in source
    path = tmp_path / f"wesel-{budget}.yaml"
    path.write_text(source.replace(growth, growth + f"    budgets: {{Moers: {budget}}}\n"), encoding="utf-8")
    return path


def test_a_budget_threshold_is_what_the_horizon_plans_with_that_budget(
    wesel_budgets: tuple[str, dict], tmp_path: Path, test_model_file: Path
) -> None:
    # Moers's 2023 threshold of 65,695 € (above): with it the horizon no longer cuts Moers in 2023
    # (Dinslaken's cut stays), with one euro less it cuts both by 0.5 VZÄ, as with 62,000 €
    moers = next(b for b in wesel_budgets[1]["years"][1]["budgets"] if b["payer"] == "Moers")

    def year_2023(budget: int) -> dict:
        inputs = load_inputs(_wesel_with_moers_2023_budget(tmp_path, budget), test_model_file)
        data = plan_instance(inputs.instance, inputs.model).plan_json
        assert data is not None
        return data["years"][1]

    def links(year: dict) -> dict[tuple[str, str], float]:
        return {(x["host"], x["kommune"]): x["vzae"] for x in year["links"]}

    below, at = year_2023(65_694), year_2023(65_695)
    assert [(c["host"], c["vzae"]) for c in below["cuts"]] == [("Dinslaken", 0.5), ("Moers", 0.5)]
    assert [(c["host"], c["vzae"]) for c in at["cuts"]] == [("Dinslaken", 0.5)]
    before, after = links(below), links(at)
    changed = {k for k in before.keys() | after.keys() if before.get(k, 0.0) != after.get(k, 0.0)}
    assert changed == {(c["host"], c["kommune"]) for c in moers["changes"]}
    assert all(after.get((c["host"], c["kommune"]), 0.0) == c["after_vzae"] for c in moers["changes"])


def test_sensitivity_names_the_994_euros_that_avoid_mettmanns_cut(tmp_path: Path, test_model_file: Path) -> None:
    # DESIGN §5: with the 2023 budget kept at 114,800 € the Kreis can pay 6.5 new VZÄ
    # (6.5 × 16,542 = 107,523 €), one half position is cut; 994 € more (7 × 16,542 = 115,794 €) keep all
    source = METTMANN.read_text(encoding="utf-8")
    path = tmp_path / "mettmann.yaml"
    path.write_text(source.replace("Kreis Mettmann: 116000 ", "Kreis Mettmann: 114800 "), encoding="utf-8")
    out = tmp_path / "sensitivity.json"
    args = ["sensitivity", str(path), "-m", str(test_model_file), "--part", "budgets", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    kreis = json.loads(out.read_text(encoding="utf-8"))["years"][1]["budgets"][0]
    assert (kreis["budget_eur"], kreis["increase_eur"], kreis["threshold_eur"]) == (114_800, 994, 115_794)
    assert (kreis["eigenanteil_before_eur"], kreis["eigenanteil_after_eur"]) == (107_523, 115_794)
    assert "+994 €" in result.output


@pytest.mark.parametrize("command", ["alternatives", "sensitivity"])
def test_a_year_without_a_plan_is_named(command: str, tmp_path: Path, test_model_file: Path) -> None:
    # Moers's 2023 budget of 1,000 € is less than its fixed Bausteine 1 and 3 (23,340 + 9,271 €)
    path = _wesel_with_moers_2023_budget(tmp_path, 1_000)
    result = runner.invoke(app, [command, str(path), "-m", str(test_model_file)])
    assert result.exit_code == 3, result.output
    assert f"{path}: 2023: keine zulässige Verteilung" in result.output
