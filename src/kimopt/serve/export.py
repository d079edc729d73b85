"""The report of the page's plan as a download, marked as what it is: a scenario, not the plan.

Every download — HTML, PDF, workbook — says „Szenario — nicht beschlossen“ (in the title, on
every printed page, on the workbook's first sheet and in every sheet's print header), lists
the changes against the file, and names the scenario as its model instead of the file's.
Nothing is written where a person would see it: the workbook goes through a temporary folder
that is removed at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape
from typing import Any

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}
MARK = "Szenario — nicht beschlossen"
UNNAMED = "Szenario (nicht gespeichert)"


@dataclass(frozen=True)
class Marking:
    """What makes a download a scenario paper: its name and its changes (what, file, scenario)."""

    name: str
    changes: list[tuple[str, str, str]]

    @property
    def model(self) -> str:
        return f"Szenario „{self.name}“" if self.name else UNNAMED

    def sentence(self) -> str:
        return f"{MARK}: ein Was-wäre-wenn-Szenario aus kimopt serve ({self.model}), nicht der beschlossene Plan. " + (
            "Änderungen gegenüber der Datei:" if self.changes else "Keine Änderung gegenüber der Datei."
        )


def _changes_html(marking: Marking) -> str:
    rows = "".join(
        f'<tr><td>{escape(what)}</td><td>{escape(before)}</td><td class="diff">{escape(now)}</td></tr>'
        for what, before, now in marking.changes
    )
    table = (
        '<table class="short"><thead><tr><th>Was</th><th>Datei</th><th>Szenario</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    return (
        f'<section id="scenario-mark"><h2>{escape(MARK)}</h2>'
        f'<p class="scenario-mark"><strong>{escape(marking.sentence())}</strong></p>{table}</section>\n'
    )


def _html(plan: dict[str, Any], marking: Marking, stand: str = "") -> str:
    from kimopt.report import render_plan_report

    text = render_plan_report(plan, ".html", "de", None, draft=MARK, stand=stand)
    head, sep, rest = text.partition("</header>")  # the marking stands first, under the title
    assert sep, "the report's page has a header"
    return head + sep + "\n" + _changes_html(marking) + rest


def _xlsx(plan: dict[str, Any], marking: Marking) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    from kimopt.report import xlsx_bytes

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan, "bericht.xlsx", "de", None)))
    note = book.create_sheet("Szenario", 0)
    note["A1"] = MARK
    note["A1"].font = Font(bold=True, size=14, color="B03A2E")
    note["A2"] = marking.sentence()
    note.append([])
    if marking.changes:
        note.append(["Was", "Datei", "Szenario"])
        for cell in note[note.max_row]:
            cell.font = Font(bold=True)
        for row in marking.changes:
            note.append(list(row))
    note.column_dimensions["A"].width = 48
    note.column_dimensions["B"].width = 22
    note.column_dimensions["C"].width = 22
    for sheet in book.worksheets:  # on paper, every sheet says it
        sheet.oddHeader.center.text = MARK
        sheet.evenHeader.center.text = MARK
    book.active = 0
    book.properties.title = f"{MARK} – {marking.model}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_bytes(plan: dict[str, Any], suffix: str, marking: Marking) -> bytes:
    """The scenario report of ``plan`` in the format of ``suffix`` (``.html``, ``.xlsx``, ``.pdf``)."""
    plan = {**plan, "model": marking.model}
    if suffix == ".xlsx":
        return _xlsx(plan, marking)
    if suffix == ".pdf":
        from kimopt.report.pdf import pdf_bytes, stand_date

        return pdf_bytes(_html(plan, marking, stand_date()))
    return _html(plan, marking).encode("utf-8")
