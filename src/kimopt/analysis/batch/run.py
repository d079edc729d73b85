"""Running a batch: the instance files collected, each solved in a worker process, a row each.

Every instance is loaded, solved and checked in a worker process (:func:`run_task`), which
writes its plan atomically as soon as it is found, so an interrupted batch keeps every plan
finished so far. A broken, infeasible or timed-out instance becomes a row with its reason;
the batch goes on. No OR-Tools at import time: ``kimopt --help`` stays fast.

Exit code of a batch (:func:`exit_code`), the most serious problem wins:
5 a plan broke a rule (a defect in kimopt) > 1 bad input or internal error > 3 infeasible >
4 no plan within the time limit > 0 every instance has a plan (``FEASIBLE`` plans count).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimopt.errors import InputError
from kimopt.results import Status

if TYPE_CHECKING:
    from kimopt.data import Instance, PlanningModel
    from kimopt.pipeline import Outcome

INSTANCE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm")
PLAN_SUFFIX = ".plan.json"
SUMMARY_NAMES = ("summary.csv", "summary.xlsx", "summary.json")


class RunStatus(str, Enum):
    """What became of one instance of a batch (the summary's ``status`` column).

    Not a plan status (:class:`kimopt.results.Status`): ``OPTIMAL``, ``FEASIBLE`` and
    ``INFEASIBLE`` are the plan's own; ``TIMEOUT`` is a plan status ``UNKNOWN`` (no plan within
    the time limit); ``INPUT_ERROR``, ``ERROR`` and ``REJECTED`` (the checker refused the plan)
    say why there was no solve or no plan at all.
    """

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    TIMEOUT = "TIMEOUT"
    INPUT_ERROR = "INPUT_ERROR"
    ERROR = "ERROR"
    REJECTED = "REJECTED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def of_plan(cls, status: Status) -> RunStatus:
        """The row status of a solve that ended with this plan status."""
        return cls.TIMEOUT if status is Status.UNKNOWN else cls(status.value)


# row status -> exit code; statuses with a plan map to 0
STATUS_EXIT: dict[str, int] = {
    RunStatus.OPTIMAL.value: 0,
    RunStatus.FEASIBLE.value: 0,
    RunStatus.TIMEOUT.value: 4,
    RunStatus.INFEASIBLE.value: 3,
    RunStatus.INPUT_ERROR.value: 1,
    RunStatus.ERROR.value: 1,
    RunStatus.REJECTED.value: 5,
}
EXIT_PRECEDENCE = (5, 1, 3, 4)


@dataclass(frozen=True)
class Task:
    """One instance of the batch and where its plan goes."""

    path: Path
    plan_path: Path
    model_path: Path | None
    time_limit: float | None
    workers: int
    resume: bool
    lang: str = "de"
    binding: bool = False  # also the binding rules of each plan, as ``solve`` gives them


@dataclass
class YearFigures:
    """One year of an instance's plan: its funding year, its status and its key figures (Baustein 2,
    as the plan's ``summary`` of that year, and the Eigenanteil of all Bausteine), or the year
    that has no plan."""

    year: int | None = None
    status: str = ""
    positions_used: float | None = None
    positions_fundable: float | None = None
    kreis_share: float | None = None
    deviation_l1: float | None = None
    eigenanteil_eur: int | None = None
    eigenanteil_all_eur: int | None = None
    binding_rules: int | None = None  # how many rules bind (``None``: not asked, or no optimum to bind)
    binding_rules_complete: bool | None = None  # every rule instance checked

    @classmethod
    def of(cls, year: int | None, status: str, summary: dict[str, Any], all_bausteine: int | None) -> YearFigures:
        """A year's figures from its plan ``summary``; ``all_bausteine``: its Eigenanteil of
        Bausteine 1–3 (``None``: a plan of Baustein 2 alone, whose Eigenanteil is all there is)."""
        own = (summary.get("eigenanteil_eur") or {}).get("total")
        binding = summary.get("binding_rules")
        return cls(
            year=year,
            status=status,
            positions_used=summary.get("positions_used"),
            positions_fundable=summary.get("positions_fundable"),
            kreis_share=summary.get("kreis_share"),
            deviation_l1=summary.get("deviation_l1"),
            eigenanteil_eur=own,
            eigenanteil_all_eur=own if all_bausteine is None else all_bausteine,
            binding_rules=len(binding) if isinstance(binding, list) else None,
            binding_rules_complete=summary.get("binding_rules_complete"),
        )


@dataclass
class Row:
    """What became of one instance of the batch; its ``years`` are the summary's lines (one per
    year of the plan; without a plan at most one: the year that failed)."""

    file: str
    name: str = ""
    status: str = ""
    years: list[YearFigures] = field(default_factory=list)
    seconds: float | None = None
    error: str = ""
    plan: str = ""
    resumed: bool = False

    @property
    def has_plan(self) -> bool:
        return STATUS_EXIT.get(self.status, 1) == 0


MESSAGES = {
    "INFEASIBLE": (
        "keine zulässige Verteilung – die Regeln widersprechen sich (kimopt explain zeigt warum)",
        "no feasible allocation – the rules contradict each other (kimopt explain shows why)",
    ),
    "TIMEOUT": (
        "kein Plan im Zeitlimit gefunden; --time-limit erhöhen",
        "no plan found within the time limit; raise --time-limit",
    ),
    "REJECTED": (
        "interner Fehler: der Prüfer verwirft den Plan",
        "internal error: the checker rejects the plan",
    ),
    "missing": (
        "keine Datei passt zu diesem Pfad oder Muster",
        "no file matches this path or pattern",
    ),
}


def _text(key: str, lang: str) -> str:
    de, en = MESSAGES[key]
    return de if lang == "de" else en


# --- collecting the instances ------------------------------------------------------------------


def _is_instance(path: Path) -> bool:
    """An instance file by its name; a link that leads nowhere (or in a circle) counts too, so
    that it gets a row with its reason instead of silently missing from the summary."""
    name = path.name
    return (
        (path.is_file() or path.is_symlink() or (path.exists() and not path.is_dir()))
        and path.suffix.lower() in INSTANCE_SUFFIXES
        and not name.endswith(PLAN_SUFFIX)
        and not name.startswith((".", "~$"))
        and name not in SUMMARY_NAMES
    )


def collect(patterns: Iterable[str], lang: str = "de") -> tuple[list[Path], list[Row]]:
    """Instance files from files, folders (their instance files, not recursive) and globs.

    Returns the files in the order given (folders and globs sorted), each once, and a row for
    every argument that matched nothing.
    """
    found: list[Path] = []
    missing: list[Row] = []
    seen: set[Path] = set()
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if _is_instance(p))
        elif path.exists():
            matches = [path]
        elif any(ch in pattern for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if _is_instance(Path(p)))
        else:
            matches = []
        if not matches:
            missing.append(Row(file=str(pattern), status=RunStatus.INPUT_ERROR.value, error=_text("missing", lang)))
        for match in matches:
            try:
                key = match.resolve()
            except (OSError, RuntimeError):  # a link in a circle: its row says so
                key = match.absolute()
            if key not in seen:
                seen.add(key)
                found.append(match)
    return found, missing


def plan_paths(files: list[Path], out: Path) -> list[Path]:
    """``<stem>.plan.json`` in ``out``, made unique where two inputs share a stem."""
    taken: set[str] = set()
    paths = []
    for file in files:
        stem = file.name[: -len(file.suffix)] if file.suffix else file.name
        candidate, n = stem, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate.lower())
        paths.append(out / f"{candidate}{PLAN_SUFFIX}")
    return paths


# --- one instance, in a worker process -----------------------------------------------------


def _row_from_plan(task: Task, plan: dict[str, Any], year: int | None, seconds: float, resumed: bool) -> Row:
    """The row of a plan: every year of a multi-year plan (``years``), else the plan's one year
    (``year``: the instance's funding year)."""
    summary = plan.get("summary", {})
    by_year = summary.get("eigenanteil_eur_by_year") or {}
    years = [
        YearFigures.of(
            entry.get("year"),
            str(entry.get("status", "")),
            entry.get("summary", {}),
            (by_year.get(str(entry.get("year"))) or {}).get("total"),
        )
        for entry in plan.get("years") or []
    ] or [YearFigures.of(year, str(plan.get("status", "")), summary, None)]
    return Row(
        file=str(task.path),
        name=str(plan.get("instance", "")),
        status=str(plan.get("status", "")),
        years=years,
        seconds=round(seconds, 3),
        plan=task.plan_path.name,
        resumed=resumed,
    )


def _reached_years(outcome: Outcome, model: PlanningModel, model_name: str) -> list[YearFigures]:
    """The figures of the years decided before the first year without a plan (they stand: the
    years are decided in order)."""
    from kimopt.plan_horizon import reached_plans

    plans = reached_plans(model, [y for y in outcome.years if y.units is not None], model_name)
    return [
        YearFigures.of(p.year, str(p.plan.status), p.to_json()["summary"], p.by_year_json()["total"]) for p in plans
    ]


def _failed_year(instance: Instance, label: str | None) -> int | None:
    """The funding year of the horizon year without a plan (its label, as the solve gives it)."""
    from kimopt.horizon import expand

    return next((h.year for h in expand(instance) if h.label == label), instance.funding.year)


def _previous_plan(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def run_task(task: Task) -> Row:
    """Load, solve, check and write the plan of one instance; every failure becomes a row."""
    started = time.perf_counter()
    row = Row(file=str(task.path))
    try:
        return _run(task, row, started)
    except InputError as exc:
        row.status, row.error = (
            RunStatus.INPUT_ERROR.value,
            exc.render(task.lang, limit=1 if len(exc.findings) > 1 else None),
        )
    except MemoryError:
        row.status, row.error = RunStatus.ERROR.value, "Zu wenig Speicher / out of memory"
    except Exception as exc:  # one broken instance must not end the funding round
        row.status, row.error = RunStatus.ERROR.value, f"{type(exc).__name__}: {exc}"
    row.seconds = round(time.perf_counter() - started, 3)
    return row


def _run(task: Task, row: Row, started: float) -> Row:
    from kimopt.io.atomic import write_text_atomic
    from kimopt.lexicographic import ModelTooLarge
    from kimopt.load import load_inputs
    from kimopt.pipeline import PlanRejected, plan_instance
    from kimopt.plan import dumps
    from kimopt.plan_source import recorded_for

    started = time.perf_counter()  # seconds count this instance, not the worker's first imports
    inputs = load_inputs(task.path, task.model_path)
    row.name = inputs.instance.name
    year = inputs.instance.funding.year
    model = inputs.model.model_copy(update={"workers": task.workers})
    if task.resume:
        previous = _previous_plan(task.plan_path)
        # a proven plan for the same content is kept; an unproven one gets another chance
        if (
            previous
            and previous.get("status") == Status.OPTIMAL.value
            and recorded_for(previous.get("instance"), previous.get("input_sha256"), inputs.instance, model) == "same"
            and (not task.binding or "binding_rules" in previous.get("summary", {}))
        ):
            return _row_from_plan(task, previous, year, time.perf_counter() - started, resumed=True)
    try:
        outcome = plan_instance(inputs.instance, model, inputs.model_name, task.time_limit)
    except ModelTooLarge as exc:
        row.status, row.error = RunStatus.INPUT_ERROR.value, exc.text(task.lang)
    except PlanRejected as exc:
        row.status = RunStatus.REJECTED.value
        row.error = _text("REJECTED", task.lang) + ": " + "; ".join(v.text(task.lang) for v in exc.violations)
    else:
        if outcome.plan_json is not None:
            if task.binding:
                from kimopt.analysis.explain.binding import add_year_binding_rules

                add_year_binding_rules(outcome)
            write_text_atomic(task.plan_path, dumps(outcome.plan_json))
            return _row_from_plan(task, outcome.plan_json, year, time.perf_counter() - started, resumed=False)
        row.status = RunStatus.of_plan(outcome.status).value
        row.error = _text(row.status, task.lang)
        failed = _failed_year(inputs.instance, outcome.failed_year)
        row.years = [*_reached_years(outcome, model, inputs.model_name), YearFigures(failed, row.status)]
        if inputs.instance.years and failed is not None:  # of several years: say which one has no plan
            row.error = f"{failed}: {row.error}"
    row.seconds = round(time.perf_counter() - started, 3)
    return row


# --- the whole batch -------------------------------------------------------------------------


@dataclass
class Interrupted(Exception):
    """Ctrl-C: the rows finished so far (their plans are on disk)."""

    rows: list[Row | None] = field(default_factory=list)


def run_batch(tasks: list[Task], processes: int, on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """Run every task, in ``processes`` worker processes (1: in this process), rows in task order.

    Raises
    ------
    Interrupted
        On Ctrl-C, with the rows finished so far; workers are stopped, written plans stay.
    """
    rows: list[Row | None] = [None] * len(tasks)

    def done(i: int, row: Row) -> None:
        rows[i] = row
        if on_row:
            on_row(row)

    if processes <= 1 or len(tasks) <= 1:
        try:
            for i, task in enumerate(tasks):
                done(i, run_task(task))
        except KeyboardInterrupt:
            raise Interrupted(rows) from None
        return [r for r in rows if r is not None]

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: a fresh interpreter per worker, safe whatever threads the parent has started
    pool = ProcessPoolExecutor(
        max_workers=min(processes, len(tasks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_start,
        initargs=(os.getpid(),),
    )
    futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
    try:
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker died (killed, out of memory): record and go on
                row = Row(file=str(tasks[i].path), status=RunStatus.ERROR.value, error=f"{type(exc).__name__}: {exc}")
            done(i, row)
    except KeyboardInterrupt:
        # a running solve may take up to its time limit: stop the workers instead of waiting
        processes_ = list(getattr(pool, "_processes", {}).values())
        for process in processes_:
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes_:  # ended before the caller cleans up their temporary files
            process.join(5)
        raise Interrupted(rows) from None
    pool.shutdown()
    return [r for r in rows if r is not None]


def worker_start(parent: int) -> None:
    """In each worker: Ctrl-C is the parent's to handle (a worker that caught it would hand back
    a broken row), and the worker ends when its parent is gone (``kill -9`` of the batch)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def clean_temporary(out: Path) -> list[Path]:
    """Remove what an interrupted batch left half-written in ``out``: kimopt's own temporary
    files of plans and summaries (``.<name>.<random>.tmp``), nothing else."""
    removed = []
    for path in out.glob(".*.tmp"):
        target = path.name[1:].rsplit(".", 2)[0]
        if target.endswith(PLAN_SUFFIX) or target in SUMMARY_NAMES:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def exit_code(rows: Iterable[Row]) -> int:
    """The batch's exit code: 0 when every instance has a plan, else the most serious problem."""
    codes = {STATUS_EXIT.get(row.status, 1) for row in rows}
    return next((code for code in EXIT_PRECEDENCE if code in codes), 0)
