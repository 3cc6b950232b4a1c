"""The terminal report: sections with ✓ / ! / ✗, facts, findings with causes and fix commands.

Pure: builds the output in a rich Console that writes to a string; the CLI prints it.
Fact text is never interpreted as rich markup (paths may contain brackets).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from envcheck.i18n import Messages, messages
from envcheck.model import Finding, ProbeStatus, Report, Severity
from envcheck.render import Appendix, RenderOptions
from envcheck.render.cells import wrap_cells
from envcheck.render.sections import SectionView, section_view
from envcheck.render.values import ordered_sections, said, section_of_finding

MARKS = {
    Severity.ERROR: ("✗", "bold red"),
    Severity.WARNING: ("!", "bold yellow"),
    Severity.INFO: ("•", "cyan"),
}
OK_MARK = ("✓", "bold green")


def render_text(
    report: Report, *, verbose: bool = False, color: bool = False, width: int = 100,
    appendix: Sequence[Appendix] = (), lang: str = "en",
) -> str:
    """Render the whole report for a terminal, in ``lang`` (:mod:`envcheck.i18n`).

    By default each section is one line (its mark and headline facts), then the findings in
    full; ``verbose`` lists every fact of every section and every probe.
    """
    m = messages(lang)
    _ = m.gettext
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    title = "envcheck explain" if report.source == "explain" else "envcheck doctor"
    head = f"{title} {report.tool_version}"
    line = head
    if report.target.python and report.source == "doctor":
        line += _(" — inspecting {python}").format(python=report.target.python)
        if report.target.chosen_by != "current":
            line += _(" (from {chosen_by})").format(chosen_by=report.target.chosen_by)
    _print_wrapped(console, line, width, 4, style="dim", head=Text(head, style="bold"))
    console.print()

    by_section: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_section.setdefault(section_of_finding(finding), []).append(finding)
    for section in ordered_sections(report):
        view = section_view(report, section, by_section.get(section, []), verbose)
        if verbose:
            _print_section_verbose(console, view, width, m)
        else:
            _print_section_line(console, view, width, m)

    if report.findings:
        if not verbose:
            console.print()
        for finding in report.findings:
            _print_finding(console, finding, m)

    troubled = [p for p in report.probes if p.status in (ProbeStatus.FAILED, ProbeStatus.TIMED_OUT)]
    if troubled or (verbose and report.probes):  # explain runs no probes: no empty heading
        console.print()
        console.print(Text(_("Probes"), style="bold"))
        for probe in report.probes:
            if probe.status is ProbeStatus.OK and not verbose:
                continue
            note = f" — {probe.note}" if probe.note else ""
            _print_wrapped(console, f"    {probe.id}: {probe.status.value} "
                           f"({probe.duration_s:.2f} s){note}", width, 8)
    for item in appendix:
        console.print()
        console.print(Text(m.say(item.title), style="bold"))
        for line in item.text.rstrip().splitlines():
            console.print(Text(f"  {line}"), soft_wrap=True)
    if report.unparsed:
        console.print()
        console.print(Text(_("Not understood in the pasted text"), style="bold"))
        for piece in report.unparsed:
            _print_wrapped(console, f"    {piece}", width, 8, style="dim")
    console.print()
    verdict = verdict_line(report, m)
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(verdict[:2], verdict[2:])
    console.print(grid)
    # Padding fills lines to the console width; trailing blanks only get in the way of pasting.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


_STATE_MARK = {
    "ok": OK_MARK,
    "info": MARKS[Severity.INFO],
    "warning": MARKS[Severity.WARNING],
    "error": MARKS[Severity.ERROR],
    "unknown": ("-", "dim"),
}
_BARE = {"Distribution", "Architecture", "GPU list", ""}
"""Headline labels whose value speaks for itself."""


def _pairs(view: SectionView, m: Messages) -> list[str]:
    _ = m.gettext
    parts = [said(m, value) if label in _BARE else f"{label} {said(m, value)}" if label == "torch"
             else _("{label}: {value}").format(label=_(label), value=said(m, value))
             for label, value in view.known]
    parts += [_("{label}: {value}").format(label=_(labels[0]), value=said(m, why))
              if len(labels) == 1
              else _("{labels} unknown: {why}").format(
                  labels=_(", ").join(_(label) for label in labels), why=said(m, why))
              for why, labels in view.unknown]
    return parts


def _print_wrapped(console: Console, line: str, width: int, indent: int,
                   style: str = "", head: Text | None = None) -> None:
    """Print ``line`` wrapped at ``width``; continuation lines start at column ``indent``."""
    if cell_len(line) != len(line):  # wide (CJK) characters: wrap by terminal cells
        lines = wrap_cells(line, max(width, indent + 20), indent)
    else:
        lines = textwrap.wrap(line, width=max(width, indent + 20),
                              subsequent_indent=" " * indent, break_long_words=False,
                              break_on_hyphens=False) or [""]
    first = Text(lines[0], style=style)
    if head is not None:
        first = Text.assemble(head, Text(lines[0][len(head.plain):], style=style))
    console.print(first, soft_wrap=True)
    for rest in lines[1:]:
        console.print(Text(rest, style=style), soft_wrap=True)


def _print_section_line(console: Console, view: SectionView, width: int, m: Messages) -> None:
    mark, style = _STATE_MARK[view.state]
    empty = ("see below" if view.findings else
             "nothing set" if view.name == "Environment variables" else "nothing to report")
    parts = _pairs(view, m) or [m.gettext(empty)]
    name = m.gettext(view.name)
    prefix = f"[{mark}] {name}"
    head = Text.assemble((f"[{mark}] ", style), (name, "bold"))
    _print_wrapped(console, f"{prefix}  {' · '.join(parts)}", width, 4, head=head)


def _print_section_verbose(console: Console, view: SectionView, width: int,
                           m: Messages) -> None:
    _ = m.gettext
    mark, style = _STATE_MARK[view.state]
    console.print(Text.assemble((f"[{mark}] ", style), (_(view.name), "bold")))
    for label, value in view.known:
        shown = said(m, value)
        _print_wrapped(console, "    " + _("{label}: {value}").format(label=_(label), value=shown)
                       if label else f"    {shown}", width, 8)
    for why, labels in view.unknown:
        _print_wrapped(console, "    " + _("{labels}: unknown because {why}").format(
            labels=_(", ").join(_(label) for label in labels), why=said(m, why)), width, 8,
            style="dim")
    console.print()


def render_findings(findings: Sequence[Finding], *, color: bool = False,
                    width: int = 100, lang: str = "en") -> str:
    """Findings alone, as the report shows them (the bench prints the doctor's diagnosis),
    their words in ``lang``."""
    from envcheck.render.localize import localize_finding

    m = messages(lang)
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    for finding in findings:
        _print_finding(console, localize_finding(finding, m) if m.table else finding, m)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _console(buffer: io.StringIO, color: bool, width: int) -> Console:
    return Console(
        file=buffer,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def _print_finding(console: Console, finding: Finding, m: Messages) -> None:
    """A finding with every continuation line indented under it, at any width.

    The finding comes already in the reader's language (:mod:`envcheck.render.localize`);
    ``m`` looks up the words this layout adds ("Fix: ", "also explains") and, for a caller
    that did not localize, the catalogue's own titles and fix lines.
    """
    _ = m.gettext
    mark, style = MARKS[finding.severity]
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(f"  {mark} ", style=style),
                 Text.assemble((_(finding.title), style), (f"  [{finding.id}]", "dim")))
    console.print(grid)
    if finding.detail:
        for paragraph in finding.detail.splitlines():
            _print_under(console, paragraph)
    for consequence in finding.consequences:
        _print_under(console, _("↳ also explains: {consequence}").format(
            consequence=_(consequence)), style="dim")
    for fix in finding.fixes:
        _print_under(console, _(fix.summary), head=_("Fix: "))
        for command in fix.commands:
            # Never wrapped: a command must survive copy and paste whole.
            console.print(Text(f"        $ {command}", style="bold cyan"), soft_wrap=True)
        if fix.url:
            console.print(Padding(Text(fix.url, style="dim"), (0, 0, 0, 8)))


def _print_under(console: Console, text: str, style: str = "", head: str = "") -> None:
    """``head`` (bold) and ``text`` indented under a finding's title, wrapped at the console's
    width.

    Text with wide (CJK) characters, or with a word longer than the line, is wrapped by
    terminal cells (:func:`wrap_cells`) or at spaces: rich would fold a run without spaces (a
    long path, or one glued to Chinese punctuation) in the middle, and a copied path or a
    report read back would be wrong. A word longer than the line runs past it instead.
    """
    indent, width = 6, console.width
    line = head + text
    longest = max((cell_len(word) for word in line.split()), default=0)
    if cell_len(line) == len(line) and longest <= width - indent:
        console.print(Padding(Text.assemble((head, "bold"), (text, style)) if head
                              else Text(text, style=style), (0, 0, 0, indent)))
        return
    margin = " " * indent
    if cell_len(line) != len(line):
        lines = wrap_cells(margin + line, max(width, indent + 20), indent)
    else:
        lines = textwrap.wrap(line, width=max(width, indent + 20), initial_indent=margin,
                              subsequent_indent=margin, break_long_words=False,
                              break_on_hyphens=False) or [margin]
    first = lines[0]
    if head and first.startswith(margin + head):
        console.print(Text.assemble((margin + head, "bold"),
                                    (first[len(margin + head):], style)), soft_wrap=True)
    else:
        console.print(Text(first, style=style), soft_wrap=True)
    for rest in lines[1:]:
        console.print(Text(rest, style=style), soft_wrap=True)


def verdict_line(report: Report, m: Messages | None = None) -> Text:
    """The one-line verdict that ends the report (in ``m``'s language; English by default)."""
    m = m or messages("en")
    _ = m.gettext
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    warnings = [f for f in report.findings if f.severity is Severity.WARNING]
    if errors:
        counts = _plural(m, len(errors), "error") + (
            _(", {more}").format(more=_plural(m, len(warnings), "warning")) if warnings else ""
        )
        return Text.assemble(("✗ ", "bold red"), (_("{counts}. Start with: {title}").format(
            counts=counts, title=_(errors[0].title)), "bold"))
    if warnings:
        first = _("{counts}, no errors. First: {title}").format(
            counts=_plural(m, len(warnings), "warning"), title=_(warnings[0].title))
        return Text.assemble(("! ", "bold yellow"), (first, "bold"))
    if any(f.id == "probe.paste_unreadable" for f in report.findings):
        # Nothing was read: no verdict either way.
        return Text.assemble(("? ", "bold yellow"),
                             (_("Nothing in the paste could be read."), "bold"))
    what = (
        "The pasted report shows no problem."
        if report.source == "explain"
        else "No problems found."
    )
    return Text.assemble(("✓ ", "bold green"), (_(what), "bold"))


def _plural(m: Messages, count: int, word: str) -> str:
    """``1 error``, ``2 errors``: ``word`` is ``error``, ``warning`` or ``note``."""
    forms = {"error": ("{n} error", "{n} errors"), "warning": ("{n} warning", "{n} warnings"),
             "note": ("{n} note", "{n} notes")}[word]
    return m.ngettext(*forms, count).format(n=count)


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`)."""
    return render_text(report, verbose=options.verbose, color=options.color, width=options.width,
                       appendix=options.appendix, lang=options.lang)
