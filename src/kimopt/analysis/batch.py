"""A funding round: many instances solved in parallel processes, one plan each, one summary.

Every instance is loaded, solved and checked in a worker process (:func:`run_task`), which
writes its plan atomically as soon as it is found, so an interrupted batch keeps every plan
finished so far. A broken, infeasible or timed-out instance becomes a row with its reason;
the batch goes on. No OR-Tools at import time: ``kimopt --help`` stays fast.

Exit code of a batch (:func:`exit_code`), the most serious problem wins:
5 a plan broke a rule (a defect in kimopt) > 1 bad input or internal error > 3 infeasible >
4 no plan within the time limit > 0 every instance has a plan (``FEASIBLE`` plans count).
"""

from __future__ import annotations

import csv
import glob
import io
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kimopt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

INSTANCE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm")
PLAN_SUFFIX = ".plan.json"
SUMMARY_NAMES = ("summary.csv", "summary.xlsx", "summary.json")

# status -> exit code; statuses with a plan map to 0
STATUS_EXIT = {
    "OPTIMAL": 0,
    "FEASIBLE": 0,
    "TIMEOUT": 4,
    "INFEASIBLE": 3,
    "INPUT_ERROR": 1,
    "ERROR": 1,
    "REJECTED": 5,
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


@dataclass
class Row:
    """One line of the summary."""

    file: str
    name: str = ""
    status: str = ""
    positions_used: float | None = None
    positions_fundable: float | None = None
    kreis_share: float | None = None
    deviation_l1: float | None = None
    eigenanteil_eur: int | None = None
    seconds: float | None = None
    error: str = ""
    plan: str = ""
    resumed: bool = False

    @property
    def has_plan(self) -> bool:
        return STATUS_EXIT.get(self.status, 1) == 0


HEADERS = {  # column -> (German, English) for the workbook and the German CSV; the English CSV uses the keys
    "file": ("Datei", "File"),
    "name": ("Name", "Name"),
    "status": ("Status", "Status"),
    "positions_used": ("VZÄ genutzt", "VZÄ used"),
    "positions_fundable": ("VZÄ förderfähig", "VZÄ fundable"),
    "kreis_share": ("Anteil Kreis", "Kreis share"),
    "deviation_l1": ("Abweichung Σ|c−e| (VZÄ)", "Deviation Σ|c−e| (VZÄ)"),
    "eigenanteil_eur": ("Eigenanteil (€/Jahr)", "Own share (€/year)"),
    "seconds": ("Sekunden", "Seconds"),
    "error": ("Fehler", "Error"),
    "plan": ("Plan", "Plan"),
    "resumed": ("übernommen (--resume)", "kept (--resume)"),
}
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
    name = path.name
    return (
        path.is_file()
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
            matches = sorted(
                Path(p) for p in glob.glob(pattern, recursive=True) if _is_instance(Path(p))
            )
        else:
            matches = []
        if not matches:
            missing.append(
                Row(file=str(pattern), status="INPUT_ERROR", error=_text("missing", lang))
            )
        for match in matches:
            key = match.resolve()
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


def _row_from_plan(task: Task, plan: dict[str, Any], seconds: float, resumed: bool) -> Row:
    summary = plan.get("summary", {})
    return Row(
        file=str(task.path),
        name=str(plan.get("instance", "")),
        status=str(plan.get("status", "")),
        positions_used=summary.get("positions_used"),
        positions_fundable=summary.get("positions_fundable"),
        kreis_share=summary.get("kreis_share"),
        deviation_l1=summary.get("deviation_l1"),
        eigenanteil_eur=(summary.get("eigenanteil_eur") or {}).get("total"),
        seconds=round(seconds, 3),
        plan=task.plan_path.name,
        resumed=resumed,
    )


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
            "INPUT_ERROR",
            exc.render(task.lang, limit=1 if len(exc.findings) > 1 else None),
        )
    except MemoryError:
        row.status, row.error = "ERROR", "Zu wenig Speicher / out of memory"
    except Exception as exc:  # one broken instance must not end the funding round
        row.status, row.error = "ERROR", f"{type(exc).__name__}: {exc}"
    row.seconds = round(time.perf_counter() - started, 3)
    return row


def _run(task: Task, row: Row, started: float) -> Row:
    from kimopt.io.atomic import write_text_atomic
    from kimopt.load import load_inputs
    from kimopt.pipeline import PlanRejected, plan_instance
    from kimopt.plan import dumps, input_sha256
    from kimopt.solve import ModelTooLarge

    started = time.perf_counter()  # seconds count this instance, not the worker's first imports
    inputs = load_inputs(task.path, task.model_path)
    row.name = inputs.instance.name
    model = inputs.model.model_copy(update={"workers": task.workers})
    if task.resume:
        previous = _previous_plan(task.plan_path)
        # a proven plan for the same content is kept; an unproven one gets another chance
        if (
            previous
            and previous.get("status") == "OPTIMAL"
            and previous.get("input_sha256") == input_sha256(inputs.instance, model)
        ):
            return _row_from_plan(task, previous, time.perf_counter() - started, resumed=True)
    try:
        outcome = plan_instance(inputs.instance, model, inputs.model_name, task.time_limit)
    except ModelTooLarge as exc:
        row.status, row.error = "INPUT_ERROR", str(exc)
    except PlanRejected as exc:
        row.status = "REJECTED"
        row.error = (
            _text("REJECTED", task.lang)
            + ": "
            + "; ".join(v.text(task.lang) for v in exc.violations)
        )
    else:
        if outcome.plan_json is not None:
            write_text_atomic(task.plan_path, dumps(outcome.plan_json))
            return _row_from_plan(
                task, outcome.plan_json, time.perf_counter() - started, resumed=False
            )
        row.status = "INFEASIBLE" if outcome.status == "INFEASIBLE" else "TIMEOUT"
        row.error = _text(row.status, task.lang)
    row.seconds = round(time.perf_counter() - started, 3)
    return row


# --- the whole batch -------------------------------------------------------------------------


@dataclass
class Interrupted(Exception):
    """Ctrl-C: the rows finished so far (their plans are on disk)."""

    rows: list[Row | None] = field(default_factory=list)


def run_batch(
    tasks: list[Task], processes: int, on_row: Callable[[Row], None] | None = None
) -> list[Row]:
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
        max_workers=min(processes, len(tasks)), mp_context=multiprocessing.get_context("spawn")
    )
    futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
    try:
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker died (killed, out of memory): record and go on
                row = Row(
                    file=str(tasks[i].path), status="ERROR", error=f"{type(exc).__name__}: {exc}"
                )
            done(i, row)
    except KeyboardInterrupt:
        # a running solve may take up to its time limit: stop the workers instead of waiting
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted(rows) from None
    pool.shutdown()
    return [r for r in rows if r is not None]


def exit_code(rows: Iterable[Row]) -> int:
    """The batch's exit code: 0 when every instance has a plan, else the most serious problem."""
    codes = {STATUS_EXIT.get(row.status, 1) for row in rows}
    return next((code for code in EXIT_PRECEDENCE if code in codes), 0)


# --- summary ----------------------------------------------------------------------------------

COLUMNS = tuple(f.name for f in fields(Row))


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``= + - @``, tab, CR) gets a leading ``'``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_cell(value: Any, lang: str) -> str:
    """One CSV cell: German decimal comma and ja/nein, or English dots and yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("ja" if value else "nein") if lang == "de" else ("yes" if value else "no")
    if isinstance(value, float) and lang == "de":
        return format(value, "f").rstrip("0").rstrip(".").replace(".", ",") if value % 1 else str(int(value))
    return str(neutralise(value))


def summary_csv(rows: list[Row], lang: str = "de") -> str:
    """The summary as CSV, one row per instance.

    German (default): what German Excel opens as columns on a double click – ``;`` as separator,
    decimal comma, ``ja``/``nein``, German headers, UTF-8 with a byte-order mark. English: the
    column keys as header, ``,`` and dot decimals, for scripts (``summary.json`` has the same keys).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "de" else ",", lineterminator="\r\n")
    writer.writerow([HEADERS[c][0] for c in COLUMNS] if lang == "de" else COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(v, lang) for v in asdict(row).values()])
    return ("\ufeff" if lang == "de" else "") + buffer.getvalue()


def summary_json(rows: list[Row]) -> str:
    """The summary with the column keys and JSON types, for scripts and tests."""
    import json

    return json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2) + "\n"


def summary_xlsx(rows: list[Row], lang: str = "de") -> bytes:
    """The summary as a workbook for the Lenkungsgruppe: labelled columns, filters, formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Übersicht" if lang == "de" else "Summary"
    sheet.append([HEADERS[c][0 if lang == "de" else 1] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    formats = {
        "positions_used": "0.0",
        "positions_fundable": "0.0",
        "kreis_share": "0.0%",
        "deviation_l1": "0.000",
        "eigenanteil_eur": '#,##0 "€"',
        "seconds": "0.00",
    }
    for row in rows:
        values = asdict(row)
        values["resumed"] = ("ja" if lang == "de" else "yes") if row.resumed else ""
        sheet.append([neutralise(values[c]) for c in COLUMNS])
        for c, cell in zip(COLUMNS, sheet[sheet.max_row], strict=True):
            if c in formats:
                cell.number_format = formats[c]
    widths = {"file": 40, "name": 34, "status": 12, "error": 60, "plan": 36}
    for n, c in enumerate(COLUMNS):
        sheet.column_dimensions[sheet.cell(1, n + 1).column_letter].width = widths.get(c, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    from kimopt.report.xlsx import page_setup

    page_setup(sheet)  # one page wide in landscape, the header row on every page
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TEXT_COLUMNS = ("file", "name", "status", "error", "plan")


def summary_frame(rows: list[Row]) -> pd.DataFrame:
    """The summary as a pandas DataFrame: one row per instance, the columns of ``summary.csv``."""
    import pandas as pd

    return pd.DataFrame([asdict(row) for row in rows], columns=list(COLUMNS))


def read_summary(out: Path) -> pd.DataFrame:
    """The summary of a finished batch in ``out`` as a DataFrame, from ``summary.json`` (the column
    keys and JSON types; ``summary.csv`` is laid out for German Excel)."""
    import json

    data = json.loads((out / SUMMARY_NAMES[2]).read_text(encoding="utf-8"))
    return summary_frame([Row(**{k: v for k, v in entry.items() if k in COLUMNS}) for entry in data])


def write_summary(rows: list[Row], out: Path, lang: str = "de") -> list[Path]:
    """``summary.csv`` (German Excel, or the keys with ``lang="en"``), ``summary.xlsx`` and
    ``summary.json`` in ``out``, each written atomically."""
    from kimopt.io.atomic import write_bytes_atomic, write_text_atomic

    csv_path, xlsx_path, json_path = (out / name for name in SUMMARY_NAMES)
    write_text_atomic(csv_path, summary_csv(rows, lang))
    write_bytes_atomic(xlsx_path, summary_xlsx(rows, lang))
    write_text_atomic(json_path, summary_json(rows))
    return [csv_path, xlsx_path, json_path]


class Progress:
    """A progress line on stderr: a redrawn bar on a terminal, one line per instance otherwise."""

    def __init__(self, total: int, lang: str = "de", stream: TextIO | None = None) -> None:
        self.total, self.lang = total, lang
        self.stream = stream or sys.stderr
        self.done = self.failed = 0
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, row: Row) -> None:
        self.done += 1
        self.failed += not row.has_plan
        elapsed = time.perf_counter() - self.started
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            label = "Probleme" if self.lang == "de" else "problems"
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                f"  {label}: {self.failed}  {elapsed:5.1f} s"
            )
        else:
            self.stream.write(
                f"[{self.done}/{self.total}] {Path(row.file).name}: {row.status}"
                + (f" ({row.seconds:.2f} s)" if row.seconds is not None else "")
                + "\n"
            )
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
