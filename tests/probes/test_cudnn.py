"""cuDNN probe: header and library-name parsing, system copies on fake trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeOutcome
from envcheck.probes.cudnn import (
    CudnnProbe,
    keep_most_specific,
    parse_cudnn_header,
    parse_cudnn_lib_name,
)
from tests.fakes import DATA, data, make_ctx


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cudnn_version-8.9.2.h", "8.9.2"),
        ("cudnn_version-9.1.0.h", "9.1.0"),
        ("cudnn-7.6.5.h", "7.6.5"),
        ("cudnn-8.h", None),
    ],
)
def test_parse_cudnn_header_on_recorded_headers(name: str, expected: str | None) -> None:
    assert parse_cudnn_header(data(f"cuda/{name}")) == expected


def test_parse_cudnn_header_edge_cases() -> None:
    assert parse_cudnn_header("#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 3\n") == "9.3.0"
    assert parse_cudnn_header("#define CUDNN_MAJOR 9\n") is None
    # A macro mentioned in a comment or under another name does not count.
    assert parse_cudnn_header("// CUDNN_MAJOR 8\n#define CUDNN_MAJOR_X 8\n") is None


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    assert parse_cudnn_header(text) is None or isinstance(parse_cudnn_header(text), str)
    assert parse_cudnn_lib_name(text) is None or isinstance(parse_cudnn_lib_name(text), str)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("libcudnn.so.8.9.2", "8.9.2"),
        ("libcudnn.so.9", "9"),
        ("libcudnn.so.9.1.0", "9.1.0"),
        ("libcudnn.so", None),
        ("libcudnn_ops_infer.so.8", None),
        ("libcudnn.so.8.bak", None),
        ("cudnn64_8.dll", "8"),
        ("CUDNN64_9.DLL", "9"),
        ("cudnn_ops64_9.dll", None),
    ],
)
def test_parse_cudnn_lib_name(name: str, expected: str | None) -> None:
    assert parse_cudnn_lib_name(name) == expected


def test_keep_most_specific() -> None:
    assert keep_most_specific(["8", "8.9.2"]) == ["8.9.2"]
    assert keep_most_specific(["8.9.2", "9", "9.1.0", "9"]) == ["8.9.2", "9.1.0"]
    assert keep_most_specific(["1", "10.1"]) == ["1", "10.1"]


# --- fake machines -------------------------------------------------------------------------


def put(root: Path, machine_path: str, content: str = "") -> Path:
    path = root / machine_path.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def header(root: Path, machine_path: str, recorded: str) -> None:
    target = root / machine_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "cuda" / recorded, target)


def run(root: Path, env: dict[str, str], system: str = "Linux") -> ProbeOutcome:
    outcome = CudnnProbe().run(make_ctx(root=root, env=env, system=system))
    for key, value in outcome.facts.items():
        assert key in CATALOGUE and type_ok(key, value), key
    assert set(outcome.facts) == {"cudnn.system"}
    return outcome


def rows(outcome: ProbeOutcome) -> list[tuple[str, str | None, str]]:
    return [(c["path"], c["version"], c["source"]) for c in outcome.facts["cudnn.system"]]


def test_linux_headers_and_libraries(tmp_path: Path) -> None:
    header(tmp_path, "/usr/include/cudnn_version.h", "cudnn_version-8.9.2.h")
    header(tmp_path, "/usr/include/cudnn.h", "cudnn-8.h")
    header(tmp_path, "/usr/include/x86_64-linux-gnu/cudnn_version_v9.h", "cudnn_version-9.1.0.h")
    header(tmp_path, "/usr/local/cuda-11.8/include/cudnn.h", "cudnn-7.6.5.h")
    lib = tmp_path / "usr/lib/x86_64-linux-gnu"
    put(tmp_path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.2")
    (lib / "libcudnn.so.8").symlink_to("libcudnn.so.8.9.2")
    (lib / "libcudnn.so").symlink_to("libcudnn.so.8")
    put(tmp_path, "/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8")
    put(tmp_path, "/opt/cudnn7/lib64/libcudnn.so.7.6.5")
    put(tmp_path, "/usr/local/cuda-11.8/lib64/libcudnn.so.7")
    wheel = "/home/u/venv/lib/python3.11/site-packages/nvidia/cudnn/lib"
    put(tmp_path, wheel + "/libcudnn.so.9")
    env = {"PATH": "", "LD_LIBRARY_PATH": f"/opt/cudnn7/lib64:{wheel}:"}

    outcome = run(tmp_path, env)
    assert rows(outcome) == [
        ("/usr/include/cudnn_version.h", "8.9.2", "header"),
        ("/usr/include/x86_64-linux-gnu/cudnn_version_v9.h", "9.1.0", "header"),
        ("/usr/local/cuda-11.8/include/cudnn.h", "7.6.5", "header"),
        ("/opt/cudnn7/lib64/libcudnn.so.7.6.5", "7.6.5", "ld_library_path"),
        ("/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.2", "8.9.2", "system_lib"),
        ("/usr/local/cuda-11.8/lib64/libcudnn.so.7", "7", "system_lib"),
    ]
    assert wheel in outcome.notes["cudnn.system"]
    assert "7.6.5" in outcome.summary and "8.9.2" in outcome.summary


def test_ld_library_path_entry_that_is_a_system_dir_is_listed_once(tmp_path: Path) -> None:
    put(tmp_path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0")
    env = {"PATH": "", "LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu"}
    assert rows(run(tmp_path, env)) == [
        ("/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0", "9.1.0", "ld_library_path"),
    ]


def test_aarch64_uses_its_multiarch_dirs(tmp_path: Path) -> None:
    put(tmp_path, "/usr/lib/aarch64-linux-gnu/libcudnn.so.8.6.0")
    put(tmp_path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0")
    outcome = CudnnProbe().run(make_ctx(root=tmp_path, machine="aarch64"))
    assert rows(outcome) == [
        ("/usr/lib/aarch64-linux-gnu/libcudnn.so.8.6.0", "8.6.0", "system_lib"),
    ]


def test_cuda_home_toolkit_headers(tmp_path: Path) -> None:
    header(tmp_path, "/opt/cuda/include/cudnn_version.h", "cudnn_version-9.1.0.h")
    put(tmp_path, "/opt/cuda/lib64/libcudnn.so.9.1.0")
    outcome = run(tmp_path, {"PATH": "", "CUDA_HOME": "/opt/cuda"})
    assert rows(outcome) == [
        ("/opt/cuda/include/cudnn_version.h", "9.1.0", "header"),
        ("/opt/cuda/lib64/libcudnn.so.9.1.0", "9.1.0", "system_lib"),
    ]


def test_nothing_found_is_an_empty_list(tmp_path: Path) -> None:
    outcome = run(tmp_path, {"PATH": ""})
    assert outcome.facts["cudnn.system"] == []
    assert "cudnn.system" not in outcome.notes
    assert outcome.summary == "0 system cuDNN files"


def test_windows_cuda_path_and_cudnn_installer(tmp_path: Path) -> None:
    cuda = r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v11.8"
    cuda_dir = tmp_path / "C/Program Files/NVIDIA GPU Computing Toolkit/CUDA/v11.8"
    header(cuda_dir, "include/cudnn_version.h", "cudnn_version-8.9.2.h")
    put(cuda_dir, "bin/cudnn64_8.dll")
    put(cuda_dir, "bin/cudnn_ops_infer64_8.dll")
    cudnn9 = tmp_path / "C/Program Files/NVIDIA/CUDNN/v9.1"
    header(cudnn9, "include/12.4/cudnn_version.h", "cudnn_version-9.1.0.h")
    put(cudnn9, "bin/12.4/cudnn64_9.dll")
    env = {"Path": "", "CUDA_PATH": cuda, "LD_LIBRARY_PATH": "/ignored"}
    outcome = run(tmp_path, env, system="Windows")
    base9 = r"C:\Program Files\NVIDIA\CUDNN\v9.1"
    assert rows(outcome) == [
        (cuda + r"\include\cudnn_version.h", "8.9.2", "header"),
        (base9 + r"\include\12.4\cudnn_version.h", "9.1.0", "header"),
        (cuda + r"\bin\cudnn64_8.dll", "8", "system_lib"),
        (base9 + r"\bin\12.4\cudnn64_9.dll", "9", "system_lib"),
    ]


def test_skipped_on_macos() -> None:
    reason = CudnnProbe().applies(make_ctx(system="Darwin", machine="arm64"))
    assert reason is not None and "macOS" in reason
    assert CudnnProbe().applies(make_ctx(system="Linux")) is None
    assert CudnnProbe().applies(make_ctx(system="Windows", machine="AMD64")) is None
