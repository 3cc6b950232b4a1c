"""The bench's ``--json`` and text output, byte for byte, for results of every kind (the files
in ``tests/data/bench/golden/`` were written before the results became typed)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout, suppress
from pathlib import Path

import pytest
import typer

from envcheck import cli_bench
from envcheck.bench.document import BenchResult, result_from_dict
from envcheck.bench.launch import BenchOptions, Rendezvous
from envcheck.bench.result import (
    build_matmul_result,
    build_train_result,
    build_transfer_result,
)
from envcheck.model import Category, Finding, Fix, Severity
from envcheck.render.bench import render_bench_json, render_bench_text
from tests.bench.golden_cases import TRAIN, matmul_outcomes, transfer_outcomes
from tests.bench.test_result import TABLE

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "bench" / "golden"


def _results() -> dict[str, BenchResult]:
    results: dict[str, BenchResult] = {}
    for name, make in TRAIN.items():
        options, outcome = make()
        results[name] = build_train_result(options, outcome, TABLE, tool_version="9")
    for name, outcome in matmul_outcomes().items():
        results[name] = build_matmul_result(outcome, TABLE, tool_version="9")
    for name, outcome in transfer_outcomes().items():
        results[name] = build_transfer_result(outcome, tool_version="9")
    return results


RESULTS = _results()


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_json_and_text_are_unchanged(name: str) -> None:
    result = RESULTS[name]
    assert render_bench_json(result) == (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
    assert render_bench_text(result) == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_a_json_document_reads_back_as_the_same_result(name: str) -> None:
    """What ``--json`` wrote (another node's file, say) renders as the run itself did."""
    written = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    again = result_from_dict(written)
    assert type(again) is type(RESULTS[name])
    assert render_bench_json(again) == render_bench_json(RESULTS[name])
    assert render_bench_text(again) == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    assert render_bench_text(written) == render_bench_text(again)


def _stdout_of(action: Callable[[], object]) -> str:
    buffer = io.StringIO()
    with redirect_stdout(buffer), suppress(typer.Exit):
        action()
    return buffer.getvalue()


def test_the_error_and_follower_documents_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_bench, "_tool_version", lambda: "9")
    finding = Finding(id="driver_too_old.cuda", severity=Severity.ERROR,
                      category=Category.DRIVER_TOO_OLD, title="Driver too old", detail="d",
                      evidence=("nvidia.driver_version",),
                      fixes=(Fix("Update", ("apt install x",), "https://example.com"),))
    failure = _stdout_of(lambda: cli_bench._emit_failure_json(
        "cuda_unavailable", "CUDA is not available", (finding,)))
    assert failure == (GOLDEN / "failure.json").read_text(encoding="utf-8")
    options = BenchOptions(model="mnist_cnn", ddp=2,
                           rendezvous=Rendezvous(2, "head:29500", "run1"))
    follower = _stdout_of(lambda: cli_bench._follower(options, "rank 0 is elsewhere", True))
    assert follower == (GOLDEN / "follower.json").read_text(encoding="utf-8")
