"""Markdown: the report's tables as pipe tables (GitHub/CommonMark), for wikis and e-mails."""

from __future__ import annotations

from kimopt.report.tables import Table

MARKUP = str.maketrans({c: "\\" + c for c in "\\|*[]`"} | {"\r": " ", "\n": " "})


def cell(text: str) -> str:
    """A cell that cannot break the table or carry markup: pipes, emphasis, links and code
    escaped, line breaks flattened, ``<`` ``>`` ``&`` as entities (a name ``<script>`` or
    ``[x](javascript:…)`` stays text in every Markdown viewer)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.translate(MARKUP)


def table_markdown(table: Table) -> str:
    """A pipe table; emphasised cells in bold, numeric columns right-aligned."""
    lines = [
        f"## {cell(table.title)}",
        "",
        "| " + " | ".join(cell(h) for h in table.head) + " |",
        "|" + "|".join("---:" if c in table.numeric else "---" for c in range(len(table.head))) + "|",
    ]
    for r, row in enumerate(table.rows):
        marked = table.emphasis[r] if r < len(table.emphasis) else set()
        lines.append(
            "| " + " | ".join(f"**{cell(v)}**" if c in marked and v else cell(v) for c, v in enumerate(row)) + " |"
        )
    if table.note:
        lines += ["", f"*{cell(table.note)}*"]
    return "\n".join(lines) + "\n"


def document(heading: str, meta: list[tuple[str, str]], tables: list[Table]) -> str:
    """Title, provenance lines, then every table."""
    parts = [f"# {cell(heading)}", "", *(f"- **{cell(k)}:** {cell(v)}" for k, v in meta), ""]
    parts += [table_markdown(table) for table in tables]
    return "\n".join(parts)
