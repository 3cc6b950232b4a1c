"""The recipe tables: invariants that must hold for every row, and errors for broken tables."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from envcheck.recipes import (
    CPU_ALIASES,
    OS_ALIASES,
    ArchRows,
    DriverVersion,
    RecipeError,
    Tables,
    load_tables,
    parse_tables,
    platform_key,
    recipes_folder,
    variant_cuda,
)

REPO_RECIPES = Path(__file__).resolve().parent.parent / "recipes"


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_tables()


def test_loaded_once() -> None:
    assert load_tables() is load_tables()


def test_folder_is_the_repo_one_in_a_checkout() -> None:
    assert Path(str(recipes_folder())) == REPO_RECIPES


def test_every_row_has_source_and_confidence(tables: Tables) -> None:
    rows: list[Any] = [
        *tables.releases,
        *tables.toolkits,
        *tables.compat,
        *tables.archs,
        *tables.builds,
        *tables.pypi_mirrors,
        *tables.wheel_mirrors,
        *tables.bad_drivers,
    ]
    assert len(rows) > 100
    for row in rows:
        assert row.meta.source.strip(), row.meta.where
        assert row.meta.confidence in ("H", "M", "L"), row.meta.where
        if row.meta.confidence == "L" and not row.meta.unconfirmed:
            # low-confidence rows that are not marked must at least say why they are kept
            assert row.meta.note or row.meta.source, row.meta.where


def test_releases_cover_100_to_215_oldest_first(tables: Tables) -> None:
    versions = [r.torch for r in tables.releases]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert versions[0] == Version("1.0.0")
    assert Version("2.15.0") in versions  # and any release appended after it


def test_every_torchvision_pairs_with_exactly_one_torch_line(tables: Tables) -> None:
    counts = Counter(r.torchvision for r in tables.releases)
    assert [tv for tv, n in counts.items() if n != 1] == []
    # the pairing follows torch's minor line: 0.(minor+something) rises with torch
    tvs = [Version(r.torchvision) for r in tables.releases]
    assert tvs == sorted(tvs)


def test_torchaudio_stops_at_211(tables: Tables) -> None:
    with_audio = [r for r in tables.releases if r.torchaudio]
    assert with_audio[-1].torch == Version("2.11.0")
    assert all(not r.torchaudio for r in tables.releases if r.torch > Version("2.11.0"))
    newer = [r for r in tables.releases if not r.torchaudio and r.torch > Version("2.11.0")]
    assert newer and all(r.torchaudio_fallback == "2.11.0" for r in newer)
    # before torch 1.2 there was no torchaudio wheel; until 1.6 the install page left it out
    before = [r for r in tables.releases if r.torch < Version("1.7")]
    assert all(r.command_packages == ("torch", "torchvision") for r in before)
    assert [str(r.torch) for r in before if not r.torchaudio] == ["1.0.0", "1.0.1", "1.1.0"]


def test_torchvision_lower_bound_only_for_0291_and_0292(tables: Tables) -> None:
    loose = {r.torchvision for r in tables.releases if r.torchvision_requires}
    assert loose == {"0.29.1", "0.29.2"}


def test_driver_minimums_rise_with_cuda(tables: Tables) -> None:
    by_cuda = sorted(tables.toolkits, key=lambda t: (t.cuda, t.linux))
    linux = [t.linux for t in by_cuda]
    assert linux == sorted(linux)
    # Windows minimums (absent for CUDA 13.x) rise between CUDA versions too
    with_windows = [t for t in tables.toolkits if t.windows is not None]
    assert all(
        a.windows <= b.windows
        for a in with_windows
        for b in with_windows
        if a.cuda < b.cuda and a.windows is not None and b.windows is not None
    )
    compat = sorted(tables.compat, key=lambda c: c.major)
    assert [c.linux for c in compat] == sorted(c.linux for c in compat)


def test_driver_versions_print_as_written(tables: Tables) -> None:
    assert str(tables.cuda_min_driver(Version("12.2"), "linux")) == "535.54.03"
    assert str(DriverVersion("535.104.05")) == "535.104.05"
    assert tables.native_max_cuda(DriverVersion("535.104.05"), "linux") == Version("12.2")
    assert tables.native_max_cuda(DriverVersion("450.80.02"), "linux") == Version("11.0")
    assert tables.native_max_cuda(DriverVersion("400.1"), "linux") == Version("9.2")
    assert tables.native_max_cuda(DriverVersion("360.1"), "linux") is None


def test_pre_cuda_11_builds_need_their_own_toolkit_driver(tables: Tables) -> None:
    """No minor-version compatibility before CUDA 11: cu101 needs 418.39, not 10.2's 440.33."""
    assert str(tables.variant_min_driver("cu101", "linux")) == "418.39"
    assert str(tables.variant_min_driver("cu92", "linux")) == "396.26"
    assert str(tables.variant_min_driver("cu90", "windows")) == "385.54"
    assert str(tables.variant_min_driver("cu110", "linux")) == "450.36.06"
    assert str(tables.variant_min_driver("cu111", "linux")) == "450.80.02"


def test_variants_exist_for_the_pythons_claimed(tables: Tables) -> None:
    for rel in tables.releases:
        assert rel.python, rel.meta.where
        # every claimed Python has Linux x86_64 wheels (exceptions only on other platforms)
        assert rel.pythons_on("linux-x86_64") == rel.python, rel.meta.where
        assert rel.variants_on("linux") and rel.variants_on("windows"), rel.meta.where
        assert rel.pypi_default_cuda in rel.cuda, rel.meta.where
        for variant in rel.cuda:
            row, borrowed = tables.build_archs(
                rel.torch, variant, "linux", "x86_64", rows=ArchRows.BORROWED
            )
            assert row is not None and not borrowed, (rel.torch, variant)


def test_conda_only_up_to_25_and_intel_mac_up_to_222(tables: Tables) -> None:
    conda = [r.torch for r in tables.releases if r.conda != "none"]
    assert max(conda) == Version("2.5.1")
    old = [r for r in tables.releases if r.torch < Version("1.13")]
    assert {r.conda for r in old if r.torch >= Version("1.0.1")} == {"cudatoolkit"}
    assert tables.release("1.0.0").conda == "cuda-package"  # type: ignore[union-attr]
    intel = [r.torch for r in tables.releases if r.macos_x86_64]
    assert max(intel) == Version("2.2.2")


def test_gpu_examples_are_unambiguous(tables: Tables) -> None:
    names = Counter(e.lower() for a in tables.archs for e in a.examples)
    assert [n for n, c in names.items() if c > 1] == []
    for arch in tables.archs:
        for example in arch.examples:
            assert tables.find_gpu(example) == arch, example


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("NVIDIA GeForce RTX 4090", "8.9"),
        ("NVIDIA A100-SXM4-80GB", "8.0"),
        ("NVIDIA A10G", "8.6"),
        ("NVIDIA L40S", "8.9"),
        ("Tesla T4", "7.5"),
        ("NVIDIA RTX 6000 Ada Generation", "8.9"),
        ("Quadro RTX 6000", "7.5"),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "12.0"),
        ("GeForce GTX 1080 Ti", "6.1"),
        ("NVIDIA H100 80GB HBM3", "9.0"),
        ("rtx3060 laptop gpu", "8.6"),
    ],
)
def test_find_gpu_loosely(tables: Tables, name: str, cc: str) -> None:
    arch = tables.find_gpu(name)
    assert arch is not None and arch.cc == Version(cc)


def test_find_gpu_unknown(tables: Tables) -> None:
    assert tables.find_gpu("Radeon RX 7900") is None


def test_arch_rules(tables: Tables) -> None:
    row, _ = tables.build_archs(
        Version("2.14.1"), "cu126", "linux", "x86_64", rows=ArchRows.BORROWED
    )
    assert row is not None
    assert row.runs_on(Version("6.1"))  # sm_60 SASS runs on 6.1
    assert not row.runs_on(Version("12.0"))
    cu130, _ = tables.build_archs(
        Version("2.10.0"), "cu130", "linux", "x86_64", rows=ArchRows.BORROWED
    )
    assert cu130 is not None
    assert not cu130.runs_on(Version("7.0"))
    assert cu130.runs_on(Version("12.1"))
    # no published Windows list for 2.7 cu128: the Linux row is named, never invented
    win, borrowed = tables.build_archs(
        Version("2.9.0"), "cu129", "windows", "x86_64", rows=ArchRows.BORROWED
    )
    assert win is not None and borrowed


def test_strict_arch_rows_refuse_borrowed_and_unconfirmed_rows(tables: Tables) -> None:
    # the Windows list of 2.9.0 cu129 was never published: borrowed only when asked for
    strict, _ = tables.build_archs(
        Version("2.9.0"), "cu129", "windows", "x86_64", rows=ArchRows.STRICT
    )
    assert strict is None
    unconfirmed = [row for row in tables.builds if row.meta.unconfirmed]
    assert unconfirmed, "the tables hold rows assumed from an older release"
    row = unconfirmed[0]
    torch = next(r.torch for r in tables.releases if r.torch in row.torch)
    lenient, _ = tables.build_archs(
        torch, row.variants[0], row.os[0], row.arch, rows=ArchRows.BORROWED
    )
    assert lenient == row
    assert tables.build_archs(
        torch, row.variants[0], row.os[0], row.arch, rows=ArchRows.STRICT
    ) == (None, False)
    # a confirmed own row answers both ways, and is never marked borrowed
    own = tables.build_archs(Version("2.5.1"), "cu124", "linux", "x86_64", rows=ArchRows.STRICT)
    assert own[0] is not None and own == tables.build_archs(
        Version("2.5.1"), "cu124", "linux", "x86_64", rows=ArchRows.BORROWED
    )


@pytest.mark.parametrize(
    ("cuda", "os_name", "compat", "driver", "how"),
    [
        ("10.1", "linux", True, "418.39", "toolkit table"),  # no minor compat before CUDA 11
        ("10.2", "linux", True, "440.33", "toolkit table"),
        ("11.0", "linux", True, "450.36.06", "toolkit table"),  # below 11.x's 450.80.02
        ("11.0", "windows", True, "451.22", "toolkit table"),
        ("11.8", "linux", True, "450.80.02", "minor-version compat"),
        ("11.8", "linux", False, "520.61.05", "toolkit table"),
        ("12.4", "windows", True, "528.33", "minor-version compat"),
        ("13.0", "windows", True, "580.0.0", "minor-version compat"),  # NVIDIA lists N/A
    ],
)
def test_min_driver_policy(
    tables: Tables, cuda: str, os_name: str, compat: bool, driver: str, how: str
) -> None:
    need = tables.min_driver(Version(cuda), os_name, compat=compat)
    assert need is not None and (need.text, need.how) == (driver, how)


def test_compat_majors_skip_cuda_10(tables: Tables) -> None:
    # the [[compat]] row of CUDA 10 is 10.2's driver, not minor-version compatibility
    assert tables.compat_majors(DriverVersion("440.33"), "linux") == ()
    assert tables.compat_majors(DriverVersion("535.104.05"), "linux") == (12, 11)


def test_variant_cuda() -> None:
    assert variant_cuda("cu121") == Version("12.1")
    assert variant_cuda("cu102") == Version("10.2")
    assert variant_cuda("rocm6.0") is None
    assert variant_cuda("cpu") is None


def test_mirrors(tables: Tables) -> None:
    aliyun = tables.wheel_mirror("aliyun")
    assert aliyun is not None and aliyun.flag == "find-links"
    assert aliyun.url_for("cu121") == "https://mirrors.aliyun.com/pytorch-wheels/cu121"
    tuna = tables.pypi_mirror("tuna")
    assert tuna is not None and tuna.url == "https://pypi.tuna.tsinghua.edu.cn/simple"
    assert tables.wheel_mirror("tuna") is None


# --- broken tables ----------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "recipes"
    shutil.copytree(REPO_RECIPES, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copy_parses(copy: Path) -> None:
    assert len(parse_tables(copy).releases) == len(load_tables().releases)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "torch_releases.toml",
            'torchvision = "0.17.1"',
            'torchvision = "zero"',
            r"torch_releases\.toml \[\[release\]\] #\d+ \(torch 2\.2\.1\): 'torchvision'",
        ),
        (
            "torch_releases.toml",
            'released = "2024-02-21..22"\nsource = "S-PYPI-META, S-PYPI-FILES, S-TI-GBBM, S-PREV, '
            'S-RELMD"',
            'released = "2024-02-21..22"\nsource = ""',
            r"#\d+ \(torch 2\.2\.1\): 'source' must not be empty",
        ),
        (
            "cuda_drivers.toml",
            'confidence = "H"',
            'confidence = "maybe"',
            r"cuda_drivers\.toml \[\[toolkit\]\] #7 \(release 13\.1 GA\): 'confidence' must be",
        ),
        (
            "gpu_archs.toml",
            'cc = "8.9"',
            'cc = "8.9"\ncolour = "green"',
            r"gpu_archs\.toml \[\[arch\]\] #15 \(cc 8\.9\): unknown key\(s\) colour",
        ),
        (
            "wheel_archs.toml",
            'torch = ">=2.7,<2.8"',
            'torch = "two point seven"',
            r"wheel_archs\.toml \[\[build\]\] #\d+ .*not a version specifier",
        ),
        (
            "mirrors.toml",
            'url = "https://mirrors.aliyun.com/pytorch-wheels/{variant}"',
            'url = "https://mirrors.aliyun.com/pytorch-wheels/"',
            r"mirrors\.toml \[\[wheels\]\] #1 \(key aliyun\): 'url' must contain \{variant\}",
        ),
        (
            "known_bad_drivers.toml",
            "schema = 1",
            "schema = 2",
            r"known_bad_drivers\.toml: 'schema' must be 1",
        ),
        (
            "cuda_drivers.toml",
            'linux = "535.104.05"',
            'linux = "R535"',
            r"cuda_drivers\.toml \[\[toolkit\]\] #\d+ \(release 12\.2 Update 2\): 'linux'",
        ),
        (
            "torch_releases.toml",
            'cuda = ["cu118", "cu121"]',
            'cuda = ["cuda12"]',
            r"torch_releases\.toml \[\[release\]\] #\d+ \(torch 2\.1\.0\): 'cuda': 'cuda12'",
        ),
        (
            "torch_releases.toml",
            "\n[[release]]\n",
            "\n[[release\n",
            r"torch_releases\.toml: not valid TOML",
        ),
    ],
)
def test_bad_table_names_file_and_row(
    copy: Path, name: str, old: str, new: str, message: str
) -> None:
    _edit(copy, name, old, new)
    with pytest.raises(RecipeError, match=message):
        parse_tables(copy)


def test_duplicate_release_is_rejected(copy: Path) -> None:
    path = copy / "torch_releases.toml"
    text = path.read_text(encoding="utf-8")
    first = text.index("\n[[release]]\n")
    second = text.index("\n[[release]]\n", first + 1)
    path.write_text(text + "\n" + text[first:second], encoding="utf-8")
    with pytest.raises(RecipeError, match=r"torch 1\.0\.0 is listed twice"):
        parse_tables(copy)


def test_missing_file(copy: Path) -> None:
    (copy / "mirrors.toml").unlink()
    with pytest.raises(RecipeError, match=r"mirrors\.toml: cannot read"):
        parse_tables(copy)


_V171 = 'torch = "1.7.1"\ntorchvision = "0.8.2"\ntorchaudio = "0.7.2"\n'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('index_flag = "find-links"', 'index_flag = "links"', r"\(torch 1\.7\.1\): 'index_flag'"),
        (
            'platforms_missing = ["linux-aarch64", "macos-arm64"]',
            'platforms_missing = ["linux-riscv"]',
            r"unknown platform 'linux-riscv'",
        ),
        (_V171, _V171 + 'command_packages = ["torchvision"]\n', r"must start with torch"),
        (_V171, _V171 + 'cuda_aarch64 = ["cuda11"]\n', r"'cuda_aarch64': 'cuda11'"),
        (_V171, _V171 + 'conda_cpu = "nocuda"\n', r"'conda_cpu' must be"),
        (_V171, _V171.replace('"0.7.2"', '""'), r"give 'torchaudio_fallback'"),
    ],
)
def test_new_release_fields_are_validated(copy: Path, old: str, new: str, message: str) -> None:
    path = copy / "torch_releases.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('torch = "1.7.1"')
    head, tail = text[:start], text[start:]
    assert old in tail
    path.write_text(head + tail.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RecipeError, match=message):
        parse_tables(copy)


def test_per_platform_builds(tables: Tables, copy: Path) -> None:
    old = tables.release("1.7.1")
    assert old is not None
    assert old.variants_on("linux", "aarch64") == ()
    assert old.pythons_on("linux-aarch64") == () and old.pythons_on("macos-arm64") == ()
    assert old.pythons_on("macos-x86_64") == old.python
    assert old.pypi_default("linux-x86_64") == "cu102" and old.pypi_default("linux-aarch64") is None
    new = tables.release("2.14.1")
    assert new is not None and new.variants_on("linux", "aarch64") == ("cu126", "cu130", "cu132")
    assert new.variants_on("windows") == new.cuda and "rocm7.2" not in new.variants_on("windows")
    # cuda_windows overrides Windows' list when it differs (data only)
    marked = 'torch = "2.14.1"\ncuda_windows = ["cu126"]\n'
    _edit(copy, "torch_releases.toml", 'torch = "2.14.1"\n', marked)
    edited = parse_tables(copy).release("2.14.1")
    assert edited is not None and edited.variants_on("windows") == ("cu126",)
    assert tables.variant_published("2.3.1", "cu121", "linux-aarch64") is False
    assert tables.variant_published("2.3.1", "cu121", "linux-x86_64") is True
    assert tables.variant_published("1.10.2", "cu113", "windows-x86_64") is True
    assert tables.variant_published("2.14.1", "cu126", "macos-arm64") is False
    assert tables.variant_published("0.4.1", "cu90", "linux-x86_64") is None


@pytest.mark.parametrize("machine", sorted(CPU_ALIASES))
@pytest.mark.parametrize("os_name", sorted(OS_ALIASES))
def test_the_planner_and_the_rules_read_platforms_alike(
    tables: Tables, os_name: str, machine: str
) -> None:
    from envcheck.recommend_request import ImpossibleRequest, Request, normalise
    from envcheck.rules.tables import platform_key as rules_platform_key

    rules = rules_platform_key(os_name, machine)
    assert rules == platform_key(os_name, machine) and rules is not None
    try:
        planner = normalise(Request(os=os_name, arch=machine), tables).platform
    except ImpossibleRequest:  # Windows on ARM: no wheels in the tables
        assert rules == "windows-aarch64"
    else:
        assert planner == rules


def test_the_planner_and_the_rules_agree_on_pypis_default_build(tables: Tables) -> None:
    from envcheck.install_commands import default_build
    from envcheck.rules.tables import pypi_default_variant

    for release in tables.releases:
        for cpu in ("x86_64", "aarch64"):
            if not release.pythons_on(f"linux-{cpu}"):
                continue
            rules = pypi_default_variant(release.torch, "linux", cpu)
            assert default_build(release, "linux", cpu) == (rules or "unknown"), release.torch
