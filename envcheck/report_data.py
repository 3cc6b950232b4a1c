"""The facts a report rests on, in a compact block that travels inside markdown and HTML.

A pasted markdown report is read back by ``envcheck explain`` and ``envcheck diff``; tables
written for people lose detail (units, joined lists), so the writer also embeds the facts, their
notes, the probes' statuses and the target as one line of JSON inside an HTML comment. GitHub
hides the comment; the JSON is plain (not encoded) so whoever pastes it can read what it holds,
and it is built from the same (redacted) Report as the rest of the page.

Pure: the renderers call :func:`embed`, the explain reader calls :func:`extract`. Neither
layer imports the other; this module is the contract between them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from envcheck.model import ProbeStatus, Report

MARKER = "envcheck-report-data"
VERSION = 1
_QUOTED = (ProbeStatus.FAILED, ProbeStatus.TIMED_OUT)
_BLOCK = re.compile(r"<!--\s*" + MARKER + r"\s+v(?P<version>\d+)\s+(?P<body>\{.*?\})\s*-->",
                    re.DOTALL)


def report_data(report: Report) -> dict[str, Any]:
    """What explain needs to reach the same findings: target, probes, facts and notes."""
    return {
        "schema": VERSION,
        "tool_version": report.tool_version,
        "source": report.source,
        "target": {
            "python": report.target.python,
            "env_type": report.target.env_type,
            "chosen_by": report.target.chosen_by,
        },
        # Title, note and time only where a finding quotes them (a probe that failed or timed
        # out); the tables above already say how the others went.
        "probes": [
            {"id": p.id, "status": p.status.value,
             **({"title": p.title, "note": p.note, "duration_s": round(p.duration_s, 3)}
                if p.status in _QUOTED else {}),
             **({"more_time": list(p.more_time)} if p.more_time else {})}
            for p in report.probes
        ],
        "facts": {key: report.facts[key] for key in sorted(report.facts)},
        "notes": {key: report.notes[key] for key in sorted(report.notes)},
    }


def dumps_compact(data: dict[str, Any]) -> str:
    """One line of JSON that cannot end an HTML comment (``--`` is written ``-\\u002d``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("--", "-\\u002d")


def embed(report: Report) -> str:
    """The HTML comment carrying ``report``'s facts."""
    return f"<!-- {MARKER} v{VERSION} {dumps_compact(report_data(report))} -->"


def extract(text: str) -> dict[str, Any] | None:
    """The data of the first block in ``text``, or None when there is none (or it is damaged)."""
    for match in _BLOCK.finditer(text):
        if int(match.group("version")) != VERSION:
            continue
        try:
            data = json.loads(match.group("body"))
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("facts"), dict):
            return data
    return None
