"""The comparison of alternatives for the terminal (the tables of :mod:`kimopt.report.compare`)."""

from __future__ import annotations

from typing import Any

from kimopt.console.table import text_table
from kimopt.labels import t
from kimopt.report.compare import comparison_tables, comparison_title


def render_comparison(plans: list[dict[str, Any]], lang: str) -> str:
    """The comparison for the terminal: ``*`` after each differing cell and before its row."""
    lines = [comparison_title(plans, lang), ""]
    for table in comparison_tables(plans, lang):
        rows = [["", *table.head]]
        for row, marked in zip(table.rows, table.emphasis, strict=True):
            cells = [c + " *" if n in marked else c for n, c in enumerate(row)]
            rows.append(["*" if marked else "", *cells])
        lines += [table.title, *text_table(rows, {n + 1 for n in table.numeric}), ""]
    lines.append(
        t(
            lang,
            "* = anders als in der ersten Alternative mit Plan.",
            "* = different from the first alternative with a plan.",
        )
    )
    return "\n".join(lines)
