"""A comparison of more than five alternatives as printed (its HTML text): every part of a table
shows the reference it marks against, the note names the mark the page uses, a scenario's model
is the scenario, and the charts say what they leave out."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES, MODELS

runner = CliRunner()
SCENARIOS = ["Kreis übernimmt das Defizit der Kommunen", "Voerde Budget 16.400 €", "Kreisquote 40 %"]


@pytest.fixture(scope="module")
def sections(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("compare") / "vergleich.html"
    args = ["compare", str(INSTANCES / "kreis-wesel-2022.yaml"), "-m", str(MODELS / "kim-standard.yaml")]
    args += ["-m", str(MODELS / "kreisquote-40.yaml"), "-s", str(MODELS / "scenarios-wesel.yaml"), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    found = {
        key: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for key, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', text, re.S)
    }
    found["page"] = text
    return found


def test_every_part_holds_the_reference(sections: dict[str, str]) -> None:
    for table in ("figures", "coverage", "served"):
        parts = [key for key in sections if key.startswith(f"{table}-")]
        assert len(parts) == 2, parts  # six alternatives: 1–5, then 6 with 1 beside it
        head = sections[parts[1]]
        assert "(6 von 6), zum Vergleich mit 1" in head
        assert head.index("kim-standard") < head.index("Förderung 57.000 €")


def test_the_note_names_the_yellow_mark(sections: dict[str, str]) -> None:
    assert "Gelb hinterlegt: anders als in der ersten Alternative mit Plan." in sections["figures-1"]
    assert "(*)" not in sections["page"]


def test_a_scenarios_model_is_the_scenario(sections: dict[str, str]) -> None:
    row = re.search(r"Planungsmodell (.*?) Status", sections["figures-1"])
    assert row is not None
    assert row.group(1) == " ".join(["kim-standard", "kreisquote-40", *["Szenario von kim-standard"] * 3])
    meta = sections["page"]
    for name in SCENARIOS:  # the page head names each scenario as its model
        assert f"<dd>Modell {html.escape(name)}, " in meta


def test_the_charts_say_what_they_leave_out(sections: dict[str, str]) -> None:
    chart = sections["chart"]
    assert "Nicht gezeigt, weil in allen Alternativen gleich" in chart
    assert "Anstellungsträger Dinslaken" in chart


def test_markdown_says_bold(tmp_path: Path) -> None:
    out = tmp_path / "vergleich.md"
    args = ["compare", str(INSTANCES / "kreis-wesel-2022.yaml"), "-s", str(MODELS / "scenarios-wesel.yaml")]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Fett: anders als" in out.read_text(encoding="utf-8")


def test_measures_in_words(sections: dict[str, str]) -> None:
    assert "Summe der Abweichungen vom Soll (VZÄ)" in sections["figures-1"]
    assert "Σ|" not in sections["figures-1"].split("Summe der Abweichungen")[1].split("größte")[0]
