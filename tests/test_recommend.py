"""Recommendation golden cases, the issue's impossible requests, traps, and the doctor's fix."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from envcheck.recipes import Tables, load_tables, parse_tables
from envcheck.recommend import (
    ImpossibleRequest,
    Request,
    RequestError,
    recommend,
    reinstall_fix,
    request_from_facts,
)
from envcheck.render.recommendation import (
    render_impossible_json,
    render_impossible_text,
    render_json,
    render_text,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

GOLDEN = Path(__file__).parent / "data" / "recommend" / "golden.toml"


def _cases() -> list[dict[str, Any]]:
    with GOLDEN.open("rb") as f:
        return list(tomllib.load(f)["case"])


def _request(inputs: dict[str, Any]) -> Request:
    fields = dict(inputs)
    if "cc" in fields:
        fields["cc"] = tuple(fields["cc"])
    if "packages" in fields:
        fields["packages"] = tuple(fields["packages"])
    return Request(**fields)


def test_golden_file_covers_enough_combinations() -> None:
    cases = _cases()
    assert len(cases) >= 30
    assert all(c.get("why") for c in cases), "every golden case says why it is right"
    seen_os = {c["inputs"].get("os", "linux") for c in cases}
    seen_managers = {c["inputs"].get("manager", "pip") for c in cases}
    assert seen_os == {"linux", "windows", "macos"}
    assert seen_managers == {"pip", "uv", "conda"}


FROZEN_NEWEST = Version("2.15.0")
"""The golden cases were written against the releases up to this one; a release appended to
the TOML later must not change them (they would otherwise pick it as "newest")."""


def _frozen(tables: Tables) -> Tables:
    return replace(tables, releases=tuple(r for r in tables.releases if r.torch <= FROZEN_NEWEST))


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_golden(case: dict[str, Any]) -> None:
    _check_golden(case, _frozen(load_tables()))


def _check_golden(case: dict[str, Any], tables: Tables) -> None:
    rec = recommend(_request(case["inputs"]), tables)
    assert rec.command == case["command"], case["why"]
    for fragment in case.get("warns", []):
        assert any(fragment in w for w in rec.warnings), (fragment, rec.warnings)
    assert rec.rests_on_unconfirmed is case.get("unconfirmed", False), rec.unconfirmed


def test_cuda_reading_is_stated() -> None:
    by_cuda = recommend(Request(cuda="12.1", torch="2.2.1"))
    assert by_cuda.cuda_reading.startswith("--cuda 12.1 read as the CUDA this machine has")
    exact = recommend(Request(variant="cu118", torch="2.2.1"))
    assert exact.variant == "cu118"
    assert exact.cuda_reading == "--variant cu118: exactly that build"


def test_constraints_say_how_each_narrowed() -> None:
    rec = recommend(Request(driver="535.104.05", python="3.13", gpu="RTX 4090"))
    effects = {c.name: c.effect for c in rec.constraints}
    assert "CUDA ≤ 12.2 natively, 12.x builds by minor-version compatibility" in effects["driver"]
    assert effects["python"].startswith("torch 2.5.0–")
    assert "sm_89" in effects["gpu"]
    assert rec.variant == "cu126"


def test_alternatives_offer_previous_line_uv_and_conda_note() -> None:
    frozen = _frozen(load_tables())
    rec = recommend(Request(cuda="12.1", torch="2.2.1", python="3.10"), frozen)
    labels = [a.label for a in rec.alternatives]
    assert any(label.startswith("also runs here: cu118") for label in labels)
    assert "with uv" in labels
    conda = next(a for a in rec.alternatives if a.label.startswith("conda"))
    assert conda.command.endswith("pytorch-cuda=12.1 -c pytorch -c nvidia")
    newest = recommend(Request(driver="535.104.05", python="3.11"), frozen)
    assert any(a.label.startswith("previous line: torch 2.13.0") for a in newest.alternatives)


# --- the impossible requests of the issue -----------------------------------------------------


def test_python_313_with_torch_241_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(python="3.13", torch="2.4.1"))
    assert "no linux-x86_64 wheels for Python 3.13" in info.value.reason
    assert "Python 3.8–3.12 with torch 2.4.1" in info.value.possible
    assert any(p.startswith("torch 2.5.0–") for p in info.value.possible)


def test_sm120_with_torch_26_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(cc=("12.0",), torch="2.6.0"))
    assert "sm_120" in info.value.reason
    assert any(p.startswith("torch ≥ 2.7.0 with cu128") for p in info.value.possible)


def test_old_driver_with_new_cuda_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(driver="450.80.02", cuda="12.4"))
    assert "driver 450.80.02 supports CUDA ≤ 11.0" in info.value.reason
    assert "needs driver ≥ 525.60.13" in info.value.reason
    assert info.value.possible[0].startswith("--cuda 11.0")


def test_macos_with_cuda_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(os="macos", arch="arm64", cuda="12.1"))
    assert "no CUDA" in info.value.reason
    assert any("MPS" in p for p in info.value.possible)


def test_conda_after_25_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(manager="conda", torch="2.6.0", cuda="12.4"))
    assert "stopped at torch 2.5.x" in info.value.reason


def test_blackwell_needs_new_driver() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(cuda="12.1", gpu="RTX 5090"))
    assert "CUDA ≥ 12.8" in info.value.reason
    assert info.value.possible == ("upgrade the driver to ≥ 570.26",)


def test_variant_must_exist_for_release() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(variant="cu130", torch="2.2.1"))
    assert "has no cu130 build" in info.value.reason


def test_rocm_on_windows_is_impossible() -> None:
    with pytest.raises(ImpossibleRequest):
        recommend(Request(os="windows", variant="rocm6.0"))


@pytest.mark.parametrize(
    ("request_", "fragment"),
    [
        (Request(os="bsd"), "--os"),
        (Request(arch="riscv64"), "--arch"),
        (Request(gpu="Voodoo 3"), "unknown GPU"),
        (Request(cc=("4.2",)), "unknown compute capability"),
        (Request(torch="banana"), "--torch"),
        (Request(manager="poetry"), "--manager"),
        (Request(mirror="nowhere"), "--mirror"),
        (Request(packages=("torchtext",)), "--packages"),
        (Request(driver="latest"), "--driver"),
        (Request(variant="cuda12"), "--variant"),
        (Request(gpu="RTX 4090", cc=("8.6",)), "not 8.6"),
    ],
)
def test_malformed_requests(request_: Request, fragment: str) -> None:
    with pytest.raises(RequestError, match=fragment.replace("-", r"\-")):
        recommend(request_)


# --- traps ------------------------------------------------------------------------------------


def test_windows_cuda_never_plain_pip() -> None:
    for torch in ("1.12.1", "2.0.1", "2.5.1", "2.11.0", "2.14.1"):
        rec = recommend(Request(os="windows", cuda="12.4", torch=torch))
        assert "download.pytorch.org/whl/cu" in rec.command, rec.command


def test_pypi_default_needs_newer_driver_is_warned() -> None:
    rec = recommend(Request(driver="535.104.05", torch="2.11.0", python="3.11"))
    assert rec.variant == "cu128"
    assert any("needs driver ≥ 580.65.06" in w for w in rec.warnings), rec.warnings


def test_no_gpu_information_gives_cpu_build_with_warning() -> None:
    rec = recommend(Request(python="3.11"))
    assert rec.variant == "cpu"
    assert rec.command.endswith("--index-url https://download.pytorch.org/whl/cpu")
    assert any("CPU build" in w for w in rec.warnings)


def test_free_threaded_python() -> None:
    rec = recommend(Request(python="3.13t", cuda="12.8"))
    assert rec.torch == "2.12.0"  # 3.13t wheels are listed up to 2.12.0
    with pytest.raises(ImpossibleRequest):
        recommend(Request(python="3.13t", torch="2.6.0"))


# --- the doctor's side ------------------------------------------------------------------------

FACTS: dict[str, object] = {
    "os.name": "linux",
    "os.arch": "x86_64",
    "python.version": "3.11.7",
    "python.env_type": "conda",
    "nvidia.driver_version": "535.104.05",
    "nvidia.cuda_driver_max": "12.2",
    "nvidia.gpu_count": 1,
    "nvidia.gpus": [{"index": 0, "name": "NVIDIA A10G", "compute_capability": "8.6"}],
    "pip.mirror": None,
    "torch.version": "2.1.0+cpu",
}


def test_request_from_facts() -> None:
    req = request_from_facts(FACTS)
    assert req == Request(
        os="linux",
        arch="x86_64",
        python="3.11",
        cuda="12.2",
        driver="535.104.05",
        cc=("8.6",),
        manager="pip",  # conda env, but official conda packages stopped at 2.5
    )
    no_gpu = request_from_facts({"os.name": "linux", "nvidia.gpu_count": 0})
    assert no_gpu.variant == "cpu"
    uv = request_from_facts({"python.env_type": "uv", "pip.mirror": "pytorch"})
    assert (uv.manager, uv.mirror) == ("uv", None)


def test_reinstall_fix_keeps_installed_version() -> None:
    fix = reinstall_fix(FACTS)
    assert fix is not None
    assert fix.commands == (
        "pip install torch==2.1.0 torchvision==0.16.0 torchaudio==2.1.0 "
        "--index-url https://download.pytorch.org/whl/cu121",
    )
    assert "CUDA 12.1" in fix.summary


def test_reinstall_fix_moves_on_when_installed_version_cannot_work() -> None:
    facts = dict(
        FACTS,
        **{
            "torch.version": "2.6.0+cu124",
            "nvidia.gpus": [
                {"index": 0, "name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}
            ],
            "nvidia.driver_version": "580.95.05",
            "nvidia.cuda_driver_max": "13.0",
        },
    )
    fix = reinstall_fix(facts, _frozen(load_tables()))
    assert fix is not None
    assert "torch==2.14.1" in fix.commands[0]
    assert fix.commands[0].endswith("/whl/cu130")


def test_reinstall_fix_none_when_facts_are_garbage() -> None:
    assert reinstall_fix({"os.name": "plan9"}) is None
    assert reinstall_fix({"python.version": "2.6.9", "nvidia.cuda_driver_max": "12.2"}) is None


# --- robustness -------------------------------------------------------------------------------

_TEXT = st.one_of(st.none(), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(
    os_name=st.sampled_from(["linux", "windows", "macos", "darwin", "bsd"]),
    arch=st.sampled_from(["x86_64", "AMD64", "arm64", "aarch64"]),
    python=st.one_of(st.none(), st.sampled_from(["3.8", "3.10", "3.13", "3.13t", "3.15", "3.6"])),
    cuda=st.one_of(st.none(), st.sampled_from(["10.2", "11.3", "11.8", "12.1", "12.8", "13.0"])),
    variant=st.one_of(st.none(), st.sampled_from(["cu118", "cu126", "cu130", "cpu", "rocm6.0"])),
    driver=st.one_of(st.none(), st.sampled_from(["450.80.02", "535.104.05", "580.95.05"])),
    cc=st.lists(st.sampled_from(["3.7", "6.1", "7.0", "8.6", "9.0", "12.0"]), max_size=2),
    torch=st.one_of(st.none(), st.sampled_from(["2.2.1", "1.12", ">=2.4,<2.6", "9.9"])),
    manager=st.sampled_from(["pip", "uv", "conda"]),
    mirror=st.one_of(st.none(), st.sampled_from(["tuna", "aliyun", "sjtu", "nju"])),
    junk=_TEXT,
)
def test_any_request_gives_a_command_or_a_clear_error(
    os_name: str,
    arch: str,
    python: str | None,
    cuda: str | None,
    variant: str | None,
    driver: str | None,
    cc: list[str],
    torch: str | None,
    manager: str,
    mirror: str | None,
    junk: str | None,
) -> None:
    req = Request(
        os=os_name,
        arch=arch,
        python=python,
        cuda=cuda,
        variant=variant,
        driver=driver,
        cc=tuple(cc),
        torch=torch,
        manager=manager,
        mirror=mirror,
        gpu=junk or None,
    )
    try:
        rec = recommend(req)
    except (ImpossibleRequest, RequestError) as exc:
        assert str(exc)
        return
    assert rec.command.startswith(
        ("pip install torch==", "uv pip install torch==", "conda install")
    )
    if variant is not None:
        assert rec.variant == variant


def test_a_new_release_needs_only_toml(tmp_path: Path) -> None:
    """The docs/recipes.md recipe: append a release, widen arch rows, and it is recommended."""
    folder = tmp_path / "recipes"
    shutil.copytree(Path(__file__).resolve().parent.parent / "recipes", folder)
    newest = load_tables().releases[-1]
    # one minor line past whatever the tables hold today, so a real release appended later
    # neither collides with this one nor changes what the test checks
    torch = f"{newest.torch.major}.{newest.torch.minor + 1}.0"
    vision = Version(newest.torchvision)
    torchvision = f"{vision.major}.{vision.minor + 1}.0"
    releases = folder / "torch_releases.toml"
    releases.write_text(
        releases.read_text(encoding="utf-8")
        + "\n".join(
            [
                "",
                "[[release]]",
                f'torch = "{torch}"',
                f'torchvision = "{torchvision}"',
                'torchaudio = ""',
                'torchaudio_fallback = "2.11.0"',
                'python = ["3.11", "3.12", "3.13", "3.14"]',
                'cuda = ["cu126", "cu130", "cu132"]',
                'rocm = ["rocm7.2"]',
                'pypi_default_cuda = "cu132"',
                'pypi_aarch64 = "cu132"',
                'cuda_aarch64 = ["cu130", "cu132"]',
                "macos_x86_64 = false",
                'macos_min = "14.0"',
                'index_flag = "index-url"',
                'conda = "none"',
                'released = "2026-12-22"',
                'source = "test"',
                'confidence = "H"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    # step 2 of the recipe: the rows that cover the newest release now cover the new one too
    line = (newest.torch.major, newest.torch.minor)
    archs = folder / "wheel_archs.toml"
    widened = archs.read_text(encoding="utf-8").replace(
        f'<{line[0]}.{line[1] + 1}"', f'<{line[0]}.{line[1] + 2}"'
    )
    assert widened != archs.read_text(encoding="utf-8")
    archs.write_text(widened, encoding="utf-8")
    tables = parse_tables(folder)
    rec = recommend(Request(driver="580.95.05", python="3.12", gpu="RTX 4090"), tables)
    assert rec.command == (
        f"pip install torch=={torch} torchvision=={torchvision} "
        "--index-url https://download.pytorch.org/whl/cu130"
    )
    # the rules' table queries see it too, with no code change
    assert tables.pypi_default_variant(torch, "linux-x86_64") == "cu132"
    assert tables.variant_published(torch, "cu130", "linux-aarch64") is True
    assert tables.variant_published(torch, "cu126", "linux-aarch64") is False
    # and the golden cases, written against the releases up to FROZEN_NEWEST, still hold
    for case in _cases():
        _check_golden(case, _frozen(tables))


# --- renderers (golden files) -----------------------------------------------------------------

DATA = Path(__file__).parent / "data" / "recommend"


def test_text_and_json_renderers_match_golden_files() -> None:
    rec = recommend(Request(cuda="12.1", torch="2.2.1", python="3.10"))
    assert render_text(rec) == (DATA / "text-cu121.txt").read_text(encoding="utf-8")
    assert render_json(rec) == (DATA / "json-cu121.json").read_text(encoding="utf-8")
    data = json.loads(render_json(rec))
    assert data["request"]["cuda"] == "12.1"


def test_impossible_renderers() -> None:
    with pytest.raises(ImpossibleRequest) as info:
        recommend(Request(python="3.13", torch="2.4.1"), _frozen(load_tables()))
    text = render_impossible_text(info.value)
    assert text == (DATA / "impossible-py313.txt").read_text(encoding="utf-8")
    data = json.loads(render_impossible_json(info.value, Request(python="3.13", torch="2.4.1")))
    assert data["error"] == "impossible"
    assert data["request"]["python"] == "3.13"


def test_unconfirmed_rows_are_shown_in_text() -> None:
    rec = recommend(Request(variant="cu129", python="3.11", torch="2.10.0"))
    text = render_text(rec)
    assert "Rests on unconfirmed table rows" in text
    assert "third-party report" in text


def test_request_from_facts_falls_back_to_torch_devices_and_gpu_names() -> None:
    from_torch = request_from_facts(
        {"nvidia.gpus": None, "torch.devices": [{"index": 0, "capability": "8.9"}]}
    )
    assert from_torch.cc == ("8.9",)
    by_name = request_from_facts(
        {"nvidia.gpus": [{"index": 0, "name": "Tesla V100-SXM2-16GB", "compute_capability": None}]}
    )
    assert by_name.cc == ("7.0",)
    future = request_from_facts({"nvidia.gpus": [{"compute_capability": "14.0"}]})
    assert future.cc == ()
    unknown_mirror = request_from_facts({"pip.mirror": "douban"})
    assert unknown_mirror.mirror is None
    assert request_from_facts({"pip.mirror": "aliyun"}).mirror == "aliyun"


def test_aarch64_cuda_before_212_is_flagged() -> None:
    rec = recommend(Request(arch="aarch64", driver="570.124.06", torch="2.8.0", python="3.12"))
    assert rec.variant == "cu128"
    assert any("Linux aarch64" in u for u in rec.unconfirmed)
    confirmed = recommend(
        Request(arch="aarch64", driver="580.95.05", python="3.12"), _frozen(load_tables())
    )
    assert confirmed.torch == "2.14.1"
    assert not confirmed.rests_on_unconfirmed


def test_alternatives_say_nothing_into_the_answer() -> None:
    """Writing an alternative's command records nothing: its own warnings (here the bare cu102
    build of torch 1.7.1 on Windows, which PyPI also has without CUDA) stay out of the answer,
    with no save-and-restore around it."""
    from envcheck.recipes import load_tables as tables_now
    from envcheck.recommend_answer import packages_for, write_command
    from envcheck.recommend_request import normalise

    request = Request(os="windows", torch="1.7.1", python="3.8", cuda="11.0")
    rec = recommend(request)
    assert rec.variant == "cu110"
    cu102 = next(a for a in rec.alternatives if a.label == "also runs here: cu102")
    tables = tables_now()
    inp = normalise(request, tables)
    release = tables.release("1.7.1")
    assert release is not None
    pins = packages_for(inp, release).pins
    written = write_command(inp, tables, release, "cu102", pins, "pip")
    assert written.command == cu102.command
    assert any("PyPI has Windows wheels" in w for w in written.warnings)
    assert not any("PyPI has Windows wheels" in w for w in rec.warnings)
    assert recommend(request) == rec  # and asking again gives the same answer
