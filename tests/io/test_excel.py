"""Instance workbooks: round trips, German number formats, malformed cells, the template.

The workbooks here are written with openpyxl the way a planner would have typed them: numbers
as text in German notation (``36.047``, ``0,5``, ``55.000 €``), ``ja``/``nein``, lists with
``;``. Broken files that openpyxl cannot make live in ``tests/data/excel`` (named after their
defect).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.data import Instance
from kimopt.io.excel import (
    KOMMUNE_FIELDS,
    TRAEGER_FIELDS,
    cell_value,
    example_instance,
    float_value,
    instance_workbook,
    parse_number,
    read_workbook,
    template_workbook,
)
from kimopt.load import load_instance
from kimopt.pipeline import plan_instance
from tests.conftest import DATA, INSTANCES, model, write_yaml

FREE = openpyxl.utils.get_column_letter(len(KOMMUNE_FIELDS) + 1)  # the first column after the contract's
FREE2 = openpyxl.utils.get_column_letter(len(KOMMUNE_FIELDS) + 2)  # and the one after it

runner = CliRunner()
EXCEL = DATA / "excel"
WESEL = INSTANCES / "kreis-wesel-2022.yaml"

# An instance that uses every field and the awkward values: fractions that are no finite
# decimal, names that look like formulas or numbers, AGS with leading zeros, a partner named
# by its AGS, indicators on some Kommunen only, an unlimited Kreis budget.
TRICKY: dict[str, Any] = {
    "name": '=Kreis "Test" 2022',
    "kreis": {"name": "Kreis Test", "ags": "01001", "cost_per_vzae": 71400, "budget": None, "existing_vzae": "1/3"},
    "funding": {"year": 2022, "positions_vzae": "7/2", "rate_per_vzae": 55000},
    "kommunen": [
        {
            "name": '=HYPERLINK("http://example.org","klick")',
            "ags": "01001001",
            "population": 20000,
            "max_vzae": "0.25",
            "cost_per_vzae": 70000,
            "budget": 0,
            "share_with": ["01001002"],
            "existing_vzae": "1/3",
            "auslaenderbehoerde": True,
            "indicators": {"refugees": 410, "quote": "0.1"},
        },
        {"name": "0815", "ags": "01001002", "population": 10000, "indicators": {"refugees": "1/7"}},
        {"name": "-Minusdorf", "population": 987654321},
        {"name": "+Plusdorf", "population": 0, "budget": 12345, "max_vzae": "0.1"},
    ],
    "traeger": [
        {
            "name": "@Caritas",
            "max_vzae": "2/3",
            "serves": ["0815", "-Minusdorf"],
            "cost_per_vzae": 71400,
            "deficit_coverage": True,
            "existing_vzae": "0.5",
        },
        {"name": "AWO", "max_vzae": 1, "serves": ["+Plusdorf"], "cost_per_vzae": 0},
    ],
}


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def convert(source: Path, target: Path) -> Path:
    result = invoke("convert", str(source), "-o", str(target))
    assert result.exit_code == 0, result.output
    return target


def sheet_xml(path: Path, title: str) -> str:
    """The raw XML of the sheet called ``title``."""
    workbook = openpyxl.load_workbook(path)
    index = workbook.sheetnames.index(title) + 1
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


# ---- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["wesel", "mettmann", "tricky"])
def test_yaml_to_xlsx_to_yaml_is_identical(source: str, tmp_path: Path) -> None:
    original = {
        "wesel": WESEL,
        "mettmann": INSTANCES / "kreis-mettmann-2022.yaml",
        "tricky": write_yaml(tmp_path / "tricky.yaml", TRICKY),
    }[source]
    workbook = convert(original, tmp_path / "instance.xlsx")
    back = convert(workbook, tmp_path / "back.yaml")
    before, _ = load_instance(original)
    after, _ = load_instance(back)
    assert after == before
    assert after.model_dump(mode="json") == before.model_dump(mode="json")
    from_workbook, _ = load_instance(workbook)
    assert from_workbook == before


def test_json_and_workbook_round_trip_keep_exact_fractions(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "tricky.yaml", TRICKY)
    as_json = convert(source, tmp_path / "a.json")
    as_xlsx = convert(as_json, tmp_path / "b.xlsx")
    again = convert(as_xlsx, tmp_path / "c.json")
    instance, _ = load_instance(again)
    assert instance == Instance.model_validate(TRICKY)
    assert str(instance.kommunen[1].indicators["refugees"]) == "1/7"
    assert instance.kommunen[2].population == 987654321  # the largest plausible figures stay exact


def test_converted_yaml_quotes_everything_that_looks_like_a_number(tmp_path: Path) -> None:
    text = convert(write_yaml(tmp_path / "t.yaml", TRICKY), tmp_path / "t2.yaml").read_text("utf-8")
    assert 'ags: "01001001"' in text
    assert 'name: "0815"' in text
    assert "comments of the source are not carried over" in text
    plain = yaml.safe_load(text)  # a YAML 1.1 reader sees text, not numbers
    assert plain["kommunen"][1]["name"] == "0815"
    assert plain["kommunen"][0]["ags"] == "01001001"


def test_workbook_keeps_names_and_ags_as_text_and_formulas_as_text(tmp_path: Path) -> None:
    path = convert(write_yaml(tmp_path / "t.yaml", TRICKY), tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["Kommunen"]
    assert sheet["A2"].value == TRICKY["kommunen"][0]["name"]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].quotePrefix
    assert sheet["B2"].value == "01001001"
    assert sheet["B2"].number_format == "@"
    assert "<f>" not in sheet_xml(path, "Kommunen")
    assert "<f>" not in sheet_xml(path, "Kreis")


# ---- German number formats ------------------------------------------------------------


def german(number: int | float, decimals: int = 0) -> str:
    """``36047`` as ``36.047``, ``1.5`` as ``1,5``."""
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def typed_like_a_planner(data: dict[str, Any], path: Path) -> Path:
    """Write an instance the way planners type it: German notation, a title row above the
    table, headers spelled a little differently, a total row, a notes column, messy spaces."""
    workbook = openpyxl.Workbook()
    kreis = workbook.active
    kreis.title = "Kreis"
    k = data["kreis"]
    kreis.append(["Angabe", "Wert"])
    kreis.append(["Bezeichnung", f"  {data['name']} "])
    kreis.append(["Name", k["name"]])
    kreis.append(["AGS", int(k["ags"])])  # Excel turned 05170 into 5170
    kreis.append(["Kosten je VZÄ (€)", german(k["cost_per_vzae"]) + " €"])
    kreis.append(["Budget (€)", None if k["budget"] is None else german(k["budget"])])
    kreis.append(["Vorhandene VZÄ", german(k.get("existing_vzae", 0), 1)])
    funding = workbook.create_sheet("Förderung")
    f = data["funding"]
    funding.append(["Förderjahr", str(f["year"])])
    funding.append(["Stellen (VZÄ)", german(f["positions_vzae"], 1)])
    funding.append(["Förderpauschale", german(f["rate_per_vzae"], 2) + " EUR"])
    kommunen = workbook.create_sheet("Kommunen")
    kommunen.append(["Kommunen im " + k["name"]])
    kommunen.append(
        [
            "Gemeinde",
            "Gemeindeschlüssel",
            "Einwohnerzahl",
            "Max VZÄ",
            "Kosten pro VZÄ",
            "Budget",
            "Teilt mit",
            "Vorhandene VZÄ",
            "Ausländerbehörde",
            "Bemerkung",
        ]
    )
    total = 0
    for kommune in data["kommunen"]:
        total += kommune["population"]
        budget = kommune.get("budget")
        cost = kommune.get("cost_per_vzae")
        kommunen.append(
            [
                f" {kommune['name']}",
                kommune["ags"],
                german(kommune["population"]),
                german(float(kommune.get("max_vzae", 0)), 1),
                None if cost is None else german(cost) + " €",
                None if budget is None else german(budget, 2) + " €",
                " ; ".join(kommune.get("share_with", [])) or None,
                "0",
                "nein",
                "Quelle: GV100AD",
            ]
        )
    kommunen.append(["Summe", None, german(total)])
    traeger = workbook.create_sheet("Träger")
    traeger.append(["Name", "Max. VZÄ", "Versorgt", "Kosten je VZÄ (€)", "Defizitübernahme"])
    for t in data["traeger"]:
        traeger.append(
            [
                t["name"],
                german(float(t["max_vzae"]), 1),
                "; ".join(t["serves"]),
                german(t["cost_per_vzae"]) + " €",
                "ja" if t.get("deficit_coverage") else "nein",
            ]
        )
    workbook.save(path)
    return path


def test_workbook_typed_in_german_formats_solves_to_the_same_optimum(tmp_path: Path) -> None:
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    path = typed_like_a_planner(data, tmp_path / "wesel-deutsch.xlsx")
    from_yaml, _ = load_instance(WESEL)
    from_excel, document = load_instance(path)
    assert from_excel == from_yaml
    assert document.lines[("kommunen", 10, "population")] == "Kommunen!C13 (Einwohnerzahl)"

    settings = model()
    plan_yaml = plan_instance(from_yaml, settings).plan_json
    plan_excel = plan_instance(from_excel, settings).plan_json
    assert plan_yaml is not None and plan_excel is not None
    values = [(level["name"], level["value"]) for level in plan_yaml["objectives"]]
    assert [(level["name"], level["value"]) for level in plan_excel["objectives"]] == values
    assert plan_excel["status"] == "OPTIMAL"
    assert plan_excel["input_sha256"] == plan_yaml["input_sha256"]


def test_german_workbook_through_the_command_line(tmp_path: Path, test_model_file: Path) -> None:
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    path = typed_like_a_planner(data, tmp_path / "wesel.xlsx")
    assert invoke("validate", str(path)).exit_code == 0
    plan = tmp_path / "plan.json"
    result = invoke("solve", str(path), "-m", str(test_model_file), "-o", str(plan))
    assert result.exit_code == 0, result.output
    assert "Status: optimal (bewiesen)" in result.output


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("36.047", "count", 36047),  # German thousands dot
        ("36 047", "count", 36047),  # spaces as thousands separator
        ("1.234.567", "count", 1234567),
        ("0,5", "vzae", "0.5"),  # German decimal comma
        ("0.5", "vzae", "0.5"),  # English decimal point
        ("1.5", "vzae", "1.5"),  # in VZÄ a single dot is a decimal point
        ("1.500", "vzae", "1.5"),
        ("55.000 €", "euro", 55000),
        ("55.000,00", "euro", 55000),
        ("55.000,00 EUR", "euro", 55000),
        ("−5.000 €", "euro", -5000),  # Unicode minus: stays negative, the validator refuses it
        ("1/3", "vzae", "1/3"),  # exact fraction
        (" 1 / 3 ", "vzae", "1/3"),
        ("1,234.5", "number", "1234.5"),  # English notation with both separators
        ("0.500", "count", "0.5"),  # a leading 0 is never a thousands group
        ("viele", "count", None),  # not a number: handed on to the validator
        ("1/0", "vzae", None),
        ("1.2.3", "count", None),
        ("12,34,5", "count", None),
    ],
)
def test_numbers_as_germans_type_them(text: str, kind: str, expected: object) -> None:
    assert parse_number(text, kind) == expected


def test_ambiguous_comma_in_euros_is_refused_not_guessed() -> None:
    from kimopt.io.excel import _Problem

    with pytest.raises(_Problem) as caught:
        cell_value("55,000", "euro")  # 55 € in German, 55,000 € in English
    assert caught.value.code == "xlsx_ambiguous_number"
    assert cell_value("55,50", "euro") == "55.5"  # two decimals: clearly cents (refused later)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (0.1, "0.1"),  # never 0.1000000000000000055511151231257827
        (36047.0, 36047),
        (0.1 + 0.2, "0.3"),  # a formula's binary noise, as Excel shows it
        (2.5, "2.5"),
        (1e-7, "0.0000001"),
    ],
)
def test_stored_floats_become_the_decimal_excel_shows(stored: float, expected: object) -> None:
    assert float_value(stored) == expected
    assert cell_value(stored, "vzae") == expected


def test_cells_become_exact_text_or_ints_in_the_document(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    path.write_bytes(instance_workbook(example_instance()))
    workbook = openpyxl.load_workbook(path)
    workbook["Kommunen"]["D3"] = 0.1  # Dinslaken's max VZÄ as a float cell
    workbook["Kommunen"]["C3"] = "67.338"
    workbook.save(path)
    data = read_workbook(path).data
    assert data["kommunen"][1]["max_vzae"] == "0.1"
    assert isinstance(data["kommunen"][1]["max_vzae"], str)
    assert data["kommunen"][1]["population"] == "67338"


# ---- what planners do to a workbook ---------------------------------------------------


Change = Callable[[openpyxl.Workbook], None]


def edited(tmp_path: Path, change: Change, name: str = "edited.xlsx") -> Path:
    """The template's example, changed by ``change`` and saved."""
    path = tmp_path / name
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    change(workbook)
    workbook.save(path)
    return path


def test_english_keys_as_headers_and_sheet_names(tmp_path: Path) -> None:
    def english(workbook: openpyxl.Workbook) -> None:
        for sheet, title in (
            ("Kreis", "kreis"),
            ("Förderung", "funding"),
            ("Kommunen", "kommunen"),
            ("Träger", "traeger"),
        ):
            workbook[sheet].title = "x"  # openpyxl refuses a title equal but for case at once
            workbook["x"].title = title
        for sheet, fields in (("kommunen", KOMMUNE_FIELDS), ("traeger", TRAEGER_FIELDS)):
            for c, field in enumerate(fields, start=1):
                workbook[sheet].cell(1, c).value = field.key
        for row, key in enumerate(
            ["instance_name", "name", "ags", "cost_per_vzae", "budget", "existing_vzae"], start=2
        ):
            workbook["kreis"].cell(row, 1).value = key
        for row, key in enumerate(["year", "positions_vzae", "rate_per_vzae"], start=2):
            workbook["funding"].cell(row, 1).value = key

    instance, _ = load_instance(edited(tmp_path, english))
    assert instance == example_instance()


def test_ags_stored_as_number_gets_its_leading_zero_back(tmp_path: Path) -> None:
    def numbers(workbook: openpyxl.Workbook) -> None:
        workbook["Kommunen"]["B2"] = 5170004
        workbook["Kreis"]["B4"] = 5170

    instance, _ = load_instance(edited(tmp_path, numbers))
    assert instance.kommunen[0].ags == "05170004"
    assert instance.kreis.ags == "05170"


def test_comma_separated_partners_are_split_when_all_are_kommunen(tmp_path: Path) -> None:
    def commas(workbook: openpyxl.Workbook) -> None:
        workbook["Träger"]["C2"] = "Dinslaken, Voerde (Niederrhein), Hünxe"

    instance, _ = load_instance(edited(tmp_path, commas))
    assert instance.traeger[0].serves == ["Dinslaken", "Voerde (Niederrhein)", "Hünxe"]


def test_empty_cells_mean_not_given(tmp_path: Path) -> None:
    def blank(workbook: openpyxl.Workbook) -> None:
        workbook["Kommunen"]["F3"] = None  # Dinslaken's budget: unlimited
        workbook["Kommunen"]["E3"] = "  "  # its cost: the Kreis's
        workbook["Kreis"]["B7"] = None  # existing VZÄ at the Kreis: 0

    instance, _ = load_instance(edited(tmp_path, blank))
    assert instance.kommunen[1].budget is None
    assert instance.kommunen[1].cost_per_vzae is None
    assert instance.kreis.existing_vzae == 0


def test_indicator_columns_are_read(tmp_path: Path) -> None:
    def indicators(workbook: openpyxl.Workbook) -> None:
        sheet = workbook["Kommunen"]
        sheet[f"{FREE}1"] = "Kennzahl: refugees"
        sheet[f"{FREE}2"] = "1.234"
        sheet[f"{FREE}3"] = "12,5"

    instance, _ = load_instance(edited(tmp_path, indicators))
    assert instance.kommunen[0].indicators == {"refugees": 1234}
    assert str(instance.kommunen[1].indicators["refugees"]) == "25/2"
    assert instance.kommunen[2].indicators == {}


def test_without_a_traeger_sheet_there_are_no_traeger(tmp_path: Path) -> None:
    def drop(workbook: openpyxl.Workbook) -> None:
        del workbook["Träger"]

    instance, _ = load_instance(edited(tmp_path, drop))
    assert instance.traeger == []


def test_formulas_are_never_evaluated(tmp_path: Path) -> None:
    def formula(workbook: openpyxl.Workbook) -> None:
        workbook["Kommunen"]["C2"] = "=12000+502"  # openpyxl stores no result: nothing to read

    result = invoke("validate", str(edited(tmp_path, formula)))
    assert result.exit_code == 1
    assert "Kommunen!C2" in result.output and "=12000+502" in result.output  # refused, not read as empty
    assert "ohne gespeicherten Wert" in result.output


# ---- malformed cells: each names its sheet, row and column -----------------------------

MALFORMED = [
    # sheet, cell, typed value, where, what
    ("Kommunen", "C7", "viele", "Kommunen!C7 (Einwohner)", "„viele“ ist keine Zahl"),
    ("Kommunen", "C3", "36.04", "Kommunen!C3 (Einwohner)", "„36.04“ ist keine ganze Zahl"),
    ("Kommunen", "D4", "-1", "Kommunen!D4 (Max. VZÄ)", "„-1“ darf nicht negativ sein"),
    ("Kommunen", "E5", "55,000", "Kommunen!E5 (Kosten je VZÄ (€))", "„55,000“ ist mehrdeutig"),
    ("Kommunen", "F6", "24.600,50 €", "Kommunen!F6 (Budget (€))", "„24.600,50 €“: Beträge in ganzen Euro"),
    ("Kommunen", "I2", "vielleicht", "Kommunen!I2 (Ausländerbehörde)", "weder ja/true noch nein"),
    ("Kommunen", "G2", "Xantn", "Kommunen!G2 (Teilt mit)", "meinten Sie „Xanten“"),
    ("Kommunen", "G3", "Dinslaken", "Kommunen!G3 (Teilt mit)", "nicht mit sich selbst teilen"),
    ("Kommunen", "C8", dt.datetime(2022, 3, 1), "Kommunen!C8 (Einwohner)", "„01.03.2022“ hat Excel als Datum"),
    ("Kommunen", "A3", None, "Kommunen!A3 (Name)", "Pflichtangabe fehlt"),
    ("Kommunen", "A4", "Alpen", "Kommunen!A4 (Name)", "der Name „Alpen“ kommt mehrfach vor"),
    ("Kommunen", "B4", "05170004", "Kommunen!B4 (AGS)", "Gemeindeschlüssel „05170004“ kommt mehrfach vor"),
    ("Kommunen", "D2", "0,25", "Kommunen!D2 (Max. VZÄ)", "kein Vielfaches der Granularität"),
    ("Kreis", "B5", "teuer", "Kreis!B5 (Kosten je VZÄ (€))", "„teuer“ ist keine Zahl"),
    ("Kreis", "B3", None, "Kreis!B3 (Name)", "Pflichtangabe fehlt"),
    ("Förderung", "B3", "0", "Förderung!B3 (Förderfähige VZÄ)", "muss größer als 0 sein"),
    ("Förderung", "B4", "55.000,5", "Förderung!B4 (Förderpauschale je VZÄ (€))", "ganzen Euro"),
    ("Träger", "C2", "Nirgendwo", "Träger!C2 (Versorgt)", "„Nirgendwo“ ist keine Kommune"),
    ("Träger", "E2", "vielleicht", "Träger!E2 (Defizitübernahme)", "weder ja/true"),
    ("Träger", "B2", "1/3", "Träger!B2 (Max. VZÄ)", "„1/3“ VZÄ ist kein Vielfaches"),
]


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "where", "what"), MALFORMED, ids=[f"{case[0]}!{case[1]}={case[2]}" for case in MALFORMED]
)
def test_malformed_cell_names_sheet_row_and_column(
    sheet: str, cell: str, value: object, where: str, what: str, tmp_path: Path
) -> None:
    def change(workbook: openpyxl.Workbook) -> None:
        workbook[sheet][cell] = value

    result = invoke("validate", str(edited(tmp_path, change, "instanz.xlsx")))
    assert result.exit_code == 1
    line = next((line for line in result.output.splitlines() if where in line), "")
    assert line.startswith(f"{tmp_path / 'instanz.xlsx'}, {where}"), result.output
    assert what in line, result.output


def test_malformed_cell_in_english(tmp_path: Path) -> None:
    def change(workbook: openpyxl.Workbook) -> None:
        workbook["Kommunen"]["C7"] = "viele"

    result = invoke("solve", str(edited(tmp_path, change)), "--lang", "en")
    assert result.exit_code == 1
    assert "Kommunen!C7 (Einwohner)" in result.output
    assert "'viele' is not a number" in result.output


def test_validate_lists_every_malformed_cell_at_once(tmp_path: Path) -> None:
    def change(workbook: openpyxl.Workbook) -> None:
        workbook["Kommunen"]["E5"] = "55,000"  # found while reading
        workbook["Kommunen"]["C7"] = "viele"  # found by the validators
        workbook["Träger"]["B2"] = "-2"

    result = invoke("validate", str(edited(tmp_path, change)))
    assert result.exit_code == 1
    assert "3 Problem(e) gefunden" in result.output
    for where in ("Kommunen!E5", "Kommunen!C7", "Träger!B2"):
        assert where in result.output


# ---- workbooks that cannot be read at all ----------------------------------------------


def _drop_sheet(title: str) -> Change:
    def change(workbook: openpyxl.Workbook) -> None:
        del workbook[title]

    return change


def _set(sheet: str, cell: str, value: object) -> Change:
    def change(workbook: openpyxl.Workbook) -> None:
        workbook[sheet][cell] = value

    return change


def _empty_kommunen(workbook: openpyxl.Workbook) -> None:
    workbook["Kommunen"].delete_rows(2, 100)


def _headers_gone(workbook: openpyxl.Workbook) -> None:
    workbook["Kommunen"].delete_rows(1, 1)


BROKEN_FILES = [
    ("csv_renamed.xlsx", "keine lesbare Excel-Arbeitsmappe"),
    ("zip_truncated.xlsx", "keine lesbare Excel-Arbeitsmappe"),
    ("zip_without_workbook.xlsx", "keine lesbare Excel-Arbeitsmappe"),
    ("file_empty.xlsx", "keine lesbare Excel-Arbeitsmappe"),
    ("old_xls_or_password.xlsx", "kennwortgeschützte Arbeitsmappe oder altes .xls-Format"),
]


@pytest.mark.parametrize(("name", "message"), BROKEN_FILES)
def test_file_that_is_no_workbook(name: str, message: str) -> None:
    result = invoke("validate", str(EXCEL / name))
    assert result.exit_code == 1
    assert f"{EXCEL / name}: {message}" in result.output


BROKEN_SHEETS = [
    (
        _drop_sheet("Förderung"),
        "Tabellenblatt „Förderung“ fehlt (vorhanden: Kreis, Kommunen, Träger, Jahre, Änderungen, Baustein 1, "
        "Baustein 3, Hinweise)",
    ),
    (_drop_sheet("Kommunen"), "Tabellenblatt „Kommunen“ fehlt"),
    (_empty_kommunen, "Tabellenblatt „Kommunen“ enthält keine Kommunen"),
    (_headers_gone, "Tabellenblatt „Kommunen“: keine Kopfzeile mit Spaltennamen gefunden"),
    (_set("Kommunen", "C1", "Einwoner"), "Kommunen!C1: unbekannte Spalte „Einwoner“ – meinten Sie „Einwohner“?"),
    (_set("Kommunen", "C1", "Einwoner"), "Tabellenblatt Kommunen: Spalte „Einwohner“ fehlt"),
    (_set("Kommunen", "D1", "Einwohner"), "Kommunen!D1: die Spalte „Einwohner“ gibt es schon in Kommunen!C1"),
    (_set("Kommunen", f"{FREE2}5", 17), f"Kommunen!{FREE2}5: Wert „17“ in einer Spalte ohne Überschrift"),
    (_set("Kreis", "A9", "Kostn je VZÄ"), "Kreis!A9: unbekannte Angabe „Kostn je VZÄ“"),
    (_set("Kreis", "A9", "AGS"), "Kreis!A9: die Angabe „AGS“ steht schon in Kreis!A4"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN_SHEETS)
def test_broken_sheet_gives_a_clear_message(change: Change, message: str, tmp_path: Path) -> None:
    if message.startswith("Kreis!A9"):
        change = _then(change, _set("Kreis", "B9", 1))  # a label with a value, not a title
    result = invoke("validate", str(edited(tmp_path, change)))
    assert result.exit_code == 1
    assert message in result.output, result.output


def _then(first: Change, second: Change) -> Change:
    def change(workbook: openpyxl.Workbook) -> None:
        first(workbook)
        second(workbook)

    return change


def test_total_row_and_note_columns_are_skipped(tmp_path: Path) -> None:
    def extras(workbook: openpyxl.Workbook) -> None:
        sheet = workbook["Kommunen"]
        sheet[f"{FREE}1"] = "Bemerkung"
        sheet[f"{FREE}2"] = "Interesse laut Ratsbeschluss"
        sheet.append(["Summe", None, 460113])

    instance, _ = load_instance(edited(tmp_path, extras))
    assert instance == example_instance()


# ---- the template ----------------------------------------------------------------------


def test_template_holds_the_example_kreis_and_validates(tmp_path: Path) -> None:
    target = tmp_path / "vorlage.xlsx"
    result = invoke("template", "-o", str(target))
    assert result.exit_code == 0, result.output
    instance, _ = load_instance(target)
    wesel, _ = load_instance(WESEL)
    assert instance == wesel  # the example is instances/kreis-wesel-2022.yaml
    assert invoke("validate", str(target)).exit_code == 0


def test_template_explains_every_header_and_validates_input(tmp_path: Path) -> None:
    target = tmp_path / "vorlage.xlsx"
    invoke("template", "-o", str(target))
    workbook = openpyxl.load_workbook(target)
    # a sheet per part of DESIGN §5: later years, their changes, Baustein 1, Baustein 3 (empty: one year)
    assert workbook.sheetnames == [
        "Kreis",
        "Förderung",
        "Kommunen",
        "Träger",
        "Jahre",
        "Änderungen",
        "Baustein 1",
        "Baustein 3",
        "Hinweise",
    ]
    assert workbook.active.title == "Kreis"

    kommunen = workbook["Kommunen"]
    headers = [cell.value for cell in kommunen[1]]
    assert headers == [
        "Name",
        "AGS",
        "Einwohner",
        "Max. VZÄ",
        "Kosten je VZÄ (€)",
        "Budget (€)",
        "Teilt mit",
        "Vorhandene VZÄ",
        "Ausländerbehörde",
        "Einbürgerungsbehörde",
        "Jugendamt",
        "Integrationsrat",
        "Koordination VZÄ",
        "Defizitübernahme höchstens je VZÄ (€)",
        "Ab Jahr",
        "Austritt ab Jahr",
    ]
    for title in ("Kommunen", "Träger", "Jahre", "Änderungen", "Baustein 3"):
        sheet = workbook[title]
        assert sheet.freeze_panes == "B2"
        for cell in sheet[1]:
            assert cell.comment is not None and len(cell.comment.text) > 20, cell.coordinate
            assert cell.font.bold
            assert sheet.column_dimensions[cell.column_letter].width >= 10
    assert "Einwohnerzahl" in kommunen["C1"].comment.text
    assert "€" in kommunen["E1"].comment.text or "Euro" in kommunen["E1"].comment.text
    for title in ("Kreis", "Förderung", "Baustein 1"):
        sheet = workbook[title]
        assert sheet.freeze_panes == "A2"
        labels = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert labels and all(cell.comment is not None for cell in labels)

    rules = {str(rule.sqref): rule for rule in kommunen.data_validations.dataValidation}
    assert rules["I2:I500"].type == "list" and rules["I2:I500"].formula1 == '"ja,nein"'
    assert rules["C2:C500"].type == "whole" and rules["C2:C500"].operator == "greaterThanOrEqual"
    assert rules["C2:C500"].formula1 == "0"
    assert rules["D2:D500"].type == "decimal"
    assert rules["F2:F500"].type == "whole"
    funding_rules = {str(r.sqref): r for r in workbook["Förderung"].data_validations.dataValidation}
    assert funding_rules["B3"].operator == "greaterThan"
    traeger_rules = {str(r.sqref): r for r in workbook["Träger"].data_validations.dataValidation}
    assert traeger_rules["E2:E500"].formula1 == '"ja,nein"'

    assert kommunen["C2"].number_format == "#,##0"
    assert kommunen["E3"].number_format == '#,##0 "€"'
    assert kommunen["B2"].number_format == "@"
    assert "Hünxe; Voerde" in " ".join(str(c.value) for c in workbook["Hinweise"]["A"])


def test_template_never_overwrites_and_is_reproducible(tmp_path: Path) -> None:
    target = tmp_path / "vorlage.xlsx"
    assert invoke("template", "-o", str(target)).exit_code == 0
    first = target.read_bytes()
    target.write_bytes(b"filled in by a planner")
    refused = invoke("template", "-o", str(target))
    assert refused.exit_code == 2
    assert "gibt es schon" in refused.output
    assert target.read_bytes() == b"filled in by a planner"
    assert invoke("template", "-o", str(target), "--force").exit_code == 0
    assert target.read_bytes() == first  # no save time inside: same template, same bytes
    assert invoke("template", "-o", str(tmp_path / "vorlage.ods")).exit_code == 2
    assert invoke("template", "-o", str(tmp_path / "missing" / "v.xlsx")).exit_code == 1


def test_template_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("template", "--lang", "en")
    assert result.exit_code == 0
    assert "Template written: vorlage.xlsx" in result.output
    assert (tmp_path / "vorlage.xlsx").exists()


# ---- convert ----------------------------------------------------------------------------


def test_convert_never_overwrites_its_input(tmp_path: Path) -> None:
    source = tmp_path / "w.yaml"
    source.write_bytes(WESEL.read_bytes())
    result = invoke("convert", str(source), "-o", str(source))
    assert result.exit_code == 1
    assert source.read_bytes() == WESEL.read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".xlsm", ""])
def test_convert_refuses_unknown_output_formats(suffix: str, tmp_path: Path) -> None:
    result = invoke("convert", str(WESEL), "-o", str(tmp_path / f"out{suffix}"))
    assert result.exit_code == 1
    assert "unbekanntes Dateiformat" in result.output


def test_convert_refuses_an_invalid_instance_and_writes_nothing(tmp_path: Path) -> None:
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    data["kommunen"][0]["population"] = "viele"
    target = tmp_path / "out.xlsx"
    result = invoke("convert", str(write_yaml(tmp_path / "bad.yaml", data)), "-o", str(target))
    assert result.exit_code == 1
    assert "„viele“ ist keine Zahl" in result.output
    assert not target.exists()


def test_convert_refuses_text_excel_cannot_store(tmp_path: Path) -> None:
    data = copy.deepcopy(TRICKY)
    data["kommunen"][1]["name"] = "Null\x00dorf"
    data["traeger"][0]["serves"][0] = "Null\x00dorf"
    source = write_yaml(tmp_path / "t.yaml", data)
    result = invoke("convert", str(source), "-o", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 1
    assert "Steuerzeichen" in result.output
    assert not (tmp_path / "t.xlsx").exists()


def test_convert_help_says_comments_are_lost() -> None:
    result = invoke("convert", "--help")
    assert result.exit_code == 0
    assert "Kommentare der Quelldatei gehen verloren" in " ".join(result.output.split())
