"""The contract every envcheck command keeps: its exit statuses, its output formats, which
interpreter it inspects, and the usage errors found before any probing.

One :class:`ExitCode` for every command (the README's tables); ``--python`` resolved in one
place (:func:`envcheck.context.resolve_target`); ``-o FILE`` checked before the work starts, so
a report that could not be written never costs a whole doctor run. Usage errors are
``typer.BadParameter``: :func:`envcheck.cli.main` prints them as one line and exits 2.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from envcheck.context import NoSuchInterpreter, TargetChoice, system_target
from envcheck.render import OutputFormat


class ExitCode(enum.IntEnum):
    """Process exit statuses of every command (documented in the README)."""

    OK = 0
    FINDINGS = 1
    """doctor/explain/report: a finding at the ``--fail-on`` threshold; bench: an error
    finding or an unusable device; fleet: a node with an error."""
    USAGE = 2
    """A usage error (one line on stderr); bench: no torch or no such interpreter."""
    INTERNAL = 3
    """An internal error (one line on stderr), or broken recipe tables."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT); bench prints what was measured so far."""


def target_option(python: str | None) -> TargetChoice:
    """The interpreter a command inspects; ``--python`` naming no file is a usage error."""
    try:
        return system_target(python)
    except NoSuchInterpreter as exc:
        raise typer.BadParameter(str(exc)) from None


def output_option(output: Path | None) -> None:
    """Refuse an ``-o`` path that cannot be written, before any work (one line, exit 2).

    Missing folders are fine (``-o`` creates them, for ``%N`` cluster paths); a path below a
    regular file, a read-only folder, or a directory named as the file are not.
    """
    if output is None:
        return
    from envcheck.output_file import unwritable_reason

    reason = unwritable_reason(output)
    if reason is not None:
        raise typer.BadParameter(f"cannot write -o {output}: {reason}")


def pick_format(
    fmt: OutputFormat | None,
    *,
    aliases: Iterable[tuple[OutputFormat, bool]] = (),
    supported: Iterable[OutputFormat] = tuple(OutputFormat),
    default: OutputFormat = OutputFormat.TEXT,
) -> OutputFormat:
    """``--format``, or one of its aliases (``--json``, ``--markdown``); more than one must
    agree, and the command must offer the format chosen."""
    chosen = {f for f, on in aliases if on}
    if fmt is not None:
        chosen.add(fmt)
    if len(chosen) > 1:
        names = ["--format", *(f"--{f.value}" for f, _ in aliases)]
        raise typer.BadParameter(f"choose one of {', '.join(names[:-1])} and {names[-1]}")
    picked = chosen.pop() if chosen else default
    offered = tuple(supported)
    if picked not in offered:
        raise typer.BadParameter(
            f"--format {picked.value} is not offered here; choose "
            + ", ".join(f.value for f in offered))
    return picked


class Language(str, enum.Enum):
    """``--lang``: the language of the words around the data (ids and commands never change)."""

    EN = "en"
    ZH = "zh"


LangOpt = Annotated[
    Language | None,
    typer.Option("--lang", help="Language of the output: en or zh (default: from LC_ALL, "
                 "LC_MESSAGES or LANG; ids, keys and commands are the same in both)."),
]
"""``--lang``, shared by doctor, report, explain, recommend and bench: the language of
everything they print (reports, recommendations, bench results, usage errors and help)."""
HiddenLangOpt = Annotated[
    Language | None,
    typer.Option("--lang", hidden=True, help="Language of the help and of the messages: en or "
                 "zh (default: from LC_ALL, LC_MESSAGES or LANG)."),
]
"""``--lang`` where it is accepted but not listed (the root, ``diff``, ``fleet summarize``):
``envcheck --lang zh doctor`` and ``envcheck diff --help --lang zh`` work, and the English help
of those commands stays as it was. It picks the language of the help and of the usage errors,
and, given to the root, that of the command after it."""


def lang_option(lang: Language | None) -> str:
    """``--lang`` when given, else the invocation's (``envcheck --lang zh doctor``), else what
    ``LC_ALL``/``LC_MESSAGES``/``LANG`` ask for (the CLI is the edge that may read the process
    environment)."""
    import os

    from envcheck.cli_help import invocation_language
    from envcheck.i18n import pick_language

    if lang is not None:
        return lang.value
    return invocation_language() or pick_language(None, os.environ)


def exit_with(code: ExitCode) -> typer.Exit:
    """The exception that ends a command with ``code``."""
    return typer.Exit(int(code))

