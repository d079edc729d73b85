"""One self-contained, print-ready HTML file: inline CSS, inline SVG charts, no scripts, no network.

The same HTML is the screen report, what Chromium prints and what :mod:`kimopt.report.pdf`
turns into a PDF. Printing: A4 (landscape for comparisons), a running head with the title,
the Kreis and „Stand: TT.MM.JJJJ“ (when a date is given) and „Seite x von y“ on every page,
headings kept with what follows, table headers repeated, table rows and charts never cut, no
table broken after its first two rows or before its last two, the closing note kept with the
last section (so no page holds only a footer); an optional „ENTWURF“ mark on every page.
Wide tables of alternatives are split into parts of at most :data:`COLUMNS_PER_TABLE`
alternatives, each repeating the label column and the reference alternative
(:func:`kimopt.report.compare.reference_parts`), so ten alternatives fit A4 and a 1280 px screen.
"""

from __future__ import annotations

from html import escape

from kimopt.labels import t
from kimopt.plan_file import PlanFile
from kimopt.report.paper import meta_lines, title
from kimopt.report.tables import OneYear, Table

COLUMNS_PER_TABLE = 5  # alternatives per table part: readable on A4 landscape and at 1280 px

CSS = """
:root { --ink: #1b1f23; --muted: #5b6670; --line: #c8cfd6; --accent: #1f5f8b; --mark: #fff1b8; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, Helvetica, sans-serif; color: var(--ink);
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; font-size: 10.5pt; line-height: 1.35; }
body.wide { max-width: 78rem; }
h1 { font-size: 17pt; margin: 0 0 .3rem; color: var(--accent); }
h2 { font-size: 13pt; margin: 1.6rem 0 .5rem; border-bottom: 2px solid var(--accent); padding-bottom: .15rem; }
p.kreis { margin: 0 0 .2rem; font-size: 11pt; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .4rem 0 1rem;
          color: var(--muted); }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .6rem; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef2f5; font-weight: 600; }
td:first-child, th:first-child { min-width: 9em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }
table.dense { font-size: 8.5pt; } table.dense td, table.dense th { padding: .15rem .3rem; }
table.dense td:first-child, table.dense th:first-child { min-width: 7em; }
tr:last-child td { border-bottom: 2px solid var(--ink); }
td.diff, tr.diff th.row { background: var(--mark); font-weight: 600; }
td.infeasible { color: #b03a2e; font-weight: 600; }
p.note { color: var(--muted); font-size: 9pt; margin: 0 0 .8rem; break-before: avoid; page-break-before: avoid; }
div.prose p { margin: .25rem 0; max-width: 48rem; }
div.prose p.item { margin-left: 1.2rem; }
figure { margin: .8rem 0; } figure svg { width: 100%; height: auto; max-width: 100%; }
figure.small svg { max-width: 36rem; }
body.wide figure svg { max-width: 44rem; }  /* landscape: a chart as wide as the page would need two */
figcaption { color: var(--muted); font-size: 9pt; }
p.chart-note { font-style: italic; }
footer { margin-top: 2rem; color: var(--muted); font-size: 8.5pt; }
div.draft { display: none; }
@page { size: A4; margin: 20mm 14mm 18mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { page-break-inside: auto; }
  table.short { break-inside: avoid; page-break-inside: avoid; }
  tr, figure, dl.meta, div.prose p { break-inside: avoid; page-break-inside: avoid; }
  /* never two rows alone at a page's foot or head; the last row keeps no rule, so a table never
     pulls the next section along */
  tbody tr:nth-child(-n+2):not(:last-child), tbody tr:nth-last-child(2), tbody tr:nth-last-child(3) {
    break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  section.page { break-before: page; page-break-before: always; }
  footer { break-before: avoid; page-break-before: avoid; margin-top: .6rem; }
  td.diff, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  div.draft { display: block; position: fixed; top: 40%; left: 0; right: 0; text-align: center;
              font-size: 90pt; font-weight: 700; color: rgba(176, 58, 46, .13); transform: rotate(-30deg);
              z-index: -1; }
}
"""

SHORT_TABLE = 10  # rows: a table this short is never split over two pages
DENSE_COLUMNS = 8  # columns: a table this wide is set smaller, so it fits A4 portrait


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for the running head) that cannot end the string or the
    ``<style>`` element: every character but letters, digits, space and harmless punctuation
    is written as a CSS escape (``<`` as ``\\3c ``)."""
    cleaned = " ".join(text.split())
    safe = " .,:;-_()·–—/"
    return '"' + "".join(c if c.isalnum() or c in safe else f"\\{ord(c):x} " for c in cleaned) + '"'


def _mark(draft: bool | str, lang: str) -> str:
    """The mark of a paper that is not the plan: ``True`` is „ENTWURF“, a text is itself."""
    if isinstance(draft, str):
        return draft
    return t(lang, "ENTWURF", "DRAFT") if draft else ""


def page_css(heading: str, kreis: str, stand: str, draft: bool | str, lang: str, wide: bool) -> str:
    """The running head and foot of every printed page, and the orientation."""
    left = heading + (f" · {kreis}" if kreis and kreis not in heading else "")
    right = t(lang, f"Stand: {stand}", f"As of: {stand}") if stand else ""
    mark = _mark(draft, lang)
    font = 'font: 8pt "DejaVu Sans", Arial, sans-serif; color: #5b6670;'
    boxes = f"@top-left {{ content: {_css_string(left)}; {font} }}"
    of = t(lang, '"Seite " counter(page) " von " counter(pages)', '"Page " counter(page) " of " counter(pages)')
    boxes += f" @bottom-right {{ content: {of}; {font} }}"
    if right:
        boxes += f" @top-right {{ content: {_css_string(right)}; {font} }}"
    if mark:
        red = 'font: bold 10pt "DejaVu Sans", Arial; color: #b03a2e;'
        boxes += f" @top-center {{ content: {_css_string(mark)}; {red} }}"
    size = "size: A4 landscape; margin: 16mm 12mm 15mm;" if wide else ""
    return f"@page {{ {size} {boxes} }}"


def table_html(table: Table, row_classes: list[str] | None = None) -> str:
    """A table with numeric columns right-aligned and emphasised cells marked ``diff``."""
    if table.prose:
        return prose_html(table)

    def cls(col: int, extra: str = "") -> str:
        names = " ".join(n for n in ("num" if col in table.numeric else "", extra) if n)
        return f' class="{names}"' if names else ""

    head = "".join(f"<th{cls(c)}>{escape(h)}</th>" for c, h in enumerate(table.head))
    body = []
    for r, row in enumerate(table.rows):
        marked = table.emphasis[r] if r < len(table.emphasis) else set()
        row_class = row_classes[r] if row_classes and r < len(row_classes) else ""
        cells = "".join(f"<td{cls(c, 'diff' if c in marked else '')}>{escape(v)}</td>" for c, v in enumerate(row))
        body.append(f"<tr{f' class={chr(34)}{row_class}{chr(34)}' if row_class else ''}>{cells}</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    classes = " ".join(
        c for c, on in (("short", len(table.rows) <= SHORT_TABLE), ("dense", len(table.head) >= DENSE_COLUMNS)) if on
    )
    short = f' class="{classes}"' if classes else ""
    return (
        f'<section id="{table.key}"><h2>{escape(table.title)}</h2>\n<table{short}><thead><tr>{head}</tr></thead>'
        f"<tbody>\n" + "\n".join(body) + f"\n</tbody></table>{note}</section>"
    )


def prose_html(table: Table) -> str:
    """A table of sentences as paragraphs; a row starting with ``– `` is an item of the one before."""
    paragraphs = []
    for row in table.rows:
        text = row[0] if row else ""
        item = text.startswith("– ")
        paragraphs.append(f"<p{' class=' + chr(34) + 'item' + chr(34) if item else ''}>{escape(text)}</p>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (
        f'<section id="{table.key}"><h2>{escape(table.title)}</h2>\n<div class="prose">'
        + "\n".join(paragraphs)
        + f"</div>{note}</section>"
    )


def page(
    heading: str,
    meta: list[tuple[str, str]],
    blocks: list[str],
    lang: str,
    *,
    draft: bool | str = False,
    kreis: str = "",
    wide: bool = False,
    stand: str = "",
) -> str:
    """The whole document around the ``blocks`` of HTML.

    ``stand`` (``TT.MM.JJJJ``) is shown under the title and on every printed page; without it
    the file holds no date, so the same plan gives the same file.
    """
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta)
    footer = t(
        lang,
        "Erstellt mit kimopt. Alle Zahlen exakt berechnet; VZÄ auf eine Nachkommastelle, "
        "Soll-Werte auf drei Stellen gerundet dargestellt.",
        "Made with kimopt. All figures computed exactly; VZÄ shown to one decimal, targets to three.",
    )
    shown = (f"{_mark(draft, lang)} – " if draft else "") + heading
    sub = (
        escape(kreis)
        + (" · " if kreis and stand else "")
        + (escape(t(lang, "Stand: ", "As of: ") + stand) if stand else "")
    )
    mark = f'<div class="draft" aria-hidden="true">{escape(_mark(draft, lang))}</div>\n' if draft else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(shown)}</title>\n<style>{CSS}{page_css(heading, kreis, stand, draft, lang, wide)}</style>\n"
        f"</head>\n<body{' class=' + chr(34) + 'wide' + chr(34) if wide else ''}>\n{mark}"
        f"<header><h1>{escape(shown)}</h1>"
        + (f'<p class="kreis">{sub}</p>' if sub else "")
        + f'<dl class="meta">{dl}</dl></header>\n'
        + "\n".join(blocks)
        + f"\n<footer>{escape(footer)}</footer>\n</body>\n</html>\n"
    )


def figure_html(caption: str, svg: str, small: bool = False) -> str:
    """A chart with its caption; ``svg`` may also be a sentence (a chart not worth drawing)."""
    if not svg:
        return ""
    if not svg.lstrip().startswith("<svg"):
        return f'<p class="chart-note">{escape(svg)}</p>'
    extra = ' class="small"' if small else ""
    return (
        f'<figure{extra} role="img" aria-label="{escape(caption)}">{svg}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def kreis_name(plan: OneYear) -> str:
    """The Kreis of a plan (its host of type ``kreis``)."""
    return next((h.name for h in plan.hosts if h.host_type == "kreis"), "")


def plan_html(
    plan: PlanFile,
    lang: str,
    tables: list[Table],
    charts: list[tuple[str, str]],
    draft: bool | str = False,
    stand: str = "",
    year: int | None = None,
) -> str:
    """The plan report: the summary, the per-Kommune table, the charts, then every other section."""
    by_key = {table.key: table for table in tables}
    blocks = [table_html(by_key["summary"]), table_html(by_key["kommunen"])]
    blocks.append(
        f'<section id="charts"><h2>{escape(t(lang, "Diagramme", "Charts"))}</h2>'
        + "".join(figure_html(c, s, small=n == 1) for n, (c, s) in enumerate(charts))
        + "</section>"
    )
    blocks += [table_html(table) for table in tables if table.key not in ("summary", "kommunen")]
    return page(
        title(plan, lang), meta_lines(plan, lang, year), blocks, lang, draft=draft, kreis=kreis_name(plan), stand=stand
    )
