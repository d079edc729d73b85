"""Binding rules at the size of Germany: the commands a planner types, against their floor.

Two cases, each with and without binding rules, as subprocesses of the installed ``kimopt``:

  one model  every populated Gemeinde of Germany (10,789) as the Kommunen of one synthetic
             Kreis (``scenarios.germany``, as ``run.py`` scenario c): ``solve --no-binding``
             (the floor) and ``solve`` (binding rules on, the default)
  400 Kreise every Kreis and kreisfreie Stadt as its own instance (``scenarios.all_kreise``, as
             ``run.py`` scenario b): ``batch -j 2`` (the floor) and ``batch -j 2 --binding``

The instances are drawn from the official directory (``--gv100``, default
``../shared/data/gv100ad/GV100AD_301121.ASC``) with the fixed seed of scenarios.py and written
into a temporary directory. Printed per command: wall and CPU seconds (user + system of the
process and its workers), each as a ratio to the floor of the same case measured in the same
run, the binding rules found and the rule instances left not completely checked (for the
batch summed over the instances, and how many instances are not complete).

Usage::

    python benchmarks/germany.py                 # both cases (about five minutes)
    python benchmarks/germany.py --only kreise
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_GV100 = HERE.parent.parent / "shared" / "data" / "gv100ad" / "GV100AD_301121.ASC"
TIMEOUT = 3600.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``kimopt`` run (it must succeed)."""
    kimopt = Path(sys.executable).with_name("kimopt")
    start, cpu = time.perf_counter(), _cpu()
    done = subprocess.run([str(kimopt), *args], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kimopt {' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, _cpu() - cpu


def _solve_counts(plan: Path) -> tuple[int | None, int | None]:
    summary = json.loads(plan.read_text(encoding="utf-8"))["summary"]
    if "binding_rules" not in summary:
        return None, None
    return len(summary["binding_rules"]), len(summary["binding_rules_unchecked"])


def _batch_counts(out: Path) -> tuple[int | None, int | None, int]:
    """Binding rules and unchecked rule instances over every plan; instances not complete."""
    binding = unchecked = incomplete = 0
    asked = False
    for plan in sorted(out.glob("*.plan.json")):
        summary = json.loads(plan.read_text(encoding="utf-8"))["summary"]
        if "binding_rules" not in summary:
            continue
        asked = True
        binding += len(summary["binding_rules"] or [])
        unchecked += len(summary["binding_rules_unchecked"])
        incomplete += not summary["binding_rules_complete"]
    return (binding, unchecked, incomplete) if asked else (None, None, 0)


def _write(folder: Path, gv100: Path, case: str) -> Path:
    from scenarios import all_kreise, germany

    from kimopt.io.gv100 import read_gv100

    directory = read_gv100(gv100)
    if case == "germany":
        path = folder / "germany.json"
        path.write_text(json.dumps(germany(directory), ensure_ascii=False), encoding="utf-8")
        return path
    kreise = folder / "kreise"
    kreise.mkdir()
    for n, data in enumerate(all_kreise(directory)):
        (kreise / f"{n:03d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return kreise


def _line(case: str, command: str, measured: tuple[float, float], floor: tuple[float, float], counts: Any) -> str:
    wall, cpu = measured
    binding, unchecked, *incomplete = counts
    figures = "" if binding is None else f"{binding:>8} {unchecked:>9}"
    if incomplete and binding is not None:
        figures += f" {incomplete[0]:>10}"
    return f"{case:<10} {command:<24} {wall:8.1f} {wall / floor[0]:8.2f} {cpu:8.1f} {cpu / floor[1]:8.2f} {figures}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gv100", type=Path, default=DEFAULT_GV100)
    parser.add_argument("--only", default="germany,kreise", help="germany, kreise or both (comma-separated)")
    args = parser.parse_args()
    if not args.gv100.exists():
        raise SystemExit(f"GV100AD file not found: {args.gv100} (--gv100 PATH)")
    print(
        f"{'case':<10} {'command':<24} {'wall s':>8} {'× floor':>8} {'CPU s':>8} {'× floor':>8} "
        f"{'binding':>8} {'unchecked':>9} {'incomplete':>10}"
    )
    with tempfile.TemporaryDirectory(prefix="kimopt-germany-") as tmp:
        folder = Path(tmp)
        if "germany" in args.only.split(","):
            path = _write(folder, args.gv100, "germany")
            floor_plan, plan = folder / "floor.plan.json", folder / "plan.json"
            floor = _run(["solve", str(path), "--no-binding", "-q", "-o", str(floor_plan)])
            print(_line("one model", "solve --no-binding", floor, floor, (None, None)), flush=True)
            measured = _run(["solve", str(path), "-q", "-o", str(plan)])
            print(_line("one model", "solve", measured, floor, _solve_counts(plan)), flush=True)
        if "kreise" in args.only.split(","):
            kreise = _write(folder, args.gv100, "kreise")
            floor = _run(["batch", str(kreise), "--out", str(folder / "plain"), "-j", "2"])
            print(_line("400 Kreise", "batch -j 2", floor, floor, (None, None)), flush=True)
            measured = _run(["batch", str(kreise), "--out", str(folder / "bound"), "-j", "2", "--binding"])
            counts = _batch_counts(folder / "bound")
            print(_line("400 Kreise", "batch -j 2 --binding", measured, floor, counts), flush=True)


if __name__ == "__main__":
    main()
