"""The page's one session: the file's inputs, the history of changes, what is shown, and cancelling.

Every change gets a new *generation*; the solve of an older generation stops at its next level
(:class:`~kimopt.serve.solving.Superseded`) and its answer is discarded, so only the newest
change is answered. Solves run one at a time; finished answers are kept by form, so undo and
reset show their plan at once. Nothing here writes a file except :meth:`Session.save_scenario`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from kimopt.data import Instance, PlanningModel
from kimopt.horizon import expand
from kimopt.labels import unchecked_lines
from kimopt.numbers import NumberError, to_fraction
from kimopt.results import Status
from kimopt.serve.form import Form, base_form, normalised, scenario_entry
from kimopt.serve.solving import Outcome, Superseded, inputs_of, solve

CACHE_SIZE = 64


@dataclass(frozen=True)
class Shown:
    """What the results show: this state's outcome beside the plan shown before it."""

    generation: int
    form: Form
    outcome: Outcome
    previous: Outcome | None  # the last state that had a plan, before this one
    remembered: bool = False  # solved before (undo, reset, a state seen again): not solved anew


@dataclass(frozen=True)
class BindingRow:
    rule: str
    level: str
    change: str


class SaveError(ValueError):
    """„Szenario speichern“ was refused; the text says why."""


def _key(form: Form) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(form.items()))


def file_stem(name: str) -> str:
    """A file name from what a person typed: letters, digits and ``-`` only, never a path."""
    folded = unicodedata.normalize("NFKD", name.replace("ß", "ss"))
    ascii_name = folded.encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60].strip("-")
    return stem or "szenario"


def _line(text: str) -> str:
    """Text for a comment line: no line breaks, so nothing typed can become YAML."""
    return " ".join(text.split())


def _plain(value: Any) -> Any:
    """Scenario values as a person would write them: ``16400``, ``1.5``; exact fractions as text."""
    if isinstance(value, dict):  # a name stays text, even one that looks like a number
        return {k: v if k == "name" else _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        try:
            number = to_fraction(value)  # bounded: "1e99999999" is no number here
        except NumberError:
            return value
        if number.denominator == 1 and "/" not in value:
            return int(number)
        if "/" not in value and Fraction(repr(float(number))) == number:
            return float(number)
    return value


MAX_NUMBERED = 1000


def create_numbered(folder: Path, stem: str, text: Any, check: Any) -> Path:
    """Create ``stem.yaml`` in ``folder``, else ``stem-2.yaml``, ``stem-3.yaml`` …: the first free one.

    The name is taken exclusively (a hard link of a complete, checked temporary file, which
    fails if the name exists), so two saves at once never write one file; readers never see
    half a file. ``text(path)`` is the file's content, ``check(temporary)`` may refuse it.
    """
    import os
    import tempfile

    umask = os.umask(0)
    os.umask(umask)
    for n in range(1, MAX_NUMBERED + 1):
        path = folder / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
        if path.exists():
            continue
        handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp.yaml", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text(path))
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o666 & ~umask)
            check(Path(temporary))
            try:
                os.link(temporary, path)
            except FileExistsError:
                continue  # another save took this name a moment ago
            except OSError:  # a file system without hard links: exclusive, not atomic
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                except FileExistsError:
                    continue
                with os.fdopen(fd, "w", encoding="utf-8") as stream:
                    stream.write(text(path))
            return path
        finally:
            os.unlink(temporary)
    raise SaveError(f"Schon {MAX_NUMBERED} Szenarien dieses Namens – bitte einen anderen Namen wählen.")


class Session:
    """One instance and model from files, changed on the page, never written back."""

    def __init__(
        self,
        instance_path: Path,
        model_path: Path | None,
        instance: Instance,
        model: PlanningModel,
        model_name: str,
        scenario_dir: Path,
        workers: int = 2,
    ) -> None:
        self.instance_path, self.model_path = instance_path, model_path
        self.instance, self.model, self.model_name = instance, model, model_name
        self.scenario_dir = scenario_dir
        self.workers = workers
        self.base = base_form(instance, model)
        self.history: list[Form] = [dict(self.base)]
        self.generation = 0
        self._state = threading.Lock()
        self._solving = threading.Lock()
        self._outcomes: OrderedDict[tuple[tuple[str, str], ...], Outcome] = OrderedDict()
        self._bindings: dict[tuple[tuple[str, str], ...], list[BindingRow] | str] = {}
        self.years = [y.label for y in expand(instance)] if instance.multi else []  # the year selector's choices
        self.opened_from = ""  # how the page was opened, when not from the instance file itself (a plan workbook)
        self._charts: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]] = {}
        self.last_plan: Outcome | None = None
        self.last_plan_form: Form = dict(self.base)
        self._saved: dict[tuple[tuple[str, str], ...], str] = {}  # form → the name it was saved as
        shown = self._show(lambda history: None)
        assert shown is not None
        self.current: Shown = shown

    # --- changes -------------------------------------------------------------------------
    def change(self, raw: Form) -> Shown | None:
        """Apply the filled form; ``None`` if a newer change superseded this one."""
        form = normalised(raw, self.instance, self.model)
        with self._state:
            same, generation = form == self.history[-1], self.generation
        if same:  # the state shown or being solved (Enter sends "change" and "submit"): no new solve
            with self._solving, self._state:  # a running solve publishes before it lets go
                if generation != self.generation:
                    return None
                if self.current.form == form:
                    return self.current
            # Its solve has not started: it still waits behind an older one, and this request took
            # the lock first. Solve the state here (that one then gives way) rather than answer
            # with the plan shown before it.
            return self._show(lambda history: None)

        def push(history: list[Form]) -> None:
            if form != history[-1]:
                history.append(form)

        return self._show(push)

    def undo(self) -> Shown | None:
        """Back to the state before the last change (the file's state stays)."""
        return self._show(lambda history: history.pop() if len(history) > 1 else None)

    def reset(self) -> Shown | None:
        """Back to the file."""

        def to_file(history: list[Form]) -> None:
            del history[1:]

        return self._show(to_file)

    def close(self, timeout: float = 60.0) -> None:
        """Stop what is being solved and wait for it: no solver thread may outlive the server
        (a CP-SAT search still running when the process exits aborts it)."""
        with self._state:
            self.generation += 1
        if self._solving.acquire(timeout=timeout):
            self._solving.release()

    def stopper(self, generation: int) -> Any:
        def stop(_: object) -> None:
            if self.generation != generation:
                raise Superseded

        return stop

    def _show(self, mutate: Any) -> Shown | None:
        with self._state:
            self.generation += 1
            generation = self.generation
            mutate(self.history)
            form = dict(self.history[-1])
            previous = self.last_plan
        stop = self.stopper(generation)
        try:
            with self._solving:
                stop("")
                remembered = _key(form) in self._outcomes
                outcome = self._outcome(form, stop)
                with self._state:
                    if generation != self.generation:
                        return None
                    if outcome.kind == "plan":
                        self.last_plan, self.last_plan_form = outcome, form
                    self.current = Shown(generation, form, outcome, previous, remembered)
                    return self.current
        except Superseded:
            return None

    def _outcome(self, form: Form, stop: Any) -> Outcome:
        key = _key(form)
        if key in self._outcomes:
            self._outcomes.move_to_end(key)
            return self._outcomes[key]
        inputs = inputs_of(form, self.instance, self.model)
        outcome = solve(inputs, stop, self.workers, self.model_name) if inputs.kind == "plan" else inputs
        self._outcomes[key] = outcome
        while len(self._outcomes) > CACHE_SIZE:
            self._outcomes.popitem(last=False)
        return outcome

    def year_index(self, label: str | None) -> int:
        """The index of the year the page shows: ``label`` if it is one of the years, else the first."""
        return self.years.index(label) if label in self.years else 0

    def _current_if(self, generation: int) -> Shown | None:
        with self._state:
            return self.current if generation == self.generation else None

    # --- what follows a plan: binding rules and charts ----------------------------------
    def binding(self, generation: int, year: int = 0) -> list[BindingRow] | str | None:
        """The binding rules of the shown plan's year ``year`` (a sentence when there are none to give)."""
        from kimopt.analysis.explain.binding import binding_rules
        from kimopt.analysis.explain.core import ExplainTimeout
        from kimopt.analysis.explain.texts import level_label, level_value, rule_text

        shown = self._current_if(generation)
        if shown is None:
            return None
        view = shown.outcome.view(year)
        if view is None:
            return "Kein Plan – keine bindenden Regeln."
        if view.analysed.status is not Status.OPTIMAL:
            return "Optimum nicht bewiesen – bindende Regeln unbekannt."
        key = (*_key(shown.form), ("year", view.label))
        if key not in self._bindings:
            stop = self.stopper(generation)
            try:
                with self._solving:
                    # one worker and one thread: the binding rules do not depend on either, and
                    # the other core stays free for the page
                    scenario = replace(view.scenario, model=view.scenario.model.model_copy(update={"workers": 1}))
                    found = binding_rules(scenario, view.analysed, progress=stop, parallel=False)
            except Superseded:
                return None
            except ExplainTimeout:
                self._bindings[key] = "Nicht im Zeitlimit entschieden."
            else:
                rows = [
                    BindingRow(
                        rule_text(view.scenario, b.rule, "de"),
                        level_label(b.level, "de"),
                        (
                            f"{level_value(b.before, b.unit, 'de')} → {level_value(b.after, b.unit, 'de')}"
                            + ("" if getattr(b, "proven", True) else " (oder besser)")
                        )
                        if b.after is not None
                        else "würde besser",
                    )
                    for b in found
                ]
                if found.unchecked:  # the analysis' work limit: say which rules were not fully checked
                    named = [(found.unchecked_from[r], rule_text(view.scenario, r, "de")) for r in found.unchecked]
                    levels = [objective.name for objective in scenario.model.objectives]
                    lines = unchecked_lines(named, levels, "de")
                    rows += [BindingRow(f"{line} (Rechenmenge erschöpft)", "", "") for line in lines]
                self._bindings[key] = rows
        return self._bindings[key]

    def charts(self, generation: int, year: int = 0) -> list[tuple[str, str]] | None:
        """The report's charts of the shown plan's year ``year`` (caption, inline SVG)."""
        from kimopt.report import typed
        from kimopt.report.charts import plan_charts

        shown = self._current_if(generation)
        if shown is None:
            return None
        plan = shown.outcome if shown.outcome.plan_json else self.last_plan
        view = None if plan is None else plan.view(year)
        if plan is None or plan.plan_json is None or view is None:
            return []
        data = view.plan_json
        key = (("plan", plan.plan_json["input_sha256"]), ("year", view.label), ("links", repr(data["links"])))
        if key not in self._charts:
            self._charts[key] = plan_charts(typed(data), "de")
        return self._charts[key]

    # --- explicit actions that write or export ------------------------------------------
    def save_scenario(self, name: str) -> tuple[Path, str]:
        """Write the shown state as a scenario file for ``kimopt compare -s`` into the fixed folder.

        Returns the file and a note (the wish, which scenario files cannot hold). The file
        name comes from ``name`` (only letters, digits and ``-``); an existing file is never
        replaced: the next free number is taken (``name-2.yaml``), also when many saves of one
        name arrive at once. The file is read as ``compare`` reads it before it appears.
        """
        import yaml

        from kimopt.report.scenarios import load_scenarios

        title = " ".join(name.split())[:80]
        if not title:
            raise SaveError("Bitte einen Namen für das Szenario angeben.")
        with self._state:
            shown = self.current
        if shown.outcome.kind == "invalid":
            raise SaveError("Die Eingaben enthalten Fehler – erst korrigieren, dann speichern.")
        entry = scenario_entry(shown.form, self.instance, self.model, title)
        if "model" not in entry and "instance" not in entry:
            raise SaveError("Keine Änderung gegenüber der Datei – nichts zu speichern.")
        folder = self.scenario_dir
        folder.mkdir(parents=True, exist_ok=True)
        base = f"kimopt compare {self.instance_path}"
        if self.model_path is not None:
            base += f" -m {self.model_path}"
        note = ""
        comments = []
        if shown.form["wish"]:
            note = f"Der Wunsch „{shown.form['wish']}“ ist nicht Teil der Datei (Szenariodateien kennen keine Wünsche)."
            comments.append(f"# Nicht gespeichert (Szenariodateien kennen keine Wünsche): {_line(shown.form['wish'])}")
        body = yaml.safe_dump({"scenarios": [_plain(entry)]}, allow_unicode=True, sort_keys=False)

        def text(path: Path) -> str:
            header = [
                f"# Szenario aus kimopt serve für {_line(self.instance.name)}.",
                f"#   {_line(base)} -s {_line(str(path))}",
                *comments,
            ]
            return "\n".join(header) + "\n" + body

        def check(path: Path) -> None:  # what compare will do; raises if it could not
            load_scenarios(path, self.instance, self.model)

        path = create_numbered(folder, file_stem(title), text, check)
        with self._state:
            self._saved[_key(shown.form)] = title
        return path, note

    def report(self) -> tuple[dict[str, Any], Form, str] | None:
        """The plan the page shows, the form it was solved for, and the name that form was saved as
        (empty when it was not saved)."""
        with self._state:
            if self.current.outcome.plan_json:
                outcome, form = self.current.outcome, self.current.form
            elif self.last_plan is not None:
                outcome, form = self.last_plan, self.last_plan_form
            else:
                return None
            assert outcome.plan_json is not None
            return outcome.plan_json, form, self._saved.get(_key(form), "")
