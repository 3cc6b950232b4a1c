"""Build a Report from a pasted text: the explain parsers' facts, then the doctor's rules.

envcheck's own reports (its JSON, or markdown/HTML carrying the data block) are read back as
written, so explain reaches exactly the findings of the run that wrote them; from its text
report, which holds only headline facts, the findings are taken as printed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from envcheck import __version__
from envcheck.i18n import Msg
from envcheck.model import Report, Target

if TYPE_CHECKING:
    from envcheck.explain import ExplainResult


def explain_report(paste: str | bytes) -> Report:
    """Parse a paste into facts, diagnose them with the same rules as the doctor.

    Bytes are decoded first (UTF-8, UTF-16, GB18030 ...; see :mod:`envcheck.explain.decode`)
    and the encoding is recorded in the ``explain.encoding`` fact. envcheck's own reports
    (JSON, or markdown/HTML with their facts block) are read back exactly.
    """
    from envcheck.explain.decode import decode_paste
    from envcheck.explain.envcheck_report import read_envcheck_report
    from envcheck.fix_writer import planner_fix_writer
    from envcheck.rules import diagnose

    decoded = decode_paste(paste) if isinstance(paste, bytes) else None
    text = decoded.text if decoded is not None else str(paste)
    own = read_envcheck_report(text)
    if own is not None:
        return Report(
            tool_version=__version__,
            host=own.host,
            target=own.target,
            probes=own.probes,
            facts=own.facts,
            notes=own.notes,
            findings=diagnose(own.facts, own.notes, own.probes, planner_fix_writer()),
            source="explain",
        )
    from envcheck.explain import explain_text
    from envcheck.explain.envcheck_text import read_envcheck_text

    parsed = explain_text(text)
    if decoded is not None:
        facts = {**parsed.facts, "explain.encoding": decoded.encoding}
        notes = dict(parsed.notes)
        if decoded.note:
            notes["explain.encoding"] = decoded.note
        parsed = replace(parsed, facts=facts, notes=notes)
    # envcheck's terminal report shows only headline facts but every finding in full: its
    # findings are read as written, so explain agrees with the run that printed it.
    own_text = read_envcheck_text(text)
    if own_text is not None:
        parsed = _without_claims_from(parsed, own_text.lines)
    findings = (
        own_text.findings
        if own_text
        else diagnose(parsed.facts, parsed.notes, (), planner_fix_writer())
    )
    env_type = parsed.facts.get("python.env_type")
    return Report(
        tool_version=__version__,
        host=None,
        target=Target(
            python=None,
            env_type=env_type if isinstance(env_type, str) else None,
            chosen_by="pasted report",
        ),
        probes=(),
        facts=parsed.facts,
        notes=parsed.notes,
        findings=findings,
        unparsed=() if own_text else tuple(parsed.unparsed),
        source="explain",
    )


def _without_claims_from(parsed: ExplainResult, lines: range) -> ExplainResult:
    """``parsed`` without the claims read from ``lines``: the lines of an envcheck report in
    the paste are envcheck's words ("编译时的 CUDA 版本", "torch is a CPU-only build"), not
    what the reporter says happened."""
    claims = parsed.facts.get("explain.claims")
    if not isinstance(claims, list):
        return parsed
    kept = [c for c in claims if not (isinstance(c, dict) and isinstance(c.get("line"), int)
                                      and c["line"] - 1 in lines)]
    if len(kept) == len(claims):
        return parsed
    facts = {k: v for k, v in parsed.facts.items() if k != "explain.claims" or kept}
    notes = {k: v for k, v in parsed.notes.items() if k != "explain.claims" or kept}
    if kept:
        facts["explain.claims"] = kept
        lenient = Msg("read leniently from the text (line {line})", line=kept[0]["line"])
        note = notes.get("explain.claims")
        if isinstance(note, Msg) and note.msgid == lenient.msgid:  # names the first claim's
            notes["explain.claims"] = lenient
    return replace(parsed, facts=facts, notes=notes)
