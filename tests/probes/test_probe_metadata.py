"""Probe metadata is declared on the probe classes and read from there, not from id lists."""

from __future__ import annotations

from envcheck.model import ProbeResult, ProbeStatus
from envcheck.probes import all_probes, probe_info, recommend_probes
from tests.rules.cases import TARGET
from tests.rules.scenarios import run


def test_every_probe_says_what_it_inspects_and_what_it_needs() -> None:
    info = probe_info()
    assert list(info) == [p.id for p in all_probes()]
    for item in info.values():
        assert item.inspects and item.inspects[0].islower(), item.id
        assert not item.needs_target or item.per_target, item.id
    assert {i for i, item in info.items() if item.needs_target} == {"packages", "torch_runtime"}


def test_recommend_runs_the_quick_probes_it_uses() -> None:
    import inspect

    import envcheck.cli_recommend as cli_recommend

    ids = [p.id for p in recommend_probes()]
    assert ids == ["system", "nvidia", "python_env", "pip_index"]
    # The CLI asks the probes' own metadata; it keeps no list of its own.
    assert "recommend_probes()" in inspect.getsource(cli_recommend)


def test_a_failed_probe_that_needs_the_target_is_explained_by_the_target_finding() -> None:
    case = TARGET[0]
    probes = (
        ProbeResult("torch_runtime", "PyTorch runtime", ProbeStatus.FAILED, 0.1, "boom"),
        ProbeResult("cudnn", "cuDNN", ProbeStatus.FAILED, 0.1, "PermissionError: /usr/lib"),
    )
    ids = [f.id for f in run(case.facts, case.notes, probes)]
    assert ids[0] == "target.unusable"
    assert "probe.torch_runtime_failed" not in ids
    assert "probe.cudnn_failed" in ids


def test_a_failed_probe_that_needs_the_target_is_reported_when_the_target_works() -> None:
    probes = (ProbeResult("packages", "Packages", ProbeStatus.FAILED, 0.1, "KeyError: 'x'"),)
    finding = next(f for f in run({}, {}, probes) if f.id == "probe.packages_failed")
    assert "the installed torch-family packages" in finding.detail
