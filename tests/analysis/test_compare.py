"""``kimopt compare``: alternatives side by side, scenario files, differences marked."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kimopt.analysis.comparison import Alternative, solve_alternatives
from kimopt.cli import app
from kimopt.load import load_inputs
from kimopt.report.compare import comparison_tables
from tests.conftest import INSTANCES, MODELS, TEST_SETTINGS, model, write_yaml

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022.yaml"
METTMANN = INSTANCES / "kreis-mettmann-2022.yaml"
SCENARIOS = MODELS / "scenarios-wesel.yaml"


def test_wesel_scenarios_side_by_side(test_model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "vergleich.html"
    result = runner.invoke(
        app,
        [
            "compare",
            str(WESEL),
            "-m",
            str(test_model_file),
            "--scenarios",
            str(SCENARIOS),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    names = [s["name"] for s in yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))["scenarios"]]
    assert len(names) == 4
    header = next(line for line in result.output.splitlines() if line.strip().startswith("Kennzahl "))
    for name in ["test-model", *names]:
        assert name in header
    lines = result.output.splitlines()
    kreis_share = next(line for line in lines if "Kreisanteil" in line)
    assert kreis_share.startswith("*") and "40,9 % *" in kreis_share  # 4,5 of 11 VZÄ at the Kreis
    funding = next(line for line in lines if "Förderung pro Jahr" in line)
    assert "627.000 € *" in funding  # 11 × 57.000 €
    kreis_pays = next(line for line in lines if line.lstrip("* ").startswith("Eigenanteil Kreis "))
    assert "* " in kreis_pays or kreis_pays.startswith("*")

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.diff = 0
            self.svg = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
            self.diff += tag == "td" and "diff" in (dict(attrs).get("class") or "").split()
            self.svg += tag == "svg"

    cells = Cells()
    source = out.read_text(encoding="utf-8")
    cells.feed(source)
    # every scenario gives each Kommune the same VZÄ: a sentence, not a chart of equal bars;
    # the employers differ (the Kreis keeps 4,5 VZÄ at 40 %): one chart of those only
    assert cells.diff >= 5 and cells.svg == 1
    assert "Alle Alternativen geben jeder Kommune dieselben VZÄ." in source
    assert "td.diff" in source and "http" not in source


def test_mettmann_two_models_to_markdown(tmp_path: Path) -> None:
    quota = yaml.safe_load((MODELS / "kreisquote-40.yaml").read_text(encoding="utf-8"))
    first = write_yaml(tmp_path / "standard.yaml", TEST_SETTINGS)
    second = write_yaml(tmp_path / "kreisquote-40.yaml", {**quota, **TEST_SETTINGS})
    out = tmp_path / "vergleich.md"
    result = runner.invoke(
        app,
        [
            "compare",
            str(METTMANN),
            "-m",
            str(first),
            "-m",
            str(second),
            "-o",
            str(out),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "| Figure | standard | kreisquote-40 |" in text
    assert "## Coverage VZÄ (target VZÄ) per Kommune" in text
    assert "| Ratingen |" in text and "Loosemore–Hanby index" in text


def test_differences_are_marked_against_the_first_alternative() -> None:
    inputs = load_inputs(WESEL)
    base = model()
    alternatives = [
        Alternative("a", inputs.instance, base, "a"),
        Alternative("b", inputs.instance, model(kreis_min_share="2/5"), "b"),
    ]
    plans = solve_alternatives(alternatives)
    figures = comparison_tables(plans, "de")[0]
    rows = {row[0]: (row, marked) for row, marked in zip(figures.rows, figures.emphasis, strict=True)}
    row, marked = rows["VZÄ beim Kreis"]
    assert row[1] != row[2] and marked == {2}
    row, marked = rows["VZÄ verwendet"]
    assert row[1] == row[2] and not marked


def test_an_infeasible_alternative_is_shown_not_fatal(test_model_file: Path, tmp_path: Path) -> None:
    scenarios = write_yaml(
        tmp_path / "s.yaml",
        {
            "scenarios": [
                {
                    "name": "Jede Kommune 2 VZÄ",
                    "model": {"min_coverage_vzae": 2},
                },  # 13 × 2 > 11 VZÄ
            ]
        },
    )
    result = runner.invoke(app, ["compare", str(WESEL), "-m", str(test_model_file), "--scenarios", str(scenarios)])
    assert result.exit_code == 0, result.output
    status = next(line for line in result.output.splitlines() if line.lstrip("* ").startswith("Status"))
    assert "unlösbar" in status and "optimal (bewiesen)" in status  # the short labels of INFEASIBLE, OPTIMAL
    assert "– (kein Plan)" in result.output


def test_one_alternative_is_not_a_comparison(test_model_file: Path) -> None:
    result = runner.invoke(app, ["compare", str(WESEL), "-m", str(test_model_file)])
    assert result.exit_code == 2
    assert "mindestens zwei" in result.output


@pytest.mark.parametrize(
    ("scenarios", "expected"),
    [
        (
            [{"name": "Voerde", "instance": {"kommunen": {"Vörde": {"budget": 1}}}}],
            ["Szenario 1 „Voerde“", "instance.kommunen.Vörde", "keine Kommune"],
        ),  # unknown Kommune
        (
            [
                {"name": "ok", "model": {"quota_rule": True}},
                {"name": "Quote", "model": {"kreis_min_shar": "2/5"}},
            ],
            ["Szenario 2 „Quote“", "model.kreis_min_shar", "kreis_min_share"],
        ),  # typo, with a suggestion
        (
            [
                {
                    "name": "Budget",
                    "instance": {"kommunen": {"Voerde (Niederrhein)": {"budget": -5}}},
                }
            ],
            ["Szenario 1 „Budget“", "instance.kommunen.Voerde (Niederrhein).budget", "negativ"],
        ),  # re-validated
        (
            [{"name": "Caritas", "instance": {"traeger": {"Diakonie": {"max_vzae": 2}}}}],
            ["Szenario 1 „Caritas“", "instance.traeger.Diakonie", "kein Träger"],
        ),  # unknown Träger
        ([{"name": "Nichts"}], ["Szenario 1 „Nichts“", "ändert nichts"]),  # no change at all
        (
            [{"name": "A", "model": {"seed": 1}}, {"name": "A", "model": {"seed": 2}}],
            ["Szenario 2 „A“", "mehrfach"],
        ),  # duplicate name
        (
            [{"name": "Raster", "model": {"granularity_vzae": 0.3}}],
            ["Szenario 1 „Raster“", "Granularität"],
        ),  # the instance no longer fits the model
    ],
)
def test_scenario_file_errors_name_scenario_and_field(
    test_model_file: Path, tmp_path: Path, scenarios: list[dict[str, Any]], expected: list[str]
) -> None:
    path = write_yaml(tmp_path / "scenarios.yaml", {"scenarios": scenarios})
    result = runner.invoke(app, ["compare", str(WESEL), "-m", str(test_model_file), "--scenarios", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for part in expected:
        assert part in result.output
    assert str(path) in result.output


def test_scenario_file_must_hold_a_list(test_model_file: Path, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "scenarios.yaml", {"szenarien": []})
    result = runner.invoke(app, ["compare", str(WESEL), "-m", str(test_model_file), "--scenarios", str(path)])
    assert result.exit_code == 1
    assert "szenarien" in result.output and "scenarios" in result.output
