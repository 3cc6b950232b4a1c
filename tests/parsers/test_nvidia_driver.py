"""The kernel module's version files, recorded on real machines, read by probe and explain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.explain.system_info import parse_system_info
from envcheck.parsers.nvidia_driver import (
    parse_nvrm_line,
    parse_proc_driver_version,
    parse_sys_module_version,
)
from tests.fakes import data

PROC = [
    ("proc/driver-nvidia-version-535.txt", "535.104.05"),
    ("proc/driver-nvidia-version-470.txt", "470.223.02"),
    ("proc/driver-nvidia-version-560-open.txt", "560.35.03"),
    ("proc/driver-nvidia-version-580-aarch64-open.txt", "580.65.06"),
]


@pytest.mark.parametrize(("name", "expected"), [*PROC, ("proc/version-ubuntu.txt", None)])
def test_parse_proc_driver_version(name: str, expected: str | None) -> None:
    assert parse_proc_driver_version(data(name)) == expected


@pytest.mark.parametrize(("name", "expected"), PROC)
def test_a_pasted_file_gives_what_the_probe_reads(name: str, expected: str) -> None:
    text = data(name)
    assert parse_nvrm_line(text.splitlines()[0]) == expected
    parsed = parse_system_info(text)
    found = {f.key: f.value for f in parsed.found}
    assert found["nvidia.kernel_module_version"] == parse_proc_driver_version(text) == expected
    assert parsed.consumed == {0, 1}  # the NVRM line and the GCC line


def test_nvrm_line_must_start_the_line() -> None:
    assert parse_nvrm_line("see NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05") is None
    assert parse_nvrm_line("NVRM version: NVIDIA UNIX x86_64 Kernel Module") is None


def test_parse_sys_module_version() -> None:
    assert parse_sys_module_version(data("sys/module-nvidia-version-580.txt")) == "580.65.06"
    assert parse_sys_module_version("not a version\n") is None
    assert parse_sys_module_version("") is None


@given(st.text())
def test_never_raise(text: str) -> None:
    for read in (parse_proc_driver_version, parse_nvrm_line, parse_sys_module_version):
        value = read(text)
        assert value is None or "." in value
