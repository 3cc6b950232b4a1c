"""Version helpers shared by probes and explain: recorded torch builds and distribution names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.parsers.versions import (
    build_label,
    cuda_from_int,
    cuda_from_label,
    cudnn_from_int,
    major_minor,
    normalise_name,
    rocm_from_label,
)
from envcheck.probes import target_script
from envcheck.probes.target import TargetOutputError, parse_target_output
from tests.fakes import DATA


def _recorded_targets() -> list[dict[str, Any]]:
    """The JSON objects the target script printed on real machines (tests/data/target)."""
    found = []
    for path in sorted((DATA / "target").glob("*.txt")):
        try:
            found.append(parse_target_output(path.read_text()))
        except TargetOutputError:
            continue  # a recording of an interpreter too old to inspect
    return found


RECORDED = _recorded_targets()


def test_there_are_recordings() -> None:
    assert len(RECORDED) >= 4


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("12.1.105", "12.1"),
        ("12.1", "12.1"),
        ("13.0.88", "13.0"),
        ("9.2.148", "9.2"),
        ("2.1.0+cu121", "2.1"),
        ("CUDA 11.8 (V11.8.89)", "11.8"),
        ("12.01", "12.1"),
        ("12", None),
        ("", None),
        (None, None),
    ],
)
def test_major_minor(version: str | None, expected: str | None) -> None:
    assert major_minor(version) == expected


@pytest.mark.parametrize(
    ("version", "label"),
    [("2.1.0+cu121", "cu121"), ("2.4.1+rocm6.1", "rocm6.1"), ("2.3.1", ""), ("2.13.0+cpu", "cpu")],
)
def test_build_label(version: str, label: str) -> None:
    assert build_label(version) == label


@pytest.mark.parametrize(
    ("label", "cuda"),
    [
        ("cu121", "12.1"),
        ("cu118", "11.8"),
        ("cu130", "13.0"),
        ("cu92", "9.2"),
        ("cu117.with.pypi.cudnn", "11.7"),
        ("cpu", None),
        ("rocm6.1", None),
        ("", None),
        ("cu1", None),
        ("cu1210", None),
        ("git1234567", None),
    ],
)
def test_cuda_from_label(label: str, cuda: str | None) -> None:
    assert cuda_from_label(label) == cuda


@pytest.mark.parametrize(
    ("label", "rocm"),
    [
        ("rocm6.1", "6.1"),
        ("rocm5.7", "5.7"),
        ("rocm6.2.4", "6.2.4"),
        ("rocm", None),
        ("cu121", None),
    ],
)
def test_rocm_from_label(label: str, rocm: str | None) -> None:
    assert rocm_from_label(label) == rocm


def test_labels_of_recorded_torch_builds_agree_with_their_version_py() -> None:
    """The label says what torch/version.py says, on every recorded machine."""
    checked = 0
    for record in RECORDED:
        torch = record.get("torch")
        if not isinstance(torch, dict):
            continue
        version_py = torch["version_py"]
        label = build_label(version_py["__version__"])
        if version_py["cuda"]:
            assert cuda_from_label(label) == version_py["cuda"]
        elif version_py["hip"]:
            assert rocm_from_label(label) == major_minor(version_py["hip"])
        else:
            assert label == "cpu" and cuda_from_label(label) is None
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Flash_Attn", "flash-attn"),
        ("nvidia_cudnn_cu12", "nvidia-cudnn-cu12"),
        ("zope.interface", "zope-interface"),
        ("Pytorch--Triton", "pytorch-triton"),
        ("torch", "torch"),
    ],
)
def test_normalise_name(name: str, key: str) -> None:
    assert normalise_name(name) == key


def test_normalise_name_matches_the_keys_the_target_script_recorded() -> None:
    pairs = [
        (dist["name"], dist["key"])
        for record in RECORDED
        for dist in record.get("distributions") or []
        if isinstance(dist, dict) and dist.get("key")
    ]
    assert len(pairs) > 10
    for name, key in pairs:
        assert normalise_name(name) == key


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_normalise_name_agrees_with_the_target_scripts_own_copy(name: str) -> None:
    # target_script.py runs inside old interpreters and keeps its own copy; they must agree.
    assert normalise_name(name) == target_script.normalise(name)


@given(st.text())
def test_never_raise(text: str) -> None:
    result = major_minor(text)
    assert result is None or result.count(".") == 1
    assert isinstance(build_label(text), str)
    for read in (cuda_from_label, rocm_from_label):
        value = read(text)
        assert value is None or isinstance(value, str)
    assert isinstance(normalise_name(text), str)


def test_major_minor_of_a_huge_number_does_not_raise() -> None:
    assert major_minor("1" * 5000 + ".2") == "1" * 5000 + ".2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12040, "12.4"), (11080, "11.8"), (13000, "13.0"), (12090, "12.9"), (10020, "10.2")],
)
def test_cuda_from_int(value: int, expected: str) -> None:
    assert cuda_from_int(value) == expected


@pytest.mark.parametrize("value", [0, -1, 999, True, "12040", None, 12.4])
def test_cuda_from_int_rejects_non_versions(value: object) -> None:
    assert cuda_from_int(value) is None


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (7605, "7.6.5"),
        (8902, "8.9.2"),
        (8600, "8.6.0"),
        (90100, "9.1.0"),
        (91300, "9.13.0"),
        (90501, "9.5.1"),
    ],
)
def test_cudnn_from_int(code: int, text: str) -> None:
    assert cudnn_from_int(code) == text


@pytest.mark.parametrize("code", [0, -8902, 999, 10000, 12345, 89999])
def test_cudnn_from_int_rejects_other_numbers(code: int) -> None:
    assert cudnn_from_int(code) is None


def test_cudnn_codes_recorded_by_the_torch_check_agree_with_their_cuda() -> None:
    """Codes torch printed on real machines: cuDNN 8 beside CUDA 12.1, cuDNN 9 beside 13.0."""
    assert cudnn_from_int(_recorded_cudnn_code("cu121_rtx4090.txt")) == "8.9.2"
    assert cudnn_from_int(_recorded_cudnn_code("cu130_h100.txt")) == "9.13.0"


def _recorded_cudnn_code(name: str) -> int:
    text = (DATA / "torch" / name).read_text()
    match = re.search(r'"cudnn_version": (\d+)', text)
    assert match is not None
    return int(match.group(1))


@given(st.integers())
def test_integer_decoders_are_total(value: int) -> None:
    for read in (cuda_from_int, cudnn_from_int):
        text = read(value)
        assert text is None or text.count(".") in (1, 2)
