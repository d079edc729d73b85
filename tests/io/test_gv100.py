"""GV100AD import: the fixed-width parser, instances from it and ``kimopt import gv100``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.errors import InputError
from kimopt.io.gv100 import instance_yaml, positions_for, read_gv100
from kimopt.load import load_instance
from tests.conftest import DATA, GV100

SMALL = DATA / "gv100" / "GV100AD_test.ASC"
runner = CliRunner()
needs_gv100 = pytest.mark.skipif(not GV100.exists(), reason=f"official GV100AD file not found at {GV100}")


@pytest.fixture(scope="module")
def small():
    """The made-up Testland file (tests/data/gv100/README.md)."""
    return read_gv100(SMALL)


@pytest.fixture(scope="module")
def real():
    """The official file of 30.11.2021, read once for this module."""
    return read_gv100(GV100)


def test_reads_gemeinden_with_fields(small):
    adorf = next(g for g in small.gemeinden if g.ags == "98102001")
    assert (adorf.name, adorf.population, adorf.text_code, adorf.kreis) == (
        "Adorf, Stadt",
        12000,
        "63",
        "98102",
    )
    assert small.gebietsstand == "20211130"
    assert small.laender == {"98": "Testland", "97": "Inselland"}
    # character columns, not bytes: the umlaut in the name does not shift the population
    assert next(g for g in small.gemeinden if g.ags == "98103003").population == 9000


def test_kreis_names_come_from_record_40(small):
    names = {key: k.display_name for key, k in small.kreise.items()}
    assert names == {
        "98101": "Stadt Musterstadt",
        "98102": "Landkreis Wiesental",
        "98103": "Kreis Talheim",
        "97001": "Hansestadt Inselstadt",
    }
    assert small.kreise["98101"].kreisfrei and not small.kreise["98102"].kreisfrei


def test_unpopulated_gemeinden_are_skipped(small):
    assert len([g for g in small.gemeinden if g.kreis == "98102"]) == 4
    assert [g.ags for g in small.populated("98102")] == ["98102001", "98102002", "98102003"]


def test_instance_loads_back_with_short_names_and_exact_positions(small, tmp_path):
    imported = instance_yaml(small, "98102")
    path = tmp_path / imported.filename
    path.write_text(imported.text, encoding="utf-8")
    instance, _ = load_instance(path)
    assert imported.filename == "98102-landkreis-wiesental.yaml"
    assert [(k.name, k.ags, k.population) for k in instance.kommunen] == [
        ("Adorf", "98102001", 12000),
        ("Bedorf", "98102002", 8000),
        ("Cedorf", "98102003", 20000),
    ]
    assert instance.kreis.ags == "98102" and instance.kreis.cost_per_vzae == 71400
    # 40,000 × 2.4 / 100,000 = 0.96 → 1.0 (nearest 0.5)
    assert instance.funding.positions_vzae == 1
    assert instance.funding.rate_per_vzae == 55000 and instance.funding.year == 2022
    assert "Destatis" in imported.text and "# Adorf, Stadt" in imported.text


def test_kreisfreie_stadt_is_its_own_only_kommune(small, tmp_path):
    imported = instance_yaml(small, "98101", positions=Fraction(7, 2))
    path = tmp_path / "stadt.yaml"
    path.write_text(imported.text, encoding="utf-8")
    instance, _ = load_instance(path)
    assert [(k.name, k.population) for k in instance.kommunen] == [("Musterstadt", 150000)]
    assert instance.kreis.name == "Stadt Musterstadt" and instance.funding.positions_vzae == Fraction(7, 2)


def test_same_short_name_keeps_both_distinct(small):
    text = instance_yaml(small, "98103").text
    assert '"Neudorf (98103001)"' in text and '"Neudorf (98103002)"' in text and '"Ühausen"' in text


@pytest.mark.parametrize(
    ("population", "per_100k", "expected"),
    [
        (460113, Fraction(12, 5), Fraction(11)),  # 11.04 → 11.0
        (30000, Fraction(12, 5), Fraction(1)),  # 0.72 → 0.5, raised to the minimum 1
        (100000, Fraction(13, 5), Fraction(5, 2)),  # 2.6 → 2.5
        (100000, Fraction(11, 4), Fraction(3)),  # 2.75 → 3.0: halves round up
        (17925570, Fraction(12, 5), Fraction(430)),  # 430.2 → 430.0
    ],
)
def test_positions_per_100k_round_to_half_positions(population, per_100k, expected):
    assert positions_for(population, per_100k) == expected


def _broken(tmp_path: Path, line: int, start: int, text: str) -> Path:
    lines = SMALL.read_bytes().decode("utf-8").split("\r\n")
    lines[line - 1] = lines[line - 1][: start - 1] + text + lines[line - 1][start - 1 + len(text) :]
    path = tmp_path / "broken.ASC"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return path


def test_malformed_population_names_line_and_columns(tmp_path):
    path = _broken(tmp_path, 8, 140, "0000001200x")
    with pytest.raises(InputError) as caught:
        read_gv100(path)
    message = caught.value.render("de")
    assert f"{path}:8" in message and "Bevölkerung (Stellen 140–150)" in message


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--kreis", "98109"], 1, "98109"),  # unknown Kreis, names the Land's key range
        (["--kreis", "981"], 1, "5 Ziffern"),  # not a Kreis key
        (
            ["--land", "99", "-o", "OUT"],
            1,
            "vorhanden: 97, 98",
        ),  # unknown Land lists the present ones
        (["--kreis", "98102", "--land", "98"], 2, "Genau eine"),  # both selections
        ([], 2, "Genau eine"),  # no selection
        (["--land", "98"], 2, "-o"),  # a Land needs a folder
        (
            ["--land", "98", "--positions", "3", "-o", "OUT"],
            2,
            "--positions",
        ),  # one number for many Kreise
        (["--kreis", "98102", "--positions", "drei"], 2, "keine positive Zahl"),  # not a number
    ],
)
def test_cli_errors(args, code, needle, tmp_path):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = runner.invoke(app, ["import", "gv100", str(SMALL), *args])
    assert result.exit_code == code, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_a_file_in_another_format(tmp_path):
    path = tmp_path / "gemeinden.csv"
    path.write_text("ags,name,population\n05170004,Alpen,12502\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "gv100", str(path), "--kreis", "05170", "--lang", "en"])
    assert result.exit_code == 1
    assert f"{path}:1" in result.output and "not a GV100AD file" in result.output


def test_cli_kreis_to_file_and_stdout(tmp_path):
    target = tmp_path / "wiesental.yaml"
    result = runner.invoke(
        app,
        [
            "import",
            "gv100",
            str(SMALL),
            "--kreis",
            "98102",
            "--positions",
            "2,5",
            "--rate",
            "57000",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    instance, _ = load_instance(target)
    assert instance.funding.positions_vzae == Fraction(5, 2) and instance.funding.rate_per_vzae == 57000
    shown = runner.invoke(app, ["import", "gv100", str(SMALL), "--kreis", "98101"])
    assert shown.exit_code == 0 and 'name: "Stadt Musterstadt 2022"' in shown.output


def test_cli_land_writes_one_instance_per_kreis(tmp_path):
    out = tmp_path / "testland"
    result = runner.invoke(
        app,
        [
            "import",
            "gv100",
            str(SMALL),
            "--land",
            "98",
            "-o",
            str(out),
            "--positions-per-100k",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "98101-stadt-musterstadt.yaml",
        "98102-landkreis-wiesental.yaml",
        "98103-kreis-talheim.yaml",
    ]
    # 150,000 × 10 / 100,000 = 15; 40,000 → 4; 14,500 → 1.45 → 1.5
    positions = [load_instance(out / f)[0].funding.positions_vzae for f in files]
    assert positions == [15, 4, Fraction(3, 2)]
    assert "204.500 Einwohner" in result.output  # 150,000 + 40,000 + 14,500


@needs_gv100
@pytest.mark.parametrize(
    ("key", "gemeinden", "population"),
    [
        ("05170", 13, 460113),  # Kreis Wesel
        ("05158", 10, 484322),  # Kreis Mettmann
        ("07232", 234, None),  # Eifelkreis Bitburg-Prüm, the most Gemeinden
    ],
)
def test_real_kreise(real, key, gemeinden, population):
    found = real.populated(key)
    assert len(found) == gemeinden
    if population is not None:
        assert sum(g.population for g in found) == population


@needs_gv100
def test_real_nrw_and_germany(real):
    nrw = real.land("05")
    assert len(nrw) == 53
    assert sum(g.population for k in nrw for g in real.populated(k.key)) == 17925570
    populated_kreise = {g.kreis for g in real.gemeinden if g.population > 0}
    assert len(populated_kreise) == len(real.kreise) == 400
    assert sum(g.population for g in real.gemeinden) == 83155031


@needs_gv100
def test_real_wesel_instance_matches_the_council_paper(real, tmp_path):
    imported = instance_yaml(real, "05170")
    path = tmp_path / imported.filename
    path.write_text(imported.text, encoding="utf-8")
    instance, _ = load_instance(path)
    assert instance.kreis.name == "Kreis Wesel" and instance.funding.positions_vzae == 11
    voerde = next(k for k in instance.kommunen if k.ags == "05170044")
    assert (voerde.name, voerde.population) == ("Voerde (Niederrhein)", 36047)


def test_the_imported_file_explains_itself_in_german(tmp_path):
    out = tmp_path / "kreis.yaml"
    result = runner.invoke(app, ["import", "gv100", str(SMALL), "--kreis", "98101", "-o", str(out)])
    assert result.exit_code == 0, result.output
    comments = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    text = " ".join(comments)
    assert "KIM-Instanz aus dem amtlichen Gemeindeverzeichnis GV100AD" in text
    assert "VZÄ je 100.000 Einwohner, auf 0,5 VZÄ gerundet, mindestens 1" in text
    assert "ergänzen Sie, was der Kreis weiß" in text
    for english in ("instance from", "Source:", "inhabitants", "Real cost", "add what"):
        assert english not in text
