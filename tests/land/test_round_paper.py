"""The round's PDF as a committee reads it: every column on paper, nothing past the page's edge,
German labels, page 1 used, the calibration's totals one figure (pypdf reads the text back)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import GV100, INSTANCES

pytest.importorskip("weasyprint")

runner = CliRunner()
NRW_ROUND = INSTANCES / "round-nrw-2022.yaml"
SOCKEL = INSTANCES / "round-nrw-2022-sockel.yaml"
OBSERVED = INSTANCES / "round-nrw-observed.csv"

pytestmark = pytest.mark.skipif(not GV100.exists(), reason=f"GV100AD file not found: {GV100}")


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("round") / "out"
    args = ["round", str(NRW_ROUND), "--gv100", str(GV100), "-o", str(out), "--pdf"]
    args += ["--compare-key", str(SOCKEL), "--calibrate", str(OBSERVED)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """Every word on paper with its box: (page, x0, y0, x1, y1, text) and the page sizes.

    poppler's ``pdftotext -bbox`` applies every transform (also the charts' SVG) and leaves out
    what lies beyond the page, so a header cut at the edge shows as cut here.
    """
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for n, (width, height, body) in enumerate(
        re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    ):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
        ):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            found.append(
                (
                    n,
                    x0 / float(width),
                    y0 / float(height),
                    x1 / float(width),
                    y1 / float(height),
                    html.unescape(m.group(5)),
                )
            )
    return found


def paper_pages(pdf: Path) -> list[str]:
    """The words on each page, in reading order of poppler."""
    pages: dict[int, list[str]] = {}
    for n, *_box, text in words(pdf):
        pages.setdefault(n, []).append(text)
    return [" ".join(pages[n]) for n in sorted(pages)]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_text_lies_inside_the_page(printed: Path) -> None:
    placed = words(printed / "zuteilung.pdf")
    assert placed
    outside = [w for w in placed if min(w[1], w[2]) < 0 or max(w[3], w[4]) > 1]
    assert outside == []
    # the margin (12 mm of 210 mm) holds nothing but the running head and foot
    in_margin = [w for w in placed if w[3] > 1 - 10 / 210]
    assert in_margin == []


def test_every_column_header_is_on_paper(printed: Path) -> None:
    pages = paper_pages(printed / "zuteilung.pdf")
    whole = flat(" ".join(pages))
    for header in (
        "Einwohner",
        "Schlüsselanteil",
        "Quote (VZÄ)",
        "Untergrenze",
        "Obergrenze",
        "bindet",
        "Gleichstand",
        "Differenz",
        "je 100.000 Sockel 5 + Einwohner",
    ):
        assert flat(header) in whole, header
    assert "KreisCoesfeld" in whole and "Mindestwert(Bestand)" in whole  # the bound the console reports


def test_labels_are_german_and_page_one_is_used(printed: Path) -> None:
    pages = paper_pages(printed / "zuteilung.pdf")
    assert "population" not in " ".join(pages)
    assert "<dt>Schlüssel</dt><dd>Einwohner</dd>" in (printed / "zuteilung.html").read_text(encoding="utf-8")
    assert "Stadt Düsseldorf" in pages[0]  # the table starts under the settings, not on page 2


def test_calibration_text_and_header_state_the_same_total(printed: Path) -> None:
    data = json.loads((printed / "zuteilung.json").read_text(encoding="utf-8"))
    whole = " ".join(" ".join(paper_pages(printed / "zuteilung.pdf")).split())
    in_text = re.findall(r"entspräche (\d[\d.]*,\d) VZÄ", whole)
    in_header = re.findall(r"als Runde \(?(?:mit )?(\d[\d.]*,\d) VZÄ", whole)
    assert in_text and in_header
    assert set(in_text) == set(in_header) == {"679,5"}
    assert data["calibration"]["applied"]["total_vzae"] == 679.5


def test_the_chart_and_its_caption_share_a_page(printed: Path) -> None:
    pages = paper_pages(printed / "zuteilung.pdf")
    caption = [n for n, text in enumerate(pages) if "VZÄ je 100.000 Einwohner je Gebiet" in text]
    legend = [n for n, text in enumerate(pages) if "Landesdurchschnitt" in text]
    assert caption == legend and len(caption) == 1
