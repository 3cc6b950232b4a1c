"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck import cli
from envcheck.doctor import run_doctor
from envcheck.model import Report
from envcheck.redact import Identity
from tests.fake_machines import scenario


@pytest.fixture
def fake_doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    """``envcheck doctor`` runs on a fake machine with a CPU torch beside an RTX 4090."""
    case = scenario("cpu_wheel_on_gpu_machine")
    ctx = case.context(tmp_path)
    report = run_doctor(ctx)

    def here(*_args: object) -> tuple[Report, Identity]:
        return report, Identity.from_env(ctx.env, ctx.host)

    monkeypatch.setattr(cli, "run_doctor_here", here)
    cli._register_subcommands()
    return report
