"""Rules: pure functions from facts (and recipes) to findings, most important first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from envcheck.model import Finding, ProbeResult


def diagnose(
    facts: Mapping[str, object], notes: Mapping[str, str], probes: Sequence[ProbeResult]
) -> tuple[Finding, ...]:
    """Turn facts into ordered findings (the first error is the primary cause)."""
    return ()
