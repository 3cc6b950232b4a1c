"""The version tables and the pure helpers the rules build on."""

from __future__ import annotations

import pytest
from packaging.version import Version

from envcheck.rules.facts_view import parse_cc
from envcheck.rules.tables import (
    arch_for,
    arch_list_from_env,
    cuda_runs_on,
    driver_needed,
    expected_torchaudio,
    expected_torchvision,
    major_minor,
    max_cuda_for_driver,
    native_driver_needed,
    newest_torch,
    newest_torch_for_python,
    platform_key,
    published_arch_list,
    pypi_default_variant,
    python_bounds,
    python_range,
    suggested_python,
    torchaudio_fits,
    torchvision_fits,
    variant_facts,
)
from envcheck.rules.torch_build import coverage

V = Version


@pytest.mark.parametrize(
    ("cuda", "os_name", "needed"),
    [
        ("12.1", "linux", "525.60.13"),
        ("12.8", "linux", "525.60.13"),
        ("11.8", "linux", "450.80.02"),
        ("13.0", "linux", "580.65.06"),
        ("13.2", "linux", "580.65.06"),
        ("12.4", "windows", "528.33"),
        ("10.2", "linux", "440.33"),
    ],
)
def test_driver_needed(cuda: str, os_name: str, needed: str) -> None:
    need = driver_needed(V(cuda), os_name)
    assert need is not None and need.text == needed


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [
        ("470.82.01", "11.4"),
        ("535.104.05", "12.2"),
        ("550.54.14", "12.4"),
        ("580.65.06", "13.0"),
        ("520.61.05", "11.8"),
        ("440.33", "10.2"),
    ],
)
def test_max_cuda_for_driver(driver: str, cuda: str) -> None:
    assert max_cuda_for_driver(V(driver), "linux") == V(cuda)


def test_old_driver_has_no_known_cuda() -> None:
    assert max_cuda_for_driver(V("390.157"), "linux") == V("9.1")
    assert max_cuda_for_driver(V("352.99"), "linux") is None


def test_driver_table_edges() -> None:
    # Before CUDA 11 there is no minor-version compatibility: the toolkit's own minimum.
    need = driver_needed(V("10.2"), "linux")
    assert need is not None and need.how == "toolkit table" and need.text == "440.33"
    older = driver_needed(V("10.1"), "linux")
    assert older is not None and older.text == "418.39" and older.how == "toolkit table"
    assert driver_needed(V("7.5"), "linux") is None
    # NVIDIA lists no Windows minimum for 13.x toolkits; the Linux one stands in.
    assert max_cuda_for_driver(V("591.44"), "windows") == V("13.1")


@pytest.mark.parametrize(
    ("build", "driver_max", "runs"),
    [
        ("12.8", "12.2", True),
        ("12.1", "11.4", False),
        ("13.0", "12.9", False),
        ("11.8", "11.4", True),
        ("10.2", "10.1", False),
        ("11.8", "13.0", True),
    ],
)
def test_cuda_runs_on(build: str, driver_max: str, runs: bool) -> None:
    assert cuda_runs_on(V(build), V(driver_max)) is runs


def test_published_arch_lists() -> None:
    assert "sm_120" not in published_arch_list(V("2.5.1+cu124"), V("12.4"), "x86_64")
    assert "sm_120" in published_arch_list(V("2.7.0"), V("12.8"), "x86_64")
    assert "sm_60" not in published_arch_list(V("2.10.0"), V("12.8"), "x86_64")
    assert "sm_37" in published_arch_list(V("2.3.1"), V("11.8"), "x86_64")
    # cu130 of 2.9-2.11 ships 12.0+PTX (S-PT-BUILDCUDA). For 2.12-2.14 RELEASE.md says 12.0+PTX
    # too, but the observed 2.12.1+cu130 and 2.14.0+cu130 arch lists have no compute_120
    # (S-3P-ARCHLIST); wheel_archs.toml follows the observed wheels and leaves the PTX out.
    assert "compute_120" in published_arch_list(V("2.11.0"), V("13.0"), "x86_64")
    assert "compute_120" not in published_arch_list(V("2.13.0"), V("13.0"), "x86_64")
    assert "sm_120" in published_arch_list(V("2.13.0"), V("13.0"), "x86_64")
    assert published_arch_list(V("2.13.0"), V("13.0"), "aarch64") == ()
    assert published_arch_list(V("2.99.0"), V("13.0"), "x86_64") == ()
    # 2.15 lists are assumed from 2.14 (unconfirmed in wheel_archs.toml): not used.
    assert published_arch_list(V("2.15.0"), V("13.0"), "x86_64") == ()


def test_arch_list_from_env() -> None:
    assert arch_list_from_env("8.0;9.0+PTX") == ("sm_80", "sm_90", "compute_90")
    assert arch_list_from_env("7.5 8.6") == ("sm_75", "sm_86")
    assert arch_list_from_env("Ampere;garbage;12.0a") == ("sm_120a",)


@pytest.mark.parametrize(
    ("archs", "cc", "expected"),
    [
        (["sm_80", "sm_86", "sm_90"], (8, 9), "sass"),
        (["sm_50", "sm_90"], (12, 0), "none"),
        (["sm_90", "compute_90"], (12, 0), "ptx"),
        (["sm_90a"], (9, 0), "sass"),
        (["sm_90a"], (10, 0), "none"),
        (["sm_70", "sm_75"], (6, 1), "none"),
        (["sm_60"], (6, 1), "sass"),
        ([], (8, 0), "none"),
    ],
)
def test_coverage(archs: list[str], cc: tuple[int, int], expected: str) -> None:
    assert coverage(archs, cc) == expected


def test_arch_names_and_windows() -> None:
    ada = arch_for((8, 9))
    assert ada is not None and ada.name == "Ada Lovelace" and ada.first_cuda == V("11.8")
    pascal = arch_for((6, 1))
    assert pascal is not None and pascal.last_cuda == V("12.9")
    assert arch_for((4, 0)) is None


@pytest.mark.parametrize(
    ("torch", "vision", "fits"),
    [
        ("2.1.0", "0.16.0", True),
        ("2.1.0", "0.15.2", False),
        ("2.13.0", "0.28.0", True),
        ("2.15.0", "0.29.2", True),
        ("2.15.0", "0.29.0", False),
        ("2.14.1", "0.29.1", True),
        ("1.12.1", "0.13.1", True),
        ("2.0.1", "0.15.2", True),
    ],
)
def test_torchvision_pairs(torch: str, vision: str, fits: bool) -> None:
    assert torchvision_fits(V(torch), V(vision)) is fits


def test_companion_edges() -> None:
    assert torchvision_fits(V("3.0.0"), V("0.40.0")) is None
    assert expected_torchvision(V("2.4.1")) == "0.19.x"
    assert torchaudio_fits(V("2.13.0"), V("2.11.0")) is True
    assert torchaudio_fits(V("2.4.1"), V("2.2.0")) is False
    assert torchaudio_fits(V("1.13.1"), V("0.13.1")) is True
    assert torchvision_fits(V("2.0.0"), V("0.15.0")) is True  # unlisted patch of the pair
    assert expected_torchvision(V("2.14.1")) == "0.29.x"
    assert expected_torchvision(V("2.15.0")) == "0.29.1 or later"
    assert expected_torchvision(V("1.12.1")) == "0.13.x"
    # torchaudio 2.11.0 is the last release and has no torch pin: it pairs with later torch.
    assert expected_torchaudio(V("2.12.0")) == "2.11.x"
    assert expected_torchaudio(V("2.16.0")) == "2.11.x"
    assert torchaudio_fits(V("2.16.0"), V("2.10.0")) is False
    assert torchaudio_fits(V("3.0.0"), V("2.11.0")) is None


def test_python_ranges() -> None:
    assert python_range(V("2.1.2")) == (V("3.8"), V("3.11"))
    assert python_range(V("2.15.0")) == (V("3.11"), V("3.15"))
    assert newest_torch_for_python(V("3.7.17")) == V("1.13")
    assert newest_torch_for_python(V("3.9.1")) == V("2.8")
    assert newest_torch_for_python(V("3.16")) is None
    assert newest_torch_for_python(V("3.6.15")) == V("1.10")
    assert python_range(V("1.7.1")) == (V("3.6"), V("3.9"))
    # the newest lines move as releases are appended to the TOML: checked against the tables
    from envcheck.recipes import load_tables

    lines = sorted({major_minor(r.torch) for r in load_tables().releases})
    assert newest_torch() == lines[-1] >= V("2.15")
    low, high = python_bounds()
    assert low == V("3.5")  # Python 2.7 (torch <= 1.4) left out
    assert high >= V("3.15")
    ranges = [python_range(line) for line in lines[-3:]]
    suggested = suggested_python()
    assert all(r is not None and r[0] <= suggested <= r[1] for r in ranges)
    assert suggested == min(r[1] for r in ranges if r is not None)


@pytest.mark.parametrize(
    ("value", "cc"),
    [
        ("8.9", (8, 9)),
        ("sm_120", (12, 0)),
        ("sm_90a", (9, 0)),
        ([7, 5], (7, 5)),
        ("compute_86", (8, 6)),
        ("junk", None),
        (None, None),
        ("12.0", (12, 0)),
    ],
)
def test_parse_cc(value: object, cc: tuple[int, int] | None) -> None:
    assert parse_cc(value) == cc


@pytest.mark.parametrize(
    ("cuda", "os_name", "needed"),
    [("12.4", "windows", "551.61"), ("12.4.1", "linux", "550.54.14"), ("12.7", "linux", None)],
)
def test_native_driver_ignores_minor_version_compatibility(
    cuda: str, os_name: str, needed: str | None
) -> None:
    need = native_driver_needed(V(cuda), os_name)
    assert (need.text if need else None) == needed
    if need is not None:
        assert need.how == "toolkit table"
        compat = driver_needed(V(cuda), os_name)
        assert compat is not None and compat.driver < need.driver


def test_finding_and_fix_name_the_same_torch() -> None:
    """Issue 11: "the newest torch for Python 3.13 is 2.15" must not sit next to a 2.14.1 fix."""
    from tests.rules.scenarios import by_id, run, seen

    facts = {
        "python.version": "3.13.1",
        "os.name": "linux",
        "os.arch": "x86_64",
        "errors.seen": seen(
            (
                "no_matching_distribution",
                "ERROR: No matching distribution found for torch==2.4.1",
                {"package": "torch", "spec": "==2.4.1"},
            )
        ),
    }
    finding = by_id(run(facts, {}), "python_unsupported.no_wheel_for_python")
    installs = [c for fix in finding.fixes for c in fix.commands if "torch==" in c]
    assert installs
    fixed = installs[0].split("torch==", 1)[1].split()[0]
    assert V(fixed) >= V("2.14.1")  # the newest confirmed release with Python 3.13 wheels
    assert fixed in finding.detail
    line = newest_torch_for_python(V("3.13"))
    assert line is not None
    if major_minor(V(fixed)) != line:  # the newest line rests on unconfirmed rows
        assert f"The newest torch for Python 3.13 is {line}." not in finding.detail


@pytest.mark.parametrize(
    ("torch", "os_name", "machine", "variant"),
    [
        ("1.7.1", "linux", "x86_64", "cu102"),
        ("1.7.1+cu110", "linux", "x86_64", "cu102"),  # the label names the build, not PyPI's
        ("1.0.0", "linux", "x86_64", "cu90"),
        ("1.1.0", "linux", None, "cu90"),  # PyPI's 1.1.0 wheel: torch.version.cuda 9.0.176
        ("1.4.0", "linux", "x86_64", "cu101"),
        ("1.11.0", "linux", "x86_64", "cu102"),
        ("2.5.1", "linux", "x86_64", "cu124"),
        ("1.7.1", "windows", "AMD64", "cpu"),
        ("2.2.2", "darwin", "x86_64", "cpu"),
        ("1.9.0", "linux", "aarch64", "cpu"),
        ("1.7.1", "linux", "aarch64", None),  # no aarch64 wheels before 1.8
        ("1.7.1", "darwin", "arm64", None),  # no Apple-silicon wheels before 1.9
        ("9.9.9", "linux", "x86_64", None),
        ("not a version", "linux", "x86_64", None),
    ],
)
def test_pypi_default_variant(
    torch: str, os_name: str, machine: str | None, variant: str | None
) -> None:
    assert pypi_default_variant(torch, os_name, machine) == variant


def test_variant_facts_for_old_and_new_builds() -> None:
    cu110 = variant_facts("1.7.1+cu110", "cu110")
    assert cu110 is not None and cu110.published
    assert cu110.arch_list[-1] == "sm_80" and "sm_86" not in cu110.arch_list
    assert cu110.min_driver is not None and cu110.min_driver.text == "450.36.06"
    cu102 = variant_facts("1.7.1", "cu102")
    assert cu102 is not None and "sm_80" not in cu102.arch_list  # the Ampere trap
    assert cu102.min_driver is not None and cu102.min_driver.text == "440.33"
    cu101 = variant_facts("1.5.0", "cu101", "windows")
    assert cu101 is not None and cu101.min_driver is not None
    assert cu101.min_driver.text == "418.96"
    cu113 = variant_facts("1.10.1", "cu113")
    assert cu113 is not None and cu113.min_driver is not None
    assert (cu113.min_driver.text, cu113.min_driver.how) == ("450.80.02", "minor-version compat")
    missing = variant_facts("1.10.1", "cu101")
    assert missing is not None and missing.published is False and missing.arch_list == ()
    aarch = variant_facts("2.3.1", "cu121", "linux", "aarch64")
    assert aarch is not None and aarch.published is False
    borrowed = variant_facts("2.8.0", "cu128", "linux", "aarch64")
    assert borrowed is not None and borrowed.published and borrowed.arch_list_borrowed
    own = variant_facts("2.14.1", "cu130", "linux", "aarch64")
    assert own is not None and not own.arch_list_borrowed and "sm_110" in own.arch_list
    cpu = variant_facts("1.7.1", "cpu")
    assert cpu is not None and cpu.published and cpu.arch_list == () and cpu.min_driver is None
    assert variant_facts("9.9.9", "cu121") is not None
    assert variant_facts("9.9.9", "cu121").published is None  # type: ignore[union-attr]
    assert variant_facts("x", "cu121") is None
    assert platform_key("darwin") == "macos-arm64"
    assert platform_key("plan9", "x86_64") is None


# -- the doctor and the planner ask the same table layer -----------------------------------------


def test_doctor_and_planner_agree_on_every_builds_driver_minimum() -> None:
    from envcheck.recipes import load_tables, variant_cuda

    tables = load_tables()
    checked = 0
    for release in tables.releases:
        for os_name in ("linux", "windows"):
            for variant in release.variants_on(os_name):
                cuda = variant_cuda(variant)
                if cuda is None:
                    continue
                doctor = driver_needed(cuda, os_name)
                planner = tables.variant_min_driver(variant, os_name)
                facts = variant_facts(release.torch, variant, os_name, "x86_64")
                assert facts is not None
                assert doctor is not None and planner is not None, (variant, os_name)
                assert doctor.driver == planner == facts.min_driver.driver  # type: ignore[union-attr]
                checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("variant", "os_name", "driver"),
    [
        ("cu101", "linux", "418.39"),  # 10.1's own minimum, not the CUDA 10 [[compat]] row
        ("cu102", "linux", "440.33"),
        ("cu110", "linux", "450.36.06"),  # 11.0 itself needs less than 11.x's 450.80.02
        ("cu110", "windows", "451.22"),
        ("cu118", "linux", "450.80.02"),
    ],
)
def test_doctor_and_planner_name_the_same_driver(variant: str, os_name: str, driver: str) -> None:
    from envcheck.recipes import load_tables, variant_cuda

    cuda = variant_cuda(variant)
    assert cuda is not None
    need = driver_needed(cuda, os_name)
    assert need is not None and need.text == driver
    assert str(load_tables().variant_min_driver(variant, os_name)) == driver


def test_doctor_accepts_the_driver_the_planner_recommends_for() -> None:
    """torch 1.7.1+cu110 on driver 450.51.06: the planner offers cu110 for that driver, so the
    doctor must not call the driver too old (it did while it applied 11.x's 450.80.02)."""
    from envcheck.recommend import Request, recommend
    from tests.rules.scenarios import RTX4090_CU121, gpu, run, with_

    facts = with_(
        RTX4090_CU121,
        nvidia__driver_version="450.51.06",
        nvidia__kernel_module_version="450.51.06",
        nvidia__cuda_driver_max="11.0",
        nvidia__gpus=[gpu("Tesla T4", "7.5")],
        python__version="3.8.10",
        torch__version="1.7.1+cu110",
        torch__build_label="cu110",
        torch__cuda_build="11.0",
        cudnn__torch_version="8.0.5",
    )
    ids = [f.id for f in run(facts)]
    assert "driver_too_old.torch_cuda_newer_than_driver" not in ids
    rec = recommend(Request(driver="450.51.06", torch="1.7.1", python="3.8", cc=("7.5",)))
    assert rec.variant == "cu110"
    older = run(with_(facts, nvidia__driver_version="440.33", nvidia__cuda_driver_max="10.2"))
    too_old = [f for f in older if f.id == "driver_too_old.torch_cuda_newer_than_driver"]
    assert too_old and "450.36.06" in too_old[0].detail
