"""Fuzzing the round file, indicator CSV/XLSX and plan-workbook readers (issue 23).

Like tests/io/test_fuzz_readers.py for instances: random bytes, mutated valid files and cells of
any type end in a result or an :class:`~kimopt.errors.InputError` (exit 1 with one clear
message), never another exception, and each within :data:`SECONDS`.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from kimopt.errors import InputError
from kimopt.io.excel.plan_sheet import read_plan_sheet
from kimopt.land.key import read_table
from kimopt.land.pipeline import prepare
from kimopt.land.round_file import load_round
from tests.conftest import DATA
from tests.io.test_fuzz_readers import CELL_VALUES, EDITS, FUZZ, NASTY, SECONDS, _mutate

SMALL_GV100 = DATA / "gv100" / "GV100AD_test.ASC"
ROUND = {"name": "R", "land": "98", "total_vzae": 10, "rate_per_vzae": 55000, "indicators": "ind.csv"}
ROUND_TEXT = yaml.safe_dump(ROUND, allow_unicode=True)
INDICATORS = "ags;name;refugees;quote\n98101;Musterstadt;1.234;12,5\n98102;Wiesental;600;7\n98103;Talheim;200;0,5\n"


def ends_well(read: Callable[[], Any]) -> None:
    """``read`` gives a result or an InputError with a message, within :data:`SECONDS`."""
    started = time.perf_counter()
    try:
        read()
    except InputError as exc:
        assert exc.render("de").strip() and exc.render("en").strip()
    assert time.perf_counter() - started < SECONDS


def every_number(path: Path) -> None:
    """Read a table and every number in it, as a key does."""
    table = read_table(path)
    for ags in table.rows:
        for column in table.columns:
            if table.rows[ags][column].text:
                with contextlib.suppress(InputError):
                    table.number(ags, column)


def folder(factory: Any) -> Path:
    return Path(factory.mktemp("fuzz"))


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".yaml", ".json", ".csv", ".xlsx"]))
def test_random_bytes(data: bytes, suffix: str, tmp_path_factory: Any) -> None:
    path = folder(tmp_path_factory) / f"random{suffix}"
    path.write_bytes(data)
    if suffix in (".yaml", ".json"):
        ends_well(lambda: load_round(path))
    else:
        ends_well(lambda: every_number(path))
        ends_well(lambda: read_plan_sheet(path))


@FUZZ
@given(edits=EDITS)
def test_mutated_round_file(edits: list[tuple[int, int, str]], tmp_path_factory: Any) -> None:
    where = folder(tmp_path_factory)
    (where / "ind.csv").write_text(INDICATORS, encoding="utf-8")
    path = where / "runde.yaml"
    path.write_bytes(_mutate(ROUND_TEXT, edits).encode("utf-8", "surrogatepass"))
    ends_well(lambda: prepare(path, SMALL_GV100))


@FUZZ
@given(edits=EDITS)
def test_mutated_indicator_csv(edits: list[tuple[int, int, str]], tmp_path_factory: Any) -> None:
    where = folder(tmp_path_factory)
    (where / "ind.csv").write_bytes(_mutate(INDICATORS, edits).encode("utf-8", "surrogatepass"))
    path = where / "runde.yaml"
    path.write_text(
        yaml.safe_dump({**ROUND, "key": {"population": "1/3", "refugees": "1/3", "quote": "1/3"}}), encoding="utf-8"
    )
    ends_well(lambda: every_number(where / "ind.csv"))
    ends_well(lambda: prepare(path, SMALL_GV100))


CELLS = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6), CELL_VALUES), min_size=1, max_size=6)


def saved(book: openpyxl.Workbook, path: Path) -> Path:
    try:
        book.save(path)
    except Exception:  # openpyxl cannot write some values it accepted (not kimopt's concern)
        assume(False)
    return path


def changed(book: openpyxl.Workbook, cells: list[tuple[int, int, object]]) -> openpyxl.Workbook:
    for row, column, value in cells:
        try:
            book.active.cell(row=row, column=column, value=value)
        except Exception:  # openpyxl refuses some values itself (control characters, …)
            continue
    return book


def indicator_book() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    for line in INDICATORS.splitlines():
        book.active.append(line.split(";"))
    return book


def plan_book() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.active.title = "Zuordnung"
    for row in (
        ["Anstellungsträger", "Art", "Kommune", "VZÄ", "fest"],
        ["Kreis Klein", "Kreis", "Adorf", 1, "ja"],
        ["Adorf", "Kommune", "Bedorf", "0,5", "✓"],
        ["Caritas", "Träger", "Cedorf", 1.5, None],
    ):
        book.active.append(row)
    return book


@FUZZ
@given(cells=CELLS, hidden=st.booleans())
def test_mutated_indicator_workbook(cells: list[tuple[int, int, object]], hidden: bool, tmp_path_factory: Any) -> None:
    book = changed(indicator_book(), cells)
    if hidden:
        book.create_sheet("zweites")
        book.active.sheet_state = "hidden"
    path = saved(book, folder(tmp_path_factory) / "ind.xlsx")
    ends_well(lambda: every_number(path))


@FUZZ
@given(cells=CELLS, formula=st.sampled_from([None, "=1+1", "=A1", "=SUMME(D2:D3)"]))
def test_mutated_plan_workbook(
    cells: list[tuple[int, int, object]], formula: str | None, tmp_path_factory: Any
) -> None:
    book = changed(plan_book(), cells)
    if formula:
        book.active.cell(row=3, column=4, value=formula)
    path = saved(book, folder(tmp_path_factory) / "plan.xlsx")
    ends_well(lambda: read_plan_sheet(path).plan())


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbook_bytes(flips: list[tuple[int, int]], tmp_path_factory: Any) -> None:
    where = folder(tmp_path_factory)
    for name, book, read in (("ind.xlsx", indicator_book(), every_number), ("plan.xlsx", plan_book(), read_plan_sheet)):
        buffer = io.BytesIO()
        book.save(buffer)
        data = bytearray(buffer.getvalue())
        for position, byte in flips:
            data[position % len(data)] = byte
        path = where / name
        path.write_bytes(bytes(data))
        ends_well(lambda path=path, read=read: read(path))


def test_nasty_cells_in_an_indicator_csv(tmp_path: Path) -> None:
    for piece in NASTY:
        path = tmp_path / "ind.csv"
        path.write_bytes(f"ags;x\n98101;{piece}\n98102;5\n".encode("utf-8", "surrogatepass"))
        ends_well(lambda path=path: every_number(path))
