"""Classical apportionment: published examples, paradoxes, ties, the quota rule, and agreement
with an independent reference (divisor search; sorting of remainders) on the real instances."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from kimopt.analysis.apportion import METHODS, ApportionError, apportion, apportion_instance, baselines
from kimopt.cli import app
from kimopt.load import load_inputs
from kimopt.problem import key_weights
from tests.conftest import INSTANCES, dev_extra, instance, model, tiny, write_yaml

hypothesis = dev_extra("hypothesis")
st = dev_extra("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

DIVISOR_METHODS = ("dhondt", "sainte-lague", "huntington-hill", "adams", "dean")

# 1790 US census, apportionment populations (Balinski & Young, Fair Representation), 3,615,920.
US_1790 = {
    "Connecticut": 236841,
    "Delaware": 55540,
    "Georgia": 70835,
    "Kentucky": 68705,
    "Maryland": 278514,
    "Massachusetts": 475327,
    "New Hampshire": 141822,
    "New Jersey": 179570,
    "New York": 331589,
    "North Carolina": 353523,
    "Pennsylvania": 432879,
    "Rhode Island": 68446,
    "South Carolina": 206236,
    "Vermont": 85533,
    "Virginia": 630560,
}


def seats_of(weights: dict[str, int], house: int, method: str) -> dict[str, int]:
    result = apportion(list(weights.values()), house, method)
    assert result.determined
    return dict(zip(weights, result.seats, strict=True))


# --- published examples ---------------------------------------------------------------------


def test_hamilton_1790_vetoed_bill_with_120_seats():
    # Hamilton's method, 120 seats: the bill Washington vetoed (COMAP, For All Practical
    # Purposes, Table 14.5). Lower quotas sum to 111; the 9 largest remainders get a seat.
    published = {
        "New Jersey": 6,
        "Virginia": 21,
        "Connecticut": 8,
        "South Carolina": 7,
        "Delaware": 2,
        "Vermont": 3,
        "Massachusetts": 16,
        "North Carolina": 12,
        "New Hampshire": 5,
        "Pennsylvania": 14,
        "Georgia": 2,
        "Kentucky": 2,
        "Rhode Island": 2,
        "Maryland": 9,
        "New York": 11,
    }
    assert seats_of(US_1790, 120, "hare-niemeyer") == published


def test_jefferson_1790_apportionment_act_with_105_seats():
    # Jefferson's method (= D'Hondt) gave the first House of 1792: Virginia 19, Delaware 1.
    published = {
        "Virginia": 19,
        "Massachusetts": 14,
        "Pennsylvania": 13,
        "North Carolina": 10,
        "New York": 10,
        "Maryland": 8,
        "Connecticut": 7,
        "South Carolina": 6,
        "New Jersey": 5,
        "New Hampshire": 4,
        "Vermont": 2,
        "Georgia": 2,
        "Kentucky": 2,
        "Rhode Island": 2,
        "Delaware": 1,
    }
    assert seats_of(US_1790, 105, "dhondt") == published


def test_huntington_hill_1790_agrees_with_the_published_divisor():
    # With 105 seats, Huntington–Hill rounds p/34,800 at the geometric mean √(n(n+1))
    # (Wikipedia, "Huntington–Hill method", 1790 example); published seats for some states.
    seats = seats_of(US_1790, 105, "huntington-hill")
    divisor = 34800
    for state, population in US_1790.items():
        n = seats[state]
        quotient_sq = Fraction(population, divisor) ** 2
        assert (n - 1) * n < quotient_sq <= n * (n + 1), state  # rounded at the geometric mean
    assert {s: seats[s] for s in ("Connecticut", "Delaware", "Georgia", "Maryland", "Massachusetts", "Kentucky")} == {
        "Connecticut": 7,
        "Delaware": 2,
        "Georgia": 2,
        "Maryland": 8,
        "Massachusetts": 14,
        "Kentucky": 2,
    }


PARTIES = {"Yellows": 47000, "Whites": 16000, "Reds": 15800, "Greens": 12000, "Blues": 6100, "Pinks": 3100}


@pytest.mark.parametrize(
    ("method", "published"),
    [
        # Hare quota 10,000: quotas 4.7 1.6 1.58 1.2 0.61 0.31 → 7 seats by whole parts,
        # remainders .70 (Yellows), .61 (Blues), .60 (Whites) take the other three.
        ("hare-niemeyer", (5, 2, 1, 1, 1, 0)),
        ("dhondt", (5, 2, 2, 1, 0, 0)),
        ("sainte-lague", (4, 2, 2, 1, 1, 0)),
    ],
)
def test_largest_remainder_textbook_example(method, published):
    # Wikipedia, "Largest remainder method" / "Highest averages method": 100,000 votes, 10 seats.
    assert tuple(seats_of(PARTIES, 10, method).values()) == published


@pytest.mark.parametrize(
    ("method", "published"),
    [
        ("dhondt", (4, 3, 1, 0)),  # quotients 100k 80k 50k 40k 33.3k 30k 26.7k 25k take the 8 seats
        ("sainte-lague", (3, 3, 1, 1)),  # 100k 80k 33.3k 30k 26.7k 20k 20k 16k
    ],
)
def test_dhondt_and_sainte_lague_election_example(method, published):
    # Wikipedia, "D'Hondt method": 230,000 voters, 8 seats, parties A-D.
    votes = {"A": 100000, "B": 80000, "C": 30000, "D": 20000}
    assert tuple(seats_of(votes, 8, method).values()) == published


def test_alabama_paradox_for_hare_niemeyer():
    # 6, 6, 2 (million): 10 seats → quotas 4.29 4.29 1.43 → 4, 4, 2;
    # 11 seats → quotas 4.71 4.71 1.57 → 5, 5, 1: the house grows, C loses a seat.
    small = apportion([6, 6, 2], 10, "hare-niemeyer").seats
    large = apportion([6, 6, 2], 11, "hare-niemeyer").seats
    assert small == (4, 4, 2)
    assert large == (5, 5, 1)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_divisor_methods_are_house_monotone_on_the_alabama_example(method):
    previous = apportion([6, 6, 2], 3, method)
    for house in range(4, 40):
        current = apportion([6, 6, 2], house, method)
        if previous.determined and current.determined:
            assert all(b >= a for a, b in zip(previous.seats, current.seats, strict=True)), house
        previous = current


# --- ties --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(METHODS))
def test_two_equal_populations_competing_for_one_seat_are_a_tie(method):
    result = apportion([5000, 5000], 1, method)
    assert not result.determined
    assert result.seats == (0, 0)
    assert result.tie is not None
    assert result.tie.parties == (0, 1)
    assert result.tie.seats == 1


@pytest.mark.parametrize("method", ["hare-niemeyer", "sainte-lague"])
def test_a_tie_keeps_the_certain_seats(method):
    # quotas 0.5, 0.5, 2 (Sainte-Laguë: 20/0.5 = 40, 20/1.5 = 13.3 before 5/0.5 = 10 twice):
    # Cedorf's 2 seats are certain, the third is undecided between Adorf and Bedorf
    result = apportion([5000, 5000, 20000], 3, method)
    assert result.seats == (0, 0, 2)
    assert result.tie is not None
    assert result.tie.parties == (0, 1)


def test_tie_for_the_last_two_seats_among_three():
    # D'Hondt, 3:1:1, 4 seats: A takes 3/1 and 3/2; then A (3/3), B (1/1), C (1/1) are equal
    # for the remaining two seats.
    result = apportion([3, 1, 1], 4, "dhondt")
    assert result.seats == (2, 0, 0)
    assert result.tie is not None
    assert result.tie.parties == (0, 1, 2)
    assert result.tie.seats == 2


def test_equal_claims_that_all_get_a_seat_are_no_tie():
    result = apportion([5000, 5000, 20000], 4, "sainte-lague")
    assert result.determined
    assert result.seats == (1, 1, 2)


# --- quota rule --------------------------------------------------------------------------------


def test_dhondt_violates_the_upper_quota_and_adams_the_lower():
    # quotas 8.5, 0.5, 0.5, 0.5: D'Hondt gives the big party all 10 (85/10 = 8.5 > 5/1),
    # above ⌈8.5⌉ = 9; Adams gives every party a first seat, leaving 7 < ⌊8.5⌋ = 8.
    dhondt = apportion([85, 5, 5, 5], 10, "dhondt")
    adams = apportion([85, 5, 5, 5], 10, "adams")
    assert dhondt.seats == (10, 0, 0, 0)
    assert dhondt.quota_violations() == [0]
    assert adams.seats == (7, 1, 1, 1)
    assert adams.quota_violations() == [0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=8).filter(any), st.integers(0, 40))
def test_hare_niemeyer_always_satisfies_the_quota_rule(weights, house):
    result = apportion(weights, house, "hare-niemeyer")
    assert result.quota_violations() == []
    assert sum(result.seats) + (result.tie.seats if result.tie else 0) == house


def test_adams_gives_every_kommune_a_seat_when_seats_allow():
    result = apportion([1000, 1, 1, 0], 5, "adams")
    assert result.seats[1] >= 1
    assert result.seats[2] >= 1
    assert result.seats[3] == 0  # weight 0 claims nothing


# --- bounds ------------------------------------------------------------------------------------


def test_bounded_largest_remainder():
    # B at most 1: A and C share the other 5 seats 1:3 → bounded quotas 1.25, 1, 3.75;
    # whole parts 1, 1, 3 and the remaining seat to C's .75.
    result = apportion([10, 20, 30], 6, "hare-niemeyer", [0, 0, 0], [None, 1, None])
    assert result.bounded_quotas == (Fraction(5, 4), Fraction(1), Fraction(15, 4))
    assert result.seats == (1, 1, 4)


def test_bounded_divisor_method():
    # D'Hondt from the minimum (2, 0, 0): C 30/1, B 20/1 (then at its maximum), C 30/2, C 30/3.
    assert apportion([10, 20, 30], 6, "dhondt", [2, 0, 0], [None, 1, None]).seats == (2, 1, 3)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ([4, 4, 0], [None, None, None]),  # minima 8 > 6 seats
        ([0, 0, 0], [1, 1, 1]),  # maxima 3 < 6 seats
        ([2, 0, 0], [1, None, None]),  # minimum above maximum
    ],
)
def test_bounds_that_cannot_hold_are_refused(lower, upper):
    for method in METHODS:
        with pytest.raises(ApportionError):
            apportion([10, 20, 30], 6, method, lower, upper)


# --- the independent reference -----------------------------------------------------------------


def _signpost_below(method: str) -> Callable[[int, Fraction], bool]:
    """``s(n) < x`` for ``x = w/d`` given as ``x`` (``x²`` for Huntington–Hill)."""
    if method == "dhondt":
        return lambda n, x: n + 1 < x
    if method == "sainte-lague":
        return lambda n, x: Fraction(2 * n + 1, 2) < x
    if method == "adams":
        return lambda n, x: n < x
    if method == "dean":
        return lambda n, x: Fraction(2 * n * (n + 1), 2 * n + 1) < x
    return lambda n, x_squared: n * (n + 1) < x_squared


def reference_divisor(
    weights: Sequence[int], house: int, method: str, lower: Sequence[int], upper: Sequence[int | None]
) -> tuple[int, ...] | None:
    """Search the divisor directly: ``a_i = clamp(#{n: s(n) < w_i/d}, l_i, u_i)``, Σ = house.

    The candidate divisors are the critical values ``w_i/s(n)`` and the midpoints between
    neighbours; ``None`` when no divisor gives exactly ``house`` seats (a tie). For
    Huntington–Hill everything is squared (``d²`` and ``(w/d)²``), so no root is taken.
    """
    power = 2 if method == "huntington-hill" else 1
    below = _signpost_below(method)

    def seats_at(d: Fraction) -> tuple[int, ...]:
        out = []
        for w, low, high in zip(weights, lower, upper, strict=True):
            x = Fraction(w) ** power / d
            n = 0
            while below(n, x):
                n += 1
            n = max(low, n)
            out.append(n if high is None else min(high, n))
        return tuple(out)

    posts = {
        "dhondt": lambda n: Fraction(n + 1),
        "sainte-lague": lambda n: Fraction(2 * n + 1, 2),
        "adams": Fraction,
        "dean": lambda n: Fraction(2 * n * (n + 1), 2 * n + 1),
        "huntington-hill": lambda n: Fraction(n * (n + 1)),
    }[method]
    critical = sorted(
        {Fraction(w) ** power / posts(n) for w in weights if w > 0 for n in range(house + 1) if posts(n) > 0}
    )
    candidates = sorted([*critical, *((a + b) / 2 for a, b in itertools.pairwise(critical)), critical[-1] * 2])
    # the total falls as d grows: bisect for the smallest candidate giving at most ``house``
    lo, hi = 0, len(candidates) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if sum(seats_at(candidates[mid])) <= house:
            hi = mid
        else:
            lo = mid + 1
    found = seats_at(candidates[lo])
    return found if sum(found) == house else None


def reference_hare(weights: Sequence[int], house: int) -> tuple[int, ...] | None:
    """Hamilton by sorting: whole parts, then remainders in descending order (None on a tie)."""
    total = sum(weights)
    quotas = [Fraction(house * w, total) for w in weights]
    seats = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: quotas[i] - seats[i], reverse=True)
    left = house - sum(seats)
    if 0 < left < len(order):
        last, following = order[left - 1], order[left]
        if quotas[last] - seats[last] == quotas[following] - seats[following]:
            return None
    for i in order[:left]:
        seats[i] += 1
    return tuple(seats)


def reference(weights, house, method, lower=None, upper=None):
    lower = lower or [0] * len(weights)
    upper = upper or [None] * len(weights)
    if method == "hare-niemeyer":
        return reference_hare(weights, house)
    return reference_divisor(weights, house, method, lower, upper)


@pytest.mark.parametrize("path", ["kreis-wesel-2022.yaml", "kreis-mettmann-2022.yaml"])
@pytest.mark.parametrize("step", [Fraction(1, 2), Fraction(1, 10)])
@pytest.mark.parametrize("method", list(METHODS))
def test_real_instances_agree_with_the_reference(path, step, method):
    inputs = load_inputs(INSTANCES / path)
    got = apportion_instance(inputs.instance, inputs.model, method, step)
    weights = key_weights(inputs.instance, inputs.model)
    house = int(inputs.instance.funding.positions_vzae / step)
    expected = reference(weights, house, method)
    assert got.result.determined == (expected is not None)
    assert got.result.seats == expected
    assert sum(got.vzae) == inputs.instance.funding.positions_vzae


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_wesel_with_max_vzae_bounds_agrees_with_the_bounded_reference(method):
    inputs = load_inputs(INSTANCES / "kreis-wesel-2022.yaml")
    step = Fraction(1, 10)
    got = apportion_instance(inputs.instance, inputs.model, method, step, bounds=True)
    upper = [int(k.max_vzae / step) if k.max_vzae > 0 else None for k in inputs.instance.kommunen]
    weights = key_weights(inputs.instance, inputs.model)
    assert got.result.seats == reference(weights, 110, method, None, upper)
    moers = [k.name for k in inputs.instance.kommunen].index("Moers")
    assert got.vzae[moers] <= 2  # Moers' max_vzae


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=2, max_size=6), st.integers(6, 25), st.sampled_from(list(METHODS)))
def test_random_weights_agree_with_the_reference(weights, house, method):
    got = apportion(weights, house, method)
    expected = reference(weights, house, method)
    assert got.determined == (expected is not None)
    if expected is not None:
        assert got.seats == expected


# --- the Kreis layer and the command line ------------------------------------------------------


def test_existing_positions_are_a_minimum():
    data = tiny()
    data["kommunen"][1].update(max_vzae=1.5, existing_vzae=1.5)  # Bedorf: quota 0.5, keeps 1.5
    result = apportion_instance(instance(data), model(), "sainte-lague")
    # 6 steps of 0.5 VZÄ, Bedorf starts at 3. Priorities w/(a + 1/2) in thousands:
    # Cedorf 30/0.5 = 60, Adorf 20/0.5 = 40, Cedorf 30/1.5 = 20 → Adorf 1, Bedorf 3, Cedorf 2.
    assert result.vzae == [Fraction(1, 2), Fraction(3, 2), Fraction(1)]


def test_baselines_for_reports_and_differences_to_a_plan():
    inputs = load_inputs(INSTANCES / "kreis-wesel-2022.yaml")
    found = baselines(inputs.instance, inputs.model)
    assert set(found) == {"hare-niemeyer", "sainte-lague"}
    hare = found["hare-niemeyer"]
    assert hare.differences(hare.vzae) == [0] * len(inputs.instance.kommunen)


def test_step_that_does_not_divide_the_positions_is_refused():
    with pytest.raises(ApportionError):
        apportion_instance(instance(tiny()), model(), "dhondt", Fraction(2, 5))


runner = CliRunner()


def test_cli_writes_the_json_contract(tmp_path):
    out = tmp_path / "hare.json"
    result = runner.invoke(
        app, ["apportion", str(INSTANCES / "kreis-wesel-2022.yaml"), "--method", "hare-niemeyer", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Einwohner" in result.output
    assert "Quote" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["method"] == "hare-niemeyer"
    assert data["step"] == 0.5
    assert data["ties"] == []
    assert data["quota_rule_violations"] == []
    assert sum(Fraction(str(k["vzae"])) for k in data["kommunen"]) == 11
    voerde = next(k for k in data["kommunen"] if k["name"] == "Voerde (Niederrhein)")
    assert voerde["quota_exact"] == "396517/460113"  # 11 × 36,047 / 460,113


def test_cli_reports_a_tie_with_a_warning_and_exit_0(tmp_path):
    data = tiny(
        kommunen=[
            {"name": "Adorf", "population": 10000},
            {"name": "Bedorf", "population": 10000},
            {"name": "Cedorf", "population": 20000},
        ],
        funding={"year": 2022, "positions_vzae": 1.5, "rate_per_vzae": 55000},
    )
    path = write_yaml(tmp_path / "tie.yaml", data)
    out = tmp_path / "tie.json"
    result = runner.invoke(app, ["apportion", str(path), "--method", "dhondt", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "WARNING: tie" in result.output
    assert "Population" in result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    # D'Hondt, 3 steps: Cedorf 20k, then Cedorf 10k, Adorf 10k, Bedorf 10k equal for 2 steps
    assert written["ties"] == [{"kommunen": ["Adorf", "Bedorf", "Cedorf"], "seats": 2, "vzae": 1.0}]
    assert [k["vzae"] for k in written["kommunen"]] == [0.0, 0.0, 0.5]
    assert written["determined"] is False


def test_cli_bounds_that_cannot_hold_exit_3(tmp_path):
    data = tiny()
    for kommune in data["kommunen"]:
        kommune["max_vzae"] = 0.5
    path = write_yaml(tmp_path / "small.yaml", data)
    result = runner.invoke(app, ["apportion", str(path), "--method", "adams", "--bounds"])
    assert result.exit_code == 3
    unbounded = runner.invoke(app, ["apportion", str(path), "--method", "adams"])
    assert unbounded.exit_code == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--step", "0.4"], 2),  # 3 VZÄ are not whole steps of 0.4
        (["--step", "zero"], 2),  # not a number
        (["--method", "jefferson"], 2),  # unknown method
    ],
)
def test_cli_bad_options(args, code, tmp_path):
    path = write_yaml(tmp_path / "tiny.yaml", tiny())
    base = ["apportion", str(path)] + ([] if "--method" in args else ["--method", "dhondt"])
    result = runner.invoke(app, base + args)
    assert result.exit_code == code, result.output


def test_cli_refuses_to_overwrite_its_input(tmp_path):
    path = write_yaml(tmp_path / "tiny.yaml", tiny())
    result = runner.invoke(app, ["apportion", str(path), "--method", "dean", "-o", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
