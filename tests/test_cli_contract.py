"""The contract every command keeps, checked on the real CLI (a subprocess each time): one
exit-status enum, ``--format`` from one picker, usage errors (a ``--python`` that names no file,
an ``-o`` that cannot be written) as one line and exit 2 before any probing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from envcheck.cli_contract import ExitCode, pick_format
from envcheck.output_file import unwritable_reason
from envcheck.render import OutputFormat

ROOT = Path(__file__).resolve().parents[1]
EXPLAIN_SAMPLE = ROOT / "tests" / "data" / "explain" / "collect_env_2.4_wsl2_driver_too_old.md"


def _envcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd or ROOT, check=False)


def _one_usage_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == ExitCode.USAGE, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    return lines[0]


def _marking_python(tmp_path: Path) -> tuple[Path, Path]:
    """An interpreter that leaves a mark when anything runs it (then is the real one)."""
    mark = tmp_path / "ran"
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(f'#!/bin/sh\necho ran >> "{mark}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return python, mark


PYTHON_COMMANDS = [
    ("doctor",), ("doctor", "--json"), ("report",), ("report", "--bench"),
    ("bench", "cnn"), ("bench", "resnet", "--json"), ("bench", "matmul"), ("bench", "transfer"),
]


@pytest.mark.parametrize("command", PYTHON_COMMANDS, ids=" ".join)
def test_a_python_that_does_not_exist_is_a_usage_error(command: tuple[str, ...],
                                                        tmp_path: Path) -> None:
    missing = tmp_path / "no-such-env" / "bin" / "python"
    line = _one_usage_line(_envcheck(*command, "--python", str(missing)))
    assert line.startswith("envcheck: error:")
    assert f"--python {missing} does not exist" in line


def test_a_python_name_not_on_path_is_a_usage_error() -> None:
    line = _one_usage_line(_envcheck("doctor", "--python", "python-envcheck-no-such-name"))
    assert "--python python-envcheck-no-such-name does not exist" in line


def _unwritable_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    regular = tmp_path / "a-file.txt"
    regular.write_text("not a folder\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {
        "under a regular file": (regular / "x.json", "is not a directory"),
        "deep under a regular file": (regular / "sub" / "%N.json", "is not a directory"),
        "a directory": (folder, "is a directory"),
    }


@pytest.mark.skipif(os.name != "posix", reason="uses a shell-script interpreter")
@pytest.mark.parametrize("case", ["under a regular file", "deep under a regular file",
                                  "a directory"])
@pytest.mark.parametrize("command", [("doctor",), ("doctor", "--json"), ("report",)],
                         ids=" ".join)
def test_an_unwritable_output_fails_before_any_probing(command: tuple[str, ...], case: str,
                                                       tmp_path: Path) -> None:
    path, reason = _unwritable_outputs(tmp_path)[case]
    python, mark = _marking_python(tmp_path)
    line = _one_usage_line(_envcheck(*command, "--python", str(python), "-o", str(path)))
    assert f"cannot write -o {path}: " in line and reason in line
    assert not mark.exists(), "the target interpreter ran: probing started before the check"


def test_an_unwritable_output_fails_for_every_command_that_writes_one(tmp_path: Path) -> None:
    path, reason = _unwritable_outputs(tmp_path)["under a regular file"]
    report = tmp_path / "r.json"
    report.write_text("{}")
    for command in (("explain", str(EXPLAIN_SAMPLE)), ("diff", str(report), str(report)),
                    ("fleet", "summarize", str(report)), ("doctor", "--all-envs")):
        line = _one_usage_line(_envcheck(*command, "-o", str(path)))
        assert reason in line, command


def test_output_into_missing_folders_is_still_written(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "report.json"
    proc = _envcheck("explain", str(EXPLAIN_SAMPLE), "--json", "-o", str(out))
    assert proc.returncode == ExitCode.FINDINGS, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("{")


def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()

    def access(path: Path, mode: int) -> bool:
        return path != locked

    assert unwritable_reason(locked / "x.json", access=access) == f"{locked} is not writable"
    assert unwritable_reason(locked / "new" / "x.json", access=access) == (
        f"{locked} is not writable")
    assert unwritable_reason(tmp_path / "x.json", access=access) is None


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_usage_error_on_the_cli(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        line = _one_usage_line(_envcheck("explain", str(EXPLAIN_SAMPLE), "-o",
                                         str(locked / "x.md")))
    finally:
        locked.chmod(0o700)
    assert "is not writable" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("doctor", "--all-envs", "--format", "html"), "--format html is not offered here"),
        (("diff", "a", "b", "--format", "markdown"), "--format markdown is not offered here"),
        (("fleet", "summarize", "x", "--json", "--markdown"), "choose one of"),
        (("fleet", "summarize", "x", "--format", "html"), "not offered here"),
        (("bench", "cnn", "--format", "markdown"), "--format markdown is not offered here"),
        (("bench", "cnn", "--format", "text", "--json"), "choose one of --format and --json"),
        (("recommend", "--format", "html"), "--format html is not offered here"),
    ],
)
def test_format_choices_are_checked_the_same_way_everywhere(args: tuple[str, ...],
                                                            message: str) -> None:
    assert message in _one_usage_line(_envcheck(*args))


def test_recommend_takes_format_json_as_json() -> None:
    proc = _envcheck("recommend", "--format", "json", "--cuda", "12.1", "--os", "linux",
                     "--python", "3.11", "--arch", "x86_64")
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stdout.lstrip().startswith("{")


def test_pick_format_prefers_what_was_asked_and_refuses_conflicts() -> None:
    json_alias = ((OutputFormat.JSON, True),)
    assert pick_format(None) is OutputFormat.TEXT
    assert pick_format(None, default=OutputFormat.MARKDOWN) is OutputFormat.MARKDOWN
    assert pick_format(None, aliases=json_alias) is OutputFormat.JSON
    assert pick_format(OutputFormat.JSON, aliases=json_alias) is OutputFormat.JSON
    with pytest.raises(typer.BadParameter, match="choose one of --format and --json"):
        pick_format(OutputFormat.TEXT, aliases=json_alias)


def test_every_exit_status_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", readme, re.MULTILINE)}
    assert {int(code) for code in ExitCode} == documented
