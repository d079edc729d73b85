"""PDF reports as a committee member sees them: the text on every page, and the pages as pictures.

The plan, a five-scenario comparison and ten alternatives are printed by ``--report x.pdf``;
each page is read back with pypdf (page count, running head and foot, every name and figure)
and rendered with pdftoppm where it is installed (nothing printed past the right margin, so
no table is cut off).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES, MODELS, TEST_SETTINGS, dev_extra, write_yaml

pypdf = dev_extra("pypdf")

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022.yaml"
STAND = "01.12.2026"  # SOURCE_DATE_EPOCH below
EPOCH = "1796083200"  # 2026-12-01 00:00 UTC


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def model_file(folder: Path) -> Path:
    return write_yaml(folder / "test-model.yaml", TEST_SETTINGS)


@pytest.fixture(scope="module")
def plan(folder: Path, model_file: Path) -> dict[str, Any]:
    out = folder / "plan.json"
    result = runner.invoke(app, ["solve", str(WESEL), "-m", str(model_file), "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return dict(json.loads(out.read_text(encoding="utf-8")))


def pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def assert_every_page_has_head_and_foot(texts: list[str], title: str) -> None:
    for n, text in enumerate(texts, start=1):
        assert f"Seite {n} von {len(texts)}" in text, n
        assert f"Stand: {STAND}" in text, n
        assert title in flat(text), n


def assert_no_page_is_only_head_foot_and_footer(texts: list[str], title: str) -> None:
    footer = "Erstellt mit kimopt."
    for n, text in enumerate(texts, start=1):
        body = flat(text).replace(title, "").replace(f"Stand: {STAND}", "")
        body = re.sub(r"Seite \d+ von \d+", "", body).replace("ENTWURF", "")
        if footer in body:
            body = body[: body.index(footer)]
        assert len(body.strip()) > 40, f"page {n} holds only the footer"


def right_margin_is_blank(pdf: Path, tmp_path: Path) -> None:
    """Render every page and look at the strip right of the margin: a cut-off table shows there."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pypdf.PdfReader(pdf).pages)
    for image in images:
        picture = Image.open(image).convert("L")
        width, height = picture.size
        strip = picture.crop((width - int(width * 0.03), 0, width, height))  # the outer 3 % of the page
        assert strip.getextrema()[0] > 200, f"{image.name}: something is printed past the right margin"
        assert picture.getextrema()[0] < 100  # and the page is not empty


def test_plan_pdf(plan: dict[str, Any], folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.pdf"
    result = runner.invoke(app, ["report", str(folder / "plan.json"), "-o", str(out), "--entwurf"])
    assert result.exit_code == 0, result.output
    texts = pages(out)
    assert 3 <= len(texts) <= 8
    title = "KIM-Verteilungsplan Kreis Wesel 2022"
    assert_every_page_has_head_and_foot(texts, title)
    assert all("ENTWURF" in text for text in texts)  # the draft mark on every page
    whole = flat(" ".join(texts))
    for kommune in plan["kommunen"]:
        assert kommune["name"] in whole
    assert "605.000 €" in whole and "Wer zahlt wem" in whole and "Wie wurde entschieden?" in whole
    # the Kommunen table starts with its heading and at least three rows on the same page
    start = next(t for t in texts if "Verteilung auf die Kommunen" in t)
    assert sum(k["name"] in start for k in plan["kommunen"]) >= 3
    assert_no_page_is_only_head_foot_and_footer(texts, title)
    right_margin_is_blank(out, tmp_path)


def test_solve_writes_the_pdf_straight_away(model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.pdf"
    result = runner.invoke(
        app, ["solve", str(INSTANCES / "kreis-mettmann-2022.yaml"), "-m", str(model_file), "-q", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    texts = pages(out)
    assert "Seite 1 von" in texts[0] and "ENTWURF" not in " ".join(texts)
    assert "Kreis Mettmann" in texts[0] and "114.800 €" in flat(" ".join(texts))


def test_five_scenarios_on_landscape_pages(model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "vergleich.pdf"
    result = runner.invoke(
        app,
        [
            "compare",
            str(WESEL),
            "-m",
            str(model_file),
            "-s",
            str(MODELS / "scenarios-wesel.yaml"),
            "--report",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(out)
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    texts = pages(out)
    assert_every_page_has_head_and_foot(texts, "Vergleich der Alternativen – Kreis Wesel 2022")
    whole = flat(" ".join(texts))
    for name in (
        "Kreis übernimmt das Defizit der Kommunen",
        "Voerde Budget 16.400 €",
        "Kreisquote 40 %",
        "Förderung 57.000 €",
    ):
        assert name in whole
    assert "627.000 €" in whole  # 11 × 57.000 €: the fifth column is on the page
    assert "40,9 %" in whole  # the Kreis share under the 40 % quota
    right_margin_is_blank(out, tmp_path)


def test_ten_alternatives_fit(model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "alternativen.pdf"
    result = runner.invoke(app, ["alternatives", str(WESEL), "-m", str(model_file), "-k", "10", "--report", str(out)])
    assert result.exit_code == 0, result.output
    whole = flat(" ".join(pages(out)))
    for n in range(1, 11):
        assert f"Plan {n}" in whole
    assert "(1–5 von 10)" in whole and "(6–9 von 10), zum Vergleich mit 1" in whole  # parts with the reference
    right_margin_is_blank(out, tmp_path)


def test_without_weasyprint_the_message_says_what_to_install(
    folder: Path, plan: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as on a machine without it
    out = tmp_path / "plan.pdf"
    result = runner.invoke(app, ["report", str(folder / "plan.json"), "-o", str(out)])
    assert result.exit_code == 1
    assert "apt-get install libpango" in result.output and "kimopt[pdf]" in result.output
    assert "Traceback" not in result.output and not out.exists()
