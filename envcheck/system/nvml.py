"""The NVML seam: a small query interface, NVML errors mapped to their real causes.

This is the only module that imports ``pynvml`` (from NVIDIA's ``nvidia-ml-py`` distribution).
Probes and the bench's telemetry call :class:`Nvml` methods with named queries and get plain
Python values back; tests pass a fake implementing the same protocol per scenario.
"""

from __future__ import annotations

import enum
from typing import Literal, Protocol

SystemQuery = Literal["driver_version", "cuda_driver_version", "device_count", "nvml_version"]
"""System-wide queries. ``cuda_driver_version`` returns NVML's int (12040 means CUDA 12.4)."""

DeviceQuery = Literal[
    "name",  # str
    "uuid",  # str
    "memory",  # (total_bytes, used_bytes)
    "cuda_compute_capability",  # (major, minor)
    "pcie_gen_current",  # int
    "pcie_gen_max",  # int
    "pcie_width_current",  # int
    "pcie_width_max",  # int
    "temperature",  # int, degrees C (GPU core)
    "power_usage_mw",  # int, milliwatts
    "power_limit_mw",  # int, milliwatts (enforced limit)
    "sm_clock",  # int MHz, current
    "sm_clock_max",  # int MHz
    "throttle_reasons",  # int bitmask (nvmlClocksEventReasons / ThrottleReasons)
    "persistence_mode",  # bool
    "compute_mode",  # str: default, exclusive_thread, prohibited, exclusive_process
    "mig_mode",  # (current: bool, pending: bool)
    "mig_devices",  # list of (uuid, name) for MIG instances of this GPU
    "ecc_uncorrected",  # int, volatile uncorrected ECC errors
    "utilization",  # (gpu_percent, memory_percent)
]


class NvmlStatus(str, enum.Enum):
    """Why NVML could (not) answer; values are the ``nvidia.nvml_status`` fact."""

    OK = "ok"
    LIBRARY_NOT_FOUND = "library_not_found"
    DRIVER_NOT_LOADED = "driver_not_loaded"
    LIB_RM_VERSION_MISMATCH = "lib_rm_version_mismatch"
    NO_PERMISSION = "no_permission"
    FUNCTION_NOT_FOUND = "function_not_found"
    NOT_SUPPORTED = "not_supported"
    GPU_LOST = "gpu_lost"
    BINDINGS_MISSING = "bindings_missing"
    UNKNOWN_ERROR = "unknown_error"


class NvmlError(Exception):
    """An NVML call failed; ``status`` says why in envcheck's terms."""

    def __init__(self, status: NvmlStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Nvml(Protocol):
    """What envcheck asks of NVML. Every method may raise :class:`NvmlError`."""

    def init(self) -> None:
        """Initialise NVML (idempotent)."""
        ...

    def shutdown(self) -> None:
        """Release NVML (safe to call when not initialised)."""
        ...

    def system(self, query: SystemQuery) -> object:
        """Answer a system-wide query."""
        ...

    def device(self, index: int, query: DeviceQuery) -> object:
        """Answer a per-GPU query for the GPU at NVML ``index``."""
        ...
