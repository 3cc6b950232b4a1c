"""nvidia-smi banner, failure texts, ``-L`` lines and query CSV, on recorded outputs.

The probe runs nvidia-smi (tests/data/nvidia-smi) and users paste it (tests/data/explain):
both are read by :mod:`envcheck.parsers.nvidia_smi`, so each recording is checked through the
parser and through the path that uses it.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.explain.nvidia_smi import parse_nvidia_smi
from envcheck.parsers.nvidia_smi import (
    NO_HEADER,
    SMI_FAILURES,
    SmiHeader,
    SmiListGpu,
    SmiListMig,
    classify_smi_failure,
    is_no_devices_line,
    parse_smi_header,
    parse_smi_header_line,
    parse_smi_invalid_fields,
    parse_smi_list_line,
    parse_smi_list_mig_line,
    parse_smi_query_csv,
)
from envcheck.probes.nvidia import SMI_QUERY_FIELDS
from envcheck.signatures import kinds_in
from envcheck.system.nvml import NvmlStatus
from tests.fakes import data

PROBE_BANNERS = [
    ("nvidia-smi/smi-580.65.06-h100.txt", "580.65.06", "13.0"),
    ("nvidia-smi/smi-575.57.08-rtx5090.txt", "575.57.08", "12.9"),
    ("nvidia-smi/smi-550.54.14-rtx4090.txt", "550.54.14", "12.4"),
    ("nvidia-smi/smi-535.104.05-a100-mig.txt", "535.104.05", "12.2"),
    ("nvidia-smi/smi-470.223.02-gtx1080ti.txt", "470.223.02", "11.4"),
    ("nvidia-smi/smi-552.22-windows-rtx3060.txt", "552.22", "12.4"),
]
PASTED_BANNERS = [
    ("explain/nvidia_smi_470_truncated.txt", "470.82.01", "11.4"),
    ("explain/nvidia_smi_535_two_gpus.txt", "535.104.05", "12.2"),
    ("explain/nvidia_smi_550_h100.txt", "550.54.15", "12.4"),
    ("explain/nvidia_smi_580_rtx5090_windows.txt", "580.97", "13.0"),
]


@pytest.mark.parametrize(("name", "driver", "cuda"), PROBE_BANNERS + PASTED_BANNERS)
def test_parse_smi_header(name: str, driver: str, cuda: str) -> None:
    header = parse_smi_header(data(name))
    assert header == SmiHeader(driver, driver, cuda, cuda)


@pytest.mark.parametrize(("name", "driver", "cuda"), PROBE_BANNERS + PASTED_BANNERS)
def test_a_pasted_banner_gives_what_the_probe_reads(name: str, driver: str, cuda: str) -> None:
    facts = {f.key: f.value for f in parse_nvidia_smi(data(name)).found}
    header = parse_smi_header(data(name))
    assert facts["nvidia.driver_version"] == header.driver_version == driver
    assert facts["nvidia.cuda_driver_max"] == header.cuda_version == cuda


def test_parse_smi_header_of_a_failure_is_empty() -> None:
    assert parse_smi_header(data("nvidia-smi/fail-couldnt-communicate.txt")) == NO_HEADER
    assert SmiHeader(None, None, None, None) == NO_HEADER


def test_banner_without_or_with_unknown_cuda_version() -> None:
    old = parse_smi_header_line("| NVIDIA-SMI 390.87                 Driver Version: 390.87     |")
    assert old == SmiHeader("390.87", "390.87", None, None)
    broken = parse_smi_header_line(
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: N/A      |"
    )
    assert broken == SmiHeader("535.104.05", "535.104.05", None, "N/A")
    assert parse_smi_header_line("Driver Version: 535.104.05") is None


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("fail-couldnt-communicate.txt", NvmlStatus.DRIVER_NOT_LOADED, "no_driver"),
        ("fail-version-mismatch.txt", NvmlStatus.LIB_RM_VERSION_MISMATCH, "nvml_mismatch"),
        ("fail-no-permission.txt", NvmlStatus.NO_PERMISSION, None),
        ("fail-unknown-error.txt", NvmlStatus.UNKNOWN_ERROR, None),
        ("fail-no-libnvidia-ml.txt", NvmlStatus.LIBRARY_NOT_FOUND, "no_driver"),
        ("fail-no-devices.txt", None, None),
    ],
)
def test_classify_smi_failure(name: str, status: NvmlStatus | None, kind: str | None) -> None:
    text = data(f"nvidia-smi/{name}")
    failure = classify_smi_failure(text)
    assert failure is not None
    assert failure.cause == (status.value if status else None)
    assert failure.line and failure.line in text
    # The error signatures (which read the same text in tracebacks and pastes) agree.
    if kind is not None:
        assert kind in kinds_in(text)


def test_classify_smi_failure_of_healthy_output_is_none() -> None:
    assert classify_smi_failure(data("nvidia-smi/smi-580.65.06-h100.txt")) is None


def test_failure_causes_are_nvml_statuses() -> None:
    values = {status.value for status in NvmlStatus}
    assert {cause for _, cause in SMI_FAILURES if cause is not None} <= values
    assert all(marker == marker.lower() for marker, _ in SMI_FAILURES)


def test_no_devices_is_read_the_same_by_probe_and_explain() -> None:
    text = data("nvidia-smi/fail-no-devices.txt")
    assert is_no_devices_line(text.splitlines()[0])
    found = {f.key: f.value for f in parse_nvidia_smi(text).found}
    assert found == {"nvidia.gpu_count": 0}


def test_list_lines() -> None:
    lines = data("explain/nvidia_smi_mig_a100.txt").splitlines()
    gpus = [g for g in map(parse_smi_list_line, lines) if g is not None]
    migs = [m for m in map(parse_smi_list_mig_line, lines) if m is not None]
    assert gpus == [
        SmiListGpu(0, "NVIDIA A100-SXM4-40GB", "GPU-5ad1a4f2-0d5a-3c3e-8c1c-1f1b6b2e0e11")
    ]
    assert [(m.profile, m.device) for m in migs] == [("3g.20gb", 0), ("3g.20gb", 1)]
    assert migs[0] == SmiListMig("3g.20gb", 0, "MIG-0a6b8c2e-6b1e-5d2f-9a63-4b7e2a5d1c01")
    assert parse_smi_list_line("GPU 0: NVIDIA A100-SXM4-40GB") is None  # no UUID: not -L
    assert parse_smi_list_mig_line(lines[36 - 1]) is None


def test_parse_smi_invalid_fields() -> None:
    assert parse_smi_invalid_fields(data("nvidia-smi/query-470-invalid-field.txt")) == [
        "compute_cap"
    ]
    assert parse_smi_invalid_fields("") == []


def test_query_csv_rows_by_field() -> None:
    # Rows of another width (all the fields were asked for) are not taken for these two.
    assert parse_smi_query_csv(data("nvidia-smi/query-2gpus-one-lost.csv"), ("a", "b")) == []
    text = "0, Tesla T4, [N/A]\nindex, name, uuid\nWARNING: garbage\n1, , GPU-y\n"
    assert parse_smi_query_csv(text, ("index", "name", "uuid")) == [
        {"index": "0", "name": "Tesla T4", "uuid": None},
        {"index": "1", "name": None, "uuid": "GPU-y"},
    ]


@given(st.text())
def test_never_raise(text: str) -> None:
    header = parse_smi_header(text)
    assert header.cuda_version is None or header.cuda_field is not None
    failure = classify_smi_failure(text)
    assert failure is None or len(failure.line) <= 300
    parse_smi_invalid_fields(text)
    for line in text.splitlines():
        parse_smi_header_line(line)
        parse_smi_list_line(line)
        parse_smi_list_mig_line(line)
        is_no_devices_line(line)
    for row in parse_smi_query_csv(text, ("index", "name")):
        assert set(row) == {"index", "name"}


QUERY_RECORDINGS = [
    "query-550.54.14-rtx4090.csv",
    "query-535.104.05-a100-mig.csv",
    "query-580.65.06-h100.csv",
    "query-575.57.08-rtx5090.csv",
    "query-552.22-windows-rtx3060.csv",
]


@pytest.mark.parametrize("name", QUERY_RECORDINGS)
def test_a_pasted_query_csv_gives_what_the_probe_reads(name: str) -> None:
    """The same GPUs, pasted as ``--query-gpu=index,name,driver_version,compute_cap`` CSV."""
    asked = ("index", "name", "driver_version", "compute_cap")
    rows = parse_smi_query_csv(data(f"nvidia-smi/{name}"), SMI_QUERY_FIELDS)
    assert rows
    lines = [", ".join(asked)] + [
        ", ".join(row[field] or "[N/A]" for field in asked) for row in rows
    ]
    parsed = parse_nvidia_smi("\n".join(lines))
    found = {f.key: f.value for f in parsed.found}
    gpus = found["nvidia.gpus"]
    assert isinstance(gpus, list)
    assert [(g["index"], g["name"], g["compute_capability"]) for g in gpus] == [
        (int(row["index"] or -1), row["name"], row["compute_cap"]) for row in rows
    ]
    assert found["nvidia.driver_version"] == rows[0]["driver_version"]
    assert found["nvidia.gpu_count"] == len(rows)
    assert parsed.consumed == set(range(len(lines)))
