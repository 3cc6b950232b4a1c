"""The bench's ``--json`` and text output, byte for byte, for results of every kind (the files
in ``tests/data/bench/golden/`` were written before the results became typed)."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stdout, suppress
from pathlib import Path

import pytest
import typer

from envcheck import cli_bench
from envcheck.bench.launch import BenchOptions, Rendezvous
from envcheck.bench.result import (
    build_matmul_document,
    build_train_document,
    build_transfer_document,
)
from envcheck.model import Category, Finding, Fix, Severity
from envcheck.render.bench import render_bench_json, render_bench_text
from tests.bench.golden_cases import TRAIN, matmul_outcomes, transfer_outcomes
from tests.bench.test_result import TABLE

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "bench" / "golden"


def _documents() -> dict[str, object]:
    docs: dict[str, object] = {}
    for name, make in TRAIN.items():
        options, outcome = make()
        docs[name] = build_train_document(options, outcome, TABLE, tool_version="9")
    for name, outcome in matmul_outcomes().items():
        docs[name] = build_matmul_document(outcome, TABLE, tool_version="9")
    for name, outcome in transfer_outcomes().items():
        docs[name] = build_transfer_document(outcome, tool_version="9")
    return docs


DOCUMENTS = _documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_json_and_text_are_unchanged(name: str) -> None:
    document = DOCUMENTS[name]
    assert render_bench_json(document) == (GOLDEN / f"{name}.json").read_text(  # type: ignore[arg-type]
        encoding="utf-8")
    assert render_bench_text(document) == (GOLDEN / f"{name}.txt").read_text(  # type: ignore[arg-type]
        encoding="utf-8")


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
