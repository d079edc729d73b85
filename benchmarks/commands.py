"""The commands a planner types, timed as a planner runs them: subprocesses of the installed
``kimopt``, the median of a few runs (wall time, and CPU time of the process and all its
threads, which a shared machine disturbs less), and the ratio to the floor
``solve --no-binding`` measured in the same run (timings under load move together; the ratios
are what count).

Instances:
  wesel      instances/kreis-wesel-2022.yaml (13 Gemeinden, 1 Träger)
  mettmann   instances/kreis-mettmann-2022.yaml (10 Städte, 3 Träger, 9 VZÄ filled)
  steinfurt  Kreis Steinfurt (05566, 24 Gemeinden) from the GV100AD with 5 Träger
  bitburg    Eifelkreis Bitburg-Prüm (07232, 234 Gemeinden) from the GV100AD with 9 Träger
  weit       generated (tangled.py): 220 Gemeinden, 6 overlapping Träger, binding Kommune budgets
  verflochten  generated (tangled.py): 24 Kommunen, 5 overlapping Träger areas, tight budgets

The two generated instances are written into a temporary directory at the start of the run
by ``scenarios.kreis_instance`` (fixed seed 20211130; interests, budgets, sharing partners and
Träger drawn as documented in scenarios.py; for Steinfurt 5 Träger instead of the default 2),
from the official file (``--gv100``, default ``../shared/data/gv100ad/GV100AD_301121.ASC``);
the two synthetic Kreise by ``tangled.write`` (fixed seed 20211130, documented in tangled.py).

Usage::

    python benchmarks/commands.py                    # every instance and command, 3 runs each
    python benchmarks/commands.py --repeat 1 --only wesel,bitburg --commands solve,solve-floor
    python benchmarks/commands.py --repeat 1 --skip bitburg:sensitivity
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
DEFAULT_GV100 = ROOT.parent / "shared" / "data" / "gv100ad" / "GV100AD_301121.ASC"
TIMEOUT = 600.0
MODELS = [ROOT / "models" / name for name in ("kim-standard.yaml", "kreisquote-40.yaml", "max-abweichung.yaml")]


def _kimopt() -> str:
    beside = Path(sys.executable).parent / "kimopt"
    found = str(beside) if beside.exists() else shutil.which("kimopt")
    if found is None:
        raise SystemExit("kimopt is not installed (pip install -e .)")
    return found


def _instances(gv100: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Instance name → (path, a wish for explain --want)."""
    import tangled
    from scenarios import kreis_instance

    from kimopt.io.gv100 import read_gv100

    directory = read_gv100(gv100)
    found = {
        "wesel": (ROOT / "instances" / "kreis-wesel-2022.yaml", "Voerde (Niederrhein)=1"),
        "mettmann": (ROOT / "instances" / "kreis-mettmann-2022.yaml", "Ratingen=1"),
    }
    for name, key, traeger in (("steinfurt", "05566", 5), ("bitburg", "07232", None)):
        data = kreis_instance(directory, key, traeger_count=traeger)
        path = folder / f"{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        biggest = max(data["kommunen"], key=lambda k: k["population"])["name"]
        found[name] = (path, f"{biggest}=1")
    for name, path in tangled.write(folder).items():
        data = json.loads(path.read_text(encoding="utf-8"))
        found[name] = (path, f"{max(data['kommunen'], key=lambda k: k['population'])['name']}=1")
    return found


def _commands(path: Path, wish: str, name: str, out: Path) -> dict[str, list[str]]:
    compare = (
        ["-s", str(ROOT / "models" / "scenarios-wesel.yaml")]
        if name == "wesel"
        else [arg for model in MODELS for arg in ("-m", str(model))]
    )
    return {
        "solve-floor": ["solve", str(path), "--no-binding", "-o", str(out / "floor.json")],
        "solve": ["solve", str(path), "-o", str(out / "plan.json")],
        "explain": ["explain", str(path)],
        "explain-want": ["explain", str(path), "--want", wish],
        "compare": ["compare", str(path), *compare],
        "alternatives": ["alternatives", str(path), "-k", "10"],
        "sensitivity": ["sensitivity", str(path)],
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(kimopt: str, args: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds (user + system, every thread) of one run, and its exit code."""
    start, cpu = time.perf_counter(), _cpu()
    try:
        done = subprocess.run(
            [kimopt, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return float("inf"), float("inf"), -1
    return time.perf_counter() - start, _cpu() - cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gv100", type=Path, default=DEFAULT_GV100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="wesel,mettmann,steinfurt,bitburg,weit,verflochten")
    parser.add_argument("--commands", default="", help="only these commands (comma-separated)")
    parser.add_argument(
        "--skip", default="", help="instance:command pairs to leave out, e.g. bitburg:sensitivity (over 10 minutes)"
    )
    args = parser.parse_args()
    kimopt = _kimopt()
    with tempfile.TemporaryDirectory(prefix="kimopt-commands-") as tmp:
        folder = Path(tmp)
        instances = _instances(args.gv100, folder)
        print(
            f"{'instance':<11} {'command':<14} {'wall s':>8} {'× floor':>8} {'CPU s':>7} {'× floor':>8}"
            "  exit  wall of each run"
        )
        for name in args.only.split(","):
            path, wish = instances[name]
            commands = _commands(path, wish, name, folder)
            skipped = set(args.skip.split(","))
            chosen = [
                c
                for c in commands
                if (not args.commands or c in args.commands.split(",")) and f"{name}:{c}" not in skipped
            ]
            if "solve-floor" not in chosen:
                chosen.insert(0, "solve-floor")
            floor = (0.0, 0.0)
            for command in chosen:
                runs = [_time(kimopt, commands[command]) for _ in range(args.repeat)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                codes = sorted({r[2] for r in runs})
                floor = (wall, cpu) if command == "solve-floor" else floor
                print(
                    f"{name:<11} {command:<14} {wall:8.2f} {wall / floor[0]:8.2f} {cpu:7.2f} "
                    f"{cpu / floor[1]:8.2f}  {','.join(map(str, codes)):>4}  " + " ".join(f"{r[0]:.2f}" for r in runs),
                    flush=True,
                )


if __name__ == "__main__":
    main()
