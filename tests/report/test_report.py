"""Reports: self-contained HTML with charts, Markdown tables, CSV safe against formula injection."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.report.csv import neutralise
from tests.conftest import INSTANCES, TEST_SETTINGS, tiny, write_yaml

runner = CliRunner()
REAL = ["kreis-wesel-2022.yaml", "kreis-mettmann-2022.yaml"]


class Page(HTMLParser):
    """Collects tags, attributes, the text per tag and the page's CSS."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.classes: list[str] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        self.classes += [v or "" for k, v in attrs if k == "class"]

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] in ("h1", "h2"):
            self.headings.append(data)


def parse(path: Path) -> tuple[Page, str]:
    source = path.read_text(encoding="utf-8")
    page = Page()
    page.feed(source)
    return page, source


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Both real instances solved once: instance → (plan JSON, model file)."""
    folder = tmp_path_factory.mktemp("plans")
    model = write_yaml(folder / "test-model.yaml", TEST_SETTINGS)
    out = {}
    for name in REAL:
        plan = folder / f"{name}.json"
        result = runner.invoke(app, ["solve", str(INSTANCES / name), "-m", str(model), "-q", "-o", str(plan)])
        assert result.exit_code == 0, result.output
        out[name] = (plan, model)
    return out


def assert_self_contained(source: str) -> None:
    assert "http" not in source  # no network address at all, not even an SVG namespace
    assert "<script" not in source.lower()
    assert "@import" not in source
    assert "<link" not in source.lower()
    # url(#id) points inside the page (matplotlib's clip paths); anything else would load a file
    assert not re.search(r"url\((?!#)", source)


@pytest.mark.parametrize("name", REAL)
def test_html_report_is_self_contained_with_charts_and_figures(plans, tmp_path: Path, name: str) -> None:
    plan_path, model = plans[name]
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    out = tmp_path / "bericht.html"
    result = runner.invoke(
        app,
        [
            "report",
            str(plan_path),
            "-o",
            str(out),
            "--instance",
            str(INSTANCES / name),
            "-m",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    page, source = parse(out)
    payers = [p for p in plan["finance"]["eigenanteil"] if p["eur"] or p["budget_eur"]]
    # a chart with a single bar is replaced by a sentence (Kreis Mettmann: only the Kreis pays)
    assert page.tags.count("svg") == (3 if len(payers) > 1 else 2)
    if len(payers) == 1:
        assert f"Nur {payers[0]['payer']} trägt einen Eigenanteil" in source
    assert_self_contained(source)
    assert "@media print" in source and "@page" in source
    text = " ".join(page.text)
    for kommune in plan["kommunen"]:
        assert kommune["name"] in text
    used = f"{plan['summary']['positions_used']:.1f}".replace(".", ",")
    assert f"{used} / " in text
    funding = f"{plan['summary']['funding_eur']:,}".replace(",", ".") + " €"
    assert funding in text
    for heading in (
        "Verteilung auf die Kommunen",
        "Wie wurde entschieden?",
        "Anhang: Zielebenen mit Wert und Schranke",
        "Anhang: Maße der Disproportionalität",
        "Finanzen (pro Jahr)",
        "Wer zahlt wem (pro Jahr)",
        "Diagramme",
        "Vergleich mit klassischen Verfahren",
    ):
        assert heading in page.headings
    assert "Loosemore–Hanby-Index" in text and "Gallagher-Index" in text
    assert "Förderjahr" in text


def test_html_report_in_english(plans, tmp_path: Path) -> None:
    plan_path, _ = plans["kreis-wesel-2022.yaml"]
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(plan_path), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    page, source = parse(out)
    assert '<html lang="en">' in source
    assert "Allocation to the Kommunen" in page.headings and "Finance (per year)" in page.headings
    assert "Verteilung auf die Kommunen" not in source and "Finanzen (pro Jahr)" not in page.headings
    assert page.tags.count("svg") == 3


def test_same_plan_gives_the_same_report(plans, tmp_path: Path) -> None:
    plan_path, _ = plans["kreis-mettmann-2022.yaml"]
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for out in (first, second):
        assert runner.invoke(app, ["report", str(plan_path), "-o", str(out)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("name", REAL)
def test_markdown_report_holds_the_kommune_table(plans, tmp_path: Path, name: str) -> None:
    plan_path, _ = plans[name]
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    out = tmp_path / "bericht.md"
    assert runner.invoke(app, ["report", str(plan_path), "-o", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert (
        "| Kommune | Einwohner | Soll-VZÄ | Ist-VZÄ | Abweichung | Anstellungsträger (VZÄ) | Eigenanteil "
        "| Budget | genutzt |" in text
    )
    for kommune in plan["kommunen"]:
        coverage = f"{kommune['coverage_vzae']:.1f}".replace(".", ",")
        assert re.search(rf"^\| {re.escape(kommune['name'])} \|.*\| {coverage} \|", text, re.M)


def test_solve_writes_report_and_never_over_an_input(tmp_path: Path, test_model_file: Path) -> None:
    instance = INSTANCES / "kreis-wesel-2022.yaml"
    out = tmp_path / "plan.html"
    result = runner.invoke(app, ["solve", str(instance), "-m", str(test_model_file), "-q", "--report", str(out)])
    assert result.exit_code == 0, result.output
    page, _ = parse(out)
    assert page.tags.count("svg") == 3 and "Hare–Niemeyer" in " ".join(page.text)
    result = runner.invoke(
        app,
        [
            "solve",
            str(instance),
            "-m",
            str(test_model_file),
            "-q",
            "--report",
            str(test_model_file),
        ],
    )
    assert result.exit_code == 1  # the model file is an input: refused before anything is written
    assert "Datei" in result.output or "format" in result.output


def test_report_with_the_wrong_instance_is_refused(plans, tmp_path: Path) -> None:
    plan_path, model = plans["kreis-wesel-2022.yaml"]
    result = runner.invoke(
        app,
        [
            "report",
            str(plan_path),
            "-o",
            str(tmp_path / "r.html"),
            "--instance",
            str(INSTANCES / "kreis-mettmann-2022.yaml"),
            "-m",
            str(model),
        ],
    )
    assert result.exit_code == 1
    assert "Prüfsumme" in result.output and not (tmp_path / "r.html").exists()


def test_unknown_report_format_is_bad_input(plans, tmp_path: Path) -> None:
    plan_path, _ = plans["kreis-wesel-2022.yaml"]
    result = runner.invoke(app, ["report", str(plan_path), "-o", str(tmp_path / "r.odt")])
    assert result.exit_code == 1
    assert ".odt" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),  # formula
        ("+1+cmd", "'+1+cmd"),  # formula by sign
        ("-2+3", "'-2+3"),  # arithmetic, not a plain number
        ("@SUM(A1)", "'@SUM(A1)"),  # Lotus-style function
        ("\tx", "'\tx"),  # tab opens a cell in some importers
        ("-0,010", "-0,010"),  # a plain negative number is data
        ("+0,038", "+0,038"),  # a plain signed number is data
        ("Moers", "Moers"),  # ordinary text
    ],
)
def test_csv_neutralises_formulas(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_csv_report_with_a_hostile_kommune_name(tmp_path: Path) -> None:
    data = tiny()
    data["kommunen"][0]["name"] = '=HYPERLINK("http://evil","x")'
    instance = write_yaml(tmp_path / "instance.yaml", data)
    model = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    out = tmp_path / "plan.csv"
    result = runner.invoke(app, ["solve", str(instance), "-m", str(model), "-q", "--report", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert not any(cell.startswith(("=", "@")) for cell in cells)
    assert [
        "Kommune",
        "Einwohner",
        "Soll-VZÄ",
        "Ist-VZÄ",
        "Abweichung",
        "Anstellungsträger (VZÄ)",
        "Eigenanteil",
        "Budget",
        "genutzt",
    ] in rows


def test_xlsx_report_through_the_workbook_writer(plans, tmp_path: Path) -> None:
    import openpyxl

    plan_path, _ = plans["kreis-wesel-2022.yaml"]
    out = tmp_path / "bericht.xlsx"
    result = runner.invoke(app, ["report", str(plan_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Kommunen" in openpyxl.load_workbook(out).sheetnames
