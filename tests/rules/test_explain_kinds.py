"""Every signature kind, alone in errors.seen (what explain produces), gives a finding."""

from __future__ import annotations

import pytest

from envcheck.model import Severity
from envcheck.rules.messages import SYMPTOMS
from envcheck.signatures import KINDS, classify
from tests.rules.scenarios import run, seen
from tests.test_signatures import CASES

# One realistic message per kind (the first test case of that kind).
FIRST_TEXT: dict[str, str] = {}
for _kind, _text, _ in CASES:
    FIRST_TEXT.setdefault(_kind, _text)

EXPECTED: dict[str, str] = {
    "driver_too_old": "driver_too_old.torch_cuda_newer_than_driver",
    "no_kernel_image": "arch_unsupported.no_kernel_image",
    "arch_incompatible": "arch_unsupported.gpu_not_in_torch_arch_list",
    "nvml_mismatch": "no_driver.version_mismatch",
    "no_driver": "no_driver.not_installed",
    "system_not_ready": "no_driver.fabric_manager",
    "cuda_unknown_error": "torch.cuda_unknown_error",
    "no_cuda_gpus": "cuda_visible_devices.likely_hides_gpus",
    "not_compiled_with_cuda": "cpu_build.cpu_torch_on_gpu_machine",
    "invalid_device_ordinal": "cuda_visible_devices.likely_hides_gpus",
    "cudnn_load": "cudnn.load_failed",
    "cuda_version_mismatch_ext": "nvcc_mismatch.major_differs",
    "cuda_home_not_set": "nvcc_mismatch.no_toolkit_for_build",
    "nvcc_unsupported_arch": "nvcc_mismatch.unsupported_gpu_arch",
    "host_compiler_unsupported": "nvcc_mismatch.host_compiler",
    "device_busy": "platform.gpu_busy",
    "no_matching_distribution": "python_unsupported.no_matching_distribution",
    "torchvision_nms": "env_conflict.torchvision_mismatch",
    "torchvision_cuda_mismatch": "env_conflict.cuda_builds_differ",
    "docker_no_gpu": "platform.docker_gpu_runtime_missing",
    "wsl_no_gpu": "platform.wsl2_libcuda_path",
    "dll_load": "torch.dll_load_failed",
    "torch_missing": "env_conflict.likely_wrong_environment",
    "undefined_symbol": "env_conflict.extension_abi",
    "nccl_error": "torch.nccl_error",
    "oom": "torch.out_of_memory",
    "smi_not_found": "no_driver.likely_no_driver",
    "cuda_header_missing": "nvcc_mismatch.no_toolkit_for_build",
    "nvcc_not_found": "nvcc_mismatch.no_toolkit_for_build",
    "no_wheel_for_platform": "python_unsupported.no_matching_distribution",
    "conda_python_conflict": "python_unsupported.no_matching_distribution",
    "torchvision_cuda_backend": "env_conflict.torchvision_mismatch",
    "cuda_unavailable_msg": "cpu_build.likely_cpu_build",
    "module_missing": "env_conflict.likely_wrong_environment",
    "extension_torch_mismatch": "env_conflict.extension_abi",
}


def test_every_kind_has_a_symptom_text_and_an_expected_finding() -> None:
    assert set(KINDS) <= set(SYMPTOMS)
    assert set(EXPECTED) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_alone_gives_its_finding(kind: str) -> None:
    text = FIRST_TEXT[kind]
    signatures = [s for s in classify(text) if s.kind == kind]
    assert signatures
    facts = {"errors.seen": [s.as_fact() for s in signatures], "explain.formats": []}
    findings = run(facts)
    assert findings, kind
    assert findings[0].id == EXPECTED[kind], [f.id for f in findings]
    if kind != "oom":
        assert findings[0].severity >= Severity.WARNING


# Errors the user pasted show they wanted CUDA; the same text from doctor's own torch probe on a
# machine with no GPU evidence does not (a CPU laptop's torch also says "no NVIDIA driver").
_INTENT_ONLY = ("no_matching_distribution", "no_driver", "not_compiled_with_cuda")


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in _INTENT_ONLY])
def test_kind_in_torch_error_text_matches_errors_seen(kind: str) -> None:
    """doctor (torch.* error facts) and explain (errors.seen) reach the same first finding."""
    text = FIRST_TEXT[kind]
    via_doctor = run({"torch.cuda_error": text})
    via_explain = run(
        {"errors.seen": seen(*[(s.kind, s.text, dict(s.data)) for s in classify(text)])}
    )
    assert [f.id for f in via_doctor][:1] == [f.id for f in via_explain][:1]


def test_doctor_text_without_gpu_evidence_stays_quiet() -> None:
    quiet = run({"torch.cuda_error": FIRST_TEXT["no_driver"]})
    assert all(f.severity is Severity.INFO for f in quiet)
    assert run({"torch.cuda_error": FIRST_TEXT["no_driver"], "os.nvidia_dev_nodes": ["nvidia0"]})
