"""What the templates show, built from the report's own tables (:mod:`kimopt.report.tables`,
:mod:`kimopt.report.compare`) so that the page and the HTML report say the same in the same words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kimopt.analysis.explain.texts import level_label, level_value, signed
from kimopt.analysis.explain.wish import price_between
from kimopt.cut_text import year_cut_texts
from kimopt.io.plan_file import as_year_entry
from kimopt.labels import some_of
from kimopt.report import typed
from kimopt.report.compare import comparison_tables
from kimopt.report.horizon import eigenanteil_table
from kimopt.report.html import table_html
from kimopt.report.money import finance_table
from kimopt.report.tables import hosts_table, kommunen_table, summary_table
from kimopt.serve.form import changes
from kimopt.serve.session import Session, Shown

BEFORE, NOW = "vorher", "jetzt"


@dataclass
class PriceRow:
    what: str
    before: str
    after: str
    delta: str
    changed: bool


@dataclass
class Results:
    """The results region: a headline, the state's changes, and blocks of report HTML."""

    kind: str
    headline: str
    changes: list[tuple[str, str, str]]
    errors: dict[str, str]
    general: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    levels: list[PriceRow] = field(default_factory=list)
    payers: list[PriceRow] = field(default_factory=list)
    comparison: list[str] = field(default_factory=list)
    plan_blocks: list[str] = field(default_factory=list)
    plan_title: str = ""
    has_plan: bool = False
    year: str = ""  # the year shown, of several
    year_note: str = ""
    cuts: list[str] = field(default_factory=list)


def _price(shown: Shown, year: int) -> tuple[list[PriceRow], list[PriceRow]]:
    before = None if shown.previous is None else shown.previous.view(year)
    after = shown.outcome.view(year)
    if before is None or after is None:
        return [], []
    price = price_between(before.plan, after.plan)
    levels = []
    for n, change in enumerate(price.levels, start=1):
        what = f"{n}. {level_label(change.name, 'de')}"
        if change.before is None or change.after is None or change.delta is None:
            known = "–" if change.after is None else level_value(change.after, change.unit, "de")
            levels.append(
                PriceRow(
                    what,
                    "–" if change.before is None else level_value(change.before, change.unit, "de"),
                    known,
                    "nicht vergleichbar",
                    True,
                )
            )
            continue
        levels.append(
            PriceRow(
                what,
                level_value(change.before, change.unit, "de"),
                level_value(change.after, change.unit, "de"),
                signed(change.delta, change.unit, "de"),
                bool(change.delta),
            )
        )
    payers = [
        PriceRow(
            p.payer,
            level_value(p.before, "EUR", "de"),
            level_value(p.after, "EUR", "de"),
            signed(p.after - p.before, "EUR", "de"),
            True,
        )
        for p in price.payers
        if p.after != p.before
    ]
    return levels, payers


def results(session: Session, shown: Shown, year: int = 0) -> Results:
    """The results of the shown state (of several years: year ``year``): plan beside the previous
    one, or why there is none."""
    outcome = shown.outcome
    changed = changes(shown.form, session.instance, session.model)
    if outcome.kind == "plan":
        seconds = f"{outcome.seconds:.2f}".replace(".", ",")
        status = typed(outcome.plan_json).status.value if outcome.plan_json else ""
        headline = f"Plan neu berechnet ({status}, {seconds} s)."
        if shown.remembered:
            headline = "Plan wiederhergestellt (schon berechnet)."
        if shown.previous is None:
            headline = "Plan aus der Datei."
    elif outcome.kind == "infeasible":
        headline = "Diese Änderung ist nicht möglich – kein zulässiger Plan."
    elif outcome.kind == "invalid":
        headline = "Eingabe prüfen – " + (
            f"{len(outcome.errors) + len(outcome.general)} Feld(er) fehlerhaft." if outcome.errors else "fehlerhaft."
        )
    else:
        headline = "Kein Plan berechnet."
    view = Results(outcome.kind, headline, changed, outcome.errors, outcome.general, outcome.lines)
    current = outcome if outcome.plan_json else session.last_plan
    if current is None or current.plan_json is None:
        return view
    view.has_plan = True
    shown_year = current.view(year)
    assert shown_year is not None
    plan = shown_year.plan_json
    if outcome.plan_json is not None:
        view.levels, view.payers = _price(shown, year)
        before = None if shown.previous is None else shown.previous.view(year)
        if before is not None:
            plans = [{"alternative": BEFORE, **before.plan_json}, {"alternative": NOW, **plan}]
            view.comparison = [table_html(t) for t in comparison_tables(plans, "de", "yellow")]
        view.plan_title = "Der Plan jetzt"
    else:
        view.plan_title = "Zuletzt möglicher Plan (unverändert)"
    one = typed(plan)  # the year shown, as every report reads it
    tables = [t(one, "de") for t in (summary_table, kommunen_table, finance_table, hosts_table)]
    if current.years:
        view.year = shown_year.label
        view.year_note = year_note(session.years, year)
        view.plan_title += f" – {shown_year.label}"
        view.cuts = year_cut_texts(as_year_entry(plan), "de", with_year=False)  # why, and what would avoid it
        tables.append(eigenanteil_table(typed(current.plan_json), "de"))  # every year and Baustein
    view.plan_blocks = [table_html(table) for table in tables]
    return view


def year_note(years: list[str], index: int) -> str:
    """Which year is shown, and that the years are decided in order."""
    shown, later, before = years[index], years[index + 1 :], years[:index]
    text = f"Gezeigt: {shown} (Jahr {index + 1} von {len(years)}). Die Jahre werden nacheinander entschieden"
    if later:
        text += f": {some_of(later, 'de')} folg{'t' if len(later) == 1 else 'en'} aus {shown}"
    else:
        text += f": {shown} folgt aus {some_of(before, 'de')}"
    return text + ". Jede Änderung gilt für die Instanz und berechnet alle Jahre neu."


def objective_choices() -> list[tuple[str, str]]:
    from kimopt.data import OBJECTIVE_NAMES
    from kimopt.serve.form import objective_label

    return [(name, objective_label(name)) for name in OBJECTIVE_NAMES]


def host_names(session: Session) -> list[str]:
    inst = session.instance
    return [k.name for k in inst.kommunen] + [t.name for t in inst.traeger] + [inst.kreis.name]


def context(session: Session, shown: Shown, token: str, year: int = 0) -> dict[str, Any]:
    """Everything the page template needs (``year``: the index of the year shown, of several)."""
    from kimopt.serve.form import fields

    all_fields = fields(session.instance, session.model)
    return {
        "session": session,
        "token": token,
        "title": session.instance.name,
        "fields": {f.name: f for f in all_fields},
        "kommunen": list(enumerate(session.instance.kommunen)),
        "traeger": list(enumerate(session.instance.traeger)),
        "objective_fields": [f for f in all_fields if f.group == "objectives"],
        "objectives": objective_choices(),
        "hosts": host_names(session),
        "form": shown.form,
        "shown": shown,
        "results": results(session, shown, year),
        "years": session.years,
        "year": session.years[year] if session.years else "",
        "error_fields": [f.name for f in all_fields if f.group != "objectives"] + ["obj1"],
    }
