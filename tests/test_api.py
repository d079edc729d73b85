"""The Python API for notebooks: load, solve, the plan as DataFrames, a batch summary as a DataFrame."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import kimopt
from kimopt.analysis.batch import Row, YearFigures, summary_frame
from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.plan_horizon import HorizonPlan
from tests.conftest import ROOT, TEST_SETTINGS, instance, model, tiny, write_yaml


@pytest.fixture(scope="module")
def plan() -> HorizonPlan:
    """The optimal plan of the 3-Kommune instance (3 VZÄ; targets 1.0, 0.5, 1.5)."""
    return kimopt.solve(instance(tiny()), model())


def test_solve_gives_the_same_plan_as_the_pipeline(plan) -> None:
    from kimopt.pipeline import plan_instance

    outcome = plan_instance(instance(tiny()), model())
    assert outcome.plan_json is not None
    same = {key: value for key, value in plan.to_json().items() if key != "solver"}  # solver: times
    assert same == {key: value for key, value in outcome.plan_json.items() if key != "solver"}
    assert plan.status == "OPTIMAL"


def test_plan_frames_have_one_row_per_kommune_host_and_link(plan) -> None:
    frames = plan.to_frames()
    assert set(frames) == {"kommunen", "hosts", "links"}
    kommunen = frames["kommunen"].set_index("name")
    assert list(kommunen.index) == ["Adorf", "Bedorf", "Cedorf"]
    # targets: 3 VZÄ × 20/60, × 10/60, × 30/60
    assert kommunen["target_vzae"].tolist() == [1.0, 0.5, 1.5]
    assert kommunen["coverage_vzae"].sum() == pytest.approx(3.0)  # every fundable VZÄ used
    assert "served_by" not in kommunen.columns
    assert frames["hosts"]["vzae"].sum() == pytest.approx(3.0)
    links = frames["links"]
    assert list(links.columns) == ["year", "host", "host_type", "kommune", "vzae"]
    assert set(links["year"]) == {2022}
    assert links.groupby("kommune")["vzae"].sum().to_dict() == kommunen["coverage_vzae"].to_dict()


def test_solve_reads_files_and_names_the_model_by_its_file(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "klein.yaml", tiny())
    model_path = write_yaml(tmp_path / "quote.yaml", {**TEST_SETTINGS, "quota_rule": True})
    plan = kimopt.solve(path, model_path)
    assert plan.model_name == "quote"
    assert kimopt.load_instance(path) == instance(tiny())


def test_instance_off_the_models_grid_is_an_input_error() -> None:
    # 3 fundable VZÄ are no multiple of a granularity of 2 VZÄ
    with pytest.raises(InputError, match=r"positions_vzae.* not a multiple of the granularity 2 VZÄ"):
        kimopt.solve(instance(tiny()), model(granularity_vzae=2, host_step_vzae=2, min_host_vzae=2))


def test_no_plan_is_an_exception_with_the_status() -> None:
    # every Kommune needs 1.5 VZÄ but only 3 are fundable: 3 × 1.5 = 4.5 > 3
    with pytest.raises(kimopt.NoPlan) as none:
        kimopt.solve(instance(tiny()), model(min_coverage_vzae="1.5"))
    assert none.value.status == "INFEASIBLE"


def test_batch_summary_as_a_dataframe(tmp_path: Path) -> None:
    folder = tmp_path / "runde"
    folder.mkdir()
    write_yaml(folder / "klein.yaml", tiny())
    write_yaml(folder / "kaputt.yaml", {"name": "kaputt"})
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(folder), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.output  # one broken instance
    frame = kimopt.batch_summary(out)
    assert frame["status"].tolist() == ["INPUT_ERROR", "OPTIMAL"]  # sorted by file name
    assert frame.loc[1, "positions_used"] == 3.0
    assert frame.loc[1, "error"] == "" and frame.loc[0, "error"] != ""
    rows = [
        Row(file="a.yaml", status="OPTIMAL", years=[YearFigures(2022, "OPTIMAL", positions_used=3.0)]),
        Row(file="b.yaml", status="TIMEOUT"),
    ]
    assert summary_frame(rows)["status"].tolist() == ["OPTIMAL", "TIMEOUT"]
    assert isinstance(summary_frame([]), pd.DataFrame) and list(summary_frame([]).columns) == list(frame.columns)


def test_readme_notebook_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S)
    assert example is not None
    run = subprocess.run(
        [sys.executable, "-c", example.group(1)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "Voerde (Niederrhein)" in run.stdout


def test_a_multi_year_plan_has_every_year_in_the_api() -> None:
    # Mettmann 2022–2023: the same 16 VZÄ both years; 2023's costs rise 3 %, so 2023's own share
    # is 7 new VZÄ × (16,400 × 1.03 rounded: 73,542 − 57,000 = 16,542 €) = 115,794 €
    plan = kimopt.solve(ROOT / "instances" / "kreis-mettmann-2022-2023.yaml", model())
    assert [year.year for year in plan.years] == [2022, 2023]
    assert [year.plan.used for year in plan.years] == [16, 16]
    assert plan.years[1].plan.eigenanteil == 115794
    assert plan.used == 16  # the first year's figures, as for one year
    frames = plan.to_frames()
    assert frames["hosts"].groupby("year")["vzae"].sum().to_dict() == {2022: 16.0, 2023: 16.0}
    assert plan.to_json()["years"][1]["year"] == 2023


def test_no_plan_in_a_later_year_names_the_year() -> None:
    # 2023: neither the Kreis nor Adorf may pay, and Adorf must be reached (0.5 VZÄ)
    data = {
        "name": "Kreis Eins",
        "kreis": {"name": "Kreis Eins", "cost_per_vzae": 71400},
        "funding": {"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        "kommunen": [{"name": "Adorf", "population": 100, "max_vzae": 1}],
        "years": [{"year": 2023, "budgets": {"Kreis Eins": 0, "Adorf": 0}}],
    }
    with pytest.raises(kimopt.NoPlan, match="Kreis Eins, 2023: no plan") as none:
        kimopt.solve(instance(data), model(kreis_min_share="0", min_coverage_vzae="0.5"))
    assert none.value.year == "2023"
