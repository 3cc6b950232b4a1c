"""How explain_text cleans pastes, merges sections and reports what it did not understand."""

from __future__ import annotations

from envcheck.explain import MAX_UNPARSED, explain_text
from envcheck.explain.common import split_lines
from envcheck.explain.env_lines import parse_env_lines
from envcheck.explain.nvcc import parse_nvcc
from envcheck.explain.python_prints import parse_arch_list

NVCC = """nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2022 NVIDIA Corporation
Built on Wed_Sep_21_10:33:58_PDT_2022
Cuda compilation tools, release 11.8, V11.8.89
Build cuda_11.8.r11.8/compiler.31833905_0"""


def test_wrapping_is_removed() -> None:
    wrapped = "\r\n".join(
        ["> <details><summary>nvcc</summary>", "> ", "> ```console"]
        + [
            f"> \x1b[32m{line}\x1b[0m" if i == 3 else f"> {line}"
            for i, line in enumerate(NVCC.splitlines())
        ]
        + ["> ```", "> </details>"]
    )
    r = explain_text(wrapped)
    assert r.facts["cuda_toolkit.nvcc_version"] == "11.8"
    assert r.formats == ("nvcc",)
    assert r.unparsed == ()


def test_prompts_are_stripped_and_marked() -> None:
    lines = split_lines(
        "$ nvcc -V\n(base) me@host:~/x$ pip list\nPS C:\\Users\\me> nvidia-smi\n"
        "C:\\Users\\me>python -V\nIn [3]: torch.__version__\n>>> import torch"
    )
    assert [(line.text, line.command) for line in lines] == [
        ("nvcc -V", True),
        ("pip list", True),
        ("nvidia-smi", True),
        ("python -V", True),
        ("torch.__version__", True),
        (">>> import torch", False),
    ]


def test_conda_comment_lines_are_not_prompts() -> None:
    assert split_lines("# Name  Version  Build  Channel")[0].text.startswith("# Name")


def test_first_value_wins_and_the_conflict_is_noted() -> None:
    text = (
        "Driver Version                            : 535.104.05\n\n"
        "+-----------------------------------------------------------------------------+\n"
        "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4     |\n"
        "+-----------------------------------------------------------------------------+\n"
    )
    r = explain_text(text)
    assert r.facts["nvidia.driver_version"] == "535.104.05"
    note = r.notes["nvidia.driver_version"]
    assert "550.54.15" in note and "line 4" in note and "kept '535.104.05'" in note


def test_known_value_replaces_an_earlier_unknown() -> None:
    text = (
        "PyTorch version: 2.2.0\nIs CUDA available: False\n"
        "CUDA runtime version: Could not collect\n\n" + NVCC
    )
    r = explain_text(text)
    assert r.facts["cuda_toolkit.nvcc_version"] == "11.8"
    assert "cuda_toolkit.nvcc_version" not in r.notes


def test_gpu_lists_from_two_sections_are_merged_by_index() -> None:
    text = (
        "PyTorch version: 2.1.0\nIs CUDA available: True\n"
        "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 3080 Ti Laptop GPU\n\n"
        "| NVIDIA-SMI 535.104.05    Driver Version: 535.104.05    CUDA Version: 12.2     |\n"
        "|===============================+======================+======================|\n"
        "|   0  NVIDIA GeForce ...  Off  | 00000000:01:00.0  On |                  N/A |\n"
        "| 30%   41C    P8    14W / 170W |    354MiB / 16384MiB |      3%      Default |\n"
    )
    (gpu,) = explain_text(text).facts["nvidia.gpus"]
    assert gpu["name"] == "NVIDIA GeForce RTX 3080 Ti Laptop GPU"
    assert gpu["memory_total_bytes"] == 16384 * 1024 * 1024


def test_unparsed_is_capped_and_counted() -> None:
    text = "\n".join(f"line number {i} of my story" for i in range(50))
    r = explain_text(text)
    assert len(r.unparsed) == MAX_UNPARSED + 1
    assert r.unparsed[-1].endswith("30 more lines not understood")


def test_env_assignment_shapes() -> None:
    text = "\n".join(
        [
            "export CUDA_VISIBLE_DEVICES=",
            'os.environ["CUDA_HOME"] = "/opt/cuda"',
            "set CUDA_PATH=C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v12.1",
            "$env:TORCH_CUDA_ARCH_LIST = '8.6;9.0'",
            "LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH",
            "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True torchrun train.py",
            "Set CUDA_LAUNCH_BLOCKING=1 to debug (a message, not a setting)",
        ]
    )
    facts = {f.key: f.value for f in parse_env_lines(text).found}
    assert facts["env.cuda_visible_devices"] == ""
    assert facts["env.cuda_visible_devices_parsed"]["kind"] == "empty"
    assert facts["env.cuda_home"] == "/opt/cuda"
    assert facts["env.cuda_path"].endswith("v12.1")
    assert facts["env.torch_cuda_arch_list"] == "8.6;9.0"
    assert facts["env.ld_library_path"] == ["/usr/local/cuda/lib64", "$LD_LIBRARY_PATH"]
    assert facts["env.pytorch_cuda_alloc_conf"] == "expandable_segments:True"
    assert "env.cuda_launch_blocking" not in facts


def test_nvcc_parser_alone() -> None:
    parsed = parse_nvcc(NVCC)
    assert [(f.key, f.value) for f in parsed.found] == [("cuda_toolkit.nvcc_version", "11.8")]
    assert parsed.consumed == frozenset(range(5))


def test_arch_list_reader() -> None:
    assert parse_arch_list("['sm_50', 'sm_90', 'compute_90']") == ["sm_50", "sm_90", "compute_90"]
    assert parse_arch_list("['a', 'b']") is None
    assert parse_arch_list("[]") is None


def test_bare_values_without_an_expression_are_not_read() -> None:
    r = explain_text("True\n2.1.0+cu121\n12.1\n")
    assert r.formats == ()
    assert "torch.cuda_available" not in r.facts


def test_prose_mentioning_packages_is_not_a_package_list() -> None:
    r = explain_text("I use Python 3.10 and numpy 1.26 with torch, on Ubuntu 22.04\nOS: Linux")
    assert r.formats == ("prose",)  # read leniently, not as a package list
    assert "torch.version" not in r.facts
    assert r.facts["python.version"] == "3.10"
    assert r.notes["python.version"].startswith("read leniently")


def test_pip_install_output() -> None:
    r = explain_text(
        "Requirement already satisfied: filelock in ./venv/lib/python3.10/site-packages "
        "(from torch) (3.13.1)\n"
        "Successfully installed nvidia-cudnn-cu12-8.9.2.26 torch-2.1.0+cu121 "
        "torchvision-0.16.0+cu121 typing-extensions-4.8.0\n"
    )
    assert r.facts["torch.version"] == "2.1.0+cu121"
    assert r.facts["cudnn.wheels"] == [{"name": "nvidia-cudnn-cu12", "version": "8.9.2.26"}]
    assert r.unparsed == ()


def test_collect_env_with_hand_edited_labels() -> None:
    r = explain_text(
        "Is debug build: No\nCUDA used to build PyTorch: 10.2\n\nOs: Ubuntu 18.04.3 LTS\n"
        "Is CUDA available: No\nGPU models and configuration:\nGPU 0\uff1a Tesla P100-PCIE-16GB\n\n"
        "Version of relevant libraries:\n[pip3] torch==1.5.0\n[conda] Could not collect\n"
    )
    f = r.facts
    assert f["os.distro"] == "Ubuntu 18.04.3 LTS"
    assert f["nvidia.gpus"][0]["name"] == "Tesla P100-PCIE-16GB"
    assert f["torch.version"] == "1.5.0"
    assert r.unparsed == ()


def test_repl_value_after_a_torch_warning() -> None:
    r = explain_text(
        ">>> torch.cuda.is_available()\n"
        "/opt/venv/lib/python3.10/site-packages/torch/cuda/__init__.py:138: UserWarning: CUDA "
        "initialization: CUDA unknown error - this may be due to an incorrectly set up "
        "environment. (Triggered internally at ../c10/cuda/CUDAFunctions.cpp:108.)\n"
        "  return torch._C._cuda_getDeviceCount() > 0\n"
        "False\n"
    )
    assert r.facts["torch.cuda_available"] is False
    assert r.facts["torch.cuda_error"].startswith("CUDA initialization: CUDA unknown error")
    assert [e["kind"] for e in r.facts["errors.seen"]] == ["cuda_unknown_error"]
    assert r.unparsed == ()
