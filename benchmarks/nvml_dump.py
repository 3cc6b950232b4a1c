"""Record every answer envcheck's NVML adapter gives on this machine, as one JSON document.

Part of ``benchmarks/gpu_record.sh``: on a real GPU machine it asks :class:`RealNvml` every
system query and every device query envcheck knows (``SystemQuery`` and ``DeviceQuery`` in
``envcheck/system/nvml.py``), for every GPU, and writes what came back: ``{"value": ...}`` or
``{"error": {"status", "message"}}`` per query. ``tests/fakes.py``'s ``FakeNvml.from_dump``
loads the document as a scenario, so the doctor and the bench telemetry can be replayed on
the exact answers of a real driver. Beside the adapter's answers, ``raw`` holds what the
``pynvml`` functions themselves returned (type and repr), to see what the adapter converted.

    PYTHONPATH=$PWD python3 benchmarks/nvml_dump.py OUT.json

Never fails: a machine without a driver gives a document whose ``init`` says why. Exit 0.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run by path from the source tree
    sys.path.insert(0, str(ROOT))

from envcheck.system.nvml import DeviceQuery, Nvml, NvmlError, SystemQuery  # noqa: E402

FORMAT = "envcheck-nvml-dump"
VERSION = 1
SYSTEM_QUERIES: tuple[str, ...] = get_args(SystemQuery)
DEVICE_QUERIES: tuple[str, ...] = get_args(DeviceQuery)


def _plain(value: object) -> Any:
    """Tuples as lists (JSON has no tuples; the loader turns them back)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _answer(ask: Callable[..., object], *args: object) -> dict[str, Any]:
    try:
        return {"value": _plain(ask(*args))}
    except NvmlError as exc:
        return {"error": {"status": exc.status.value, "message": exc.message}}
    except Exception as exc:  # noqa: BLE001 - an adapter bug is itself worth recording
        return {"error": {"status": "unknown_error", "message": f"{type(exc).__name__}: {exc}",
                          "adapter_raised": True}}


def dump(nvml: Nvml) -> dict[str, Any]:
    """Every query's answer from ``nvml`` (any object with the Nvml protocol)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "init": None,
                                "system": {}, "devices": []}
    try:
        nvml.init()
    except NvmlError as exc:
        document["init"] = {"status": exc.status.value, "message": exc.message}
        return document
    try:
        system = {q: _answer(nvml.system, q) for q in SYSTEM_QUERIES}
        document["system"] = system
        count = system["device_count"].get("value")
        for index in range(count if isinstance(count, int) else 0):
            document["devices"].append(
                {q: _answer(nvml.device, index, q) for q in DEVICE_QUERIES})
    finally:
        nvml.shutdown()
    return document


# What RealNvml calls, per query, so the raw answers can be compared with the converted ones.
_RAW_SYSTEM = ("nvmlSystemGetDriverVersion", "nvmlSystemGetNVMLVersion", "nvmlDeviceGetCount",
               "nvmlSystemGetCudaDriverVersion", "nvmlSystemGetCudaDriverVersion_v2")
_RAW_DEVICE = (
    ("nvmlDeviceGetName", ()), ("nvmlDeviceGetUUID", ()), ("nvmlDeviceGetMemoryInfo", ()),
    ("nvmlDeviceGetCudaComputeCapability", ()), ("nvmlDeviceGetCurrPcieLinkGeneration", ()),
    ("nvmlDeviceGetMaxPcieLinkGeneration", ()), ("nvmlDeviceGetGpuMaxPcieLinkGeneration", ()),
    ("nvmlDeviceGetCurrPcieLinkWidth", ()), ("nvmlDeviceGetMaxPcieLinkWidth", ()),
    ("nvmlDeviceGetTemperature", ("NVML_TEMPERATURE_GPU",)), ("nvmlDeviceGetPowerUsage", ()),
    ("nvmlDeviceGetEnforcedPowerLimit", ()), ("nvmlDeviceGetClockInfo", ("NVML_CLOCK_SM",)),
    ("nvmlDeviceGetMaxClockInfo", ("NVML_CLOCK_SM",)),
    ("nvmlDeviceGetCurrentClocksEventReasons", ()),
    ("nvmlDeviceGetCurrentClocksThrottleReasons", ()), ("nvmlDeviceGetPersistenceMode", ()),
    ("nvmlDeviceGetComputeMode", ()), ("nvmlDeviceGetMigMode", ()),
    ("nvmlDeviceGetMaxMigDeviceCount", ()),
    ("nvmlDeviceGetTotalEccErrors", ("NVML_MEMORY_ERROR_TYPE_UNCORRECTED", "NVML_VOLATILE_ECC")),
    ("nvmlDeviceGetUtilizationRates", ()),
)


def _raw_value(value: object) -> dict[str, Any]:
    fields = getattr(value, "_fields_", None)
    out: dict[str, Any] = {"type": type(value).__name__, "repr": repr(value)[:500]}
    if fields:  # a ctypes structure: its fields by name
        out["fields"] = {name: repr(getattr(value, name, None))[:200] for name, *_ in fields}
    return out


def raw_dump() -> dict[str, Any]:
    """What the pynvml functions themselves return (types and reprs), or why they could not."""
    try:
        import pynvml
    except ImportError as exc:
        return {"bindings": None, "error": f"pynvml not importable: {exc}"}
    from importlib import metadata

    try:
        bindings = metadata.version("nvidia-ml-py")
    except metadata.PackageNotFoundError:
        bindings = None
    out: dict[str, Any] = {"bindings": bindings, "system": {}, "devices": []}

    def call(name: str, *args: object) -> dict[str, Any]:
        fn = getattr(pynvml, name, None)
        if not callable(fn):
            return {"missing": True}
        try:
            return _raw_value(fn(*args))
        except Exception as exc:  # noqa: BLE001 - recorded, not raised
            return {"raised": type(exc).__name__, "value": getattr(exc, "value", None),
                    "text": str(exc)[:300]}

    init = call("nvmlInit")
    out["init"] = init
    if "raised" in init or "missing" in init:
        return out
    try:
        out["system"] = {name: call(name) for name in _RAW_SYSTEM}
        count = 0
        try:
            count = int(pynvml.nvmlDeviceGetCount())
        except Exception:  # noqa: BLE001 - recorded above
            count = 0
        for index in range(count):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            out["devices"].append({
                name: call(name, handle, *(getattr(pynvml, a, 0) for a in args))
                for name, args in _RAW_DEVICE
            })
    except Exception as exc:  # noqa: BLE001 - a half-written raw section is still useful
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:  # noqa: BLE001 - shutting down must not lose the record
            out["shutdown_failed"] = True
    return out


def main(argv: list[str]) -> int:
    """Write the dump to ``argv[0]`` (stdout when absent or ``-``)."""
    from envcheck.system.nvml_real import RealNvml

    document = dump(RealNvml())
    document["recorded_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    document["raw"] = raw_dump()
    text = json.dumps(document, indent=1, sort_keys=False, default=repr) + "\n"
    if not argv or argv[0] == "-":
        sys.stdout.write(text)
    else:
        Path(argv[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
