"""``kimopt compare`` over several years: every year has its tables, in every paper.

Kreis Wesel 2022–2023 under ``kim-standard`` and ``kreisquote-40``. The figures are those
``kimopt solve instances/kreis-wesel-2022-2023.yaml`` (kim-standard) prints: 2022 Baustein 2
Eigenanteil Kreis + Kommunen 180.400 € with 4,0 VZÄ at the Kreis (kreisquote-40: 4,5);
2023 181.962 € (Kreis 90.981 €, Xanten 8.271 €), a cut of 1,0 VZÄ against 2022, and
375.036 € over all Bausteine (the „Summe“ of the year × payer table).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES, MODELS

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022-2023.yaml"


def _compare(out: Path) -> str:
    args = ["compare", str(WESEL), "-m", str(MODELS / "kim-standard.yaml"), "-m", str(MODELS / "kreisquote-40.yaml")]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sections(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The HTML page's sections by id, as text."""
    out = tmp_path_factory.mktemp("compare") / "vergleich.html"
    _compare(out)
    page = out.read_text(encoding="utf-8")
    return {
        key: _words(html.unescape(re.sub(r"<[^>]+>", " ", body)))
        for key, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', page, re.S)
    }


def test_the_page_has_every_years_tables(sections: dict[str, str]) -> None:
    for year in ("2022", "2023"):
        for key in ("figures", "chart", "coverage", "served"):
            assert f"{key}-{year}" in sections, sorted(sections)
    assert "figures" not in sections and "chart" not in sections  # no first-year-only table beside them


def test_each_year_shows_its_own_figures(sections: dict[str, str]) -> None:
    first, second = sections["figures-2022"], sections["figures-2023"]
    assert first.startswith("Kennzahlen je Alternative – 2022")
    assert "VZÄ beim Kreis 4,0 4,5" in first and "Eigenanteil Kreis + Kommunen 180.400 € 180.400 €" in first
    assert second.startswith("Kennzahlen je Alternative – 2023")
    assert "Eigenanteil Kreis 90.981 € 90.981 €" in second
    assert "Eigenanteil Xanten 8.271 € 8.271 €" in second  # Xanten pays only from 2023
    assert "Eigenanteil Kreis + Kommunen 181.962 € 181.962 €" in second
    assert "Kürzung ggü. Vorjahr (VZÄ) 1,0 1,0" in second
    assert "Eigenanteil Kreis + Kommunen (alle Bausteine) 375.036 € 375.036 €" in second
    assert "181.962" not in first and "Xanten" not in first


def test_the_pdf_shows_both_years(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    out = tmp_path / "vergleich.pdf"
    _compare(out)
    text = _words(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout)
    assert text.count("Kennzahlen je Alternative – 2022") == 1 and text.count("Kennzahlen je Alternative – 2023") == 1
    later = text.split("Kennzahlen je Alternative – 2023")[1]
    assert "181.962 €" in later and "375.036 €" in later and "Betreut durch – 2023" in later
    assert "180.400 €" in text.split("Kennzahlen je Alternative – 2023")[0]


def test_the_workbook_has_every_years_rows(tmp_path: Path) -> None:
    out = tmp_path / "vergleich.xlsx"
    _compare(out)
    sheet = openpyxl.load_workbook(out)["Vergleich"]
    rows = {str(r[0]): list(r[2:4]) for r in sheet.iter_rows(values_only=True) if r[0]}
    assert rows["2022: davon beim Kreis"] == [4, 4.5]
    assert rows["2023: Stellen verwendet"] == [11, 11]
    assert rows["2023: Eigenanteil Kreis + Kommunen"] == [181962, 181962]
    assert rows["2023: Eigenanteil Xanten"] == [8271, 8271]
    assert rows["2023: Eigenanteil Kreis + Kommunen (alle Bausteine)"] == [375036, 375036]


def test_markdown_and_terminal_show_both_years(tmp_path: Path) -> None:
    out = tmp_path / "vergleich.md"
    terminal = _compare(out)
    text = out.read_text(encoding="utf-8")
    for shown in (text, terminal):
        later = shown.split("Kennzahlen je Alternative – 2023")[1]
        assert "181.962 €" in later and "Ist-VZÄ (Soll-VZÄ) je Kommune – 2023" in later


def test_year_views_keep_an_alternative_without_a_plan_in_every_year() -> None:
    from kimopt.analysis.comparison import year_views

    years = [
        {"year": 2022, "status": "OPTIMAL", "summary": {"positions_used": 3.0}},
        {"year": 2023, "status": "FEASIBLE", "summary": {"positions_used": 2.5}},
    ]
    by_year = {"2023": {"kreis": 5, "total": 7}}
    planned = {"alternative": "A", "model": "m", "status": "FEASIBLE", "summary": {"eigenanteil_eur_by_year": by_year}}
    none = {"alternative": "B", "model": "m", "status": "INFEASIBLE"}
    short = {"alternative": "C", "model": "m", "status": "OPTIMAL", "summary": {}, "years": years[:1]}
    views = year_views([{**planned, "years": years}, none, short])
    assert [year for year, _ in views] == ["2022", "2023"]
    a, b, c = views[1][1]
    assert (a["alternative"], a["status"], a["summary"], a["eigenanteil_all_eur"]) == (
        "A",
        "FEASIBLE",
        {"positions_used": 2.5},
        by_year["2023"],
    )
    assert b is none  # the reason stands in every year
    assert c == {"alternative": "C", "model": "m", "status": ""}  # its plan has no 2023
    assert year_views([none]) == [("", [none])]  # no plan of several years: one comparison, no year


METTMANN = INSTANCES / "kreis-mettmann-2022-2023.yaml"


def _scenarios(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "szenarien.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_changes_a_later_year(tmp_path: Path) -> None:
    # 2023 costs 7 × (73.542 − 57.000) = 115.794 € for the 7 new VZÄ; kept at 114.800 € the
    # budget carries only 6,5 of them (6,5 × 16.542 = 107.523 €): 2023 cuts 0,5 VZÄ.
    path = _scenarios(
        tmp_path,
        "scenarios:\n  - name: Budget 2023 wie 2022\n"
        + ("    instance: {years: {2023: {budgets: {Kreis Mettmann: 114800}}}}\n"),
    )
    result = runner.invoke(app, ["compare", str(METTMANN), "-s", str(path)])
    assert result.exit_code == 0, result.output
    first, second = (_words(part) for part in result.output.split("Kennzahlen je Alternative – 2023"))
    assert "VZÄ verwendet 16,0 16,0" in first and "Eigenanteil Kreis 114.800 € 114.800 €" in first
    assert "VZÄ verwendet 16,0 15,5 *" in second
    assert "Kürzung ggü. Vorjahr (VZÄ) 0,0 0,5 *" in second
    assert "Eigenanteil Kreis 115.794 € 107.523 € *" in second


def test_a_scenario_names_a_year_the_instance_lacks(tmp_path: Path) -> None:
    path = _scenarios(tmp_path, "scenarios:\n  - name: Später\n    instance: {years: {2024: {rate_per_vzae: 59000}}}\n")
    result = runner.invoke(app, ["compare", str(METTMANN), "-s", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3, Szenario 1 „Später“, Feld „instance.years.2024“: „2024“ ist kein späteres Jahr" in result.output
    assert "meinten Sie „2023“?" in result.output and "Traceback" not in result.output
    one_year = runner.invoke(app, ["compare", str(INSTANCES / "kreis-mettmann-2022.yaml"), "-s", str(path)])
    assert one_year.exit_code == 1 and "ist kein späteres Jahr dieser Instanz" in one_year.output


def test_a_scenario_year_key_is_checked_like_a_file(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path, "scenarios:\n  - name: Teuer\n    instance: {years: {2023: {budgets: {Kreis Mettmann: viel}}}}\n"
    )
    result = runner.invoke(app, ["compare", str(METTMANN), "-s", str(path)])
    assert result.exit_code == 1
    assert "Feld „instance.years.2023.budgets.Kreis Mettmann“: „viel“ ist keine Zahl" in result.output


def test_an_alternative_without_a_plan_names_the_year_that_has_none(tmp_path: Path) -> None:
    # 4 fundable VZÄ in 2023, but the Kreis keeps its 9 filled positions: 2023 has no plan
    path = _scenarios(tmp_path, "scenarios:\n  - name: Nur 4 VZÄ\n    instance: {years: {2023: {positions_vzae: 4}}}\n")
    out = tmp_path / "vergleich.md"
    result = runner.invoke(app, ["compare", str(METTMANN), "-s", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "**2. Nur 4 VZÄ:** Modell Nur 4 VZÄ, unlösbar, kein Plan für 2023 (gegeben die Jahre davor)" in text
    for year in ("2022", "2023"):  # the column says so in every year
        table = text.split(f"## Kennzahlen je Alternative – {year}")[1].split("##")[0]
        assert "| VZÄ verwendet | 16,0 | – (kein Plan) |" in table
