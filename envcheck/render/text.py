"""The terminal report: sections with ✓ / ! / ✗, facts, findings with causes and fix commands.

Pure: builds the output in a rich Console that writes to a string; the CLI prints it.
Fact text is never interpreted as rich markup (paths may contain brackets).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from envcheck.model import Finding, ProbeStatus, Report, Severity
from envcheck.render import RenderOptions
from envcheck.render.values import fact_lines, ordered_sections, section_of_finding

MARKS = {
    Severity.ERROR: ("✗", "bold red"),
    Severity.WARNING: ("!", "bold yellow"),
    Severity.INFO: ("•", "cyan"),
}
OK_MARK = ("✓", "bold green")


def render_text(
    report: Report, *, verbose: bool = False, color: bool = False, width: int = 100
) -> str:
    """Render the whole report for a terminal."""
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    title = "envcheck explain" if report.source == "explain" else "envcheck doctor"
    head = Text(f"{title} {report.tool_version}", style="bold")
    if report.target.python and report.source == "doctor":
        head.append(f" — inspecting {report.target.python}", style="dim")
        if report.target.chosen_by != "current":
            head.append(f" (from {report.target.chosen_by})", style="dim")
    console.print(head)

    by_section: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_section.setdefault(section_of_finding(finding), []).append(finding)

    for section in ordered_sections(report):
        findings = by_section.get(section, [])
        worst = max((f.severity for f in findings), default=None)
        mark, style = MARKS[worst] if worst and worst > Severity.INFO else OK_MARK
        console.print()
        console.print(Text.assemble((f"[{mark}] ", style), (section, "bold")))
        for label, value, note in fact_lines(report, section, verbose):
            line = Text()
            if label:
                line.append(f"{label}: ", style="dim")
            if note:
                line.append(note, style="dim")
            else:
                line.append(value)
            console.print(Padding(line, (0, 0, 0, 4)))
        for finding in findings:
            _print_finding(console, finding)

    summary = by_section.get("Summary", [])
    if summary:
        console.print()
        console.print(Text("[•] Other findings", style="bold"))
        for finding in summary:
            _print_finding(console, finding)

    troubled = [p for p in report.probes if p.status in (ProbeStatus.FAILED, ProbeStatus.TIMED_OUT)]
    if troubled or verbose:
        console.print()
        console.print(Text("Probes", style="bold"))
        for probe in report.probes:
            if probe.status is ProbeStatus.OK and not verbose:
                continue
            note = f" — {probe.note}" if probe.note else ""
            console.print(
                Text(f"    {probe.id}: {probe.status.value} ({probe.duration_s:.2f} s){note}")
            )
    if report.unparsed:
        console.print()
        console.print(Text("Not understood in the pasted text", style="bold"))
        for piece in report.unparsed:
            console.print(Text(f"    {piece}", style="dim"))
    console.print()
    console.print(verdict_line(report))
    # Padding fills lines to the console width; trailing blanks only get in the way of pasting.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def render_findings(findings: Sequence[Finding], *, color: bool = False,
                    width: int = 100) -> str:
    """Findings alone, as the report shows them (the bench prints the doctor's diagnosis)."""
    buffer = io.StringIO()
    console = _console(buffer, color, width)
    for finding in findings:
        _print_finding(console, finding)
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


def _print_finding(console: Console, finding: Finding) -> None:
    mark, style = MARKS[finding.severity]
    console.print(
        Text.assemble(("  ", ""), (f"{mark} {finding.title}", style), (f"  [{finding.id}]", "dim"))
    )
    if finding.detail:
        for paragraph in finding.detail.splitlines():
            console.print(Padding(Text(paragraph), (0, 0, 0, 6)))
    for consequence in finding.consequences:
        console.print(Text(f"      ↳ also explains: {consequence}", style="dim"))
    for fix in finding.fixes:
        console.print(Padding(Text.assemble(("Fix: ", "bold"), (fix.summary, "")), (0, 0, 0, 6)))
        for command in fix.commands:
            console.print(Text(f"        $ {command}", style="bold cyan"), soft_wrap=True)
        if fix.url:
            console.print(Text(f"        {fix.url}", style="dim"))


def verdict_line(report: Report) -> Text:
    """The one-line verdict that ends the report."""
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    warnings = [f for f in report.findings if f.severity is Severity.WARNING]
    if errors:
        counts = _plural(len(errors), "error") + (
            f", {_plural(len(warnings), 'warning')}" if warnings else ""
        )
        return Text.assemble(
            ("✗ ", "bold red"), (f"{counts}. Start with: {errors[0].title}", "bold")
        )
    if warnings:
        return Text.assemble(
            ("! ", "bold yellow"),
            (f"{_plural(len(warnings), 'warning')}, no errors. First: {warnings[0].title}", "bold"),
        )
    what = (
        "the pasted report shows no problem"
        if report.source == "explain"
        else ("no problems found")
    )
    return Text.assemble(("✓ ", "bold green"), (what.capitalize() + ".", "bold"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`)."""
    return render_text(report, verbose=options.verbose, color=options.color, width=options.width)
