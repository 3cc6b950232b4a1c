"""The probe registry, in display order. Each module inspects one thing."""

from __future__ import annotations

from envcheck.probes.base import Probe


def all_probes() -> list[Probe]:
    """One instance of every probe, in the order the report shows them."""
    return []
