"""Find every message in envcheck's source, as xgettext would, and list those a catalogue lacks.

A message is the literal first argument of ``Msg(...)`` (:class:`envcheck.i18n.Msg`) or of
``Fix(...)`` (a fix's summary), or a help text of the command line (see
:mod:`envcheck.cli_help`): the literal ``help=`` of a typer ``Option``, ``Argument``,
``Typer``, ``command`` or ``callback``, and the docstring of a function decorated with
``@<app>.command(...)`` or ``@<app>.callback(...)`` without a ``help=`` (typer shows it as the
command's help), each by its :func:`~envcheck.cli_help.help_id`.
``python -m envcheck.i18n_extract zh`` prints a ``.po`` stub
for each message the Chinese catalogue does not translate yet, with where it is used, ready
to be translated and appended to ``envcheck/locale/zh/LC_MESSAGES/envcheck.po``.

Not part of the tool at run time: the tests use it to prove the catalogue is complete.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from envcheck.cli_help import help_id
from envcheck.i18n import messages

PACKAGE = Path(__file__).resolve().parent
_MARKERS = ("Msg", "Fix")
_HELP_CALLS = ("Option", "Argument", "Typer", "command", "callback")
"""Calls whose ``help=`` is a help text."""
_HELP_DECORATORS = ("command", "callback")
"""Decorators whose function's docstring is a help text (when they give no ``help=``)."""


@dataclass(frozen=True)
class Found:
    """One use of a message in the source."""

    msgid: str
    path: str
    line: int


@dataclass(frozen=True)
class NotLiteral:
    """A ``Msg(...)`` whose message id, or a ``help=`` that is not a string literal (the
    extractor cannot read it)."""

    path: str
    line: int


def _callee(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _help_keyword(node: ast.Call) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == "help"), None)


def _helps(node: ast.AST, path: str) -> tuple[list[Found], list[NotLiteral]]:
    """The help texts at ``node``: a ``help=`` of a typer call, a command's docstring."""
    if isinstance(node, ast.Call) and _callee(node) in _HELP_CALLS:
        value = _help_keyword(node)
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return [], []
        text = _literal(value)
        if text is None:
            return [], [NotLiteral(path, node.lineno)]
        return ([Found(help_id(text), path, node.lineno)] if text.strip() else []), []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        doc = ast.get_docstring(node)
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and _callee(deco) in _HELP_DECORATORS
                    and _help_keyword(deco) is None and doc):
                return [Found(help_id(doc), path, node.lineno)], []
    return [], []


def scan_source(text: str, path: str) -> tuple[list[Found], list[NotLiteral]]:
    """The messages of one module, and the ``Msg`` calls (and typer ``help=``) whose text is
    not a literal."""
    found: list[Found] = []
    bad: list[NotLiteral] = []
    for node in ast.walk(ast.parse(text, path)):
        more, worse = _helps(node, path)
        found += more
        bad += worse
        if not isinstance(node, ast.Call) or _callee(node) not in _MARKERS or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if first.value:
                found.append(Found(first.value, path, node.lineno))
        elif _callee(node) == "Msg":
            bad.append(NotLiteral(path, node.lineno))
    return found, bad


def scan(root: Path = PACKAGE) -> tuple[list[Found], list[NotLiteral]]:
    """Every message in the package under ``root``, in file and line order."""
    found: list[Found] = []
    bad: list[NotLiteral] = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "i18n.py":
            continue
        rel = path.relative_to(root.parent).as_posix()
        more, worse = scan_source(path.read_text(encoding="utf-8"), rel)
        found += more
        bad += worse
    return found, bad


def missing(lang: str, root: Path = PACKAGE) -> dict[str, list[Found]]:
    """Message id → its uses, for every message ``lang``'s catalogue does not translate."""
    table = messages(lang).table
    out: dict[str, list[Found]] = {}
    for item in scan(root)[0]:
        if not table.get(item.msgid, ("",))[0]:
            out.setdefault(item.msgid, []).append(item)
    return out


def _po_string(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


def stubs(lang: str, root: Path = PACKAGE) -> str:
    """A ``.po`` stub (empty ``msgstr``) for each message ``lang`` lacks."""
    blocks = []
    for msgid, uses in missing(lang, root).items():
        where = " ".join(f"{u.path}:{u.line}" for u in uses)
        blocks.append(f"#: {where}\nmsgid {_po_string(msgid)}\nmsgstr \"\"\n")
    return "\n".join(blocks)


def main(argv: list[str] | None = None) -> int:
    """Print the stubs for the language named (``zh``); exit 1 when there are any."""
    args = sys.argv[1:] if argv is None else argv
    lang = args[0] if args else "zh"
    text = stubs(lang)
    sys.stdout.write(text)
    return 1 if text else 0


if __name__ == "__main__":
    raise SystemExit(main())
