"""bench --ddp across nodes: torchrun's rendezvous settings, followers, usage errors, and a
real two-"node" run on this machine (two launchers meeting at one rendezvous endpoint)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck.bench.launch import FOLLOWER, BenchOptions, Rendezvous, run_worker, worker_argv
from tests.bench.test_launch import FakeStreamer, line
from tests.torch_target import TORCH_PYTHON, needs_torch

ROOT = Path(__file__).resolve().parents[2]
RDZV = Rendezvous(4, "gpu01:29500", "job42")


def test_argv_across_nodes_replaces_standalone_with_the_rendezvous() -> None:
    argv = worker_argv("/py", BenchOptions(ddp=8, rendezvous=RDZV))
    assert argv[:13] == ["/py", "-m", "torch.distributed.run", "--nnodes", "4",
                         "--rdzv_backend", "c10d", "--rdzv_endpoint", "gpu01:29500",
                         "--rdzv_id", "job42", "--nproc_per_node", "8"]
    assert "--standalone" not in argv


def test_a_node_without_rank_0_is_a_follower_not_a_failure() -> None:
    options = BenchOptions(ddp=8, rendezvous=RDZV)
    follower = run_worker("/py", options, streamer=FakeStreamer([]))
    assert follower.result is None and follower.error_code == FOLLOWER
    assert "rank 0 prints the results" in str(follower.error_message)

    crashed = run_worker("/py", options, streamer=FakeStreamer([], returncode=1))
    assert crashed.error_code == "worker_failed"
    one_node = run_worker("/py", BenchOptions(ddp=8), streamer=FakeStreamer([]))
    assert one_node.error_code == "worker_failed"
    failed = run_worker("/py", options, streamer=FakeStreamer(
        [line("error", code="cuda_unavailable", message="no GPU")]))
    assert failed.error_code == "cuda_unavailable"


@pytest.mark.parametrize(("args", "message"), [
    (["--nnodes", "2"], "need --ddp N"),
    (["--ddp", "2", "--nnodes", "2"], "needs --rdzv-endpoint HOST:PORT"),
    (["--ddp", "2", "--nnodes", "2", "--rdzv-endpoint", "gpu01"], "must be HOST:PORT"),
])
def test_half_given_rendezvous_is_a_one_line_usage_error(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "envcheck", "bench", "cnn", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.torch
@needs_torch
def test_two_launchers_meet_at_one_rendezvous() -> None:
    argv = [sys.executable, "-m", "envcheck", "bench", "cnn", "--quick", "--seconds", "0.3",
            "--batch", "8", "--device", "cpu", "--ddp", "1", "--nnodes", "2",
            "--rdzv-endpoint", f"127.0.0.1:{_free_port()}", "--rdzv-id", "test-run", "--json",
            "--python", TORCH_PYTHON]
    nodes = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT) for _ in range(2)]
    try:
        outputs = [node.communicate(timeout=240) for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    codes = [node.returncode for node in nodes]
    documents = [json.loads(out) for out, _ in outputs]
    roles = sorted(str(doc.get("role", "leader")) for doc in documents)
    assert roles == ["follower", "leader"], [err[-500:] for _, err in outputs]
    leader = next(doc for doc in documents if "role" not in doc)
    assert leader["distributed"]["world_size"] == 2
    assert len(leader["distributed"]["per_rank_images_per_s"]) == 2
    follower = next(doc for doc in documents if doc.get("role") == "follower")
    assert follower["rendezvous"]["nnodes"] == 2
    assert codes[documents.index(follower)] == 0
    assert codes[documents.index(leader)] in (0, 1)
