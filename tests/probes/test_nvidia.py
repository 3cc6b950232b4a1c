"""NVIDIA probe: pure parsers on recorded outputs, then the probe over fake NVML/smi/trees."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeOutcome
from envcheck.parsers.nvidia_smi import parse_smi_query_csv
from envcheck.probes.nvidia import (
    GPU_FIELDS,
    SMI_QUERY_FIELDS,
    NvidiaProbe,
    decode_throttle_reasons,
    gpu_from_smi_row,
)
from envcheck.system.nvml import DeviceQuery, NvmlError, NvmlStatus, SystemQuery
from envcheck.system.run import CommandResult
from tests.fakes import FakeGpu, FakeNvml, FakeRunner, data, failed, make_ctx

MIB = 1024 * 1024
QUERY_ARG = "--query-gpu=" + ",".join(SMI_QUERY_FIELDS)
FORMAT_ARG = "--format=csv,noheader,nounits"

# -- pure helpers ----------------------------------------------------------------------------


def test_decode_throttle_reasons() -> None:
    assert decode_throttle_reasons(0) == []
    assert decode_throttle_reasons(0x1) == ["gpu_idle"]
    assert decode_throttle_reasons(0x4 | 0x20 | 0x40) == [
        "sw_power_cap",
        "sw_thermal_slowdown",
        "hw_thermal_slowdown",
    ]
    assert decode_throttle_reasons(0x1FF) == [
        "gpu_idle",
        "applications_clocks_setting",
        "sw_power_cap",
        "hw_slowdown",
        "sync_boost",
        "sw_thermal_slowdown",
        "hw_thermal_slowdown",
        "hw_power_brake_slowdown",
        "display_clock_setting",
    ]
    assert decode_throttle_reasons(0x8 | 0x400) == ["hw_slowdown", "unknown_0x400"]


def _gpus(name: str, fields: tuple[str, ...] = SMI_QUERY_FIELDS) -> list[dict[str, object]]:
    return [gpu_from_smi_row(r) for r in parse_smi_query_csv(data(f"nvidia-smi/{name}"), fields)]


def test_smi_query_h100() -> None:
    (gpu,) = _gpus("query-580.65.06-h100.csv")
    assert set(gpu) == set(GPU_FIELDS)
    assert gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["index"] == 0
    assert gpu["memory_total_bytes"] == 81559 * MIB
    assert gpu["memory_used_bytes"] == 0
    assert gpu["compute_capability"] == "9.0"
    assert gpu["pcie_gen_current"] == 5
    assert gpu["power_draw_w"] == pytest.approx(72.43)
    assert gpu["power_limit_w"] == pytest.approx(700.0)
    assert gpu["sm_clock_max_mhz"] == 1980
    assert gpu["persistence_mode"] is True
    assert gpu["compute_mode"] == "default"
    assert gpu["mig_mode"] is False
    assert gpu["throttle_reasons"] is None  # not asked of nvidia-smi


def test_smi_query_rtx5090_and_4090() -> None:
    (blackwell,) = _gpus("query-575.57.08-rtx5090.csv")
    assert blackwell["compute_capability"] == "12.0"
    assert blackwell["pcie_gen_current"] == 1  # idle link, max 5
    assert blackwell["pcie_gen_max"] == 5
    (ada,) = _gpus("query-550.54.14-rtx4090.csv")
    assert ada["compute_capability"] == "8.9"
    assert ada["mig_mode"] is None  # [N/A] on GeForce
    assert ada["persistence_mode"] is False


def test_smi_query_a100_mig_and_windows() -> None:
    (a100,) = _gpus("query-535.104.05-a100-mig.csv")
    assert a100["mig_mode"] is True
    assert a100["compute_capability"] == "8.0"
    (win,) = _gpus("query-552.22-windows-rtx3060.csv")
    assert win["persistence_mode"] is None  # [N/A] under WDDM
    assert win["memory_total_bytes"] == 12288 * MIB


def test_smi_query_470_without_compute_cap() -> None:
    fields = tuple(f for f in SMI_QUERY_FIELDS if f != "compute_cap")
    (gpu,) = _gpus("query-470.223.02-gtx1080ti.csv", fields)
    assert gpu["name"] == "NVIDIA GeForce GTX 1080 Ti"
    assert gpu["compute_capability"] is None
    assert gpu["temperature_c"] == 38
    # The same line read with the full field list has the wrong column count: skipped.
    assert _gpus("query-470.223.02-gtx1080ti.csv") == []


def test_smi_query_lost_gpu_row_is_listed_with_unknowns() -> None:
    ok, lost = _gpus("query-2gpus-one-lost.csv")
    assert ok["name"] == "NVIDIA A100-SXM4-80GB"
    assert lost["index"] == 1
    assert lost["name"] is None
    assert lost["memory_total_bytes"] is None


def test_smi_query_tolerates_units_and_garbage() -> None:
    text = (
        "WARNING: infoROM is corrupted at gpu 0000:01:00.0\n"
        "0, Tesla T4, GPU-x, 535.1, 15360 MiB, 5 MiB, 7.5, 3, 3, 16, 16, 40, 27.5 W, 70.00 W,"
        " 300 MHz, 1590 MHz, Enabled, Default, [Not Supported]\n"
        "garbage, line\n"
    )
    (gpu,) = [gpu_from_smi_row(r) for r in parse_smi_query_csv(text, SMI_QUERY_FIELDS)]
    assert gpu["memory_total_bytes"] == 15360 * MIB
    assert gpu["power_draw_w"] == pytest.approx(27.5)
    assert gpu["sm_clock_mhz"] == 300
    assert gpu["mig_mode"] is None


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    for row in parse_smi_query_csv(text, SMI_QUERY_FIELDS):
        gpu_from_smi_row(row)
    for row in parse_smi_query_csv(text, ("index", "name")):
        gpu_from_smi_row(row)


# -- the probe -------------------------------------------------------------------------------


def h100_nvml() -> FakeNvml:
    return FakeNvml(
        driver_version="580.65.06",
        cuda_driver_version=13000,
        nvml_version="13.580.65.06",
        gpus=[
            FakeGpu(
                name="NVIDIA H100 80GB HBM3",
                uuid="GPU-3b1f5c2e-8a7d-4e59-b0a1-2c9d8e7f6a51",
                memory=(85_520_809_984, 0),
                cuda_compute_capability=(9, 0),
                pcie_gen_current=5,
                pcie_gen_max=5,
                power_usage_mw=72_430,
                power_limit_mw=700_000,
                sm_clock=1980,
                sm_clock_max=1980,
                throttle_reasons=0x4,
                persistence_mode=True,
                mig_mode=(False, False),
                ecc_uncorrected=0,
            )
        ],
    )


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def smi_runner(
    query: object, banner: object = "", fields: tuple[str, ...] = SMI_QUERY_FIELDS
) -> FakeRunner:
    runner = FakeRunner()
    runner.add(["nvidia-smi", "--query-gpu=" + ",".join(fields), FORMAT_ARG], query)
    runner.add(["nvidia-smi"], banner)
    return runner


def run_probe(**kwargs: object) -> ProbeOutcome:
    outcome = NvidiaProbe().run(make_ctx(**kwargs))  # type: ignore[arg-type]
    for key, value in outcome.facts.items():
        assert key in CATALOGUE, key
        assert type_ok(key, value), (key, value)
        if value is None:
            assert outcome.notes.get(key), f"{key} is unknown without a note"
    gpus = outcome.facts.get("nvidia.gpus")
    for gpu in gpus or []:
        assert set(gpu) == set(GPU_FIELDS)
    return outcome


def test_healthy_h100_driver_580(tmp_path: Path) -> None:
    root = tree(tmp_path, {"sys/module/nvidia/version": data("sys/module-nvidia-version-580.txt")})
    out = run_probe(nvml=h100_nvml(), root=root)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "ok"
    assert facts["nvidia.driver_version"] == "580.65.06"
    assert facts["nvidia.driver_source"] == "nvml"
    assert facts["nvidia.kernel_module_version"] == "580.65.06"
    assert facts["nvidia.cuda_driver_max"] == "13.0"
    assert facts["nvidia.gpu_count"] == 1
    (gpu,) = facts["nvidia.gpus"]
    assert gpu["compute_capability"] == "9.0"
    assert gpu["power_draw_w"] == pytest.approx(72.43)
    assert gpu["throttle_reasons"] == ["sw_power_cap"]
    assert gpu["persistence_mode"] is True
    assert gpu["mig_mode"] is False
    assert gpu["mig_instances"] == []
    assert gpu["ecc_uncorrected"] == 0
    assert "580.65.06" in out.summary and "H100" in out.summary


def test_rtx4090_on_550_geforce_not_supported_fields() -> None:
    out = run_probe(nvml=FakeNvml())
    (gpu,) = out.facts["nvidia.gpus"]
    assert out.facts["nvidia.cuda_driver_max"] == "12.4"
    assert gpu["name"] == "NVIDIA GeForce RTX 4090"
    assert gpu["mig_mode"] is False  # NOT_SUPPORTED means MIG is off
    assert gpu["ecc_uncorrected"] is None
    assert "nvidia.gpus" not in out.notes  # NOT_SUPPORTED is not a problem worth a note
    assert out.facts["nvidia.kernel_module_version"] is None
    assert "not loaded" in out.notes["nvidia.kernel_module_version"]


def test_no_driver_nothing_installed() -> None:
    out = run_probe(nvml=FakeNvml.no_driver())
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "library_not_found"
    assert facts["nvidia.nvml_error"] == "NVML Shared Library Not Found"
    for key in ("nvidia.driver_version", "nvidia.gpus", "nvidia.gpu_count", "nvidia.smi_path"):
        assert facts[key] is None
    assert "library_not_found" in out.notes["nvidia.driver_version"]
    assert facts["nvidia.gpu_count"] != 0


def test_driver_not_loaded_smi_agrees(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    fail = failed(9, stdout=data("nvidia-smi/fail-couldnt-communicate.txt"))
    runner = smi_runner(fail, fail)
    nvml = FakeNvml.failing(NvmlStatus.DRIVER_NOT_LOADED, "Driver Not Loaded")
    out = run_probe(nvml=nvml, runner=runner, root=root)
    assert out.facts["nvidia.nvml_status"] == "driver_not_loaded"
    assert out.facts["nvidia.smi_path"] == "/usr/bin/nvidia-smi"
    assert out.facts["nvidia.gpus"] is None
    assert "couldn't communicate" in out.notes["nvidia.gpus"]
    assert ("/usr/bin/nvidia-smi",) not in runner.calls  # banner not run after a failure


def test_library_not_found_refined_by_smi_message(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    fail = failed(9, stdout=data("nvidia-smi/fail-couldnt-communicate.txt"))
    out = run_probe(nvml=FakeNvml.no_driver(), runner=smi_runner(fail), root=root)
    assert out.facts["nvidia.nvml_status"] == "driver_not_loaded"
    assert "couldn't communicate" in out.facts["nvidia.nvml_error"]
    assert "library_not_found" in out.notes["nvidia.nvml_status"]


def test_lib_rm_mismatch_reports_kernel_module_version(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/driver/nvidia/version": data("proc/driver-nvidia-version-535.txt"),
            "usr/bin/nvidia-smi": "",
        },
    )
    fail = failed(18, stdout=data("nvidia-smi/fail-version-mismatch.txt"))
    nvml = FakeNvml.failing(
        NvmlStatus.LIB_RM_VERSION_MISMATCH, "RM has detected an NVML/RM version mismatch."
    )
    out = run_probe(nvml=nvml, runner=smi_runner(fail), root=root)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "lib_rm_version_mismatch"
    assert facts["nvidia.nvml_error"] == "RM has detected an NVML/RM version mismatch."
    assert facts["nvidia.kernel_module_version"] == "535.104.05"
    assert facts["nvidia.driver_version"] == "535.104.05"
    assert facts["nvidia.driver_source"] == "procfs"
    assert facts["nvidia.smi_driver_version"] is None
    assert "version mismatch" in out.notes["nvidia.smi_driver_version"]


def test_no_permission() -> None:
    nvml = FakeNvml.failing(NvmlStatus.NO_PERMISSION, "Insufficient Permissions")
    out = run_probe(nvml=nvml)
    assert out.facts["nvidia.nvml_status"] == "no_permission"
    assert out.facts["nvidia.gpus"] is None
    assert "no_permission" in out.notes["nvidia.gpus"]


def test_one_gpu_lost_is_listed_and_queries_stop() -> None:
    lost = NvmlError(NvmlStatus.GPU_LOST, "GPU is lost")
    nvml = h100_nvml()
    nvml.gpus.append(FakeGpu(name=lost, uuid=lost, memory=lost))
    out = run_probe(nvml=nvml)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "gpu_lost"
    assert "GPU 1" in facts["nvidia.nvml_error"]
    assert facts["nvidia.gpu_count"] == 2
    healthy, gone = facts["nvidia.gpus"]
    assert healthy["name"] == "NVIDIA H100 80GB HBM3"
    assert gone["index"] == 1
    assert all(gone[field] is None for field in GPU_FIELDS if field != "index")
    assert "GPU 1" in out.notes["nvidia.gpus"]
    assert [c for c in nvml.calls if c.endswith("[1]")] == ["name[1]"]


def test_mig_a100() -> None:
    nvml = FakeNvml(
        driver_version="535.104.05",
        cuda_driver_version=12020,
        gpus=[
            FakeGpu(
                name="NVIDIA A100-SXM4-40GB",
                cuda_compute_capability=(8, 0),
                mig_mode=(True, True),
                mig_devices=[
                    (
                        "MIG-1a2b3c4d-0000-5e6f-7a8b-9c0d1e2f3a4b",
                        "NVIDIA A100-SXM4-40GB MIG 3g.20gb",
                    ),
                    (
                        "MIG-5e6f7a8b-1111-9c0d-1e2f-3a4b5c6d7e8f",
                        "NVIDIA A100-SXM4-40GB MIG 3g.20gb",
                    ),
                ],
                ecc_uncorrected=0,
            )
        ],
    )
    out = run_probe(nvml=nvml)
    (gpu,) = out.facts["nvidia.gpus"]
    assert gpu["mig_mode"] is True
    assert [m["name"] for m in gpu["mig_instances"]] == ["NVIDIA A100-SXM4-40GB MIG 3g.20gb"] * 2
    assert gpu["mig_instances"][0]["uuid"].startswith("MIG-")
    assert out.facts["nvidia.cuda_driver_max"] == "12.2"


SYSTEM_FACT_OF = {
    "driver_version": "nvidia.driver_version",
    "cuda_driver_version": "nvidia.cuda_driver_max",
    "device_count": "nvidia.gpu_count",
}
GPU_FIELD_OF = {
    "name": ["name"],
    "uuid": ["uuid"],
    "memory": ["memory_total_bytes", "memory_used_bytes"],
    "cuda_compute_capability": ["compute_capability"],
    "pcie_gen_current": ["pcie_gen_current"],
    "pcie_gen_max": ["pcie_gen_max"],
    "pcie_width_current": ["pcie_width_current"],
    "pcie_width_max": ["pcie_width_max"],
    "temperature": ["temperature_c"],
    "power_usage_mw": ["power_draw_w"],
    "power_limit_mw": ["power_limit_w"],
    "sm_clock": ["sm_clock_mhz"],
    "sm_clock_max": ["sm_clock_max_mhz"],
    "throttle_reasons": ["throttle_reasons"],
    "persistence_mode": ["persistence_mode"],
    "compute_mode": ["compute_mode"],
    "mig_mode": ["mig_mode", "mig_instances"],
    "mig_devices": ["mig_instances"],
    "ecc_uncorrected": ["ecc_uncorrected"],
    "utilization": [],
}


def test_query_tables_cover_the_protocol() -> None:
    assert set(GPU_FIELD_OF) == set(get_args(DeviceQuery))
    assert set(SYSTEM_FACT_OF) | {"nvml_version"} == set(get_args(SystemQuery))


@pytest.mark.parametrize("query", sorted(set(get_args(SystemQuery)) | set(get_args(DeviceQuery))))
def test_nvml_raising_at_each_query(query: str) -> None:
    nvml = h100_nvml()
    nvml.gpus[0].mig_mode = (True, False)
    nvml.gpus[0].mig_devices = [("MIG-a", "NVIDIA H100 80GB HBM3 MIG 1g.10gb")]
    nvml.errors[query] = NvmlError(NvmlStatus.UNKNOWN_ERROR, f"boom in {query}")
    out = run_probe(nvml=nvml)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "ok"
    if query in SYSTEM_FACT_OF:
        key = SYSTEM_FACT_OF[query]
        assert facts[key] is None
        assert f"boom in {query}" in out.notes[key]
        if query == "device_count":
            assert facts["nvidia.gpus"] is None
        return
    (gpu,) = facts["nvidia.gpus"]
    broken = GPU_FIELD_OF.get(query, [])
    for field in GPU_FIELDS:
        if field in broken:
            assert gpu[field] is None, field
        else:
            assert gpu[field] is not None, field
    if broken:
        assert f"boom in {query}" in out.notes["nvidia.gpus"]


def test_bindings_missing_falls_back_to_smi_580(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {"usr/bin/nvidia-smi": "", "sys/module/nvidia/version": "580.65.06\n"},
    )
    runner = smi_runner(
        data("nvidia-smi/query-580.65.06-h100.csv"), data("nvidia-smi/smi-580.65.06-h100.txt")
    )
    nvml = FakeNvml.failing(NvmlStatus.BINDINGS_MISSING, "No module named 'pynvml'")
    out = run_probe(nvml=nvml, runner=runner, root=root)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "bindings_missing"
    assert facts["nvidia.driver_version"] == "580.65.06"
    assert facts["nvidia.driver_source"] == "nvidia-smi"
    assert facts["nvidia.smi_driver_version"] == "580.65.06"
    assert facts["nvidia.cuda_driver_max"] == "13.0"
    assert facts["nvidia.gpu_count"] == 1
    assert facts["nvidia.gpus"][0]["compute_capability"] == "9.0"
    assert "nvidia-smi" in out.notes["nvidia.gpus"]


def test_old_smi_rejecting_compute_cap_is_retried(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    fields_470 = tuple(f for f in SMI_QUERY_FIELDS if f != "compute_cap")
    runner = smi_runner(
        failed(2, stdout=data("nvidia-smi/query-470-invalid-field.txt")),
        data("nvidia-smi/smi-470.223.02-gtx1080ti.txt"),
    )
    runner.add(
        ["nvidia-smi", "--query-gpu=" + ",".join(fields_470), FORMAT_ARG],
        data("nvidia-smi/query-470.223.02-gtx1080ti.csv"),
    )
    nvml = FakeNvml.failing(NvmlStatus.BINDINGS_MISSING, "No module named 'pynvml'")
    out = run_probe(nvml=nvml, runner=runner, root=root)
    (gpu,) = out.facts["nvidia.gpus"]
    assert gpu["name"] == "NVIDIA GeForce GTX 1080 Ti"
    assert gpu["compute_capability"] is None
    assert out.facts["nvidia.cuda_driver_max"] == "11.4"
    assert out.facts["nvidia.driver_version"] == "470.223.02"


def test_smi_garbage_output(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    runner = smi_runner("\x00\x01 total nonsense\n,,,\n", "Segmentation fault\n")
    nvml = FakeNvml.failing(NvmlStatus.UNKNOWN_ERROR, "Unknown Error")
    out = run_probe(nvml=nvml, runner=runner, root=root)
    facts = out.facts
    assert facts["nvidia.nvml_status"] == "unknown_error"
    assert facts["nvidia.gpus"] is None
    assert facts["nvidia.cuda_driver_max"] is None
    assert facts["nvidia.driver_version"] is None
    assert "no GPU rows" in out.notes["nvidia.gpus"]


def test_smi_no_devices_means_zero_gpus(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    runner = smi_runner(failed(6, stdout=data("nvidia-smi/fail-no-devices.txt")))
    nvml = FakeNvml.failing(NvmlStatus.BINDINGS_MISSING, "No module named 'pynvml'")
    out = run_probe(nvml=nvml, runner=runner, root=root)
    assert out.facts["nvidia.gpu_count"] == 0
    assert out.facts["nvidia.gpus"] == []
    assert out.facts["nvidia.nvml_status"] == "bindings_missing"


def test_smi_timeout_is_a_note(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/bin/nvidia-smi": ""})
    hung = CommandResult(("nvidia-smi",), None, "", "", 10.0, "timeout", "no answer in 10 s")
    out = run_probe(nvml=FakeNvml.no_driver(), runner=smi_runner(hung), root=root)
    assert out.facts["nvidia.nvml_status"] == "library_not_found"
    assert "timed out" in out.notes["nvidia.gpus"]


def test_sysfs_preferred_over_procfs(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "sys/module/nvidia/version": "550.54.14\n",
            "proc/driver/nvidia/version": data("proc/driver-nvidia-version-535.txt"),
        },
    )
    out = run_probe(nvml=FakeNvml.no_driver(), root=root)
    assert out.facts["nvidia.kernel_module_version"] == "550.54.14"
    assert out.facts["nvidia.driver_source"] == "sysfs"


WINDOWS_SMI = r"C:\Windows\System32\nvidia-smi.exe"


def test_windows_fallback_finds_smi_in_system32(tmp_path: Path) -> None:
    root = tree(tmp_path, {"C/Windows/System32/nvidia-smi.exe": ""})
    runner = FakeRunner()
    runner.add(
        [WINDOWS_SMI, QUERY_ARG, FORMAT_ARG], data("nvidia-smi/query-552.22-windows-rtx3060.csv")
    )
    runner.add([WINDOWS_SMI], data("nvidia-smi/smi-552.22-windows-rtx3060.txt"))
    nvml = FakeNvml.failing(NvmlStatus.BINDINGS_MISSING, "No module named 'pynvml'")
    out = run_probe(nvml=nvml, runner=runner, root=root, system="Windows", machine="AMD64")
    facts = out.facts
    assert facts["nvidia.smi_path"] == WINDOWS_SMI
    assert facts["nvidia.driver_version"] == "552.22"
    assert facts["nvidia.cuda_driver_max"] == "12.4"
    assert facts["nvidia.gpus"][0]["name"] == "NVIDIA GeForce RTX 3060"
    assert facts["nvidia.kernel_module_version"] is None
    assert "Windows" in out.notes["nvidia.kernel_module_version"]


def test_windows_with_nvml_reads_no_proc(tmp_path: Path) -> None:
    # A /proc file in the fake tree must not be consulted on Windows.
    root = tree(
        tmp_path, {"proc/driver/nvidia/version": data("proc/driver-nvidia-version-535.txt")}
    )
    out = run_probe(nvml=FakeNvml(driver_version="552.22"), root=root, system="Windows")
    assert out.facts["nvidia.driver_version"] == "552.22"
    assert out.facts["nvidia.kernel_module_version"] is None


def test_macos_is_skipped() -> None:
    reason = NvidiaProbe().applies(make_ctx(system="Darwin", machine="arm64"))
    assert reason == "macOS has no NVIDIA CUDA driver (use MPS)"
    assert NvidiaProbe().applies(make_ctx()) is None


def test_wsl_kernel_module_note(tmp_path: Path) -> None:
    root = tree(tmp_path, {"usr/lib/wsl/lib/libcuda.so": "", "dev/dxg": ""})
    out = run_probe(nvml=FakeNvml(driver_version="552.22"), root=root)
    assert out.facts["nvidia.kernel_module_version"] is None
    assert "WSL" in out.notes["nvidia.kernel_module_version"]
    assert out.facts["nvidia.driver_source"] == "nvml"


def test_smi_csv_with_nul_bytes_and_huge_fields() -> None:
    text = "0, A\x00B, GPU-x\n" + "x" * 200_000 + "\n1, C, GPU-y\n"
    rows = parse_smi_query_csv(text, ("index", "name", "uuid"))
    assert [r["uuid"] for r in rows] == ["GPU-x", "GPU-y"]
