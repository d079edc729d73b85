"""Hostile and careless tables, workbooks and directories (issue 23, the readers).

Each test fails on the readers before the fix: numbers read in two conventions in one file,
hidden sheets read, a cut GV100AD accepted, unbounded table readers, plan workbooks that drop
rows or read ✓ as „nein“, a quadratic check, and click's usage error for an unreadable file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.io.excel.plan_sheet import read_plan_sheet
from kimopt.io.gv100 import read_gv100
from kimopt.land.key import read_table
from tests.conftest import DATA, ROOT, write_yaml
from tests.land.test_land_round import GOOD, mini_gv100

__all__ = ["mini_gv100"]  # the fixture, used by name

runner = CliRunner()
TINY = DATA / "valid_tiny.yaml"
KIMOPT = Path(sys.executable).parent / "kimopt"


def refused(path: Path) -> str:
    """The German message of reading the table ``path`` (it must be refused)."""
    with pytest.raises(InputError) as caught:
        read_table(path)
    return caught.value.render("de")


# --- 1. one number convention per file -------------------------------------------------------


def test_a_file_mixing_thousands_dots_and_decimal_points_is_refused_with_its_cells(tmp_path: Path) -> None:
    path = tmp_path / "ind.csv"
    path.write_text("ags;refugees;quote\n05001;1.234;100.5\n05002;600;12\n05003;200;7\n", encoding="utf-8")
    message = refused(path)
    assert "mehrdeutig" in message and "B2 (refugees) „1.234“" in message and "C2 (quote) „100.5“" in message


def test_a_file_mixing_decimal_commas_and_points_is_refused_with_its_cells(tmp_path: Path) -> None:
    path = tmp_path / "ind.csv"
    path.write_text("ags;a;b\n05001;12,5;100.5\n05002;1;2\n", encoding="utf-8")
    message = refused(path)
    assert "zwei Arten" in message and "B2 (a) „12,5“" in message and "C2 (b) „100.5“" in message


def test_the_mixed_file_of_the_issue_gives_no_key_shares(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "ind.csv").write_text("ags;refugees\n05001;1.234\n05002;100.5\n05003;300\n", encoding="utf-8")
    path = write_yaml(
        tmp_path / "runde.yaml", {**GOOD, "indicators": "ind.csv", "key": {"population": "1/2", "refugees": "1/2"}}
    )
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert "ind.csv" in result.output and "B2 (refugees) „1.234“" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("cells", "values"),
    [
        (["1.234", "12.345", "600"], [1234, 12345, 600]),  # German grouping, nothing else: German
        (["1.234,5", "1.234", "7"], [Fraction(12345, 10), 1234, 7]),  # German, decided by the comma
        (["100.5", "0.25", "7"], [Fraction(201, 2), Fraction(1, 4), 7]),  # plain, decided by the points
        (["1.2340", "0.5", "1/3"], [Fraction(1234, 1000), Fraction(1, 2), Fraction(1, 3)]),
    ],
)
def test_one_convention_reads_every_cell_of_a_file(tmp_path: Path, cells: list[str], values: list[Fraction]) -> None:
    path = tmp_path / "ind.csv"
    rows = "".join(f"0500{i + 1};{c}\n" for i, c in enumerate(cells))
    path.write_text("ags;x\n" + rows, encoding="utf-8")
    table = read_table(path)
    assert [table.number(f"0500{i + 1}", "x") for i in range(3)] == values


def test_observed_allocations_follow_the_same_rule(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "obs.csv").write_text("ags;vzae\n05001;2.500\n05002;3.5\n05003;1\n", encoding="utf-8")
    path = write_yaml(tmp_path / "runde.yaml", GOOD)
    result = runner.invoke(
        app,
        ["round", str(path), "--gv100", str(mini_gv100), "--calibrate", str(tmp_path / "obs.csv"), "-o", str(tmp_path)],
    )
    assert result.exit_code == 1, result.output
    assert "obs.csv" in result.output and "B2 (vzae) „2.500“" in result.output


# --- 2. hidden sheets ------------------------------------------------------------------------


def test_an_indicator_workbook_is_read_from_its_visible_sheet(tmp_path: Path) -> None:
    book = Workbook()
    hidden = book.active
    hidden.title = "alt"
    hidden.append(["ags", "x"])
    hidden.append(["05001", 999])
    hidden.sheet_state = "hidden"
    shown = book.create_sheet("aktuell")
    shown.append(["ags", "x"])
    shown.append(["05001", 7])
    book.save(tmp_path / "ind.xlsx")
    assert read_table(tmp_path / "ind.xlsx").number("05001", "x") == 7


def plan_book(rows: list[list[object]], hidden: bool = False, title: str = "Zuordnung") -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(["Anstellungsträger", "Art", "Kommune", "VZÄ", "fest"])
    for row in rows:
        sheet.append(row)
    if hidden:
        book.create_sheet("Notizen")
        sheet.sheet_state = "hidden"
    return book


def test_a_hidden_zuordnung_is_refused_not_read(tmp_path: Path) -> None:
    plan_book([["Kreis Klein", "Kreis", "Adorf", 1, "nein"]], hidden=True).save(tmp_path / "plan.xlsx")
    with pytest.raises(InputError) as caught:
        read_plan_sheet(tmp_path / "plan.xlsx")
    assert "„Zuordnung“ ist ausgeblendet" in caught.value.render("de")


def test_a_hidden_assignment_next_to_a_visible_zuordnung_is_not_read(tmp_path: Path) -> None:
    book = plan_book([["Kreis Klein", "Kreis", "Adorf", 1, "nein"]], title="Assignment")
    book.active.sheet_state = "hidden"
    shown = book.create_sheet("Zuordnung")
    shown.append(["Anstellungsträger", "Art", "Kommune", "VZÄ", "fest"])
    shown.append(["Kreis Klein", "Kreis", "Bedorf", 0.5, "nein"])
    book.save(tmp_path / "plan.xlsx")
    sheet = read_plan_sheet(tmp_path / "plan.xlsx")
    assert [(r.kommune, r.vzae) for r in sheet.rows] == [("Bedorf", Fraction(1, 2))]


# --- 3. a GV100AD file cut inside a record ---------------------------------------------------

SMALL_GV100 = DATA / "gv100" / "GV100AD_test.ASC"


@pytest.mark.parametrize("cut", [30, 100])
def test_a_gv100ad_cut_inside_its_last_record_is_refused(tmp_path: Path, cut: int) -> None:
    raw = SMALL_GV100.read_bytes()
    path = tmp_path / "cut.asc"
    path.write_bytes(raw[:-cut])
    with pytest.raises(InputError) as caught:
        read_gv100(path)
    message = caught.value.render("de")
    lines = raw.decode("utf-8-sig").splitlines()
    assert f"{path}:{len(lines)}:" in message and "abgeschnitten" in message


def test_a_gv100ad_without_its_last_line_break_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "whole.asc"
    path.write_bytes(SMALL_GV100.read_bytes()[:-2])
    assert len(read_gv100(path).gemeinden) == len(read_gv100(SMALL_GV100).gemeinden)


# --- 4. bounded readers ----------------------------------------------------------------------


def run_bounded(code: str, megabytes: int = 400) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter whose address space is capped (a reader that loads a
    hostile file fully dies with MemoryError instead of answering with an InputError)."""
    guard = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({megabytes << 20}, {megabytes << 20}))\n"
    return subprocess.run(
        [sys.executable, "-c", guard + code], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


READ = """
from pathlib import Path
from kimopt.errors import InputError
from kimopt.land.key import read_table
try:
    read_table(Path({path!r}))
except InputError as exc:
    print("REFUSED", exc.render("de"))
"""


def test_a_csv_of_two_million_columns_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("ags;" + ";".join("x" for _ in range(2_000_000)) + "\n05001;1\n", encoding="utf-8")
    done = run_bounded(READ.format(path=str(path)))
    assert "REFUSED" in done.stdout, done.stderr[-400:]
    started = time.perf_counter()
    with pytest.raises(InputError):
        read_table(path)
    assert time.perf_counter() - started < 5


def test_a_narrow_csv_of_many_cells_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("ags;x\n" + "".join(f"{i:05d};" + ";" * 150 + "\n" for i in range(5000)), encoding="utf-8")
    assert "zu viele Zellen" in refused(path)


def test_a_csv_cell_of_a_megabyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("ags;x\n05001;" + "1" * 1_000_000 + "\n", encoding="utf-8")
    assert "zu lang" in refused(path)


def test_a_small_workbook_of_millions_of_cells_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    import zipfile

    book = Workbook()
    book.active.append(["ags", "x"])
    book.save(tmp_path / "base.xlsx")
    rows = "<row><c><v>5001</v></c><c><v>1</v></c></row>" * 1_500_000  # 3 million cells
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(tmp_path / "base.xlsx") as source, zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    assert (tmp_path / "bomb.xlsx").stat().st_size < 1_000_000
    done = run_bounded(READ.format(path=str(tmp_path / "bomb.xlsx")))
    assert "REFUSED" in done.stdout and "zu viele Zellen" in done.stdout, done.stderr[-400:]


def test_a_workbook_claiming_an_unknown_zip_version_is_refused(tmp_path: Path) -> None:
    # found by tests/io/test_fuzz_table_readers.py: zipfile raises NotImplementedError, not BadZipFile
    plan_book([["Kreis Klein", "Kreis", "Adorf", 1, "nein"]]).save(tmp_path / "plan.xlsx")
    data = bytearray((tmp_path / "plan.xlsx").read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # "version needed to extract": 6.4
    (tmp_path / "plan.xlsx").write_bytes(bytes(data))
    for read in (read_plan_sheet, read_table):
        with pytest.raises(InputError) as caught:
            read(tmp_path / "plan.xlsx")
        assert "keine lesbare Excel-Arbeitsmappe" in caught.value.render("de")


# --- 5. plan workbooks -----------------------------------------------------------------------


def test_a_formula_without_a_stored_value_is_refused_with_its_cell(tmp_path: Path) -> None:
    book = plan_book([["Kreis Klein", "Kreis", "Adorf", 1, "nein"], ["Kreis Klein", "Kreis", "Bedorf", "=0.5", "nein"]])
    book.save(tmp_path / "plan.xlsx")  # openpyxl stores no value for a formula, as a program's file
    with pytest.raises(InputError) as caught:
        read_plan_sheet(tmp_path / "plan.xlsx")
    message = caught.value.render("de")
    assert "Zuordnung!D3" in message and "ohne gespeicherten Wert" in message


@pytest.mark.parametrize(("mark", "fixed"), [("✓", True), ("✔", True), ("X", True), (True, True), ("Ja", True)])
def test_common_yes_marks_fix_a_row(tmp_path: Path, mark: object, fixed: bool) -> None:
    plan_book([["Kreis Klein", "Kreis", "Adorf", 1, mark]]).save(tmp_path / "plan.xlsx")
    assert [r.fixed for r in read_plan_sheet(tmp_path / "plan.xlsx").rows] == [fixed]


@pytest.mark.parametrize("mark", ["?", "vielleicht", "✓✓"])
def test_other_marks_are_refused_with_their_cell(tmp_path: Path, mark: str) -> None:
    plan_book([["Kreis Klein", "Kreis", "Adorf", 1, mark]]).save(tmp_path / "plan.xlsx")
    with pytest.raises(InputError) as caught:
        read_plan_sheet(tmp_path / "plan.xlsx")
    assert "Zuordnung!E2 (fest)" in caught.value.render("de") and mark in caught.value.render("de")


def test_checking_thousands_of_rows_is_linear_and_folds_identical_lines(tmp_path: Path) -> None:
    def timed(n: int) -> tuple[float, str]:
        rows: list[list[object]] = [
            ["Kreis Klein", "Kreis", ["Adorf", "Bedorf", "Cedorf"][i % 3], 0.5, "nein"] for i in range(n)
        ]
        plan_book(rows).save(tmp_path / f"plan{n}.xlsx")
        started = time.perf_counter()
        result = runner.invoke(app, ["check", str(TINY), str(tmp_path / f"plan{n}.xlsx")])
        assert result.exit_code == 5, result.output
        return time.perf_counter() - started, result.output

    small, _ = timed(1500)
    large, output = timed(6000)
    assert large < 8 * small  # four times the rows: quadratic work would take 16 times as long
    lines = output.strip().splitlines()
    assert len(lines) < 10
    assert "doppelt aufgeführt" in output and "(1999-mal)" in output and "D2, D5, D8" in output


# --- 6. unreadable inputs: kimopt's exit 1, not click's usage error ---------------------------

COMMANDS = [
    ["validate", "{f}"],
    ["solve", "{f}"],
    ["check", "{f}", str(TINY)],
    ["check", str(TINY), "{f}"],
    ["explain", "{f}"],
    ["apportion", "{f}", "--method", "dhondt"],
    ["report", "{f}", "-o", "{out}.html"],
    ["convert", "{f}", "-o", "{out}.json"],
    ["round", "{f}", "--gv100", str(SMALL_GV100), "-o", "{out}"],
]


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder everyone may enter and write (pytest's own is the owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="kimopt-unreadable-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unreadable_input_is_named_with_exit_1(open_folder: Path, command: list[str]) -> None:
    secret = open_folder / "geheim.yaml"
    secret.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    secret.chmod(0)
    args = [a.format(f=secret, out=open_folder / "out") for a in command]
    # root reads every file: run as nobody there, so that the file really cannot be read
    become = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    done = subprocess.run([*become, str(KIMOPT), *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{secret}: keine Berechtigung" in done.stderr and "Usage" not in done.stderr
