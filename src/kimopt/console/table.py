"""Aligned text tables for the terminal: one header row, a rule under it, columns padded."""

from __future__ import annotations


def text_table(rows: list[list[str]], right: set[int]) -> list[str]:
    """The rows as lines; columns in ``right`` aligned right (numbers), the others left."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(widths[c]) if c in right else cell.ljust(widths[c]) for c, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
