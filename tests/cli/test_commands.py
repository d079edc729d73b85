"""Commands as a planner runs them (issue 10): each test is named after what broke."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kimopt.cli import app
from tests.conftest import INSTANCES, TEST_SETTINGS, write_yaml

WESEL = INSTANCES / "kreis-wesel-2022.yaml"
runner = CliRunner()

TWO_KOMMUNEN = {
    "name": "Kreis AB",
    "kreis": {"name": "Kreis AB", "cost_per_vzae": 55000, "budget": None},
    "funding": {"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000},
    "kommunen": [
        {"name": "A", "population": 1, "max_vzae": 2, "cost_per_vzae": 55000},
        {"name": "B", "population": 2},
    ],
    "traeger": [],
}


def _model_file(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "model.yaml", TEST_SETTINGS)


def test_wish_that_worsens_the_deviation_had_no_plan(tmp_path: Path) -> None:
    # A has 1 of 3 inhabitants: target 1,0 VZÄ, so A = 2 deviates by 2 × 1,0 = 2,0 VZÄ. The
    # proportionality shortcut used to fix the coverages at the unwished optimum (exit 4).
    path = write_yaml(tmp_path / "ab.yaml", TWO_KOMMUNEN)
    result = runner.invoke(app, ["explain", str(path), "-m", str(_model_file(tmp_path)), "--want", "A=2"])
    assert result.exit_code == 0, result.output
    assert "0,000 VZÄ → 2,000 VZÄ  (+2,000 VZÄ)" in result.output


def test_wesel_wish_for_voerde_with_budget_had_no_plan(tmp_path: Path) -> None:
    # Voerde's budget 16.400 € pays its own 1,0 VZÄ; its target is 0,862, so the wish costs
    # deviation and moves 16.400 € of Eigenanteil from the Kreis to Voerde.
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    for kommune in data["kommunen"]:
        if kommune["name"] == "Voerde (Niederrhein)":
            kommune["budget"] = 16400
    path = write_yaml(tmp_path / "wesel.yaml", data)
    result = runner.invoke(
        app, ["explain", str(path), "-m", str(_model_file(tmp_path)), "--want", "Voerde (Niederrhein)=1"]
    )
    assert result.exit_code == 0, result.output
    assert "Voerde (Niederrhein): 0 € → 16.400 € (+16.400 €)" in result.output


def test_validate_reported_one_problem_at_a_time(tmp_path: Path) -> None:
    # A key typo used to hide every check across records: the unknown partner, the Träger
    # serving a name that is not a Kommune, and VZÄ off the granularity came only after it.
    data = yaml.safe_load(WESEL.read_text(encoding="utf-8"))
    alpen, dinslaken, hamminkeln = data["kommunen"][:3]
    alpen["populaton"] = alpen.pop("population")
    dinslaken["share_with"] = ["Hünxee"]
    hamminkeln["max_vzae"] = 1.55
    data["traeger"][0]["serves"] = ["Voerde"]
    path = write_yaml(tmp_path / "broken.yaml", data)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "4 Problem(e) gefunden" in result.output
    assert "„populaton“: unbekannter Schlüssel – meinten Sie „population“?" in result.output
    assert "„Hünxee“ ist keine Kommune dieser Instanz – meinten Sie „Hünxe“?" in result.output
    assert "„Voerde“ ist keine Kommune dieser Instanz – meinten Sie „Voerde (Niederrhein)“?" in result.output
    assert "„1,55“ VZÄ ist kein Vielfaches der Granularität 0,1 VZÄ" in result.output


def test_solve_wrote_plan_json_into_an_html_file(tmp_path: Path) -> None:
    # `-o` writes the plan JSON; a report suffix is refused (exit 2) and --report is named.
    target = tmp_path / "plan.html"
    result = runner.invoke(app, ["solve", str(WESEL), "-o", str(target)])
    assert result.exit_code == 2
    assert "-o schreibt JSON" in result.output and "--report plan.html" in result.output
    assert not target.exists()
    assert runner.invoke(app, ["sensitivity", str(WESEL), "-o", str(tmp_path / "s.csv")]).exit_code == 2


def test_apportion_printed_quarter_steps_as_tenths() -> None:
    # Steps of 0,25: Hamminkeln gets 0,75 (not "0,8"), Alpen 0,25, and the column adds up.
    result = runner.invoke(app, ["apportion", str(WESEL), "--step", "0,25", "--method", "sainte-lague"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[-1] for line in result.output.splitlines() if line.strip()}
    assert rows["Hamminkeln"] == "0,75" and rows["Alpen"] == "0,25" and rows["Summe"] == "11,00"


def test_convert_overwrote_an_existing_instance_silently(tmp_path: Path) -> None:
    # One rule for every writing command: results are replaced, inputs never, and an existing
    # instance file (what template and convert write) only with --force.
    target = tmp_path / "wesel.json"
    target.write_text("my own data", encoding="utf-8")
    refused = runner.invoke(app, ["convert", str(WESEL), "-o", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert target.read_text(encoding="utf-8") == "my own data"
    assert runner.invoke(app, ["convert", str(WESEL), "-o", str(target), "--force"]).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("{")
    plan = tmp_path / "plan.json"
    plan.write_text("an old plan", encoding="utf-8")
    assert runner.invoke(app, ["solve", str(WESEL), "--no-binding", "-q", "-o", str(plan)]).exit_code == 0
    assert plan.read_text(encoding="utf-8").startswith("{")


def test_level_cut_short_showed_no_bound_and_gap() -> None:
    # A level the time limit cut short: the table names its bound and the gap (as the JSON
    # does); a level not reached says so instead of "Schranke –".
    from kimopt.console import render_plan
    from kimopt.load import load_inputs
    from kimopt.pipeline import plan_instance

    inputs = load_inputs(WESEL, None)
    outcome = plan_instance(inputs.instance, inputs.model)
    assert outcome.plan_json is not None
    plan = outcome.plan_json
    own_cost = next(level for level in plan["objectives"] if level["name"] == "own_cost")
    # as plan.py writes a level stopped at value 180.400 € with bound 164.000 €: gap 16.400 €
    own_cost.update(bound=164000, gap=16400, proven_optimal=False)
    last = plan["objectives"][-1]
    last.update(bound=None, proven_optimal=False)
    text = render_plan(plan, "de")
    assert "180.400 €   Schranke 164.000 €, Lücke 16.400 €, nicht bewiesen (Zeitlimit)" in text
    assert "im Zeitlimit nicht erreicht: Wert des Plans, keine Schranke" in text
    assert "bound €164,000, gap €16,400, not proven (time limit)" in render_plan(plan, "en")


def test_closed_pipe_ended_with_internal_error() -> None:
    # `kimopt solve … | head`: the reader is gone before kimopt prints; it ends quietly with
    # 141 (128 + SIGPIPE, as Unix tools do) instead of "Interner Fehler (BrokenPipeError)".
    import subprocess
    import sys

    kimopt = Path(sys.executable).parent / "kimopt"
    process = subprocess.Popen(
        [str(kimopt), "solve", str(WESEL), "--no-binding"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert err == b""


def test_payers_rounded_one_by_one_did_not_add_up(tmp_path: Path) -> None:
    # Adorf and Bedorf each host 0,5 VZÄ at a deficit of 16.401 €/VZÄ: 8.200,50 € each. Rounded
    # one by one that was 8.201 + 8.201 = 16.402 € against a printed total of 16.401 €; now the
    # left-over euro goes to the first of the equal remainders: 8.201 + 8.200.
    data = {
        "name": "Kreis Klein",
        "kreis": {"name": "Kreis Klein", "cost_per_vzae": 71401, "budget": None},
        "funding": {"year": 2022, "positions_vzae": 3, "rate_per_vzae": 55000},
        "kommunen": [
            {"name": "Adorf", "population": 20000, "max_vzae": 0.5, "cost_per_vzae": 71401},
            {"name": "Bedorf", "population": 10000, "max_vzae": 0.5, "cost_per_vzae": 71401},
            {"name": "Cedorf", "population": 30000},
        ],
        "traeger": [],
    }
    path = write_yaml(tmp_path / "klein.yaml", data)
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", str(path), "-m", str(_model_file(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text(encoding="utf-8"))
    parts = {p["payer"]: p["eur"] for p in plan["finance"]["eigenanteil"]}
    assert parts == {"Kreis Klein": 32802, "Adorf": 8201, "Bedorf": 8200}
    own = plan["summary"]["eigenanteil_eur"]
    assert own["kommunen"] == 8201 + 8200 and own["total"] == sum(parts.values()) == 49203
    assert next(o["value"] for o in plan["objectives"] if o["name"] == "own_cost") == 49203


def test_wish_price_said_vzae_twice(tmp_path: Path) -> None:
    # "+1,000 VZÄ VZÄ bei Kommunen/Trägern": the unit comes with the figure, not the label too.
    path = write_yaml(tmp_path / "ab.yaml", TWO_KOMMUNEN)
    result = runner.invoke(app, ["explain", str(path), "-m", str(_model_file(tmp_path)), "--want", "A=2"])
    assert "+1,000 VZÄ bei Kommunen/Trägern" in result.output
    assert "VZÄ VZÄ" not in result.output


def test_alternatives_listed_a_different_number_of_plans_on_each_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # `-k 1000` used to stop at the wall-clock limit (327, then 333 plans). The list now stops
    # at a deterministic amount of work: the same plans on every run, and it says it is
    # incomplete.
    import kimopt.analysis.alternatives as alternatives

    monkeypatch.setattr(alternatives, "ENUMERATION_WORK", 0.02)
    runs = [runner.invoke(app, ["alternatives", str(WESEL), "-k", "1000"]) for _ in range(2)]
    assert all(run.exit_code == 0 for run in runs), runs[0].output
    assert runs[0].output == runs[1].output
    assert "unvollständig: Rechenmenge erschöpft" in runs[0].output
    count = int(runs[0].output.split()[0])
    assert 1 <= count < 371  # all 371 equally good plans of Kreis Wesel need more work


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_long_commands_showed_no_progress(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # On a terminal a spinner on stderr names what is being done; it is transient and never
    # written into pipes or files (stdout stays the table).
    from kimopt.cli.progress import progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress("Löse") as step:
        step("proportionality")
    assert "Löse" in terminal.getvalue()

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    with progress("Löse") as step:
        step("proportionality")
    assert piped.getvalue() == ""


def test_solve_progress_stays_out_of_pipes() -> None:
    result = runner.invoke(app, ["solve", str(WESEL), "--no-binding", "-q"])
    assert result.exit_code == 0 and result.output == ""
