"""Hostile input, round two, reviewed (issue 23): what slipped through the first fixes.

Each test fails on the code before its fix: an English thousands comma („1,200“) read as 1.2,
digits split by spaces („2 0 0“) read as 200, a hidden optional sheet of an instance workbook
silently left out, and ``round --plans`` writing the round's files before refusing a broken
overlay or a ``--plans`` path that is a file.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.io.excel import parse_number
from kimopt.land.key import read_table
from kimopt.serve.session import Session
from tests.conftest import DATA, INSTANCES, write_yaml
from tests.land.test_land_round import GOOD, mini_gv100
from tests.serve.test_serve import TestClient, change, client, wesel_session

__all__ = ["client", "mini_gv100", "wesel_session"]  # the fixtures, used by name

runner = CliRunner()


def _round_file(tmp_path: Path) -> Path:
    return write_yaml(
        tmp_path / "runde.yaml", {**GOOD, "indicators": "ind.csv", "key": {"population": "1/2", "refugees": "1/2"}}
    )


# --- silently wrong numbers ------------------------------------------------------------------


def test_an_english_thousands_comma_is_refused_not_read_as_a_decimal(tmp_path: Path, mini_gv100: Path) -> None:
    # „1,200“ next to whole numbers only: German 1.2, English 1200 — nothing in the file decides
    (tmp_path / "ind.csv").write_text("ags;refugees\n05001;1,200\n05002;600\n05003;200\n", encoding="utf-8")
    result = runner.invoke(
        app, ["round", str(_round_file(tmp_path)), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 1, result.output
    assert "B2 (refugees) „1,200“" in result.output and "mehrdeutig" in result.output
    assert not (tmp_path / "o").exists()


def test_a_decimal_comma_elsewhere_decides_the_file_german(tmp_path: Path) -> None:
    path = tmp_path / "ind.csv"
    path.write_text("ags;refugees\n05001;1,200\n05002;0,5\n05003;1.234\n", encoding="utf-8")
    table = read_table(path)
    assert [table.number(a, "refugees") for a in ("05001", "05002", "05003")] == [
        Fraction(6, 5),
        Fraction(1, 2),
        1234,
    ]


@pytest.mark.parametrize("text", ["2 0 0", "12 5", "1 23", "1.234 567"])
def test_digits_split_by_spaces_are_no_number(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ind.csv"
    path.write_text(f"ags;refugees\n05001;{text}\n05002;600\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path).number("05001", "refugees")
    assert f"„{text}“ ist keine Zahl" in caught.value.render("de")
    assert parse_number(text, "count") is None  # the instance workbook's cells: the same rule


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234", 1234),
        ("1\u00a0234,5", Fraction(2469, 2)),
        ("1'234", 1234),
        ("12\u202f345", 12345),
        ("55 000 €", 55000),
    ],
)
def test_thousands_groups_with_spaces_still_read(tmp_path: Path, text: str, value: Fraction) -> None:
    path = tmp_path / "ind.csv"
    path.write_text(f"ags;refugees\n05001;{text}\n05002;0,5\n", encoding="utf-8")
    assert read_table(path).number("05001", "refugees") == value
    assert Fraction(str(parse_number(text, "number"))) == value


# --- hidden sheets ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_optional_sheet_of_an_instance_workbook_is_refused(tmp_path: Path, state: str) -> None:
    book_path = tmp_path / "kreis.xlsx"
    assert (
        runner.invoke(app, ["convert", str(INSTANCES / "kreis-mettmann-2022.yaml"), "-o", str(book_path)]).exit_code
        == 0
    )
    book = load_workbook(book_path)
    sheet = book["Baustein 1"]
    sheet["B2"] = 3.5  # coordination at the Kreis: changes the plan's figures
    sheet["B6"] = 57000
    sheet.sheet_state = state
    book.save(book_path)
    result = runner.invoke(app, ["solve", str(book_path), "-q", "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 1, result.output
    assert "„Baustein 1“ ist ausgeblendet" in result.output
    assert not (tmp_path / "p.json").exists()


# --- all or nothing: round --plans -----------------------------------------------------------


def _plans_refused(tmp_path: Path, mini_gv100: Path, *extra: str) -> str:
    (tmp_path / "ind.csv").write_text("ags;refugees\n05001;1200\n05002;600\n05003;200\n", encoding="utf-8")
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["round", str(_round_file(tmp_path)), "--gv100", str(mini_gv100), "-o", str(out), *extra]
    )
    assert result.exit_code == 1, result.output
    assert not out.exists(), sorted(p.name for p in out.iterdir())
    return result.output


def test_round_plans_with_a_broken_overlay_writes_nothing(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "ov").mkdir()
    (tmp_path / "ov" / "05001.yaml").write_text("kreis: [\n", encoding="utf-8")
    output = _plans_refused(tmp_path, mini_gv100, "--plans", str(tmp_path / "pl"), "--overlay", str(tmp_path / "ov"))
    assert "05001.yaml" in output and "YAML" in output
    assert not (tmp_path / "pl").exists()


def test_round_plans_with_a_missing_overlay_folder_writes_nothing(tmp_path: Path, mini_gv100: Path) -> None:
    output = _plans_refused(tmp_path, mini_gv100, "--plans", str(tmp_path / "pl"), "--overlay", str(tmp_path / "x"))
    assert "x: Datei nicht gefunden" in output


def test_round_plans_whose_overlay_is_its_own_instances_folder_writes_nothing(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "pl" / "instances").mkdir(parents=True)
    overlay = tmp_path / "pl" / "instances" / "05001-altkreis.yaml"
    overlay.write_text("kreis: {cost_per_vzae: 80000}\n", encoding="utf-8")
    output = _plans_refused(
        tmp_path, mini_gv100, "--plans", str(tmp_path / "pl"), "--overlay", str(tmp_path / "pl" / "instances")
    )
    assert "05001-altkreis.yaml" in output and "Eingabedatei" in output
    assert overlay.read_text(encoding="utf-8") == "kreis: {cost_per_vzae: 80000}\n"


def test_round_plans_into_a_file_writes_nothing(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "pl").write_text("", encoding="utf-8")
    output = _plans_refused(tmp_path, mini_gv100, "--plans", str(tmp_path / "pl"))
    assert "kein Ordner" in output


# --- serve: the page's fields follow the same rule ------------------------------------------


@pytest.mark.parametrize(("field", "typed"), [("k0_max", "1 5"), ("kreisquote", "1 5"), ("k0_budget", "16 4 00")])
def test_serve_names_digits_split_by_spaces_next_to_the_field(
    client: TestClient, wesel_session: Session, field: str, typed: str
) -> None:
    answer = change(client, wesel_session, **{field: typed})
    assert answer.status_code == 200 and "Eingabe prüfen" in answer.text
    start = answer.text.index(f'<span id="e-{field}"')
    span = answer.text[start : answer.text.index("</span>", start)]
    assert f"„{typed}“" in span, span


def test_long_names_draw_charts_without_a_matplotlib_warning(tmp_path: Path) -> None:
    """Names of 200 characters leave constrained_layout no room: the report is still written, and
    matplotlib's UserWarning never reaches the planner's terminal."""
    import warnings

    text = (DATA / "valid_tiny.yaml").read_text(encoding="utf-8")
    for name in ("Kreis Klein", "Adorf", "Bedorf", "Cedorf", "Caritas"):
        text = text.replace(name, name + " " + "sehr-lang" * 20)
    path = tmp_path / "lang.yaml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, ["solve", str(path), "-q", "--no-binding", "--report", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").stat().st_size > 0
    assert [str(w.message) for w in caught if issubclass(w.category, UserWarning)] == []
