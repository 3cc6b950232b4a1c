"""Benchmark findings are ordinary findings: category ``bench``, ids ``bench.<slug>``.

The bench's telemetry, correctness and verdict checks report through the same
:class:`~envcheck.model.Finding` the doctor's rules use, so a finding reads the same wherever
it appears (the bench's ``findings`` list has the doctor's JSON shape) and its id is public
and stable like the doctor's.
"""

from __future__ import annotations

from envcheck.catalogue import finding
from envcheck.model import Finding, Fix, Severity


def bench_finding(slug: str, severity: Severity, title: str, detail: str = "",
                  fixes: tuple[Fix, ...] = ()) -> Finding:
    """A finding of the ``bench`` category with the id ``bench.<slug>`` (declared in
    :mod:`envcheck.catalogue`, like every public finding id)."""
    return finding(f"bench.{slug}", severity, title=title, detail=detail, fixes=fixes)
