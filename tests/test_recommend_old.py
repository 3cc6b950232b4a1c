"""torch 1.0-1.11 in the tables, and the issue-11 answers recommend used to get wrong.

Each case names the install form that release's page gave; docs/recipes.md lists the sources.
"""

from __future__ import annotations

import pytest

from envcheck.recommend import ImpossibleRequest, Request, recommend, reinstall_fix

STABLE = "https://download.pytorch.org/whl/torch_stable.html"


@pytest.mark.parametrize(
    ("request_", "command"),
    [
        (
            Request(torch="1.7.1", cuda="11.0", python="3.8"),
            "pip install torch==1.7.1+cu110 torchvision==0.8.2+cu110 torchaudio==0.7.2 "
            f"-f {STABLE}",
        ),
        (
            Request(torch="1.8.1", cuda="11.1", python="3.8"),
            "pip install torch==1.8.1+cu111 torchvision==0.9.1+cu111 torchaudio==0.8.1 "
            f"-f {STABLE}",
        ),
        (
            Request(torch="1.10.1", cuda="11.3", python="3.9"),
            "pip install torch==1.10.1+cu113 torchvision==0.11.2+cu113 torchaudio==0.10.1+cu113 "
            "-f https://download.pytorch.org/whl/cu113/torch_stable.html",
        ),
        (
            # the default (PyPI) build of 1.5-1.8 was written as a plain pip install
            Request(torch="1.7.1", cuda="10.2", python="3.8"),
            "pip install torch==1.7.1 torchvision==0.8.2 torchaudio==0.7.2",
        ),
        (
            # until 1.6 the page's pip command had no torchaudio
            Request(torch="1.5.0", variant="cu101", python="3.7"),
            f"pip install torch==1.5.0+cu101 torchvision==0.6.0+cu101 -f {STABLE}",
        ),
        (
            # 1.0.x wheels had no +label: the wheel's own URL under whl/cu100/
            Request(torch="1.0.0", cuda="10.0", python="3.6"),
            "pip install https://download.pytorch.org/whl/cu100/torch-1.0.0-cp36-cp36m-"
            "linux_x86_64.whl torchvision==0.2.1",
        ),
        (
            Request(torch="1.11.0", cuda="11.3", python="3.10"),
            "pip install torch==1.11.0+cu113 torchvision==0.12.0+cu113 torchaudio==0.11.0 "
            "--extra-index-url https://download.pytorch.org/whl/cu113",
        ),
        (
            Request(torch="1.7.1", cuda="11.0", python="3.8", manager="conda"),
            "conda install pytorch==1.7.1 torchvision==0.8.2 torchaudio==0.7.2 "
            "cudatoolkit=11.0 -c pytorch",
        ),
        (
            Request(torch="1.0.0", variant="cu100", python="3.6", manager="conda"),
            "conda install pytorch==1.0.0 torchvision==0.2.1 cuda100 -c pytorch",
        ),
        (
            Request(torch="1.8.1", cuda="11.1", python="3.8", mirror="sjtu"),
            "pip install torch==1.8.1+cu111 torchvision==0.9.1+cu111 torchaudio==0.8.1 "
            "-f https://mirror.sjtu.edu.cn/pytorch-wheels/torch_stable.html "
            "-i https://mirror.sjtu.edu.cn/pypi/web/simple",
        ),
        (
            Request(torch="1.10.1", cuda="11.3", python="3.9", mirror="aliyun"),
            "pip install torch==1.10.1+cu113 torchvision==0.11.2+cu113 torchaudio==0.10.1+cu113 "
            "-f https://mirrors.aliyun.com/pytorch-wheels/cu113 -i https://mirrors.aliyun.com/pypi/simple/",
        ),
        (
            # a PyPI mirror serves the default build of an old release plainly
            Request(torch="1.7.1", cuda="10.2", python="3.8", mirror="tuna"),
            "pip install torch==1.7.1 torchvision==0.8.2 torchaudio==0.7.2 "
            "-i https://pypi.tuna.tsinghua.edu.cn/simple",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_old_release_commands_as_their_pages_gave_them(request_: Request, command: str) -> None:
    assert recommend(request_).command == command


def test_python_36_gets_1102() -> None:
    rec = recommend(Request(python="3.6", variant="cpu"))
    assert rec.torch == "1.10.2"
    assert rec.command == (
        "pip install torch==1.10.2+cpu torchvision==0.11.3+cpu torchaudio==0.10.2+cpu "
        "-f https://download.pytorch.org/whl/cpu/torch_stable.html"
    )
    with_gpu = recommend(Request(python="3.6", driver="470.82.01", gpu="RTX 3090"))
    assert (with_gpu.torch, with_gpu.variant) == ("1.10.2", "cu113")


def test_pre_cuda_11_builds_have_no_minor_version_compatibility() -> None:
    # a CUDA 10.1 driver cannot run the cu102 build: 1.7.1 falls back to cu101
    rec = recommend(Request(torch="1.7.1", cuda="10.1", python="3.8"))
    assert rec.variant == "cu101"
    # driver 418.39 is CUDA 10.1's minimum, not "too old" as the 10.2 compat row would say
    rec = recommend(Request(torch="1.5.0", driver="418.39", python="3.7", cc=("7.5",)))
    assert rec.variant == "cu101"


def test_cu102_default_has_no_ampere_kernels() -> None:
    rec = recommend(Request(torch="1.7.1", driver="455.23", python="3.8", gpu="RTX 3090"))
    assert rec.variant == "cu110"
    assert any("built for CUDA 10.2" in w and "sm_86" in w for w in rec.warnings), rec.warnings


def test_aarch64_gets_no_cuda_command_for_23() -> None:
    req = Request(os="linux", arch="aarch64", torch="2.3.1", cuda="12.1", python="3.11")
    with pytest.raises(ImpossibleRequest) as info:
        recommend(req)
    assert "no CUDA builds for linux-aarch64" in info.value.reason
    assert any("--variant cpu" in p for p in info.value.possible)
    assert any("torch ≥ 2.7.0 with cu128" in p for p in info.value.possible)


def test_aarch64_before_18_has_no_wheels() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(arch="aarch64", torch="1.7.1", variant="cpu"))
    assert "linux-aarch64" in info.value.reason


def test_aarch64_unconfirmed_build_is_flagged() -> None:
    rec = recommend(Request(arch="aarch64", torch="2.6.0", variant="cu126", python="3.12"))
    assert any("believed to exist" in u for u in rec.unconfirmed)


def test_macos_without_arch_is_apple_silicon() -> None:
    rec = recommend(Request(os="macos", python="3.12", torch="<=2.14.1"))
    assert rec.torch == "2.14.1"  # Apple silicon: arm64 wheels, newer than Intel's last
    intel = recommend(Request(os="macos", arch="x86_64", python="3.12"))
    assert intel.torch == "2.2.2"
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(os="macos", torch="1.7.1"))
    assert any("--arch x86_64" in p for p in info.value.possible)


def test_mirror_never_offers_uv_torch_backend() -> None:
    for mirror in ("sjtu", "tuna", "aliyun"):
        rec = recommend(Request(cuda="13.0", python="3.13", mirror=mirror))
        assert all("--torch-backend" not in a.command for a in rec.alternatives), mirror
    plain = recommend(Request(cuda="13.0", python="3.13"))
    assert any("--torch-backend" in a.command for a in plain.alternatives)


def test_python_27_is_understood() -> None:
    rec = recommend(Request(python="2.7", variant="cpu"))
    assert rec.torch == "1.4.0"
    assert rec.command.startswith("pip install torch==1.4.0+cpu torchvision==0.5.0+cpu -f ")


def test_no_torchaudio_before_12_is_said_when_asked() -> None:
    rec = recommend(
        Request(torch="1.1.0", variant="cu100", python="3.7", packages=("torch", "torchaudio"))
    )
    assert "torchaudio" not in rec.command
    assert any("no torchaudio wheels" in w for w in rec.warnings)


def test_fix_says_the_driver_requirement_when_the_driver_is_unknown() -> None:
    facts = {"python.version": "3.12.3", "nvidia.gpus": [{"name": "RTX 4090"}]}
    fix = reinstall_fix(facts)
    assert fix is not None
    assert "driver ≥" in fix.summary and "unknown" in fix.summary, fix.summary
    known = reinstall_fix({**facts, "nvidia.driver_version": "580.95.05"})
    assert known is not None and "unknown" not in known.summary


def test_cu102_without_a_gpu_warns_about_ampere() -> None:
    rec = recommend(Request(torch="1.7.1", cuda="10.2", python="3.8"))
    assert any("no kernels for Ampere" in w and "cu110" in w for w in rec.warnings)
    modern = recommend(Request(torch="2.5.1", cuda="12.4", python="3.11"))
    assert not any("no kernels for Ampere" in w for w in modern.warnings)


def test_old_aarch64_cpu_wheels_come_from_pypi() -> None:
    rec = recommend(Request(arch="aarch64", torch="1.9.0", python="3.8"))
    assert rec.command == "pip install torch==1.9.0 torchvision==0.10.0 torchaudio==0.9.0"


def test_aliyun_alternative_follows_the_release_form() -> None:
    rec = recommend(Request(torch="1.7.1", cuda="11.0", python="3.8"))
    aliyun = [a.command for a in rec.alternatives if "aliyun" in a.command]
    assert aliyun == [
        "pip install torch==1.7.1+cu110 torchvision==0.8.2+cu110 torchaudio==0.7.2 "
        "-f https://mirrors.aliyun.com/pytorch-wheels/cu110"
    ]
    old = recommend(Request(torch="1.0.0", cuda="10.0", python="3.6"))
    assert any(
        a.command.startswith("pip install https://mirrors.aliyun.com/pytorch-wheels/cu100/")
        and "-f" not in a.label
        for a in old.alternatives
    )
