"""Environment discovery over fake filesystem trees: every place, the order, no duplicates."""

from __future__ import annotations

from pathlib import Path

from envcheck.envs import discover_envs, parse_envs_dirs
from tests.fakes import make_ctx

HOME = "/home/ana"


def _python(root: Path, prefix: str, name: str = "bin/python") -> None:
    exe = root / prefix.lstrip("/") / name
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text("")


def _conda_env(root: Path, prefix: str) -> None:
    _python(root, prefix)
    (root / prefix.lstrip("/") / "conda-meta").mkdir(parents=True, exist_ok=True)


def _write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def _found(root: Path, env: dict[str, str], cwd: str = "/work/proj") -> list[tuple[str, str, str]]:
    ctx = make_ctx(root=root, env={"HOME": HOME, **env})
    return [(e.prefix, e.kind, e.found_by) for e in discover_envs(ctx, cwd).envs]


def test_every_kind_of_place_in_display_order(tmp_path: Path) -> None:
    _python(tmp_path, "/work/active")
    _python(tmp_path, "/work/proj/.venv")
    _python(tmp_path, "/work/proj/env", "bin/python3")
    _conda_env(tmp_path, "/data/envs/listed")
    _write(tmp_path, f"{HOME}/.conda/environments.txt", "/data/envs/listed\n\n")
    _conda_env(tmp_path, "/scratch/condaenvs/from-rc")
    _write(tmp_path, f"{HOME}/.condarc", "channels:\n  - conda-forge\nenvs_dirs:\n"
           "  - /scratch/condaenvs  # big disk\n")
    _conda_env(tmp_path, f"{HOME}/miniforge3")
    (tmp_path / HOME.lstrip("/") / "miniforge3" / "condabin").mkdir()
    _conda_env(tmp_path, f"{HOME}/miniforge3/envs/torch")
    _python(tmp_path, f"{HOME}/.pyenv/versions/3.10.13")
    _python(tmp_path, f"{HOME}/.pyenv/versions/3.9.18")
    _python(tmp_path, f"{HOME}/.local/share/uv/python/cpython-3.12.1-linux-x86_64-gnu")
    (tmp_path / HOME.lstrip("/") / ".local/share/uv/python/.lock").mkdir()
    _write(tmp_path, "/usr/bin/python3", "")

    found = _found(tmp_path, {"VIRTUAL_ENV": "/work/active"})

    assert found == [
        ("/work/active", "venv", "VIRTUAL_ENV"),
        ("/work/proj/.venv", "venv", "./.venv"),
        ("/work/proj/env", "venv", "./env"),
        ("/data/envs/listed", "conda", "~/.conda/environments.txt"),
        ("/scratch/condaenvs/from-rc", "conda", f"envs_dirs in {HOME}/.condarc"),
        (f"{HOME}/miniforge3", "conda", "conda base"),
        (f"{HOME}/miniforge3/envs/torch", "conda", f"{HOME}/miniforge3/envs"),
        (f"{HOME}/.pyenv/versions/3.9.18", "pyenv", "pyenv"),
        (f"{HOME}/.pyenv/versions/3.10.13", "pyenv", "pyenv"),
        (f"{HOME}/.local/share/uv/python/cpython-3.12.1-linux-x86_64-gnu", "uv", "uv python"),
        ("/usr", "system", "system"),
    ]


def test_an_environment_named_twice_is_listed_once_by_the_first_place(tmp_path: Path) -> None:
    _python(tmp_path, "/work/proj/.venv")
    _conda_env(tmp_path, "/opt/conda")
    _conda_env(tmp_path, "/opt/conda/envs/a")
    _write(tmp_path, f"{HOME}/.conda/environments.txt", "/opt/conda/envs/a\n/opt/conda\n")

    found = _found(tmp_path, {"VIRTUAL_ENV": "/work/proj/.venv/", "CONDA_PREFIX": "/opt/conda"})

    assert found == [
        ("/work/proj/.venv/", "venv", "VIRTUAL_ENV"),
        ("/opt/conda", "conda", "CONDA_PREFIX"),
        ("/opt/conda/envs/a", "conda", "~/.conda/environments.txt"),
    ]


def test_places_that_name_missing_prefixes_become_notes_not_rows(tmp_path: Path) -> None:
    _write(tmp_path, f"{HOME}/.conda/environments.txt", "/gone/env\n")
    (tmp_path / "empty").mkdir()
    ctx = make_ctx(root=tmp_path, env={"HOME": HOME, "VIRTUAL_ENV": "/empty"})

    discovery = discover_envs(ctx, "/nowhere")

    assert discovery.envs == ()
    assert discovery.notes == (
        "VIRTUAL_ENV names /empty, which has no Python interpreter",
        "~/.conda/environments.txt names /gone/env, which does not exist",
    )


def test_pyenv_root_and_uv_install_dir_variables_win_over_the_defaults(tmp_path: Path) -> None:
    _python(tmp_path, "/opt/pyenv/versions/3.11.7")
    _python(tmp_path, f"{HOME}/.pyenv/versions/3.8.18")
    _python(tmp_path, "/opt/uv/cpython-3.13.0-linux-x86_64-gnu")

    found = _found(tmp_path, {"PYENV_ROOT": "/opt/pyenv", "UV_PYTHON_INSTALL_DIR": "/opt/uv"})

    assert [prefix for prefix, _, _ in found] == [
        "/opt/pyenv/versions/3.11.7", "/opt/uv/cpython-3.13.0-linux-x86_64-gnu"]


def test_condarc_from_condarc_variable_with_home_and_variables_expanded(tmp_path: Path) -> None:
    _conda_env(tmp_path, f"{HOME}/envs/x")
    _conda_env(tmp_path, "/big/envs/y")
    (tmp_path / "big/envs/not-conda").mkdir(parents=True)
    _write(tmp_path, "/etc/rc", "envs_dirs: [~/envs, '$BIG/envs']\n")

    found = _found(tmp_path, {"CONDARC": "/etc/rc", "BIG": "/big"})

    assert [prefix for prefix, _, _ in found] == [f"{HOME}/envs/x", "/big/envs/y"]


def test_nothing_found_on_an_empty_machine(tmp_path: Path) -> None:
    assert _found(tmp_path, {}) == []


def test_parse_envs_dirs_shapes() -> None:
    assert parse_envs_dirs("envs_dirs:\n  - /a\n  - '~/b'\npkgs_dirs:\n  - /p\n") == ["/a", "~/b"]
    assert parse_envs_dirs('envs_dirs: ["/a", /b]\nchannels: [x]\n') == ["/a", "/b"]
    assert parse_envs_dirs("# envs_dirs:\n#  - /a\nchannels:\n  - x\n") == []
    assert parse_envs_dirs("") == []


def test_a_windows_machine(tmp_path: Path) -> None:
    def exe(path: str) -> None:
        target = tmp_path / "C" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")

    exe("work/proj/.venv/Scripts/python.exe")
    exe("Users/ana/miniconda3/envs/t/python.exe")
    (tmp_path / "C/Users/ana/miniconda3/envs/t/conda-meta").mkdir()
    (tmp_path / "C/Users/ana/.conda").mkdir(parents=True)
    (tmp_path / "C/Users/ana/.conda/environments.txt").write_text(
        "C:\\Users\\ana\\miniconda3\\envs\\t\r\n")
    exe("Users/ana/.pyenv/pyenv-win/versions/3.11.7/python.exe")
    exe("Users/ana/AppData/Roaming/uv/python/cpython-3.12.1-windows-x86_64-none/python.exe")
    ctx = make_ctx(root=tmp_path, system="Windows", env={
        "USERPROFILE": "C:\\Users\\ana", "APPDATA": "C:\\Users\\ana\\AppData\\Roaming",
        "VIRTUAL_ENV": "C:\\work\\proj\\.venv"})

    found = [(e.python, e.kind, e.found_by) for e in discover_envs(ctx, "C:\\work\\proj").envs]

    assert found == [
        ("C:\\work\\proj\\.venv\\Scripts\\python.exe", "venv", "VIRTUAL_ENV"),
        ("C:\\Users\\ana\\miniconda3\\envs\\t\\python.exe", "conda",
         "~/.conda/environments.txt"),
        ("C:\\Users\\ana\\.pyenv\\pyenv-win\\versions\\3.11.7\\python.exe", "pyenv", "pyenv"),
        ("C:\\Users\\ana\\AppData\\Roaming\\uv\\python\\cpython-3.12.1-windows-x86_64-none\\"
         "python.exe", "uv", "uv python"),
    ]
