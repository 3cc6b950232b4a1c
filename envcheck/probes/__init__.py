"""The probe registry, in display order. Each module inspects one thing."""

from __future__ import annotations

from envcheck.probes.base import Probe


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
