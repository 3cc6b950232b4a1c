"""The bench references table: validation on load, loose GPU names, lookup, verdict, MFU."""

from __future__ import annotations

import pytest

from envcheck.bench.references import (
    find_reference,
    judge,
    load_references,
    match_gpu,
    mfu,
    parse_references,
    precision_class,
    train_flops_per_image,
)
from envcheck.recipes import RecipeError

GOOD = """
schema = 1
[[gpu]]
key = "Fake X1"
patterns = ['fake x1\\b']
peak_tflops = { fp32 = 10, tf32 = 100, amp = 200 }
source = "test"

[[reference]]
gpu = "Fake X1"
model = "resnet50"
precision = "amp"
channels_last = false
batch = 256
images_per_s = 1000
kind = "published"
source = "nchw"

[[reference]]
gpu = "Fake X1"
model = "resnet50"
precision = "amp"
channels_last = true
images_per_s = 1500
kind = "estimate"
source = "nhwc"
"""


def test_shipped_table_loads_and_covers_the_main_gpus() -> None:
    table = load_references()
    keys = {g.key for g in table.gpus}
    assert {"H100 SXM", "H100 PCIe", "A100 80GB SXM", "RTX 4090", "V100", "T4"} <= keys
    assert all(r.source for r in table.references)
    assert any(r.kind == "published" for r in table.references)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 PCIe"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA GH200 480GB", "GH200"),
        ("NVIDIA A100-SXM4-80GB", "A100 80GB SXM"),
        ("NVIDIA A100 80GB PCIe", "A100 80GB PCIe"),
        ("NVIDIA A100-SXM4-40GB", "A100 40GB"),
        ("NVIDIA A10", "A10"),
        ("Tesla V100-SXM2-16GB", "V100"),
        ("Tesla T4", "T4"),
        ("NVIDIA L4", "L4"),
        ("NVIDIA L40S", "L40S"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
        ("NVIDIA GeForce RTX 3090", "RTX 3090"),
        ("NVIDIA GeForce RTX 2080 Ti", "RTX 2080 Ti"),
    ],
)
def test_gpu_names_match_loosely(name: str, key: str) -> None:
    gpu = match_gpu(name, load_references())
    assert gpu is not None and gpu.key == key


@pytest.mark.parametrize(
    "name", ["NVIDIA GeForce RTX 3090 Ti", "NVIDIA GeForce RTX 4090 D", "NVIDIA A1000", "", None]
)
def test_other_gpus_do_not_borrow_a_reference(name: str | None) -> None:
    assert match_gpu(name, load_references()) is None


def test_lookup_prefers_same_layout_then_published() -> None:
    table = parse_references(GOOD)
    gpu = match_gpu("Fake X1", table)
    nchw = find_reference(gpu, "resnet50", "amp-bf16", False, table)
    nhwc = find_reference(gpu, "resnet50", "amp-fp16", True, table)
    assert nchw is not None and nchw.source == "nchw"
    assert nhwc is not None and nhwc.source == "nhwc"
    assert find_reference(gpu, "resnet50", "tf32", False, table) is None
    assert find_reference(gpu, "resnet18", "amp-bf16", False, table) is None
    assert find_reference(None, "resnet50", "amp-bf16", False, table) is None


@pytest.mark.parametrize(
    ("measured", "verdict"),
    [(1000, "ok"), (850, "ok"), (849, "below_expected"), (600, "below_expected"),
     (599, "investigate"), (10, "investigate")],
)
def test_verdict_bands(measured: float, verdict: str) -> None:
    table = parse_references(GOOD)
    ref = find_reference(match_gpu("Fake X1", table), "resnet50", "amp-bf16", False, table)
    judgement = judge(measured, ref)
    assert judgement.verdict == verdict
    assert judgement.ratio == pytest.approx(measured / 1000)


def test_no_reference_is_said_not_guessed() -> None:
    assert judge(500.0, None).verdict == "no_reference"
    assert "CPU" in judge(5.0, None, device_type="cpu").note
    table = parse_references(GOOD)
    est = find_reference(match_gpu("Fake X1", table), "resnet50", "amp", True, table)
    assert "estimate" in judge(1500.0, est, channels_last=True).note
    assert "memory format" in judge(1500.0, est, channels_last=False).note


def test_mfu_uses_the_precision_peak() -> None:
    table = parse_references(GOOD)
    gpu = match_gpu("fake x1", table)
    assert precision_class("amp-bf16") == "amp"
    # 1000 img/s x 24.3 GFLOP = 24.3 TFLOP/s of a 200 TFLOP/s peak.
    assert mfu(1000.0, "resnet50", "amp-bf16", gpu) == pytest.approx(24.3 / 200)
    assert mfu(1000.0, "resnet50", "fp32", gpu) == pytest.approx(24.3 / 10)
    assert mfu(1000.0, "resnet50", "amp-bf16", None) is None
    assert train_flops_per_image("resnet50", 112) == pytest.approx(24.3e9 / 4)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('precision = "amp"', 'precision = "fp8"'),
         "[[reference]] #1 (gpu Fake X1): 'precision': 'fp8' is not one of"),
        (('gpu = "Fake X1"', 'gpu = "Nope"'), "[[reference]] #1 (gpu Nope): 'gpu': 'Nope' has no"),
        (("images_per_s = 1500", "images_per_s = -1"),
         "[[reference]] #2 (gpu Fake X1): 'images_per_s' must be a number > 0"),
        (('kind = "estimate"', 'kind = "rumour"'), "[[reference]] #2 (gpu Fake X1): 'kind'"),
        (("patterns = ['fake x1\\b']", "patterns = ['(']"),
         "[[gpu]] #1 (key Fake X1): 'patterns': bad pattern"),
        (("schema = 1", "schema = 2"), "'schema' must be 1, got 2"),
        (('source = "nhwc"', ""), "[[reference]] #2 (gpu Fake X1): missing required key 'source'"),
        (('source = "nhwc"', 'source = "nhwc"\nimages_per_sec = 3'),
         "[[reference]] #2 (gpu Fake X1): unknown key(s) images_per_sec"),
        (("batch = 256", "batch = true"), "[[reference]] #1 (gpu Fake X1): 'batch' must be"),
    ],
)
def test_bad_rows_are_named(edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in GOOD
    with pytest.raises(RecipeError) as info:
        parse_references(GOOD.replace(old, new, 1))
    assert "bench_references.toml" in str(info.value)
    assert message in str(info.value)
