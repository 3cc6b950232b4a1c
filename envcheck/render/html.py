"""One self-contained HTML page for people who would rather look than read.

No scripts, fonts, images or style sheets from anywhere: the styles are inline, so the page
opens the same offline and in a mail attachment. It holds what the markdown report holds,
including the data block, so ``envcheck explain`` reads a saved page back too.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from envcheck.i18n import Messages, Msg, messages
from envcheck.model import Finding, ProbeStatus, Report, Severity
from envcheck.render import Appendix, RenderOptions
from envcheck.render.values import fact_lines, ordered_sections, said
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
_HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The page's ``lang`` attribute for each language envcheck speaks."""


def _slot(name: str) -> str:
    """A stand-in for markup inside a message, put back after the message is escaped."""
    return f"\x00{name}\x00"


def _html(m: Messages, text: str, **markup: str) -> str:
    """``text`` said in ``m``'s language and escaped, with each slot replaced by its markup."""
    out = escape(m.say(text))
    for name, html in markup.items():
        out = out.replace(_slot(name), html)
    return out


def _gap(label: str) -> str:
    """The space after a label such as ``Fix:`` (none after a Chinese colon)."""
    return "" if label.endswith("：") else " "


def _finding(finding: Finding, m: Messages) -> list[str]:
    out = [
        f'<div class="finding {finding.severity.label}">',
        f"<h3>{_MARK[finding.severity]} {escape(finding.title)}</h3>",
        f'<p class="id"><code>{escape(finding.id)}</code> · {finding.severity.label}</p>',
    ]
    out += [f"<p>{escape(p)}</p>" for p in finding.detail.splitlines() if p.strip()]
    if finding.consequences:
        out.append("<ul>")
        out += [f"<li>{_html(m, Msg('also explains: {consequence}', consequence=c))}</li>"
                for c in finding.consequences]
        out.append("</ul>")
    for fix in finding.fixes:
        label = m.say(Msg("Fix:"))
        out.append(f"<p><strong>{escape(label)}</strong>{_gap(label)}{escape(fix.summary)}</p>")
        if fix.commands:
            out.append("<pre>" + escape("\n".join(fix.commands)) + "</pre>")
        if fix.url:
            # Shown as text, not a link: the page must not point the reader at the network.
            out.append(f"<p><code>{escape(fix.url)}</code></p>")
    out.append("</div>")
    return out


def render_html(report: Report, *, verbose: bool = False,
                appendix: Sequence[Appendix] = (), lang: str = "en") -> str:
    """The report as one HTML page with inline styles and no external resources, its words
    in ``lang`` (the data block that ``explain`` reads back holds the same data in any)."""
    m = messages(lang)
    what = "explain" if report.source == "explain" else "doctor"
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in report.findings if f.severity is Severity.WARNING)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{_HTML_LANG.get(lang, "en")}"><head><meta charset="utf-8">',
        "<title>" + _html(m, Msg("envcheck {what} report: {verdict}", what=what,
                                 verdict=report.verdict)) + "</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_html(m, Msg('envcheck {what} report', what=what))} "
        f"<small>{_html(m, Msg('(envcheck {version})', version=report.tool_version))}"
        "</small></h1>",
        f'<p class="verdict {report.verdict}">'
        + _html(m, Msg("Verdict: {verdict} — {errors} error(s), {warnings} warning(s)",
                       verdict=report.verdict, errors=errors, warnings=warnings)) + "</p>",
    ]
    if report.target.python and report.source == "doctor":
        env = report.target.env_type or Msg("unknown env")
        out.append("<p>" + _html(m, Msg("Inspected interpreter: {python} ({env})",
                                        python=_slot("python"), env=env),
                                 python=f"<code>{escape(report.target.python)}</code>")
                   + "</p>")
    if report.findings:
        out.append(f"<h2>{_html(m, Msg('Problems and fixes'))}</h2>")
        for finding in report.findings:
            out += _finding(finding, m)
    else:
        out.append(f"<p>{_html(m, Msg('No problems found.'))}</p>")
    out.append(f"<h2>{_html(m, Msg('Facts'))}</h2>")
    for section in ordered_sections(report):
        lines = fact_lines(report, section, verbose)
        if not lines:
            continue
        out += [f"<details><summary>{escape(m.gettext(section))}</summary>", "<table>"]
        for label, value, note in lines:
            cell = (f'<span class="unknown">{_html(m, Msg("unknown: {note}", note=note))}</span>'
                    if note else escape(said(m, value)))
            out.append(f"<tr><td>{escape(m.gettext(label))}</td><td>{cell}</td></tr>")
        out += ["</table>", "</details>"]
    troubled = [p for p in report.probes if p.status is not ProbeStatus.OK]
    if troubled:
        out += [f"<details><summary>{_html(m, Msg('Probes not run to the end'))}</summary>",
                "<ul>"]
        out += [f"<li><code>{escape(p.id)}</code>: {p.status.value}"
                + (f" — {escape(p.note)}" if p.note else "") + "</li>" for p in troubled]
        out += ["</ul>", "</details>"]
    for item in appendix:
        out += [f"<h2>{escape(m.say(item.title))}</h2>",
                "<pre>" + escape(item.text.rstrip()) + "</pre>"]
    if report.unparsed:
        out += [f"<details><summary>{_html(m, Msg('Not understood'))}</summary>",
                "<pre>" + escape("\n".join(report.unparsed)) + "</pre>", "</details>"]
    out += [embed(report), "</body></html>"]
    return "\n".join(out) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`)."""
    return render_html(report, verbose=options.verbose, appendix=options.appendix,
                       lang=options.lang)
