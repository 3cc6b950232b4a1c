"""The real NVML adapter: :class:`RealNvml` answers :class:`~envcheck.system.nvml.Nvml` queries
with NVIDIA's ``nvidia-ml-py`` bindings (the ``pynvml`` module).

``pynvml`` is imported lazily, inside the calls, so importing envcheck stays fast and works on
machines without the bindings. Every failure becomes an :class:`NvmlError` whose status names
the real cause (no driver, driver not loaded, library/kernel mismatch, ...); nothing else
escapes. Values are plain Python: ``str`` (never ``bytes``), ``int``, ``bool`` and tuples.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from envcheck.i18n import Msg
from envcheck.system.nvml import DeviceQuery, NvmlError, NvmlStatus, SystemQuery

# pynvml exception class name -> envcheck status. Classes missing from an old nvidia-ml-py
# are simply skipped; the numeric code table below covers them.
_CLASS_STATUS: tuple[tuple[str, NvmlStatus], ...] = (
    ("NVMLError_LibraryNotFound", NvmlStatus.LIBRARY_NOT_FOUND),
    ("NVMLError_DriverNotLoaded", NvmlStatus.DRIVER_NOT_LOADED),
    ("NVMLError_LibRmVersionMismatch", NvmlStatus.LIB_RM_VERSION_MISMATCH),
    ("NVMLError_NoPermission", NvmlStatus.NO_PERMISSION),
    ("NVMLError_FunctionNotFound", NvmlStatus.FUNCTION_NOT_FOUND),
    ("NVMLError_NotSupported", NvmlStatus.NOT_SUPPORTED),
    ("NVMLError_GpuIsLost", NvmlStatus.GPU_LOST),
)

# The same mapping by NVML return code (nvml.h), for errors raised as a bare NVMLError(code).
_CODE_STATUS: dict[int, NvmlStatus] = {
    3: NvmlStatus.NOT_SUPPORTED,
    4: NvmlStatus.NO_PERMISSION,
    9: NvmlStatus.DRIVER_NOT_LOADED,
    12: NvmlStatus.LIBRARY_NOT_FOUND,
    13: NvmlStatus.FUNCTION_NOT_FOUND,
    15: NvmlStatus.GPU_LOST,
    18: NvmlStatus.LIB_RM_VERSION_MISMATCH,
}

_COMPUTE_MODES: dict[int, str] = {
    0: "default",
    1: "exclusive_thread",
    2: "prohibited",
    3: "exclusive_process",
}

_NVML_ERROR_NOT_FOUND = 6


def nvml_status_of(exc: BaseException, module: ModuleType | None) -> NvmlStatus:
    """Map an exception raised by ``pynvml`` to the envcheck status naming its cause.

    Subclasses are matched first (``NVMLError_DriverNotLoaded`` ...), then the numeric
    ``value`` every ``NVMLError`` carries; anything else is ``UNKNOWN_ERROR``. A missing
    Python binding (``AttributeError`` on the module: nvidia-ml-py too old for the query)
    counts as ``FUNCTION_NOT_FOUND``.
    """
    if isinstance(exc, AttributeError):
        return NvmlStatus.FUNCTION_NOT_FOUND
    if module is not None:
        for name, status in _CLASS_STATUS:
            cls = getattr(module, name, None)
            if isinstance(cls, type) and isinstance(exc, cls):
                return status
        base = getattr(module, "NVMLError", None)
        if isinstance(base, type) and isinstance(exc, base):
            code = getattr(exc, "value", None)
            if isinstance(code, int) and code in _CODE_STATUS:
                return _CODE_STATUS[code]
    return NvmlStatus.UNKNOWN_ERROR


def _message(exc: BaseException) -> str:
    """The exception's text; pynvml's ``__str__`` may itself call into NVML, so guard it."""
    try:
        text = str(exc).strip()
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the real error
        text = ""
    if not text:
        code = getattr(exc, "value", None)
        text = Msg("NVML error code {code}", code=code) if code is not None else type(exc).__name__
    return text


def _text(value: object) -> str:
    """NVML strings come back as ``bytes`` from older bindings and ``str`` from newer ones."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


class RealNvml:
    """NVML through ``pynvml``: initialised once (thread-safe), handles cached per index.

    A failed initialisation is remembered and raised again on every later call, so a
    machine without a driver costs one library load attempt, not one per query.
    :meth:`shutdown` forgets everything, so a later :meth:`init` tries again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._module: ModuleType | None = None
        self._initialised = False
        self._init_error: NvmlError | None = None
        self._handles: dict[int, object] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def _load(self) -> ModuleType:
        if self._module is None:
            try:
                import pynvml  # noqa: TID251 - this module is the NVML adapter
            except ImportError as exc:
                raise NvmlError(
                    NvmlStatus.BINDINGS_MISSING,
                    Msg("the nvidia-ml-py bindings (pynvml) are not installed: {error}",
                        error=str(exc)),
                ) from None
            self._module = pynvml
        return self._module

    def init(self) -> None:
        """Initialise NVML once; raise the (remembered) NvmlError when it cannot be."""
        with self._lock:
            if self._initialised:
                return
            if self._init_error is not None:
                raise self._init_error
            try:
                module = self._load()
                self._call(module, module.nvmlInit)
            except NvmlError as exc:
                self._init_error = exc
                raise
            self._initialised = True

    def shutdown(self) -> None:
        """Shut NVML down if it was initialised; never raises."""
        with self._lock:
            was_initialised = self._initialised
            self._initialised = False
            self._init_error = None
            self._handles.clear()
            if was_initialised and self._module is not None:
                # Shutting down must never fail the caller.
                with contextlib.suppress(Exception):
                    self._module.nvmlShutdown()

    # -- helpers ---------------------------------------------------------------------------

    def _call(self, module: ModuleType, fn: Callable[..., Any], *args: object) -> Any:
        """Call one pynvml function, turning every failure into an NvmlError."""
        try:
            return fn(*args)
        except NvmlError:
            raise
        except Exception as exc:  # noqa: BLE001 - every NVML failure becomes data
            raise NvmlError(nvml_status_of(exc, module), _message(exc)) from None

    def _ready(self) -> ModuleType:
        self.init()
        assert self._module is not None
        return self._module

    def _fn(self, module: ModuleType, *names: str) -> Callable[..., Any]:
        """The first of ``names`` the installed bindings define (newer names first)."""
        for name in names:
            fn = getattr(module, name, None)
            if callable(fn):
                return fn
        raise NvmlError(
            NvmlStatus.FUNCTION_NOT_FOUND,
            Msg("the installed nvidia-ml-py has none of {names}", names=", ".join(names)),
        )

    def _first(self, module: ModuleType, names: tuple[str, ...], *args: object) -> Any:
        """Call the first function in ``names`` that the bindings and driver both support.

        A newer entry point missing from the driver (FUNCTION_NOT_FOUND) or refusing
        (NOT_SUPPORTED) falls back to the older one; the last error is raised.
        """
        last: NvmlError | None = None
        for name in names:
            fn = getattr(module, name, None)
            if not callable(fn):
                last = NvmlError(NvmlStatus.FUNCTION_NOT_FOUND, Msg("pynvml has no {name}",
                                                                    name=name))
                continue
            try:
                return self._call(module, fn, *args)
            except NvmlError as exc:
                if exc.status not in (NvmlStatus.FUNCTION_NOT_FOUND, NvmlStatus.NOT_SUPPORTED):
                    raise
                last = exc
        assert last is not None
        raise last

    def _handle(self, module: ModuleType, index: int) -> object:
        with self._lock:
            handle = self._handles.get(index)
        if handle is None:
            handle = self._call(module, self._fn(module, "nvmlDeviceGetHandleByIndex"), index)
            with self._lock:
                self._handles[index] = handle
        return handle

    # -- queries ---------------------------------------------------------------------------

    def system(self, query: SystemQuery) -> object:
        """Answer a system-wide query (see :data:`~envcheck.system.nvml.SystemQuery`)."""
        module = self._ready()
        if query == "driver_version":
            return _text(self._call(module, self._fn(module, "nvmlSystemGetDriverVersion")))
        if query == "nvml_version":
            return _text(self._call(module, self._fn(module, "nvmlSystemGetNVMLVersion")))
        if query == "device_count":
            return int(self._call(module, self._fn(module, "nvmlDeviceGetCount")))
        if query == "cuda_driver_version":
            names = ("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion")
            return int(self._first(module, names))
        raise NvmlError(NvmlStatus.UNKNOWN_ERROR,
                        Msg("unknown NVML system query {query}", query=repr(query)))

    def device(self, index: int, query: DeviceQuery) -> object:
        """Answer a per-GPU query (see :data:`~envcheck.system.nvml.DeviceQuery`)."""
        module = self._ready()
        handle = self._handle(module, index)
        answer = self._device_query(module, handle, query)
        if answer is _UNKNOWN_QUERY:
            raise NvmlError(NvmlStatus.UNKNOWN_ERROR,
                            Msg("unknown NVML device query {query}", query=repr(query)))
        return answer

    def _device_query(self, m: ModuleType, h: object, query: str) -> object:
        call = self._call
        fn = self._fn
        if query == "name":
            return _text(call(m, fn(m, "nvmlDeviceGetName"), h))
        if query == "uuid":
            return _text(call(m, fn(m, "nvmlDeviceGetUUID"), h))
        if query == "memory":
            info = call(m, fn(m, "nvmlDeviceGetMemoryInfo"), h)
            return (int(info.total), int(info.used))
        if query == "cuda_compute_capability":
            major, minor = call(m, fn(m, "nvmlDeviceGetCudaComputeCapability"), h)
            return (int(major), int(minor))
        if query == "pcie_gen_current":
            return int(call(m, fn(m, "nvmlDeviceGetCurrPcieLinkGeneration"), h))
        if query == "pcie_gen_max":
            names = ("nvmlDeviceGetGpuMaxPcieLinkGeneration", "nvmlDeviceGetMaxPcieLinkGeneration")
            return int(self._first(m, names, h))
        if query == "pcie_width_current":
            return int(call(m, fn(m, "nvmlDeviceGetCurrPcieLinkWidth"), h))
        if query == "pcie_width_max":
            return int(call(m, fn(m, "nvmlDeviceGetMaxPcieLinkWidth"), h))
        if query == "temperature":
            sensor = getattr(m, "NVML_TEMPERATURE_GPU", 0)
            return int(call(m, fn(m, "nvmlDeviceGetTemperature"), h, sensor))
        if query == "power_usage_mw":
            return int(call(m, fn(m, "nvmlDeviceGetPowerUsage"), h))
        if query == "power_limit_mw":
            return int(call(m, fn(m, "nvmlDeviceGetEnforcedPowerLimit"), h))
        if query == "sm_clock":
            clock = getattr(m, "NVML_CLOCK_SM", 1)
            return int(call(m, fn(m, "nvmlDeviceGetClockInfo"), h, clock))
        if query == "sm_clock_max":
            clock = getattr(m, "NVML_CLOCK_SM", 1)
            return int(call(m, fn(m, "nvmlDeviceGetMaxClockInfo"), h, clock))
        if query == "throttle_reasons":
            # "Throttle" was renamed "clocks event" in driver 535; old drivers lack the new name.
            names = (
                "nvmlDeviceGetCurrentClocksEventReasons",
                "nvmlDeviceGetCurrentClocksThrottleReasons",
            )
            return int(self._first(m, names, h))
        if query == "persistence_mode":
            enabled = getattr(m, "NVML_FEATURE_ENABLED", 1)
            return int(call(m, fn(m, "nvmlDeviceGetPersistenceMode"), h)) == enabled
        if query == "compute_mode":
            mode = int(call(m, fn(m, "nvmlDeviceGetComputeMode"), h))
            return _COMPUTE_MODES.get(mode, f"unknown_{mode}")
        if query == "mig_mode":
            current, pending = call(m, fn(m, "nvmlDeviceGetMigMode"), h)
            enable = getattr(m, "NVML_DEVICE_MIG_ENABLE", 1)
            return (int(current) == enable, int(pending) == enable)
        if query == "mig_devices":
            return self._mig_devices(m, h)
        if query == "ecc_uncorrected":
            kind = getattr(m, "NVML_MEMORY_ERROR_TYPE_UNCORRECTED", 1)
            counter = getattr(m, "NVML_VOLATILE_ECC", 0)
            return int(call(m, fn(m, "nvmlDeviceGetTotalEccErrors"), h, kind, counter))
        if query == "utilization":
            rates = call(m, fn(m, "nvmlDeviceGetUtilizationRates"), h)
            return (int(rates.gpu), int(rates.memory))
        return _UNKNOWN_QUERY

    def _mig_devices(self, m: ModuleType, h: object) -> list[tuple[str, str]]:
        """(uuid, name) of each MIG instance; empty slots answer NOT_FOUND and are skipped."""
        count = int(self._call(m, self._fn(m, "nvmlDeviceGetMaxMigDeviceCount"), h))
        by_index = self._fn(m, "nvmlDeviceGetMigDeviceHandleByIndex")
        devices: list[tuple[str, str]] = []
        for slot in range(count):
            try:
                mig = by_index(h, slot)
            except Exception as exc:  # noqa: BLE001 - mapped below
                if getattr(exc, "value", None) == _NVML_ERROR_NOT_FOUND:
                    continue  # no MIG instance in this slot
                raise NvmlError(nvml_status_of(exc, m), _message(exc)) from None
            uuid = _text(self._call(m, self._fn(m, "nvmlDeviceGetUUID"), mig))
            try:
                name = _text(self._call(m, self._fn(m, "nvmlDeviceGetName"), mig))
            except NvmlError:
                name = ""
            devices.append((uuid, name))
        return devices


_UNKNOWN_QUERY = object()
