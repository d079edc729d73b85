"""Members by year in the instance workbook (DESIGN §5): „Ab Jahr“, „Austritt ab Jahr“ and the
sheet „Änderungen“.

A Kommune or Träger joining in a later year is a row of its sheet with „Ab Jahr“; one leaving has
„Austritt ab Jahr“; a value changing in a later year is a row of „Änderungen“ (year, member, the
column of its sheet, the new value). Each bundled multi-year instance goes to a workbook and back
unchanged, a planner's workbook reads as the YAML would, and every mistake names its cell.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.data import Instance
from kimopt.errors import InputError
from kimopt.io.excel import instance_workbook
from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from tests.conftest import INSTANCES, model

runner = CliRunner()
MULTI_YEAR = sorted(p for p in INSTANCES.glob("*.yaml") if "years:" in p.read_text(encoding="utf-8"))

CHANGING: dict[str, Any] = {
    "name": "Kreis Beispiel 2022-2024",
    "kreis": {"name": "Kreis Beispiel", "cost_per_vzae": 71400, "budget": 90000},
    "funding": {"year": 2022, "positions_vzae": 4, "rate_per_vzae": 55000},
    "kommunen": [
        {"name": "Adorf", "population": 40000, "max_vzae": 1, "budget": 20000},
        {"name": "Bedorf", "population": 25000},
        {"name": "Cedorf", "population": 15000, "share_with": ["Bedorf"]},
    ],
    "traeger": [
        {"name": "Caritas", "max_vzae": 2, "serves": ["Bedorf", "Cedorf"], "cost_per_vzae": 70000},
        {"name": "Diakonie", "max_vzae": 1, "serves": ["Adorf"], "cost_per_vzae": 69000, "deficit_coverage": True},
    ],
    "years": [
        {
            "year": 2023,
            "rate_per_vzae": 57000,
            "kommunen": {"Adorf": {"max_vzae": "1.5", "budget": None}, "Bedorf": {"share_with": ["Cedorf"]}},
            "traeger": {"Caritas": {"deficit_coverage": True, "max_vzae": 3}},
            "join": [{"name": "Dedorf", "population": 12000, "max_vzae": "0.5"}],
        },
        {
            "year": 2024,
            "leave": ["Dedorf", "Diakonie"],  # as the workbook lists them: Kommunen, then Träger
            "join_traeger": [{"name": "AWO", "max_vzae": 1, "serves": ["Adorf"], "cost_per_vzae": 68000}],
            "kommunen": {"Bedorf": {"population": 25500}},
        },
    ],
}


def _workbook(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "instanz.xlsx"
    path.write_bytes(instance_workbook(Instance.model_validate(data)))
    return path


def _edit(path: Path, sheet: str, edits: dict[str, Any]) -> Path:
    """The planner's edits: cell reference → value."""
    workbook = openpyxl.load_workbook(path)
    for ref, value in edits.items():
        workbook[sheet][ref] = value
    workbook.save(path)
    return path


def _column(path: Path, sheet: str, label: str) -> str:
    header = [c.value for c in openpyxl.load_workbook(path)[sheet][1]]
    return openpyxl.utils.get_column_letter(header.index(label) + 1)


def _message(path: Path) -> str:
    """What ``kimopt validate`` tells the planner (exit 1)."""
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize("path", MULTI_YEAR, ids=lambda p: p.stem)
def test_every_bundled_multi_year_instance_goes_to_a_workbook_and_back_unchanged(tmp_path: Path, path: Path) -> None:
    instance = load_instance(path)[0]
    book = tmp_path / "instanz.xlsx"
    book.write_bytes(instance_workbook(instance))
    assert load_instance(book)[0] == instance


def test_joining_leaving_and_changed_values_go_to_the_workbook_and_back(tmp_path: Path) -> None:
    instance = Instance.model_validate(CHANGING)
    path = _workbook(tmp_path, CHANGING)
    assert load_instance(path)[0] == instance
    workbook = openpyxl.load_workbook(path)
    kommunen = {row[0]: row for row in workbook["Kommunen"].iter_rows(min_row=2, values_only=True) if row[0]}
    from_year, until_year = (
        [c.value for c in workbook["Kommunen"][1]].index(label) for label in ("Ab Jahr", "Austritt ab Jahr")
    )
    assert (kommunen["Dedorf"][from_year], kommunen["Dedorf"][until_year]) == (2023, 2024)
    assert kommunen["Adorf"][from_year] is None
    changes = list(workbook["Änderungen"].iter_rows(min_row=2, values_only=True))
    assert changes == [
        (2023, "Adorf", "Max. VZÄ", 1.5),
        (2023, "Adorf", "Budget (€)", None),
        (2023, "Bedorf", "Teilt mit", "Cedorf"),
        (2023, "Caritas", "Defizitübernahme", "ja"),
        (2023, "Caritas", "Max. VZÄ", 3),
        (2024, "Bedorf", "Einwohner", 25500),
    ]


def test_a_planners_rows_read_as_the_yaml_would(tmp_path: Path) -> None:
    """Typed as a planner types: German numbers as text, „ja“, the year as text, an alias header."""
    data = {**CHANGING, "years": [{"year": 2023}, {"year": 2024}]}
    path = _workbook(tmp_path, data)
    column = _column(path, "Kommunen", "Ab Jahr")
    _edit(path, "Kommunen", {"A5": "Dedorf", "C5": "12.000", "D5": "0,5", f"{column}5": "2023"})
    _edit(path, "Änderungen", {"A2": 2023, "B2": "Adorf", "C2": "Höchstens VZÄ", "D2": "1,5"})
    _edit(path, "Änderungen", {"A3": 2023, "B3": "Caritas", "C3": "Defizitübernahme", "D3": "ja"})
    read = load_instance(path)[0]
    assert [k.name for k in read.kommunen] == ["Adorf", "Bedorf", "Cedorf"]
    assert [k.name for k in read.years[0].join] == ["Dedorf"]
    assert read.years[0].kommunen == {"Adorf": {"max_vzae": read.kommunen[0].max_vzae * 3 / 2}}
    assert read.years[0].traeger == {"Caritas": {"deficit_coverage": True}}


def test_a_workbook_with_members_by_year_gives_the_yamls_plan(tmp_path: Path) -> None:
    yaml_path = INSTANCES / "kreis-guetersloh-2022-2023.yaml"
    instance = load_instance(yaml_path)[0]
    book = tmp_path / "guetersloh.xlsx"
    book.write_bytes(instance_workbook(instance))
    from_yaml = plan_instance(instance, model()).plan_json
    from_book = plan_instance(load_instance(book)[0], model()).plan_json
    assert from_yaml is not None and from_book is not None
    assert from_book["years"] == from_yaml["years"]


def test_a_year_that_is_not_on_the_sheet_jahre_names_its_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, CHANGING)
    column = _column(path, "Kommunen", "Ab Jahr")
    _edit(path, "Kommunen", {f"{column}3": 2025})
    message = _message(path)
    assert f"Kommunen!{column}3" in message
    assert "„2025“ ist kein späteres Förderjahr des Blatts „Jahre“" in message
    assert "2023, 2024" in message


def test_leaving_before_joining_is_refused_with_its_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, CHANGING)
    column = _column(path, "Kommunen", "Austritt ab Jahr")
    _edit(path, "Kommunen", {f"{column}5": 2023})  # Dedorf joins in 2023
    message = _message(path)
    assert f"Kommunen!{column}5" in message
    assert "Austritt ab 2023 liegt nicht nach dem Beitritt ab 2023" in message


def test_a_change_of_an_unknown_member_or_column_or_twice_names_its_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, CHANGING)
    _edit(path, "Änderungen", {"B2": "Xdorf", "C3": "Budgett (€)"})
    _edit(path, "Änderungen", {"A8": 2023, "B8": "Caritas", "C8": "Max. VZÄ", "D8": 2})  # row 6 again
    message = _message(path)
    assert "Änderungen!B2" in message and "„Xdorf“ ist keine Kommune und kein Träger" in message
    assert "Änderungen!C3" in message and "„Budgett (€)“ ist keine Spalte des Blatts Kommunen" in message
    assert "meinten Sie „Budget (€)“" in message
    assert "Änderungen!D8" in message and "steht schon in Änderungen!D6" in message


def test_a_name_cannot_change_in_a_later_year(tmp_path: Path) -> None:
    path = _workbook(tmp_path, CHANGING)
    _edit(path, "Änderungen", {"C2": "AGS"})
    assert "„AGS“ ist keine Spalte des Blatts Kommunen, die sich in einem Jahr ändern kann" in _message(path)


def test_a_wrong_value_in_a_change_or_a_joining_row_names_its_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, CHANGING)
    _edit(path, "Änderungen", {"D2": "viel"})  # Adorf's Max. VZÄ in 2023
    _edit(path, "Kommunen", {"C5": -5})  # Dedorf, joining in 2023: its population
    message = _message(path)
    assert "Änderungen!D2" in message
    assert "Kommunen!C5" in message


def test_convert_writes_and_reads_members_by_year(tmp_path: Path) -> None:
    book, back = tmp_path / "coesfeld.xlsx", tmp_path / "coesfeld.yaml"
    source = INSTANCES / "kreis-coesfeld-2022-2023.yaml"
    assert runner.invoke(app, ["convert", str(source), "-o", str(book)]).exit_code == 0
    assert runner.invoke(app, ["convert", str(book), "-o", str(back)]).exit_code == 0
    assert load_instance(back)[0] == load_instance(source)[0]


def test_joining_twice_cannot_be_written_and_says_so() -> None:
    twice = {
        **CHANGING,
        "years": [
            {"year": 2023, "leave": ["Bedorf"]},
            {"year": 2024, "join": [{"name": "Bedorf", "population": 25000}]},
        ],
    }
    with pytest.raises(InputError) as caught:
        instance_workbook(Instance.model_validate(twice))
    message = caught.value.render("de")
    assert "„Bedorf“ tritt mehr als einmal bei" in message
    assert "Jahr 2 „2024“, Feld „join[1]“" in message  # the year it joins again


def test_the_template_shows_the_new_columns_and_sheet() -> None:
    from kimopt.io.excel import template_workbook

    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    assert "Änderungen" in workbook.sheetnames
    assert {"Ab Jahr", "Austritt ab Jahr"} <= {c.value for c in workbook["Träger"][1]}
    assert [c.value for c in workbook["Änderungen"][1]] == ["Jahr", "Kommune oder Träger", "Spalte", "Neuer Wert"]
