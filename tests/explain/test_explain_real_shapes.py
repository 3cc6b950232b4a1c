"""explain on pastes in the shapes real bug reports take: prose, fragments, banners, logs.

Each case is written for this project (none is copied from a real thread): a few lines in the
way people paste them — their own sentences in English or Chinese around an error line, a
tool's banner, an install log, a command they ran — and the category of the cause a
maintainer would establish. The primary finding (first error, else first warning) must have
that category; healthy pastes must raise no error.
"""

from __future__ import annotations

import pytest

from envcheck.explain_report import explain_report
from envcheck.model import Finding, Severity

CASES: list[tuple[str, str, str]] = [
    # --- cpu_build ------------------------------------------------------------------------------
    (
        "cpu_build",
        "windows-repl-cpu-label",
        "I'm on Windows 11 with an RTX 4070.\n>>> import torch\n>>> torch.__version__\n"
        "'2.3.1+cpu'\n>>> torch.cuda.is_available()\nFalse\n",
    ),
    (
        "cpu_build",
        "chinese-prose-cpu-label",
        "我的显卡是RTX 3060，但是torch.cuda.is_available()一直是False，"
        "torch版本是2.0.1+cpu，怎么办？",
    ),
    (
        "cpu_build",
        "assertion-with-gpu-in-prose",
        "Windows 10, GTX 1660 Ti, driver 531.41\n"
        "AssertionError: Torch not compiled with CUDA enabled\n",
    ),
    (
        "cpu_build",
        "tool-banner-cpu",
        "MyTool v0.4 starting: Python-3.11.4 torch-2.2.0+cpu CPU (AMD Ryzen 7 5800X)\n"
        "WARNING: no CUDA device found, falling back to CPU. GPU: RTX 3080\n",
    ),
    # --- driver_too_old -------------------------------------------------------------------------
    (
        "driver_too_old",
        "warning-found-version",
        "torch 2.3.0+cu121\nUserWarning: CUDA initialization: The NVIDIA driver on your system "
        "is too old (found version 11040). Please update your GPU driver.\n",
    ),
    (
        "driver_too_old",
        "smi-header-and-cu121",
        "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |\n"
        "pip list | grep torch\ntorch                2.1.0+cu121\n"
        ">>> torch.cuda.is_available()\nFalse\n",
    ),
    # --- arch_unsupported -----------------------------------------------------------------------
    (
        "arch_unsupported",
        "blackwell-no-kernel-image",
        "New RTX 5090 build, torch 2.5.1+cu124.\nRuntimeError: CUDA error: no kernel image is "
        "available for execution on the device\n",
    ),
    (
        "arch_unsupported",
        "old-gpu-warning",
        "UserWarning: Found GPU0 NVIDIA GeForce GTX 770 which is of cuda capability 3.0.\n"
        "PyTorch no longer supports this GPU because it is too old.\n",
    ),
    # --- no_driver ------------------------------------------------------------------------------
    (
        "no_driver",
        "smi-failed-after-update",
        "After apt upgrade on Ubuntu 22.04:\n$ nvidia-smi\nNVIDIA-SMI has failed because it "
        "couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is "
        "installed and running.\n",
    ),
    (
        "no_driver",
        "nvml-mismatch",
        "$ nvidia-smi\nFailed to initialize NVML: Driver/library version mismatch\n",
    ),
    (
        "no_driver",
        "intel-laptop",
        "My laptop only has Intel UHD Graphics 620.\nAssertionError: Torch not compiled with "
        "CUDA enabled\n",
    ),
    # --- cuda_visible_devices -------------------------------------------------------------------
    (
        "cuda_visible_devices",
        "launcher-sets-index",
        "I run `CUDA_VISIBLE_DEVICES=2 python train.py` on my workstation and get\n"
        "RuntimeError: CUDA error: invalid device ordinal\n",
    ),
    (
        "cuda_visible_devices",
        "bare-error",
        'Traceback (most recent call last):\n  File "main.py", line 12, in <module>\n'
        "    model.cuda()\nRuntimeError: No CUDA GPUs are available\n",
    ),
    (
        "cuda_visible_devices",
        "empty-export",
        "export CUDA_VISIBLE_DEVICES=\n$ python -c 'import torch; print(torch.cuda.device_count())'"
        "\n0\n| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4     |\n"
        "|   0  NVIDIA A100-SXM4-80GB          On  | 00000000:07:00.0 Off |"
        "                    0 |\n",
    ),
    # --- env_conflict ---------------------------------------------------------------------------
    (
        "env_conflict",
        "resolver-conflict",
        "ERROR: pip's dependency resolver does not currently take into account all the packages "
        "that are installed. This behaviour is the source of the following dependency "
        "conflicts.\ntorchvision 0.16.0 requires torch==2.1.0, but you have torch 2.2.0 which "
        "is incompatible.\n",
    ),
    (
        "env_conflict",
        "install-log-swap",
        "Collecting torch>=2.0\n  Downloading torch-2.4.0-cp310-cp310-win_amd64.whl (198 MB)\n"
        "Installing collected packages: torch\n  Attempting uninstall: torch\n"
        "    Found existing installation: torch 2.3.1+cu121\n    Uninstalling torch-2.3.1+cu121:\n"
        "      Successfully uninstalled torch-2.3.1+cu121\nSuccessfully installed torch-2.4.0\n",
    ),
    (
        "env_conflict",
        "notebook-other-python",
        "In the terminal torch imports fine, in the notebook it does not.\n"
        "terminal: sys.executable = /home/kim/miniconda3/envs/dl/bin/python\n"
        "notebook: sys.executable = /usr/bin/python3\n"
        "ModuleNotFoundError: No module named 'torch'\n",
    ),
    (
        "env_conflict",
        "nms-missing",
        "RuntimeError: operator torchvision::nms does not exist\n",
    ),
    # --- nvcc_mismatch --------------------------------------------------------------------------
    (
        "nvcc_mismatch",
        "ext-build-version",
        "pip install -e . fails:\nRuntimeError: The detected CUDA version (11.5) mismatches the "
        "version that was used to compile\nPyTorch (12.1). Please make sure to use the same CUDA "
        "versions.\n",
    ),
    (
        "nvcc_mismatch",
        "cuda-home",
        "building the extension:\nOSError: CUDA_HOME environment variable is not set. Please set "
        "it to your CUDA install root.\n",
    ),
    (
        "nvcc_mismatch",
        "missing-header",
        "csrc/kernel.cu:3:10: fatal error: cuda_runtime.h: No such file or directory\n"
        "error: command '/usr/bin/gcc' failed with exit code 1\n",
    ),
    # --- cudnn ----------------------------------------------------------------------------------
    (
        "cudnn",
        "windows-dll",
        "Could not load library cudnn_cnn_infer64_8.dll. Error code 126\nPlease make sure "
        "cudnn_cnn_infer64_8.dll is in your library path!\n",
    ),
    # --- python_unsupported ---------------------------------------------------------------------
    (
        "python_unsupported",
        "no-versions",
        "Python 3.13.0 on Windows\nERROR: Could not find a version that satisfies the "
        "requirement torch==2.2.0 (from versions: 2.6.0, 2.7.0)\nERROR: No matching "
        "distribution found for torch==2.2.0\n",
    ),
    # --- platform -------------------------------------------------------------------------------
    (
        "platform",
        "mac-cuda",
        "On my MacBook Pro M2:\nAssertionError: Torch not compiled with CUDA enabled\n",
    ),
    (
        "platform",
        "docker-without-gpus",
        "docker run -it --rm pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime python -c "
        '"import torch; print(torch.cuda.is_available())"\nFalse\n',
    ),
    (
        "platform",
        "wsl-no-driver",
        "Ubuntu on WSL, RTX 3070, latest Game Ready driver on Windows.\n"
        "RuntimeError: Found no NVIDIA driver on your system.\n",
    ),
    (
        "platform",
        "jetson",
        "Jetson Orin Nano with JetPack 6.0. I did pip install torch, and "
        "torch.cuda.is_available() returns False.\n",
    ),
]

# Shapes learned from a second, independently written set of reports.
CASES += [
    (
        "platform",
        "container-host-gpu-named",
        "Host has an RTX 4080 and nvidia-smi works there.\n"
        "$ docker run --rm -it -v $PWD:/work myimage:latest bash\n"
        "root@abc:/work# nvidia-smi\nbash: nvidia-smi: command not found\n",
    ),
    (
        "env_conflict",
        "kernel-prints-other-python",
        "Works in my conda terminal, not in VS Code's notebook.\n"
        "terminal prints /opt/conda/envs/train/bin/python\n"
        "notebook cell output:\n/usr/local/bin/python3\n"
        "ModuleNotFoundError: No module named 'torch'\n",
    ),
    (
        "env_conflict",
        "user-site-shadow",
        "(ml) $ conda list | grep pytorch\n"
        "pytorch                   2.2.0           py3.11_cuda12.1_cudnn8.9.2_0    pytorch\n"
        '(ml) $ python -c "import torch; print(torch.__version__, torch.__file__)"\n'
        "1.13.1 /home/kai/.local/lib/python3.11/site-packages/torch/__init__.py\n",
    ),
    (
        "cudnn",
        "cudnn-wheel-replaced",
        "torch 2.2.1 requires nvidia-cudnn-cu12==8.9.2.26, but you have nvidia-cudnn-cu12 "
        "9.1.0.70 which is incompatible.\n",
    ),
    (
        "platform",
        "mig-two-instances",
        "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-11111111-2222-3333-4444-555555555555)\n"
        "  MIG 3g.20gb     Device  0: (UUID: MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)\n"
        "  MIG 3g.20gb     Device  1: (UUID: MIG-ffffffff-0000-1111-2222-333333333333)\n"
        "torchrun --nproc_per_node=2 train.py\n"
        "RuntimeError: CUDA error: invalid device ordinal\n",
    ),
    (
        "python_unsupported",
        "conda-solver-python",
        "conda install pytorch==1.12.1 -c pytorch   (python 3.12 env)\n"
        "  - package pytorch-1.12.1-py3.9_cuda11.6_cudnn8.3.2_0 requires python >=3.9,<3.10.0a0, "
        "but none of the providers can be installed\n",
    ),
    (
        "cuda_visible_devices",
        "mixed-gpus-device-order",
        "Two cards: GTX 1070 and RTX 3090. CUDA_VISIBLE_DEVICES=1 python train.py still puts "
        "my job on the 1070 and it runs out of memory.\n",
    ),
    (
        "cuda_visible_devices",
        "everything-checks-out",
        "Is CUDA available: False\nCUDA used to build PyTorch: 12.1\n"
        "GPU models and configuration:\nGPU 0: NVIDIA RTX A5000\nGPU 1: NVIDIA RTX A5000\n"
        "Nvidia driver version: 550.90.07\n[pip3] torch==2.3.0+cu121\n"
        "Only my account is affected; I recently edited ~/.bashrc.\n",
    ),
    (
        "cpu_build",
        "installer-menu-cpu-choice",
        "What is your GPU?\nA) NVIDIA\nB) AMD (Linux only)\nC) Apple M Series\n"
        "Input> C\npip install torch==2.2.1 --index-url https://download.pytorch.org/whl/cpu\n"
        "C:\\tools\\webui\\env\\python.exe: AssertionError: Torch not compiled with CUDA "
        "enabled\nMy card is an RTX 4060.\n",
    ),
]

# Shapes a third, independently written set of reports showed.
CASES += [
    (
        "driver_too_old",
        "container-runtime-requirement",
        "docker run --gpus all registry/app:cu125 python app.py\n"
        "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.5, please "
        "update your driver to a newer version, or use an earlier cuda container: unknown.\n",
    ),
    (
        "cuda_visible_devices",
        "kernel-json-empty",
        "The notebook sees no GPU, the terminal does (same interpreter).\n"
        '{"argv": ["/opt/envs/a/bin/python", "-m", "ipykernel_launcher"], '
        '"env": {"CUDA_VISIBLE_DEVICES": ""}}\n',
    ),
    (
        "cudnn",
        "dll-not-located",
        "Could not locate cudnn_cnn_infer64_8.dll. Please make sure it is in your library path!\n",
    ),
    (
        "cudnn",
        "sublibrary-mismatch",
        "Could not load symbol cudnnGetLibConfig. Error: /usr/lib/x86_64-linux-gnu/"
        "libcudnn_graph.so.9: undefined symbol: cudnnGetLibConfig\n"
        "RuntimeError: cuDNN error: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH\n",
    ),
    (
        "platform",
        "mac-cuda-index",
        "MacBook Air M2\npip install torch --index-url https://download.pytorch.org/whl/cu121\n"
        "ERROR: Could not find a version that satisfies the requirement torch (from versions: "
        "none)\nAssertionError: Torch not compiled with CUDA enabled\n",
    ),
    (
        "cudnn",
        "framework-library-wheels",
        "torch 2.4.0 requires nvidia-cublas-cu12==12.1.3.1, but you have nvidia-cublas-cu12 "
        "12.3.4.1 which is incompatible.\ntorch 2.4.0 requires nvidia-cudnn-cu12==9.1.0.70, but "
        "you have nvidia-cudnn-cu12 8.9.7.29 which is incompatible.\n",
    ),
]

# Shapes a fourth, independently written set showed.
CASES += [
    (
        "nvcc_mismatch",
        "setup-reads-cuda-home-none",
        "pip install some-cuda-op --no-build-isolation\n"
        '    _, bare_metal_version = get_cuda_bare_metal_version(CUDA_HOME)\n'
        "TypeError: unsupported operand type(s) for +: 'NoneType' and 'str'\n",
    ),
    (
        "env_conflict",
        "extension-built-for-other-torch",
        "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:\n"
        "    PyTorch 2.4.0+cu121 with CUDA 1201 (you have 2.3.1+cu121)\n",
    ),
    (
        "driver_too_old",
        "pypi-default-build-old-driver",
        "Ubuntu 20.04 box, pip install torch==2.3.1, torch.cuda.is_available() returns False\n"
        "| NVIDIA-SMI 470.199.02   Driver Version: 470.199.02   CUDA Version: 11.4     |\n",
    ),
    (
        "env_conflict",
        "terminal-and-notebook-builds",
        "is_available() is True in the terminal and False in the notebook.\n"
        "terminal: /opt/conda/envs/x/bin/python  torch 2.3.0+cu121\n"
        "notebook: /usr/bin/python3  torch 2.3.0+cpu\n",
    ),
    (
        "cuda_visible_devices",
        "set-after-cuda-started",
        "```python\nimport torch, os\nprint(torch.cuda.device_count())\n"
        'os.environ["CUDA_VISIBLE_DEVICES"] = "2,3"\nmodel = Net().cuda()\n```\n'
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a "
        "total capacity of 79.15 GiB of which 10.50 MiB is free.\n",
    ),
    (
        "cudnn",
        "cudnn-symbol-from-system-copy",
        "OSError: /usr/local/cuda/lib64/libcudnn_cnn_infer.so.8: undefined symbol: "
        "_ZN11cudnnTensor4initEv, version libcudnn_ops_infer.so.8\n",
    ),
]

HEALTHY: list[tuple[str, str]] = [
    (
        "works-question",
        "Everything works on my RTX 4090 (torch 2.4.1+cu124, driver 550), I just want to know "
        "whether channels_last helps.\n>>> torch.cuda.is_available()\nTrue\n",
    ),
    (
        "cpu-server",
        "This is a CPU-only server, no GPU on purpose.\ntorch 2.4.1+cu121\n"
        "torch.cuda.is_available(): False\n",
    ),
    (
        "mac-mps",
        "macOS 14 on an M3 Max. torch 2.5.0, torch.backends.mps.is_available() True, "
        "torch.cuda.is_available() False.\n",
    ),
]


# Healthy pastes that use the words of a fault: negated, past, conditional, quoted code,
# counts that look like model numbers. Neither a warning nor an error may come of them.
QUIET: list[tuple[str, str]] = [
    ("negated-cpu", "Installed from the cu121 index (not the CPU version); torch 2.2.0 runs on "
     "my RTX 4070.\n"),
    ("conflict-solved-zh", "之前遇到版本冲突，现在解决了，谢谢。\n"),
    ("two-pythons-working", "/home/a/venv/bin/python\n/usr/bin/python3\nBoth are there; the "
     "notebook uses the venv kernel and everything works.\n"),
    ("upgrade-fixed-it", "Upgrading torch to 2.3.1 fixed it, thanks!\n"),
    ("no-errors-any-more-zh", "更新驱动以后没有报错了，训练正常。\n"),
    ("error-rate", "Exceptions are handled now.\nError rate on the val set is 2%.\n"),
    ("nouveau-behind-us", "nouveau was blacklisted long ago; driver 550.54.14 works and "
     "nvidia-smi shows the A100.\n"),
    ("fallback-when-no-cuda", "The script falls back to the CPU when CUDA is not available, as "
     "expected on the login node; on the GPU node torch 2.1.0+cu121 runs fine.\n"),
    ("image-count", "Training on my 3000 images with torch 2.1.0+cpu on my laptop, slow but "
     "fine.\n"),
    ("extension-built", "torch.cuda.is_available() returns True. I built the extension with "
     "setup.py install and it works.\n"),
    ("quoted-code", "if torch.cuda.is_available() is False:\n    device = 'cpu'\n"),
    ("error-now-solved", 'I used to get "Torch not compiled with CUDA enabled", but reinstalling '
     "from the cu121 index solved it.\n"),
]


@pytest.mark.parametrize("text", [t for _, t in QUIET], ids=[n for n, _ in QUIET])
def test_fault_words_in_a_healthy_paste_raise_nothing(text: str) -> None:
    report = explain_report(text)
    assert not [f.id for f in report.findings if f.severity >= Severity.WARNING]


def _primary(findings: tuple[Finding, ...]) -> Finding | None:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    return (errors or warnings or [None])[0]


@pytest.mark.parametrize(
    ("category", "text"), [(c, t) for c, _, t in CASES], ids=[n for _, n, _ in CASES]
)
def test_primary_cause(category: str, text: str) -> None:
    report = explain_report(text)
    first = _primary(report.findings)
    assert first is not None, "no error or warning"
    assert first.category.value == category, [(f.id, f.severity.name) for f in report.findings]


@pytest.mark.parametrize("text", [t for _, t in HEALTHY], ids=[n for n, _ in HEALTHY])
def test_healthy_has_no_error(text: str) -> None:
    report = explain_report(text)
    assert not [f.id for f in report.findings if f.severity is Severity.ERROR]


def test_same_paste_in_gb18030_and_utf16_gives_the_same_diagnosis() -> None:
    text = "显卡是 RTX 3060，torch 版本 2.0.1+cpu，torch.cuda.is_available() 返回 False\n"
    ids = [f.id for f in explain_report(text).findings]
    for encoded in (text.encode("gb18030"), text.encode("utf-16"), text.encode("utf-8-sig")):
        report = explain_report(encoded)
        assert [f.id for f in report.findings] == ids
    assert explain_report(text.encode("gb18030")).facts["explain.encoding"] == "gb18030"


def test_lenient_facts_say_where_they_came_from() -> None:
    report = explain_report("I have an RTX 3090 and torch==1.7.1+cu101 from requirements.txt")
    assert report.facts["torch.version"] == "1.7.1+cu101"
    assert "line 1" in report.notes["torch.version"]
    assert report.notes["nvidia.gpus"].startswith("read leniently")
    first = _primary(report.findings)
    assert first is not None and first.id == "arch_unsupported.gpu_not_in_torch_arch_list"


def test_a_strict_fact_wins_over_prose() -> None:
    text = (
        "I think I installed torch 2.0.0 last week.\n"
        "PyTorch version: 2.1.2+cu121\nIs CUDA available: True\n"
    )
    report = explain_report(text)
    assert report.facts["torch.version"] == "2.1.2+cu121"


@pytest.mark.parametrize(
    "text",
    [
        "RTX 5090, torch 2.5.1+cu124\nRuntimeError: CUDA error: no kernel image is available for "
        "execution on the device\n",
        "UserWarning: NVIDIA GeForce RTX 3090 with CUDA capability sm_86 is not compatible with "
        "the current PyTorch installation.\nThe current PyTorch install supports CUDA "
        "capabilities sm_37 sm_50 sm_60 sm_70 sm_75 compute_37.\n",
        "GTX 1080 Ti here. torch.__version__ is 2.2.0+cpu and is_available() returns False\n",
    ],
    ids=["blackwell", "ampere-old-build", "pascal-cpu-build"],
)
def test_fix_for_an_nvidia_gpu_is_a_cuda_build_with_its_driver_stated(text: str) -> None:
    report = explain_report(text)
    first = _primary(report.findings)
    assert first is not None
    commands = [c for fix in first.fixes for c in fix.commands]
    assert commands and not any("whl/cpu" in c for c in commands), commands
    assert any("/whl/cu" in c for c in commands), commands
    # The driver is unknown: the fix says which one the chosen build needs.
    assert any("needs NVIDIA driver" in fix.summary for fix in first.fixes)


def test_unknown_driver_gets_the_build_with_the_lowest_driver_requirement() -> None:
    from envcheck.recipes import load_tables
    from envcheck.recommend import reinstall_recommendation

    facts = {"os.name": "linux", "nvidia.gpus": [{"index": 0, "compute_capability": "8.6"}]}
    rec = reinstall_recommendation(facts)
    assert rec is not None
    tables = load_tables()
    release = tables.release(rec.torch)
    assert release is not None
    needs = {
        v: tables.variant_min_driver(v, "linux")
        for v in release.variants_on("linux", "x86_64")
        if v.startswith("cu")
    }
    chosen = needs[rec.variant]
    assert chosen is not None
    assert all(n is None or chosen <= n for n in needs.values())


@pytest.mark.parametrize("text", [
    "2025-01-01 12:00:00 | ERROR | loader:load | Failed to load model: Torch not compiled "
    "with CUDA enabled\n",
    "Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot "
    "open shared object file: No such file or directory\n",
    # Windows: PyPI's torch is the CPU build there, so a bare pin is a CPU command too.
    "PyTorch version: 2.3.1+cpu\nOS: Microsoft Windows 11 Pro\nIs CUDA available: False\n"
    "Nvidia driver version: No CUDA\n"
    "AssertionError: Torch not compiled with CUDA enabled\n",
])
def test_code_that_asks_for_cuda_is_never_told_to_install_the_cpu_build(text: str) -> None:
    report = explain_report(text)
    fixes = [fix for f in report.findings for fix in f.fixes]
    commands = [c for fix in fixes for c in fix.commands]
    assert commands, [f.id for f in report.findings]
    assert not [c for c in commands if "/whl/cpu" in c]
    assert not [fix for fix in fixes if "CPU build" in fix.summary]


@pytest.mark.parametrize(("text", "name"), [
    ('the laptop has "Radeon 780M graphics" which is strong', "Radeon 780M graphics"),
    ("AMD Radeon(TM) 780M Graphics  31.0.22023.1014", "Radeon(TM) 780M Graphics"),
    ("a Radeon RX 7900 XTX, sadly", "Radeon RX 7900 XTX"),
    ("Intel(R) Iris(R) Xe Graphics which came with it", "Intel(R) Iris(R) Xe Graphics"),
    ('Intel Arc A770 16GB "works" in games', "Intel Arc A770 16GB"),
])
def test_another_vendors_gpu_is_named_without_the_words_around_it(text: str, name: str) -> None:
    from envcheck.explain.prose_patterns import OTHER_GPU_RE

    found = OTHER_GPU_RE.search(text)
    assert found is not None and found.group(0) == name
