"""``kimopt round``: the Land's funding round (DESIGN §6) — hand cases, NRW, bad files, plans."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kimopt.cli import app
from kimopt.io.gv100 import Gemeinde
from kimopt.land.allocate import Allocation, RoundInfeasible, allocate, nice_number, verify
from kimopt.land.calibrate import calibrate
from kimopt.land.pipeline import prepare
from kimopt.land.round_file import RoundFile
from kimopt.land.territories import Territory
from tests.conftest import GV100, INSTANCES, write_yaml

runner = CliRunner()
NRW_ROUND = INSTANCES / "round-nrw-2022.yaml"
needs_gv100 = pytest.mark.skipif(not GV100.exists(), reason=f"GV100AD file not found: {GV100}")


# --- helpers -------------------------------------------------------------------------------


def territory(ags: str, population: int) -> Territory:
    """A one-Gemeinde territory (its name is its key)."""
    return Territory(ags, f"T{ags}", (Gemeinde(ags + "000", f"T{ags}", population, "61", 0),), True)


def round_file(**changes: Any) -> RoundFile:
    """A round of 10 VZÄ in whole steps, Sainte-Laguë, no base; ``changes`` override keys."""
    data: dict[str, Any] = {
        "name": "Test",
        "land": "05",
        "total_vzae": 10,
        "rate_per_vzae": 55000,
        "step_vzae": 1,
        "method": "sainte-lague",
    }
    data.update(changes)
    return RoundFile.model_validate(data)


def run(populations: list[int], **changes: Any) -> Allocation:
    found = [territory(f"0500{i + 1}", p) for i, p in enumerate(populations)]
    total = sum(populations)
    return allocate(round_file(**changes), found, [Fraction(p, total) for p in populations])


def steps(allocation: Allocation) -> list[int]:
    return list(allocation.seats)


# --- hand cases ----------------------------------------------------------------------------


def test_bounded_sainte_lague_by_hand() -> None:
    # 5000, 3000, 1500, 500 inhabitants; 10 VZÄ in whole steps; every territory at least 2.
    # Start at 2, 2, 2, 2 (8); two steps left, priorities w/(a + 1/2) at a = 2:
    # 5000/2.5 = 2000 (A), 3000/2.5 = 1200 (B), 600 (C), 200 (D) -> A;
    # then 5000/3.5 = 1428.6 (A) > 1200 (B) -> A. Result 4, 2, 2, 2.
    a = run([5000, 3000, 1500, 500], base_vzae=2)
    assert steps(a) == [4, 2, 2, 2]
    # divisor interval: low = max over the rest of w/s(a) = max(5000/4.5, 3000/2.5, 1500/2.5, 500/2.5)
    # = 1200; high = min over those above their minimum of w/s(a-1) = 5000/3.5 = 10000/7
    assert a.divisor_vzae() == (Fraction(1200), Fraction(10000, 7))
    assert a.nice_divisor() == 1300  # 1300 lies in (1200, 1428.6); 2000 does not
    # at d = 1300: A 3.85 -> 4, B 2.31 -> 2, C 1.15 -> 1 < 2, D 0.38 -> 0 < 2: the minimum binds
    # for C and D only (B reaches 2 by itself: 3000/1.5 = 2000 > 1200)
    assert a.binding == (None, None, "min", "min")
    assert a.lower_source == ("base", "base", "base", "base")
    assert verify(a) == []


def test_published_sainte_lague_example_and_its_bounded_variants() -> None:
    # electowiki, "Sainte-Laguë method", 35-seat example: votes 503, 304, 193 -> 17, 11, 7; the
    # last three seats went to B (11th, 304/21 = 14.476), C (7th, 193/13 = 14.846) and A (17th,
    # 503/33 = 15.242), the next claims are A 503/35 = 14.371, B 304/23 = 13.217, C 193/15 = 12.867
    # (divisors 1, 3, 5, … as there; kimopt's a + 1/2 is the same order).
    a = run([503, 304, 193], total_vzae=35)
    assert steps(a) == [17, 11, 7]
    # A at most 16: its 17th seat (15.242) goes to the best remaining claim, B's 12th (13.217)
    capped = run([503, 304, 193], total_vzae=35, maximum={"05001": 16})
    assert steps(capped) == [16, 12, 7] and capped.binding == ("max", None, None)
    # C at least 8: C's 8th claim (12.867) is below every awarded one, so the lowest awarded
    # claim gives way — B's 11th (14.476): 17, 10, 8
    floored = run([503, 304, 193], total_vzae=35, existing={"05003": 8})
    assert steps(floored) == [17, 10, 8] and floored.binding == (None, None, "min")
    assert verify(capped) == [] and verify(floored) == []


def test_unbounded_sainte_lague_by_hand() -> None:
    # 6000, 3000, 1000 for 7 steps: priorities 12000 A, 6000 B, 4000 A, 2400 A, 2000 B(w/1.5)
    # and C (1000/0.5), ... : A 12000, B 6000, A 4000, A 2400, B 2000 = C 2000 (both: 2 left),
    # then A 6000/3.5 = 1714: A 4, B 2, C 1 — quotas 4.2, 2.1, 0.7
    a = run([6000, 3000, 1000], total_vzae=7)
    assert steps(a) == [4, 2, 1]
    assert [float(q) for q in a.quotas] == [4.2, 2.1, 0.7]
    assert a.binding == (None, None, None)


def test_hare_niemeyer_by_hand() -> None:
    # quotas 7 × (6, 3, 1)/10 = 4.2, 2.1, 0.7: whole parts 4, 2, 0, one more to the largest
    # remainder (0.7, C): 4, 2, 1
    a = run([6000, 3000, 1000], total_vzae=7, method="hare-niemeyer")
    assert steps(a) == [4, 2, 1]
    assert verify(a) == []
    # with a minimum of 2 for everybody: C (0.7) is held at 2; the rest 5 among A and B at
    # λ = 5/9000 would give B 1.67 < 2, so B is held at 2 too, and A takes the remaining 3
    b = run([6000, 3000, 1000], total_vzae=7, method="hare-niemeyer", base_vzae=2)
    assert steps(b) == [3, 2, 2]
    assert b.binding == (None, "min", "min")
    assert verify(b) == []


def test_base_added_first_then_the_key() -> None:
    # Sockel 1 each (4), 6 steps by Sainte-Laguë: A 10000, B 6000, A 3333, C 3000, then A and B
    # both 2000 with 2 steps left: both get one. 3, 2, 1, 0 + 1 each = 4, 3, 2, 1.
    a = run([5000, 3000, 1500, 500], base_vzae=1, base_mode="added")
    assert steps(a) == [4, 3, 2, 1]
    assert sum(a.vzae) == 10
    assert verify(a) == []


def test_steps_of_half_a_position_and_budget() -> None:
    # budget 1,000,000 € / 55,000 € = 18.18 VZÄ -> 36 whole steps of 0.5 = 18 VZÄ
    a = run([5000, 3000, 2000], total_vzae=None, budget_eur=1_000_000, step_vzae="0.5")
    assert a.total == 18
    # 36 steps for 5:3:2 are exactly 18, 10.8, 7.2 steps: 18, 11, 7 -> 9, 5.5, 3.5 VZÄ
    assert [float(v) for v in a.vzae] == [9.0, 5.5, 3.5]


def test_upper_bound_binds_and_its_steps_go_elsewhere() -> None:
    # 5000, 3000, 2000 for 10: 5, 3, 2; A at most 4 -> the extra step goes to the next claim:
    # B 3000/3.5 = 857 vs C 2000/2.5 = 800 -> B: 4, 4, 2
    a = run([5000, 3000, 2000], maximum={"05001": 4})
    assert steps(a) == [4, 4, 2]
    assert a.binding[0] == "max"
    assert verify(a) == []


def test_existing_positions_are_lower_bounds_rounded_up_to_steps() -> None:
    # C has 3.2 VZÄ filled: at least 4 whole steps; 5000, 3000, 2000 -> 4, 2, 4 (A 5000/4.5 = 1111
    # > B 3000/2.5 = 1200? no: B 1200 > A 1111, so after 4 for C: A 10000, B 6000, A 3333, A 2000, B 2000 ...)
    a = run([5000, 3000, 2000], existing={"05003": "3.2"})
    assert a.lower == (0, 0, 4)
    assert a.lower_source == (None, None, "existing")
    assert sum(a.seats) == 10 and a.seats[2] >= 4
    # independent: with C fixed at 4, the other 6 steps by Sainte-Laguë among 5000, 3000:
    # 10000 A, 6000 B, 3333 A, 2000 A = 2000 B (2 left: both) -> A 3, B 2 ... then A 1428 -> A 4, B 2
    assert steps(a) == [4, 2, 4]
    assert a.binding[2] == "min"


def test_tie_is_reported_never_broken() -> None:
    # D'Hondt, 100 : 100 : 50 for 1 step: A and B have the same claim (100) on the one step
    a = run([100, 100, 50], total_vzae=1, method="dhondt")
    assert a.undecided is not None
    assert a.undecided.parties == (0, 1) and a.undecided.seats == 1
    assert steps(a) == [0, 0, 0]  # only the certain steps
    assert verify(a) == []
    # the planner decides (e.g. by lot) and writes it down: tie_winners
    b = run([100, 100, 50], total_vzae=1, method="dhondt", tie_winners=["05002"])
    assert steps(b) == [0, 1, 0] and b.tie_decided and b.undecided is None
    assert verify(b) == []


@pytest.mark.parametrize("method", ["dhondt", "sainte-lague", "huntington-hill", "adams", "dean", "hare-niemeyer"])
def test_every_method_passes_the_independent_check(method: str) -> None:
    a = run(
        [123457, 98765, 55555, 31000, 7000],
        total_vzae=37,
        method=method,
        base_vzae=1,
        existing={"05002": 9},
        maximum={"05001": 14},
    )
    assert sum(a.seats) == 37
    assert verify(a) == []
    assert all(low <= s for low, s in zip(a.lower, a.seats, strict=True))


def test_huntington_hill_interval_is_of_squares() -> None:
    # HH gives every territory a first step (signpost 0), then w²/(a(a+1)): 3 steps for 900, 100:
    # both get one; next A 900²/2 = 405000 vs B 100²/2 = 5000 -> A: 2, 1
    a = run([900, 100], total_vzae=3, method="huntington-hill")
    assert steps(a) == [2, 1]
    assert a.interval is not None and a.interval.squared
    # d² between max(900²/6, 100²/2) = 135000 and 900²/2 = 405000
    assert (a.interval.low, a.interval.high) == (Fraction(135000), Fraction(405000))
    assert verify(a) == []


def test_verify_finds_a_wrong_result() -> None:
    from dataclasses import replace

    a = run([5000, 3000, 1500, 500], base_vzae=2)
    wrong = replace(a, seats=(3, 3, 2, 2))  # same sum, but B does not reach 3 at any valid divisor
    assert any("05002" in p or "05001" in p for p in verify(wrong))
    assert verify(replace(a, seats=(4, 2, 2, 1)))  # below a minimum and the sum is short


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"base_vzae": 3}, ["Mindestwerte", "12,0 VZÄ", "10,0 VZÄ"]),  # 4 × 3 > 10
        ({"existing": {"05001": 8}, "base_vzae": 1}, ["Mindestwerte", "T05001 8,0 VZÄ"]),  # 8 + 3 > 10
        ({"maximum": {"05001": 1}, "base_vzae": 2}, ["T05001", "Höchstwert 1,0 VZÄ", "Mindestwert 2,0"]),
        ({"maximum": {"05001": 1, "05002": 1, "05003": 1, "05004": 1}}, ["Höchstwerte", "4,0 VZÄ von 10,0 VZÄ"]),
        ({"base_vzae": 3, "base_mode": "added"}, ["Sockel", "12,0 VZÄ"]),
    ],
)
def test_infeasible_bounds_say_which(changes: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(RoundInfeasible) as caught:
        run([5000, 3000, 1500, 500], **changes)
    for word in words:
        assert word in caught.value.text("de")


def test_nice_number_is_the_roundest_inside() -> None:
    assert nice_number(Fraction(41692), Fraction(41694)) == 41693
    assert nice_number(Fraction(1200), Fraction(1500)) == 1300
    assert nice_number(Fraction(5), None) == 10
    assert nice_number(Fraction(7), Fraction(7)) == 7  # a tie: the single point


# --- calibration ---------------------------------------------------------------------------


def test_calibration_recovers_a_base_plus_share_exactly() -> None:
    # shares 1/2, 3/10, 1/5 of 100,000; observations made by base 2 + 10 VZÄ by population:
    # 2 + 5 = 7, 2 + 3 = 5, 2 + 2 = 4 -> the fit finds b = 2, r = 10, deviation 0
    found = [territory("05001", 50000), territory("05002", 30000), territory("05003", 20000)]
    columns = {"population": [Fraction(50000), Fraction(30000), Fraction(20000)]}
    fit = calibrate(found, columns, [0, 1, 2], [Fraction(7), Fraction(5), Fraction(4)])
    assert fit.deviation == 0
    assert (fit.best.base, fit.best.parts) == (2, {"population": 10})
    assert fit.implied_total(fit.best) == 16  # 3 × 2 + 10


def test_calibration_least_total_deviation_by_hand() -> None:
    # two columns equal shares: ŷ = b + r·z; z = 1/2, 1/4, 1/4; observed 6, 4, 3.
    # Meeting territories 1 and 2 exactly: b + r/2 = 6, b + r/4 = 4 -> r = 8, b = 2: ŷ3 = 4,
    # deviation 1. Meeting 1 and 3: r = 12, b = 0: ŷ2 = 3, deviation 1. Between them every
    # (b, r) on that segment also gives 1: two optimal vertices, both reported.
    found = [territory("05001", 2), territory("05002", 1), territory("05003", 1)]
    columns = {"population": [Fraction(2), Fraction(1), Fraction(1)]}
    fit = calibrate(found, columns, [0, 1, 2], [Fraction(6), Fraction(4), Fraction(3)])
    assert fit.deviation == 1
    assert {(f.base, f.parts["population"]) for f in fit.fits} == {(0, 12), (2, 8)}


# --- the real data: NRW ----------------------------------------------------------------------


def _webster_by_bisection(weights: list[int], house: int, low: list[int], high: list[int | None]) -> list[int]:
    """Sainte-Laguë with bounds, computed another way: bisect the divisor until the sum fits."""

    def seats(d: Fraction) -> list[int]:
        out = []
        for w, lo, hi in zip(weights, low, high, strict=True):
            a = math.floor(Fraction(w) / d + Fraction(1, 2))  # standard rounding, half up
            a = max(a, lo)
            out.append(a if hi is None else min(a, hi))
        return out

    lo_d, hi_d = Fraction(1), Fraction(sum(weights))
    for _ in range(200):
        mid = (lo_d + hi_d) / 2
        total = sum(seats(mid))
        if total == house:
            return seats(mid)
        if total > house:
            lo_d = mid
        else:
            hi_d = mid
    raise AssertionError("no divisor found (a tie?)")


@needs_gv100
def test_nrw_53_territories_sums_bounds_and_an_independent_computation(tmp_path: Path) -> None:
    # the 53 GV100AD territories as they are (no split), base 2, Bestand in Coesfeld and
    # Mettmann, Köln held at 20 VZÄ
    path = write_yaml(
        tmp_path / "nrw.yaml",
        {
            "name": "NRW",
            "land": "05",
            "total_vzae": 431,
            "rate_per_vzae": 55000,
            "step_vzae": 0.5,
            "method": "sainte-lague",
            "base_vzae": 2,
            "existing": {"05558": 6, "05158": 9},
            "maximum": {"05315": 20},
        },
    )
    ready = prepare(path, GV100)
    assert len(ready.territories) == 53
    a = ready.allocate()
    assert sum(a.vzae) == 431 and a.undecided is None
    for row_low, seats in zip(a.lower, a.seats, strict=True):
        assert seats >= row_low
    by_ags = {t.ags: v for t, v in zip(a.territories, a.vzae, strict=True)}
    assert by_ags["05315"] == 20 and a.binding[[t.ags for t in a.territories].index("05315")] == "max"
    assert by_ags["05558"] >= 6 and by_ags["05158"] >= 9
    populations = [t.population for t in a.territories]
    assert sum(populations) == 17_925_570  # the Land's population in the GV100AD
    expected = _webster_by_bisection(populations, 862, list(a.lower), list(a.upper))
    assert list(a.seats) == expected
    assert verify(a) == []


@needs_gv100
def test_nrw_round_command_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "round",
            str(NRW_ROUND),
            "--gv100",
            str(GV100),
            "-o",
            str(out),
            "--compare-key",
            "population",
            "--calibrate",
            str(INSTANCES / "round-nrw-observed.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "zuteilung.json").read_text(encoding="utf-8"))
    assert len(data["territories"]) == 54  # the Stadt Aachen split off
    aachen = {t["ags"]: t for t in data["territories"]}
    assert aachen["05334002"]["population"] + aachen["05334"]["population"] == 556631
    assert data["sums"] == {"vzae": 431.0, "open_vzae": 0.0, "total_vzae": 431.0}
    assert data["check"] == []
    assert data["divisor"]["low"] <= data["divisor"]["nice"] <= data["divisor"]["high"]
    assert data["calibration"]["fits"][0]["base_vzae"] > 5  # the base-plus-share hypothesis
    raw = (out / "zuteilung.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "05558;Kreis Coesfeld;220.712;" in text and "Mindestwert (Bestand)" in text
    html = (out / "zuteilung.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Zwei Schlüssel im Vergleich" in html and "Kalibrierung: Sockel + Schlüssel" in html
    from openpyxl import load_workbook

    book = load_workbook(out / "zuteilung.xlsx")
    sheet = book["Zuteilung"]
    assert sheet["A2"].value == "05111" and sheet["F2"].value == 15.0
    assert "Vergleich" in book.sheetnames


# --- bad round files ------------------------------------------------------------------------


GOOD: dict[str, Any] = {"name": "R", "land": "05", "total_vzae": 10, "rate_per_vzae": 55000}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"total_vzae": None}, ["total_vzae", "genau eine Angabe"]),  # no size at all
        ({"budget_eur": 100000}, ["genau eine Angabe"]),  # total and budget both
        ({"total_vzae": "10.3"}, ["total_vzae", "kein Vielfaches der Schrittweite 0,5"]),
        ({"method": "saint-lague"}, ["method", "meinten Sie „sainte-lague“"]),
        ({"key": {"population": "1/2"}}, ["key", "Summe „0,5“"]),  # weights must add up to 1
        ({"land": "NRW"}, ["land", "kein Landesschlüssel"]),
        ({"totl_vzae": 3}, ["totl_vzae", "meinten Sie „total_vzae“"]),
        ({"existing": {"5170": 3}}, ["existing", "kein Gebietsschlüssel"]),
        ({"rate_per_vzae": 0}, ["rate_per_vzae", "größer als 0"]),
        ({"territories": [{"ags": "05999", "gemeinden": ["0599"]}]}, ["Gebiet 1", "gemeinden"]),
    ],
)
def test_bad_round_files_name_file_and_field(tmp_path: Path, changes: dict[str, Any], words: list[str]) -> None:
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    path = write_yaml(tmp_path / "runde.yaml", data)
    result = runner.invoke(app, ["round", str(path), "--gv100", str(tmp_path / "none.asc"), "-o", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "runde.yaml" in result.output and "Traceback" not in result.output
    for word in words:
        assert word in result.output


@pytest.fixture
def mini_gv100(tmp_path: Path) -> Path:
    """A GV100AD file of a made-up Land 05: Kreis 05001 (3 Gemeinden), Stadt 05002, Kreis 05003 (2)."""

    def line(kind: str, key: str, name: str, code: str, population: int | None = None) -> str:
        chars = [" "] * 150
        chars[0:2] = kind
        chars[2:10] = "20211130"
        chars[10 : 10 + len(key)] = key
        chars[22 : 22 + len(name)] = name
        chars[122:124] = code
        if population is not None:
            chars[139:150] = f"{population:011d}"
        return "".join(chars)

    lines = [
        line("10", "05", "Testland", "  "),
        line("40", "05001", "Altkreis", "43"),
        line("40", "05002", "Bestadt, Stadt", "41"),
        line("40", "05003", "Cekreis", "43"),
        line("60", "05001001", "Ahausen, Stadt", "63", 60000),
        line("60", "05001002", "Adorf", "64", 30000),
        line("60", "05001003", "Aberg", "64", 10000),
        line("60", "05002000", "Bestadt, Stadt", "61", 150000),
        line("60", "05003001", "Cedorf", "64", 40000),
        line("60", "05003002", "Ceheim", "64", 10000),
    ]
    path = tmp_path / "mini.asc"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"existing": {"05009": 3}}, ["existing.05009", "kein Gebiet dieser Runde"]),
        ({"territories": [{"ags": "05001009", "gemeinden": ["05001009"]}]}, ["Gebiet 1", "keine bewohnte Gemeinde"]),
        ({"territories": [{"ags": "05009"}]}, ["Gebiet 1", "ags", "kein Gebiet"]),
        ({"key": {"population": "1/2", "refugees": "1/2"}}, ["key.refugees", "indicators"]),
        ({"tie_winners": ["05001"]}, ["tie_winners", "keinen Gleichstand"]),
    ],
)
def test_bad_references_need_the_directory(
    tmp_path: Path, mini_gv100: Path, changes: dict[str, Any], words: list[str]
) -> None:
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, **changes})
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    for word in words:
        assert word in result.output


def test_indicator_file_problems_name_line_and_column(tmp_path: Path, mini_gv100: Path) -> None:
    (tmp_path / "ind.csv").write_text("ags;refugees\n05001;1.200\n05002;viele\n05003;300\n", encoding="utf-8")
    path = write_yaml(
        tmp_path / "runde.yaml", {**GOOD, "indicators": "ind.csv", "key": {"population": "1/2", "refugees": "1/2"}}
    )
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "ind.csv:3" in result.output and "refugees" in result.output and "viele" in result.output
    (tmp_path / "ind.csv").write_text("ags;refugees\n05001;1.200\n05003;300\n", encoding="utf-8")
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "keine Zeile für das Gebiet „05002 Stadt Bestadt“" in result.output


def test_indicator_key_mixes_column_shares_exactly(tmp_path: Path, mini_gv100: Path) -> None:
    # population shares 1/3, 1/2, 1/6 (100k, 150k, 50k of 300k); refugees 1200, 600, 200 of 2000:
    # 3/5, 3/10, 1/10; half and half: 7/15, 2/5, 2/15
    (tmp_path / "ind.xlsx").unlink(missing_ok=True)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["AGS", "Name", "refugees"])
    for row in (["05001", "Altkreis", 1200], [5002, "Bestadt", 600], ["05003", "Cekreis", 200]):
        book.active.append(row)
    book.save(tmp_path / "ind.xlsx")
    path = write_yaml(
        tmp_path / "runde.yaml",
        {**GOOD, "indicators": "ind.xlsx", "total_vzae": 15, "key": {"population": "1/2", "refugees": "1/2"}},
    )
    ready = prepare(path, mini_gv100)
    assert ready.shares == [Fraction(7, 15), Fraction(2, 5), Fraction(2, 15)]
    # 15 VZÄ = 30 steps, quotas exactly 14, 12, 4 steps: 7, 6, 2 VZÄ
    assert [float(v) for v in ready.allocate().vzae] == [7.0, 6.0, 2.0]


def test_split_merge_rename(tmp_path: Path, mini_gv100: Path) -> None:
    path = write_yaml(
        tmp_path / "runde.yaml",
        {
            **GOOD,
            "territories": [
                {"ags": "05001001", "gemeinden": ["05001001"]},  # Ahausen leaves the Altkreis
                {"ags": "05004", "name": "Bestadt und Cekreis", "kreise": ["05002", "05003"]},
                {"ags": "05001", "name": "Altkreis (ohne Ahausen)"},
            ],
        },
    )
    ready = prepare(path, mini_gv100)
    assert [(t.ags, t.name, t.population) for t in ready.territories] == [
        ("05001", "Altkreis (ohne Ahausen)", 40000),
        ("05001001", "Stadt Ahausen", 60000),
        ("05004", "Bestadt und Cekreis", 200000),
    ]


def test_plans_two_levels_add_up_and_resume(tmp_path: Path, mini_gv100: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    write_yaml(overlay / "05001.yaml", {"kommunen": [{"ags": "05001001", "max_vzae": 1, "budget": None}]})
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "existing": {"05001": 1}})
    args = [
        "round",
        str(path),
        "--gv100",
        str(mini_gv100),
        "-o",
        str(tmp_path / "o"),
        "--plans",
        str(tmp_path / "p"),
        "--overlay",
        str(overlay),
        "-j",
        "1",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "p" / "land-summary.json").read_text(encoding="utf-8"))
    assert summary["sums"]["adds_up"] is True
    assert summary["sums"]["allocated_vzae"] == summary["sums"]["used_vzae"] == 10
    first = summary["territories"][0]
    assert sum(k["coverage_vzae"] for k in first["kommunen"]) == pytest.approx(first["used_vzae"])
    # Sainte-Laguë, 20 half steps on 100,000 / 150,000 / 50,000 inhabitants: quotas 6.67, 10, 3.33
    # steps give 7, 10, 3, so the Altkreis has 3.5 VZÄ (above its Bestand of 1). Ahausen may
    # employ 1 itself and partner_share wants up to 2/3 × 3.5 > 1 at partners: Ahausen takes its
    # 1, the Kreis the other 2.5.
    assert (first["used_vzae"], first["kreis_vzae"]) == (3.5, 2.5)
    csv_text = (tmp_path / "p" / "land-summary.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[1].startswith("Land;05;Testland;300.000;10,0")
    again = runner.invoke(app, [*args, "--resume"])
    assert again.exit_code == 0, again.output
    batch = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert [row["resumed"] for row in batch] == [True] * 3  # every plan kept (resumed)


def test_plans_refuse_an_undecided_tie(tmp_path: Path, mini_gv100: Path) -> None:
    # D'Hondt, 1 step: Altkreis 100,000 and Bestadt 150,000 ... no tie; make one with equal keys
    (tmp_path / "ind.csv").write_text("ags;x\n05001;1\n05002;1\n05003;0\n", encoding="utf-8")
    path = write_yaml(
        tmp_path / "runde.yaml",
        {**GOOD, "total_vzae": 1, "step_vzae": 1, "method": "dhondt", "indicators": "ind.csv", "key": {"x": 1}},
    )
    result = runner.invoke(
        app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o"), "--plans", str(tmp_path / "p")]
    )
    assert result.exit_code == 1
    assert "Gleichstand" in result.output and "tie_winners" in result.output
    data = json.loads((tmp_path / "o" / "zuteilung.json").read_text(encoding="utf-8"))
    assert data["ties"][0]["territories"] == ["05001", "05002"] and data["determined"] is False


def test_infeasible_round_exits_3(tmp_path: Path, mini_gv100: Path) -> None:
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "existing": {"05001": 8, "05002": 4}})
    result = runner.invoke(app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "Altkreis" in result.output and "Mindestwerte" in result.output


def test_a_tie_at_the_end_of_many_steps_is_still_reported() -> None:
    # 400 : 400 : 200 with 101 steps (D'Hondt): 40, 40, 20 steps are certain at divisor 10; the
    # 101st step is claimed by A and B with 400/41 each — a tie, even after a long run of steps
    a = run([400, 400, 200], total_vzae=101, method="dhondt")
    assert a.undecided is not None and a.undecided.parties == (0, 1)
    assert steps(a) == [40, 40, 20]


@needs_gv100
def test_bundled_sockel_round_and_overlay(tmp_path: Path) -> None:
    from kimopt.data import Instance, instance_findings
    from kimopt.land.plans import instance_data, overlay_files
    from kimopt.land.round_file import load_round

    ready = prepare(NRW_ROUND, GV100)
    sockel, document = load_round(INSTANCES / "round-nrw-2022-sockel.yaml")
    a = ready.with_round(sockel, document).allocate()
    # Sockel 5 for each of 54 (270 VZÄ), the other 161 by population
    assert sum(a.vzae) == 431 and min(a.vzae) >= 5 and verify(a) == []
    wesel = next(t for t in ready.territories if t.ags == "05170")
    overlay = overlay_files(INSTANCES / "round-nrw-overlay", ready.territories)
    assert set(overlay) == {"05170"}
    data = instance_data(wesel, Fraction(11), Fraction(0), 2022, 55000, 71400, overlay["05170"])
    instance = Instance.model_validate(data)
    assert instance_findings(instance) == []
    assert [k.name for k in instance.kommunen if k.max_vzae > 0] == [
        "Dinslaken",
        "Kamp-Lintfort",
        "Moers",
        "Voerde (Niederrhein)",
        "Wesel",
        "Xanten",
    ]
    assert instance.traeger[0].name == "Caritasverband Dinslaken und Wesel"


def test_overlay_naming_an_unknown_kommune(tmp_path: Path, mini_gv100: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    write_yaml(overlay / "05003-cekreis.yaml", {"kommunen": [{"name": "Cedorff", "max_vzae": 1}], "traeger_liste": []})
    path = write_yaml(tmp_path / "runde.yaml", GOOD)
    result = runner.invoke(
        app,
        [
            "round",
            str(path),
            "--gv100",
            str(mini_gv100),
            "-o",
            str(tmp_path / "o"),
            "--plans",
            str(tmp_path / "p"),
            "--overlay",
            str(overlay),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 1
    assert "05003-cekreis.yaml" in result.output
    assert "'Cedorff' is not a Gemeinde of this territory" in result.output
    assert "'traeger_liste' cannot be set in an overlay" in result.output


def test_english_output(tmp_path: Path, mini_gv100: Path) -> None:
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "maximum": {"05002": 4}})
    result = runner.invoke(
        app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(tmp_path / "o"), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Bound binds: Stadt Bestadt (max)" in result.output
    text = (tmp_path / "o" / "zuteilung.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("AGS,Territory,Population")


def test_compare_key_names_a_column_or_a_file(tmp_path: Path, mini_gv100: Path) -> None:
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "base_vzae": 2, "base_mode": "added"})
    out = tmp_path / "o"
    result = runner.invoke(
        app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(out), "--compare-key", "populaton"]
    )
    assert result.exit_code == 2 and "population" in result.output
    result = runner.invoke(
        app, ["round", str(path), "--gv100", str(mini_gv100), "-o", str(out), "--compare-key", "population"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "zuteilung.json").read_text(encoding="utf-8"))
    # Sockel 2 each (6), 4 by population 100k : 150k : 50k = 1.33, 2, 0.67 (in steps of 0.5:
    # 8 steps: 2.67, 4, 1.33 -> 3, 4, 1) -> 3.5, 4, 2.5; the pure key: 20 steps 6.67, 10, 3.33 -> 3.5, 5, 1.5
    assert [t["vzae"] for t in data["territories"]] == [3.5, 4.0, 2.5]
    assert [t["vzae_compare"] for t in data["compare"]["territories"]] == [3.5, 5.0, 1.5]
    assert data["compare"]["labels"] == ["Sockel 2 + Einwohner", "Einwohner"]


def test_plans_never_overwrite_an_overlay(tmp_path: Path, mini_gv100: Path) -> None:
    plans = tmp_path / "p"
    (plans / "instances").mkdir(parents=True)
    write_yaml(plans / "instances" / "05001-altkreis.yaml", {"kreis": {"budget": 1000}})
    path = write_yaml(tmp_path / "runde.yaml", GOOD)
    result = runner.invoke(
        app,
        [
            "round",
            str(path),
            "--gv100",
            str(mini_gv100),
            "-o",
            str(tmp_path / "o"),
            "--plans",
            str(plans),
            "--overlay",
            str(plans / "instances"),
        ],
    )
    assert result.exit_code == 1
    assert "Eingabedatei" in result.output
    assert "budget: 1000" in (plans / "instances" / "05001-altkreis.yaml").read_text(encoding="utf-8")


def test_an_imported_instance_serves_as_overlay(tmp_path: Path, mini_gv100: Path) -> None:
    # `kimopt import gv100 --land` writes whole instances; a planner edits one and uses the folder
    folder = tmp_path / "import"
    assert runner.invoke(app, ["import", "gv100", str(mini_gv100), "--land", "05", "-o", str(folder)]).exit_code == 0
    edited = folder / "05001-altkreis.yaml"
    text = edited.read_text(encoding="utf-8").replace("population: 60000}", "population: 60000, max_vzae: 2}")
    edited.write_text(text, encoding="utf-8")
    path = write_yaml(tmp_path / "runde.yaml", GOOD)
    result = runner.invoke(
        app,
        [
            "round",
            str(path),
            "--gv100",
            str(mini_gv100),
            "-o",
            str(tmp_path / "o"),
            "--plans",
            str(tmp_path / "p"),
            "--overlay",
            str(folder),
            "-j",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    made = (tmp_path / "p" / "instances" / "05001-altkreis.yaml").read_text(encoding="utf-8")
    assert "max_vzae: 2" in made and "positions_vzae: 3.5" in made  # the round's VZÄ, not the import's


def test_same_round_same_bytes(tmp_path: Path, mini_gv100: Path) -> None:
    path = write_yaml(tmp_path / "runde.yaml", {**GOOD, "base_vzae": 1})
    for out in ("a", "b"):
        args = [
            "round",
            str(path),
            "--gv100",
            str(mini_gv100),
            "-o",
            str(tmp_path / out),
            "--compare-key",
            "population",
        ]
        assert runner.invoke(app, args).exit_code == 0
    for name in ("zuteilung.csv", "zuteilung.xlsx", "zuteilung.html", "zuteilung.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@needs_gv100
def test_round_pdf_has_every_territory_and_page_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 01.12.2025 as the „Stand“
    out = tmp_path / "out"
    result = runner.invoke(app, ["round", str(NRW_ROUND), "--gv100", str(GV100), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(out / "zuteilung.pdf").pages]
    assert all(f"Seite {n} von {len(pages)}" in text for n, text in enumerate(pages, 1))
    assert all("Stand: 01.12.2025" in text for text in pages)
    text = " ".join(pages)
    data = json.loads((out / "zuteilung.json").read_text(encoding="utf-8"))
    assert all(t["name"] in text for t in data["territories"])  # chart labels and table rows
