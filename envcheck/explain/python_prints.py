"""What people paste from Python: REPL sessions, ``python -c "...print(...)"`` and labelled prints.

Three shapes are read, all keyed on the expression that produced the value, never on the
value alone (a bare "True" means nothing):

- a REPL line ``>>> torch.cuda.is_available()`` (or ``In [2]:``) and the output line after it;
- a ``python -c "import torch; print(torch.__version__); print(...)"`` command and the output
  lines after it, one per ``print`` call (several arguments share a line);
- a printed label naming the expression: ``torch.cuda.is_available(): False``,
  ``CUDA available: True``, ``torch version: 2.1.0+cu121``.

A bare ``['sm_50', ..., 'sm_90']`` list is unambiguous and read too, and so is the
``Python 3.10.12`` banner of ``python --version`` or the REPL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from envcheck.explain.common import (
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
    torch_version_facts,
)
from envcheck.i18n import Msg
from envcheck.parsers.versions import cudnn_from_int

SOURCE = "python"

_EXPRESSIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("version", r"torch\.__version__"),
        ("cuda_build", r"torch\.version\.cuda"),
        ("hip_build", r"torch\.version\.hip"),
        ("cuda_available", r"torch\.cuda\.is_available\(\)"),
        ("device_count", r"torch\.cuda\.device_count\(\)"),
        ("device_name", r"torch\.cuda\.get_device_name\(\s{0,2}(\d{0,3})\s{0,2}\)"),
        ("capability", r"torch\.cuda\.get_device_capability\(\s{0,2}(\d{0,3})\s{0,2}\)"),
        ("arch_list", r"torch\.cuda\.get_arch_list\(\)"),
        ("cudnn", r"torch\.backends\.cudnn\.version\(\)"),
        ("mps", r"torch\.backends\.mps\.is_available\(\)"),
        ("nccl", r"torch\.cuda\.nccl\.version\(\)"),
        ("torchvision", r"torchvision\.__version__"),
        ("torchaudio", r"torchaudio\.__version__"),
        ("torch_file", r"torch\.__file__"),
        ("executable", r"sys\.executable"),
    )
)
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "version",
        re.compile(r"^(?:torch|pytorch)(?:\s+version)?\s{0,4}[:=]\s{0,4}(\S{1,60})$", re.I),
    ),
    (
        "python",
        re.compile(r"^python(?:\s+version)?\s{0,4}[:=]\s{0,4}v?(\d\.\d{1,2}(?:\.\d{1,3})?)$", re.I),
    ),
    (
        "cuda_available",
        re.compile(r"^(?:is\s+)?cuda(?:\s+is)?\s+available\s{0,4}[:=?]?\s{0,4}(true|false)$", re.I),
    ),
)
_TUPLE_RE = re.compile(
    r"^\(\s{0,4}(\d{1,3})\s{0,4},\s{0,4}(\d{1,3})(?:\s{0,4},\s{0,4}(\d{1,4}))?\s{0,4}\)$"
)
_ARCH_RE = re.compile(r"(?:sm|compute)_\d{2,3}[af]?")
_PY_BANNER_RE = re.compile(r"^Python (\d\.\d{1,2}\.\d{1,3})(?:\s|$)")
_TORCH_VERSION_RE = re.compile(
    r"^\d{1,2}\.\d{1,3}(?:\.\d{1,3})?(?:[a-z]{1,5}\d{0,10})?(?:\+[\w.]{1,40})?$"
)
_PY_COMMAND_RE = re.compile(r"(?:^|[\s/\\])(?:python[\d.]{0,5}|py)(?:\.exe)?\s+(?:-\w\s+)*-c\s")
_REPL_RE = re.compile(r"^\s{0,4}(?:>>>|In \[\d{1,6}\]:)\s?(.*)$")
_MESSAGE_RE = re.compile(r"(?:\w(?:Error|Warning|Exception)|^warnings\.warn\(|\.py:\d{1,6}): ")
_IMPORT_RE = re.compile(
    r"^(?:import\s+[\w.]{1,60}(?:\s+as\s+\w{1,30})?|from\s+[\w.]{1,60}\s+import\s+[\w, *]{1,80});?$"
)
_OUT_RE = re.compile(r"^\s{0,4}Out\[\d{1,6}\]:\s?")
_SPACED = frozenset({"device_name", "arch_list", "capability", "nccl"})


def _strip_quotes(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_arch_list(text: str) -> list[str] | None:
    """``"['sm_50', 'sm_60', 'compute_90']"`` → the list; None when it is not such a list."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    items = [_strip_quotes(item) for item in text[1:-1].split(",")]
    items = [item for item in items if item]
    if not items or not all(_ARCH_RE.fullmatch(item) for item in items):
        return None
    return items


class _Session:
    """Turns (expression kind, printed value) pairs into facts."""

    def __init__(self) -> None:
        self.b = ParsedBuilder(SOURCE)
        self.devices: dict[int, dict[str, object]] = {}
        self.devices_line: int | None = None

    def _device(self, index: str, line: int) -> dict[str, object]:
        number = int(index) if index else 0
        if self.devices_line is None:
            self.devices_line = line
        return self.devices.setdefault(
            number,
            {"index": number, "name": None, "capability": None, "total_memory_bytes": None},
        )

    def value(self, kind: str, arg: str, raw: str, line: int) -> bool:
        """Record one printed value; False when it does not look like that expression's."""
        value = _strip_quotes(raw)
        handler = _VALUE_HANDLERS.get(kind)
        if handler is None or not value or value.startswith(("Traceback", "File ")):
            return False
        return handler(self, arg, value, line)

    def build(self) -> Parsed:
        if self.devices and self.devices_line is not None:
            self.b.add(
                "torch.devices", [self.devices[k] for k in sorted(self.devices)], self.devices_line
            )
        return self.b.build()


def _bool(key: str) -> Callable[[_Session, str, str, int], bool]:
    def handle(s: _Session, _arg: str, value: str, line: int) -> bool:
        if value not in ("True", "False"):
            return False
        s.b.add(key, value == "True", line)
        return True

    return handle


def _version(s: _Session, _arg: str, value: str, line: int) -> bool:
    if not _TORCH_VERSION_RE.match(value):
        return False
    torch_version_facts(s.b, value, line)
    # What the interpreter imported, as the doctor's torch check records it: it can differ
    # from what a package list in the same paste says is installed.
    s.b.add("torch.runtime_version", value, line)
    return True


def _cuda_build(s: _Session, _arg: str, value: str, line: int) -> bool:
    if value == "None":
        s.b.unknown("torch.cuda_build", line, Msg("torch.version.cuda is None: a CPU-only build"))
        return True
    if not re.fullmatch(r"\d{1,2}\.\d{1,2}", value):
        return False
    s.b.add("torch.cuda_build", value, line)
    return True


def _hip_build(s: _Session, _arg: str, value: str, line: int) -> bool:
    if value == "None" or not re.fullmatch(r"\d[\w.-]{0,40}", value):
        return value == "None"
    s.b.add("torch.hip_build", value, line)
    return True


def _count(s: _Session, _arg: str, value: str, line: int) -> bool:
    if not value.isdigit() or len(value) > 4:
        return False
    s.b.add("torch.device_count", int(value), line)
    return True


def _name(s: _Session, arg: str, value: str, line: int) -> bool:
    if len(value) > 120 or "Error" in value:
        return False
    s._device(arg, line)["name"] = value
    return True


def _capability(s: _Session, arg: str, value: str, line: int) -> bool:
    match = _TUPLE_RE.match(value)
    if match is None or match.group(3) is not None:
        return False
    s._device(arg, line)["capability"] = f"{match.group(1)}.{match.group(2)}"
    return True


def _arch_list(s: _Session, _arg: str, value: str, line: int) -> bool:
    if value == "[]":
        s.b.add("torch.arch_list", [], line,
                Msg("empty: torch has no CUDA kernels (CPU build?)"))
        return True
    arches = parse_arch_list(value)
    if arches is None:
        return False
    s.b.add("torch.arch_list", arches, line)
    return True


def _cudnn(s: _Session, _arg: str, value: str, line: int) -> bool:
    if value == "None":
        s.b.unknown("cudnn.torch_version", line, Msg("torch.backends.cudnn.version() is None"))
        return True
    if not value.isdigit() or len(value) > 6:
        return False
    version = cudnn_from_int(int(value))
    if version is None:
        return False
    s.b.add("cudnn.torch_version", version, line)
    return True


def _nccl(s: _Session, _arg: str, value: str, line: int) -> bool:
    match = _TUPLE_RE.match(value)
    if match is None or match.group(3) is None:
        return False
    s.b.add("torch.nccl_version", ".".join(match.groups()), line)
    return True


def _package(key: str) -> Callable[[_Session, str, str, int], bool]:
    def handle(s: _Session, _arg: str, value: str, line: int) -> bool:
        if not _TORCH_VERSION_RE.match(value):
            return False
        s.b.add(key, value, line)
        return True

    return handle


_PATH_RE = re.compile(r"^(?:[A-Za-z]:[\\/]|/|~[\\/])\S{1,400}$")


def _torch_file(s: _Session, _arg: str, value: str, line: int) -> bool:
    """``torch.__file__`` → ``torch.location`` (the package directory, where it was loaded)."""
    if not _PATH_RE.match(value) or "torch" not in value:
        return False
    folder = re.sub(r"[\\/]__init__\.pyc?$", "", value)
    s.b.add("torch.location", folder, line)
    return True


def _executable(s: _Session, _arg: str, value: str, line: int) -> bool:
    if not _PATH_RE.match(value) or "python" not in value.lower():
        return False
    s.b.add("python.executable", value, line)
    s.b.add("python.executables_seen", [value], line)
    return True


def _python(s: _Session, _arg: str, value: str, line: int) -> bool:
    s.b.add("python.version", value, line)
    return True


_VALUE_HANDLERS: dict[str, Callable[[_Session, str, str, int], bool]] = {
    "python": _python,
    "version": _version,
    "cuda_build": _cuda_build,
    "hip_build": _hip_build,
    "cuda_available": _bool("torch.cuda_available"),
    "mps": _bool("torch.mps_available"),
    "device_count": _count,
    "device_name": _name,
    "capability": _capability,
    "arch_list": _arch_list,
    "cudnn": _cudnn,
    "nccl": _nccl,
    "torchvision": _package("packages.torchvision"),
    "torchaudio": _package("packages.torchaudio"),
    "torch_file": _torch_file,
    "executable": _executable,
}


def _expression(text: str) -> tuple[str, str] | None:
    """The kind of a whole expression (``print(...)`` unwrapped) and its argument, or None."""
    text = text.strip().rstrip(";").strip()
    while text.startswith("print(") and text.endswith(")"):
        text = text[6:-1].strip()
    for kind, regex in _EXPRESSIONS:
        match = regex.fullmatch(text)
        if match is not None:
            return kind, (match.group(1) or "") if match.groups() else ""
    return None


def _last_statement(text: str) -> str:
    """``import torch; torch.cuda.is_available()`` → the expression whose value is shown."""
    return _split_top(text, ";")[-1] if ";" in text else text


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and quotes (a linear scan)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _print_calls(command: str) -> list[list[str]]:
    """The argument lists of each ``print(...)`` in a ``python -c`` command, in order."""
    calls: list[list[str]] = []
    position = 0
    while len(calls) < 50:
        start = command.find("print(", position)
        if start < 0:
            break
        depth = 0
        end = -1
        for index in range(start + 5, min(len(command), start + 2000)):
            if command[index] == "(":
                depth += 1
            elif command[index] == ")":
                depth -= 1
                if depth == 0:
                    end = index
                    break
        if end < 0:
            break
        calls.append([arg.strip() for arg in _split_top(command[start + 6 : end])])
        position = end + 1
    return calls


def _literal(arg: str) -> str | None:
    """The text of a plain string literal argument (``"CUDA:"``), else None."""
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'" and arg[0] not in arg[1:-1]:
        return arg[1:-1]
    for prefix in ("f", "r", "u"):
        if arg.startswith(prefix) and _literal(arg[1:]) is not None and "{" not in arg:
            return arg[2:-1]
    return None


def _read_print(session: _Session, args: list[str], output: str, line: int) -> bool:
    """Match one printed line against the ``print`` that wrote it; False if it does not fit.

    A print of literals only (``print("done")``) fits any line.
    """
    kinds: list[tuple[str, str] | None] = []
    for arg in args:
        if _literal(arg) is not None:
            continue
        kinds.append(_expression(arg))
    text = output
    for arg in args:
        literal = _literal(arg)
        if literal:
            text = text.replace(literal, " ", 1)
    values = [k for k in kinds if k is not None]
    if not kinds:
        return True
    if len(kinds) == 1 and values:
        kind, arg = values[0]
        return session.value(kind, arg, text.strip(), line)
    if len(values) == len(kinds) and not any(k in _SPACED for k, _ in values):
        tokens = text.split()
        if len(tokens) == len(values):
            results = [
                session.value(kind, arg, token, line)
                for (kind, arg), token in zip(values, tokens, strict=True)
            ]
            return any(results)
    return False


def _repl_output(
    session: _Session, rows: Sequence[Line], start: int, expression: tuple[str, str]
) -> int:
    """Read the value a REPL printed for ``expression``; return the index to go on from.

    A warning torch raised while evaluating (and the indented source line after it) may come
    before the value; those lines are left for the traceback reader.
    """
    for j in range(start, min(start + 12, len(rows))):
        text = rows[j].text
        if not text.strip() or _REPL_RE.match(text) is not None:
            break
        if _MESSAGE_RE.search(text) or text.startswith((" ", "\t")):
            continue
        out = _OUT_RE.sub("", text, count=1)
        if session.value(expression[0], expression[1], out, j):
            session.b.consume(j)
            return j + 1 if j == start else start
        break
    return start


def parse_python_prints(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read REPL sessions, ``python -c`` prints and labelled prints. Pure; never raises.

    Emits torch.version (+ label facts), torch.cuda_build, torch.hip_build,
    torch.cuda_available, torch.device_count, torch.devices, torch.arch_list,
    cudnn.torch_version, torch.mps_available, torch.nccl_version,
    packages.torchvision/torchaudio and python.version.
    """
    rows = as_lines(lines)
    session = _Session()
    b = session.b
    pending: list[list[str]] = []
    pending_since = -1
    i = 0
    while i < len(rows):
        text = rows[i].text
        stripped = text.strip()
        repl = _REPL_RE.match(text)
        typed = repl.group(1) if repl is not None else None
        if typed is None and rows[i].command and _expression(_last_statement(text)):
            typed = text  # a Jupyter "In [3]:" prompt, already removed by split_lines
        if typed is not None:
            b.consume(i)
            b.recognise()
            pending = []
            expression = _expression(_last_statement(typed))
            i += 1
            if expression is not None:
                i = _repl_output(session, rows, i, expression)
            continue
        if (rows[i].command or len(stripped) <= 80) and _IMPORT_RE.match(stripped):
            b.consume(i)  # a Jupyter cell's import line
            i += 1
            continue
        if "print(" in text and _PY_COMMAND_RE.search(text):
            pending = _print_calls(text)
            pending_since = i
            b.consume(i)
            b.recognise()
            i += 1
            continue
        if pending and stripped and i - pending_since <= 40:
            if stripped.startswith(("Traceback", "File ")) or rows[i].command:
                pending = []
            elif not _MESSAGE_RE.search(stripped):
                if _read_print(session, pending.pop(0), stripped, i):
                    b.consume(i)
                    i += 1
                    continue
                pending = []  # the output is not what the command prints: stop matching
        bare = _expression(stripped) if len(stripped) <= 200 else None
        # "print(torch.__version__)" on one line and its output on the next, no prompt.
        if (
            bare is not None
            and i + 1 < len(rows)
            and rows[i + 1].text.strip()
            and session.value(bare[0], bare[1], rows[i + 1].text, i + 1)
        ):
            b.consume(i, i + 1)
            b.recognise()
            i += 2
            continue
        if stripped.startswith('Type "help", "copyright", "credits" or "license"'):
            b.consume(i)
            i += 1
            continue
        banner = _PY_BANNER_RE.match(stripped)
        if banner is not None:
            b.add("python.version", banner.group(1), i)
            b.consume(i)
            b.recognise()
        elif _labelled(session, stripped, i):
            b.consume(i)
            b.recognise()
        elif parse_arch_list(stripped) is not None:
            session.value("arch_list", "", stripped, i)
            b.consume(i)
            b.recognise()
        i += 1
    return session.build()


def _labelled(session: _Session, text: str, line: int) -> bool:
    """``torch.cuda.is_available(): False``, ``CUDA available: True`` and the like."""
    if len(text) > 300:
        return False
    for kind, regex in _EXPRESSIONS:
        match = regex.match(text)
        if match is not None and match.start() == 0:
            rest = text[match.end() :].lstrip(" :=-\t>")
            if rest:
                arg = (match.group(1) or "") if match.groups() else ""
                return session.value(kind, arg, rest, line)
    for kind, regex in _LABELS:
        label = regex.match(text)
        if label is not None:
            value = label.group(1)
            if kind == "cuda_available":
                value = value.capitalize()
            return session.value(kind, "", value, line)
    return False
