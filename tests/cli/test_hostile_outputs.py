"""Outputs under attack (issue 23): all files of a command or none, inputs never overwritten,
names that are markup or formulas written as text in every format.

Root may write into read-only folders, so refusals of the operating system are simulated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import DATA, TEST_SETTINGS, write_yaml
from tests.land.test_land_round import GOOD
from tests.land.test_land_round import mini_gv100 as mini_gv100  # the fixture, for the round below

runner = CliRunner()
TINY = DATA / "valid_tiny.yaml"
KIMOPT = str(Path(sys.executable).with_name("kimopt"))
PAYLOAD = '</style></title><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def _solve(tmp_path: Path, *extra: str) -> Any:
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    return runner.invoke(app, ["solve", str(TINY), "-m", str(model_file), "-q", "--no-binding", *extra])


def _fail_replace_of(name: str, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """``os.replace`` onto ``name`` fails (the others work)."""
    real = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target).name == name:
            raise error
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)


# ---- all or nothing across files ---------------------------------------------------------------


@pytest.mark.parametrize(("error", "code"), [(OSError(28, "No space left on device"), 1), (KeyboardInterrupt(), 130)])
def test_failing_second_rename_restores_the_first_output(
    error: BaseException, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, report = tmp_path / "p.json", tmp_path / "plan.md"
    plan.write_text('{"old": true}', encoding="utf-8")
    _fail_replace_of("plan.md", monkeypatch, error)
    result = _solve(tmp_path, "-o", str(plan), "--report", str(report))
    assert result.exit_code == code, result.output
    assert plan.read_text(encoding="utf-8") == '{"old": true}'  # the old plan, not half of a new run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml", "p.json"]  # no temporary file


def test_output_that_is_a_hard_link_to_the_instance_is_refused(tmp_path: Path) -> None:
    instance = tmp_path / "kreis.yaml"
    instance.write_bytes(TINY.read_bytes())
    os.link(instance, tmp_path / "p.json")
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["solve", str(instance), "-m", str(model_file), "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 1, result.output
    assert "würde die Eingabedatei" in result.output
    assert (tmp_path / "p.json").read_bytes() == TINY.read_bytes()


def test_report_onto_its_plan_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    result = _solve(tmp_path, "-o", str(tmp_path / "p.json"))
    assert result.exit_code == 0, result.output
    before = (tmp_path / "p.json").read_bytes()
    result = runner.invoke(app, ["report", str(tmp_path / "p.json"), "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 1
    assert (tmp_path / "p.json").read_bytes() == before


def _round_file(tmp_path: Path, **changes: Any) -> Path:
    return write_yaml(tmp_path / "runde.yaml", {**GOOD, **changes})


def test_round_writes_all_its_files_or_none(tmp_path: Path, mini_gv100: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("prefix", "")).startswith(".zuteilung.html"):
            raise PermissionError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    out = tmp_path / "o"
    result = runner.invoke(app, ["round", str(_round_file(tmp_path)), "--gv100", str(mini_gv100), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "zuteilung.html: Datei kann nicht geschrieben werden (Permission denied)" in result.output
    assert not out.exists()  # the folder it made goes again with the files it could not finish


def test_round_output_folder_that_cannot_be_made_is_named(
    tmp_path: Path, mini_gv100: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: Any, **__: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refused)
    out = tmp_path / "o"
    result = runner.invoke(app, ["round", str(_round_file(tmp_path)), "--gv100", str(mini_gv100), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{out}: Ordner kann nicht angelegt werden (Permission denied)" in result.output
    assert "Interner Fehler" not in result.output


def test_round_never_overwrites_its_indicator_file(tmp_path: Path, mini_gv100: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    indicators = out / "zuteilung.csv"
    indicators.write_text("ags;refugees\n05001;1200\n05002;600\n05003;200\n", encoding="utf-8")
    before = indicators.read_bytes()
    path = _round_file(tmp_path, indicators=str(indicators), key={"population": "1/2", "refugees": "1/2"})
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "würde die Eingabedatei" in result.output
    assert indicators.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["zuteilung.csv"]


def test_import_of_a_land_writes_every_kreis_or_none(
    tmp_path: Path, mini_gv100: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tempfile.mkstemp
    calls: list[str] = []

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs.get("prefix", "")))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    out = tmp_path / "kreise"
    result = runner.invoke(app, ["import", "gv100", str(mini_gv100), "--land", "05", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output
    assert not out.exists()


SLOW_SVG = """
from pathlib import Path
import time
import weasyprint.svg

_draw = weasyprint.svg.SVG.draw

def draw(*args, **kwargs):  # a chart that takes long to draw, and says when it is being drawn
    Path({marker!r}).touch()
    time.sleep(20)
    return _draw(*args, **kwargs)

weasyprint.svg.SVG.draw = draw
"""


def test_ctrl_c_while_printing_the_charts_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    # WeasyPrint draws SVG images (the charts) late in printing and swallows every exception
    # there, Ctrl-C included: the PDF was finished anyway
    pytest.importorskip("weasyprint")
    result = _solve(tmp_path, "-o", str(tmp_path / "p.json"))
    assert result.exit_code == 0, result.output
    shim, marker = tmp_path / "shim", tmp_path / "drawing"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SLOW_SVG.format(marker=str(marker)), encoding="utf-8")
    target = tmp_path / "plan.pdf"
    process = subprocess.Popen(
        [KIMOPT, "report", str(tmp_path / "p.json"), "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(shim)},
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), process.communicate()
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert time.monotonic() - sent < 5, err  # at once, not when the printing is done
    assert "Abgebrochen" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drawing", "model.yaml", "p.json", "shim"]


# ---- escaping --------------------------------------------------------------------------------


def _hostile_instance(tmp_path: Path, prefix: str = PAYLOAD) -> Path:
    """The tiny instance named, with its Kreis, a Kommune and a Träger, after ``prefix``."""
    text = TINY.read_text(encoding="utf-8")
    for old in ("Kreis Klein", "Adorf", "Caritas"):
        text = text.replace(old, json.dumps(f"{prefix} {old}"))
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _solved_hostile(tmp_path: Path, prefix: str) -> Path:
    """The plan file of the tiny instance named after ``prefix`` (see :func:`_hostile_instance`)."""
    plan_file = tmp_path / "p.json"
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    instance = _hostile_instance(tmp_path, prefix)
    result = runner.invoke(
        app, ["solve", str(instance), "-m", str(model_file), "-o", str(plan_file), "-q", "--no-binding"]
    )
    assert result.exit_code == 0, result.output
    return plan_file


@pytest.fixture
def hostile_plan(tmp_path: Path) -> Path:
    model_file = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    plan = tmp_path / "plan.json"
    result = runner.invoke(
        app,
        [
            "solve",
            str(_hostile_instance(tmp_path)),
            "-m",
            str(model_file),
            "-o",
            str(plan),
            "--report",
            str(tmp_path / "solve.html"),
            "-q",
            "--no-binding",
        ],
    )
    assert result.exit_code == 0, result.output
    return plan


def _scripts_ran(pages: list[Path]) -> list[str]:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed")
    ran = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            for path in pages:
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                if page.evaluate("() => window.__pwned") is not None:
                    ran.append(path.name)
                assert "window.__pwned" in page.inner_text("body") or "window.__pwned" in page.title()
        finally:
            browser.close()
    return ran


def test_no_script_runs_in_any_html_report(hostile_plan: Path, tmp_path: Path, mini_gv100: Path) -> None:
    folder = hostile_plan.parent
    report = folder / "report.html"
    assert runner.invoke(app, ["report", str(hostile_plan), "-o", str(report)]).exit_code == 0
    model_file = folder / "model.yaml"
    compared = folder / "compare.html"
    result = runner.invoke(
        app,
        [
            "compare",
            str(folder / "hostile.yaml"),
            "-m",
            str(model_file),
            "-m",
            str(model_file),
            "-o",
            str(compared),
        ],
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "runde"
    round_path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "name": PAYLOAD})
    territory = '<script>window.__pwned=3</script>"'  # a Kreis of the GV100AD file, same width
    text = mini_gv100.read_text(encoding="utf-8")
    mini_gv100.write_text(text.replace("Altkreis".ljust(len(territory)), territory), encoding="utf-8")
    result = runner.invoke(app, ["round", str(round_path), "--gv100", str(mini_gv100), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "&lt;script&gt;window.__pwned=3" in (out / "zuteilung.html").read_text(encoding="utf-8")
    from kimopt.serve.export import Marking, report_bytes  # the „Bericht“ download of the what-if page

    download = folder / "bericht.html"
    marking = Marking(PAYLOAD, [(PAYLOAD, PAYLOAD, PAYLOAD)])  # the scenario's name and changes, hostile too
    download.write_bytes(report_bytes(json.loads(hostile_plan.read_text(encoding="utf-8")), ".html", marking))
    pages = [folder / "solve.html", report, compared, out / "zuteilung.html", download]
    assert _scripts_ran(pages) == []


def test_css_page_head_cannot_end_the_style_element() -> None:
    from kimopt.report.html import page_css

    css = page_css(PAYLOAD + ' "\\ \n', "", "", False, "de", False)
    assert "<" not in css and ">" not in css
    assert '"\\3c /style\\3e ' in css  # the CSS escape of </style>, which the printed head shows as text


FORMULA = "=HYPERLINK(1)"


def test_formula_names_stay_text_in_workbook_and_csv(tmp_path: Path) -> None:
    plan_file = _solved_hostile(tmp_path, FORMULA)
    workbook, table = tmp_path / "plan.xlsx", tmp_path / "plan.csv"
    for target in (workbook, table):
        assert runner.invoke(app, ["report", str(plan_file), "-o", str(target)]).exit_code == 0
    book = openpyxl.load_workbook(workbook)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    hostile = [c for c in cells if "HYPERLINK" in c.value]
    assert hostile  # the names are there …
    assert all(c.data_type == "s" for c in hostile)  # … as text, never as formulas
    assert "=HYPERLINK(1) Adorf" in {c.value for c in hostile}
    for line in table.read_text(encoding="utf-8-sig").splitlines():
        for cell in line.split(";"):
            assert not cell.strip('"').startswith("="), line


def test_pdf_metadata_holds_the_name_as_text(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    plan_file = _solved_hostile(tmp_path, "<b>&amp;</b>")
    target = tmp_path / "plan.pdf"
    assert runner.invoke(app, ["report", str(plan_file), "-o", str(target)]).exit_code == 0
    title = pypdf.PdfReader(target).metadata.title
    assert "<b>&amp;</b> Kreis Klein" in title


def test_markdown_names_carry_no_links_emphasis_or_code(tmp_path: Path) -> None:
    plan_file = _solved_hostile(tmp_path, "[klick](javascript:alert(1)) *fett* `code`")
    target = tmp_path / "plan.md"
    assert runner.invoke(app, ["report", str(plan_file), "-o", str(target)]).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "](javascript:" not in text.replace("\\](javascript:", "")
    assert "\\[klick\\](javascript:alert(1)) \\*fett\\* \\`code\\` Adorf" in text


def test_round_files_keep_formula_names_as_text(tmp_path: Path, mini_gv100: Path) -> None:
    formula = "=1+2*HYPERLINK(3)"
    text = mini_gv100.read_text(encoding="utf-8")
    mini_gv100.write_text(text.replace("Altkreis".ljust(len(formula)), formula), encoding="utf-8")
    out = tmp_path / "o"
    result = runner.invoke(app, ["round", str(_round_file(tmp_path)), "--gv100", str(mini_gv100), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / "zuteilung.xlsx")
    hostile = [c for sheet in book for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert hostile and all(c.data_type == "s" for c in hostile)
    csv_cells = [
        cell
        for line in (out / "zuteilung.csv").read_text(encoding="utf-8-sig").splitlines()
        for cell in line.split(";")
        if "HYPERLINK" in cell
    ]
    assert csv_cells and not any(cell.strip('"').startswith(("=", "+", "-", "@")) for cell in csv_cells)
