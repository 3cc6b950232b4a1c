"""CUDA toolkit probe: nvcc parsing on recorded outputs, install discovery on fake trees."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeOutcome
from envcheck.parsers.versions import major_minor
from envcheck.probes.cuda_toolkit import (
    CudaToolkitProbe,
    parse_cuda_h_version,
    parse_cuda_version_json,
)
from tests.fakes import DATA, FAKEBIN, FakeRunner, data, failed, make_ctx, timed_out

WIN_CUDA = r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA"


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    for parse in (parse_cuda_version_json, parse_cuda_h_version):
        result = parse(text)
        assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("version-12.1.json", "12.1.1"),
        ("version-11.8.json", "11.8.0"),
        ("version-10.2.txt", "10.2.89"),
        ("version-9.0-windows.txt", "9.0.176"),
    ],
)
def test_parse_cuda_version_files(name: str, expected: str) -> None:
    assert parse_cuda_version_json(data(f"cuda/{name}")) == expected


@pytest.mark.parametrize(
    "text", ["{}", '{"cuda": 5}', '{"cuda": {"version": 12}}', "[]", "null", '{"cuda": {}}']
)
def test_parse_cuda_version_json_odd_shapes(text: str) -> None:
    assert parse_cuda_version_json(text) is None


def test_parse_cuda_h_version() -> None:
    assert parse_cuda_h_version(data("cuda/cuda_h-13.0-excerpt.h")) == "13.0"
    assert parse_cuda_h_version("#define CUDA_VERSION 12010\n") == "12.1"
    assert parse_cuda_h_version("#  define CUDA_VERSION 11080 /* x */") == "11.8"
    assert parse_cuda_h_version("#define CUDA_VERSION_MAJOR 12") is None


# --- fake machines -------------------------------------------------------------------------


def nvcc_wrapper(path: Path, scenario: str) -> None:
    """An executable nvcc at ``path`` that behaves like tests/fakebin/<scenario>/nvcc."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = FAKEBIN / scenario / "nvcc"
    path.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
    path.chmod(0o755)


def toolkit(
    root: Path,
    machine_dir: str,
    *,
    nvcc: str | None,
    version_file: str | None,
    cuda_h: int | None = None,
) -> Path:
    """A toolkit directory under the fake root: optional nvcc, version file and cuda.h."""
    home = root / machine_dir.lstrip("/")
    (home / "include").mkdir(parents=True, exist_ok=True)
    if cuda_h is not None:
        (home / "include" / "cuda.h").write_text(f"#define CUDA_VERSION {cuda_h}\n")
    if version_file is not None:
        target = "version.json" if version_file.endswith(".json") else "version.txt"
        shutil.copy(DATA / "cuda" / version_file, home / target)
    if nvcc is not None:
        nvcc_wrapper(home / "bin" / "nvcc", nvcc)
    return home


def run_probe(ctx_kwargs: dict[str, object]) -> tuple[ProbeOutcome, FakeRunner]:
    runner = ctx_kwargs.pop("runner", None) or FakeRunner(passthrough=True)
    assert isinstance(runner, FakeRunner)
    ctx = make_ctx(runner=runner, **ctx_kwargs)  # type: ignore[arg-type]
    outcome = CudaToolkitProbe().run(ctx)
    for key, value in outcome.facts.items():
        assert key in CATALOGUE and type_ok(key, value), key
        if value is None:
            assert outcome.notes.get(key), f"{key} is None without a note"
    return outcome, runner


needs_sh = pytest.mark.skipif(os.name != "posix", reason="fake nvcc scripts need /bin/sh")


@needs_sh
def test_path_nvcc_from_fakebin() -> None:
    out, _ = run_probe({"env": {"PATH": str(FAKEBIN / "nvcc-12.1")}})
    assert out.facts["cuda_toolkit.nvcc_version"] == "12.1"
    assert out.facts["cuda_toolkit.nvcc_path"] == str(FAKEBIN / "nvcc-12.1" / "nvcc")
    # torch would use <fakebin>/.. as CUDA home, which has no bin/nvcc.
    assert out.facts["cuda_toolkit.build_nvcc"] is None
    assert "does not exist" in out.notes["cuda_toolkit.build_nvcc"]


@needs_sh
def test_usr_local_installs_and_build_from_path(tmp_path: Path) -> None:
    toolkit(
        tmp_path,
        "/usr/local/cuda-11.8",
        nvcc="nvcc-11.8",
        version_file="version-11.8.json",
        cuda_h=11080,
    )
    toolkit(tmp_path, "/usr/local/cuda-12.1", nvcc="nvcc-12.1", version_file="version-12.1.json")
    (tmp_path / "usr/local/cuda").symlink_to("cuda-12.1")
    (tmp_path / "usr/local/cuda-tools-not-a-toolkit").mkdir()
    env = {"PATH": str(tmp_path / "usr/local/cuda-11.8/bin")}
    out, runner = run_probe({"env": env, "root": tmp_path})
    facts = out.facts
    assert facts["cuda_toolkit.nvcc_path"] == "/usr/local/cuda-11.8/bin/nvcc"
    assert facts["cuda_toolkit.nvcc_version"] == "11.8"
    assert facts["cuda_toolkit.cuda_home"] is None
    assert "CUDA_HOME" in out.notes["cuda_toolkit.cuda_home"]
    assert [(i["path"], i["version"], i["source"]) for i in facts["cuda_toolkit.installs"]] == [
        ("/usr/local/cuda-11.8", "11.8", "PATH"),
        ("/usr/local/cuda", "12.1", "/usr/local"),
    ]
    assert facts["cuda_toolkit.installs"][1]["full_version"] == "12.1.1"
    assert facts["cuda_toolkit.build_nvcc"] == "/usr/local/cuda-11.8/bin/nvcc"
    assert facts["cuda_toolkit.build_version"] == "11.8"
    assert len(runner.calls) == 1, "the PATH nvcc is the build nvcc: run it once"
    assert "cuda_toolkit.build_nvcc" not in out.notes


@needs_sh
def test_nvcc_linked_into_usr_local_bin(tmp_path: Path) -> None:
    toolkit(
        tmp_path,
        "/usr/local/cuda-12.1",
        nvcc="nvcc-12.1",
        version_file="version-12.1.json",
        cuda_h=12010,
    )
    (tmp_path / "usr/local/bin").mkdir()
    (tmp_path / "usr/local/bin/nvcc").symlink_to("../cuda-12.1/bin/nvcc")
    out, runner = run_probe({"env": {"PATH": str(tmp_path / "usr/local/bin")}, "root": tmp_path})
    facts = out.facts
    assert facts["cuda_toolkit.nvcc_path"] == "/usr/local/bin/nvcc"
    # The install is the real toolkit, listed once.
    assert [(i["path"], i["source"]) for i in facts["cuda_toolkit.installs"]] == [
        ("/usr/local/cuda-12.1", "PATH"),
    ]
    # torch does not resolve the link: builds look for headers in /usr/local/include.
    assert facts["cuda_toolkit.build_nvcc"] == "/usr/local/bin/nvcc"
    assert facts["cuda_toolkit.build_version"] == "12.1"
    note = out.notes["cuda_toolkit.build_nvcc"]
    assert "/usr/local as CUDA home" in note and "CUDA_HOME=/usr/local/cuda-12.1" in note
    assert len(runner.calls) == 1


@needs_sh
def test_cuda_home_overrides_path_for_builds(tmp_path: Path) -> None:
    toolkit(tmp_path, "/usr/local/cuda-11.8", nvcc="nvcc-11.8", version_file="version-11.8.json")
    toolkit(tmp_path, "/opt/cuda-12.4", nvcc="nvcc-12.4", version_file=None)
    env = {"PATH": str(tmp_path / "usr/local/cuda-11.8/bin"), "CUDA_HOME": "/opt/cuda-12.4"}
    out, runner = run_probe({"env": env, "root": tmp_path})
    facts = out.facts
    assert facts["cuda_toolkit.nvcc_version"] == "11.8"
    assert facts["cuda_toolkit.cuda_home"] == "/opt/cuda-12.4"
    assert facts["cuda_toolkit.build_nvcc"] == "/opt/cuda-12.4/bin/nvcc"
    assert facts["cuda_toolkit.build_version"] == "12.4"
    assert len(runner.calls) == 2
    sources = {i["path"]: i for i in facts["cuda_toolkit.installs"]}
    # No version file: the version comes from the directory name, and says so.
    assert sources["/opt/cuda-12.4"]["source"] == "CUDA_HOME"
    assert sources["/opt/cuda-12.4"]["version"] == "12.4"
    assert "directory name" in sources["/opt/cuda-12.4"]["version_from"]


def test_cuda_home_pointing_nowhere(tmp_path: Path) -> None:
    out, runner = run_probe({"env": {"PATH": "", "CUDA_HOME": "/opt/gone"}, "root": tmp_path})
    assert out.facts["cuda_toolkit.cuda_home"] == "/opt/gone"
    assert out.facts["cuda_toolkit.build_nvcc"] is None
    note = out.notes["cuda_toolkit.build_nvcc"]
    assert "CUDA_HOME=/opt/gone" in note and "does not exist" in note
    assert out.facts["cuda_toolkit.installs"] == []
    assert runner.calls == []


def test_cuda_path_used_when_cuda_home_empty(tmp_path: Path) -> None:
    toolkit(tmp_path, "/opt/cuda", nvcc=None, version_file="version-12.1.json")
    env = {"PATH": "", "CUDA_HOME": "", "CUDA_PATH": "/opt/cuda"}
    out, _ = run_probe({"env": env, "root": tmp_path})
    assert out.facts["cuda_toolkit.cuda_home"] == "/opt/cuda"
    assert "CUDA_PATH=/opt/cuda" in out.notes["cuda_toolkit.build_nvcc"]


@needs_sh
def test_default_usr_local_cuda_when_nothing_set(tmp_path: Path) -> None:
    toolkit(tmp_path, "/usr/local/cuda", nvcc="nvcc-12.8", version_file=None)
    out, _ = run_probe({"env": {"PATH": ""}, "root": tmp_path})
    assert out.facts["cuda_toolkit.nvcc_version"] is None
    assert out.notes["cuda_toolkit.nvcc_version"] == "nvcc is not on PATH"
    assert out.facts["cuda_toolkit.build_nvcc"] == "/usr/local/cuda/bin/nvcc"
    assert out.facts["cuda_toolkit.build_version"] == "12.8"
    install = out.facts["cuda_toolkit.installs"][0]
    assert install["version"] is None and "no version.json" in install["version_from"]


def test_nothing_installed(tmp_path: Path) -> None:
    out, runner = run_probe({"env": {"PATH": ""}, "root": tmp_path})
    assert out.facts["cuda_toolkit.installs"] == []
    for key in ("nvcc_version", "nvcc_path", "build_nvcc", "build_version", "cuda_home"):
        assert out.facts[f"cuda_toolkit.{key}"] is None
    assert "/usr/local/cuda does not exist" in out.notes["cuda_toolkit.build_nvcc"]
    assert out.summary.startswith("no nvcc on PATH")
    assert runner.calls == []


@needs_sh
@pytest.mark.parametrize(
    ("scenario", "expected"),
    [("nvcc-broken", "exited 127"), ("nvcc-garbage", "no 'release X.Y'")],
)
def test_failing_nvcc_gives_none_and_reason(scenario: str, expected: str) -> None:
    out, _ = run_probe({"env": {"PATH": str(FAKEBIN / scenario)}})
    assert out.facts["cuda_toolkit.nvcc_path"] is not None
    assert out.facts["cuda_toolkit.nvcc_version"] is None
    assert expected in out.notes["cuda_toolkit.nvcc_version"]


@needs_sh
def test_nvcc_timeout_and_failure_from_runner() -> None:
    env = {"PATH": str(FAKEBIN / "nvcc-12.1")}
    runner = FakeRunner().add(["nvcc", "--version"], timed_out())
    out, _ = run_probe({"env": env, "runner": runner})
    assert "timed out" in out.notes["cuda_toolkit.nvcc_version"]
    runner = FakeRunner().add(["nvcc", "--version"], failed(1, "nvcc fatal: boom"))
    out, _ = run_probe({"env": env, "runner": runner})
    assert "nvcc fatal: boom" in out.notes["cuda_toolkit.nvcc_version"]


def test_version_fallbacks(tmp_path: Path) -> None:
    legacy = toolkit(tmp_path, "/usr/local/cuda-10.2", nvcc=None, version_file="version-10.2.txt")
    header_only = toolkit(tmp_path, "/usr/local/cuda-13.0", nvcc=None, version_file=None)
    shutil.copy(DATA / "cuda" / "cuda_h-13.0-excerpt.h", header_only / "include" / "cuda.h")
    assert legacy.exists()
    out, _ = run_probe({"env": {"PATH": ""}, "root": tmp_path})
    installs = {i["path"]: i for i in out.facts["cuda_toolkit.installs"]}
    assert installs["/usr/local/cuda-10.2"]["version"] == "10.2"
    assert installs["/usr/local/cuda-10.2"]["full_version"] == "10.2.89"
    assert installs["/usr/local/cuda-13.0"]["version"] == "13.0"
    assert installs["/usr/local/cuda-13.0"]["version_from"].endswith("include/cuda.h")
    assert list(installs) == ["/usr/local/cuda-10.2", "/usr/local/cuda-13.0"]


def test_arch_linux_opt_cuda(tmp_path: Path) -> None:
    toolkit(tmp_path, "/opt/cuda", nvcc=None, version_file="version-12.1.json")
    out, _ = run_probe({"env": {"PATH": ""}, "root": tmp_path})
    assert [(i["path"], i["version"], i["source"]) for i in out.facts["cuda_toolkit.installs"]] == [
        ("/opt/cuda", "12.1", "/opt"),
    ]


def test_conda_nvcc_dated_from_conda_meta(tmp_path: Path) -> None:
    prefix = tmp_path / "opt/conda/envs/dl"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "nvcc").write_text("#!/bin/sh\n")
    (prefix / "conda-meta").mkdir()
    (prefix / "conda-meta" / "cuda-nvcc-12.4.131-0.json").write_text("{}")
    (prefix / "conda-meta" / "cuda-nvcc-tools-12.4.131-0.json").write_text("{}")
    env = {"PATH": "", "CONDA_PREFIX": "/opt/conda/envs/dl"}
    out, _ = run_probe({"env": env, "root": tmp_path})
    [install] = out.facts["cuda_toolkit.installs"]
    assert install["source"] == "conda"
    assert install["version"] == "12.4"
    assert install["full_version"] == "12.4.131"


def test_windows_cuda_path_and_program_files(tmp_path: Path) -> None:
    base = tmp_path / "C" / "Program Files" / "NVIDIA GPU Computing Toolkit" / "CUDA"
    for name, version_file in (("v12.1", "version-12.1.json"), ("v11.8", "version-11.8.json")):
        (base / name / "bin").mkdir(parents=True)
        shutil.copy(DATA / "cuda" / version_file, base / name / "version.json")
        (base / name / "bin" / "nvcc.exe").write_bytes(b"MZ")
    runner = FakeRunner().add(["nvcc.exe", "--version"], data("nvcc/nvcc-12.1-windows.txt"))
    env = {"PATH": "", "CUDA_PATH": WIN_CUDA + r"\v12.1"}
    out, _ = run_probe({"env": env, "root": tmp_path, "system": "Windows", "runner": runner})
    facts = out.facts
    assert facts["cuda_toolkit.cuda_home"] == WIN_CUDA + r"\v12.1"
    assert [(i["path"], i["version"], i["source"]) for i in facts["cuda_toolkit.installs"]] == [
        (WIN_CUDA + r"\v12.1", "12.1", "CUDA_PATH"),
        (WIN_CUDA + r"\v11.8", "11.8", "Program Files"),
    ]
    assert facts["cuda_toolkit.build_nvcc"] == WIN_CUDA + r"\v12.1\bin\nvcc.exe"
    assert facts["cuda_toolkit.build_version"] == "12.1"

    # Without CUDA_PATH, torch takes the first v*.* directory.
    out, _ = run_probe(
        {"env": {"Path": ""}, "root": tmp_path, "system": "Windows", "runner": FakeRunner()}
    )
    assert out.facts["cuda_toolkit.build_nvcc"] == WIN_CUDA + r"\v11.8\bin\nvcc.exe"
    assert "not found" in out.notes["cuda_toolkit.build_version"]


REAL_NVCC = Path("/usr/local/cuda/bin/nvcc")


@pytest.mark.skipif(not REAL_NVCC.exists(), reason="no CUDA toolkit at /usr/local/cuda")
def test_real_nvcc_of_this_machine() -> None:
    env = {"PATH": str(REAL_NVCC.parent)}
    out, _ = run_probe({"env": env, "root": Path("/")})
    version = out.facts["cuda_toolkit.nvcc_version"]
    assert version is not None and version == major_minor(version)
    assert out.facts["cuda_toolkit.build_version"] == version
    assert any(i["version"] == version for i in out.facts["cuda_toolkit.installs"])


def test_skipped_on_macos() -> None:
    # NVIDIA's last macOS toolkit was CUDA 10.2; a Mac report lists no toolkit search.
    reason = CudaToolkitProbe().applies(make_ctx(system="Darwin", machine="arm64"))
    assert reason is not None and "macOS" in reason
    assert CudaToolkitProbe().applies(make_ctx(system="Linux")) is None
    assert CudaToolkitProbe().applies(make_ctx(system="Windows", machine="AMD64")) is None
