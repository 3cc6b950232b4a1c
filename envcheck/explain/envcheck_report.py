"""Read envcheck's own reports back exactly: its JSON, or the data block in its markdown/HTML.

A maintainer who runs ``envcheck explain`` on a user's envcheck report must see the findings
that user's run saw. Reading the tables again with the lenient parsers loses detail, so the
facts, notes and probe statuses are taken as written (JSON read as JSON; markdown and HTML
carry :mod:`envcheck.report_data`'s block) and the same rules run on them. Strict reading of a
format we wrote ourselves beats lenient reading of the same text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envcheck.explain.untranslate import to_english
from envcheck.model import FactValue, ProbeResult, ProbeStatus, Target
from envcheck.report_data import extract


@dataclass(frozen=True)
class ReadBack:
    """What an envcheck report said about its machine (before any rule runs)."""

    tool_version: str
    source: str
    host: str | None
    target: Target
    probes: tuple[ProbeResult, ...]
    facts: Mapping[str, FactValue]
    notes: Mapping[str, str]
    form: str
    """``json`` or ``markdown`` (the data block): how the report was read."""


def _as_json_report(text: str) -> dict[str, Any] | None:
    stripped = text.strip().lstrip("\ufeff")
    if not stripped.startswith("{"):
        return None
    try:
        data = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        return None
    tool = data.get("tool")
    if not (isinstance(tool, dict) and tool.get("name") == "envcheck"):
        return None
    return data


def _probe(item: object) -> ProbeResult | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    try:
        status = ProbeStatus(item.get("status"))
    except ValueError:
        return None
    duration = item.get("duration_s")
    note = item.get("note")
    title = item.get("title")
    more_time = item.get("more_time")
    return ProbeResult(
        id=item["id"],
        title=to_english(title) if isinstance(title, str) else item["id"],
        status=status,
        duration_s=float(duration) if isinstance(duration, (int, float)) else 0.0,
        note=to_english(note) if isinstance(note, str) else None,
        more_time=tuple(more_time) if isinstance(more_time, list) and all(
            isinstance(a, str) for a in more_time) else (),
    )


def _target(data: Mapping[str, Any]) -> Target:
    raw = data.get("target")
    target = raw if isinstance(raw, dict) else {}

    def text(key: str) -> str | None:
        value = target.get(key)
        return value if isinstance(value, str) else None

    return Target(text("python"), text("env_type"), text("chosen_by") or "pasted report")


def read_envcheck_report(text: str) -> ReadBack | None:
    """The facts of an envcheck JSON report or data block in ``text``; None if it holds none."""
    data = _as_json_report(text)
    form = "json"
    if data is None:
        data = extract(text)
        form = "markdown"
    if data is None:
        return None
    facts = {str(k): v for k, v in data["facts"].items()}
    raw_notes = data.get("notes")
    # A report written in another language (--lang zh) has its notes in that language: the
    # rules read notes in English, so they are put back (ids, keys and values never change).
    notes = (
        {str(k): to_english(v) for k, v in raw_notes.items() if isinstance(v, str)}
        if isinstance(raw_notes, dict) else {}
    )
    raw_probes = data.get("probes")
    probes = tuple(
        p for p in (_probe(item) for item in (raw_probes if isinstance(raw_probes, list) else []))
        if p is not None
    )
    tool = data.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else data.get("tool_version")
    host = data.get("host")
    source = data.get("source")
    return ReadBack(
        tool_version=version if isinstance(version, str) else "unknown",
        source=source if isinstance(source, str) else "doctor",
        host=host if isinstance(host, str) else None,
        target=_target(data),
        probes=probes,
        facts=facts,
        notes=notes,
        form=form,
    )
