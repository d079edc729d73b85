"""``kimopt alternatives``: distinct plans equally good on every level, each accepted by the checker."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from kimopt.analysis.alternatives import changes, equally_good_plans
from kimopt.check import check_plan
from kimopt.cli import app
from kimopt.pipeline import plan_instance
from tests.conftest import TEST_SETTINGS, assert_checker_refuses_a_broken_copy, instance, model, tiny, write_yaml

runner = CliRunner()


def three_equal() -> dict:
    """Three Kommunen of 10,000 inhabitants and 1 VZÄ, all at the Kreis: targets 1/3 VZÄ each.

    In tenths, the best split is 0,4 + 0,3 + 0,3 (Σ|c − e| = 1/15 + 2·1/30 = 2/15), and which
    Kommune gets the 0,4 is a free choice: exactly three equally good plans.
    """
    return tiny(
        funding={"year": 2022, "positions_vzae": 1, "rate_per_vzae": 55000},
        kommunen=[{"name": n, "population": 10000} for n in ("Adorf", "Bedorf", "Cedorf")],
    )


def test_a_known_tie_gives_every_equally_good_plan() -> None:
    inst, settings = instance(three_equal()), model()
    result = equally_good_plans(inst, settings, "test", limit=10)
    assert result.status == "OPTIMAL" and result.complete
    assert len(result.plans) == 3
    coverages = {tuple(k["coverage_vzae"] for k in plan["kommunen"]) for plan in result.plans}
    assert coverages == {(0.4, 0.3, 0.3), (0.3, 0.4, 0.3), (0.3, 0.3, 0.4)}
    reference = plan_instance(inst, settings, "test").plan_json
    assert result.plans[0]["links"] == reference["links"]  # the first is the plan of `kimopt solve`
    for plan in result.plans:
        assert check_plan(inst, settings, plan) == []
        assert_checker_refuses_a_broken_copy(inst, settings, plan)
        assert [o["value"] for o in plan["objectives"]] == [o["value"] for o in reference["objectives"]]
        assert Fraction(plan["objectives"][1]["value_exact"]) == Fraction(2, 15)


def test_limit_and_deterministic_order() -> None:
    inst, settings = instance(three_equal()), model()
    first = equally_good_plans(inst, settings, "test", limit=2)
    again = equally_good_plans(inst, settings, "test", limit=2)
    assert len(first.plans) == 2 and not first.complete
    assert [p["links"] for p in first.plans] == [p["links"] for p in again.plans]


def test_a_unique_optimum_has_one_plan() -> None:
    # targets 1,0 / 0,5 / 1,5 VZÄ are whole tenths: coverage is forced, and the Kreis hosts everything
    result = equally_good_plans(instance(tiny()), model(), "test", limit=5)
    assert result.complete and len(result.plans) == 1


def test_changes_list_the_links_that_differ() -> None:
    result = equally_good_plans(instance(three_equal()), model(), "test", limit=3)
    first, second = result.plans[:2]
    diff = changes(first, second)
    assert len(diff) == 2  # 0,1 VZÄ moves from one Kommune to another
    assert sorted((c.first, c.here) for c in diff) == [(0.3, 0.4), (0.4, 0.3)]
    assert all(c.host == "Kreis Klein" for c in diff)


def test_cli_lists_and_writes_the_plans(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "instance.yaml", three_equal())
    settings = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    out = tmp_path / "alternativen.json"
    result = runner.invoke(app, ["alternatives", str(path), "-m", str(settings), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 gleich gute Pläne (alle)" in result.output
    assert "Plan 2 – anders als Plan 1:" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["complete"] and [p["alternative"] for p in data["plans"]] == [
        "Plan 1",
        "Plan 2",
        "Plan 3",
    ]
    html = tmp_path / "alternativen.html"
    result = runner.invoke(
        app,
        [
            "alternatives",
            str(path),
            "-m",
            str(settings),
            "-k",
            "2",
            "-o",
            str(html),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "limit reached" in result.output
    assert "Plan 2" in html.read_text(encoding="utf-8")


def test_cli_infeasible_instance_exits_3(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "instance.yaml", three_equal())
    settings = write_yaml(tmp_path / "model.yaml", {**TEST_SETTINGS, "min_coverage_vzae": 1})  # 3 × 1 > 1 VZÄ
    result = runner.invoke(app, ["alternatives", str(path), "-m", str(settings)])
    assert result.exit_code == 3
    assert "keine zulässige Verteilung" in result.output


def test_the_terminal_says_where_the_payers_differ() -> None:
    """Wesel's equally good plans 1 and 2 shift half-tenths between Kamp-Lintfort and
    Neukirchen-Vluyn: the list names their Eigenanteil per plan (what a Kommune pays differs)."""
    from typer.testing import CliRunner

    from kimopt.cli import app
    from tests.conftest import INSTANCES

    result = CliRunner().invoke(app, ["alternatives", str(INSTANCES / "kreis-wesel-2022.yaml"), "-k", "3"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Eigenanteil Kamp-Lintfort: 8.200 € → 9.840 €" in text
    assert "Zahler, deren Eigenanteil zwischen den Plänen wechselt (€ pro Jahr):" in text
    assert "Neukirchen-Vluyn: 8.200 € / 6.560 € / 8.200 €" in text


def test_a_unique_optimum_is_said_in_the_singular(tmp_path: Path) -> None:
    # tiny's targets 1,0 / 0,5 / 1,5 VZÄ are whole half-steps: one plan only, and no „1 gleich gute Pläne“
    path = write_yaml(tmp_path / "instance.yaml", tiny())
    settings = write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)
    result = runner.invoke(app, ["alternatives", str(path), "-m", str(settings)])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()[:2]
    assert first == "Der optimale Plan ist eindeutig: kein anderer ist gleich gut."
    assert second == "Er ist vom Prüfer bestätigt."
    # asked for one plan only, kimopt cannot know whether it is the only one
    english = runner.invoke(app, ["alternatives", str(path), "-m", str(settings), "-k", "1", "--lang", "en"])
    assert english.output.splitlines()[:2] == [
        "1 optimal plan (limit reached, there may be more)",
        "It is confirmed by the checker.",
    ]
