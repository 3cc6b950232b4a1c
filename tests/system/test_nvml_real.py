"""RealNvml against a stub ``pynvml`` built from the real bindings' exception classes.

The stub goes into ``sys.modules`` (monkeypatch.setitem), so RealNvml's lazy ``import pynvml``
finds it; the real nvidia-ml-py supplies the NVMLError classes and codes, so the mapping is
tested against what the bindings actually raise.
"""

from __future__ import annotations

import sys
import threading
import types
from dataclasses import dataclass
from typing import Any, get_args

import pynvml as real_pynvml
import pytest

from envcheck.system.nvml import DeviceQuery, NvmlError, NvmlStatus, SystemQuery
from envcheck.system.nvml_real import RealNvml, nvml_status_of

ERROR_CLASSES: list[tuple[str, NvmlStatus]] = [
    ("NVMLError_LibraryNotFound", NvmlStatus.LIBRARY_NOT_FOUND),
    ("NVMLError_DriverNotLoaded", NvmlStatus.DRIVER_NOT_LOADED),
    ("NVMLError_LibRmVersionMismatch", NvmlStatus.LIB_RM_VERSION_MISMATCH),
    ("NVMLError_NoPermission", NvmlStatus.NO_PERMISSION),
    ("NVMLError_FunctionNotFound", NvmlStatus.FUNCTION_NOT_FOUND),
    ("NVMLError_NotSupported", NvmlStatus.NOT_SUPPORTED),
    ("NVMLError_GpuIsLost", NvmlStatus.GPU_LOST),
    ("NVMLError_Unknown", NvmlStatus.UNKNOWN_ERROR),
    ("NVMLError_Uninitialized", NvmlStatus.UNKNOWN_ERROR),
    ("NVMLError_InvalidArgument", NvmlStatus.UNKNOWN_ERROR),
    ("NVMLError_Timeout", NvmlStatus.UNKNOWN_ERROR),
]


@dataclass
class _Memory:
    total: int
    used: int
    free: int = 0


@dataclass
class _Rates:
    gpu: int
    memory: int


def make_stub(**overrides: Any) -> types.ModuleType:
    """A healthy one-GPU pynvml (an H100 on driver 580), with functions replaceable by name."""
    stub = types.ModuleType("pynvml")
    for name in dir(real_pynvml):
        if name.startswith(("NVMLError", "NVML_")):
            setattr(stub, name, getattr(real_pynvml, name))
    calls: list[str] = []
    stub.calls = calls  # type: ignore[attr-defined]

    def record(name: str, value: object) -> Any:
        def fn(*args: object) -> object:
            calls.append(name)
            return value(*args) if callable(value) else value

        return fn

    def mig_handle(_handle: object, slot: int) -> object:
        if slot == 1:
            raise real_pynvml.NVMLError_NotFound()
        return f"mig{slot}"

    answers: dict[str, object] = {
        "nvmlInit": None,
        "nvmlShutdown": None,
        "nvmlSystemGetDriverVersion": b"580.65.06",
        "nvmlSystemGetNVMLVersion": "13.580.65.06",
        "nvmlSystemGetCudaDriverVersion_v2": 13000,
        "nvmlSystemGetCudaDriverVersion": 12090,
        "nvmlDeviceGetCount": 1,
        "nvmlDeviceGetHandleByIndex": lambda i: f"gpu{i}",
        "nvmlDeviceGetName": lambda h: b"NVIDIA H100 80GB HBM3" if h == "gpu0" else f"MIG {h}",
        "nvmlDeviceGetUUID": lambda h: f"GPU-{h}" if h == "gpu0" else f"MIG-{h}",
        "nvmlDeviceGetMemoryInfo": _Memory(85_520_809_984, 1_048_576),
        "nvmlDeviceGetCudaComputeCapability": (9, 0),
        "nvmlDeviceGetCurrPcieLinkGeneration": 5,
        "nvmlDeviceGetMaxPcieLinkGeneration": 4,
        "nvmlDeviceGetGpuMaxPcieLinkGeneration": 5,
        "nvmlDeviceGetCurrPcieLinkWidth": 16,
        "nvmlDeviceGetMaxPcieLinkWidth": 16,
        "nvmlDeviceGetTemperature": 31,
        "nvmlDeviceGetPowerUsage": 72_430,
        "nvmlDeviceGetEnforcedPowerLimit": 700_000,
        "nvmlDeviceGetClockInfo": 1980,
        "nvmlDeviceGetMaxClockInfo": 1980,
        "nvmlDeviceGetCurrentClocksEventReasons": 0x4,
        "nvmlDeviceGetCurrentClocksThrottleReasons": 0x1,
        "nvmlDeviceGetPersistenceMode": 1,
        "nvmlDeviceGetComputeMode": 3,
        "nvmlDeviceGetMigMode": [1, 0],
        "nvmlDeviceGetMaxMigDeviceCount": 3,
        "nvmlDeviceGetMigDeviceHandleByIndex": mig_handle,
        "nvmlDeviceGetTotalEccErrors": 0,
        "nvmlDeviceGetUtilizationRates": _Rates(7, 3),
    }
    answers.update(overrides)
    for name, value in answers.items():
        if value is not _MISSING:
            setattr(stub, name, record(name, value))
    return stub


_MISSING = object()


def _raise(exc: BaseException) -> Any:
    def fn(*_args: object) -> object:
        raise exc

    return fn


def install(monkeypatch: pytest.MonkeyPatch, stub: types.ModuleType) -> RealNvml:
    monkeypatch.setitem(sys.modules, "pynvml", stub)
    return RealNvml()


@pytest.mark.parametrize(("class_name", "status"), ERROR_CLASSES)
def test_init_errors_map_to_status(
    monkeypatch: pytest.MonkeyPatch, class_name: str, status: NvmlStatus
) -> None:
    error_class = getattr(real_pynvml, class_name)
    nvml = install(monkeypatch, make_stub(nvmlInit=_raise(error_class())))
    with pytest.raises(NvmlError) as info:
        nvml.init()
    assert info.value.status is status
    assert info.value.message == str(error_class())
    # Queries after a failed init raise the same remembered error.
    with pytest.raises(NvmlError) as again:
        nvml.system("driver_version")
    assert again.value.status is status


@pytest.mark.parametrize(("class_name", "status"), ERROR_CLASSES)
def test_query_errors_map_to_status(
    monkeypatch: pytest.MonkeyPatch, class_name: str, status: NvmlStatus
) -> None:
    error_class = getattr(real_pynvml, class_name)
    nvml = install(monkeypatch, make_stub(nvmlDeviceGetTemperature=_raise(error_class())))
    with pytest.raises(NvmlError) as info:
        nvml.device(0, "temperature")
    assert info.value.status is status
    assert nvml.device(0, "name") == "NVIDIA H100 80GB HBM3"  # other queries unaffected


def test_bare_nvmlerror_code_maps_by_value() -> None:
    error = real_pynvml.NVMLError(real_pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH)
    assert nvml_status_of(error, real_pynvml) is NvmlStatus.LIB_RM_VERSION_MISMATCH

    class OldStyle(real_pynvml.NVMLError):
        """An NVMLError subclass not among the mapped ones, carrying a known code."""

    odd = Exception.__new__(OldStyle)
    odd.value = real_pynvml.NVML_ERROR_DRIVER_NOT_LOADED
    assert nvml_status_of(odd, real_pynvml) is NvmlStatus.DRIVER_NOT_LOADED


def test_missing_bindings_is_bindings_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    nvml = RealNvml()
    with pytest.raises(NvmlError) as info:
        nvml.init()
    assert info.value.status is NvmlStatus.BINDINGS_MISSING
    with pytest.raises(NvmlError) as again:
        nvml.device(0, "name")
    assert again.value.status is NvmlStatus.BINDINGS_MISSING


def test_non_nvml_exception_is_unknown_error(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = install(monkeypatch, make_stub(nvmlDeviceGetPowerUsage=_raise(RuntimeError("ctypes"))))
    with pytest.raises(NvmlError) as info:
        nvml.device(0, "power_usage_mw")
    assert info.value.status is NvmlStatus.UNKNOWN_ERROR
    assert "ctypes" in info.value.message


def test_function_missing_from_old_bindings(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = install(monkeypatch, make_stub(nvmlDeviceGetUtilizationRates=_MISSING))
    with pytest.raises(NvmlError) as info:
        nvml.device(0, "utilization")
    assert info.value.status is NvmlStatus.FUNCTION_NOT_FOUND


EXPECTED_SYSTEM: dict[str, object] = {
    "driver_version": "580.65.06",
    "cuda_driver_version": 13000,
    "device_count": 1,
    "nvml_version": "13.580.65.06",
}

EXPECTED_DEVICE: dict[str, object] = {
    "name": "NVIDIA H100 80GB HBM3",
    "uuid": "GPU-gpu0",
    "memory": (85_520_809_984, 1_048_576),
    "cuda_compute_capability": (9, 0),
    "pcie_gen_current": 5,
    "pcie_gen_max": 5,
    "pcie_width_current": 16,
    "pcie_width_max": 16,
    "temperature": 31,
    "power_usage_mw": 72_430,
    "power_limit_mw": 700_000,
    "sm_clock": 1980,
    "sm_clock_max": 1980,
    "throttle_reasons": 0x4,
    "persistence_mode": True,
    "compute_mode": "exclusive_process",
    "mig_mode": (True, False),
    "mig_devices": [("MIG-mig0", "MIG mig0"), ("MIG-mig2", "MIG mig2")],
    "ecc_uncorrected": 0,
    "utilization": (7, 3),
}


def test_expected_tables_cover_every_query() -> None:
    assert set(EXPECTED_SYSTEM) == set(get_args(SystemQuery))
    assert set(EXPECTED_DEVICE) == set(get_args(DeviceQuery))


@pytest.mark.parametrize("query", sorted(EXPECTED_SYSTEM))
def test_system_queries_return_plain_values(monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    nvml = install(monkeypatch, make_stub())
    assert nvml.system(query) == EXPECTED_SYSTEM[query]  # type: ignore[arg-type]


@pytest.mark.parametrize("query", sorted(EXPECTED_DEVICE))
def test_device_queries_return_plain_values(monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    nvml = install(monkeypatch, make_stub())
    value = nvml.device(0, query)  # type: ignore[arg-type]
    assert value == EXPECTED_DEVICE[query]
    assert not isinstance(value, bytes)


def test_cuda_driver_version_falls_back_to_v1(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub(
        nvmlSystemGetCudaDriverVersion_v2=_raise(real_pynvml.NVMLError_FunctionNotFound())
    )
    assert install(monkeypatch, stub).system("cuda_driver_version") == 12090


def test_throttle_reasons_fall_back_for_old_bindings(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub(nvmlDeviceGetCurrentClocksEventReasons=_MISSING)
    assert install(monkeypatch, stub).device(0, "throttle_reasons") == 0x1


def test_throttle_reasons_fall_back_for_old_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub(
        nvmlDeviceGetCurrentClocksEventReasons=_raise(real_pynvml.NVMLError_FunctionNotFound())
    )
    assert install(monkeypatch, stub).device(0, "throttle_reasons") == 0x1


def test_mig_devices_error_other_than_not_found_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub = make_stub(
        nvmlDeviceGetMigDeviceHandleByIndex=_raise(real_pynvml.NVMLError_NoPermission())
    )
    with pytest.raises(NvmlError) as info:
        install(monkeypatch, stub).device(0, "mig_devices")
    assert info.value.status is NvmlStatus.NO_PERMISSION


def test_init_once_and_handles_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub()
    nvml = install(monkeypatch, stub)
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        nvml.init()
        nvml.device(0, "name")
        nvml.device(0, "uuid")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = stub.calls
    assert calls.count("nvmlInit") == 1
    # Racing threads may each look the handle up once; after that it is cached.
    before = calls.count("nvmlDeviceGetHandleByIndex")
    assert 1 <= before <= 8
    nvml.device(0, "temperature")
    nvml.device(0, "memory")
    assert calls.count("nvmlDeviceGetHandleByIndex") == before


def test_handle_looked_up_once_per_index(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub()
    nvml = install(monkeypatch, stub)
    for query in ("name", "uuid", "memory", "temperature"):
        nvml.device(0, query)
    nvml.device(1, "name")
    assert stub.calls.count("nvmlDeviceGetHandleByIndex") == 2


def test_shutdown_then_init_again(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = make_stub()
    nvml = install(monkeypatch, stub)
    nvml.shutdown()  # not initialised: nothing to do
    assert "nvmlShutdown" not in stub.calls
    nvml.init()
    nvml.shutdown()
    nvml.init()
    assert stub.calls.count("nvmlInit") == 2
    assert stub.calls.count("nvmlShutdown") == 1


def test_real_nvml_on_this_machine_reports_a_status() -> None:
    """On a machine without a driver the real bindings must give a status, nothing else."""
    nvml = RealNvml()
    try:
        nvml.init()
    except NvmlError as exc:
        assert exc.status in (NvmlStatus.LIBRARY_NOT_FOUND, NvmlStatus.DRIVER_NOT_LOADED)
        return
    try:  # a machine with a working driver
        assert isinstance(nvml.system("driver_version"), str)
        assert isinstance(nvml.system("device_count"), int)
    finally:
        nvml.shutdown()
