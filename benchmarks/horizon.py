"""Several years and Bausteine (DESIGN §5): ``kimopt solve`` as a planner types it, against the
one-year instances as the floor.

Scenarios (median of 3 runs each, default planning model, 8 workers as configured):
  mettmann   kreis-mettmann-2022.yaml (floor) vs kreis-mettmann-2022-2023.yaml (2 years)
  wesel      kreis-wesel-2022.yaml (floor) vs kreis-wesel-2022-2023.yaml (2 years, Bausteine 1-3)
  wesel-5    the Wesel horizon extended to 2022-2026 (cost growth 3 % a year, rate 57,000 € from 2023)
  explain    ``kimopt explain`` on the Wesel horizon with Moers' budget cut to 10,000 € (infeasible:
             conflict and the smallest budget repair)
  verflochten  the generated 24-Kommunen Kreis with 5 overlapping Träger areas and tight budgets
             (benchmarks/tangled.py) for one year (floor) and for 2022-2024 (costs +3 % a year,
             rate 57,000 € from 2023, budgets kept): the three years must cost at most 3× the one
             (issue 21: the years decided in order are three one-year solves, cuts included)

Usage::

    python benchmarks/horizon.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # tangled.py, the generated Kreise
ROOT = HERE.parent
INSTANCES = ROOT / "instances"
KIMOPT = str(Path(sys.executable).with_name("kimopt"))
RUNS = 3


def _seconds(args: list[str], expect: int = 0) -> float:
    """Median wall seconds of a command (a wrong exit code stops the benchmark)."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run([KIMOPT, *args], capture_output=True, text=True, timeout=900)
        times.append(time.perf_counter() - started)
        if done.returncode != expect:
            raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return statistics.median(times)


def _five_years(folder: Path) -> Path:
    data = yaml.safe_load((INSTANCES / "kreis-wesel-2022-2023.yaml").read_text(encoding="utf-8"))
    data["name"] = "Kreis Wesel 2022-2026 (Bausteine 1-3)"
    data["years"] = [{"year": 2023, "rate_per_vzae": 57000, "cost_growth": "3/100"}] + [
        {"year": y} for y in range(2024, 2027)
    ]
    for kommune in data["kommunen"]:  # budgets rise with the costs, so that five years stay feasible
        if kommune.get("budget"):
            kommune["budget"] = int(kommune["budget"] * 1.2)
    path = folder / "kreis-wesel-2022-2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _three_years(folder: Path) -> tuple[Path, Path]:
    from tangled import verflochten

    one = verflochten()
    three = {**one, "name": f"{one['name']} 2022-2024"}
    three["years"] = [{"year": 2023, "rate_per_vzae": 57000, "cost_growth": "3/100"}, {"year": 2024}]
    paths = (folder / "verflochten-2022.yaml", folder / "verflochten-2022-2024.yaml")
    for path, data in zip(paths, (one, three), strict=True):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return paths


def _broken(folder: Path) -> Path:
    text = (INSTANCES / "kreis-wesel-2022-2023.yaml").read_text(encoding="utf-8")
    path = folder / "kreis-wesel-moers-10000.yaml"
    path.write_text(text.replace("budget: 62000", "budget: 10000"), encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan = str(folder / "plan.json")
        rows = []
        for label, name in (
            ("mettmann 2022 (floor)", "kreis-mettmann-2022"),
            ("mettmann 2022-2023", "kreis-mettmann-2022-2023"),
            ("wesel 2022 (floor)", "kreis-wesel-2022"),
            ("wesel 2022-2023, Bausteine 1-3", "kreis-wesel-2022-2023"),
        ):
            rows.append((label, _seconds(["solve", str(INSTANCES / f"{name}.yaml"), "-q", "-o", plan, "--no-binding"])))
        rows.append(
            (
                "wesel 2022-2026, Bausteine 1-3",
                _seconds(["solve", str(_five_years(folder)), "-q", "-o", plan, "--no-binding"]),
            )
        )
        rows.append(("explain wesel 2022-2023, Moers 10,000 €", _seconds(["explain", str(_broken(folder))], expect=3)))
        one, three = _three_years(folder)
        floor = _seconds(["solve", str(one), "-q", "-o", plan, "--no-binding"])
        years = _seconds(["solve", str(three), "-q", "-o", plan, "--no-binding"])
        rows += [("verflochten 2022 (floor)", floor), ("verflochten 2022-2024 (3 years)", years)]
    print("| command | median seconds (3 runs) |")
    print("| --- | ---: |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} |")
    ratio = years / floor
    print(f"\nverflochten: 3 years = {ratio:.2f}× one year (target ≤ 3×): {'met' if ratio <= 3 else 'NOT met'}")
    if ratio > 3:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
