"""What one report section says at a glance: its headline facts, its unknowns and its mark.

The terminal report shows each section as one line (Flutter doctor's shape): a mark that tells
the truth about the section, then the few facts that matter. ``✓`` needs something known and
nothing wrong; a section where every headline fact is unknown gets ``-``, never ``✓``. Facts
that only say "no error happened" are filler and never shown; facts unknown for the same reason
share one "unknown because" instead of repeating it per fact. Pure functions of a Report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envcheck.fact_keys import CATALOGUE
from envcheck.i18n import Msg
from envcheck.i18n_lists import joined
from envcheck.model import Finding, Report, Severity
from envcheck.probes.env_vars import is_not_set
from envcheck.render.values import format_gpu, format_value, is_filler

HEADLINE: dict[str, tuple[str, ...]] = {
    "System": ("os.distro", "os.arch", "os.container", "os.wsl"),
    "NVIDIA driver & GPUs": ("nvidia.driver_version", "nvidia.cuda_driver_max", "nvidia.gpus"),
    "CUDA toolkit": ("cuda_toolkit.nvcc_version", "cuda_toolkit.nvcc_path"),
    "cuDNN": ("cudnn.torch_version",),
    "Python environment": ("python.version", "python.env_type", "python.env_name",
                           "python.executable"),
    "Packages": ("torch.version", "torch.cuda_build", "torch.installer"),
    "PyTorch runtime": ("torch.cuda_available", "torch.device_count", "torch.mps_available",
                        "torch.kernel_ok"),
    "Package index": ("pip.index_url", "pip.mirror"),
    "Errors seen": ("errors.seen",),
}
"""The facts each section's one line shows (other sections: their set facts)."""

_QUIET_WHEN = {"os.container": ("none",), "os.wsl": ("none",), "torch.mps_available": (False,)}
"""Headline facts worth a word only when they are not the common case."""
_ONLY_WHEN_KNOWN = frozenset({"pip.mirror", "python.env_name", "torch.installer"})
"""Headline facts whose absence says nothing worth a line (no mirror is the common case)."""

OK, WARNING, ERROR, INFO, UNKNOWN = "ok", "warning", "error", "info", "unknown"


@dataclass(frozen=True)
class SectionView:
    """One section, digested: its state, the known facts to show, and grouped unknowns."""

    name: str
    state: str
    """``ok``, ``info``, ``warning``, ``error`` or ``unknown`` (nothing known to vouch for)."""
    known: tuple[tuple[str, str], ...]
    """(label, value) pairs, in catalogue order."""
    unknown: tuple[tuple[str, tuple[str, ...]], ...]
    """(why, labels of the facts unknown for that reason), one entry per reason."""
    findings: tuple[Finding, ...]


def _gpus(value: object) -> str:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return format_value("nvidia.gpus", value)
    names: dict[str, int] = {}
    for gpu in value:
        name = (str(gpu.get("name")) if gpu.get("name") else Msg("unknown GPU")
                ) if isinstance(gpu, Mapping) else str(gpu)
        names[name] = names.get(name, 0) + 1
    if not names:
        return Msg("none")
    return joined(", ", [joined(" × ", (str(n), name)) if n > 1 else name
                         for name, n in names.items()])


def _keys(report: Report, section: str, verbose: bool) -> list[str]:
    keys = [k for k in CATALOGUE if k in report.facts and CATALOGUE[k].section == section]
    keys += sorted(k for k in report.facts if k not in CATALOGUE and section == "Other")
    if verbose:
        return keys
    headline = HEADLINE.get(section)
    if headline is None:  # e.g. environment variables: the ones that are set
        return [k for k in keys if report.facts.get(k) is not None and not k.endswith("_parsed")]
    return [k for k in headline if k in report.facts]


def section_view(report: Report, section: str, findings: Sequence[Finding],
                 verbose: bool = False) -> SectionView:
    """Digest one section for display (headline facts only unless ``verbose``)."""
    known: list[tuple[str, str]] = []
    unknown: dict[str, list[str]] = {}
    for key in _keys(report, section, verbose):
        value = report.facts[key]
        spec = CATALOGUE.get(key)
        label = spec.label if spec else key
        if is_filler(key, value) or (not verbose and value in _QUIET_WHEN.get(key, ())):
            continue
        if value is None and not verbose and key in _ONLY_WHEN_KNOWN:
            continue
        if value is None:
            note = report.notes.get(key) or Msg("not reported")
            if is_not_set(note):
                continue
            unknown.setdefault(note, []).append(label)
            continue
        if key == "nvidia.gpus" and verbose and isinstance(value, list) and value:
            known += [("", format_gpu(gpu)) for gpu in value if isinstance(gpu, Mapping)]
            continue
        shown = _gpus(value) if key == "nvidia.gpus" else format_value(key, value)
        known.append((label, shown))
    # A reason that another extends ("X" and "X and Y") is one reason: keep the fuller one.
    for short in sorted(unknown, key=len):
        longer = [n for n in unknown if n != short and n.startswith(short)]
        if longer:
            unknown[longer[0]] = unknown.pop(short) + unknown[longer[0]]
    worst = max((f.severity for f in findings), default=None)
    if worst is Severity.ERROR:
        state = ERROR
    elif worst is Severity.WARNING:
        state = WARNING
    elif not known and unknown:
        state = UNKNOWN
    elif worst is Severity.INFO:
        state = INFO
    else:
        state = OK
    return SectionView(
        section, state, tuple(known),
        tuple((why, tuple(labels)) for why, labels in unknown.items()), tuple(findings),
    )
