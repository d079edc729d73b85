"""One self-contained, print-ready HTML file: inline CSS, inline SVG charts, no scripts, no network.

Printing: A4 pages with margins, headings kept with what follows, table rows and charts never
cut, table headers repeated on every page; the comparison starts on a new page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kimopt.labels import t
from kimopt.report.tables import Table, meta_lines, title

CSS = """
:root { --ink: #1b1f23; --muted: #5b6670; --line: #c8cfd6; --accent: #1f5f8b; --mark: #fff1b8; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: var(--ink); margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 .3rem; color: var(--accent); }
h2 { font-size: 13pt; margin: 1.6rem 0 .5rem; border-bottom: 2px solid var(--accent); padding-bottom: .15rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .4rem 0 1rem;
          color: var(--muted); }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .6rem; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:last-child td { border-bottom: 2px solid var(--ink); }
td.diff, tr.diff th.row { background: var(--mark); font-weight: 600; }
td.infeasible { color: #b03a2e; font-weight: 600; }
p.note { color: var(--muted); font-size: 9pt; margin: 0 0 .8rem; }
figure { margin: .8rem 0; } figure svg { width: 100%; height: auto; max-width: 100%; }
figcaption { color: var(--muted); font-size: 9pt; }
footer { margin-top: 2rem; color: var(--muted); font-size: 8.5pt; }
@page { size: A4; margin: 15mm 14mm 16mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { page-break-inside: auto; }
  tr, figure, dl.meta { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.page { break-before: page; page-break-before: always; }
  td.diff, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def table_html(table: Table, row_classes: list[str] | None = None) -> str:
    """A table with numeric columns right-aligned and emphasised cells marked ``diff``."""

    def cls(col: int, extra: str = "") -> str:
        names = " ".join(n for n in ("num" if col in table.numeric else "", extra) if n)
        return f' class="{names}"' if names else ""

    head = "".join(f"<th{cls(c)}>{escape(h)}</th>" for c, h in enumerate(table.head))
    body = []
    for r, row in enumerate(table.rows):
        marked = table.emphasis[r] if r < len(table.emphasis) else set()
        row_class = row_classes[r] if row_classes and r < len(row_classes) else ""
        cells = "".join(
            f"<td{cls(c, 'diff' if c in marked else '')}>{escape(v)}</td>"
            for c, v in enumerate(row)
        )
        body.append(
            f"<tr{f' class={chr(34)}{row_class}{chr(34)}' if row_class else ''}>{cells}</tr>"
        )
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<section id="{table.key}"><h2>{escape(table.title)}</h2>\n<table><thead><tr>{head}</tr></thead>'
        f"<tbody>\n" + "\n".join(body) + f"\n</tbody></table>{note}</section>"
    )


def page(heading: str, meta: list[tuple[str, str]], blocks: list[str], lang: str, *,
         draft: bool = False, kreis: str = "", wide: bool = False) -> str:
    """The whole document around the ``blocks`` of HTML."""
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta)
    footer = t(
        lang,
        "Erstellt mit kimopt. Alle Zahlen exakt berechnet; VZÄ auf eine Nachkommastelle, "
        "Soll-Werte auf drei Stellen gerundet dargestellt.",
        "Made with kimopt. All figures computed exactly; VZÄ shown to one decimal, targets to three.",
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(heading)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header><h1>{escape(heading)}</h1><dl class="meta">{dl}</dl></header>\n'
        + "\n".join(blocks)
        + f"\n<footer>{escape(footer)}</footer>\n</body>\n</html>\n"
    )


def figure_html(caption: str, svg: str) -> str:
    return f'<figure role="img" aria-label="{escape(caption)}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def plan_html(
    plan: dict[str, Any], lang: str, tables: list[Table], charts: list[tuple[str, str]],
    draft: bool = False,
) -> str:
    """The plan report: the summary, the per-Kommune table, the charts, then every other section."""
    by_key = {table.key: table for table in tables}
    blocks = [table_html(by_key["summary"]), table_html(by_key["kommunen"])]
    blocks.append(
        f'<section id="charts"><h2>{escape(t(lang, "Diagramme", "Charts"))}</h2>'
        + "".join(figure_html(c, s) for c, s in charts)
        + "</section>"
    )
    blocks += [table_html(table) for table in tables if table.key not in ("summary", "kommunen")]
    return page(title(plan, lang), meta_lines(plan, lang), blocks, lang, draft=draft)
