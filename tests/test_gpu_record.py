"""benchmarks/gpu_record.sh and its NVML dump: run here, on a fake PATH, as a lent machine would.

The script is the one command a session runs on a borrowed GPU machine, so it is tested for
real (bash, coreutils' timeout, the manifest and the archive), with a fake nvidia-smi that
answers, fails and hangs, and a step selection that keeps the run to seconds.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from envcheck.probes.nvidia import NvidiaProbe
from envcheck.system.nvml import NvmlError, NvmlStatus
from tests.fakes import DATA, FAKEBIN, FakeGpu, FakeNvml, make_ctx

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_record.sh"
ALL_STEPS = (
    "system", "nvidia-smi", "nvidia-smi-L", "nvidia-smi-query", "nvidia-smi-q",
    "nvidia-smi-q-xml", "nvidia-smi-topo", "nvcc", "proc-driver-version", "sys-module-version",
    "ldconfig-cuda", "nvml-dump", "target-script", "torch-script", "torch-cuda", "doctor-json",
    "bench-resnet", "bare-resnet", "bench-matmul", "bench-transfer", "bench-cnn", "doctor-text",
    "doctor-markdown", "collect-env", "bench-ddp",
)


def _load_dumper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nvml_dump", ROOT / "benchmarks" /
                                                  "nvml_dump.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nvml_dump = _load_dumper()

NOT_SUPPORTED = NvmlError(NvmlStatus.NOT_SUPPORTED, "Not Supported")
MIG_A100 = FakeNvml(
    driver_version="535.104.05", cuda_driver_version=12020, nvml_version="12.535.104.05",
    gpus=[
        FakeGpu(name="NVIDIA A100-SXM4-80GB", cuda_compute_capability=(8, 0),
                mig_mode=(True, True),
                mig_devices=(("MIG-1a2b", "NVIDIA A100-SXM4-80GB MIG 3g.40gb"),),
                ecc_uncorrected=0),
        FakeGpu(name="NVIDIA A100-SXM4-80GB", temperature=NOT_SUPPORTED,
                throttle_reasons=NvmlError(NvmlStatus.GPU_LOST, "GPU is lost")),
    ],
)


def _answers(nvml: FakeNvml) -> list[tuple[str, object]]:
    """Every query's answer (value or error status), in a fixed order."""
    out: list[tuple[str, object]] = []

    def ask(label: str, fn: Any, *args: object) -> None:
        try:
            out.append((label, fn(*args)))
        except NvmlError as exc:
            out.append((label, (exc.status, exc.message)))

    for query in nvml_dump.SYSTEM_QUERIES:
        ask(query, nvml.system, query)
    for index in range(len(nvml.gpus)):
        for query in nvml_dump.DEVICE_QUERIES:
            ask(f"{query}[{index}]", nvml.device, index, query)
    return out


@pytest.mark.parametrize("scenario", [FakeNvml(), MIG_A100], ids=["rtx4090", "a100-mig"])
def test_a_dump_replays_every_answer(scenario: FakeNvml) -> None:
    document = json.loads(json.dumps(nvml_dump.dump(scenario)))  # through JSON, as on disk
    assert scenario.calls[0] == "init" and scenario.calls[-1] == "shutdown"
    replayed = FakeNvml.from_dump(document)
    assert _answers(replayed) == _answers(scenario)


def test_a_dump_of_a_machine_without_a_driver_replays_the_init_error() -> None:
    document = nvml_dump.dump(FakeNvml.no_driver())
    assert document["init"] == {"status": "library_not_found",
                                "message": "NVML Shared Library Not Found"}
    replayed = FakeNvml.from_dump(document)
    with pytest.raises(NvmlError) as caught:
        replayed.init()
    assert caught.value.status is NvmlStatus.LIBRARY_NOT_FOUND


def test_the_probe_reads_a_replayed_dump_as_it_read_the_machine() -> None:
    replayed = FakeNvml.from_dump(json.loads(json.dumps(nvml_dump.dump(MIG_A100))))
    direct = NvidiaProbe().run(make_ctx(nvml=MIG_A100)).facts
    again = NvidiaProbe().run(make_ctx(nvml=replayed)).facts
    assert again == direct
    assert again["nvidia.gpus"][0]["mig_instances"] == [
        {"uuid": "MIG-1a2b", "name": "NVIDIA A100-SXM4-80GB MIG 3g.40gb"}]
    assert again["nvidia.nvml_status"] == "gpu_lost"


def test_a_dump_missing_a_query_answers_function_not_found(tmp_path: Path) -> None:
    document = nvml_dump.dump(FakeNvml())
    del document["devices"][0]["temperature"]
    path = tmp_path / "nvml-dump.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    replayed = FakeNvml.from_dump(path)
    with pytest.raises(NvmlError) as caught:
        replayed.device(0, "temperature")
    assert caught.value.status is NvmlStatus.FUNCTION_NOT_FOUND
    assert replayed.device(0, "memory") == (25_757_220_864, 1_000_000)


def test_the_dumper_runs_as_a_script_and_records_why_nvml_is_missing() -> None:
    """Here (no driver) the script still writes a document, with the init error."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "nvml_dump.py"), "-"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "envcheck-nvml-dump"
    assert document["init"] is not None or document["devices"], document
    assert "raw" in document


# -- the record script -----------------------------------------------------------------------

SELECTED = ("system", "nvcc", "nvidia-smi", "nvidia-smi-L", "nvidia-smi-query", "nvidia-smi-q",
            "nvidia-smi-topo", "nvml-dump", "bench-cnn", "bare-resnet")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, subprocess.CompletedProcess[str]]:
    if shutil.which("timeout") is None or shutil.which("bash") is None:
        pytest.skip("needs bash and coreutils' timeout")
    out = tmp_path_factory.mktemp("record") / "out"
    env = {
        "PATH": f"{FAKEBIN / 'gpu-record'}:/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(out.parent),
        "ENVCHECK_RECORD_PYTHON": sys.executable,
        "ENVCHECK_RECORD_TARGET": sys.executable,
        "ENVCHECK_RECORD_ONLY": ",".join(SELECTED),
        "ENVCHECK_RECORD_MAX_STEP": "4",
    }
    result = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True,
                            env=env, timeout=120, check=False, cwd=str(out.parent))
    return out, result


def _steps(out: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {row["name"]: row for row in manifest["steps"]}


def test_the_record_lists_every_step_once_and_exits_0(record: tuple[Path, Any]) -> None:
    out, result = record
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in manifest["steps"]] == list(ALL_STEPS)
    assert manifest["format"] == "envcheck-gpu-record" and "envcheck_commit" in manifest
    statuses = {row["status"] for row in manifest["steps"]}
    assert statuses <= {"ok", "failed", "timed_out", "skipped"}
    assert manifest["counts"]["ok"] + manifest["counts"]["failed"] + \
        manifest["counts"]["timed_out"] + manifest["counts"]["skipped"] == len(ALL_STEPS)
    for row in manifest["steps"]:
        if row["status"] != "ok":
            assert row["reason"], row
    assert not (out / ".steps.tsv").exists()


def test_the_record_keeps_each_output_and_each_outcome(record: tuple[Path, Any]) -> None:
    out, _ = record
    steps = _steps(out)
    assert steps["nvidia-smi"]["status"] == "ok"
    assert (out / "nvidia-smi.txt").read_text(encoding="utf-8") == (
        DATA / "nvidia-smi" / "smi-580.65.06-h100.txt").read_text(encoding="utf-8")
    assert steps["nvidia-smi-query"]["status"] == "ok"
    # A failing step keeps its output and says why; the steps after it still ran.
    assert steps["nvidia-smi-q"]["status"] == "failed"
    assert steps["nvidia-smi-q"]["exit_code"] == 9
    assert "couldn't communicate" in steps["nvidia-smi-q"]["reason"]
    # A hanging step is stopped at its limit.
    assert steps["nvidia-smi-topo"]["status"] == "timed_out"
    assert steps["nvidia-smi-topo"]["exit_code"] in (124, 137)
    assert steps["nvml-dump"]["status"] == "ok"
    dump = json.loads((out / "nvml-dump.json").read_text(encoding="utf-8"))
    assert dump["format"] == "envcheck-nvml-dump"


def test_the_record_skips_with_reasons(record: tuple[Path, Any]) -> None:
    out, _ = record
    steps = _steps(out)
    # Not on the test's PATH, or not selected: skipped, each with its reason.
    assert "not on PATH" in steps["nvcc"]["reason"]
    assert steps["doctor-json"]["reason"] == "not selected (ENVCHECK_RECORD_ONLY)"
    # Selected, but torch-cuda (the gate) did not say CUDA works: GPU steps are skipped.
    for name in ("bench-cnn", "bare-resnet"):
        assert steps[name]["status"] == "skipped"
        assert "no CUDA device" in steps[name]["reason"]


def test_the_archive_holds_the_manifest_and_every_output(record: tuple[Path, Any]) -> None:
    out, _ = record
    archive = out / "record.tar.gz"
    assert archive.stat().st_size <= 16 * 2**20
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "nvidia-smi.txt", "nvidia-smi-q.txt", "nvml-dump.json"} <= names
    assert "record.tar.gz" not in names


def test_the_record_refuses_a_missing_outdir_argument() -> None:
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("usage:")



def test_an_envcheck_that_crashes_is_failed_not_ok(tmp_path: Path) -> None:
    """Exit 1 is ok for the doctor (it found an error) only with output and no traceback."""
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n"
                      "echo \"ModuleNotFoundError: No module named 'typer'\" >&2\nexit 1\n")
    broken.chmod(0o755)
    out = tmp_path / "out"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "ENVCHECK_RECORD_PYTHON": str(broken),
           "ENVCHECK_RECORD_TARGET": sys.executable, "ENVCHECK_RECORD_ONLY": "doctor-json"}
    result = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    # The manifest is still written (by python3 when the given interpreter cannot).
    assert result.returncode == 0, result.stderr
    assert "doctor-json: failed (exit 1: ModuleNotFoundError: No module named 'typer')" in \
        result.stderr
    row = _steps(out)["doctor-json"]
    assert row["status"] == "failed" and row["exit_code"] == 1
    assert "No module named 'typer'" in row["reason"]


def test_steps_past_the_budget_are_skipped_so_the_record_ends_in_time(tmp_path: Path) -> None:
    """The wall-time budget bounds the record: once it is spent, the remaining steps are
    skipped with that reason (here a hanging step, cut at 1 s, leaves less than the 5 s a step
    needs of a 5 s budget)."""
    out = tmp_path / "out"
    env = {
        "PATH": f"{FAKEBIN / 'gpu-record'}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "ENVCHECK_RECORD_PYTHON": sys.executable, "ENVCHECK_RECORD_TARGET": sys.executable,
        "ENVCHECK_RECORD_ONLY": "nvidia-smi-topo,nvml-dump",
        "ENVCHECK_RECORD_BUDGET": "5", "ENVCHECK_RECORD_MAX_STEP": "1",
    }
    result = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    steps = _steps(out)
    assert steps["nvidia-smi-topo"]["status"] in ("timed_out", "skipped")
    assert steps["nvml-dump"]["status"] == "skipped"
    assert "time budget (5 s) is spent" in steps["nvml-dump"]["reason"]
