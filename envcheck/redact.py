"""Remove what should not be pasted publicly: host name, home paths, user names, GPU UUIDs,
credentials in URLs. Pure: returns a new Report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from envcheck.model import Finding, Fix, ProbeResult, Report, Target

_UUID = re.compile(r"\b(GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@:\s]+)(:[^/@\s]*)?@"
)
_HOME = re.compile(r"(?P<root>/home/|/Users/|[A-Za-z]:\\Users\\)(?P<user>[^/\\\s]+)")
_ROOT_HOME = re.compile(r"(?<![\w/])/root(?=/|\b)")


def redact_text(text: str, host: str | None = None) -> str:
    """Redact one string."""
    out = _UUID.sub(lambda m: f"{m.group(1)}-<redacted>", text)
    out = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}***@", out)
    out = _HOME.sub("~", out)
    out = _ROOT_HOME.sub("~", out)
    if host and len(host) > 2:
        out = out.replace(host, "<host>")
    return out


def _redact_value(value: object, host: str | None) -> object:
    if isinstance(value, str):
        return redact_text(value, host)
    if isinstance(value, Mapping):
        return {k: _redact_value(v, host) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(v, host) for v in value]
    return value


def redact_report(report: Report) -> Report:
    """A copy of ``report`` safe to paste into a public issue."""
    host = report.host

    def text(value: str) -> str:
        return redact_text(value, host)

    def finding(f: Finding) -> Finding:
        return replace(
            f,
            title=text(f.title),
            detail=text(f.detail),
            consequences=tuple(text(c) for c in f.consequences),
            fixes=tuple(
                Fix(text(x.summary), tuple(text(c) for c in x.commands), x.url) for x in f.fixes
            ),
        )

    def probe(p: ProbeResult) -> ProbeResult:
        return replace(
            p,
            note=text(p.note) if p.note else p.note,
            facts={k: _redact_value(v, host) for k, v in p.facts.items()},
            notes={k: text(v) for k, v in p.notes.items()},
        )

    return replace(
        report,
        host=None,
        target=Target(
            python=text(report.target.python) if report.target.python else None,
            env_type=report.target.env_type,
            chosen_by=report.target.chosen_by,
        ),
        probes=tuple(probe(p) for p in report.probes),
        facts={k: _redact_value(v, host) for k, v in report.facts.items()},
        notes={k: text(v) for k, v in report.notes.items()},
        findings=tuple(finding(f) for f in report.findings),
        unparsed=tuple(text(u) for u in report.unparsed),
    )
