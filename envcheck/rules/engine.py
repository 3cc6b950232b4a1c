"""How rule outputs become the final, ordered findings.

Rules return :class:`Candidate` values: a finding, its place in the root-cause order
(``rank``), the symptoms it explains, and, for generic findings that merely report a symptom
("CUDA is not available"), the symptom they stand for. The engine

1. drops a symptom finding when another finding explains that symptom,
2. attaches each observed symptom, as a consequence, to the first finding that explains it
   (so one root cause is reported once, with what it causes),
3. orders errors, then warnings, then info; within a severity by rank (root causes first).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from envcheck.i18n import Msg
from envcheck.model import Finding, Severity
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import SYMPTOMS, short

# Root-cause order: a finding of a lower rank explains findings of higher ranks.
RANK_PLATFORM_HOST = 10
"""WSL1, a container without the GPU runtime: nothing GPU-related can work."""
RANK_NO_DRIVER = 20
RANK_DRIVER_TOO_OLD = 30
RANK_PYTHON = 35
RANK_CPU_BUILD = 40
RANK_ARCH = 50
RANK_VISIBLE = 60
RANK_MIG = 65
RANK_ENV_CONFLICT = 70
RANK_CUDNN = 75
RANK_TORCH_SPECIFIC = 80
RANK_NVCC = 85
RANK_SYMPTOM = 90
RANK_PROBE = 95
RANK_INFO = 100


@dataclass(frozen=True)
class Candidate:
    """A finding a rule proposes, with what the engine needs to order and merge it."""

    finding: Finding
    rank: int
    explains: frozenset[str] = field(default_factory=frozenset)
    symptom: str | None = None
    """Set on generic findings that only report this symptom; dropped when it is explained."""


def observed_symptoms(view: FactsView) -> dict[str, str]:
    """Symptom key → the consequence text, for every symptom the facts show."""
    out: dict[str, str] = {}
    torch_present = view.torch is not None or view.has("torch.runtime_version")
    if view.bool_("torch.cuda_available") is False:
        out["cuda_unavailable"] = SYMPTOMS["cuda_unavailable"]
    if view.bool_("torch.kernel_ok") is False:
        error = view.str_("torch.kernel_error")
        out["kernel_failed"] = (
            Msg("{symptom} ({error})", symptom=SYMPTOMS["kernel_failed"], error=short(error))
            if error
            else SYMPTOMS["kernel_failed"]
        )
    elif (
        torch_present
        and "torch.kernel_ok" in view.facts  # doctor ran its kernel test (explain has none)
        and view.bool_("torch.cuda_available") is False
        and view.has_gpu
    ):
        out["kernel_not_run"] = SYMPTOMS["kernel_not_run"]
    import_error = view.str_("torch.import_error")
    if import_error and "torch_missing" not in view.signature_kinds:
        out["import_failed"] = _quoting(SYMPTOMS["import_failed"], short(import_error))
    for sig in view.signatures:
        if sig.kind in SYMPTOMS and sig.kind not in out:
            quoted = short(sig.text, 140)
            out[sig.kind] = _quoting(SYMPTOMS[sig.kind], quoted) if quoted else SYMPTOMS[sig.kind]
    return out


def _quoting(symptom: str, error: str) -> str:
    """``<symptom>: <the error text, as the tool printed it>``."""
    return Msg("{symptom}: {error}", symptom=symptom, error=error)


def finalize(view: FactsView, candidates: Iterable[Candidate]) -> tuple[Finding, ...]:
    """Merge, attach consequences and order (see the module docstring)."""
    symptoms = observed_symptoms(view)
    ordered = sorted(candidates, key=lambda c: (c.rank, -c.finding.severity))
    kept: list[Candidate] = []
    ids: set[str] = set()
    for candidate in ordered:
        if candidate.finding.id in ids:
            continue
        if candidate.symptom is not None and any(
            candidate.symptom in other.explains for other in kept
        ):
            continue
        kept.append(candidate)
        ids.add(candidate.finding.id)
    # Symptom findings that are explained by a later-ranked finding are dropped too.
    kept = [
        c
        for c in kept
        if c.symptom is None
        or not any(c.symptom in o.explains for o in kept if o is not c and o.symptom is None)
    ]
    attached: set[str] = set()
    findings: list[tuple[int, Finding]] = []
    for candidate in kept:
        consequences = list(candidate.finding.consequences)
        if candidate.finding.severity >= Severity.WARNING:
            for key in sorted(candidate.explains, key=_symptom_order):
                if key in symptoms and key not in attached and key != candidate.symptom:
                    attached.add(key)
                    if symptoms[key] not in consequences:
                        consequences.append(symptoms[key])
        finding = dataclasses.replace(candidate.finding, consequences=tuple(consequences))
        findings.append((candidate.rank, finding))
    findings.sort(key=lambda item: (-item[1].severity, item[0]))
    return tuple(finding for _, finding in findings)


_ORDER = list(SYMPTOMS)


def _symptom_order(key: str) -> int:
    return _ORDER.index(key) if key in _ORDER else len(_ORDER)
