"""``kimopt batch``: many instances, plans and a summary; failures are rows, not the end."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.analysis import batch as batch_module
from kimopt.analysis.batch import Row, YearFigures, collect, exit_code, neutralise, plan_paths
from kimopt.cli import app
from tests.conftest import ROOT, tiny, write_yaml

runner = CliRunner()


def _round(folder: Path, broken: bool = True, infeasible: bool = True) -> Path:
    """Two good instances, and optionally a broken and an infeasible one."""
    folder.mkdir()
    write_yaml(folder / "a-klein.yaml", tiny())
    write_yaml(
        folder / "b-gross.yaml",
        tiny(name="Kreis Groß", funding={"positions_vzae": 6, "rate_per_vzae": 55000}),
    )
    if broken:
        bad = tiny(name="Kreis Kaputt")
        bad["kommunen"][0]["population"] = -5
        write_yaml(folder / "c-kaputt.yaml", bad)
    if infeasible:
        # 5 filled Kreis positions must stay (keep_existing), but only 3 are fundable
        write_yaml(
            folder / "d-widerspruch.yaml",
            tiny(
                name="Kreis Widerspruch",
                kreis={"name": "Kreis Widerspruch", "cost_per_vzae": 71400, "existing_vzae": 5},
            ),
        )
    return folder


def _summary(out: Path) -> dict[str, dict[str, Any]]:
    """The summary by file name, with the column keys (``summary.json``)."""
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {Path(row["file"]).name: row for row in rows}


def german_excel_files(out: Path, rows: dict[str, dict[str, Any]]) -> None:
    """summary.csv opens as columns in German Excel; summary.xlsx prints one page wide."""
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the umlauts
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:6] == ["Datei", "Name", "Jahr", "Status", "VZÄ genutzt", "VZÄ förderfähig"]
    by_file = {Path(line[0]).name: dict(zip(table[0], line, strict=True)) for line in table[1:]}
    klein = by_file["a-klein.yaml"]
    assert klein["VZÄ genutzt"] == "3" and klein["übernommen (--resume)"] == "nein"
    for key, header in (("kreis_share", "Anteil Kreis"), ("deviation_l1", "Summe der Abweichungen vom Soll (VZÄ)")):
        assert "." not in klein[header]  # decimal comma, no dots
        assert float(klein[header].replace(",", ".")) == rows["a-klein.yaml"][key]
    assert "False" not in raw.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(out / "summary.xlsx").active
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"


def _batch(source: Path, out: Path, model_file: Path, *extra: str, workers: int = 1) -> list[str]:
    """The arguments of ``kimopt batch SOURCE --out OUT --model MODEL --workers N EXTRA…``."""
    return ["batch", str(source), "--out", str(out), "--model", str(model_file), "--workers", str(workers), *extra]


def test_mixed_round_records_every_instance_and_goes_on(tmp_path, test_model_file):
    folder = _round(tmp_path / "runde")
    out = tmp_path / "out"
    result = runner.invoke(app, _batch(folder, out, test_model_file))
    assert result.exit_code == 1, result.output  # bad input outranks infeasible (3)
    rows = _summary(out)
    assert {name: row["status"] for name, row in rows.items()} == {
        "a-klein.yaml": "OPTIMAL",
        "b-gross.yaml": "OPTIMAL",
        "c-kaputt.yaml": "INPUT_ERROR",
        "d-widerspruch.yaml": "INFEASIBLE",
    }
    assert "population" in rows["c-kaputt.yaml"]["error"] and "negativ" in rows["c-kaputt.yaml"]["error"]
    assert "keine zulässige Verteilung" in rows["d-widerspruch.yaml"]["error"]
    # 3 VZÄ fundable; tiny() can use them all
    assert (rows["a-klein.yaml"]["positions_used"], rows["a-klein.yaml"]["positions_fundable"]) == (3.0, 3.0)
    german_excel_files(out, rows)
    assert sorted(p.name for p in out.glob("*.plan.json")) == [
        "a-klein.plan.json",
        "b-gross.plan.json",
    ]
    plan = json.loads((out / "b-gross.plan.json").read_text(encoding="utf-8"))
    assert plan["status"] == "OPTIMAL" and plan["summary"]["positions_used"] == 6
    workbook = openpyxl.load_workbook(out / "summary.xlsx").active
    table = [row for row in workbook.iter_rows(values_only=True) if row[0]]
    assert table[0][:4] == ("Datei", "Name", "Jahr", "Status")
    assert {Path(str(row[0])).name: row[3] for row in table[1:]} == {  # the same four rows as summary.json
        name: row["status"] for name, row in rows.items()
    }


def test_infeasible_alone_gives_exit_3_and_process_pool_works(tmp_path, test_model_file):
    folder = _round(tmp_path / "runde", broken=False)
    out = tmp_path / "out"
    result = runner.invoke(app, _batch(folder / "*.yaml", out, test_model_file, "--lang", "en", workers=2))
    assert result.exit_code == 3, result.output
    assert "3 instances: 2 optimal (proven) (67 %), 1 infeasible (33 %)" in result.output
    assert "[3/3, 100 %]" in result.output  # the progress line with its percentage
    assert len(list(out.glob("*.plan.json"))) == 2


def test_time_limit_too_short_gives_exit_4(tmp_path, test_model_file, monkeypatch):
    from kimopt.pipeline import Outcome
    from kimopt.results import SolveResult, Status

    folder = _round(tmp_path / "runde", broken=False, infeasible=False)

    def no_plan(instance, model, model_name, time_limit):
        return Outcome(None, SolveResult(Status.UNKNOWN, None, []), None, None)  # type: ignore[arg-type]

    monkeypatch.setattr("kimopt.pipeline.plan_instance", no_plan)
    result = runner.invoke(app, _batch(folder, tmp_path / "out", test_model_file, "--time-limit", "0.01"))
    assert result.exit_code == 4, result.output
    assert {row["status"] for row in _summary(tmp_path / "out").values()} == {"TIMEOUT"}


def test_resume_skips_plans_of_the_same_content(tmp_path, test_model_file):
    folder = _round(tmp_path / "runde", broken=False, infeasible=False)
    out = tmp_path / "out"
    args = _batch(folder, out, test_model_file)
    assert runner.invoke(app, args).exit_code == 0
    kept = out / "a-klein.plan.json"
    before = kept.stat().st_mtime_ns
    write_yaml(
        folder / "b-gross.yaml",
        tiny(name="Kreis Groß", funding={"positions_vzae": 4, "rate_per_vzae": 55000}),
    )
    result = runner.invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    rows = _summary(out)
    assert rows["a-klein.yaml"]["resumed"] is True and rows["b-gross.yaml"]["resumed"] is False
    assert kept.stat().st_mtime_ns == before  # untouched
    assert json.loads((out / "b-gross.plan.json").read_text(encoding="utf-8"))["summary"]["positions_used"] == 4


def test_interrupt_keeps_finished_plans_and_writes_the_summary(tmp_path, test_model_file, monkeypatch):
    folder = _round(tmp_path / "runde", broken=False, infeasible=False)
    out = tmp_path / "out"
    real = batch_module.run_task
    calls = []

    def interrupted_second(task):
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(batch_module.run, "run_task", interrupted_second)
    result = runner.invoke(app, _batch(folder, out, test_model_file))
    assert result.exit_code == 130, result.output
    assert [p.name for p in out.glob("*.plan.json")] == ["a-klein.plan.json"]
    assert list(_summary(out)) == ["a-klein.yaml"]
    assert not list(out.glob(".*.tmp"))


def test_formula_injection_is_neutralised(tmp_path, test_model_file):
    from openpyxl import load_workbook

    folder = tmp_path / "runde"
    folder.mkdir()
    write_yaml(folder / "x.yaml", tiny(name='=HYPERLINK("http://evil")'))
    out = tmp_path / "out"
    result = runner.invoke(app, _batch(folder, out, test_model_file))
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert table[1][1].startswith("'=")
    assert _summary(out)["x.yaml"]["name"] == '=HYPERLINK("http://evil")'  # JSON is data, never run
    sheet = load_workbook(out / "summary.xlsx").active
    assert sheet.cell(2, 2).value.startswith("'=") and sheet.cell(2, 2).data_type == "s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+49 211", "'+49 211"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Kreis Wesel", "Kreis Wesel"),
        (-1.5, -1.5),  # numbers stay numbers
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["OPTIMAL", "FEASIBLE"], 0),  # every instance has a plan
        (["OPTIMAL", "TIMEOUT"], 4),
        (["TIMEOUT", "INFEASIBLE"], 3),  # infeasible outranks a timeout
        (["INFEASIBLE", "INPUT_ERROR", "TIMEOUT"], 1),  # bad input outranks both
        (["ERROR", "REJECTED"], 5),  # a plan breaking rules is a defect: first
    ],
)
def test_exit_code_precedence(statuses, code):
    assert exit_code([Row(file="x", status=s) for s in statuses]) == code


def test_collect_folders_globs_and_missing_paths(tmp_path):
    folder = _round(tmp_path / "runde", broken=False, infeasible=False)
    (folder / "a-klein.plan.json").write_text("{}", encoding="utf-8")  # a plan is no instance
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    files, missing = collect([str(folder), str(folder / "a-*.yaml"), str(tmp_path / "fehlt.yaml")])
    assert [f.name for f in files] == ["a-klein.yaml", "b-gross.yaml"]  # each once
    assert [m.status for m in missing] == ["INPUT_ERROR"]
    other = tmp_path / "other"
    other.mkdir()
    names = [p.name for p in plan_paths([folder / "a-klein.yaml", other / "a-klein.yaml"], tmp_path)]
    assert names == ["a-klein.plan.json", "a-klein-2.plan.json"]


@pytest.mark.parametrize("command", [["--help"], ["validate", "INSTANCE"]])
def test_help_and_validate_import_neither_ortools_nor_pandas(command, tmp_path):
    instance = write_yaml(tmp_path / "tiny.yaml", tiny())
    args = [str(instance) if a == "INSTANCE" else a for a in command]
    code = (
        "import sys\nfrom kimopt.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = ('ortools', 'pandas', 'openpyxl', 'matplotlib')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_english_summary_keeps_the_column_keys() -> None:
    from kimopt.analysis.batch import COLUMNS, summary_csv

    row = Row(file="a.yaml", status="OPTIMAL", years=[YearFigures(2022, "OPTIMAL", positions_used=3.5)], resumed=True)
    text = summary_csv([row], "en")
    header, line = text.splitlines()[:2]
    assert header.split(",") == list(COLUMNS) and not text.startswith("\ufeff")
    assert "3.5" in line.split(",") and line.endswith("yes")
