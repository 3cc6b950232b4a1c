"""The probe registry, in display order. Each module inspects one thing.

What a probe inspects, whether it needs the target interpreter and whether ``recommend``
runs it are class attributes (:class:`~envcheck.probes.base.Probe`); code that needs them
asks :func:`probe_info` or :func:`recommend_probes` instead of listing probe ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from envcheck.probes.base import Probe


@dataclass(frozen=True)
class ProbeInfo:
    """A probe's metadata (its class attributes), without the probe."""

    id: str
    title: str
    inspects: str
    per_target: bool
    needs_target: bool
    for_recommend: bool


def all_probes() -> list[Probe]:
    """One instance of every probe, in the order the report shows them."""
    from envcheck.probes.cuda_toolkit import CudaToolkitProbe
    from envcheck.probes.cudnn import CudnnProbe
    from envcheck.probes.env_vars import EnvVarsProbe
    from envcheck.probes.nvidia import NvidiaProbe
    from envcheck.probes.packages import PackagesProbe
    from envcheck.probes.pip_index import PipIndexProbe
    from envcheck.probes.python_env import PythonEnvProbe
    from envcheck.probes.system import SystemProbe
    from envcheck.probes.torch_runtime import TorchRuntimeProbe

    return [
        SystemProbe(),
        NvidiaProbe(),
        CudaToolkitProbe(),
        CudnnProbe(),
        PythonEnvProbe(),
        PackagesProbe(),
        TorchRuntimeProbe(),
        EnvVarsProbe(),
        PipIndexProbe(),
    ]


def probe_info() -> Mapping[str, ProbeInfo]:
    """Probe id → its metadata, for every probe in the registry."""
    return {
        p.id: ProbeInfo(p.id, p.title, p.inspects, p.per_target, p.needs_target, p.for_recommend)
        for p in all_probes()
    }


def recommend_probes() -> list[Probe]:
    """The probes ``envcheck recommend`` runs (``for_recommend``), in display order."""
    return [p for p in all_probes() if p.for_recommend]
