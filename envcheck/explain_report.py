"""Build a Report from a pasted text: the explain parsers' facts, then the doctor's rules."""

from __future__ import annotations

from dataclasses import replace

from envcheck import __version__
from envcheck.model import Report, Target


def explain_report(paste: str | bytes) -> Report:
    """Parse a paste into facts, diagnose them with the same rules as the doctor.

    Bytes are decoded first (UTF-8, UTF-16, GB18030 ...; see :mod:`envcheck.explain.decode`)
    and the encoding is recorded in the ``explain.encoding`` fact.
    """
    from envcheck.explain import explain_text
    from envcheck.explain.decode import decode_paste
    from envcheck.rules import diagnose

    if isinstance(paste, bytes):
        decoded = decode_paste(paste)
        parsed = explain_text(decoded.text)
        facts = {**parsed.facts, "explain.encoding": decoded.encoding}
        notes = dict(parsed.notes)
        if decoded.note:
            notes["explain.encoding"] = decoded.note
        parsed = replace(parsed, facts=facts, notes=notes)
    else:
        parsed = explain_text(paste)
    findings = diagnose(parsed.facts, parsed.notes, ())
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
        unparsed=tuple(parsed.unparsed),
        source="explain",
    )
