"""``explain`` over several years (DESIGN §5): every year explained as one year given the years
before, a wish in a named year, the cuts of a year and why, labels without rule identifiers.

The small cases build on ``conftest.tiny`` (Adorf 20,000, Bedorf 10,000, Cedorf 30,000
inhabitants; 3 VZÄ; a deficit of 71,400 − 55,000 = 16,400 € per VZÄ; the Kreis keeps at least
1/3). With only Cedorf able to host (``max_vzae`` 1.5) the most VZÄ at partners is 1.5: Cedorf
1.5, the Kreis 1.5, each paying 1.5 × 16,400 = 24,600 €.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from kimopt import rules
from kimopt.analysis.explain.wish import WishError, parse_wish, wish_year
from kimopt.analysis.explain.years import explain_years, scenario_of
from kimopt.cli import app
from kimopt.labels import OBJECTIVE_LABELS
from kimopt.pipeline import plan_instance
from kimopt.results import Status
from tests.conftest import INSTANCES, instance, model, tiny, with_kommune, write_yaml

runner = CliRunner()
WESEL = INSTANCES / "kreis-wesel-2022-2023.yaml"
IDENTIFIER = re.compile(
    r"\b(" + "|".join([rule.name for rule in rules.RULES] + [name for name in OBJECTIVE_LABELS]) + r")\b"
)


def cedorf_two_years(**second: Any) -> dict[str, Any]:
    """Tiny in 2022 and 2023 (``second`` overrides 2023); only Cedorf hosts, at most 1.5 VZÄ."""
    return with_kommune(tiny(years=[{"year": 2023, **second}]), "Cedorf", max_vzae=1.5)


def explain_cli(path: Path, *extra: str) -> Any:
    return runner.invoke(app, ["explain", str(path), *extra])


def test_each_year_is_the_solvers_problem_of_that_year() -> None:
    # explain reasons about exactly what the solver saw in each year: the 2023 problem carries
    # what 2022 held (Cedorf 1.5, the Kreis 1.5)
    inst, settings = instance(cedorf_two_years()), model()
    outcome = plan_instance(inst, settings)
    assert [scenario_of(year, settings).problem() for year in outcome.years] == [y.problem for y in outcome.years]
    carried = outcome.years[1].problem.carried
    assert carried is not None
    assert dict(carried.held) == {("kreis", "Kreis Klein"): 1.5, ("kommune", "Cedorf"): 1.5}


def test_every_year_gets_its_binding_rules(tmp_path: Path) -> None:
    result = explain_cli(write_yaml(tmp_path / "two.yaml", cedorf_two_years()))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Kreis Klein: ein Plan über alle Jahre ist möglich; jedes Jahr gegeben die Jahre davor:"
    assert lines.index("2022:") < lines.index("2023:")
    # the funding cap limits the positions used in each year (3 VZÄ are fundable, more would be used)
    binding = "    - Förderobergrenze: höchstens 3,0 VZÄ ⇒ Förderung ausschöpfen (VZÄ verwendet): würde besser"
    assert lines.count(binding) == 2
    assert lines.index(binding) < lines.index("2023:") < len(lines) - 1 - lines[::-1].index(binding)


def test_a_wish_in_a_later_year_is_blocked_by_continuity(tmp_path: Path) -> None:
    # 2022 puts 1.5 VZÄ at Cedorf; in 2023 (same funding) Cedorf keeps at least that, so 0.5 is
    # impossible, and continuity alone is the reason
    path = write_yaml(tmp_path / "two.yaml", cedorf_two_years())
    result = explain_cli(path, "--want", "2023: Cedorf=0.5")
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[:3] == [
        "2023 (gegeben die Jahre davor):",
        "  Wunsch „Cedorf = 0,5 VZÄ“ ist nicht erfüllbar – er scheitert an diesen Regeln "
        "(jede einzelne zu lockern macht ihn möglich):",
        "    - Kontinuität Cedorf: hält mindestens 1,5 VZÄ wie im Vorjahr",
    ]
    assert "2022" not in result.output
    # the same wish in 2022 has nothing before it: it moves 1.0 VZÄ from Cedorf to the Kreis,
    # 16,400 € from Cedorf's Eigenanteil to the Kreis's
    first = explain_cli(path, "--want", "2022: Cedorf=0.5")
    assert first.exit_code == 0, first.output
    assert "  - Cedorf: 24.600 € → 8.200 € (−16.400 €)" in first.output
    assert "  - Kreis Klein: 24.600 € → 41.000 € (+16.400 €)" in first.output


def test_a_wish_without_a_year_is_for_the_first_year(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "two.yaml", cedorf_two_years())
    result = explain_cli(path, "--want", "Cedorf=0.5")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["(ohne Jahr gilt der Wunsch für das erste Jahr, 2022)", "2022:"]
    english = explain_cli(path, "--want", "Cedorf=0.5", "--lang", "en")
    assert english.output.startswith("(without a year the wish is for the first year, 2022)\n")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_an_unknown_year_is_named_with_the_years_there_are(tmp_path: Path, lang: str) -> None:
    path = write_yaml(tmp_path / "two.yaml", cedorf_two_years())
    result = explain_cli(path, "--want", "2024: Cedorf=0.5", "--lang", lang)
    assert result.exit_code == 1
    expected = {
        "de": "--want „2024: Cedorf=0.5“: die Instanz hat kein Jahr 2024 – ihre Jahre: 2022, 2023",
        "en": "--want '2024: Cedorf=0.5': the instance has no year 2024 – its years: 2022, 2023",
    }[lang]
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_one_year_instance_takes_its_own_year(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "one.yaml", with_kommune(tiny(), "Cedorf", max_vzae=1.5))
    plain = explain_cli(path, "--want", "Cedorf=0.5")
    dated = explain_cli(path, "--want", "2022: Cedorf=0.5")
    assert plain.exit_code == dated.exit_code == 0, dated.output
    assert dated.output == plain.output
    other = explain_cli(path, "--want", "2023: Cedorf=0.5")
    assert other.exit_code == 1
    assert "die Instanz hat kein Jahr 2023 – ihre Jahre: 2022" in other.output


def test_reading_a_year() -> None:
    assert wish_year("Moers=1", ["2022", "2023"]) == (0, False)
    assert wish_year(" 2023 : Moers=1", ["2022", "2023"]) == (1, True)
    with pytest.raises(WishError):
        wish_year("2021: Moers=1", ["2022", "2023"])
    inst = instance(tiny())
    dated, plain = parse_wish("2022: Adorf>=0.5", inst, model()), parse_wish("Adorf>=0.5", inst, model())
    assert (dated.name, dated.kind, dated.op, dated.units) == (plain.name, plain.kind, plain.op, plain.units)


def test_a_cut_year_lists_its_cuts_and_why(tmp_path: Path) -> None:
    # 2022 uses 3 VZÄ (Kreis 2.0, Adorf 1.0); 2023 funds only 2: keeping both contradicts the
    # funding cap, so each cuts 0.5, and 3 fundable VZÄ would keep every position
    data = with_kommune(tiny(years=[{"year": 2023, "positions_vzae": 2}]), "Adorf", max_vzae=1)
    result = explain_cli(write_yaml(tmp_path / "falling.yaml", data))
    assert result.exit_code == 0, result.output
    cuts = result.output[result.output.index("  Kürzungen gegenüber 2022 (Kontinuität):") :].splitlines()
    assert cuts[1:3] == ["    - Kreis Klein: 2,0 VZÄ → 1,5 VZÄ (−0,5 VZÄ)", "    - Adorf: 1,0 VZÄ → 0,5 VZÄ (−0,5 VZÄ)"]
    assert cuts[3].startswith("    Ohne Kürzung (alle Stellen von 2022 gehalten) kein zulässiger Plan")
    assert cuts[4:7] == [
        "      - Förderobergrenze: höchstens 2,0 VZÄ",
        "      - Kontinuität Adorf: hält mindestens 1,0 VZÄ wie im Vorjahr",
        "      - Kontinuität Kreis Klein: hält mindestens 2,0 VZÄ wie im Vorjahr",
    ]
    assert "      - Förderobergrenze ≥ 3,0 VZÄ (bisher 2,0 VZÄ)" in cuts


COORDINATION = {
    "base_vzae": 1.0,
    "assistant_vzae": 0.5,
    "per_kommune_vzae": 1.0,
    "rate_per_vzae": 57000,
    "assistant_rate_per_vzae": 45000,
}


def coordinated() -> dict[str, Any]:
    """Adorf qualifies for a coordinator: 1.0 × (71,400 − 57,000) = 14,400 € of its budget of
    22,600 €, which leaves 8,200 € = 0.5 VZÄ of Baustein 2. The Kreis carries 1.0 × 14,400 +
    0.5 × (71,400 − 45,000) = 27,600 € of Baustein 1."""
    data = tiny(coordination=COORDINATION)
    flags = {"auslaenderbehoerde": True, "jugendamt": True, "integrationsrat": True}
    return with_kommune(data, "Adorf", budget=22600, max_vzae=1, cost_per_vzae=71400, **flags)


def test_budgets_are_told_and_repaired_for_all_bausteine() -> None:
    inst, settings = instance(coordinated()), model()
    blocked = explain_years(inst, settings, "Adorf=1")
    assert blocked.status is Status.INFEASIBLE
    assert (
        "    - Budget Adorf: Eigenanteil aller Bausteine höchstens 22.600 €; "
        "fest gebunden: Koordination (Baustein 1) 14.400 €" in blocked.lines
    )
    # 1.0 VZÄ of Baustein 2 costs Adorf 16,400 €, with its coordinator 30,800 €
    assert "    - Budget Adorf ≥ 30.800 € (bisher 22.600 €)" in blocked.lines
    price = explain_years(inst, settings, "Adorf=0")
    assert price.status is Status.FEASIBLE
    # all Bausteine: Adorf 14,400 + 8,200 → 14,400; the Kreis 27,600 + 2.5 × 16,400 → 27,600 + 3 × 16,400
    assert "    - Adorf: 22.600 € → 14.400 € (−8.200 €)" in price.lines
    assert "    - Kreis Klein: 68.600 € → 76.800 € (+8.200 €)" in price.lines


def test_an_infeasible_horizon_keeps_the_conflict_of_its_first_year_without_a_plan() -> None:
    # 2023: nobody may pay anything, and every Kommune must be reached with 0.5 VZÄ: no cut helps
    data = tiny(years=[{"year": 2023, "budgets": {"Kreis Klein": 0, "Adorf": 0, "Bedorf": 0, "Cedorf": 0}}])
    inst, settings = instance(data), model(min_coverage_vzae="0.5")
    answer = explain_years(inst, settings)
    assert answer.status is Status.INFEASIBLE
    assert answer.lines[0].startswith("Kreis Klein: kein zulässiger Plan für 2023 (gegeben die Jahre davor)")
    assert "  - 2023: Budget Kreis: Eigenanteil höchstens 0 €" in answer.lines
    wished = explain_years(inst, settings, "2023: Adorf=0")
    assert wished.status is Status.INFEASIBLE
    assert wished.lines[:-1] == answer.lines
    assert wished.lines[-1] == "Der Wunsch „2023: Adorf=0“ wird nicht geprüft: schon ohne ihn hat 2023 keinen Plan."


@pytest.fixture(scope="module")
def wesel_explained() -> str:
    result = explain_cli(WESEL)
    assert result.exit_code == 0, result.output
    return result.output


def test_wesel_explains_both_years(wesel_explained: str) -> None:
    lines = wesel_explained.splitlines()
    assert lines[0].endswith("ein Plan über alle Jahre ist möglich; jedes Jahr gegeben die Jahre davor:")
    first, second = lines.index("2022:"), lines.index("2023:")
    for part in (lines[first:second], lines[second:]):
        assert any("Bindende Regeln" in line for line in part)
        assert any(line.startswith("  Koordination (Baustein 1): ") for line in part)
        assert any(line.startswith("  Ausländerbehörden (Baustein 3): ") for line in part)
    # the Kreis's 3.5 coordinator VZÄ and its 0.5 VZÄ assistant; one coordinator per qualifying city
    assert (
        lines.count(
            "  Koordination (Baustein 1): Koordinierende beim Kreis und bei jeder Kommune mit allen Merkmalen: "
            "Kreis Wesel 3,5 VZÄ, Kreis Wesel 0,5 VZÄ Assistenz, Dinslaken 1,0 VZÄ, Moers 1,0 VZÄ, Wesel 1,0 VZÄ"
        )
        == 2
    )
    # 2023's costs rise 3 % while the budgets stay: only 2023 cuts
    assert "Kürzungen" not in "\n".join(lines[first:second])
    assert "  Kürzungen gegenüber 2022 (Kontinuität):" in lines[second:]


def test_wesels_cuts_and_the_budgets_that_avoid_them(wesel_explained: str, tmp_path: Path) -> None:
    # Moers keeps 2.0 VZÄ in 2023 only with 2 × (73,542 − 57,000) = 33,084 € of Baustein 2 plus
    # its coordinator 80,340 − 57,000 = 23,340 € and Baustein 3 0.5 × (73,542 − 55,000) = 9,271 €:
    # 65,695 €, against 62,000 €
    assert "    - Moers: 2,0 VZÄ → 1,5 VZÄ (−0,5 VZÄ)" in wesel_explained
    assert "    - Dinslaken: 1,5 VZÄ → 1,0 VZÄ (−0,5 VZÄ)" in wesel_explained
    joint = wesel_explained[wesel_explained.index("Kleinste Änderung, gemeinsam") :].splitlines()
    assert joint[1:3] == [
        "      - Budget Moers ≥ 65.695 € (bisher 62.000 €)",
        "      - Budget Dinslaken ≥ 54.116 € (bisher 53.800 €)",
    ]
    assert "nicht bestätigt" not in wesel_explained

    def cuts_with(budgets: dict[str, int]) -> list[tuple[str, float]]:
        data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
        data["years"][0]["budgets"] = budgets
        path = write_yaml(tmp_path / "wesel.yaml", copy.deepcopy(data))
        out = tmp_path / "plan.json"
        assert runner.invoke(app, ["solve", str(path), "-o", str(out), "-q", "--no-binding"]).exit_code == 0
        plan = json.loads(out.read_text(encoding="utf-8"))
        return [(cut["host"], cut["vzae"]) for cut in plan["years"][1]["cuts"]]

    assert cuts_with({"Moers": 65695, "Dinslaken": 54116}) == []
    assert cuts_with({"Moers": 65694, "Dinslaken": 54116}) == [("Moers", 0.5)]


def test_wesel_wish_blocked_by_the_year_before(tmp_path: Path) -> None:
    # Moers holds 2.0 VZÄ in 2022; 2023 may cut 1.0 VZÄ in all (what it must cut, Moers and
    # Dinslaken 0.5 each), so Moers = 1.0 leaves Dinslaken to keep its 1.5 against its budget
    result = explain_cli(WESEL, "--want", "2023: Moers=1")
    assert result.exit_code == 3, result.output
    # the rule as the year has it: what was held, and the cuts the year already makes
    cuts = ", Kürzungen höchstens 1,0 VZÄ insgesamt"
    assert f"    - Kontinuität Moers: hält mindestens 2,0 VZÄ wie im Vorjahr{cuts}" in result.output
    assert f"    - Kontinuität Dinslaken: hält mindestens 1,5 VZÄ wie im Vorjahr{cuts}" in result.output
    assert "    - Budget Dinslaken ≥ 54.116 € (bisher 53.800 €)" in result.output


def test_people_read_labels_not_identifiers(wesel_explained: str) -> None:
    assert IDENTIFIER.findall(wesel_explained) == []
    for wish in ("2023: Moers>=3", "Voerde (Niederrhein)=1"):
        result = explain_cli(WESEL, "--want", wish)
        assert result.exit_code == 3
        assert IDENTIFIER.findall(result.output) == [], result.output
    one_year = explain_cli(INSTANCES / "kreis-wesel-2022.yaml", "--want", "Moers=1")
    assert one_year.exit_code == 0
    assert IDENTIFIER.findall(one_year.output) == [], one_year.output


@pytest.mark.parametrize("status", [Status.UNKNOWN, Status.FEASIBLE])
def test_a_year_not_decided_in_time_exits_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: Status) -> None:
    # 2023 stopped by the time limit: without a plan (UNKNOWN) nothing is explained; with a plan
    # not proven optimal (FEASIBLE) its binding rules are unknown
    import kimopt.pipeline

    solved = kimopt.pipeline.plan_instance

    def stopped(*args: Any, **kwargs: Any) -> Any:
        outcome = solved(*args, **kwargs)
        outcome.years[1].result.status = status
        if status is Status.UNKNOWN:
            outcome.failed_year, outcome.plan_json = "2023", None
        return outcome

    monkeypatch.setattr(kimopt.pipeline, "plan_instance", stopped)
    result = explain_cli(write_yaml(tmp_path / "two.yaml", cedorf_two_years()))
    assert result.exit_code == 4, result.output
    expected = "nicht im Zeitlimit entschieden" if status is Status.UNKNOWN else "Optimum nicht im Zeitlimit bewiesen"
    assert expected in result.output
