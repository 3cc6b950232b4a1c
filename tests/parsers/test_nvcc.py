"""``nvcc --version``: one parser for the probe and for pasted reports, on recorded outputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.explain.nvcc import parse_nvcc
from envcheck.parsers.nvcc import (
    NvccRelease,
    is_nvcc_banner,
    parse_nvcc_full_version,
    parse_nvcc_release,
    parse_nvcc_version,
)
from tests.fakes import DATA

RECORDED = [
    ("nvcc-10.2-linux.txt", "10.2", "10.2.89"),
    ("nvcc-11.3-linux.txt", "11.3", "11.3.109"),
    ("nvcc-11.8-linux.txt", "11.8", "11.8.89"),
    ("nvcc-12.1-linux.txt", "12.1", "12.1.105"),
    ("nvcc-12.4-linux.txt", "12.4", "12.4.131"),
    ("nvcc-12.8-linux.txt", "12.8", "12.8.93"),
    ("nvcc-13.0-linux.txt", "13.0", "13.0.88"),
    ("nvcc-11.3-windows.txt", "11.3", "11.3.109"),
    ("nvcc-12.1-windows.txt", "12.1", "12.1.105"),
]


def recorded(name: str) -> str:
    return (DATA / "nvcc" / name).read_bytes().decode()


@pytest.mark.parametrize(("name", "version", "full"), RECORDED)
def test_parse_nvcc_version_on_recorded_outputs(name: str, version: str, full: str) -> None:
    text = recorded(name)
    assert parse_nvcc_release(text) == NvccRelease(version, full)
    assert parse_nvcc_version(text) == version
    assert parse_nvcc_full_version(text) == full


def test_windows_recording_really_has_crlf() -> None:
    assert b"\r\n" in (DATA / "nvcc" / "nvcc-12.1-windows.txt").read_bytes()


@pytest.mark.parametrize(("name", "version", "full"), RECORDED)
def test_a_pasted_output_gives_what_the_probe_reads(name: str, version: str, full: str) -> None:
    """The explain parser reads the same release, and understands every line of the output."""
    text = recorded(name)
    parsed = parse_nvcc(text)
    assert [(f.key, f.value) for f in parsed.found] == [("cuda_toolkit.nvcc_version", version)]
    lines = text.replace("\r\n", "\n").split("\n")
    content = {i for i, line in enumerate(lines) if line.strip()}
    assert content <= parsed.consumed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nvcc fatal   : Unknown option '--versio'",
        "ccache version 4.9.1",
        "Cuda compilation tools, release twelve",
        "bash: nvcc: command not found",
    ],
)
def test_parse_nvcc_version_rejects_other_text(text: str) -> None:
    assert parse_nvcc_release(text) is None
    assert parse_nvcc_version(text) is None
    assert parse_nvcc_full_version(text) is None


def test_banner_lines() -> None:
    assert is_nvcc_banner("nvcc: NVIDIA (R) Cuda compiler driver")
    assert is_nvcc_banner("Copyright (c) 2005-2023 NVIDIA Corporation")
    assert is_nvcc_banner("Build cuda_12.1.r12.1/compiler.32688072_0")
    assert not is_nvcc_banner("Cuda compilation tools, release 12.1, V12.1.105")
    assert not is_nvcc_banner("nvcc fatal   : Unknown option '--versio'")


@given(st.text())
def test_never_raises(text: str) -> None:
    release = parse_nvcc_release(text)
    assert release is None or release.version.count(".") == 1
    assert isinstance(is_nvcc_banner(text), bool)


def test_huge_numbers_do_not_raise() -> None:
    text = "release " + "1" * 5000 + ".2, V1.2"
    release = parse_nvcc_release(text)
    assert release is not None and release.full_version == "1.2"
