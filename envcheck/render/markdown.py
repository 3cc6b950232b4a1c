"""The report to paste into a GitHub issue: verdict, problems with fixes, facts folded away.

Order follows what the reader of a bug report needs: the verdict, then each problem with its
fix, then the facts inside ``<details>`` blocks, then the data block that lets
``envcheck explain`` read the report back exactly (:mod:`envcheck.report_data`). The whole
text stays within :data:`MAX_CHARS` (an issue body's limit): when it would not, the least
useful parts go first and a line says what was trimmed. The CLI redacts the report before
calling this (``--no-redact`` keeps it as is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from envcheck.i18n import Messages, messages
from envcheck.model import ProbeStatus, Report, Severity
from envcheck.render import Appendix, RenderOptions
from envcheck.render.values import fact_lines, ordered_sections, said
from envcheck.report_data import MARKER, VERSION, dumps_compact, report_data

MAX_CHARS = 65_536
"""GitHub's limit on an issue or comment body."""

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
_LONG_VALUE = 400
"""Strings in the data block longer than this are shortened when nothing else fits."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _plural(m: Messages, count: int, word: str) -> str:
    forms = {"error": ("{n} error", "{n} errors"), "warning": ("{n} warning", "{n} warnings"),
             "note": ("{n} note", "{n} notes")}[word]
    return m.ngettext(*forms, count).format(n=count)


def _head(report: Report, m: Messages) -> list[str]:
    _ = m.gettext
    what = "explain" if report.source == "explain" else "doctor"
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    out = [
        _("### envcheck {what} report (envcheck {version})").format(
            what=what, version=report.tool_version),
        "",
        _("**Verdict: {verdict}** — {errors}, {warnings}, {notes}.").format(
            verdict=report.verdict, errors=_plural(m, counts[Severity.ERROR], "error"),
            warnings=_plural(m, counts[Severity.WARNING], "warning"),
            notes=_plural(m, counts[Severity.INFO], "note")),
    ]
    if report.target.python and report.source == "doctor":
        out.append(_("Inspected interpreter: `{python}` ({env}, chosen by {chosen_by})").format(
            python=report.target.python, env=report.target.env_type or _("unknown env"),
            chosen_by=report.target.chosen_by))
    out.append("")
    return out


def _findings(report: Report, m: Messages) -> list[str]:
    _ = m.gettext
    out: list[str] = []
    for finding in report.findings:
        out.append(f"#### {_ICON[finding.severity]} {_(finding.title)}")
        out.append(f"`{finding.id}` · {finding.severity.label} · {finding.category.value}")
        if finding.detail:
            out += ["", finding.detail]
        if finding.consequences:
            out.append("")
            out += [_("- also explains: {consequence}").format(consequence=_(c))
                    for c in finding.consequences]
        for fix in finding.fixes:
            out += ["", _("**Fix:** {summary}").format(summary=_(fix.summary))]
            if fix.commands:
                out += ["```", *fix.commands, "```"]
            if fix.url:
                out.append(fix.url)
        out.append("")
    return out


def _facts(report: Report, verbose: bool, m: Messages) -> list[str]:
    _ = m.gettext
    out: list[str] = []
    for section in ordered_sections(report):
        lines = fact_lines(report, section, verbose)
        if not lines:
            continue
        out += [f"<details><summary>{_(section)}</summary>", "", "| | |", "|---|---|"]
        for label, value, note in lines:
            shown = _("unknown: {note}").format(note=note) if note else said(m, value)
            out.append(f"| {_cell(_(label))} | {_cell(shown)} |")
        out += ["", "</details>"]
    troubled = [p for p in report.probes if p.status is not ProbeStatus.OK]
    if troubled:
        out += [f"<details><summary>{_('Probes not run to the end')}</summary>", ""]
        out += [f"- `{p.id}`: {p.status.value}" + (f" — {_cell(p.note)}" if p.note else "")
                for p in troubled]
        out += ["", "</details>"]
    return out


def _unparsed(report: Report, m: Messages) -> list[str]:
    if not report.unparsed:
        return []
    return [f"<details><summary>{m.gettext('Not understood')}</summary>", "", "```",
            *report.unparsed, "```", "", "</details>"]


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _LONG_VALUE:
        return value[:_LONG_VALUE] + "…"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value[:50]]
    return value


def _data_block(report: Report, short: bool) -> list[str]:
    data = report_data(report)
    if short:
        data["facts"] = _shorten(data["facts"])
        data["notes"] = _shorten(data["notes"])
    return ["", f"<!-- {MARKER} v{VERSION} {dumps_compact(data)} -->"]


def _appendix(appendix: Sequence[Appendix], m: Messages) -> list[str]:
    out: list[str] = []
    for item in appendix:
        out += [f"<details><summary>{m.say(item.title)}</summary>", "", "```",
                item.text.rstrip(), "```", "", "</details>"]
    return out


def render_markdown(report: Report, *, verbose: bool = False, limit: int = MAX_CHARS,
                    appendix: Sequence[Appendix] = (), lang: str = "en") -> str:
    """Render the report as GitHub-flavoured markdown of at most ``limit`` characters, in
    ``lang``; the data block that ``explain`` reads back is the same in every language."""
    m = messages(lang)
    _ = m.gettext
    steps: list[tuple[str, Callable[[], tuple[list[str], list[str], bool]]]] = [
        ("", lambda: (_facts(report, verbose, m), _unparsed(report, m), False)),
        *([("the facts shown with -v",
             lambda: (_facts(report, False, m), _unparsed(report, m), False))] if verbose else []),
        ("the text no parser understood",
         lambda: (_facts(report, False, m), [], False)),
        ("the fact tables (the data block below still holds every fact)",
         lambda: ([], [], False)),
        ("long values in the data block", lambda: ([], [], True)),
    ]
    trimmed: list[str] = []
    text = ""
    for what, build in steps:
        if what:
            trimmed.append(_(what))
        facts, unparsed, short = build()
        note = ([_("_Trimmed to fit an issue body: {what}._").format(what=_("; ").join(trimmed)),
                 ""] if trimmed else [])
        body = [*_head(report, m), *note, *_findings(report, m), *facts, *_appendix(appendix, m),
                *unparsed, *_data_block(report, short)]
        text = "\n".join(body) + "\n"
        if len(text) <= limit:
            return text
    cut = "\n\n" + _("_Trimmed to fit an issue body: {what}._").format(
        what=_("the rest of the report")) + "\n"
    return text[: limit - len(cut)] + cut


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`)."""
    return render_markdown(report, verbose=options.verbose, appendix=options.appendix,
                           lang=options.lang)
