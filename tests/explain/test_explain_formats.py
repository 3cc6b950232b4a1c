"""explain_text on recorded pastes: each format's facts, what is unknown, what is left over."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.explain import ExplainResult, explain_text
from envcheck.fact_keys import CATALOGUE, type_ok

DATA = Path(__file__).parent.parent / "data" / "explain"


def explain(name: str) -> ExplainResult:
    # newline="" keeps the Windows line endings of the CRLF recording.
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return explain_text(handle.read())


ALL = sorted(p.name for p in DATA.iterdir())


@pytest.mark.parametrize("name", ALL)
def test_every_fact_is_catalogued_and_typed(name: str) -> None:
    result = explain(name)
    for key, value in result.facts.items():
        assert key in CATALOGUE, key
        assert type_ok(key, value), (key, value)
        if value is None:
            assert result.notes.get(key), f"{key} is unknown without a note"
    assert result.facts["explain.formats"] == list(result.formats)


def test_collect_env_linux_2_1() -> None:
    r = explain("collect_env_2.1_linux_cu121.md")
    f = r.facts
    assert r.formats == ("collect_env",)
    assert f["torch.version"] == "2.1.0+cu121"
    assert f["torch.build_label"] == "cu121"
    assert f["torch.cuda_build"] == "12.1"
    assert f["torch.cuda_available"] is True
    # "CUDA runtime version" is nvcc's version, and is cut to major.minor.
    assert f["cuda_toolkit.nvcc_version"] == "12.1"
    assert f["nvidia.driver_version"] == "535.129.03"
    assert f["nvidia.gpu_count"] == 2
    assert [g["name"] for g in f["nvidia.gpus"]] == ["NVIDIA GeForce RTX 4090"] * 2
    assert f["cudnn.system"] == [
        {"path": "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.6", "version": "8.9.6"}
    ]
    assert (f["python.version"], f["python.bits"]) == ("3.10.12", 64)
    assert (f["os.name"], f["os.distro"], f["os.wsl"]) == ("linux", "Ubuntu 22.04.3 LTS", "none")
    assert f["os.glibc"] == "2.35"
    assert f["packages.torchvision"] == "0.16.0+cu121"
    assert f["os.cpu_model"] == "AMD Ryzen 9 7950X 16-Core Processor"
    # The lscpu block, the fences, <details> and the heading are all understood.
    assert r.unparsed == ()
    # collect_env names GPUs only; the capability comes from the architecture table.
    assert [g["compute_capability"] for g in f["nvidia.gpus"]] == ["8.9", "8.9"]
    assert list(r.notes) == ["nvidia.gpus"]
    assert "looked up" in r.notes["nvidia.gpus"]


def test_collect_env_1_4_with_conda_libraries() -> None:
    f = explain("collect_env_1.4_conda.txt").facts
    assert f["torch.cuda_available"] is True  # "Yes" in 1.x reports
    assert f["python.version"] == "3.7"
    assert f["nvidia.gpus"][0]["name"] == "GeForce GTX 1080 Ti"
    assert f["cudnn.system"][0]["version"] == "7.6.4"
    # From "[conda] pytorch 1.4.0 py3.7_cuda10.1.243_cudnn7.6.3_0 pytorch":
    assert f["cudnn.torch_version"] == "7.6.3"
    assert f["torch.cuda_build"] == "10.1"
    assert {p["name"] for p in f["packages.conda"]} == {"pytorch", "torchvision"}


def test_collect_env_windows_crlf() -> None:
    r = explain("collect_env_2.0_windows_crlf.txt")
    f = r.facts
    assert f["os.name"] == "windows"
    assert f["os.arch"] == "AMD64"
    assert f["nvidia.driver_version"] == "536.99"
    assert f["cudnn.system"][0]["version"] == "8"
    assert f["os.cpu_model"] == "AMD Ryzen 7 5800X 8-Core Processor"
    assert f["torch.version"] == "2.0.1+cu118"
    assert r.unparsed == ()


def test_collect_env_macos_unknowns_are_none_with_notes() -> None:
    r = explain("collect_env_2.1_macos.md")
    f = r.facts
    assert f["os.name"] == "darwin"
    assert f["os.arch"] == "arm64"
    assert f["torch.cuda_available"] is False
    for key in ("nvidia.driver_version", "nvidia.gpus", "cudnn.system", "torch.cuda_build"):
        assert f[key] is None
        assert r.notes[key]
    assert "No CUDA" not in [v for v in f.values() if isinstance(v, str)]
    assert f["torch.build_label"] == ""


def test_collect_env_wsl2_with_driver_warning() -> None:
    r = explain("collect_env_2.4_wsl2_driver_too_old.md")
    f = r.facts
    assert f["os.wsl"] == "wsl2"
    assert f["torch.version"] == "2.4.0"
    assert f["torch.cuda_build"] == "12.1"
    assert f["torch.cuda_available"] is False
    assert f["cuda_toolkit.nvcc_version"] is None
    assert "Could not collect" in r.notes["cudnn.system"]
    assert f["cudnn.wheels"] == [{"name": "nvidia-cudnn-cu12", "version": "9.1.0.70"}]
    assert "found version 11040" in f["torch.cuda_error"]
    kinds = [e["kind"] for e in f["errors.seen"]]
    assert kinds == ["driver_too_old"]
    assert f["errors.seen"][0]["data"]["found"] == "11040"
    assert r.unparsed == ()


@pytest.mark.parametrize(
    ("name", "driver", "cuda_max", "names"),
    [
        ("nvidia_smi_470_truncated.txt", "470.82.01", "11.4", ["NVIDIA GeForce"]),
        ("nvidia_smi_535_two_gpus.txt", "535.104.05", "12.2", ["NVIDIA GeForce RTX 4090"] * 2),
        ("nvidia_smi_550_h100.txt", "550.54.15", "12.4", ["NVIDIA H100 80GB HBM3"]),
        ("nvidia_smi_580_rtx5090_windows.txt", "580.97", "13.0", ["NVIDIA GeForce RTX 5090"]),
        ("nvidia_smi_q_excerpt.txt", "545.23.08", "12.3", ["NVIDIA GeForce RTX 3090"]),
    ],
)
def test_nvidia_smi(name: str, driver: str, cuda_max: str, names: list[str]) -> None:
    r = explain(name)
    f = r.facts
    assert f["nvidia.driver_version"] == driver
    assert f["nvidia.cuda_driver_max"] == cuda_max
    assert [g["name"] for g in f["nvidia.gpus"]] == names
    assert f["nvidia.gpu_count"] == len(names)
    assert r.unparsed == ()


def test_nvidia_smi_memory_and_truncation_note() -> None:
    r = explain("nvidia_smi_470_truncated.txt")
    gpu = r.facts["nvidia.gpus"][0]
    assert gpu["compute_capability"] is None  # "NVIDIA GeForce ..." names no model
    assert gpu["memory_total_bytes"] == 12045 * 1024 * 1024
    assert gpu["memory_used_bytes"] == 354 * 1024 * 1024
    assert "cut" in r.notes["nvidia.gpus"]


def test_nvidia_smi_mig_table_and_list() -> None:
    r = explain("nvidia_smi_mig_a100.txt")
    (gpu,) = r.facts["nvidia.gpus"]
    assert gpu["mig_mode"] is True
    assert len(gpu["mig_instances"]) == 2
    # The -L listing's UUIDs replace the table's anonymous instances.
    assert all(m["uuid"].startswith("MIG-") for m in gpu["mig_instances"])
    assert gpu["uuid"].startswith("GPU-5ad1a4f2")
    assert set(r.formats) == {"nvidia-smi", "nvidia-smi -L"}


def test_h100_table_reads_mig_disabled() -> None:
    assert explain("nvidia_smi_550_h100.txt").facts["nvidia.gpus"][0]["mig_mode"] is False


def test_pip_freeze_cu118() -> None:
    r = explain("pip_freeze_cu118.txt")
    f = r.facts
    assert f["torch.version"] == "2.0.1+cu118"
    assert f["torch.cuda_build"] == "11.8"
    assert f["packages.torchaudio"] == "2.0.2+cu118"  # from the wheel URL, percent-decoded
    assert r.unparsed == ()  # numpy==... is part of the freeze, not prose


def test_pip_freeze_urls_and_nvidia_wheels() -> None:
    f = explain("pip_url_freeze.txt").facts
    assert f["torch.version"] == "2.1.0+cu121"
    assert f["cudnn.wheels"] == [{"name": "nvidia-cudnn-cu12", "version": "8.9.2.26"}]
    assert len(f["packages.nvidia"]) == 2


def test_pip_list_then_python_cpu_build_on_windows() -> None:
    r = explain("pip_list_windows_cpu.txt")
    f = r.facts
    # "2.2.1" from pip list, then "2.2.1+cpu" printed by torch: the same, in more detail.
    assert f["torch.version"] == "2.2.1+cpu"
    assert f["torch.build_label"] == "cpu"
    assert f["torch.cuda_build"] is None
    assert "CPU" in r.notes["torch.cuda_build"]
    assert f["torch.cuda_available"] is False
    assert "torch.version" not in r.notes
    assert r.unparsed == ()


def test_conda_list_cpuonly() -> None:
    r = explain("conda_list_cpuonly.txt")
    f = r.facts
    assert f["torch.version"] == "2.1.0"
    assert f["torch.installer"] == "conda"
    assert f["torch.cuda_build"] is None
    assert "py3.11_cpu_0" in r.notes["torch.cuda_build"]
    names = {p["name"]: p for p in f["packages.conda"]}
    assert names["pytorch-mutex"]["build"] == "cpu"
    assert "cpuonly" in names
    assert "numpy" not in names
    assert (f["python.env_type"], f["python.env_name"]) == ("conda", "dl")
    assert f["python.version"] == "3.11.5"


def test_conda_list_with_pip_torch_reports_two_copies() -> None:
    f = explain("conda_list_cuda_and_pip.txt").facts
    assert [c["installer"] for c in f["torch.copies"]] == ["conda", "pip"]
    # pip installed over conda's files: the torch facts are pip's, conda's row stays listed.
    assert (f["torch.version"], f["torch.installer"]) == ("2.0.1+cu118", "pip")
    assert f["torch.cuda_build"] == "11.8"
    assert "cudnn.torch_version" not in f
    assert any(p["name"] == "pytorch" for p in f["packages.conda"])
    assert f["python.env_name"] == "torch"


def test_conda_forge_build_strings() -> None:
    f = explain("conda_forge_cuda.txt").facts
    assert f["torch.cuda_build"] == "12.0"
    assert "cudnn.system" not in f  # conda's cudnn is listed in packages.conda only


def test_python_repl_session() -> None:
    r = explain("python_repl.txt")
    f = r.facts
    assert f["torch.version"] == "2.3.1+cu121"
    assert f["torch.cuda_available"] is True
    assert f["torch.cuda_build"] == "12.1"
    assert f["torch.arch_list"][-1] == "sm_90"
    assert f["torch.devices"] == [
        {
            "index": 0,
            "name": "NVIDIA GeForce RTX 5090",
            "capability": "12.0",
            "total_memory_bytes": None,
        }
    ]
    assert f["cudnn.torch_version"] == "8.9.2"
    assert r.unparsed == ()


def test_python_c_prints_nvcc_and_env() -> None:
    r = explain("python_c_labelled.txt")
    f = r.facts
    assert f["torch.version"] == "2.5.1+cu124"
    assert f["torch.cuda_build"] == "12.4"
    assert f["torch.device_count"] == 2
    assert f["torch.cuda_available"] is True
    assert f["cuda_toolkit.nvcc_version"] == "12.3"
    assert f["env.cuda_home"] == "/usr/local/cuda-12.3"
    assert set(r.formats) == {"python", "nvcc", "environment"}
    assert r.unparsed == ()


def test_traceback_arch_and_no_kernel_image() -> None:
    r = explain("traceback_no_kernel_image.txt")
    kinds = [e["kind"] for e in r.facts["errors.seen"]]
    assert kinds == ["arch_incompatible", "no_kernel_image"]
    # The torch hint "consider passing CUDA_LAUNCH_BLOCKING=1" is not the user's setting.
    assert "env.cuda_launch_blocking" not in r.facts
    assert r.unparsed == ("I get this error when running my model on the new card:",)


def test_import_error_from_torch() -> None:
    f = explain("traceback_import_cudnn.txt").facts
    assert f["torch.import_error"].startswith("OSError: libcudnn.so.8")
    assert f["errors.seen"][0]["kind"] == "cudnn_load"


def test_nvml_mismatch_and_pip_errors() -> None:
    assert explain("nvml_mismatch.txt").facts["errors.seen"][0]["kind"] == "nvml_mismatch"
    r = explain("no_matching_distribution.txt")
    assert [e["kind"] for e in r.facts["errors.seen"]] == ["no_matching_distribution"]
    assert r.facts["python.version"] == "3.13.0"
    assert not any(line.startswith("ERROR:") for line in r.unparsed)


def test_torchvision_nms_with_env_prefix() -> None:
    f = explain("torchvision_nms_env.txt").facts
    assert [e["kind"] for e in f["errors.seen"]] == ["torchvision_nms"]
    assert f["env.cuda_visible_devices"] == "1,0"
    assert f["env.cuda_visible_devices_parsed"]["valid_prefix"] == ["1", "0"]
    assert (f["torch.version"], f["packages.torchvision"]) == ("2.0.1", "0.16.0")


def test_prose_matches_no_format() -> None:
    r = explain("prose_only.txt")
    assert r.formats == ()
    assert r.facts == {"explain.formats": []}
    assert len(r.unparsed) == 3
    assert r.notes["explain.formats"]


def test_filled_in_issue_template() -> None:
    r = explain("issue_template_filled.md")
    f = r.facts
    assert r.formats == ("issue template",)
    assert (f["torch.version"], f["torch.installer"]) == ("1.13.1", "conda")
    assert (f["os.name"], f["os.distro"], f["python.version"]) == ("linux", "Ubuntu 20.04", "3.9")
    assert f["nvidia.gpus"][0]["name"] == "RTX 3090"
    assert f["nvidia.gpus"][0]["compute_capability"] == "8.6"
    # "CUDA/cuDNN version: 11.7" does not say whose CUDA it is: not read.
    assert "torch.cuda_build" not in f and "cuda_toolkit.nvcc_version" not in f
    assert r.unparsed == ("`torch.cuda.is_available()` returns False after upgrading.",)


def test_jupyter_cells_and_no_devices() -> None:
    r = explain("jupyter_and_no_devices.txt")
    f = r.facts
    assert f["torch.cuda_available"] is False
    assert f["torch.cuda_build"] == "11.7"  # from cu117.with.pypi.cudnn
    assert f["nvidia.gpu_count"] == 0
    assert "No devices" in r.notes["nvidia.gpu_count"]
    assert r.unparsed == ()


def test_rocm_collect_env_lists_no_nvidia_gpu() -> None:
    f = explain("collect_env_rocm.txt").facts
    assert f["torch.hip_build"] == "6.0.32830"
    assert "nvidia.gpus" not in f
    assert f["torch.build_label"] == "rocm6.0"
    assert f["nvidia.driver_version"] is None


def test_inline_code_full_width_colon_and_one_line_outputs() -> None:
    r = explain("mixed_inline_shapes.md")
    f = r.facts
    assert f["torch.cuda_available"] is False  # print(...) then its output, in backticks
    assert f["torch.version"] == "2.0.1+cu117"
    assert f["python.version"] == "3.9.16"
    assert (f["nvidia.driver_version"], f["nvidia.cuda_driver_max"]) == ("525.85.12", "12.0")
    assert f["cuda_toolkit.nvcc_version"] == "11.7"
    # A table header alone says nothing about how many GPUs there are.
    assert "nvidia.gpu_count" not in f
    assert r.unparsed == (
        "torch.cuda.is_available() returns False on my workstation.",
        "versions:",
    )


def test_nvidia_smi_xml() -> None:
    r = explain("nvidia_smi_q_xml.txt")
    f = r.facts
    assert r.formats == ("nvidia-smi -q -x",)
    assert (f["nvidia.driver_version"], f["nvidia.cuda_driver_max"]) == ("551.61", "12.4")
    (gpu,) = f["nvidia.gpus"]
    assert gpu["name"] == "NVIDIA GeForce RTX 4080"
    assert gpu["memory_total_bytes"] == 16376 * 1024 * 1024
    assert gpu["compute_capability"] == "8.9"
    assert r.unparsed == ()


def test_system_commands() -> None:
    r = explain("system_commands.txt")
    f = r.facts
    assert (f["os.kernel"], f["os.wsl"], f["os.arch"]) == (
        "5.15.153.1-microsoft-standard-WSL2",
        "wsl2",
        "x86_64",
    )
    assert f["os.distro"] == "Ubuntu 22.04.4 LTS"
    # The loaded kernel module and the user-space driver differ: both are kept.
    assert f["nvidia.kernel_module_version"] == "535.104.05"
    assert (f["nvidia.driver_version"], f["nvidia.cuda_driver_max"]) == ("535.113.01", "12.2")
    assert [e["path"] for e in f["cudnn.system"]] == [
        "/lib/x86_64-linux-gnu/libcudnn.so.8",
        "/lib/x86_64-linux-gnu/libcudnn.so",
    ]
    assert f["python.version"] == "3.10"
    assert r.formats[0] == "uname"
    assert r.unparsed == ()


def test_micromamba_list() -> None:
    r = explain("micromamba_list.txt")
    f = r.facts
    assert r.formats == ("conda list",)
    assert (f["python.env_name"], f["python.version"]) == ("vision", "3.11.9")
    assert (f["torch.version"], f["torch.cuda_build"]) == ("2.3.1", "11.8")
    assert "libcublas" in {p["name"] for p in f["packages.conda"]}
    assert r.unparsed == ()
