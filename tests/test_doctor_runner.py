"""The probe runner: isolation, skips, timeouts, fixed order, fact merging."""

from __future__ import annotations

import dataclasses
import threading

from envcheck.context import Context
from envcheck.doctor import ProbeRun, build_report, merge_facts, run_doctor, run_probes
from envcheck.model import ProbeOutcome, ProbeResult, ProbeStatus
from envcheck.probes.base import Facts, Probe
from tests.fakes import make_ctx


class _Good(Probe):
    id = "good"
    title = "Good"

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        facts.set("os.name", "linux")
        facts.unknown("os.glibc", "ldd not found")
        return facts.outcome("fine")


class _Crashing(Probe):
    id = "crash"
    title = "Crash"

    def run(self, ctx: Context) -> ProbeOutcome:
        raise ValueError("bad bytes in /proc/driver/nvidia/version")


class _Skipped(Probe):
    id = "skip"
    title = "Skip"

    def applies(self, ctx: Context) -> str | None:
        return "macOS has no NVIDIA driver"

    def run(self, ctx: Context) -> ProbeOutcome:  # pragma: no cover - never called
        raise AssertionError("run() called on a skipped probe")


class _Hanging(Probe):
    id = "hang"
    title = "Hang"

    def __init__(self) -> None:
        self.release = threading.Event()

    def timeout(self, ctx: Context) -> float:
        return 0.2

    def run(self, ctx: Context) -> ProbeOutcome:
        self.release.wait(30)
        return ProbeOutcome({"os.kernel": "late"})


class _BadApplies(Probe):
    id = "bad_applies"
    title = "Bad applies"

    def applies(self, ctx: Context) -> str | None:
        raise KeyError("PATH")

    def run(self, ctx: Context) -> ProbeOutcome:  # pragma: no cover
        return ProbeOutcome()


def test_every_outcome_becomes_a_result_in_registry_order() -> None:
    hanging = _Hanging()
    try:
        results = run_probes(make_ctx(), [_Crashing(), hanging, _Good(), _Skipped(), _BadApplies()])
    finally:
        hanging.release.set()
    assert [r.id for r in results] == ["crash", "hang", "good", "skip", "bad_applies"]
    crash, hang, good, skip, bad = results
    assert crash.status is ProbeStatus.FAILED
    assert crash.note == "ValueError: bad bytes in /proc/driver/nvidia/version"
    assert hang.status is ProbeStatus.TIMED_OUT
    assert hang.note == "no answer within 0.2 s"
    assert "os.kernel" not in hang.facts
    assert good.status is ProbeStatus.OK
    assert good.facts["os.name"] == "linux"
    assert good.notes["os.glibc"] == "ldd not found"
    assert skip.status is ProbeStatus.SKIPPED
    assert skip.note == "macOS has no NVIDIA driver"
    assert bad.status is ProbeStatus.FAILED
    assert bad.note is not None and bad.note.startswith("KeyError")


def test_merge_keeps_first_known_value_and_its_note() -> None:
    first = ProbeResult(
        "a",
        "A",
        ProbeStatus.OK,
        facts={"torch.version": None, "os.name": "linux"},
        notes={"torch.version": "torch is not installed"},
    )
    second = ProbeResult(
        "b", "B", ProbeStatus.OK, facts={"torch.version": "2.1.0", "os.name": "windows"}
    )
    facts, notes = merge_facts([first, second])
    assert facts == {"torch.version": "2.1.0", "os.name": "linux"}
    assert "torch.version" not in notes


def test_report_is_immutable_and_carries_target() -> None:
    ctx = make_ctx(target_python="/envs/x/bin/python")
    result = ProbeResult("a", "A", ProbeStatus.OK, facts={"python.env_type": "conda"})
    report = build_report(ctx, [result], [])
    assert report.target.python == "/envs/x/bin/python"
    assert report.target.env_type == "conda"
    assert report.verdict == "ok"
    try:
        report.facts["x"] = 1  # type: ignore[index]
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("report facts are mutable")


class _Slow(_Hanging):
    id = "slow"
    title = "Slow"

    def timeout(self, ctx: Context) -> float:
        return 120.0


def test_total_budget_stops_waiting_for_probes_with_longer_limits() -> None:
    slow, hanging = _Slow(), _Hanging()
    try:
        results = ProbeRun(make_ctx(), [_Good(), slow, hanging]).results(budget_s=0.5)
    finally:
        slow.release.set()
        hanging.release.set()
    good, slow_result, hang = results
    assert good.status is ProbeStatus.OK
    assert slow_result.status is ProbeStatus.TIMED_OUT
    assert slow_result.note == "still running when the doctor's 0.5 s budget ran out"
    assert hang.status is ProbeStatus.TIMED_OUT
    assert hang.note == "no answer within 0.2 s"  # its own, shorter limit came first


def test_run_doctor_honours_the_context_budget() -> None:
    slow = _Slow()
    ctx = dataclasses.replace(make_ctx(), budget_s=0.3)
    try:
        report = run_doctor(ctx, [_Good(), slow])
    finally:
        slow.release.set()
    assert [p.status for p in report.probes] == [ProbeStatus.OK, ProbeStatus.TIMED_OUT]
    assert "probe.slow_timed_out" in [f.id for f in report.findings]


class _HangingTorch(_Hanging):
    id = "torch_like"
    title = "Torch-like"
    limit_flag = "--torch-timeout"


def _more_time_fix(report_findings: tuple[object, ...], finding_id: str) -> str:
    from envcheck.model import Finding

    found = [f for f in report_findings if isinstance(f, Finding) and f.id == finding_id]
    assert found, finding_id
    return found[0].fixes[0].commands[0]


def test_a_timed_out_probe_names_the_flag_that_governs_it_and_keeps_python() -> None:
    hanging, torch_like, slow = _Hanging(), _HangingTorch(), _Slow()
    ctx = dataclasses.replace(make_ctx(), target_python="/envs/dl/bin/python",
                              target_chosen_by="--python", budget_s=0.5)
    try:
        report = run_doctor(ctx, [hanging, torch_like, slow])
    finally:
        for probe in (hanging, torch_like, slow):
            probe.release.set()
    by_id = {p.id: p for p in report.probes}
    assert by_id["hang"].more_time == ("--timeout", "120", "--python", "/envs/dl/bin/python")
    assert by_id["torch_like"].more_time[:2] == ("--torch-timeout", "120")
    assert by_id["slow"].more_time[:2] == ("--budget", "120")
    assert _more_time_fix(report.findings, "probe.torch_like_timed_out") == (
        "envcheck doctor --torch-timeout 120 --python /envs/dl/bin/python")
    assert _more_time_fix(report.findings, "probe.slow_timed_out") == (
        "envcheck doctor --budget 120 --python /envs/dl/bin/python")


def test_more_time_doubles_a_long_limit_and_quotes_the_python_path() -> None:
    from envcheck.doctor import more_time_args
    from envcheck.model import ProbeResult
    from envcheck.rules.probe import more_time_command

    ctx = dataclasses.replace(make_ctx(), target_python="/my envs/py", target_chosen_by="--python")
    assert more_time_args(ctx, "--budget", 300) == ("--budget", "600", "--python", "/my envs/py")
    chosen_by_venv = dataclasses.replace(ctx, target_chosen_by="VIRTUAL_ENV")
    assert more_time_args(chosen_by_venv, "--timeout", 10) == ("--timeout", "120")
    timed_out = ProbeResult("x", "X", ProbeStatus.TIMED_OUT,
                            more_time=more_time_args(ctx, "--timeout", 10))
    assert more_time_command(timed_out) == "envcheck doctor --timeout 120 --python '/my envs/py'"
    # a pasted report without the record keeps the old general advice
    assert more_time_command(dataclasses.replace(timed_out, more_time=())) == (
        "envcheck doctor --timeout 120")


def test_the_more_time_advice_is_read_back_from_json_and_markdown() -> None:
    from envcheck.explain_report import explain_report
    from envcheck.render import OutputFormat, render_report

    torch_like = _HangingTorch()
    ctx = dataclasses.replace(make_ctx(), target_python="/envs/dl/bin/python",
                              target_chosen_by="--python")
    try:
        report = run_doctor(ctx, [torch_like])
    finally:
        torch_like.release.set()
    wanted = "envcheck doctor --torch-timeout 120 --python /envs/dl/bin/python"
    assert _more_time_fix(report.findings, "probe.torch_like_timed_out") == wanted
    for fmt in (OutputFormat.JSON, OutputFormat.MARKDOWN):
        pasted = explain_report(render_report(report, fmt))
        assert _more_time_fix(pasted.findings, "probe.torch_like_timed_out") == wanted, fmt
