"""Plans through Excel: the sheet „Zuordnung“ is checked like a JSON plan and fixes rows for solve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022.yaml"
METTMANN = INSTANCES / "kreis-mettmann-2022.yaml"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kreis Wesel's optimal plan as the workbook a planner gets from ``solve --report``."""
    folder = tmp_path_factory.mktemp("plan")
    model = folder / "model.yaml"
    model.write_text("workers: 2\n", encoding="utf-8")
    result = runner.invoke(
        app, ["solve", str(WESEL), "-m", str(model), "-q", "--no-binding", "--report", str(folder / "plan.xlsx")]
    )
    assert result.exit_code == 0, result.output
    return folder / "plan.xlsx"


def rows(path: Path) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)["Zuordnung"].iter_rows(values_only=True))


def edited(source: Path, target: Path, cells: dict[str, Any]) -> Path:
    book = openpyxl.load_workbook(source)
    for ref, value in cells.items():
        book["Zuordnung"][ref] = value
    book.save(target)
    return target


def row_of(path: Path, host: str, kommune: str) -> int:
    return next(n for n, r in enumerate(rows(path), start=1) if r[0] == host and r[2] == kommune)


def test_sheet_has_one_row_per_link(workbook: Path) -> None:
    table = rows(workbook)
    assert table[0][:5] == ("Anstellungsträger", "Art", "Kommune", "VZÄ", "fest")
    links = [r for r in table[1:] if isinstance(r[3], (int, float))]
    assert {r[1] for r in links} == {"Kreis", "Kommune", "Träger"}
    assert sum(r[3] for r in links) == pytest.approx(11)  # every fundable VZÄ of Kreis Wesel
    assert all(r[4] == "nein" for r in links)


def test_check_accepts_the_workbook_as_written(workbook: Path) -> None:
    result = runner.invoke(app, ["check", str(WESEL), str(workbook)])
    assert result.exit_code == 0, result.output
    assert "gültig" in result.output


def test_check_names_the_cell_of_each_broken_rule(workbook: Path, tmp_path: Path) -> None:
    n = row_of(workbook, "Caritasverband Dinslaken und Wesel", "Voerde (Niederrhein)")
    path = edited(workbook, tmp_path / "edited.xlsx", {f"D{n}": "2,5"})  # typed with a comma
    result = runner.invoke(app, ["check", str(WESEL), str(path)])
    assert result.exit_code == 5, result.output
    capacity = next(line for line in result.output.splitlines() if line.strip().startswith("Trägergebiet"))
    assert "2,6 VZÄ > Kapazität 1 VZÄ" in capacity and f"D{n}" in capacity and "[Zuordnung!D" in capacity
    assert "Förderobergrenze" in result.output and "12,6 VZÄ" in result.output  # one number format


def test_check_says_when_the_plan_belongs_to_another_instance(workbook: Path) -> None:
    result = runner.invoke(app, ["check", str(METTMANN), str(workbook)])
    assert result.exit_code == 1
    assert "gehört zur Instanz „Kreis Wesel 2022“, nicht zu „Kreis Mettmann 2022“" in result.output
    assert "unbekannte Kommune" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bad_type_cell_is_named(workbook: Path, tmp_path: Path) -> None:
    path = edited(workbook, tmp_path / "bad.xlsx", {"B2": "Verein"})
    result = runner.invoke(app, ["check", str(WESEL), str(path)])
    assert result.exit_code == 1
    assert "Zuordnung!B2 (Art)" in result.output and "Kreis, Kommune, Träger" in result.output


def test_an_instance_workbook_is_no_plan(tmp_path: Path) -> None:
    template = tmp_path / "vorlage.xlsx"
    assert runner.invoke(app, ["template", "-o", str(template)]).exit_code == 0
    result = runner.invoke(app, ["check", str(WESEL), str(template)])
    assert result.exit_code == 1
    assert "kein Blatt „Zuordnung“" in result.output


def test_solve_fix_keeps_the_fixed_rows(workbook: Path, tmp_path: Path) -> None:
    n = row_of(workbook, "Kreis Wesel", "Alpen")
    path = edited(workbook, tmp_path / "fest.xlsx", {f"D{n}": 1.0, f"E{n}": "ja"})
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["solve", str(WESEL), "--fix", str(path), "-q", "-o", str(out), "--report", str(tmp_path / "neu.xlsx")]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text(encoding="utf-8"))
    alpen = [link for link in plan["links"] if link["host"] == "Kreis Wesel" and link["kommune"] == "Alpen"]
    assert [link["vzae"] for link in alpen] == [1.0]
    assert plan["fixed_links"] == [{"host": "Kreis Wesel", "host_type": "kreis", "kommune": "Alpen", "vzae": 1.0}]
    assert plan["summary"]["positions_used"] == 11.0  # the rest is still optimised
    # the new workbook keeps the row fixed and passes the check
    again = rows(tmp_path / "neu.xlsx")[row_of(tmp_path / "neu.xlsx", "Kreis Wesel", "Alpen") - 1]
    assert again[:5] == ("Kreis Wesel", "Kreis", "Alpen", 1, "ja")
    assert runner.invoke(app, ["check", str(WESEL), str(tmp_path / "neu.xlsx")]).exit_code == 0


def test_solve_fix_explains_rows_that_cannot_be_completed(workbook: Path, tmp_path: Path) -> None:
    # Dinslaken employs 0.3 VZÄ for itself and is fixed not to serve Hünxe: 0.3 is below the
    # minimum host size 0.5 and no other row can add to Dinslaken's positions.
    book = openpyxl.load_workbook(workbook)
    sheet = book["Zuordnung"]
    n = row_of(workbook, "Dinslaken", "Dinslaken")
    sheet[f"D{n}"], sheet[f"E{n}"] = 0.3, "ja"
    sheet.append(["Dinslaken", "Kommune", "Hünxe", 0, "ja"])
    added = sheet.max_row
    sheet[f"E{row_of(workbook, 'Kreis Wesel', 'Alpen')}"] = "ja"  # possible: not part of the conflict
    book.save(tmp_path / "unmoeglich.xlsx")
    result = runner.invoke(app, ["solve", str(WESEL), "--fix", str(tmp_path / "unmoeglich.xlsx"), "-q"])
    assert result.exit_code == 3, result.output
    assert f"Zuordnung!D{n} (Dinslaken → Dinslaken 0,3 VZÄ)" in result.output
    assert f"Zuordnung!D{added} (Dinslaken → Hünxe 0,0 VZÄ)" in result.output
    assert "Alpen" not in result.output


def test_solve_fix_refuses_rows_that_break_a_rule_alone(workbook: Path, tmp_path: Path) -> None:
    n = row_of(workbook, "Caritasverband Dinslaken und Wesel", "Voerde (Niederrhein)")
    path = edited(workbook, tmp_path / "zu-viel.xlsx", {f"D{n}": 2.0, f"E{n}": "ja"})
    result = runner.invoke(app, ["solve", str(WESEL), "--fix", str(path), "-q"])
    assert result.exit_code == 3
    assert "Trägergebiet" in result.output and f"[Zuordnung!D{n}]" in result.output
