"""PackagesProbe: torch version/build/installer/copies, companions, nvidia wheels, conda."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from envcheck.doctor import run_probe_isolated
from envcheck.fact_keys import type_ok
from envcheck.model import ProbeStatus
from envcheck.probes.packages import (
    PackagesProbe,
    conda_channel_name,
    package_facts,
)
from envcheck.probes.target import TargetInspection, parse_target_output
from tests.fakes import data
from tests.probes.test_target import (
    add_dist,
    add_torch,
    host_python,
    make_conda_prefix,
    real_ctx,
    recorded_ctx,
)


def run_recorded(name: str) -> tuple[dict[str, Any], dict[str, str]]:
    ctx, _ = recorded_ctx(name)
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    for key, value in result.facts.items():
        assert type_ok(key, value), (key, value)
        if value is None:
            assert result.notes.get(key), f"{key} is None without a note"
    return dict(result.facts), dict(result.notes)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("https://conda.anaconda.org/pytorch/linux-64", "pytorch"),
        ("https://conda.anaconda.org/pytorch/noarch", "pytorch"),
        (
            "https://conda.anaconda.org/nvidia/label/cuda-12.1.0/linux-64",
            "nvidia/label/cuda-12.1.0",
        ),
        ("https://repo.anaconda.com/pkgs/main/linux-64", "pkgs/main"),
        ("https://conda.anaconda.org/conda-forge", "conda-forge"),
        ("conda-forge", "conda-forge"),
        ("pkgs/main/win-64", "pkgs/main"),
        ("https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud/pytorch/osx-arm64",
         "anaconda/cloud/pytorch"),
        ("", None),
        (None, None),
    ],
)
def test_conda_channel_name(raw: str | None, name: str | None) -> None:
    assert conda_channel_name(raw) == name


def test_cpu_build_in_a_venv() -> None:
    facts, notes = run_recorded("venv_torch_cpu.txt")
    assert facts["torch.version"] == "2.13.0+cpu"
    assert facts["torch.build_label"] == "cpu"
    assert facts["torch.cuda_build"] is None
    assert notes["torch.cuda_build"] == "CPU-only build"
    assert facts["torch.hip_build"] is None
    assert facts["torch.installer"] == "pip"
    assert facts["torch.location"] == "/work/main/.venv-torch/lib/python3.11/site-packages/torch"
    assert facts["torch.copies"] == [{
        "path": "/work/main/.venv-torch/lib/python3.11/site-packages",
        "version": "2.13.0+cpu", "installer": "pip",
    }]
    assert facts["cudnn.wheels"] == []
    assert facts["packages.torchvision"] is None
    assert notes["packages.torchvision"] == "not installed in /usr/bin/python3"
    assert facts["packages.conda"] is None
    assert "not a conda environment" in notes["packages.conda"]


def test_macos_build_is_not_called_cpu_only() -> None:
    # torch.version.cuda is None on every macOS build; the GPU is reached through MPS.
    record = parse_target_output(data("target/venv_torch_cpu.txt"))
    record["platform_tag"] = "macosx-11.0-arm64"
    record["torch"]["version_py"].update(__version__="2.5.1", cuda=None)
    outcome = package_facts(TargetInspection("/Users/lea/.venv/bin/python", "current", record))
    assert outcome.facts["torch.cuda_build"] is None
    assert "macOS" in outcome.notes["torch.cuda_build"]
    assert "MPS" in outcome.notes["torch.cuda_build"]
    assert "CPU-only" not in outcome.notes["torch.cuda_build"]


def test_user_site_copy_shadows_the_conda_torch() -> None:
    facts, _ = run_recorded("conda_cu121_user_site_shadow.txt")
    # The user site comes first on sys.path, so its cu118 wheel is the torch that imports.
    assert facts["torch.version"] == "2.1.0+cu118"
    assert facts["torch.cuda_build"] == "11.8"
    assert facts["torch.installer"] == "pip"
    assert facts["torch.location"] == "/home/ana/.local/lib/python3.11/site-packages/torch"
    assert facts["torch.copies"] == [
        {"path": "/home/ana/.local/lib/python3.11/site-packages", "version": "2.1.0+cu118",
         "installer": "pip"},
        {"path": "/home/ana/miniforge3/envs/train/lib/python3.11/site-packages",
         "version": "2.3.1", "installer": None},
    ]
    assert facts["packages.torchvision"] == "0.18.1"
    assert facts["packages.triton"] == "2.1.0"
    assert facts["cudnn.wheels"] == [{"name": "nvidia-cudnn-cu11", "version": "8.7.0.84"}]
    assert {(r["name"], r["channel"]) for r in facts["packages.conda"]} == {
        ("cuda-cudart", "nvidia"), ("cuda-runtime", "nvidia"), ("pytorch", "pytorch"),
        ("pytorch-cuda", "pytorch"), ("pytorch-mutex", "pytorch"), ("torchvision", "pytorch"),
    }
    pytorch = next(r for r in facts["packages.conda"] if r["name"] == "pytorch")
    assert pytorch == {"name": "pytorch", "version": "2.3.1",
                       "build": "py3.11_cuda12.1_cudnn8.9.2_0", "channel": "pytorch"}


def test_uv_env_with_cuda_wheels() -> None:
    facts, _ = run_recorded("uv_cu124.txt")
    assert facts["torch.version"] == "2.5.1+cu124"
    assert facts["torch.build_label"] == "cu124"
    assert facts["torch.cuda_build"] == "12.4"
    assert facts["torch.installer"] == "uv"
    assert facts["packages.torchvision"] == "0.20.1+cu124"
    assert facts["packages.xformers"] == "0.0.28.post3"
    assert facts["packages.triton"] == "3.1.0"
    assert facts["cudnn.wheels"] == [{"name": "nvidia-cudnn-cu12", "version": "9.1.0.70"}]
    assert [p["name"] for p in facts["packages.nvidia"]] == [
        "nvidia-cublas-cu12", "nvidia-cuda-runtime-cu12", "nvidia-cudnn-cu12",
        "nvidia-nccl-cu12",
    ]


def test_rocm_build() -> None:
    facts, notes = run_recorded("virtualenv_rocm61.txt")
    assert facts["torch.version"] == "2.4.1+rocm6.1"
    assert facts["torch.build_label"] == "rocm6.1"
    assert facts["torch.hip_build"] == "6.1.40091-a8dbc0c19"
    assert facts["torch.cuda_build"] is None
    assert notes["torch.cuda_build"] == "ROCm build (HIP 6.1.40091-a8dbc0c19), not CUDA"
    assert facts["packages.triton"] == "3.0.0"


def test_torch_missing() -> None:
    facts, notes = run_recorded("pyenv_py36.txt")
    assert facts["torch.version"] is None
    assert notes["torch.version"] == "torch is not installed in /usr/bin/python3"
    assert facts["torch.copies"] == []


def test_inspection_failure_fails_the_probe(tmp_path: Path) -> None:
    result = run_probe_isolated(PackagesProbe(), real_ctx("/bin/ls", home=tmp_path))
    assert result.status is ProbeStatus.FAILED
    assert result.note is not None
    assert result.note.startswith("TargetUnavailable: --python /bin/ls is not a Python interpreter")
    assert "torch.version" not in result.facts


def test_torch_on_pythonpath_without_a_record(tmp_path: Path) -> None:
    python = host_python()
    checkout = tmp_path / "pytorch-src"
    add_torch(checkout, "2.6.0a0+git1234567", cuda="12.6", dist=False)
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(checkout)})
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.facts["torch.version"] == "2.6.0a0+git1234567"
    assert result.facts["torch.build_label"] == "git1234567"
    assert result.facts["torch.installer"] is None
    assert "no distribution record" in result.notes["torch.installer"]
    assert result.facts["torch.copies"] == [
        {"path": str(checkout), "version": None, "installer": None}
    ]


def test_record_left_without_a_package(tmp_path: Path) -> None:
    python = host_python()
    site = tmp_path / "site"
    add_dist(site, "torch", "2.2.0")
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(site)})
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.facts["torch.version"] is None
    assert "broken or half-removed install" in result.notes["torch.version"]
    assert result.facts["torch.copies"] == [{"path": str(site), "version": "2.2.0",
                                             "installer": "pip"}]


def test_version_py_and_record_disagree(tmp_path: Path) -> None:
    python = host_python()
    site = tmp_path / "site"
    add_torch(site, "2.4.0+cu121", cuda="12.1", dist=False)
    add_dist(site, "torch", "2.3.1+cu121")
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(site)})
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.facts["torch.version"] == "2.4.0+cu121"
    assert "partially overwritten" in result.notes["torch.version"]


def test_missing_version_py(tmp_path: Path) -> None:
    python = host_python()
    site = tmp_path / "site"
    add_torch(site, "2.3.0", cuda="12.1")
    (site / "torch" / "version.py").unlink()
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(site)})
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.facts["torch.version"] == "2.3.0"
    assert result.facts["torch.cuda_build"] is None
    assert result.notes["torch.cuda_build"] == "torch/version.py does not exist"


def test_conda_installed_torch_is_attributed_to_conda(tmp_path: Path) -> None:
    prefix = make_conda_prefix(tmp_path / "miniforge3")
    site = prefix / "lib" / "python3.11" / "site-packages"
    add_torch(site, "2.3.1", cuda="12.1", dist=False)
    add_dist(site, "torch", "2.3.1", installer=None, egg_info=True)
    ctx = real_ctx(prefix / "bin" / "python", home=tmp_path, chosen_by="CONDA_PREFIX")
    result = run_probe_isolated(PackagesProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    assert result.facts["torch.version"] == "2.3.1"
    assert result.facts["torch.build_label"] == ""
    assert result.facts["torch.installer"] == "conda"
    assert {"name": "pytorch-cuda", "version": "12.1", "build": "ha16c6d3_5",
            "channel": "pytorch"} in result.facts["packages.conda"]
