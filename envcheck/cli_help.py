"""``--help`` in the user's language, decided anew for every invocation.

Typer builds the click command tree afresh each time the app runs (``app(...)`` and
``CliRunner().invoke(app, ...)`` both call ``typer.main.get_command``), and click formats the
help from that tree only when ``--help`` is asked for. So nothing is translated at import:
:class:`LocalizedGroup`, the root group's class, reads the language of this invocation from
its arguments (``--lang``, found before parsing exactly as for the one-line usage errors) and
the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), and :func:`localize_commands` puts that
language's text into the tree just before click parses: every command's help and short help
and every option's and argument's help, with a context whose :class:`LocalizedHelpFormatter`
says click's own words (``Usage:``, ``Options:``, ``[default: …]``, the help option's help)
and wraps by terminal cells, since a Chinese character is two columns wide and click counts
characters. English is the tree as typer built it, untouched, so English help is unchanged.

Help texts are catalogued by their English like every other message: the literal ``help=`` of
a typer ``Option``, ``Argument``, ``Typer``, ``command`` or ``callback``, and the docstring of
a command function (its help when no ``help=`` is given), with runs of spaces and line breaks
inside a paragraph made one space by :func:`help_id`. :mod:`envcheck.i18n_extract` finds them,
so the catalogue's completeness test covers ``--help`` too.

The language is also kept for the invocation (:func:`invocation_language`), so that
``envcheck --lang zh doctor`` (``--lang`` given to the root) speaks Chinese too.
"""

from __future__ import annotations

import contextvars
import functools
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

from envcheck.i18n import DEFAULT, LANGUAGES, Messages, Msg, messages, pick_language
from envcheck.render.cells import cells as _cells
from envcheck.render.cells import wrap_cells

_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("envcheck_lang",
                                                                        default=None)
_ENGLISH = "_envcheck_english_help"
"""Where a command or parameter keeps its English help once it has been translated."""


def help_id(text: str) -> str:
    """The message id of a help text: each paragraph's whitespace made one space (typer and
    click rewrap help anyway), paragraphs separated by one blank line."""
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def language_of(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """The language an invocation asks for: the last valid ``--lang X`` or ``--lang=X`` before
    ``--`` (read before parsing, so errors the parser itself finds are in it too), else the
    locale's."""
    chosen: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else (
            arg.partition("=")[2] if arg.startswith("--lang=") else None)
        if value in LANGUAGES:
            chosen = value
    return pick_language(chosen, env)


def invocation_language() -> str | None:
    """The language of the invocation running now (``None`` outside one)."""
    return _LANGUAGE.get()


class LocalizedGroup(TyperGroup):
    """The root group: before parsing, puts the invocation's language into the command tree."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        import os

        lang = language_of(list(sys.argv[1:] if args is None else args), os.environ)
        localize_commands(self, lang)
        token = _LANGUAGE.set(lang)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        finally:
            _LANGUAGE.reset(token)


def _tree(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _tree(sub)


def _english(obj: Any, attr: str) -> Any:
    """``obj.attr`` as typer built it (kept the first time the object is translated)."""
    kept = obj.__dict__.setdefault(_ENGLISH, {})
    if attr not in kept:
        kept[attr] = getattr(obj, attr)
    return kept[attr]


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    end = first.find("。")
    return first[:end + 1] if end >= 0 else first


def localize_commands(command: Any, lang: str) -> None:
    """Put ``lang``'s help texts into the click command tree under ``command`` (every
    subcommand and parameter), or put the English back. Texts without a translation stay
    English."""
    m = messages(lang)

    def say(text: str | None) -> str | None:
        return m.gettext(help_id(text)) if text else text

    for cmd in _tree(command):
        for obj in (cmd, *cmd.params):
            if lang == DEFAULT:  # as typer built it: put back what was translated before
                for attr, value in obj.__dict__.pop(_ENGLISH, {}).items():
                    setattr(obj, attr, value)
                continue
            english = _english(obj, "help")
            obj.help = say(english)
            if obj is cmd:  # the short help in a group's list: the first sentence
                translated = english and cmd.help != help_id(english)
                short = _english(cmd, "short_help")
                cmd.short_help = _first_sentence(cmd.help) if translated else short
        if lang == DEFAULT:
            cmd.__dict__.pop("context_class", None)
        else:
            cmd.context_class = _context_class(lang)


_HEADINGS = {"Options": Msg("Options"), "Commands": Msg("Commands"),
             "Arguments": Msg("Arguments")}
_CLICK_HELP = {"Show this message and exit.": Msg("Show this message and exit.")}
_EXTRAS = re.compile(r"(?s)(.*?)(?:  )?\[([^\[\]]+)\]\Z")
_RANGE = re.compile(r"[-+\d.x<>=]+\Z")


class LocalizedHelpFormatter(typer.Context.formatter_class):  # type: ignore[misc,valid-type]
    """Click's help formatter, saying click's own words in :attr:`lang` and wrapping by
    terminal cells (a CJK character is two columns wide)."""

    lang: ClassVar[str] = DEFAULT

    @property
    def _m(self) -> Messages:
        return messages(self.lang)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            said = self._m.say(Msg("Usage:"))
            prefix = said if said.endswith("：") else said + " "
        lead = f"{'':>{self.current_indent}}{prefix}{prog} "
        self.write("\n".join(wrap_cells(lead + args, self.width, _cells(lead))) + "\n")

    def write_heading(self, heading: str) -> None:
        said = self._m.say(_HEADINGS[heading]) if heading in _HEADINGS else heading
        self.write(f"{'':>{self.current_indent}}{said}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [indent + p for p in help_id(text).split("\n\n")]
        self.write("\n\n".join("\n".join(wrap_cells(p, self.width, self.current_indent))
                               for p in paragraphs) + "\n")

    def _extra(self, part: str) -> str | None:
        """One of click's additions to an option's help, said; ``None`` if not click's."""
        key, _, value = part.partition(": ")
        if key == "default" and value:
            return self._m.say(Msg("default: {default}", default=value))
        if key == "env var" and value:
            return self._m.say(Msg("env var: {var}", var=value))
        if part == "required":
            return self._m.say(Msg("required"))
        return part if _RANGE.match(part) else None

    def _help(self, text: str) -> str:
        """An option's help, with click's words in it (``[default: …; required]``, the help
        option's help) said too."""
        match = _EXTRAS.match(text)
        if match:
            extras = [self._extra(part) for part in match.group(2).split("; ")]
            if all(extras):
                said = self._click_help(match.group(1))
                joined = f"[{self._m.say(Msg('; ')).join(e for e in extras if e)}]"
                return f"{said}  {joined}" if said else joined
        return self._click_help(text)

    def _click_help(self, text: str) -> str:
        return self._m.say(_CLICK_HELP[text]) if text in _CLICK_HELP else text

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        if not rows:
            return
        first_col = min(max(_cells(first) for first, _ in rows), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _cells(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _cells(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_cells(self._help(second).replace("\n", " "), text_width, 0)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


@functools.cache
def _context_class(lang: str) -> type[typer.Context]:
    """A click context whose help is formatted in ``lang``."""
    formatter = type(f"HelpFormatter_{lang}", (LocalizedHelpFormatter,), {"lang": lang})
    return type(f"Context_{lang}", (typer.Context,), {"formatter_class": formatter})
