"""kimopt against a plain CP-SAT formulation and a MILP solver (HiGHS), in one table.

Scenarios (see scenarios.py for the seeded enrichment):
  a  Eifelkreis Bitburg-Prüm (07232, 234 Gemeinden), all levels
  b  every Kreis and kreisfreie Stadt of Germany (400) as one batch, 2 processes
  c  every populated Gemeinde of Germany as one synthetic Kreis

Each measurement runs in its own subprocess (peak memory = its ru_maxrss, for b including
the worker processes). Usage::

    python benchmarks/run.py            # the full table (several minutes)
    python benchmarks/run.py --quick    # smoke test: Kreis Wesel, 5 NRW Kreise, 100 Gemeinden
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_GV100 = HERE.parent.parent / "shared" / "data" / "gv100ad" / "GV100AD_301121.ASC"
METHODS = ("kimopt", "baseline", "milp")
LIMITS = {"a": 60.0, "b": 60.0, "c": 120.0}
QUICK_LIMIT = 2.0
BATCH_BASELINE_LIMIT = 1.0  # per instance in b: 400 instances × a long limit would take hours


def _instances(scenario: str, gv100: Path, quick: bool) -> list[dict[str, Any]]:
    from scenarios import all_kreise, enrich, germany, kreis_instance

    from kimopt.io.gv100 import read_gv100

    directory = read_gv100(gv100)
    if scenario == "a":
        return [kreis_instance(directory, "05170" if quick else "07232")]
    if scenario == "b":
        return [kreis_instance(directory, k.key) for k in directory.land("05")[:5]] if quick else all_kreise(directory)
    if quick:
        gemeinden = [g for g in directory.gemeinden if g.population > 0][:100]
        return [enrich("Synthetisch 100", "00000", gemeinden)]
    return [germany(directory)]


def _levels_kimopt(data: dict[str, Any], limit: float, workers: int) -> dict[str, Any]:
    from kimopt.data import Instance, PlanningModel
    from kimopt.pipeline import plan_instance

    instance = Instance.model_validate(data)
    model = PlanningModel(workers=workers, time_limit_s=limit)
    outcome = plan_instance(instance, model, "kim-standard", limit)
    levels = outcome.result.levels
    return {
        "values": [None if lv.value is None else float(lv.value) for lv in levels],
        "bounds": [None if lv.bound is None else float(lv.bound) for lv in levels],
        "proven": bool(levels) and all(lv.proven for lv in levels) and outcome.status == "OPTIMAL",
        "solve_s": sum(lv.seconds for lv in levels) + outcome.result.solver.get("tie_break", {}).get("seconds", 0),
    }


def _levels_plain(data: dict[str, Any], limit: float, workers: int, method: str) -> dict[str, Any]:
    from baseline import solve_cpsat, solve_milp

    from kimopt.data import Instance, PlanningModel
    from kimopt.problem import compile_problem

    problem = compile_problem(Instance.model_validate(data), PlanningModel(workers=workers))
    levels = solve_cpsat(problem, limit, workers) if method == "baseline" else solve_milp(problem, limit)
    return {
        "values": [lv.value for lv in levels],
        "bounds": [lv.bound for lv in levels],
        "proven": len(levels) == 6 and all(lv.proven for lv in levels),
        "solve_s": sum(lv.seconds for lv in levels),
    }


def _one(args: tuple[dict[str, Any], float, int, str]) -> dict[str, Any]:
    data, limit, workers, method = args
    if method == "kimopt":
        return _levels_kimopt(data, limit, workers)
    return _levels_plain(data, limit, workers, method)


def measure(scenario: str, method: str, gv100: Path, quick: bool) -> dict[str, Any]:
    """Wall time, peak memory and per-level figures of one method on one scenario."""
    import baseline  # noqa: F401  (imports are not part of the measured time)
    from ortools.linear_solver import pywraplp  # noqa: F401

    import kimopt.pipeline  # noqa: F401

    instances = _instances(scenario, gv100, quick)
    limit = QUICK_LIMIT if quick else LIMITS[scenario]
    started = time.perf_counter()
    if scenario != "b":
        results = [_one((instances[0], limit, 2, method))]
    elif method == "kimopt":
        from kimopt.analysis.batch import Task, run_batch

        with tempfile.TemporaryDirectory() as folder:
            tasks = []
            for n, data in enumerate(instances):
                path = Path(folder) / f"{n:03d}.json"
                path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                tasks.append(Task(path, Path(folder) / f"{n:03d}.plan.json", None, limit, 1, False))
            started = time.perf_counter()
            rows = run_batch(tasks, 2)
            results = []
            for task, row in zip(tasks, rows, strict=True):
                plan = json.loads(task.plan_path.read_text(encoding="utf-8")) if row.has_plan else {}
                objectives = plan.get("objectives", [])
                results.append(
                    {
                        "values": [
                            (o.get("value_exact") and _exact(o["value_exact"])) or o["value"] for o in objectives
                        ],
                        "bounds": [o["bound"] for o in objectives],
                        "proven": row.status == "OPTIMAL",
                        "solve_s": row.seconds or 0.0,
                    }
                )
    else:
        with ProcessPoolExecutor(2) as pool:
            results = list(pool.map(_one, [(d, BATCH_BASELINE_LIMIT, 1, method) for d in instances], chunksize=4))
    wall = time.perf_counter() - started
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "scenario": scenario,
        "method": method,
        "wall_s": wall,
        "peak_mb": peak / 1024,
        "instances": len(instances),
        "kommunen": sum(len(d["kommunen"]) for d in instances),
        "results": results,
    }


def _exact(text: str) -> float:
    from fractions import Fraction

    return float(Fraction(text))


def _gap(result: dict[str, Any]) -> float:
    """Largest |value − bound| of a level (0 when every level is proven)."""
    gaps = [
        abs(v - b) for v, b in zip(result["values"], result["bounds"], strict=False) if v is not None and b is not None
    ]
    return 0.0 if result["proven"] else max(gaps, default=float("inf"))


def _agree(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    if not (ours["proven"] and theirs["proven"]):
        return False
    return all(abs(a - b) <= 1e-6 * max(1.0, abs(a)) for a, b in zip(ours["values"], theirs["values"], strict=True))


def _help_seconds() -> float:
    kimopt = Path(sys.executable).with_name("kimopt")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([str(kimopt), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


MEASURE_TIMEOUT = 600  # seconds for one measurement subprocess, whatever the solver's own limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small cases, short limits (smoke test)")
    parser.add_argument("--gv100", type=Path, default=Path(os.environ.get("KIMOPT_GV100", DEFAULT_GV100)))
    parser.add_argument("--scenarios", default="abc")
    parser.add_argument("--measure", nargs=2, metavar=("SCENARIO", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print("RESULT " + json.dumps(measure(*args.measure, args.gv100, args.quick)))
        return
    if not args.gv100.exists():
        sys.exit(f"GV100AD file not found: {args.gv100} (--gv100 PATH)")
    print(f"kimopt --help: {_help_seconds():.3f} s (median of 5)")
    print(
        f"{'scenario':<34} {'method':<9} {'wall s':>8} {'solve s':>8} {'peak MB':>8} "
        f"{'proven':>9} {'max gap':>9} {'agree':>9}"
    )
    for scenario in args.scenarios:
        measured: dict[str, dict[str, Any]] = {}
        for method in METHODS:
            command = [
                sys.executable,
                str(Path(__file__)),
                "--measure",
                scenario,
                method,
                "--gv100",
                str(args.gv100),
            ]
            if args.quick:
                command.append("--quick")
            try:
                out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=MEASURE_TIMEOUT)
            except subprocess.TimeoutExpired:
                # HiGHS' presolve on the all-Germany model does not honour its own time limit
                print(
                    f"{scenario} {method}: stopped after {MEASURE_TIMEOUT} s (its own time limit not honoured)",
                    flush=True,
                )
                continue
            line = next((li for li in out.stdout.splitlines() if li.startswith("RESULT ")), None)
            if line is None:
                print(f"{scenario} {method}: failed\n{out.stderr[-2000:]}")
                continue
            measured[method] = data = json.loads(line[7:])
            results = data["results"]
            proven = sum(r["proven"] for r in results)
            gap = max(_gap(r) for r in results)
            agree = ""
            if method != "kimopt" and "kimopt" in measured:
                pairs = zip(measured["kimopt"]["results"], results, strict=True)
                agree = f"{sum(_agree(o, t) for o, t in pairs)}/{len(results)}"
            label = f"{scenario}: {data['instances']} inst., {data['kommunen']} Kommunen"
            print(
                f"{label:<34} {method:<9} {data['wall_s']:8.2f} {sum(r['solve_s'] for r in results):8.2f} "
                f"{data['peak_mb']:8.0f} {proven:>4}/{len(results):<4} {gap:9.3g} {agree:>9}",
                flush=True,
            )


if __name__ == "__main__":
    main()
