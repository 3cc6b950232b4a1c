"""Environment-variable probe: CUDA_VISIBLE_DEVICES as CUDA reads it, search paths, Windows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.probes.env_vars import (
    EnvVarsProbe,
    env_get,
    parse_cuda_visible_devices,
    split_search_path,
)
from tests.fakes import make_ctx

UUID = "GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60"
UUID2 = "GPU-0a9b8c7d-0000-4c47-9d47-1b2c3d4e5f61"
MIG = "MIG-4f6b2a31-7e0c-5d44-8a1b-0c9d8e7f6a5b"
MIG_LEGACY = f"MIG-{UUID}/1/0"


@pytest.mark.parametrize(
    ("raw", "kind", "valid"),
    [
        (None, "unset", []),
        ("", "empty", []),
        ("  ", "empty", []),
        ("0", "indices", ["0"]),
        ("0,1", "indices", ["0", "1"]),
        (" 0, 1 ", "indices", ["0", "1"]),
        ("01,2", "indices", ["1", "2"]),
        (f"{UUID},{UUID2}", "uuids", [UUID, UUID2]),
        ("GPU-6d1c2b1e", "uuids", ["GPU-6d1c2b1e"]),
        (MIG, "mig", [MIG]),
        (MIG_LEGACY, "mig", [MIG_LEGACY]),
        (f"0,{UUID}", "mixed", ["0"]),
        (f"{UUID},1", "mixed", [UUID]),
        ("1,a", "invalid", ["1"]),
        ("1,a,0", "invalid", ["1"]),
        ("-1", "invalid", []),
        ("0,-1,1", "invalid", ["0"]),
        ("0,,1", "invalid", ["0"]),
        ("1a,2", "invalid", ["1", "2"]),
        ("0,0", "invalid", []),
        ("1,0,1", "invalid", []),
        (f"{UUID},{UUID}", "invalid", []),
        (f" {UUID}", "invalid", []),
        ("none", "invalid", []),
        ("٣", "invalid", []),
    ],
)
def test_parse_cuda_visible_devices(raw: str | None, kind: str, valid: list[str]) -> None:
    parsed = parse_cuda_visible_devices(raw)
    assert parsed["kind"] == kind
    assert parsed["valid_prefix"] == valid
    if kind in ("indices", "uuids", "mig", "unset"):
        assert parsed["problem"] is None
    else:
        assert parsed["problem"], "a value CUDA partly ignores must say why"


def test_problem_names_the_entry_where_cuda_stops() -> None:
    assert "'a'" in parse_cuda_visible_devices("0,a,1")["problem"]
    assert "twice" in parse_cuda_visible_devices("2,2")["problem"]


KINDS = {"unset", "empty", "indices", "uuids", "mig", "mixed", "invalid"}
cvd_text = st.one_of(
    st.text(),
    st.lists(
        st.one_of(
            st.integers(-2, 20).map(str),
            st.sampled_from([UUID, UUID2, MIG, MIG_LEGACY, "", " ", "x", "GPU-", "MIG-"]),
        ),
        max_size=6,
    ).map(",".join),
)


@given(cvd_text)
def test_parser_never_raises_and_round_trips(raw: str) -> None:
    parsed: dict[str, Any] = parse_cuda_visible_devices(raw)
    assert parsed["kind"] in KINDS
    assert ",".join(parsed["entries"]) == raw
    assert len(parsed["valid_prefix"]) <= len(parsed["entries"])
    assert len(set(parsed["valid_prefix"])) == len(parsed["valid_prefix"])
    assert type_ok("env.cuda_visible_devices_parsed", parsed)


@given(st.lists(st.integers(0, 15), unique=True, min_size=1, max_size=8))
def test_clean_index_lists_are_seen_whole(indices: list[int]) -> None:
    parsed = parse_cuda_visible_devices(",".join(map(str, indices)))
    assert parsed["kind"] == "indices"
    assert parsed["valid_prefix"] == [str(i) for i in indices]


def test_split_search_path() -> None:
    assert split_search_path("/a:/b", "linux") == ["/a", "/b"]
    assert split_search_path("/a::/b:", "linux") == ["/a", "", "/b", ""]
    assert split_search_path(r"C:\a;D:\b", "windows") == [r"C:\a", r"D:\b"]
    assert split_search_path(r"C:\a:b", "windows") == [r"C:\a:b"]
    assert split_search_path("", "linux") == []
    assert split_search_path(None, "linux") == []


def test_env_get_is_case_insensitive_only_on_windows() -> None:
    env = {"Cuda_Path": "X", "CUDA_HOME": ""}
    assert env_get(env, "CUDA_PATH", "windows") == "X"
    assert env_get(env, "CUDA_PATH", "linux") is None
    assert env_get(env, "CUDA_HOME", "linux") == ""


def check_catalogue(facts: Any, notes: Any) -> None:
    for key, value in facts.items():
        assert key in CATALOGUE and type_ok(key, value), key
        if value is None:
            assert notes.get(key), f"{key} is None without a note"


def test_probe_on_linux() -> None:
    env = {
        "PATH": "/usr/bin",
        "CUDA_VISIBLE_DEVICES": "1,a",
        "NVIDIA_VISIBLE_DEVICES": "all",
        "CUDA_HOME": "/usr/local/cuda-12.1",
        "LD_LIBRARY_PATH": "/usr/local/cuda/lib64::/opt/lib",
        "TORCH_CUDA_ARCH_LIST": "8.0;8.6+PTX",
        "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
        "CUDA_LAUNCH_BLOCKING": "1",
    }
    outcome = EnvVarsProbe().run(make_ctx(env=env))
    facts, notes = outcome.facts, outcome.notes
    check_catalogue(facts, notes)
    assert facts["env.cuda_visible_devices"] == "1,a"
    assert facts["env.cuda_visible_devices_parsed"]["valid_prefix"] == ["1"]
    assert facts["env.nvidia_visible_devices"] == "all"
    assert facts["env.cuda_home"] == "/usr/local/cuda-12.1"
    assert facts["env.cuda_path"] is None and notes["env.cuda_path"] == "not set"
    assert facts["env.ld_library_path"] == ["/usr/local/cuda/lib64", "", "/opt/lib"]
    assert "current directory" in notes["env.ld_library_path"]
    assert facts["env.torch_cuda_arch_list"] == "8.0;8.6+PTX"
    assert facts["env.pytorch_cuda_alloc_conf"] == "expandable_segments:True"
    assert facts["env.cuda_launch_blocking"] == "1"
    assert outcome.summary == "CUDA_VISIBLE_DEVICES invalid (1,a)"


def test_probe_with_nothing_set() -> None:
    outcome = EnvVarsProbe().run(make_ctx(env={"PATH": ""}))
    check_catalogue(outcome.facts, outcome.notes)
    assert outcome.facts["env.cuda_visible_devices"] is None
    assert outcome.notes["env.cuda_visible_devices"] == "not set"
    assert outcome.facts["env.cuda_visible_devices_parsed"]["kind"] == "unset"
    assert outcome.facts["env.ld_library_path"] is None
    assert outcome.notes["env.ld_library_path"] == "not set"


def test_empty_cuda_visible_devices_is_set_not_unknown() -> None:
    outcome = EnvVarsProbe().run(make_ctx(env={"CUDA_VISIBLE_DEVICES": ""}))
    assert outcome.facts["env.cuda_visible_devices"] == ""
    assert "env.cuda_visible_devices" not in outcome.notes
    assert outcome.facts["env.cuda_visible_devices_parsed"]["kind"] == "empty"


def test_probe_on_windows() -> None:
    env = {
        "Path": r"C:\Windows;C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1\bin",
        "CUDA_PATH": r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1",
        "cuda_visible_devices": "0",
        "LD_LIBRARY_PATH": "/leftover/from/msys",
    }
    outcome = EnvVarsProbe().run(make_ctx(env=env, system="Windows"))
    check_catalogue(outcome.facts, outcome.notes)
    assert outcome.facts["env.cuda_path"] == env["CUDA_PATH"]
    assert outcome.facts["env.cuda_visible_devices"] == "0"
    assert outcome.facts["env.ld_library_path"] is None
    assert "PATH" in outcome.notes["env.ld_library_path"]
