"""Plain aligned text tables and markdown tables, shared by the multi-report renderers.

No colour and no box drawing: these tables are read in terminals, CI logs and pasted issues,
and they are parsed by people's ``grep``/``awk``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell, two spaces apart; the last column unpadded.

    Widths are terminal cells: a Chinese character takes two, so columns stay aligned."""
    widths = [cell_len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell_len(cell))
    lines = []
    for row in (list(headers), *rows):
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub-flavoured markdown table; ``|`` inside cells is escaped."""
    def cells(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"

    return [cells(headers), "| " + " | ".join("---" for _ in headers) + " |",
            *(cells(row) for row in rows)]
