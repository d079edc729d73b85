"""The HTML reports in a real browser: at 1280 px nothing is cut off, and Chromium prints them to A4.

Runs where Debian's ``chromium`` is installed (``.ci/run`` installs it) and Playwright's Python
package is there; Playwright drives the system browser, its own browser download is not used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES, MODELS, TEST_SETTINGS, dev_extra, write_yaml
from tests.report.test_pdf import right_margin_is_blank

pypdf = dev_extra("pypdf")
sync_api = dev_extra("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022.yaml"
SCENARIOS = [
    "test-model",
    "Kreis übernimmt das Defizit der Kommunen",
    "Voerde Budget 16.400 €",
    "Kreisquote 40 %",
    "Förderung 57.000 €",
]

LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll('table')];
  const line = parseFloat(getComputedStyle(document.body).lineHeight) || 18;
  return {
    scroll: document.documentElement.scrollWidth, width: width,
    right: Math.max(...tables.map(t => t.getBoundingClientRect().right)),
    labelLines: Math.max(...tables.flatMap(t => [...t.querySelectorAll('tbody td:first-child')]
        .map(td => (td.getBoundingClientRect().height - 6) / line))),
    headers: [...document.querySelectorAll('thead th')].map(th => th.textContent),
  };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plan, a five-scenario comparison and ten alternatives of Kreis Wesel as HTML."""
    folder = tmp_path_factory.mktemp("html")
    model = write_yaml(folder / "test-model.yaml", TEST_SETTINGS)
    commands = {
        "plan": ["solve", str(WESEL), "-m", str(model), "-q", "--no-binding", "--report"],
        "compare": ["compare", str(WESEL), "-m", str(model), "-s", str(MODELS / "scenarios-wesel.yaml"), "-o"],
        "alternatives": ["alternatives", str(WESEL), "-m", str(model), "-k", "10", "-o"],
    }
    out = {}
    for name, command in commands.items():
        path = folder / f"{name}.html"
        result = runner.invoke(app, [*command, str(path)])
        assert result.exit_code == 0, result.output
        out[name] = path
    return out


@pytest.mark.parametrize("name", ["plan", "compare", "alternatives"])
def test_nothing_is_cut_off_at_1280_px(browser: Any, reports: dict[str, Path], name: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(reports[name].as_uri())
    layout = page.evaluate(LAYOUT)
    page.close()
    assert layout["scroll"] <= layout["width"]  # no horizontal scrolling
    assert layout["right"] <= layout["width"]  # every table ends inside the window
    assert layout["labelLines"] <= 3.2  # the label column does not wrap onto five lines
    if name == "compare":
        assert all(any(s in h for h in layout["headers"]) for s in SCENARIOS)
    if name == "alternatives":
        assert all(f"Plan {n}" in layout["headers"] for n in range(1, 11))


@pytest.mark.parametrize("name", ["plan", "compare", "alternatives"])
def test_chromium_prints_to_a4(browser: Any, reports: dict[str, Path], name: str, tmp_path: Path) -> None:
    page = browser.new_page()
    page.goto(reports[name].as_uri())
    pdf = tmp_path / f"{name}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    reader = pypdf.PdfReader(pdf)
    # NFKC: Chromium sets „fi“ as a ligature, which reads back as one character
    texts = [re.sub(r"\s+", " ", unicodedata.normalize("NFKC", p.extract_text() or "")) for p in reader.pages]
    for n, text in enumerate(texts, start=1):
        assert f"Seite {n} von {len(texts)}" in text
    box = reader.pages[0].mediabox
    assert round(float(min(box.width, box.height))) in (595, 596)  # A4: 210 mm
    assert (box.width > box.height) == (name != "plan")  # comparisons in landscape
    whole = " ".join(texts)
    if name == "compare":
        assert all(s in whole for s in SCENARIOS) and "627.000 €" in whole
    if name == "alternatives":
        assert all(f"Plan {n}" in whole for n in range(1, 11))
    right_margin_is_blank(pdf, tmp_path)
