"""Hostile inputs, faults and interruptions: each ends with a clear message and exit code.

Regression tests for the attacks of issue 11 that did not hold: numbers that would take
minutes to build, plans edited by hand with absurd figures, and the like. Broken instance
files themselves are in the catalogue ``tests/data/broken/`` (``tests/cli/test_bad_input.py``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.data import MAX_RECORDS
from tests.conftest import DATA, TEST_SETTINGS, tiny, write_yaml

runner = CliRunner()
TINY = DATA / "valid_tiny.yaml"
SMALL_GV100 = DATA / "gv100" / "GV100AD_test.ASC"
KIMOPT = str(Path(sys.executable).with_name("kimopt"))  # the command as a planner types it


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The tiny instance, its test model and its plan."""
    folder = tmp_path_factory.mktemp("solved")
    model_file = write_yaml(folder / "model.yaml", TEST_SETTINGS)
    plan_file = folder / "plan.json"
    result = runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan_file), "-q", "--no-binding"])
    assert result.exit_code == 0, result.output
    return model_file, plan_file, json.loads(plan_file.read_text(encoding="utf-8"))


def _edited(plan: dict, tmp_path: Path, raw: str | None = None, **changes: object) -> Path:
    edited = json.loads(json.dumps(plan))
    for path, value in changes.items():
        section, key = path.split("__")
        target = edited[section][0] if isinstance(edited[section], list) else edited[section]
        target[key] = value
    out = tmp_path / "edited.json"
    text = json.dumps(edited)
    if raw is not None:  # a number JSON can hold but Python's dumps cannot write
        text = text.replace('"vzae": ', f'"vzae": {raw}, "was": ', 1)
    out.write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e30, "ist zu groß (höchstens 100000)"),
        ("1e99999999", "ist keine Zahl"),
        ("viel", "ist keine Zahl"),
    ],
)
def test_check_plan_with_absurd_vzae(
    value: object, expected: str, solved: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    model_file, _, plan = solved
    edited = _edited(plan, tmp_path, links__vzae=value)
    result = runner.invoke(app, ["check", str(TINY), str(edited), "-m", str(model_file)])
    assert result.exit_code == 5, result.output
    assert f"Planangaben (links[1]): VZÄ {value!r} {expected}" in result.output


def test_check_plan_with_huge_exponent_written_in_json(solved: tuple[Path, Path, dict], tmp_path: Path) -> None:
    model_file, _, plan = solved
    edited = _edited(plan, tmp_path, raw="1e99999999")
    result = runner.invoke(app, ["check", str(TINY), str(edited), "-m", str(model_file)])
    assert result.exit_code == 5, result.output
    assert "1e99999999" in result.output


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("summary__positions_used", "viel", "Feld „summary.positions_used“: „viel“ ist keine Zahl"),
        ("summary__positions_used", 1e308, "Feld „summary.positions_used“: „1e+308“: Zahl mit zu vielen Stellen"),
        ("kommunen__coverage_vzae", 1e30, "„coverage_vzae“: „1e+30“ ist zu groß"),
        ("links__vzae", "viel", "Verbindung 1, Feld „vzae“: „viel“ ist keine Zahl"),
        ("summary__eigenanteil_eur", {"kreis": "teuer"}, "Feld „summary.eigenanteil_eur.kreis“: „teuer“"),
    ],
)
def test_report_of_hand_edited_plan(
    field: str, value: object, expected: str, solved: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, _, plan = solved
    edited = _edited(plan, tmp_path, **{field: value})
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(edited), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Interner Fehler" not in result.output
    assert not out.exists()


def test_report_of_valid_plan_still_works(solved: tuple[Path, Path, dict], tmp_path: Path) -> None:
    _, plan_file, _ = solved
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", str(plan_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


@pytest.mark.parametrize(
    ("wish", "expected"),
    [
        ("Adorf=1e99999999", "ist keine VZÄ-Zahl"),
        ("Adorf=1e90", "zu groß"),
    ],
)
def test_want_with_absurd_number(wish: str, expected: str, solved: tuple[Path, Path, dict]) -> None:
    model_file, _, _ = solved
    result = runner.invoke(app, ["explain", str(TINY), "-m", str(model_file), "--want", wish])
    assert result.exit_code in (1, 2), result.output
    assert expected in result.output


@pytest.mark.parametrize(("positions", "expected"), [("1e99999999", "keine positive Zahl"), ("1e90", "zu groß")])
def test_import_positions_with_absurd_number(positions: str, expected: str, tmp_path: Path) -> None:
    out = tmp_path / "kreis.yaml"
    result = runner.invoke(
        app, ["import", "gv100", str(SMALL_GV100), "--kreis", "98102", "--positions", positions, "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not out.exists()


def test_excel_text_with_huge_exponent(tmp_path: Path) -> None:
    workbook_file = tmp_path / "kreis.xlsx"
    assert runner.invoke(app, ["convert", str(TINY), "-o", str(workbook_file)]).exit_code == 0
    workbook = openpyxl.load_workbook(workbook_file)
    sheet = workbook["Kommunen"]
    column = next(c.column for c in sheet[1] if str(c.value).startswith("Einwohner"))
    sheet.cell(row=2, column=column, value="1e99999999")
    workbook.save(workbook_file)
    result = runner.invoke(app, ["validate", str(workbook_file)])
    assert result.exit_code == 1, result.output
    assert "1e99999999" in result.output and "zu vielen Stellen" in result.output


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yaml", "name: x\nkommunen: [" + ", ".join(["1"] * 200_001) + "]\n"),
        (".json", '{"name": "x", "kommunen": [' + ", ".join(["1"] * 200_001) + "]}"),
    ],
)
def test_documents_with_too_many_nodes_are_refused_early(suffix: str, text: str, tmp_path: Path) -> None:
    # 200,001 list entries: PyYAML would hold ~700 bytes per node; the file is refused before composing
    path = tmp_path / f"many{suffix}"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "zu viele Einträge (mehr als 200000" in result.output


def test_fifo_as_input_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "kreis.yaml"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["validate", str(fifo)])
    assert result.exit_code == 1, result.output
    assert "keine gewöhnliche Datei" in result.output


def test_ags_given_as_json_integer_is_padded_like_excel(tmp_path: Path) -> None:
    from kimopt.io.excel.cells import cell_value
    from kimopt.load import load_instance

    instance, _ = load_instance(DATA / "ags_integer.json")  # "ags": 1001001
    assert instance.kommunen[0].ags == "01001001" == cell_value(1001001, "ags8")


def test_names_compare_in_nfc(tmp_path: Path) -> None:
    # "Hünxe" shares with "Hünxe" typed as u + combining diaeresis: the same Kommune
    import unicodedata

    from kimopt.load import load_instance

    text = TINY.read_text(encoding="utf-8").replace("Bedorf", unicodedata.normalize("NFC", "Hünxe"))
    text = text.replace("share_with: [Hünxe]", "share_with: [" + unicodedata.normalize("NFD", "Hünxe") + "]")
    path = tmp_path / "nfd.yaml"
    path.write_text(text, encoding="utf-8")
    instance, _ = load_instance(path)
    assert instance.kommunen[0].share_with == [instance.kommunen[1].name]


# ---- outputs: all or nothing, modes, special files, escaping ---------------------------------


def test_failing_report_leaves_no_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimopt.report

    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("report failed")

    monkeypatch.setattr(kimopt.report, "render_plan_report", broken)
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan, report = tmp_path / "plan.json", tmp_path / "plan.html"
    result = runner.invoke(
        app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan), "--report", str(report), "--no-binding"]
    )
    assert result.exit_code == 1
    assert not plan.exists() and not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]  # no temporary file left


def test_replacing_a_plan_keeps_its_mode(tmp_path: Path) -> None:
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    plan.chmod(0o600)
    result = runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan), "-q", "--no-binding"])
    assert result.exit_code == 0, result.output
    assert plan.stat().st_mode & 0o777 == 0o600
    assert json.loads(plan.read_text(encoding="utf-8"))["status"] == "OPTIMAL"


@pytest.mark.parametrize("special", ["fifo", "/dev/full", "/dev/null"])
def test_output_onto_a_special_file_is_refused(special: str, tmp_path: Path) -> None:
    target = Path(special)
    if special == "fifo":
        target = tmp_path / "plan.json"
        os.mkfifo(target)
    elif not target.exists():
        pytest.skip(f"{special} is missing here")
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-o", str(target), "-q", "--no-binding"])
    assert result.exit_code == 1, result.output
    assert "keine gewöhnliche Datei" in result.output
    assert target.exists() and not target.is_file()  # the device or FIFO is still what it was


def test_unwritable_output_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root may write into a read-only folder, so the refusal of the operating system is simulated
    import tempfile

    def refused(*_: object, **__: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan), "-q", "--no-binding"])
    assert result.exit_code == 1, result.output
    assert "plan.json: Datei kann nicht geschrieben werden (Permission denied)" in result.output
    assert "Interner Fehler" not in result.output


def test_disk_full_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan, report = tmp_path / "plan.json", tmp_path / "plan.md"
    result = runner.invoke(
        app, ["solve", str(TINY), "-m", str(model_file), "-o", str(plan), "--report", str(report), "-q", "--no-binding"]
    )
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]


HOSTILE_NAMES = {"Adorf": "$\\alpha^2$ Adorf", "Bedorf": "<script>alert(1)</script>", "Cedorf": "Ce|dorf *x*"}


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny instance with names that are mathtext, HTML and Markdown, solved."""
    folder = tmp_path_factory.mktemp("hostile")
    text = TINY.read_text(encoding="utf-8")
    for old, new in HOSTILE_NAMES.items():
        text = text.replace(old, json.dumps(new))
    data = folder / "hostile.yaml"
    data.write_text(text, encoding="utf-8")
    model_file = write_yaml(folder / "model.yaml", TEST_SETTINGS)
    plan = folder / "plan.json"
    result = runner.invoke(app, ["solve", str(data), "-m", str(model_file), "-o", str(plan), "-q", "--no-binding"])
    assert result.exit_code == 0, result.output
    return plan


def test_html_report_draws_dollar_names_as_text(hostile_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(hostile_plan), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "$\\alpha^2$ Adorf" in html  # in the tables, as written


def test_markdown_report_escapes_markup(hostile_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", str(hostile_plan), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Ce\\|dorf" in text


# ---- Ctrl-C ----------------------------------------------------------------------------------


def _slow_instance(path: Path) -> Path:
    """300 Kommunen whose max-deviation level CP-SAT cannot prove within 30 s (seeded, always the same)."""
    import random

    rng = random.Random(7)
    names = [f"Gemeinde {i:03d}" for i in range(300)]
    kommunen = []
    for i, name in enumerate(names):
        kommune: dict = {"name": name, "population": rng.randint(3000, 90000)}
        if rng.random() < 0.6:
            earlier = names[max(0, i - 4) : i] or [names[1]]
            kommune.update(
                max_vzae=rng.choice([0.5, 1.0, 1.5, 2.0]),
                budget=8200 * rng.randint(0, 4),
                share_with=rng.sample(earlier, min(2, len(earlier))),
            )
        kommunen.append(kommune)
    traeger = [
        {
            "name": f"Träger {t}",
            "max_vzae": rng.choice([1.0, 2.0, 3.0]),
            "serves": rng.sample(names, 20),
            "cost_per_vzae": 71400,
            "deficit_coverage": t % 2 == 0,
        }
        for t in range(10)
    ]
    return write_yaml(
        path,
        {
            "name": "Kreis Groß",
            "kreis": {"name": "Kreis Groß", "cost_per_vzae": 71400},
            "funding": {"year": 2022, "positions_vzae": 105, "rate_per_vzae": 55000},
            "kommunen": kommunen,
            "traeger": traeger,
        },
    )


def _interrupt_when_searching(process: subprocess.Popen, threads: int = 3) -> None:
    """Send Ctrl-C once CP-SAT searches (the process has its search threads), so the test does
    not depend on how fast the machine loads the instance."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(os.listdir(f"/proc/{process.pid}/task")) >= threads:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_in_solve_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    data = _slow_instance(tmp_path / "gross.yaml")
    model_file = write_yaml(
        tmp_path / "model.yaml",
        {**TEST_SETTINGS, "objectives": ["use_positions", {"name": "proportionality", "measure": "max"}, "own_cost"]},
    )
    plan = tmp_path / "plan.json"
    process = subprocess.Popen(
        [
            KIMOPT,
            "solve",
            str(data),
            "-m",
            str(model_file),
            "-o",
            str(plan),
            "--report",
            str(tmp_path / "plan.html"),
            "--time-limit",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    _interrupt_when_searching(process)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert time.monotonic() - started < 30  # stopped at once, not at the time limit
    assert "Abgebrochen" in err and "Traceback" not in err
    assert out == ""  # no plan table as if all were well
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gross.yaml", "model.yaml"]


# ---- batch: interrupted, killed, resumed; every file a row -------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _slow_round(folder: Path) -> Path:
    """Two quick instances and one CP-SAT cannot finish in 30 s."""
    folder.mkdir()
    (folder / "a-klein.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-klein.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    _slow_instance(folder / "c-gross.yaml")
    return write_yaml(
        folder.parent / "model.yaml",
        {**TEST_SETTINGS, "objectives": ["use_positions", {"name": "proportionality", "measure": "max"}, "own_cost"]},
    )


def _start_round(folder: Path, out: Path, model_file: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [KIMOPT, "batch", str(folder), "--out", str(out), "-m", str(model_file), "-j", "2", "--time-limit", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90  # the quick plans are written, the slow one is being searched
    while time.monotonic() < deadline and process.poll() is None:
        if (out / "a-klein.plan.json").exists() and (out / "b-klein.plan.json").exists():
            break
        time.sleep(0.1)
    time.sleep(1.0)
    return process


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_in_batch_then_resume(tmp_path: Path) -> None:
    model_file = _slow_round(tmp_path / "runde")
    out = tmp_path / "plaene"
    process = _start_round(tmp_path / "runde", out, model_file)
    workers = _children(process.pid)
    (out / ".c-gross.plan.json.abc123.tmp").write_text("{", encoding="utf-8")  # as a killed write leaves it
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Abgebrochen: 2/3" in err and "Traceback" not in err
    time.sleep(1.5)
    assert not _alive(workers)  # no worker goes on solving (and writing) after its batch
    assert sorted(p.name for p in out.iterdir()) == [
        "a-klein.plan.json",
        "b-klein.plan.json",
        "summary.csv",
        "summary.json",
        "summary.xlsx",
    ]
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert "ERROR" not in summary and "BrokenProcessPool" not in summary
    # --resume keeps the two plans and completes the round (the slow one within a short limit)
    result = runner.invoke(
        app,
        [
            "batch",
            str(tmp_path / "runde"),
            "--out",
            str(out),
            "-m",
            str(model_file),
            "-j",
            "1",
            "--resume",
            "--time-limit",
            "2",
        ],
    )
    assert result.exit_code in (0, 4), result.output
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [Path(r["file"]).name for r in rows] == ["a-klein.yaml", "b-klein.yaml", "c-gross.yaml"]
    assert [r["resumed"] for r in rows[:2]] == [True, True]
    assert not list(out.glob(".*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_end_with_a_killed_batch(tmp_path: Path) -> None:
    model_file = _slow_round(tmp_path / "runde")
    out = tmp_path / "plaene"
    process = _start_round(tmp_path / "runde", out, model_file)
    workers = _children(process.pid)
    assert workers
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers)
    assert not (out / "c-gross.plan.json").exists()


def test_every_file_of_the_folder_gets_a_row(tmp_path: Path) -> None:
    folder = tmp_path / "runde"
    folder.mkdir()
    (folder / "a-klein.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-kreis\x07.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")  # a bell
    (folder / "c-schleife.yaml").symlink_to(folder / "c-schleife.yaml")  # a link to itself
    (folder / "d-ziel-fehlt.json").symlink_to(folder / "gibt-es-nicht.json")
    out = tmp_path / "plaene"
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["batch", str(folder), "--out", str(out), "-m", str(model_file), "-j", "1"])
    assert result.exit_code == 1, result.output
    rows = {Path(r["file"]).name: r for r in json.loads((out / "summary.json").read_text(encoding="utf-8"))}
    assert set(rows) == {"a-klein.yaml", "b-kreis\x07.yaml", "c-schleife.yaml", "d-ziel-fehlt.json"}
    assert rows["b-kreis\x07.yaml"]["status"] == "OPTIMAL"
    assert "im Kreis" in rows["c-schleife.yaml"]["error"] and "ins Leere" in rows["d-ziel-fehlt.json"]["error"]
    sheet = openpyxl.load_workbook(out / "summary.xlsx").active
    assert any("b-kreis\\x07.yaml" in str(c.value) for c in sheet["A"])


def test_too_many_kommunen_are_refused_before_each_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "viele.json"
    path.write_text(json.dumps({"name": "x", "kommunen": ["x"] * (MAX_RECORDS + 1)}), encoding="utf-8")
    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{MAX_RECORDS + 1} Einträge sind zu viele (höchstens {MAX_RECORDS})" in result.output
    assert time.perf_counter() - started < 5


def test_documents_beyond_8_mib_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "gross.yaml"
    path.write_text("name: " + "x" * (8 * 1024 * 1024) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Datei ist zu groß" in result.output


def test_closed_stdout_still_writes_the_plan(tmp_path: Path) -> None:
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan = tmp_path / "plan.json"
    result = subprocess.run(
        [KIMOPT, "solve", str(TINY), "-m", str(model_file), "-o", str(plan), "--no-binding"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and json.loads(plan.read_text(encoding="utf-8"))["status"] == "OPTIMAL"


def test_unreadable_input_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads every file, so the refusal of the operating system is simulated
    def refused(self: Path, *_: object, **__: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refused)
    for args in (["validate", str(TINY)], ["solve", str(TINY)], ["report", str(TINY), "-o", str(tmp_path / "r.md")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "keine Berechtigung, die Datei zu lesen" in result.output


def test_check_reads_plan_names_in_nfc(solved: tuple[Path, Path, dict], tmp_path: Path) -> None:
    # a plan edited in an editor that writes NFD: the same Kommunen
    import unicodedata

    folder = tmp_path / "nfd"
    folder.mkdir()
    data = folder / "instance.yaml"
    data.write_text(TINY.read_text(encoding="utf-8").replace("Adorf", "Ädorf"), encoding="utf-8")  # a host
    model_file = write_yaml(folder / "model.yaml", TEST_SETTINGS)
    plan = folder / "plan.json"
    assert (
        runner.invoke(app, ["solve", str(data), "-m", str(model_file), "-o", str(plan), "-q", "--no-binding"]).exit_code
        == 0
    )
    plan.write_text(unicodedata.normalize("NFD", plan.read_text(encoding="utf-8")), encoding="utf-8")
    result = runner.invoke(app, ["check", str(data), str(plan), "-m", str(model_file)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("step", ["1e-9", "1e-90"])
def test_apportion_with_absurdly_fine_step_is_refused_not_run(step: str) -> None:
    # 11 VZÄ in steps of 10^-9 would be 1.1 × 10^10 seats awarded one by one
    started = time.perf_counter()
    result = runner.invoke(app, ["apportion", str(TINY), "--method", "dhondt", "--step", step])
    assert result.exit_code == 2, result.output
    assert "zu fein" in result.output
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [("de", "Verteilungsschlüssel oder Granularität zu fein", "too fine"), ("en", "too fine", "zu fein")],
)
def test_a_key_too_fine_for_64_bits_is_refused_in_the_planners_language(
    tmp_path: Path, lang: str, said: str, not_said: str
) -> None:
    # a mixed key of two columns with coprime totals: a weight sum near 10^18, 60 Träger for each row
    data = tiny(
        kommunen=[
            {"name": "A", "population": 999999937, "indicators": {"x": 999999893}},
            {"name": "B", "population": 999999929, "indicators": {"x": 999999883}},
        ],
        funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        traeger=[{"name": f"T{t:02d}", "max_vzae": 1, "serves": ["A", "B"], "cost_per_vzae": 71400} for t in range(60)],
    )
    path = write_yaml(tmp_path / "fein.yaml", data)
    settings = write_yaml(tmp_path / "model.yaml", {**TEST_SETTINGS, "key": {"population": "1/2", "x": "1/2"}})
    result = runner.invoke(app, ["solve", str(path), "-m", str(settings), "--lang", lang])
    assert result.exit_code == 1, result.output
    assert said in result.output and not_said not in result.output
    assert result.output.count("\n") == 1  # one message
