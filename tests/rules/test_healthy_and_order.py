"""Healthy machines stay quiet; one root cause is reported once, first, with its consequences."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE
from envcheck.model import Category, ProbeResult, ProbeStatus, Severity
from tests.rules.cases import RTX3090_470, TWO_GPUS
from tests.rules.scenarios import (
    CPU_LAPTOP,
    CPU_LAPTOP_NOTES,
    H100_CU130,
    MACOS_MPS,
    RTX4090_CU121,
    by_id,
    gpu,
    run,
    seen,
    with_,
)

HEALTHY: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "h100-580-cu130": (H100_CU130, {}),
    "rtx4090-550-cu121": (RTX4090_CU121, {}),
    "cpu-laptop-cpu-torch": (CPU_LAPTOP, CPU_LAPTOP_NOTES),
    "macos-mps": (MACOS_MPS, {}),
    "wsl2-windows-driver": (
        with_(
            RTX4090_CU121,
            os__wsl="wsl2",
            os__wsl_libcuda=True,
            nvidia__kernel_module_version=None,
            os__nvidia_dev_nodes=[],
        ),
        {},
    ),
    "docker-with-gpus-and-big-shm": (
        with_(H100_CU130, os__container="docker", os__shm_bytes=8 * 1024**3),
        {},
    ),
    "rtx4090-cu128-on-535-minor-compat": (
        with_(
            RTX4090_CU121,
            nvidia__driver_version="535.104.05",
            nvidia__cuda_driver_max="12.2",
            torch__version="2.8.0+cu128",
            torch__build_label="cu128",
            torch__cuda_build="12.8",
            packages__torchvision="0.23.0+cu128",
            packages__torchaudio="2.8.0+cu128",
            torch__arch_list=["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"],
        ),
        {},
    ),
    "torch-2.13-with-torchaudio-2.11": (with_(H100_CU130, packages__torchaudio="2.11.0"), {}),
    "cvd-valid-indices": (
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="1",
            env__cuda_visible_devices_parsed={
                "kind": "indices",
                "entries": ["1"],
                "valid_prefix": ["1"],
                "problem": None,
            },
        ),
        {},
    ),
    "pasted-collect-env-system-cuda-11.8-with-cu121-wheel": (
        with_(RTX4090_CU121, cuda_toolkit__nvcc_version="11.8"),
        {},
    ),
    "nvcc-minor-differs": (
        with_(RTX4090_CU121, cuda_toolkit__build_version="12.4", cuda_toolkit__nvcc_version="12.4"),
        {},
    ),
}


@pytest.mark.parametrize("name", list(HEALTHY))
def test_healthy_machines_get_no_error_or_warning(name: str) -> None:
    facts, notes = HEALTHY[name]
    findings = run(facts, notes)
    loud = [f.id for f in findings if f.severity >= Severity.WARNING]
    assert loud == [], loud


def test_cpu_laptop_says_at_most_that_there_is_no_gpu() -> None:
    findings = run(CPU_LAPTOP, CPU_LAPTOP_NOTES)
    assert [f.id for f in findings] == ["no_driver.no_gpu"]


def test_one_root_cause_carries_its_consequences() -> None:
    facts = with_(
        RTX3090_470,
        torch__kernel_ok=False,
        torch__kernel_error="RuntimeError: Found no NVIDIA driver on your system.",
    )
    findings = run(facts)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert [f.id for f in errors] == ["driver_too_old.torch_cuda_newer_than_driver"]
    consequences = " ".join(errors[0].consequences)
    assert "CUDA is not available" in consequences
    assert "kernel" in consequences
    assert not any(f.id.startswith("torch.") for f in findings)


def test_errors_come_first_and_root_cause_leads() -> None:
    facts = with_(
        TWO_GPUS,
        nvidia__nvml_status="driver_not_loaded",
        nvidia__gpus=None,
        nvidia__gpu_count=None,
        cuda_toolkit__build_version="11.8",
        env__cuda_visible_devices="",
        env__cuda_visible_devices_parsed={
            "kind": "empty",
            "entries": [],
            "valid_prefix": [],
            "problem": "empty",
        },
        torch__cuda_available=False,
        torch__kernel_ok=None,
        torch__devices=[],
    )
    findings = run(facts)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, reverse=True)
    assert findings[0].id == "no_driver.not_loaded"
    assert "nvcc_mismatch.major_differs" in [f.id for f in findings]
    assert "torch.cuda_unavailable" not in [f.id for f in findings]


def test_driver_before_cpu_build_before_arch() -> None:
    facts = with_(
        RTX3090_470,
        nvidia__gpus=[gpu("Tesla K80", "3.7")],
        torch__arch_list=None,
    )
    ids = [f.id for f in run(facts) if f.severity is Severity.ERROR]
    assert ids.index("driver_too_old.torch_cuda_newer_than_driver") < ids.index(
        "arch_unsupported.gpu_not_in_torch_arch_list"
    )


def test_container_without_gpus_is_not_also_a_missing_driver() -> None:
    facts = with_(
        CPU_LAPTOP,
        os__container="docker",
        torch__version="2.4.1+cu121",
        torch__build_label="cu121",
        torch__cuda_build="12.1",
        torch__cuda_error="Found no NVIDIA driver on your system.",
    )
    ids = [f.id for f in run(facts)]
    assert ids[0] == "platform.container_without_gpu"
    assert "no_driver.not_installed" not in ids


def test_wsl2_linux_driver_is_not_also_not_loaded() -> None:
    facts = with_(
        RTX4090_CU121,
        os__wsl="wsl2",
        nvidia__nvml_status="driver_not_loaded",
        torch__cuda_available=False,
    )
    ids = [f.id for f in run(facts)]
    assert ids[0] == "platform.wsl2_linux_driver"
    assert "no_driver.not_loaded" not in ids


def test_explained_symptom_findings_disappear() -> None:
    facts = with_(
        TWO_GPUS,
        env__cuda_visible_devices="",
        torch__cuda_available=False,
        torch__kernel_ok=None,
        env__cuda_visible_devices_parsed={
            "kind": "empty",
            "entries": [],
            "valid_prefix": [],
            "problem": "empty",
        },
        errors__seen=seen(("no_cuda_gpus", "RuntimeError: No CUDA GPUs are available", {})),
    )
    findings = run(facts)
    assert [f.id for f in findings] == ["cuda_visible_devices.empty"]
    assert any("No CUDA GPUs" in c for c in findings[0].consequences)


def test_unexplained_symptom_is_reported_generically() -> None:
    facts = with_(RTX4090_CU121, torch__cuda_available=False, torch__kernel_ok=None)
    finding = by_id(run(facts), "torch.cuda_unavailable")
    assert finding.severity is Severity.ERROR
    assert any("nvidia-smi" in " ".join(fix.commands) for fix in finding.fixes)


def test_probe_failures_say_what_was_not_checked() -> None:
    probes = (
        ProbeResult(
            "torch", "PyTorch runtime", ProbeStatus.TIMED_OUT, 60.0, "no answer within 60 s"
        ),
        ProbeResult("cudnn", "cuDNN", ProbeStatus.FAILED, 0.1, "PermissionError: /usr/lib"),
        ProbeResult("system", "System", ProbeStatus.OK, 0.1),
    )
    findings = run(RTX4090_CU121, probes=probes)
    timed = by_id(findings, "probe.torch_timed_out")
    failed = by_id(findings, "probe.cudnn_failed")
    assert timed.severity is failed.severity is Severity.WARNING
    assert timed.category is Category.PROBE
    assert "60 s" in timed.detail and "kernel" in timed.detail
    assert "PermissionError" in failed.detail and "cuDNN" in failed.detail
    assert not any(f.id.startswith("probe.system") for f in findings)


def test_doctor_and_explain_paths_agree() -> None:
    text = "RuntimeError: operator torchvision::nms does not exist"
    doctor = run(
        with_(
            RTX4090_CU121,
            torch__import_error=None,
            torch__kernel_error=text,
            torch__kernel_ok=False,
        )
    )
    explain = run(with_(RTX4090_CU121, errors__seen=seen(("torchvision_nms", text, {}))))
    assert by_id(doctor, "env_conflict.torchvision_mismatch")
    assert by_id(explain, "env_conflict.torchvision_mismatch")


def test_fallback_fix_when_recommend_has_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from envcheck import recommend

    monkeypatch.setattr(recommend, "reinstall_fix", lambda facts: None)
    finding = by_id(run(RTX3090_470), "driver_too_old.torch_cuda_newer_than_driver")
    # The "older CUDA" fix passes on the driver's CUDA, which recommend needs to pick a build.
    assert any("envcheck recommend --cuda 11.4" in fix.commands for fix in finding.fixes)


def test_a_crashing_recommend_does_not_hide_the_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from envcheck import recommend

    def boom(facts: object) -> None:
        raise RuntimeError("table missing")

    monkeypatch.setattr(recommend, "reinstall_fix", boom)
    assert by_id(run(RTX3090_470), "driver_too_old.torch_cuda_newer_than_driver").fixes


_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 100_000)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "8.9",
            "12.1",
            "2.4.1+cu121",
            "535.104.05",
            "wsl2",
            "docker",
            "ok",
            "library_not_found",
            "sm_120",
            "",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "name",
                    "version",
                    "path",
                    "compute_capability",
                    "uuid",
                    "mig_mode",
                    "entries",
                    "valid_prefix",
                    "text",
                    "data",
                    "index",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(CATALOGUE)), _JSONISH, max_size=25))
def test_diagnose_never_raises_on_any_facts(facts: dict[str, Any]) -> None:
    findings = run(facts)
    assert len({f.id for f in findings}) == len(findings)
    for finding in findings:
        assert finding.category.value == finding.id.split(".")[0]


def test_diagnose_on_empty_facts_is_quiet() -> None:
    assert run({}) == ()


def test_identical_gpus_are_named_once() -> None:
    five = gpu("NVIDIA GeForce RTX 5090", "12.0")
    facts = with_(
        RTX4090_CU121,
        nvidia__gpu_count=2,
        nvidia__gpus=[five, {**five, "index": 1}],
        torch__devices=[],
        torch__version="2.5.1+cu124",
        torch__cuda_build="12.4",
        torch__build_label="cu124",
        packages__torchvision="0.20.1+cu124",
        packages__torchaudio="2.5.1+cu124",
    )
    finding = by_id(run(facts), "arch_unsupported.gpu_not_in_torch_arch_list")
    assert "GPUs 0, 1 NVIDIA GeForce RTX 5090 are sm_120" in finding.detail


def test_explain_facts_claim_no_kernel_test() -> None:
    facts = {k: v for k, v in RTX4090_CU121.items() if k != "torch.kernel_ok"}
    facts.update(
        {
            "torch.version": "2.1.0+cu121",
            "nvidia.driver_version": "470.82.01",
            "nvidia.cuda_driver_max": "11.4",
            "torch.cuda_available": False,
        }
    )
    finding = by_id(run(facts), "driver_too_old.torch_cuda_newer_than_driver")
    assert not any("kernel" in c for c in finding.consequences)
