"""Hostile inputs, faults and interruptions: each ends with a clear message and exit code.

Regression tests for the attacks of issue 11 that did not hold: numbers that would take
minutes to build, plans edited by hand with absurd figures, and the like. Broken instance
files themselves are in the catalogue ``tests/data/broken/`` (``tests/test_bad_input.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import DATA, TEST_SETTINGS, write_yaml

runner = CliRunner()
TINY = DATA / "valid_tiny.yaml"
SMALL_GV100 = DATA / "gv100" / "GV100AD_test.ASC"


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The tiny instance, its test model and its plan."""
    folder = tmp_path_factory.mktemp("solved")
    model_file = write_yaml(folder / "model.yaml", TEST_SETTINGS)
    plan_file = folder / "plan.json"
    result = runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan_file), "-q", "--no-binding"])
    assert result.exit_code == 0, result.output
    return model_file, plan_file, json.loads(plan_file.read_text(encoding="utf-8"))


def _edited(plan: dict, tmp_path: Path, raw: str | None = None, **changes: object) -> Path:
    edited = json.loads(json.dumps(plan))
    for path, value in changes.items():
        section, key = path.split("__")
        target = edited[section][0] if isinstance(edited[section], list) else edited[section]
        target[key] = value
    out = tmp_path / "edited.json"
    text = json.dumps(edited)
    if raw is not None:  # a number JSON can hold but Python's dumps cannot write
        text = text.replace('"vzae": ', f'"vzae": {raw}, "was": ', 1)
    out.write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e30, "ist zu groß (höchstens 100000)"),
        ("1e99999999", "ist keine Zahl"),
        ("viel", "ist keine Zahl"),
    ],
)
def test_check_plan_with_absurd_vzae(
    value: object, expected: str, solved: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    model_file, _, plan = solved
    edited = _edited(plan, tmp_path, links__vzae=value)
    result = runner.invoke(app, ["check", str(TINY), str(edited), "-m", str(model_file)])
    assert result.exit_code == 5, result.output
    assert f"plan (links[1]): VZÄ {value!r} {expected}" in result.output


def test_check_plan_with_huge_exponent_written_in_json(solved: tuple[Path, Path, dict], tmp_path: Path) -> None:
    model_file, _, plan = solved
    edited = _edited(plan, tmp_path, raw="1e99999999")
    result = runner.invoke(app, ["check", str(TINY), str(edited), "-m", str(model_file)])
    assert result.exit_code == 5, result.output
    assert "1e99999999" in result.output


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("summary__positions_used", "viel", "Feld „summary.positions_used“: „viel“ ist keine Zahl"),
        ("summary__positions_used", 1e308, "Feld „summary.positions_used“: „1e+308“: Zahl mit zu vielen Stellen"),
        ("kommunen__coverage_vzae", 1e30, "„coverage_vzae“: „1e+30“ ist zu groß"),
        ("links__vzae", "viel", "Verbindung 1, Feld „vzae“: „viel“ ist keine Zahl"),
        ("summary__eigenanteil_eur", {"kreis": "teuer"}, "Feld „summary.eigenanteil_eur.kreis“: „teuer“"),
    ],
)
def test_report_of_hand_edited_plan(
    field: str, value: object, expected: str, solved: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, _, plan = solved
    edited = _edited(plan, tmp_path, **{field: value})
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(edited), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Interner Fehler" not in result.output
    assert not out.exists()


def test_report_of_valid_plan_still_works(solved: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, plan_file, _ = solved
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", str(plan_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize(
    ("wish", "expected"),
    [
        ("Adorf=1e99999999", "ist keine VZÄ-Zahl"),
        ("Adorf=1e90", "zu groß"),
    ],
)
def test_want_with_absurd_number(wish: str, expected: str, solved: tuple[Path, Path, dict]) -> None:
    model_file, _, _ = solved
    result = runner.invoke(app, ["explain", str(TINY), "-m", str(model_file), "--want", wish])
    assert result.exit_code in (1, 2), result.output
    assert expected in result.output


@pytest.mark.parametrize(("positions", "expected"), [("1e99999999", "keine positive Zahl"), ("1e90", "zu groß")])
def test_import_positions_with_absurd_number(positions: str, expected: str, tmp_path: Path) -> None:
    out = tmp_path / "kreis.yaml"
    result = runner.invoke(
        app, ["import", "gv100", str(SMALL_GV100), "--kreis", "98102", "--positions", positions, "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not out.exists()


def test_excel_text_with_huge_exponent(tmp_path: Path) -> None:
    workbook_file = tmp_path / "kreis.xlsx"
    assert runner.invoke(app, ["convert", str(TINY), "-o", str(workbook_file)]).exit_code == 0
    workbook = openpyxl.load_workbook(workbook_file)
    sheet = workbook["Kommunen"]
    column = next(c.column for c in sheet[1] if str(c.value).startswith("Einwohner"))
    sheet.cell(row=2, column=column, value="1e99999999")
    workbook.save(workbook_file)
    result = runner.invoke(app, ["validate", str(workbook_file)])
    assert result.exit_code == 1, result.output
    assert "1e99999999" in result.output and "zu vielen Stellen" in result.output


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yaml", "name: x\nkommunen: [" + ", ".join(["1"] * 200_001) + "]\n"),
        (".json", '{"name": "x", "kommunen": [' + ", ".join(["1"] * 200_001) + "]}"),
    ],
)
def test_documents_with_too_many_nodes_are_refused_early(suffix: str, text: str, tmp_path: Path) -> None:
    # 200,001 list entries: PyYAML would hold ~700 bytes per node; the file is refused before composing
    path = tmp_path / f"many{suffix}"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "zu viele Einträge (mehr als 200000" in result.output


def test_fifo_as_input_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "kreis.yaml"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["validate", str(fifo)])
    assert result.exit_code == 1, result.output
    assert "keine gewöhnliche Datei" in result.output
