"""The built wheel installs into a fresh venv, ships the recipe tables, and its CLI runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
         str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next(dist.glob("envcheck_dl-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # Dependencies come from the test venv (a .pth line); envcheck itself only from the wheel.
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (site / "envcheck_test_deps.pth").write_text(str(deps) + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    listing = subprocess.run(
        [str(python), "-c",
         "import importlib.resources as r; print(sorted(p.name for p in "
         "r.files('envcheck').joinpath('recipes').iterdir())); "
         "print(r.files('envcheck').joinpath('schema/report-1.json').is_file())"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert ".toml" in listing.stdout, listing.stderr[-2000:]
    assert listing.stdout.split()[-1] == "True", "the JSON Schema is not in the wheel"
    zh = subprocess.run(
        [str(python), "-c", "from envcheck.i18n import messages; "
         "print(messages('zh').gettext('System'))"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert zh.stdout.strip() == "系统", "the Chinese messages are not in the wheel: " + zh.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    doctor = subprocess.run(
        [str(env_dir / "bin" / "envcheck"), "doctor", "--json", "--fail-on", "never",
         "--no-redact"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path, env=env,
    )
    assert doctor.returncode == 0, doctor.stderr[-2000:]
    report = json.loads(doctor.stdout)
    assert report["schema"] == 1
    assert report["target"]["python"] == str(python)
    assert str(env_dir) in report["facts"]["python.executable"]
