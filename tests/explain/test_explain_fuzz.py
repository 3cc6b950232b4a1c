"""Every explain parser is total: no exception on any text, and huge pastes finish."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envcheck.explain import PARSERS, explain_text
from envcheck.explain.common import Line, Parsed, split_lines
from envcheck.explain.tracebacks import parse_tracebacks
from envcheck.explain_report import explain_report

_FRAGMENTS = [
    "PyTorch version: ",
    "Is CUDA available: ",
    "GPU models and configuration:",
    "GPU 0: ",
    "cuDNN version: Probably one of the following:",
    "/usr/lib/libcudnn.so.8.9.2",
    "Versions of relevant libraries:",
    "[pip3] torch==",
    "[conda] pytorch ",
    "CPU:",
    "| NVIDIA-SMI 535.1 Driver Version: 535.1 CUDA Version: 12.2 |",
    "|   0  NVIDIA ",
    " Off | ",
    "00000000:01:00.0",
    "MiB / ",
    "| MIG devices:",
    "Driver Version : ",
    "    MIG Mode",
    "Cuda compilation tools, release 12.1, V12.1.1",
    "Package  Version",
    "---- ----",
    "torch @ https://x/torch-2.1.0%2Bcu121-cp310-cp310-linux_x86_64.whl",
    "# Name Version Build",
    "# packages in environment at /a/envs/b:",
    ">>> torch.cuda.get_arch_list()",
    "['sm_80'",
    'python -c "print(torch.__version__)"',
    "Traceback (most recent call last):",
    '  File "',
    "RuntimeError: CUDA error: no kernel image",
    ".py:12: UserWarning: ",
    "export CUDA_VISIBLE_DEVICES=",
    "```",
    "> ",
    "<details>",
    "\x1b[31m",
    "\r\n",
    "\n",
    "$ ",
    "PS C:\\> ",
    "(",
    ")",
    "'",
    '"',
    "=",
    ":",
    ",",
    " ",
    "\t",
    "True",
    "None",
    "N/A",
    "Could not collect",
    "2.1.0+cu121",
    "12.1",
    # evidence the lenient reader looks for in prose
    "RTX 3090",
    "显卡",
    "驱动版本 536.23",
    "docker run ",
    "--gpus all",
    "Found existing installation: torch 2.1.0",
    "Successfully installed torch-2.2.0",
    "torchvision 0.16.0 requires torch==2.1.0, but you have torch 2.2.0 which is incompatible.",
    "sys.executable = /usr/bin/python3",
    "WSL2",
    "Jetson Orin",
    "AMD Radeon RX 6600",
    "No CUDA GPUs are available",
    "CPU version",
    "nouveau",
    "os.environ['CUDA_VISIBLE_DEVICES']='1'",
    "- PyTorch version (GPU?): 2.1.0+cpu (False)",
]
_TEXT = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=12)), max_size=60).map(
    "".join
)
_PARSERS: list[Callable[[Sequence[Line]], Parsed]] = [
    *PARSERS,
    lambda rows: parse_tracebacks(rows),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT)
def test_explain_text_never_raises(text: str) -> None:
    result = explain_text(text)
    assert isinstance(result.facts["explain.formats"], list)
    assert len(result.unparsed) <= 21


@pytest.mark.parametrize("parser", _PARSERS, ids=lambda p: getattr(p, "__name__", "tracebacks"))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT)
def test_each_parser_never_raises(parser: Callable[[Sequence[Line]], Parsed], text: str) -> None:
    rows = split_lines(text)
    parsed = parser(rows)
    assert all(0 <= line < len(rows) for line in parsed.consumed)
    # Parsers also accept raw, uncleaned lines.
    parser([Line(raw) for raw in text.split("\n")])


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=400))
def test_any_unicode_text(text: str) -> None:
    explain_text(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=600), _TEXT.map(lambda t: t.encode("utf-8"))))
def test_explain_report_takes_any_bytes(data: bytes) -> None:
    """Any file a user points explain at gives a report (decode, parse, diagnose), never an
    exception; and the report's text is valid UTF-8."""
    report = explain_report(data)
    assert isinstance(report.facts["explain.encoding"], str)
    for finding in report.findings:
        finding.detail.encode("utf-8")
        assert finding.id.split(".")[0] == finding.category.value


def test_five_megabyte_paste_completes() -> None:
    block = (
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n"
        "torch==2.1.0+cu121\n>>> torch.cuda.is_available()\nTrue\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
        + "x" * 300
        + "\n"
        + "(" * 200
        + "'sm_" * 50
        + "\n"
    )
    text = (block * (5_000_000 // len(block) + 1))[:5_000_000]
    result = explain_text(text)
    assert result.facts["nvidia.driver_version"] == "535.104.05"


def test_one_enormous_line_completes() -> None:
    explain_text("GPU 0: " + "a " * 2_500_000 + "\nPyTorch version: " + "9" * 100_000)
