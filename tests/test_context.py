"""Context: machine paths under a fake root, and ``which`` with the context's OS rules."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import FAKEBIN, make_ctx

CUDA_BIN = r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1\bin"


def put(root: Path, *parts: str) -> None:
    path = root.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"MZ")


def test_windows_which_searches_path_with_pathext_under_the_root(tmp_path: Path) -> None:
    put(tmp_path, "C", "Program Files", "NVIDIA GPU Computing Toolkit", "CUDA", "v12.1", "bin",
        "nvcc.exe")
    put(tmp_path, "C", "Windows", "System32", "nvidia-smi.exe")
    put(tmp_path, "C", "tools", "conda.bat")
    # Windows spells the variable "Path"; entries are ;-separated and may be quoted or empty.
    env = {"Path": rf'C:\Users\ana\.venv\Scripts;;"{CUDA_BIN}";C:\Windows\System32;C:\tools'}
    ctx = make_ctx(env=env, root=tmp_path, system="Windows", machine="AMD64")
    assert ctx.which("nvcc") == CUDA_BIN + r"\nvcc.exe"
    assert ctx.which("nvcc.exe") == CUDA_BIN + r"\nvcc.exe"
    assert ctx.which("nvidia-smi") == r"C:\Windows\System32\nvidia-smi.exe"
    assert ctx.which("conda") == r"C:\tools\conda.bat"
    assert ctx.which("python") is None


def test_windows_which_honours_pathext_and_path_order(tmp_path: Path) -> None:
    put(tmp_path, "C", "a", "tool.cmd")
    put(tmp_path, "C", "b", "tool.exe")
    env = {"PATH": r"C:\a;C:\b", "PATHEXT": ".EXE"}
    ctx = make_ctx(env=env, root=tmp_path, system="Windows", machine="AMD64")
    assert ctx.which("tool") == r"C:\b\tool.exe"
    env = {"PATH": r"C:\a;C:\b"}
    ctx = make_ctx(env=env, root=tmp_path, system="Windows", machine="AMD64")
    assert ctx.which("tool") == r"C:\a\tool.cmd"


def test_linux_which_uses_the_context_path_as_is() -> None:
    ctx = make_ctx(env={"PATH": str(FAKEBIN / "nvcc-12.1")})
    assert ctx.which("nvcc") == str(FAKEBIN / "nvcc-12.1" / "nvcc")
    assert make_ctx(env={"PATH": ""}).which("nvcc") is None
