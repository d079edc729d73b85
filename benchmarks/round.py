"""``kimopt round`` end to end, as a planner types it, against ``kimopt batch`` as the floor.

Scenarios:
  nrw      the bundled round ``instances/round-nrw-2022.yaml`` (54 territories) with
           ``--plans``: the Land's apportionment, 54 instances, their optimal plans and the
           two-level summary; then the same with ``--resume`` (every plan kept); floor: ``kimopt
           batch`` over the 54 instances the round wrote (the Kreis level alone).
  germany  all 16 Länder, one round file each (2.4 VZÄ per 100,000 inhabitants, base 1 VZÄ,
           Sainte-Laguë in steps of 0.5), every round with ``--plans``: all 400 Kreise and
           kreisfreie Städte planned; two rounds at a time with one process each (2 cores);
           floor: one ``kimopt batch -j 2`` over the same 400 instances.

Usage::

    python benchmarks/round.py                 # both scenarios
    python benchmarks/round.py --scenario nrw
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_GV100 = ROOT.parent / "shared" / "data" / "gv100ad" / "GV100AD_301121.ASC"
KIMOPT = str(Path(sys.executable).with_name("kimopt"))


def cpu_seconds() -> float:
    """User + system CPU time of every finished child process so far (and their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str]) -> float:
    """Seconds of one command; a failure stops the benchmark with the command's output."""
    started = time.perf_counter()
    done = subprocess.run([KIMOPT, *args], capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return seconds


def _summary_ok(folder: Path) -> str:
    data = json.loads((folder / "land-summary.json").read_text(encoding="utf-8"))
    sums = data["sums"]
    proven = sum(t["status"] == "OPTIMAL" for t in data["territories"])
    return f"{proven}/{len(data['territories'])} OPTIMAL, adds up: {sums['adds_up']}"


Row = tuple[str, float, float, str]


def _measured(name: str, args: list[str], note: str = "") -> Row:
    cpu = cpu_seconds()
    seconds = _run(args)
    return name, seconds, cpu_seconds() - cpu, note


def nrw(gv100: Path, tmp: Path) -> list[Row]:
    round_file = ROOT / "instances" / "round-nrw-2022.yaml"
    out, plans = tmp / "nrw-out", tmp / "nrw-plans"
    common = ["round", str(round_file), "--gv100", str(gv100), "-o", str(out)]
    rows = [_measured("nrw: round only (54 territories)", common, "table CSV/XLSX/HTML/JSON")]
    rows.append(_measured("nrw: round + 54 plans", [*common, "--plans", str(plans), "-j", "2"]))
    rows[-1] = (*rows[-1][:3], _summary_ok(plans))
    rows.append(_measured("nrw: round + plans --resume", [*common, "--plans", str(plans), "-j", "2", "--resume"]))
    rows[-1] = (*rows[-1][:3], _summary_ok(plans))
    rows.append(
        _measured(
            "nrw: floor: batch of the 54 instances",
            ["batch", str(plans / "instances"), "--out", str(tmp / "nrw-batch"), "-j", "2"],
        )
    )
    return rows


def _land_rounds(gv100: Path, folder: Path) -> list[Path]:
    """One round file per Land: 2.4 VZÄ per 100,000 inhabitants in steps of 0.5, base 1."""
    sys.path.insert(0, str(ROOT / "src"))
    from kimopt.io.gv100 import read_gv100

    directory = read_gv100(gv100)
    folder.mkdir()
    files: list[tuple[int, Path]] = []
    for land in sorted(directory.laender):
        population = sum(g.population for g in directory.gemeinden if g.ags[:2] == land)
        total = Fraction(round(population * Fraction(24, 10) / 100000 * 2), 2)
        path = folder / f"round-{land}.json"
        path.write_text(
            json.dumps(
                {
                    "name": f"Runde {directory.laender[land]}",
                    "land": land,
                    "total_vzae": str(total),
                    "rate_per_vzae": 55000,
                    "step_vzae": "0.5",
                    "method": "sainte-lague",
                    "base_vzae": 1,
                }
            ),
            encoding="utf-8",
        )
        files.append((len(directory.land(land)), path))
    return [path for _, path in sorted(files, key=lambda x: (-x[0], x[1].name))]  # largest first


def germany(gv100: Path, tmp: Path) -> list[Row]:
    rounds = _land_rounds(gv100, tmp / "rounds")

    def one(path: Path) -> float:
        land = path.stem.split("-")[1]
        return _run(
            [
                "round",
                str(path),
                "--gv100",
                str(gv100),
                "-o",
                str(tmp / f"out-{land}"),
                "--plans",
                str(tmp / f"plans-{land}"),
                "-j",
                "1",
            ]
        )

    started, cpu = time.perf_counter(), cpu_seconds()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, rounds))
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    proven = total = 0
    adds_up = True
    for path in rounds:
        data = json.loads((tmp / f"plans-{path.stem.split('-')[1]}" / "land-summary.json").read_text(encoding="utf-8"))
        total += len(data["territories"])
        proven += sum(t["status"] == "OPTIMAL" for t in data["territories"])
        adds_up &= data["sums"]["adds_up"]
    rows = [(f"germany: 16 Land rounds + {total} plans", wall, cpu, f"{proven}/{total} OPTIMAL, adds up: {adds_up}")]
    instances = [str(p) for path in rounds for p in (tmp / f"plans-{path.stem.split('-')[1]}" / "instances").iterdir()]
    listing = tmp / "all-instances"
    listing.mkdir()
    for file in instances:
        os.symlink(file, listing / Path(file).name)
    rows.append(
        _measured(
            f"germany: floor: batch of the {len(instances)} instances",
            ["batch", str(listing), "--out", str(tmp / "germany-batch"), "-j", "2"],
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gv100", type=Path, default=Path(os.environ.get("KIMOPT_GV100", DEFAULT_GV100)))
    parser.add_argument("--scenario", choices=("nrw", "germany", "all"), default="all")
    args = parser.parse_args()
    if not args.gv100.exists():
        raise SystemExit(f"GV100AD file not found: {args.gv100}")
    load = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kimopt-round-") as tmp:
        if args.scenario in ("nrw", "all"):
            rows += nrw(args.gv100, Path(tmp))
        if args.scenario in ("germany", "all"):
            rows += germany(args.gv100, Path(tmp))
    print(f"load average at the start: {load:.1f} on {os.cpu_count()} cores")
    print(f"{'measurement':<44} {'wall s':>8} {'CPU s':>8}  result")
    for name, seconds, cpu, note in rows:
        print(f"{name:<44} {seconds:8.2f} {cpu:8.2f}  {note}")


if __name__ == "__main__":
    main()
