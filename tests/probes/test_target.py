"""The target-interpreter inspection: the stdlib script on real interpreters, and its failures.

Real interpreters come from pyenv (/root/.pyenv/versions/*; missing ones are skipped). Fake
environments are built in tmp_path: a conda prefix (copied python binary, symlinked stdlib,
conda-meta records from tests/data/conda-meta), dist-info folders, a fake ``torch`` package.
The builders here are shared with the other probe tests.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from envcheck.context import Context
from envcheck.probes import target_script
from envcheck.probes.target import (
    TARGET_BEGIN,
    TARGET_END,
    TargetOutputError,
    TargetUnavailable,
    distributions_from,
    inspect_target,
    parse_python_version,
    parse_target_output,
    require_inspection,
)
from envcheck.system.run import run_command
from tests.fakes import DATA, FakeRunner, data, make_ctx

PYENV = Path("/root/.pyenv/versions")


def pyenv_python(version_prefix: str) -> Path | None:
    """The newest pyenv interpreter whose version starts with ``version_prefix`` (e.g. '3.11')."""
    if not PYENV.is_dir():
        return None
    found = sorted(
        (p for p in PYENV.glob(f"{version_prefix}.*") if (p / "bin" / "python").exists()),
        key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()],
    )
    return found[-1] / "bin" / "python" if found else None


PY3_VERSIONS = ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]


def need(version_prefix: str) -> Path:
    python = pyenv_python(version_prefix)
    if python is None:
        pytest.skip(f"no Python {version_prefix} under {PYENV}")
    return python


def host_python() -> Path:
    """Any Python 3.6+ for tests that only need *an* interpreter: pyenv's 3.11, else ours."""
    return pyenv_python("3.11") or Path(sys.executable)


def real_ctx(
    python: str | os.PathLike[str] | None,
    *,
    home: Path,
    chosen_by: str = "--python",
    extra_env: dict[str, str] | None = None,
    timeout_s: float = 20.0,
    torch_timeout_s: float = 60.0,
) -> Context:
    """A context that runs commands for real, with a private HOME (so the user site is ours)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    env.update(extra_env or {})
    ctx = make_ctx(
        runner=run_command,
        env=env,
        target_python=str(python) if python is not None else None,
        timeout_s=timeout_s,
    )
    return dataclasses.replace(ctx, target_chosen_by=chosen_by, torch_timeout_s=torch_timeout_s)


def recorded_ctx(
    name: str, *, python: str = "/usr/bin/python3", version: str = "Python 3.11.7",
    chosen_by: str = "current",
) -> tuple[Context, FakeRunner]:
    """A context whose target interpreter answers with a recorded tests/data/target output."""
    runner = FakeRunner()
    runner.add([python, "--version"], version)
    runner.add([python, "-"], data(f"target/{name}"))
    ctx = make_ctx(runner=runner, target_python=python)
    return dataclasses.replace(ctx, target_chosen_by=chosen_by), runner


def add_dist(
    site: Path, name: str, version: str, *, installer: str | None = "pip", egg_info: bool = False
) -> Path:
    """A dist-info (or egg-info) folder as pip/uv/setuptools write it."""
    site.mkdir(parents=True, exist_ok=True)
    folder = site / f"{name.replace('-', '_')}-{version}.{'egg-info' if egg_info else 'dist-info'}"
    folder.mkdir()
    meta = "PKG-INFO" if egg_info else "METADATA"
    (folder / meta).write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test\n\nLong text\n"
        f"Name: not-this\n",
        encoding="utf-8",
    )
    if installer is not None:
        (folder / "INSTALLER").write_text(f"{installer}\n", encoding="utf-8")
    return folder


def add_torch(
    site: Path,
    version: str,
    *,
    cuda: str | None = None,
    hip: str | None = None,
    init_body: str = "",
    installer: str | None = "pip",
    dist: bool = True,
) -> Path:
    """A fake torch package with a version.py in the real (annotated) format."""
    package = site / "torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(init_body or f"__version__ = {version!r}\n")
    (package / "version.py").write_text(
        "from typing import Optional\n\n"
        "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
        f"__version__ = {version!r}\n"
        "debug = False\n"
        f"cuda: Optional[str] = {cuda!r}\n"
        "git_version = 'd990dada86a8ad94882b5c23e859b88c0c255bda'\n"
        f"hip: Optional[str] = {hip!r}\n",
        encoding="utf-8",
    )
    if dist:
        add_dist(site, "torch", version, installer=installer)
    return package


def make_conda_prefix(root: Path, *, base: bool = False, name: str = "train") -> Path:
    """A conda install at ``root`` (base) or a named env ``root/envs/<name>`` in it.

    The interpreter is a copy of pyenv's 3.11 binary (a symlink would resolve back to pyenv's
    prefix) with the stdlib symlinked, so ``sys.prefix`` really is the fake prefix.
    """
    real = pyenv_python("3.11")
    if real is None:
        pytest.skip("no Python 3.11 under pyenv to build a fake conda prefix")
    real_root = real.resolve().parent.parent
    stdlib = real_root / "lib" / "python3.11"
    (root / "conda-meta").mkdir(parents=True, exist_ok=True)
    (root / "condabin").mkdir(exist_ok=True)
    prefix = root if base else root / "envs" / name
    lib = prefix / "lib" / "python3.11"
    (lib / "site-packages").mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "site-packages":
            (lib / entry.name).symlink_to(entry)
    (prefix / "bin").mkdir(exist_ok=True)
    shutil.copy2(real.resolve(), prefix / "bin" / "python")
    meta = prefix / "conda-meta"
    meta.mkdir(exist_ok=True)
    for record in (DATA / "conda-meta").glob("*.json"):
        shutil.copy(record, meta / record.name)
    return prefix


def fake_python(path: Path, body: str) -> Path:
    """An executable shell script standing in for an interpreter."""
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- pure parsing ---------------------------------------------------------------------------


def test_markers_match_the_script() -> None:
    assert target_script.BEGIN == TARGET_BEGIN
    assert target_script.END == TARGET_END


def test_parse_ignores_what_a_sitecustomize_printed() -> None:
    text = f"hello from sitecustomize {{\n{TARGET_BEGIN}{{\"a\": 1}}{TARGET_END}\n"
    assert parse_target_output(text) == {"a": 1}


def test_parse_uses_the_last_result_when_noise_mimics_a_marker() -> None:
    text = f"{TARGET_BEGIN}junk\n{TARGET_BEGIN}{{\"b\": 2}}{TARGET_END}\n"
    assert parse_target_output(text) == {"b": 2}


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        ("", "no inspection result"),
        ("Traceback (most recent call last):\n", "no inspection result"),
        (f"{TARGET_BEGIN}{{\"a\": 1", "cut off"),
        (f"{TARGET_BEGIN}{{not json}}{TARGET_END}", "not valid JSON"),
        (f"{TARGET_BEGIN}[1, 2]{TARGET_END}", "not a JSON object"),
    ],
)
def test_parse_rejects_bad_output(stdout: str, message: str) -> None:
    with pytest.raises(TargetOutputError, match=message):
        parse_target_output(stdout)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Python 3.11.7", (3, 11, 7)),
        ("Python 2.7.18\n", (2, 7, 18)),
        ("Python 3.13.0+", (3, 13, 0)),
        ("Python 3.14.0a1", (3, 14, 0)),
        ("Python 3.9.18 (7.3.15+dfsg-1, Jan 2024)\n[PyPy 7.3.15 with GCC 13.2.0]", (3, 9, 18)),
        ("ls (GNU coreutils) 9.1", None),
        ("", None),
    ],
)
def test_parse_python_version(text: str, expected: tuple[int, ...] | None) -> None:
    assert parse_python_version(text) == expected


def test_distributions_are_typed_and_ordered_by_sys_path() -> None:
    rows = [
        {"name": "torch", "key": "torch", "version": "2.1.0", "location": "/b", "path_index": 4},
        {"name": "Torch", "version": "2.3.1", "location": "/a", "path_index": 1,
         "installer": "pip"},
        {"name": 3, "location": "/c"},
        "garbage",
    ]
    dists = distributions_from(rows)
    assert [(d.location, d.version, d.key) for d in dists] == [
        ("/a", "2.3.1", "torch"), ("/b", "2.1.0", "torch"),
    ]


# --- the script's helpers, imported directly (they are plain functions) ----------------------


def test_version_py_is_read_without_importing() -> None:
    text = (
        "from typing import Optional\n__version__ = '2.3.1+cu121'\ndebug = False\n"
        "cuda: Optional[str] = '12.1'\ngit_version = 'abc'\nhip: Optional[str] = None\n"
        "cuda = 'not-this-one'\n"
    )
    values = target_script.literal_assignments(text, target_script.TORCH_VERSION_NAMES)
    assert values == {"__version__": "2.3.1+cu121", "cuda": "12.1", "git_version": "abc",
                      "hip": None}


def test_conda_records_are_filtered_and_read(tmp_path: Path) -> None:
    shutil.copytree(DATA / "conda-meta", tmp_path / "conda-meta")
    records = target_script.conda_packages(str(tmp_path))
    by_name = {r["name"]: r for r in records}
    assert set(by_name) == {
        "pytorch", "pytorch-cuda", "pytorch-mutex", "cuda-cudart", "cuda-runtime", "torchvision",
    }
    assert by_name["pytorch"]["build"] == "py3.11_cuda12.1_cudnn8.9.2_0"
    assert by_name["pytorch"]["channel"] == "https://conda.anaconda.org/pytorch/linux-64"
    assert target_script.conda_packages(str(tmp_path / "nowhere")) is None


def test_conda_record_that_is_not_json_keeps_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "cudnn-8.9.2.26-cuda12_0.json").write_text("{trunc")
    [record] = target_script.conda_packages(str(tmp_path))
    assert (record["name"], record["version"], record["build"]) == ("cudnn", "8.9.2.26", "cuda12_0")
    assert record["error"].startswith("JSONDecodeError") or "Error" in record["error"]


def test_metadata_scan_handles_egg_info_files_and_missing_metadata(tmp_path: Path) -> None:
    add_dist(tmp_path, "numpy", "1.26.4")
    add_dist(tmp_path, "old-thing", "0.1", egg_info=True, installer=None)
    (tmp_path / "legacy-1.0-py3.8.egg-info").write_text("Name: legacy\nVersion: 1.0\n\n")
    (tmp_path / "broken-2.0.dist-info").mkdir()
    found = {
        d["key"]: d
        for d in (
            target_script.distribution(p.name, str(p), str(tmp_path), 0)
            for p in tmp_path.iterdir()
        )
    }
    assert found["numpy"]["version"] == "1.26.4"
    assert found["numpy"]["installer"] == "pip"
    assert found["old-thing"]["version"] == "0.1"
    assert found["old-thing"]["installer"] is None
    assert found["legacy"]["version"] == "1.0"
    assert found["broken"]["version"] == "2.0"
    assert "error" in found["broken"]


# --- real interpreters ----------------------------------------------------------------------


@pytest.mark.parametrize("version", PY3_VERSIONS)
def test_real_interpreters_are_inspected(version: str, tmp_path: Path) -> None:
    python = need(version)
    site = tmp_path / "extra"
    add_torch(site, "2.3.1+cu121", cuda="12.1")
    add_dist(site, "nvidia-cudnn-cu12", "8.9.2.26")
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(site)})
    inspection = inspect_target(ctx)
    assert inspection.error is None, inspection.error
    assert inspection.get("version").startswith(version + ".")
    assert inspection.get("too_old") is False
    assert inspection.get("errors") == {}
    assert inspection.get("bits") in (32, 64)
    assert str(site) in inspection.get("path")
    torch = inspection.torch
    assert torch is not None
    assert torch["location"] == str(site)
    assert torch["version_py"]["__version__"] == "2.3.1+cu121"
    assert torch["version_py"]["cuda"] == "12.1"
    keys = {d.key: d for d in inspection.distributions}
    assert keys["nvidia-cudnn-cu12"].version == "8.9.2.26"
    assert keys["torch"].location == str(site)
    assert keys["torch"].installer == "pip"


def test_python_27_is_reported_too_old(tmp_path: Path) -> None:
    python = need("2.7")
    inspection = inspect_target(real_ctx(python, home=tmp_path))
    assert not inspection.ok
    assert inspection.error is not None
    assert "Python 2.7" in inspection.error
    assert "too old to inspect; envcheck inspects 3.6+" in inspection.error
    assert inspection.get("version") == "2.7.18"


def test_script_itself_reports_old_interpreters(tmp_path: Path) -> None:
    # Even without the --version pre-check, the script parses on 2.7 and says how old it is.
    python = need("2.7")
    result = run_command([str(python), "-"], timeout=20,
                         stdin_text=Path(target_script.__file__).read_text())
    parsed = parse_target_output(result.stdout)
    assert parsed["too_old"] is True
    assert parsed["version"].startswith("2.7.")


def test_not_a_python(tmp_path: Path) -> None:
    inspection = inspect_target(real_ctx("/bin/ls", home=tmp_path))
    assert inspection.error is not None
    assert inspection.error.startswith("--python /bin/ls is not a Python interpreter: ")
    with pytest.raises(TargetUnavailable, match="not a Python interpreter"):
        require_inspection(real_ctx("/bin/ls", home=tmp_path))


def test_missing_interpreter_names_how_it_was_chosen(tmp_path: Path) -> None:
    missing = tmp_path / "venv" / "bin" / "python"
    inspection = inspect_target(real_ctx(missing, home=tmp_path, chosen_by="VIRTUAL_ENV"))
    assert inspection.error == f"{missing} (from VIRTUAL_ENV) does not exist"


def test_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "python"
    plain.write_text("not a program")
    inspection = inspect_target(real_ctx(plain, home=tmp_path))
    assert inspection.error == f"--python {plain} is not executable (permission denied)"


def test_no_target_chosen(tmp_path: Path) -> None:
    assert inspect_target(real_ctx(None, home=tmp_path)).error == "no target interpreter was chosen"


def test_hanging_interpreter_is_killed(tmp_path: Path) -> None:
    python = fake_python(
        tmp_path / "python",
        'if [ "$1" = --version ]; then echo "Python 3.11.7"; exit 0; fi\nexec sleep 30\n',
    )
    inspection = inspect_target(real_ctx(python, home=tmp_path, timeout_s=0.3))
    assert inspection.error is not None
    assert "did not finish the inspection script within" in inspection.error
    assert inspection.data is None


def test_sitecustomize_that_hangs_is_reported(tmp_path: Path) -> None:
    python = host_python()
    (tmp_path / "sitecustomize.py").write_text("import time\ntime.sleep(30)\n")
    ctx = real_ctx(python, home=tmp_path, timeout_s=0.3,
                   extra_env={"PYTHONPATH": str(tmp_path)})
    inspection = inspect_target(ctx)
    assert inspection.error is not None
    assert "sitecustomize" in inspection.error


@pytest.mark.parametrize(
    "body",
    [
        "print('Welcome to the cluster! {\"not\": \"json\"}')\n",
        "raise RuntimeError('corp proxy config missing')\n",
        "import sys\nsys.stdout.write('no newline at end')\n",
    ],
)
def test_sitecustomize_that_prints_or_crashes_does_not_break_inspection(
    body: str, tmp_path: Path
) -> None:
    python = host_python()
    (tmp_path / "sitecustomize.py").write_text(body)
    ctx = real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(tmp_path)})
    inspection = inspect_target(ctx)
    assert inspection.ok, inspection.error
    assert inspection.get("executable")


def test_garbage_output(tmp_path: Path) -> None:
    python = fake_python(
        tmp_path / "python",
        'if [ "$1" = --version ]; then echo "Python 3.12.1"; exit 0; fi\n'
        'echo "@@envcheck-target-begin@@{{{"\nexit 0\n',
    )
    inspection = inspect_target(real_ctx(python, home=tmp_path))
    assert inspection.error is not None
    assert inspection.error.startswith(f"inspecting --python {python} failed: ")


def test_python_that_exits_early_says_why(tmp_path: Path) -> None:
    python = fake_python(
        tmp_path / "python",
        'if [ "$1" = --version ]; then echo "Python 3.12.1"; exit 0; fi\n'
        'echo "Fatal Python error: init_fs_encoding: failed to get the Python codec" >&2\n'
        "exit 1\n",
    )
    inspection = inspect_target(real_ctx(python, home=tmp_path))
    assert inspection.error is not None
    assert "exited 1" in inspection.error
    assert "init_fs_encoding" in inspection.error


def test_inspection_runs_once_per_context() -> None:
    ctx, runner = recorded_ctx("venv_torch_cpu.txt")
    first = inspect_target(ctx)
    second = inspect_target(ctx)
    assert first is second
    assert runner.calls == [("/usr/bin/python3", "--version"), ("/usr/bin/python3", "-")]


def test_conda_prefix_is_recognised_by_the_script(tmp_path: Path) -> None:
    prefix = make_conda_prefix(tmp_path / "miniforge3")
    ctx = real_ctx(prefix / "bin" / "python", home=tmp_path, chosen_by="CONDA_PREFIX",
                   extra_env={"CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "train"})
    inspection = inspect_target(ctx)
    assert inspection.ok, inspection.error
    assert inspection.get("prefix") == str(prefix)
    assert inspection.get("conda") == {
        "meta_dir": True, "has_condabin": False, "in_envs_dir": True,
        "envs_base": str(tmp_path / "miniforge3"),
    }
    names = {r["name"] for r in inspection.get("conda_packages")}
    assert "pytorch" in names
    assert "numpy" not in names


def test_the_script_runs_on_the_interpreter_running_the_tests(tmp_path: Path) -> None:
    inspection = inspect_target(real_ctx(sys.executable, home=tmp_path, chosen_by="current"))
    assert inspection.ok, inspection.error
    assert inspection.get("executable")
