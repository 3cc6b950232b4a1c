"""PythonEnvProbe: environment type and name, conda base, user-site torch, failures."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from envcheck.doctor import run_probe_isolated, run_probes
from envcheck.fact_keys import type_ok
from envcheck.model import ProbeStatus
from envcheck.probes.packages import PackagesProbe
from envcheck.probes.python_env import PythonEnvProbe, classify_environment, find_conda_base
from envcheck.probes.target import parse_target_output
from envcheck.probes.torch_runtime import TorchRuntimeProbe
from tests.fakes import data
from tests.probes.test_target import (
    add_dist,
    add_torch,
    host_python,
    make_conda_prefix,
    need,
    real_ctx,
    recorded_ctx,
)


def run_recorded(name: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, str]]:
    ctx, _ = recorded_ctx(name, **kwargs)
    result = run_probe_isolated(PythonEnvProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    for key, value in result.facts.items():
        assert type_ok(key, value), (key, value)
        if value is None:
            assert result.notes.get(key), f"{key} is None without a note"
    return dict(result.facts), dict(result.notes)


def test_venv_from_a_recorded_run() -> None:
    facts, notes = run_recorded("venv_torch_cpu.txt", chosen_by="VIRTUAL_ENV")
    assert facts["python.env_type"] == "venv"
    assert facts["python.env_name"] == ".venv-torch"
    assert facts["python.version"] == "3.11.7"
    assert facts["python.bits"] == 64
    assert facts["python.implementation"] == "CPython"
    assert facts["python.platform_tag"] == "linux-x86_64"
    assert facts["python.user_site_enabled"] is False
    assert facts["python.user_site_packages"] == []
    assert facts["python.chosen_by"] == "VIRTUAL_ENV"
    assert facts["python.conda_base"] is None
    assert notes["python.conda_base"] == "not a conda environment"


def test_conda_env_with_torch_shadowed_from_the_user_site() -> None:
    facts, _ = run_recorded("conda_cu121_user_site_shadow.txt", chosen_by="CONDA_PREFIX")
    assert facts["python.env_type"] == "conda"
    assert facts["python.env_name"] == "train"
    assert facts["python.conda_base"] == "/home/ana/miniforge3"
    assert facts["python.prefix"] == "/home/ana/miniforge3/envs/train"
    assert facts["python.user_site_enabled"] is True
    assert facts["python.user_site"] == "/home/ana/.local/lib/python3.11/site-packages"
    assert facts["python.user_site_packages"] == [
        {"name": "nvidia-cublas-cu11", "version": "11.11.3.6"},
        {"name": "nvidia-cudnn-cu11", "version": "8.7.0.84"},
        {"name": "torch", "version": "2.1.0+cu118"},
        {"name": "triton", "version": "2.1.0"},
    ]


@pytest.mark.parametrize(
    ("name", "env_type", "env_name"),
    [
        ("uv_cu124.txt", "uv", ".venv"),
        ("virtualenv_rocm61.txt", "virtualenv", "rocm-env"),
        ("pyenv_py36.txt", "pyenv", "3.6.15"),
    ],
)
def test_environment_kinds_from_recorded_runs(name: str, env_type: str, env_name: str) -> None:
    facts, _ = run_recorded(name)
    assert facts["python.env_type"] == env_type
    assert facts["python.env_name"] == env_name


def _data(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "prefix": "/usr", "base_prefix": "/usr", "real_prefix": None, "pyvenv_cfg": None,
        "conda": {"meta_dir": False, "has_condabin": False, "in_envs_dir": False,
                  "envs_base": None},
        "env": {}, "exec_realpath": "/usr/bin/python3.11",
    }
    base.update(overrides)
    return base


def test_system_python() -> None:
    kind = classify_environment(_data())
    assert (kind.env_type, kind.env_name, kind.conda_base) == ("system", None, None)


def test_conda_base_itself_is_named_base() -> None:
    conda = {"meta_dir": True, "has_condabin": True, "in_envs_dir": False, "envs_base": None}
    kind = classify_environment(_data(prefix="/opt/conda", base_prefix="/opt/conda", conda=conda,
                                      env={"CONDA_DEFAULT_ENV": "base"}))
    assert (kind.env_type, kind.env_name, kind.conda_base) == ("conda", "base", "/opt/conda")


def test_conda_env_activated_by_path_is_named_by_its_folder() -> None:
    conda = {"meta_dir": True, "has_condabin": False, "in_envs_dir": False, "envs_base": None}
    kind = classify_environment(_data(
        prefix="/work/envs-by-path/exp1", base_prefix="/work/envs-by-path/exp1", conda=conda,
        env={"CONDA_PREFIX": "/work/envs-by-path/exp1",
             "CONDA_DEFAULT_ENV": "/work/envs-by-path/exp1",
             "CONDA_EXE": "/opt/miniconda3/bin/conda"},
    ))
    assert (kind.env_type, kind.env_name, kind.conda_base) == ("conda", "exp1", "/opt/miniconda3")


def test_conda_env_used_without_activation_is_named_by_its_folder() -> None:
    # CONDA_DEFAULT_ENV names another (activated) env, so it must not be used.
    conda = {"meta_dir": True, "has_condabin": False, "in_envs_dir": True,
             "envs_base": "/opt/conda"}
    kind = classify_environment(_data(
        prefix="/opt/conda/envs/py39", base_prefix="/opt/conda/envs/py39", conda=conda,
        env={"CONDA_PREFIX": "/opt/conda", "CONDA_DEFAULT_ENV": "base"},
    ))
    assert (kind.env_type, kind.env_name, kind.conda_base) == ("conda", "py39", "/opt/conda")


def test_conda_base_from_root_variable() -> None:
    assert find_conda_base(_data(env={"_CONDA_ROOT": "/opt/anaconda3"})) == "/opt/anaconda3"
    assert find_conda_base(_data()) is None


def test_old_virtualenv_real_prefix() -> None:
    kind = classify_environment(_data(prefix="/home/u/env", real_prefix="/usr"))
    assert (kind.env_type, kind.env_name) == ("virtualenv", "env")


def test_pyenv_win() -> None:
    base = "C:\\Users\\u\\.pyenv\\pyenv-win\\versions\\3.11.7"
    kind = classify_environment(_data(prefix=base, base_prefix=base, exec_realpath=None))
    assert (kind.env_type, kind.env_name) == ("pyenv", "3.11.7")


def test_windows_venv_paths_compare_case_insensitively() -> None:
    kind = classify_environment(_data(prefix="C:\\Python311", base_prefix="c:\\python311\\"))
    assert kind.env_type == "system"


def test_real_venv_is_detected(tmp_path: Path) -> None:
    python = host_python()
    venv = tmp_path / "myproj-env"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    ctx = real_ctx(venv / "bin" / "python", home=tmp_path, chosen_by="VIRTUAL_ENV",
                   extra_env={"VIRTUAL_ENV": str(venv)})
    result = run_probe_isolated(PythonEnvProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    assert result.facts["python.env_type"] == "venv"
    assert result.facts["python.env_name"] == "myproj-env"
    assert result.facts["python.prefix"] == str(venv)
    assert result.facts["python.base_prefix"] != str(venv)
    assert result.facts["python.user_site_enabled"] is False
    assert result.facts["python.chosen_by"] == "VIRTUAL_ENV"


def test_real_user_site_torch_is_listed(tmp_path: Path) -> None:
    python = need("3.11")
    user = tmp_path / ".local" / "lib" / "python3.11" / "site-packages"
    add_torch(user, "2.0.1")
    add_dist(user, "numpy", "1.24.4")
    add_dist(user, "requests", "2.31.0")
    result = run_probe_isolated(PythonEnvProbe(), real_ctx(python, home=tmp_path))
    assert result.status is ProbeStatus.OK, result.note
    assert result.facts["python.user_site_enabled"] is True
    assert result.facts["python.user_site"] == str(user)
    assert result.facts["python.user_site_packages"] == [
        {"name": "numpy", "version": "1.24.4"}, {"name": "torch", "version": "2.0.1"},
    ]


def test_real_conda_base_prefix(tmp_path: Path) -> None:
    prefix = make_conda_prefix(tmp_path / "miniconda3", base=True)
    ctx = real_ctx(prefix / "bin" / "python", home=tmp_path, chosen_by="CONDA_PREFIX",
                   extra_env={"CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "base"})
    result = run_probe_isolated(PythonEnvProbe(), ctx)
    assert result.facts["python.env_type"] == "conda"
    assert result.facts["python.env_name"] == "base"
    assert result.facts["python.conda_base"] == str(prefix)
    assert result.facts["python.prefix"] == result.facts["python.base_prefix"] == str(prefix)


def test_real_conda_env(tmp_path: Path) -> None:
    prefix = make_conda_prefix(tmp_path / "miniforge3", name="vision")
    ctx = real_ctx(prefix / "bin" / "python", home=tmp_path, chosen_by="CONDA_PREFIX",
                   extra_env={"CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "vision"})
    result = run_probe_isolated(PythonEnvProbe(), ctx)
    assert result.facts["python.env_type"] == "conda"
    assert result.facts["python.env_name"] == "vision"
    assert result.facts["python.conda_base"] == str(tmp_path / "miniforge3")


def test_not_a_python_gives_unknowns_with_the_reason(tmp_path: Path) -> None:
    result = run_probe_isolated(PythonEnvProbe(), real_ctx("/bin/ls", home=tmp_path))
    assert result.status is ProbeStatus.OK
    assert result.facts["python.executable"] == "/bin/ls"
    assert result.facts["python.chosen_by"] == "--python"
    assert result.facts["python.env_type"] is None
    note = result.notes["python.env_type"]
    assert note.startswith("--python /bin/ls is not a Python interpreter")
    assert result.note is not None
    assert "not a Python interpreter" in result.note


def test_python_27_keeps_its_version(tmp_path: Path) -> None:
    python = need("2.7")
    result = run_probe_isolated(PythonEnvProbe(), real_ctx(python, home=tmp_path))
    assert result.facts["python.version"] == "2.7.18"
    assert result.facts["python.env_type"] is None
    assert "too old to inspect" in result.notes["python.env_type"]


def test_a_failed_section_is_unknown_with_its_error() -> None:
    text = data("target/pyenv_py36.txt")
    parsed = parse_target_output(text)
    assert parsed["errors"] == {}
    broken = text.replace('"errors": {}', '"errors": {"user_site": "ImportError: no site"}')
    broken = broken.replace('"enable_user_site": true, ', "")
    ctx, runner = recorded_ctx("pyenv_py36.txt")
    runner.add(["/usr/bin/python3", "-"], broken)
    result = run_probe_isolated(PythonEnvProbe(), ctx)
    assert result.facts["python.user_site_enabled"] is None
    assert "ImportError: no site" in result.notes["python.user_site_enabled"]


def test_probes_share_one_inspection_and_report_a_hang(tmp_path: Path) -> None:
    python = host_python()
    (tmp_path / "sitecustomize.py").write_text("import time\ntime.sleep(30)\n")
    ctx = real_ctx(python, home=tmp_path, timeout_s=0.3, extra_env={"PYTHONPATH": str(tmp_path)})
    env, packages, runtime = run_probes(
        ctx, [PythonEnvProbe(), PackagesProbe(), TorchRuntimeProbe()]
    )
    # The doctor's own limits must not fire first: each probe says what hung.
    assert env.status is ProbeStatus.OK
    assert env.note is not None
    assert "did not finish the inspection script within 0.3 s" in env.note
    assert packages.status is ProbeStatus.FAILED
    assert packages.note is not None
    assert "sitecustomize" in packages.note
    assert runtime.status is ProbeStatus.SKIPPED
