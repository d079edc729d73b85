"""``kimopt batch`` over several years: the summary has a line for every instance and year.

The figures of Kreis Wesel 2022–2023 are those ``kimopt solve instances/kreis-wesel-2022-2023.yaml``
prints: 11 VZÄ used in both years; Baustein 2 Eigenanteil 180.400 € (2022) and 181.962 €
(2023, Kreis share 4,5 of 11); all Bausteine 353.200 € and 375.036 € (the „Summe“ of the
year × payer table).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from typer.testing import CliRunner

import kimopt
from kimopt.cli import app
from tests.conftest import INSTANCES, ROOT

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022-2023.yaml"


def _round(folder: Path) -> Path:
    """Kreis Wesel 2022–2023 (two years), Kreis Mettmann 2022 (one year) and a broken file."""
    folder.mkdir()
    (folder / "a-wesel.yaml").write_bytes(WESEL.read_bytes())
    (folder / "b-mettmann.yaml").write_bytes((INSTANCES / "kreis-mettmann-2022.yaml").read_bytes())
    (folder / "c-kaputt.yaml").write_text("name: kaputt\n", encoding="utf-8")
    return folder


def _lines(out: Path) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return lines


def _batch(folder: Path, out: Path, model_file: Path, *extra: str) -> Any:
    args = ["batch", str(folder), "--out", str(out), "-m", str(model_file), "-j", "1", *extra]
    return runner.invoke(app, args)


def test_every_year_has_its_line_with_its_figures(tmp_path: Path, test_model_file: Path) -> None:
    out = tmp_path / "out"
    result = _batch(_round(tmp_path / "runde"), out, test_model_file)
    assert result.exit_code == 1, result.output  # the broken file; the round went on
    assert "3 Instanzen: 2 optimal (bewiesen) (67 %), 1 INPUT_ERROR (33 %)" in result.output  # instances, not lines
    assert "[3/3, 100 %]" in result.output
    lines = _lines(out)
    assert [(Path(line["file"]).name, line["year"], line["status"]) for line in lines] == [
        ("a-wesel.yaml", 2022, "OPTIMAL"),
        ("a-wesel.yaml", 2023, "OPTIMAL"),
        ("b-mettmann.yaml", 2022, "OPTIMAL"),  # a one-year instance: one line, its funding year
        ("c-kaputt.yaml", None, "INPUT_ERROR"),
    ]
    wesel_2022, wesel_2023 = lines[0], lines[1]
    figures = ("positions_used", "kreis_share", "eigenanteil_eur", "eigenanteil_all_eur")
    assert [wesel_2022[k] for k in figures] == [11.0, 0.363636, 180400, 353200]
    assert [wesel_2023[k] for k in figures] == [11.0, 0.409091, 181962, 375036]
    assert wesel_2023["plan"] == wesel_2022["plan"] == "a-wesel.plan.json"  # one plan, both years
    assert lines[2]["eigenanteil_eur"] == lines[2]["eigenanteil_all_eur"] == 114800  # Baustein 2 alone


def test_the_years_stand_in_the_german_csv_the_workbook_and_the_dataframe(
    tmp_path: Path, test_model_file: Path
) -> None:
    out = tmp_path / "out"
    _batch(_round(tmp_path / "runde"), out, test_model_file)
    table = list(csv.reader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    head = table[0]
    wesel = [dict(zip(head, line, strict=True)) for line in table[1:] if line[0].endswith("a-wesel.yaml")]
    shown = ("Jahr", "VZÄ genutzt", "Anteil Kreis", "Eigenanteil (€/Jahr)")
    assert [tuple(line[k] for k in shown) for line in wesel] == [
        ("2022", "11", "0,363636", "180400"),
        ("2023", "11", "0,409091", "181962"),
    ]
    assert [line["Eigenanteil alle Bausteine (€/Jahr)"] for line in wesel] == ["353200", "375036"]
    sheet = openpyxl.load_workbook(out / "summary.xlsx").active
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0]]
    column = rows[0].index("Jahr")
    assert [r[column] for r in rows[1:]] == [2022, 2023, 2022, None]
    frame = kimopt.batch_summary(out)
    assert frame["year"].tolist()[:3] == [2022, 2023, 2022] and str(frame["year"].dtype) == "Int64"
    assert frame.loc[frame["year"] == 2023, "eigenanteil_eur"].tolist() == [181962]


def test_a_later_year_without_a_plan_is_named(tmp_path: Path, test_model_file: Path) -> None:
    data = yaml.safe_load((INSTANCES / "kreis-mettmann-2022-2023.yaml").read_text(encoding="utf-8"))
    data["years"][0]["positions_vzae"] = 4  # 2023: 4 fundable VZÄ, but 9 are filled at the Kreis
    folder = tmp_path / "runde"
    folder.mkdir()
    (folder / "mettmann.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = _batch(folder, out, test_model_file)
    assert result.exit_code == 3, result.output
    decided, line = _lines(out)
    # 2022 was decided before 2023 failed, and it stands: its figures are on their own line
    assert (decided["year"], decided["status"], decided["positions_used"]) == (2022, "OPTIMAL", 16)
    assert decided["eigenanteil_eur"] == 114800  # 7 new VZÄ × 16,400 €
    assert (line["year"], line["status"], line["plan"]) == (2023, "INFEASIBLE", "")
    assert line["error"].startswith("2023: keine zulässige Verteilung")


def test_resume_keeps_every_year(tmp_path: Path, test_model_file: Path) -> None:
    folder = _round(tmp_path / "runde")
    (folder / "c-kaputt.yaml").unlink()
    out = tmp_path / "out"
    assert _batch(folder, out, test_model_file).exit_code == 0
    first = _lines(out)
    result = _batch(folder, out, test_model_file, "--resume")
    assert result.exit_code == 0, result.output
    again = _lines(out)
    assert [line["resumed"] for line in again] == [True, True, True]
    keep = ("year", "status", "positions_used", "eigenanteil_eur", "eigenanteil_all_eur")
    assert [[line[k] for k in keep] for line in again] == [[line[k] for k in keep] for line in first]


def test_a_row_without_a_plan_is_one_line() -> None:
    from kimopt.analysis.batch import Row, summary_lines

    [line] = summary_lines([Row(file="x.yaml", status="TIMEOUT", error="kein Plan")])
    assert (line["file"], line["year"], line["status"], line["positions_used"]) == ("x.yaml", None, "TIMEOUT", None)


def test_the_readme_names_every_summary_column_in_order() -> None:
    import re

    from kimopt.analysis.batch import COLUMNS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = text[text.index("The summary has one line per instance and year") :].split("\n\n")[0]
    named = [n for n in re.findall(r"`(\w+)`", paragraph) if n != "summary"]  # the plan's key
    assert named == list(COLUMNS)
