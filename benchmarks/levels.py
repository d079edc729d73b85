"""Per-level times of kimopt on one benchmark instance (not run by pytest).

python benchmarks/levels.py c                       # all of Germany as one Kreis, 120 s
python benchmarks/levels.py a                       # Eifelkreis Bitburg-Prüm
python benchmarks/levels.py c --drop fewer_hosts    # the same without the last level
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import germany, kreis_instance

from kimopt.data import OBJECTIVE_NAMES, Instance, PlanningModel
from kimopt.io.gv100 import read_gv100
from kimopt.lexicographic import build, solve_levels
from kimopt.problem import compile_problem

DEFAULT_GV100 = Path(__file__).resolve().parents[2] / "shared" / "data" / "gv100ad" / "GV100AD_301121.ASC"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["a", "c"])
    parser.add_argument("--drop", nargs="*", default=[], choices=OBJECTIVE_NAMES, help="levels to leave out")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gv100", type=Path, default=Path(os.environ.get("KIMOPT_GV100", DEFAULT_GV100)))
    args = parser.parse_args()
    directory = read_gv100(args.gv100)
    data = germany(directory) if args.scenario == "c" else kreis_instance(directory, "07232")
    objectives = [name for name in OBJECTIVE_NAMES if name not in args.drop]
    model = PlanningModel.model_validate({"workers": args.workers, "objectives": objectives})
    problem = compile_problem(Instance.model_validate(data), model)
    started = time.perf_counter()
    result = solve_levels(build(problem), args.time_limit, args.workers, 0)
    print(
        f"{data['name']}: {len(problem.instance.kommunen)} Kommunen, {len(problem.hosts)} employers, "
        f"status {result.status}, {time.perf_counter() - started:.2f} s"
    )
    for level in result.levels:
        value = "–" if level.value is None else f"{float(level.value):.6g}"
        bound = "–" if level.bound is None else f"{float(level.bound):.6g}"
        print(f"  {level.name:<16} {value:>12} bound {bound:>12}  proven {level.proven!s:<5}  {level.seconds:7.2f} s")
    tie = result.solver.get("tie_break", {})
    print(f"  {'tie_break':<16} proven {tie.get('proven')}  {tie.get('seconds', 0):.2f} s")


if __name__ == "__main__":
    main()
