"""The plan workbook: reopened with openpyxl and checked sheet by sheet.

Plans come from the 3-Kommune instance of ``conftest.tiny`` (targets 1.0, 0.5, 1.5 VZÄ),
with names a spreadsheet could mistake for formulas.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kimopt.pipeline import plan_instance
from kimopt.report.xlsx import plan_workbook, write_plan_workbook
from tests.conftest import INSTANCES, instance, model, tiny

FORMULA_NAMES = {
    "Adorf": '=HYPERLINK("http://example.org/x","Adorf")',
    "Bedorf": "+Bedorf",
    "Cedorf": "-2+3",
}


def solved(data: dict[str, Any], **settings: Any) -> dict[str, Any]:
    plan = plan_instance(instance(data), model(**settings)).plan_json
    assert plan is not None
    return plan


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    """Tiny with Adorf as a host sharing with Bedorf, and a Träger with deficit coverage."""
    data = tiny()
    data["kommunen"][0].update(max_vzae=1, budget=16400, share_with=["Bedorf"])
    data["traeger"] = [
        {
            "name": "@Caritas",
            "max_vzae": 1,
            "serves": ["Bedorf", "Cedorf"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
        }
    ]
    return solved(data)


@pytest.fixture(scope="module")
def injected() -> dict[str, Any]:
    """Tiny with every Kommune named like a formula."""
    data = tiny()
    for kommune in data["kommunen"]:
        kommune["name"] = FORMULA_NAMES[kommune["name"]]
    data["name"] = "=1+1"
    return solved(data)


def reopen(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def header(sheet: Any, row: int = 1) -> list[Any]:
    return [cell.value for cell in sheet[row] if cell.value is not None]


def test_sheets_and_headers(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path)
    workbook = reopen(path)
    assert workbook.sheetnames == ["Übersicht", "Kommunen", "Zuordnung", "Finanzen"]
    assert header(workbook["Kommunen"]) == [
        "Kommune",
        "AGS",
        "Einwohner",
        "Schlüsselanteil",
        "Soll-VZÄ",
        "Ist-VZÄ",
        "Abweichung (VZÄ)",
        "Versorgt durch",
    ]
    assert header(workbook["Zuordnung"]) == ["Anstellungsträger", "Art", "Kommune", "VZÄ", "fest", "Geteilte Stelle"]
    assert header(workbook["Finanzen"])[:3] == ["Anstellungsträger", "Art", "VZÄ"]
    overview = workbook["Übersicht"]
    assert overview["A1"].value == "KIM-Verteilungsplan: Kreis Klein"
    assert overview["A1"].font.bold
    rows = overview.iter_rows(min_row=4, max_row=24, values_only=True)
    figures = {row[0]: row[1] for row in rows}
    assert figures["Stellen verwendet"] == 3
    assert figures["Status"] == "optimal (bewiesen)"  # one status in words, not the identifier too
    assert figures["Förderung pro Jahr"] == plan["summary"]["funding_eur"]


def test_figures_match_the_plan(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path)
    workbook = reopen(path)
    kommunen = list(workbook["Kommunen"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in kommunen] == ["Adorf", "Bedorf", "Cedorf", "Summe"]
    assert [row[5] for row in kommunen[:3]] == [k["coverage_vzae"] for k in plan["kommunen"]]
    assert kommunen[3][2] == 60000  # 20,000 + 10,000 + 30,000 inhabitants
    assert kommunen[3][5] == 3  # 3 VZÄ in all
    links = [row for row in workbook["Zuordnung"].iter_rows(min_row=2, values_only=True) if row[3]]
    assert len(links) == len(plan["links"])  # no total row: planners edit this sheet
    assert sum(row[3] for row in links) == pytest.approx(3)
    finance = list(workbook["Finanzen"].iter_rows(values_only=True))
    payer_head = next(i for i, row in enumerate(finance) if row[0] == "Zahler")
    payers = finance[payer_head + 1 :]
    assert payers[-1][0] == "Summe"
    own = plan["summary"]["eigenanteil_eur"]
    assert payers[-1][2] == own["total"] + own["traeger"]
    assert payers[0][3] == "unbegrenzt"  # the Kreis has no budget


def test_number_formats_header_style_autofilter_frozen_header(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path)
    workbook = reopen(path)
    kommunen = workbook["Kommunen"]
    assert kommunen["F2"].number_format == "0.0"  # Ist-VZÄ, one decimal
    assert kommunen["E2"].number_format == "0.000"  # Soll-VZÄ
    assert kommunen["C2"].number_format == "#,##0"  # Einwohner
    assert kommunen["D2"].number_format == "0.00%"
    assert kommunen["A1"].font.bold and kommunen["H1"].font.bold
    assert kommunen.auto_filter.ref == "A1:H4"
    assert kommunen.freeze_panes == "B2"
    finanzen = workbook["Finanzen"]
    assert finanzen["G2"].number_format == '#,##0 "€"'  # Kosten je VZÄ
    assert finanzen["C2"].number_format == "0.0"
    assert finanzen.auto_filter.ref is not None and finanzen.freeze_panes == "B2"
    zuordnung = workbook["Zuordnung"]
    assert zuordnung["D2"].number_format == "0.0"
    assert zuordnung.auto_filter.ref.startswith("A1:F")
    overview = workbook["Übersicht"]
    euros = next(row for row in overview.iter_rows(min_row=4) if row[0].value == "Förderung pro Jahr")
    assert euros[1].number_format == '#,##0 "€"'
    assert all(column.width and column.width >= 6 for column in kommunen.column_dimensions.values())


def test_names_that_look_like_formulas_stay_text(injected: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(injected, path, comparison=[{**injected, "alternative": "=SUM(A1:A9)"}])
    workbook = reopen(path)
    names = [row[0] for row in workbook["Kommunen"].iter_rows(min_row=2, max_row=4)]
    assert [cell.value for cell in names] == list(FORMULA_NAMES.values())
    for cell in names:
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    assert workbook["Übersicht"]["A1"].value == "KIM-Verteilungsplan: =1+1"
    assert workbook["Vergleich"]["C1"].value == "=SUM(A1:A9)"
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 5
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name


def test_comparison_sheet(plan: dict[str, Any], tmp_path: Path) -> None:
    other = solved(tiny(), kreis_min_share="1/2")
    path = tmp_path / "vergleich.xlsx"
    write_plan_workbook(
        plan, path, comparison=[{**plan, "alternative": "A: Standard"}, {**other, "alternative": "B: Kreis die Hälfte"}]
    )
    workbook = reopen(path)
    assert workbook.sheetnames[-1] == "Vergleich"
    sheet = workbook["Vergleich"]
    assert header(sheet) == ["Kennzahl", "Einheit", "A: Standard", "B: Kreis die Hälfte"]
    rows = {row[0]: row[2:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Stellen verwendet"] == (3, 3)
    kreis = (plan["summary"]["kreis_vzae"], other["summary"]["kreis_vzae"])
    assert rows["davon beim Kreis"] == kreis
    assert rows["Ist-VZÄ Adorf"][1] == other["kommunen"][0]["coverage_vzae"]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref is not None


def test_english_labels(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path, lang="en", comparison=[{**plan, "alternative": "A"}])
    workbook = reopen(path)
    assert workbook.sheetnames == ["Overview", "Kommunen", "Assignment", "Finance", "Comparison"]
    assert header(workbook["Kommunen"])[2] == "Population"
    assert workbook["Overview"]["A1"].value == "KIM allocation plan: Kreis Klein"


def test_same_plan_same_bytes_and_a_plan_read_by_the_one_plan_reader(plan: dict[str, Any]) -> None:
    from kimopt.errors import InputError
    from kimopt.io.plan_file import as_plan_file

    assert plan_workbook(plan) == plan_workbook(plan) == plan_workbook(as_plan_file(plan))
    # a hand-edited plan missing a section is refused with its place, as `kimopt report` refuses it
    with pytest.raises(InputError, match="'kommunen'"):
        plan_workbook({key: value for key, value in plan.items() if key != "kommunen"})
    # an alternative without a plan: its column is there, with its status and empty figures
    book = openpyxl.load_workbook(
        io.BytesIO(
            plan_workbook(plan, comparison=[{**plan, "alternative": "A"}, {"alternative": "B", "status": "infeasible"}])
        )
    )
    rows = {row[0]: row[2:] for row in book["Vergleich"].iter_rows(min_row=2, values_only=True)}
    assert header(book["Vergleich"])[2:] == ["A", "B"]
    assert rows["Status"] == ("OPTIMAL", "infeasible")
    assert rows["Stellen verwendet"][0] == plan["summary"]["positions_used"] and rows["Stellen verwendet"][1] is None


def test_real_instance_plan_from_file(tmp_path: Path) -> None:
    """A plan written by ``kimopt solve -o`` (JSON on disk) goes straight into the workbook."""
    from kimopt.load import load_instance
    from kimopt.plan import dumps

    wesel, _ = load_instance(INSTANCES / "kreis-wesel-2022.yaml")
    outcome = plan_instance(wesel, model())
    assert outcome.plan_json is not None
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(dumps(outcome.plan_json), encoding="utf-8")
    target = tmp_path / "plan.xlsx"
    write_plan_workbook(json.loads(plan_file.read_text(encoding="utf-8")), target)
    sheet = reopen(target)["Kommunen"]
    voerde = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "Voerde (Niederrhein)")
    assert voerde[1] == "05170044"
    assert sheet["B2"].number_format == "@"  # the AGS keeps its leading zero when edited
    assert voerde[2] == 36047
    assert voerde[4] == pytest.approx(11 * 36047 / 460113, abs=1e-6)  # "about one VZÄ": 0.862
    assert not list(tmp_path.glob(".plan.xlsx.*"))  # no temporary file left behind


def test_no_euro_sign_twice(plan: dict[str, Any], tmp_path: Path) -> None:
    """A euro figure carries its „€“ in the number format, so the unit column stays empty."""
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path, comparison=[{**plan, "alternative": "A"}, {**plan, "alternative": "B"}])
    workbook = reopen(path)
    for sheet in (workbook["Übersicht"], workbook["Vergleich"]):
        for row in sheet.iter_rows():
            euro_cells = [c for c in row if "€" in str(c.number_format)]
            if euro_cells:
                assert "€" not in [str(c.value) for c in row], [c.value for c in row]


def test_comparison_workbook_marks_differences_and_opens_on_it(plan: dict[str, Any], tmp_path: Path) -> None:
    other = solved(tiny(), kreis_min_share="1/2")
    path = tmp_path / "vergleich.xlsx"
    write_plan_workbook(plan, path, comparison=[{**plan, "alternative": "A"}, {**other, "alternative": "B"}])
    workbook = reopen(path)
    assert workbook.active.title == "Vergleich"
    assert [ws.sheet_view.tabSelected for ws in workbook.worksheets].count(True) == 1
    sheet = workbook["Vergleich"]
    marked = {row[0].value: row[3].fill.fgColor.rgb for row in sheet.iter_rows(min_row=2) if row[3].value is not None}
    rows = {row[0]: row[2:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["davon beim Kreis"][0] != rows["davon beim Kreis"][1]
    assert marked["davon beim Kreis"].endswith("FFF1B8")  # different: marked as in the HTML
    assert not str(marked["Stellen verwendet"]).endswith("FFF1B8")  # the same: not marked


def test_comparison_workbook_has_each_kommunes_eigenanteil(tmp_path: Path) -> None:
    from kimopt.load import load_instance

    wesel, _ = load_instance(INSTANCES / "kreis-wesel-2022.yaml")
    base = plan_instance(wesel, model()).plan_json
    covered = plan_instance(wesel, model(kreis_covers_kommunen=True)).plan_json
    assert base is not None and covered is not None
    path = tmp_path / "vergleich.xlsx"
    write_plan_workbook(
        base, path, comparison=[{**base, "alternative": "Standard"}, {**covered, "alternative": "Kreis trägt alles"}]
    )
    rows = {row[0]: row[2:] for row in reopen(path)["Vergleich"].iter_rows(min_row=2, values_only=True)}
    paying = [p for p in base["finance"]["eigenanteil"] if p["payer_type"] == "kommune"]
    assert paying
    for payment in paying:  # the Kommune pays in the standard plan, nothing when the Kreis covers it
        assert rows[f"Eigenanteil {payment['payer']}"] == (payment["eur"], 0)


def test_every_sheet_prints_one_page_wide_with_its_header(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan_workbook(plan, path, comparison=[{**plan, "alternative": "A"}])
    for sheet in reopen(path).worksheets:
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows, sheet.title
