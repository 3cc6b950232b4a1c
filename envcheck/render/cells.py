"""Text measured and wrapped in terminal cells: a CJK character takes two columns.

:mod:`textwrap` counts every character as one column, so Chinese lines wrapped by it overflow
the terminal. Used by the text report and by ``--help`` in Chinese.
"""

from __future__ import annotations

import re

_UNITS = re.compile(r"\s+|(?<!\S)\[[^\[\]]+\](?!\S)|\S+")
"""Spaces, a bracketed group standing alone (click's ``[默认：10.0；x>=0.1]``, kept whole), or
a run of anything else (``xformers[torch2]==0.0.22`` stays one word)."""
_NO_BREAK_BEFORE = frozenset("，。：；、）」』！？")
_NO_BREAK_AFTER = frozenset("（「『")


def cells(text: str) -> int:
    """Terminal columns ``text`` takes (rich is imported on first use: ``--help`` in English
    never needs it)."""
    from rich.cells import cell_len

    return cell_len(text)


def _pieces(unit: str) -> list[str]:
    """Where a unit may break: between two wide characters, or a wide and a narrow one."""
    if unit.isspace() or (unit.startswith("[") and unit.endswith("]")):
        return [unit]
    out: list[str] = []
    for char in unit:
        if out and (char in _NO_BREAK_BEFORE or out[-1][-1] in _NO_BREAK_AFTER
                    or (cells(char) == 1 and cells(out[-1][-1]) == 1)):
            out[-1] += char
        else:
            out.append(char)
    return out


def wrap_cells(line: str, width: int, indent: int) -> list[str]:
    """``line`` wrapped to ``width`` terminal cells, later lines indented by ``indent``: a line
    breaks at a space or beside a wide (CJK) character, never inside an English word or a
    command, never before closing punctuation nor after opening punctuation."""
    lines: list[str] = []
    current = ""
    for unit in _UNITS.findall(line):
        for piece in _pieces(unit):
            if current.strip() and cells(current + piece.rstrip()) > width:
                lines.append(current.rstrip())
                current = " " * indent
                if piece.isspace():
                    continue
            current += piece
    lines.append(current.rstrip())
    return lines
