"""The report to paste into a GitHub issue: verdict, findings, then facts in collapsed blocks.

The CLI redacts the report before calling this (``--no-redact`` keeps it as is).
"""

from __future__ import annotations

from envcheck.model import Report, Severity
from envcheck.render.values import fact_lines, ordered_sections

_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, *, verbose: bool = False) -> str:
    """Render the report as GitHub-flavoured markdown."""
    out: list[str] = []
    what = "explain" if report.source == "explain" else "doctor"
    out.append(f"### envcheck {what} report (envcheck {report.tool_version})")
    out.append("")
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    out.append(
        f"**Verdict: {report.verdict}** — {counts[Severity.ERROR]} error(s), "
        f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} note(s)."
    )
    if report.target.python and report.source == "doctor":
        out.append(
            f"Inspected interpreter: `{report.target.python}` "
            f"({report.target.env_type or 'unknown env'})"
        )
    out.append("")
    if report.findings:
        out.append("| | Finding | Category | Id |")
        out.append("|---|---|---|---|")
        for finding in report.findings:
            out.append(
                f"| {_ICON[finding.severity]} | {_cell(finding.title)} | "
                f"{finding.category.value} | `{finding.id}` |"
            )
        out.append("")
        for finding in report.findings:
            out.append(f"#### {_ICON[finding.severity]} {finding.title}")
            if finding.detail:
                out.append("")
                out.append(finding.detail)
            for consequence in finding.consequences:
                out.append(f"- also explains: {consequence}")
            for fix in finding.fixes:
                out.append("")
                out.append(f"**Fix:** {fix.summary}")
                if fix.commands:
                    out.append("```")
                    out.extend(fix.commands)
                    out.append("```")
                if fix.url:
                    out.append(fix.url)
            out.append("")
    out.append("<details><summary>Facts</summary>")
    out.append("")
    for section in ordered_sections(report):
        lines = fact_lines(report, section, verbose)
        if not lines:
            continue
        out.append(f"**{section}**")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        for label, value, note in lines:
            shown = f"— ({note})" if note else value
            out.append(f"| {_cell(label)} | {_cell(shown)} |")
        out.append("")
    out.append("</details>")
    if report.unparsed:
        out.append("")
        out.append("<details><summary>Not understood</summary>")
        out.append("")
        out.append("```")
        out.extend(report.unparsed)
        out.append("```")
        out.append("</details>")
    return "\n".join(out) + "\n"
