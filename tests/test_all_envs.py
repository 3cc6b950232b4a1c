"""doctor --all-envs: the machine probed once, each environment on its own, the output shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from envcheck.all_envs import AllEnvsReport, redact_all_envs, run_all_envs
from envcheck.context import Context
from envcheck.envs import Discovery, FoundEnv
from envcheck.model import ProbeOutcome, ProbeStatus
from envcheck.probes import all_probes
from envcheck.probes.base import Facts, Probe
from envcheck.render.all_envs import all_envs_to_dict, render_all_envs_text
from tests.fakes import make_ctx

PYENV = Path.home() / ".pyenv" / "versions"


class _Machine(Probe):
    id = "machine"
    title = "Machine"
    runs: ClassVar[list[str | None]] = []
    lock = threading.Lock()

    def run(self, ctx: Context) -> ProbeOutcome:
        with self.lock:
            self.runs.append(ctx.target_python)
        facts = Facts()
        facts.set("nvidia.driver_version", "550.54.15")
        return facts.outcome()


class _Target(Probe):
    id = "target"
    title = "Target"
    per_target = True

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        facts.set("python.executable", ctx.target_python)
        facts.set("python.version", "3.12.1" if "new" in str(ctx.target_python) else "3.9.18")
        facts.set("python.chosen_by", ctx.target_chosen_by)
        return facts.outcome()


class _Hangs(Probe):
    """Never answers for the interpreter named ``stuck`` (until the test releases it)."""

    id = "hangs"
    title = "Hangs"
    per_target = True
    release = threading.Event()

    def timeout(self, ctx: Context) -> float:
        return 0.3

    def run(self, ctx: Context) -> ProbeOutcome:
        if "stuck" in str(ctx.target_python):
            self.release.wait(30)
        return Facts().outcome("answered")


def _envs(*names: str) -> Discovery:
    return Discovery(tuple(FoundEnv(f"/e/{n}", f"/e/{n}/bin/python", "venv", f"./{n}", n)
                           for n in names), ("a note",))


def test_machine_probes_run_once_and_every_env_gets_their_facts() -> None:
    _Machine.runs.clear()
    result = run_all_envs(make_ctx(), _envs("new", "old", "other"),
                          probes=[_Machine(), _Target()], jobs=2)

    assert _Machine.runs == [None]
    assert [e.env.prefix for e in result.envs] == ["/e/new", "/e/old", "/e/other"]
    for item in result.envs:
        report = item.report
        assert [p.id for p in report.probes] == ["machine", "target"]
        assert report.fact("nvidia.driver_version") == "550.54.15"
        assert report.fact("python.executable") == item.env.python
        assert report.target.python == item.env.python
        assert report.target.chosen_by == item.env.found_by
    assert result.envs[0].report.fact("python.version") == "3.12.1"
    assert result.envs[1].report.fact("python.version") == "3.9.18"
    assert result.notes == ("a note",)


def test_one_env_that_hangs_times_out_alone() -> None:
    try:
        result = run_all_envs(make_ctx(), _envs("stuck", "fine"), probes=[_Hangs()], jobs=2)
    finally:
        _Hangs.release.set()
    statuses = {e.env.name: e.report.probes[0].status for e in result.envs}
    assert statuses == {"stuck": ProbeStatus.TIMED_OUT, "fine": ProbeStatus.OK}
    stuck = result.envs[0].report.probes[0]
    assert stuck.note == "no answer within 0.3 s"


def test_registry_splits_machine_and_target_probes() -> None:
    per_target = {p.id for p in all_probes() if p.per_target}
    assert per_target == {"python_env", "packages", "torch_runtime", "pip_index"}


def test_real_rules_run_per_env_with_a_missing_interpreter() -> None:
    result = run_all_envs(make_ctx(), _envs("gone"), jobs=1)
    report = result.envs[0].report
    assert report.verdict == "error"
    assert report.findings[0].id == "target.unusable"
    text = render_all_envs_text(result)
    row = next(line for line in text.splitlines() if line.startswith("/e/gone"))
    assert "error" in row and "target.unusable" in row
    assert "Machine: no NVIDIA driver found" in text
    assert "note: a note" in text


def test_json_document_holds_every_report_and_redaction_hides_home() -> None:
    discovery = Discovery((FoundEnv("/home/ana/proj/.venv", "/home/ana/proj/.venv/bin/python",
                                    "venv", "./.venv", ".venv"),))
    result = run_all_envs(make_ctx(), discovery, probes=[_Machine(), _Target()], jobs=1)
    data = all_envs_to_dict(result)
    assert data["source"] == "doctor-all-envs"
    assert data["host"] == "testhost"
    assert [e["prefix"] for e in data["envs"]] == ["/home/ana/proj/.venv"]
    assert data["envs"][0]["report"]["facts"]["python.version"] == "3.9.18"

    hidden = all_envs_to_dict(redact_all_envs(result))
    assert hidden["host"] is None
    assert hidden["envs"][0]["prefix"] == "/home/<user>/proj/.venv"
    assert "ana" not in json.dumps(hidden)


def test_empty_discovery_says_so() -> None:
    result = AllEnvsReport("0", None, ())
    assert "No Python environment found." in render_all_envs_text(result)
    assert result.worst is None


def _venv(python: Path, where: Path) -> None:
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(not all((PYENV / v / "bin/python").exists()
                            for v in ("3.9.18", "3.10.13", "3.11.7", "3.12.1")),
                    reason="needs pyenv Pythons 3.9-3.12")
def test_all_envs_json_lists_venvs_conda_and_active_env_with_versions(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    _venv(PYENV / "3.12.1/bin/python", project / ".venv")
    _venv(PYENV / "3.9.18/bin/python", project / "venv")
    conda_env = tmp_path / "conda" / "envs" / "torch"
    _venv(PYENV / "3.10.13/bin/python", conda_env)
    (conda_env / "conda-meta").mkdir()
    (home / ".conda").mkdir(parents=True)
    (home / ".conda" / "environments.txt").write_text(f"{conda_env}\n")
    active = tmp_path / "active"
    _venv(PYENV / "3.11.7/bin/python", active)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "VIRTUAL_ENV": str(active)}

    proc = subprocess.run([sys.executable, "-m", "envcheck", "doctor", "--all-envs", "--json"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120,
                          check=False)

    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    versions = {e["prefix"]: (e["found_by"], e["report"]["facts"]["python.version"])
                for e in data["envs"]}
    assert versions[str(active)] == ("VIRTUAL_ENV", "3.11.7")
    assert versions[str(project / ".venv")] == ("./.venv", "3.12.1")
    assert versions[str(project / "venv")] == ("./venv", "3.9.18")
    assert versions[str(conda_env)] == ("~/.conda/environments.txt", "3.10.13")
    conda_report = next(e["report"] for e in data["envs"] if e["prefix"] == str(conda_env))
    assert conda_report["facts"]["python.env_type"] == "conda"


def test_all_envs_cli_never_imports_torch_and_rejects_python(tmp_path: Path) -> None:
    from tests.test_cli import _envcheck

    proc = _envcheck("doctor", "--all-envs", "--markdown", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.startswith("## envcheck doctor --all-envs (")
    assert "IMPORTED=\n" in proc.stderr

    both = _envcheck("doctor", "--all-envs", "--python", sys.executable)
    assert both.returncode == 2
    assert both.stderr.splitlines()[0].endswith("--all-envs inspects every environment; drop "
                                                "--python")


def test_all_envs_speaks_chinese_with_the_data_unchanged() -> None:
    from rich.cells import cell_len

    from envcheck.render.all_envs import render_all_envs_markdown

    result = run_all_envs(make_ctx(), _envs("gone", "fine"), jobs=1)
    english = render_all_envs_text(result)
    chinese = render_all_envs_text(result, "zh")
    assert "本机：未找到 NVIDIA 驱动" in chinese and "最严重的问题" in chinese
    assert "Machine:" not in chinese and "worst finding" not in chinese
    rows = [line for line in chinese.splitlines() if line.startswith("/e/")]
    assert [r.split()[0] for r in rows] == [line.split()[0] for line in english.splitlines()
                                            if line.startswith("/e/")]
    assert all("target.unusable" in r for r in rows if r.startswith("/e/gone"))
    # Columns line up by terminal cells, Chinese headers included.
    header = next(line for line in chinese.splitlines() if line.startswith("环境"))
    column = cell_len(header[: header.index("类型")])
    assert [cell_len(r[: r.index("venv")]) for r in rows] == [column] * len(rows)
    assert "## envcheck doctor --all-envs（2 个环境）" in render_all_envs_markdown(result, "zh")
    assert render_all_envs_text(result, "en") == english
    data = all_envs_to_dict(result, "zh")
    assert data["envs"][0]["report"]["findings"][0]["id"] == "target.unusable"
