"""The replay tests themselves, run on a record put together from this repository's H100 data.

Until a real record comes back, ``tests/test_real_records.py`` only skips; a bug in it would
show first on the day the lent minutes were spent. So here a record folder is built the way
``gpu_record.sh`` lays one out (the recorded H100 nvidia-smi outputs, its kernel-module files,
a FakeNvml dump agreeing with them, the H100 scenario's target and torch outputs, the doctor's
JSON on that scenario, bench documents) and every replay test runs on it and must pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _pytest.outcomes import Skipped

from envcheck.bench.bench_math import bus_bandwidth, ddp_summary
from envcheck.bench.launch import BenchOptions, WorkerOutcome
from envcheck.bench.result import (
    build_matmul_result,
    build_train_result,
    build_transfer_result,
)
from envcheck.doctor import run_doctor
from envcheck.render.json import render_json
from tests import test_real_records as replay
from tests.bench.test_result import TABLE, gpu_result
from tests.bench.test_telemetry import healthy
from tests.fake_machines import DEV_NODES, UBUNTU, Scenario, target_output, torch_output
from tests.fakes import DATA, FakeGpu, FakeNvml
from tests.test_gpu_record import ALL_STEPS, nvml_dump

H100 = FakeNvml(
    driver_version="580.65.06", cuda_driver_version=13000, nvml_version="13.580.65.06",
    gpus=[FakeGpu(name="NVIDIA H100 80GB HBM3", uuid="GPU-3b1f5c2e-8a7d-4e59-b0a1-2c9d8e7f6a51",
                  memory=(85_520_809_984, 0), cuda_compute_capability=(9, 0), pcie_gen_current=5,
                  pcie_gen_max=5, power_limit_mw=700_000, sm_clock_max=1980,
                  mig_mode=(False, False), ecc_uncorrected=0)],
)
COPIED = {
    "nvidia-smi": ("nvidia-smi.txt", "nvidia-smi/smi-580.65.06-h100.txt"),
    "nvidia-smi-query": ("nvidia-smi-query.csv", "nvidia-smi/query-580.65.06-h100.csv"),
    "nvcc": ("nvcc-version.txt", "nvcc/nvcc-13.0-linux.txt"),
    "proc-driver-version": ("proc-driver-nvidia-version.txt",
                            "proc/driver-nvidia-version-580-aarch64-open.txt"),
    "sys-module-version": ("sys-module-nvidia-version.txt", "sys/module-nvidia-version-580.txt"),
}


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> replay.Record:
    folder = tmp_path_factory.mktemp("h100-580.65.06")
    ok: dict[str, str] = {}
    for step, (name, source) in COPIED.items():
        _write(folder, name, (DATA / source).read_text(encoding="utf-8"))
        ok[step] = name
    _write(folder, "nvidia-smi-L.txt", "GPU 0: NVIDIA H100 80GB HBM3 "
           "(UUID: GPU-3b1f5c2e-8a7d-4e59-b0a1-2c9d8e7f6a51)\n")
    ok["nvidia-smi-L"] = "nvidia-smi-L.txt"
    _write(folder, "nvml-dump.json", json.dumps(nvml_dump.dump(H100)))
    ok["nvml-dump"] = "nvml-dump.json"
    target = target_output("2.9.0+cu130", "13.0")
    torch = torch_output("cu130_h100.txt")
    _write(folder, "target-script.txt", target)
    _write(folder, "torch-script.txt", torch)
    _write(folder, "torch-cuda.json", json.dumps({"torch": "2.9.0+cu130", "cuda": "13.0",
                                                  "available": True,
                                                  "devices": ["NVIDIA H100 80GB HBM3"]}))
    ok.update({"target-script": "target-script.txt", "torch-script": "torch-script.txt",
               "torch-cuda": "torch-cuda.json"})
    machine = Scenario("h100", FakeNvml.from_dump(folder / "nvml-dump.json"), target, torch,
                       files={**UBUNTU, **DEV_NODES})
    report = run_doctor(machine.context(tmp_path_factory.mktemp("root")))
    _write(folder, "doctor.json", render_json(report))
    ok["doctor-json"] = "doctor.json"
    outcome = WorkerOutcome(argv=("python",), result=gpu_result(2900.0),
                            samples=tuple(healthy()))
    bench = build_train_result(BenchOptions(model="resnet50"), outcome, TABLE,
                               tool_version="test")
    _write(folder, "bench-resnet.json", json.dumps(bench.to_dict()))
    _write(folder, "bare-resnet.json", json.dumps({
        "tool": "bare_resnet", "model": "resnet50", "precision": "amp-bf16",
        "channels_last": True, "batch": 256, "images_per_s": 2950.0}))
    ok.update({"bench-resnet": "bench-resnet.json", "bare-resnet": "bare-resnet.json"})
    info = {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"}
    matmul = build_matmul_result(WorkerOutcome(argv=("python",), result={
        "device_info": info, "matmul": [{"dtype": "bf16", "size": 8192, "tflops": 790.0}]}),
        TABLE, tool_version="test")
    copies = [{"direction": d, "pinned": p, "bytes": 2**28, "seconds": 0.005,
               "gb_s": 53.7 if p else 20.0} for p in (True, False) for d in ("h2d", "d2h")]
    transfer = build_transfer_result(WorkerOutcome(
        argv=("python",), result={"device_info": info, "transfer": copies},
        samples=tuple(healthy())), tool_version="test")
    one_rank = gpu_result(2900.0)
    one_rank["distributed"] = ddp_summary([0.088], 256, "nccl",
                                          bus_bandwidth(256 * 2**20, 0.0004, 1))
    ddp = build_train_result(BenchOptions(model="mnist_cnn", ddp=1),
                             WorkerOutcome(argv=("python",), result=one_rank), TABLE,
                             tool_version="test")
    _write(folder, "bench-ddp.json", json.dumps(ddp.to_dict()))
    ok["bench-ddp"] = "bench-ddp.json"
    _write(folder, "bench-matmul.json", json.dumps(matmul.to_dict()))
    _write(folder, "bench-transfer.json", json.dumps(transfer.to_dict()))
    ok.update({"bench-matmul": "bench-matmul.json", "bench-transfer": "bench-transfer.json"})
    steps = [{"name": n, "status": "ok", "seconds": 1.0, "file": ok[n], "exit_code": 0}
             if n in ok else {"name": n, "status": "skipped", "seconds": 0.0, "file": None,
                              "exit_code": None, "reason": "not in the self-test's record"}
             for n in ALL_STEPS]
    manifest = {"format": "envcheck-gpu-record", "version": 1, "steps": steps}
    _write(folder, "manifest.json", json.dumps(manifest))
    return replay.Record(folder, manifest)


REPLAYS: list[tuple[str, Callable[..., None], dict[str, Any]]] = [
    ("manifest", replay.test_the_manifest_accounts_for_every_file, {}),
    ("smi", replay.test_plain_nvidia_smi_agrees_with_nvml, {}),
    ("smi-query", replay.test_the_probes_query_csv_agrees_with_nvml, {}),
    ("smi-L", replay.test_nvidia_smi_L_names_every_gpu, {}),
    ("kernel-module", replay.test_kernel_module_files_agree_with_nvml, {}),
    ("nvcc", replay.test_nvcc_version_is_read, {}),
    ("doctor", replay.test_the_doctor_replayed_reaches_the_real_doctors_facts, {"tmp": True}),
    ("doctor-verdict", replay.test_the_real_doctor_found_no_gpu_error, {}),
    ("telemetry", replay.test_telemetry_reads_the_dump, {}),
    ("bench-resnet", replay.test_bench_documents_render,
     {"step": "bench-resnet", "file": "bench-resnet.json", "unit": "images/s"}),
    ("bench-matmul", replay.test_bench_documents_render,
     {"step": "bench-matmul", "file": "bench-matmul.json", "unit": "TFLOP/s"}),
    ("bench-transfer", replay.test_bench_documents_render,
     {"step": "bench-transfer", "file": "bench-transfer.json", "unit": "GB/s"}),
    ("resnet-vs-bare", replay.test_resnet_holds_up_against_the_bare_loop, {}),
    ("matmul-peak", replay.test_matmul_bf16_is_within_reach_of_the_dense_peak, {}),
    ("pcie-rate", replay.test_pinned_copies_reach_the_links_rate, {}),
    ("ddp-nccl", replay.test_the_ddp_path_ran_on_nccl, {}),
]


@pytest.mark.parametrize(("test", "kwargs"), [(t, k) for _, t, k in REPLAYS],
                         ids=[name for name, _, _ in REPLAYS])
def test_every_replay_passes_on_an_h100_record(record: replay.Record, tmp_path: Path,
                                               test: Callable[..., None],
                                               kwargs: dict[str, Any]) -> None:
    args = dict(kwargs)
    if args.pop("tmp", False):
        args["tmp_path"] = tmp_path
    try:
        test(record, **args)
    except Skipped as skipped:  # every input is in this record: a skip is a bug in the replay
        pytest.fail(f"the replay skipped: {skipped}")


def test_a_missing_output_skips_with_the_manifests_reason(record: replay.Record) -> None:
    with pytest.raises(Skipped, match="not in the self-test's record"):
        replay.test_collect_env_agrees_with_torch(record)


def test_a_slow_harness_fails_the_bare_loop_comparison(record: replay.Record,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "slow"
    folder.mkdir()
    for item in record.path.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    _write(folder, "bare-resnet.json", json.dumps({
        "precision": "amp-bf16", "channels_last": True, "batch": 256, "images_per_s": 3300.0}))
    with pytest.raises(AssertionError, match="harness/bare"):
        replay.test_resnet_holds_up_against_the_bare_loop(replay.Record(folder, record.manifest))
