"""The machine contract: ``--json`` output, schema 1 (documented in the README).

Explicit dict building, so the JSON never changes because a dataclass grew a field.
"""

from __future__ import annotations

import json
from typing import Any

from envcheck.model import Finding, ProbeResult, Report
from envcheck.render import RenderOptions

SCHEMA = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as JSON-ready data."""
    return {
        "id": finding.id,
        "severity": finding.severity.label,
        "category": finding.category.value,
        "title": finding.title,
        "detail": finding.detail,
        "evidence": list(finding.evidence),
        "consequences": list(finding.consequences),
        "fixes": [
            {"summary": fix.summary, "commands": list(fix.commands), "url": fix.url}
            for fix in finding.fixes
        ],
    }


def probe_to_dict(probe: ProbeResult) -> dict[str, Any]:
    """One probe's run record (``more_time`` only for a timed-out probe that has it)."""
    return {
        "id": probe.id,
        "title": probe.title,
        "status": probe.status.value,
        "duration_s": round(probe.duration_s, 3),
        "note": probe.note,
        **({"more_time": list(probe.more_time)} if probe.more_time else {}),
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data (schema 1)."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "envcheck", "version": report.tool_version},
        "source": report.source,
        "host": report.host,
        "verdict": report.verdict,
        "target": {
            "python": report.target.python,
            "env_type": report.target.env_type,
            "chosen_by": report.target.chosen_by,
        },
        "probes": [probe_to_dict(p) for p in report.probes],
        "facts": {key: report.facts[key] for key in sorted(report.facts)},
        "notes": {key: report.notes[key] for key in sorted(report.notes)},
        "findings": [finding_to_dict(f) for f in report.findings],
    }
    if report.source == "explain":
        data["unparsed"] = list(report.unparsed)
    return data


def render_json(report: Report) -> str:
    """Serialise the report; non-JSON values (should never occur) become strings."""
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False, default=str) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """The registry's entry point (see :mod:`envcheck.render`); JSON has no verbose form.

    An appendix with data (``report --bench``) is added under its name.
    """
    if not any(a.data is not None for a in options.appendix):
        return render_json(report)
    data = report_to_dict(report)
    for appendix in options.appendix:
        if appendix.data is not None:
            data[appendix.name] = dict(appendix.data)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
