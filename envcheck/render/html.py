"""One self-contained HTML page for people who would rather look than read.

No scripts, fonts, images or style sheets from anywhere: the styles are inline, so the page
opens the same offline and in a mail attachment. It holds what the markdown report holds,
including the data block, so ``envcheck explain`` reads a saved page back too.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from envcheck.model import Finding, ProbeStatus, Report, Severity
from envcheck.render import Appendix, RenderOptions
from envcheck.render.values import fact_lines, ordered_sections
from envcheck.report_data import embed

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1b1f23;line-height:1.45}
h1{font-size:1.4rem}.verdict{font-size:1.15rem;font-weight:600;padding:.6rem .9rem;
border-radius:6px}.ok{background:#e6f4ea}.warning{background:#fff4d6}.error{background:#fde7e9}
.finding{border-left:4px solid #999;padding:.2rem 1rem;margin:1rem 0}
.finding.error{border-color:#d1242f}.finding.warning{border-color:#bf8700}
.finding.info{border-color:#0969da;background:none}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto}.id{color:#57606a}
table{border-collapse:collapse;margin:.5rem 0}td{border-top:1px solid #d0d7de;
padding:.2rem .6rem;vertical-align:top}td:first-child{color:#57606a;white-space:nowrap}
summary{cursor:pointer;font-weight:600;margin:.4rem 0}.unknown{color:#57606a;font-style:italic}
"""
_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "•"}


def _finding(finding: Finding) -> list[str]:
    out = [
        f'<div class="finding {finding.severity.label}">',
        f"<h3>{_MARK[finding.severity]} {escape(finding.title)}</h3>",
        f'<p class="id"><code>{escape(finding.id)}</code> · {finding.severity.label}</p>',
    ]
    out += [f"<p>{escape(p)}</p>" for p in finding.detail.splitlines() if p.strip()]
    if finding.consequences:
        out.append("<ul>")
        out += [f"<li>also explains: {escape(c)}</li>" for c in finding.consequences]
        out.append("</ul>")
    for fix in finding.fixes:
        out.append(f"<p><strong>Fix:</strong> {escape(fix.summary)}</p>")
        if fix.commands:
            out.append("<pre>" + escape("\n".join(fix.commands)) + "</pre>")
        if fix.url:
            # Shown as text, not a link: the page must not point the reader at the network.
            out.append(f"<p><code>{escape(fix.url)}</code></p>")
    out.append("</div>")
    return out


def render_html(report: Report, *, verbose: bool = False,
                appendix: Sequence[Appendix] = ()) -> str:
    """The report as one HTML page with inline styles and no external resources."""
    what = "explain" if report.source == "explain" else "doctor"
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in report.findings if f.severity is Severity.WARNING)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>envcheck {what} report: {report.verdict}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>envcheck {what} report <small>(envcheck {escape(report.tool_version)})</small></h1>",
        f'<p class="verdict {report.verdict}">Verdict: {report.verdict} — {errors} error(s), '
        f"{warnings} warning(s)</p>",
    ]
    if report.target.python and report.source == "doctor":
        out.append(f"<p>Inspected interpreter: <code>{escape(report.target.python)}</code> "
                   f"({escape(report.target.env_type or 'unknown env')})</p>")
    if report.findings:
        out.append("<h2>Problems and fixes</h2>")
        for finding in report.findings:
            out += _finding(finding)
    else:
        out.append("<p>No problems found.</p>")
    out.append("<h2>Facts</h2>")
    for section in ordered_sections(report):
        lines = fact_lines(report, section, verbose)
        if not lines:
            continue
        out += [f"<details><summary>{escape(section)}</summary>", "<table>"]
        for label, value, note in lines:
            cell = (f'<span class="unknown">unknown: {escape(note)}</span>' if note
                    else escape(value))
            out.append(f"<tr><td>{escape(label)}</td><td>{cell}</td></tr>")
        out += ["</table>", "</details>"]
    troubled = [p for p in report.probes if p.status is not ProbeStatus.OK]
    if troubled:
        out += ["<details><summary>Probes not run to the end</summary>", "<ul>"]
        out += [f"<li><code>{escape(p.id)}</code>: {p.status.value}"
                + (f" — {escape(p.note)}" if p.note else "") + "</li>" for p in troubled]
        out += ["</ul>", "</details>"]
    for item in appendix:
        out += [f"<h2>{escape(item.title)}</h2>", "<pre>" + escape(item.text.rstrip()) + "</pre>"]
    if report.unparsed:
        out += ["<details><summary>Not understood</summary>",
                "<pre>" + escape("\n".join(report.unparsed)) + "</pre>", "</details>"]
    out += [embed(report), "</body></html>"]
    return "\n".join(out) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`)."""
    return render_html(report, verbose=options.verbose, appendix=options.appendix)
