"""``envcheck recommend`` through typer's CliRunner, on a fresh app with a fake machine reader."""

from __future__ import annotations

import json
from collections.abc import Mapping

import typer
from packaging.version import Version
from typer.testing import CliRunner

from envcheck.cli_recommend import register

MACHINE: dict[str, object] = {
    "os.name": "linux",
    "os.arch": "x86_64",
    "python.version": "3.10.12",
    "nvidia.driver_version": "535.104.05",
    "nvidia.cuda_driver_max": "12.2",
    "nvidia.gpu_count": 1,
    "nvidia.gpus": [{"index": 0, "name": "NVIDIA A10G", "compute_capability": "8.6"}],
    "pip.mirror": None,
}


class FakeMachine:
    """Returns fixed facts and records whether the full (probing) reading was asked for."""

    def __init__(self, facts: Mapping[str, object] | None = None, fail: bool = False) -> None:
        self.facts = dict(MACHINE if facts is None else facts)
        self.fail = fail
        self.calls: list[bool] = []

    def __call__(self, full: bool) -> Mapping[str, object]:
        self.calls.append(full)
        if self.fail:
            raise RuntimeError("NVML exploded")
        if full:
            return self.facts
        return {
            k: v for k, v in self.facts.items() if k in ("os.name", "os.arch", "python.version")
        }


def _app(machine: FakeMachine) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app, machine=machine)
    return app


def _run(machine: FakeMachine, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(machine), ["recommend", *args])
    return result.exit_code, result.stdout, result.stderr


def test_issue_case_exactly() -> None:
    machine = FakeMachine()
    code, out, _err = _run(machine, "--cuda", "12.1", "--torch", "2.2.1")
    assert code == 0
    assert out.splitlines()[0] == (
        "pip install torch==2.2.1 torchvision==0.17.1 torchaudio==2.2.1 "
        "--index-url https://download.pytorch.org/whl/cu121"
    )
    assert "--cuda 12.1 read as the CUDA this machine has" in out
    # explicit GPU-side input: only the cheap reading, and the machine's driver is not mixed in
    assert machine.calls == [False]
    assert "535.104.05" not in out


def test_no_arguments_reads_the_machine() -> None:
    machine = FakeMachine()
    code, out, _err = _run(machine)
    assert code == 0
    assert machine.calls == [True]
    # driver 535 (CUDA 12.2) + A10G (sm_86) + Python 3.10 → newest confirmed torch on cu126
    assert out.splitlines()[0] == (
        "pip install torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cu126"
    )
    assert "driver 535.104.05 → CUDA ≤ 12.2 natively" in out


def test_detected_values_can_be_overridden() -> None:
    machine = FakeMachine()
    code, out, _err = _run(machine, "--torch", "2.4.1", "--manager", "uv", "--mirror", "tuna")
    assert code == 0
    assert machine.calls == [True]
    assert out.splitlines()[0].startswith("uv pip install torch==2.4.1 torchvision==0.19.1")
    assert "serves only PyPI's default torch build" not in out  # cu121 is 2.4.1's PyPI default
    assert out.splitlines()[0].endswith("-i https://pypi.tuna.tsinghua.edu.cn/simple")


def test_json_output() -> None:
    code, out, _err = _run(FakeMachine(), "--json", "--cuda", "11.3", "--torch", "1.12.1")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == 1
    assert data["command"].startswith("pip install torch==1.12.1+cu113 torchvision==0.13.1+cu113")
    assert data["variant"] == "cu113"
    assert data["packages"][0] == {"name": "torch", "version": "1.12.1+cu113"}
    assert data["request"]["cuda"] == "11.3"
    assert data["rests_on_unconfirmed"] is False
    assert {c["name"] for c in data["constraints"]} >= {"torch", "variant"}


def test_packages_option() -> None:
    code, out, _err = _run(
        FakeMachine(), "--cuda", "12.4", "--torch", "2.5.1", "--packages", "torch,torchvision"
    )
    assert code == 0
    assert out.splitlines()[0] == (
        "pip install torch==2.5.1 torchvision==0.20.1 --index-url https://download.pytorch.org/whl/cu124"
    )


def test_other_os_drops_this_machines_python() -> None:
    machine = FakeMachine(dict(MACHINE, **{"python.version": "3.8.10"}))
    code, out, _err = _run(machine, "--os", "macos", "--arch", "x86_64")
    assert code == 0
    assert out.splitlines()[0] == "pip install torch==2.2.2 torchvision==0.17.2 torchaudio==2.2.2"


def test_impossible_request_says_what_is_possible() -> None:
    code, out, err = _run(FakeMachine(), "--python", "3.13", "--torch", "2.4.1")
    assert code == 2
    assert out == ""
    assert err.startswith("No build fits: torch 2.4.1 has no linux-x86_64 wheels for Python 3.13")
    assert "Possible instead:" in err
    assert "Python 3.8–3.12 with torch 2.4.1" in err


def test_impossible_request_json() -> None:
    code, out, err = _run(FakeMachine(), "--json", "--os", "macos", "--cuda", "12.1")
    assert code == 2
    data = json.loads(out)
    assert data["error"] == "impossible"
    assert "no CUDA" in data["reason"]
    assert data["possible"]
    assert "No build fits" in err


def test_usage_error_is_one_line() -> None:
    code, out, err = _run(FakeMachine(), "--os", "beos")
    assert code == 2
    assert out == ""
    assert err == "envcheck recommend: --os 'beos': use linux, windows or macos\n"


def test_unknown_gpu_is_a_usage_error() -> None:
    code, _out, err = _run(FakeMachine(), "--gpu", "Voodoo 5")
    assert code == 2
    assert "give --cc" in err


def test_machine_reading_failure_still_answers() -> None:
    code, out, err = _run(FakeMachine(fail=True), "--cuda", "12.1", "--torch", "2.2.1")
    assert code == 0
    assert "could not read this machine (NVML exploded)" in err
    assert out.startswith("pip install torch==2.2.1")


def test_macos_asked_from_another_host_means_apple_silicon() -> None:
    code, out, _ = _run(FakeMachine(), "--os", "macos", "--python", "3.12", "--json")
    assert code == 0
    data = json.loads(out)
    # Apple silicon: a release after the last Intel-Mac one (2.2.2), whichever is newest.
    assert Version(data["torch"]) > Version("2.2.2")
    assert data["request"]["arch"] == "arm64"


def test_macos_host_that_is_intel_stays_intel() -> None:
    intel_mac = {"os.name": "darwin", "os.arch": "x86_64", "python.version": "3.12.4"}
    code, out, _ = _run(FakeMachine(intel_mac), "--os", "macos", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["torch"] == "2.2.2"
    assert data["request"]["arch"] == "x86_64"
    assert data["request"]["python"] == "3.12"


def test_python_36_cli() -> None:
    code, out, err = _run(FakeMachine(), "--python", "3.6", "--variant", "cpu")
    assert code == 0, err
    assert out.startswith("pip install torch==1.10.2+cpu ")
