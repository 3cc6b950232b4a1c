"""The report in the reader's language: the same report with its words translated.

Only the words change (finding titles, details, fix summaries and what a finding also
explains; probe titles and notes; the note on a fact). Ids, severities, fact keys and
values, commands, paths and URLs stay exactly as they are, so a Chinese report and an
English one diff cleanly and ``explain`` reads both. English is the report itself.
"""

from __future__ import annotations

from dataclasses import replace

from envcheck.i18n import DEFAULT, Messages, Msg, messages
from envcheck.model import Finding, Fix, ProbeResult, Report


def localize_finding(finding: Finding, m: Messages, missing: set[str] | None = None) -> Finding:
    """``finding`` with its words in ``m``'s language."""
    return replace(
        finding,
        title=m.say(finding.title, missing),
        detail=m.say(finding.detail, missing) if finding.detail else "",
        consequences=tuple(m.say(c, missing) for c in finding.consequences),
        fixes=tuple(localize_fix(fix, m, missing) for fix in finding.fixes),
    )


def localize_fix(fix: Fix, m: Messages, missing: set[str] | None = None) -> Fix:
    """``fix`` with its summary in ``m``'s language (its commands and URL untouched)."""
    return replace(fix, summary=m.say(fix.summary, missing))


def _probe(probe: ProbeResult, m: Messages, missing: set[str] | None) -> ProbeResult:
    note = m.say(probe.note, missing) if probe.note else probe.note
    return replace(probe, title=m.say(probe.title, missing), note=note)


def localize(report: Report, lang: str, missing: set[str] | None = None) -> Report:
    """``report`` in ``lang``; the same object for English."""
    if lang == DEFAULT:
        return report
    m = messages(lang)
    return replace(
        report,
        findings=tuple(localize_finding(f, m, missing) for f in report.findings),
        probes=tuple(_probe(p, m, missing) for p in report.probes),
        notes={key: m.say(note, missing) for key, note in report.notes.items()},
        # The lines are the user's own text; only envcheck's count of the rest is a message.
        unparsed=tuple(m.say(u, missing) if isinstance(u, Msg) else u for u in report.unparsed),
    )
