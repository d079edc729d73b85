"""How fast ``kimopt serve`` answers a change, driven over HTTP exactly as the page drives it.

Starts ``kimopt serve INSTANCE --port P`` as a planner types it, reads the session token from
the page, then posts a series of *different* changes (Kreisquote, a Kommune's budget and
interest, a Träger's capacity — never a state seen before, so no answer comes from the cache)
to ``/change`` and, for every change, fetches the binding rules (``/binding``) as the page does
next. The floor, in the same run: the bare solve of the same changed inputs in this process
(``kimopt.serve.solving.solve``, no HTTP, no rendering). Target: a change answered in under one
second (p95) on Kreis Wesel and Kreis Mettmann, one year and two (every year solved anew). Usage::

    .venv/bin/python benchmarks/serve.py            # Wesel and Mettmann, 40 changes each
    .venv/bin/python benchmarks/serve.py -n 10      # quicker
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INSTANCES = (
    "instances/kreis-wesel-2022.yaml",
    "instances/kreis-mettmann-2022.yaml",
    "instances/kreis-wesel-2022-2023.yaml",  # several years and Bausteine: every change solves every year
    "instances/kreis-mettmann-2022-2023.yaml",
)
KIMOPT = Path(sys.executable).with_name("kimopt")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def changes(base: dict[str, str], count: int) -> list[dict[str, str]]:
    """``count`` different forms, each one change away from the file (different every time)."""
    kommunen = sorted({int(m.group(1)) for k in base if (m := re.match(r"k(\d+)_budget", k))})
    traeger = sorted({int(m.group(1)) for k in base if (m := re.match(r"t(\d+)_max", k))})
    forms = []
    for n in range(count):
        form = dict(base)
        kind = n % 4
        if kind == 0:
            form["kreisquote"] = str(34 + n // 4)  # 34 %, 35 %, …
        elif kind == 1:
            i = kommunen[(n // 4) % len(kommunen)]
            budget = int(base[f"k{i}_budget"] or 50_000)
            form[f"k{i}_budget"] = str(budget + 820 * (n // 4 + 1))
        elif kind == 2:
            i = kommunen[(n // 4) % len(kommunen)]
            form[f"k{i}_max"] = "1,5" if base[f"k{i}_max"] != "1,5" else "0,5"
            form["kreisquote"] = str(34 + n // 4)
        else:
            if traeger:
                j = traeger[(n // 4) % len(traeger)]
                form[f"t{j}_max"] = str(n // 4 % 3 + 1)
            form["kreisquote"] = str(60 - n // 4)
        forms.append(form)
    return forms


def _post(url: str, token: str, form: dict[str, str]) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"X-Kimopt-Token": token, "HX-Request": "true"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return answer.status, answer.read().decode()


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=120) as answer:
        return answer.status, answer.read().decode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def bench_instance(instance: str, count: int) -> dict[str, Any]:
    from kimopt.load import load_inputs
    from kimopt.serve.form import base_form, normalised
    from kimopt.serve.solving import inputs_of, solve

    inputs = load_inputs(ROOT / instance)
    base = base_form(inputs.instance, inputs.model)
    forms = changes(base, count)
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [str(KIMOPT), "serve", str(ROOT / instance), "--port", str(port), "--scenario-dir", folder],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            while True:
                try:
                    _, page = _get(url + "/")
                    break
                except OSError:
                    if server.poll() is not None or time.perf_counter() - started > 60:
                        output = server.stdout.read() if server.stdout else ""
                        raise RuntimeError(f"kimopt serve did not start: {output}") from None
                    time.sleep(0.1)
            startup = time.perf_counter() - started
            token_match = re.search(r'"X-Kimopt-Token": "([^"]+)"', page)
            assert token_match, "no session token in the page"
            token = token_match.group(1)
            answer_times, binding_times, kinds = [], [], []
            for form in forms:
                t0 = time.perf_counter()
                status, text = _post(url + "/change", token, form)
                answer_times.append(time.perf_counter() - t0)
                assert status == 200, status
                kinds.append(
                    "plan" if "Plan neu berechnet" in text else "infeasible" if 'id="explanation"' in text else "other"
                )
                generation = re.search(r'data-generation="(\d+)"', text)
                assert generation
                if 'hx-get="/binding' in text:
                    t1 = time.perf_counter()
                    status, _ = _get(f"{url}/binding?gen={generation.group(1)}")
                    binding_times.append(time.perf_counter() - t1)
        finally:
            server.terminate()
            server.wait(10)
    floor = []
    stop = lambda _: None  # noqa: E731  (nothing supersedes a solve here)
    for form in forms:
        t0 = time.perf_counter()
        state = inputs_of(normalised(form, inputs.instance, inputs.model), inputs.instance, inputs.model)
        if state.kind == "plan":
            solve(state, stop, 2)
        floor.append(time.perf_counter() - t0)
    return {
        "instance": Path(instance).stem,
        "startup": startup,
        "answer": answer_times,
        "binding": binding_times,
        "floor": floor,
        "kinds": kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--changes", type=int, default=40)
    args = parser.parse_args()
    print(f"kimopt serve: {args.changes} different changes per instance, over HTTP (p50 / p95 in seconds)\n")
    head = (
        "instance",
        "change p50",
        "change p95",
        "binding p50",
        "binding p95",
        "solve p50 (floor)",
        "ratio p50",
        "answers",
    )
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    worst = 0.0
    for instance in INSTANCES:
        r = bench_instance(instance, args.changes)
        p50, p95 = statistics.median(r["answer"]), percentile(r["answer"], 95)
        worst = max(worst, p95)
        b50 = statistics.median(r["binding"]) if r["binding"] else float("nan")
        b95 = percentile(r["binding"], 95) if r["binding"] else float("nan")
        f50 = statistics.median(r["floor"])
        kinds = r["kinds"]
        answers = ", ".join(f"{kinds.count(k)} {k}" for k in ("plan", "infeasible", "other") if kinds.count(k))
        print(
            f"{r['instance']} | {p50:.3f} | {p95:.3f} | {b50:.3f} | {b95:.3f} | {f50:.3f} | {p50 / f50:.2f} | {answers}"
        )
    verdict = "met" if worst < 1 else "NOT met"
    print(f"\nTarget: change p95 < 1 s on every instance: {verdict} (worst p95 {worst:.3f} s).")


if __name__ == "__main__":
    main()
