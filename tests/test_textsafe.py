"""Output is valid UTF-8 whatever bytes the machine holds (undecodable env values, paths)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from envcheck.doctor import run_doctor
from envcheck.model import ProbeResult, ProbeStatus
from envcheck.render.json import render_json
from envcheck.render.markdown import render_markdown
from envcheck.render.text import render_text
from envcheck.textsafe import NOT_UTF8_NOTE, clean_result, clean_text, clean_value
from tests.fake_machines import scenario

# What Python makes of TORCH_CUDA_ARCH_LIST=8.0\xff in os.environ (surrogateescape).
RAW_ARCH = b"8.0\xff".decode("utf-8", "surrogateescape")


def test_surrogate_escaped_bytes_become_visible_escapes() -> None:
    assert clean_text(RAW_ARCH) == ("8.0\\xff", True)
    assert clean_text("8.0;9.0+PTX") == ("8.0;9.0+PTX", False)


def test_nested_values_and_keys_are_cleaned() -> None:
    value, changed = clean_value({"a\udcfe": [RAW_ARCH, 3, None]})
    assert changed
    assert value == {"a\\xfe": ["8.0\\xff", 3, None]}


@given(st.text())
def test_cleaned_text_always_encodes(text: str) -> None:
    cleaned, _ = clean_text(text)
    cleaned.encode("utf-8")  # raises if a surrogate survived


def test_clean_result_notes_the_fact_and_keeps_clean_results_identical() -> None:
    dirty = ProbeResult("env_vars", "Environment", ProbeStatus.OK,
                        facts={"env.torch_cuda_arch_list": RAW_ARCH, "env.cuda_home": "/usr"})
    cleaned = clean_result(dirty)
    assert cleaned.facts["env.torch_cuda_arch_list"] == "8.0\\xff"
    assert cleaned.notes["env.torch_cuda_arch_list"] == NOT_UTF8_NOTE
    assert "env.cuda_home" not in cleaned.notes
    clean = ProbeResult("x", "X", ProbeStatus.OK, facts={"a": "b"})
    assert clean_result(clean) is clean


def test_doctor_report_with_a_non_utf8_env_value_is_valid_utf8(tmp_path: Path) -> None:
    case = scenario("healthy_h100_cu130")
    case = dataclasses.replace(case, env={**case.env, "TORCH_CUDA_ARCH_LIST": RAW_ARCH})
    report = run_doctor(case.context(tmp_path))
    for rendered in (render_json(report), render_markdown(report), render_text(report)):
        rendered.encode("utf-8")  # strict: a lone surrogate would raise here
    data = json.loads(render_json(report).encode("utf-8"))
    assert data["facts"]["env.torch_cuda_arch_list"] == "8.0\\xff"
    assert "not valid UTF-8" in data["notes"]["env.torch_cuda_arch_list"]
