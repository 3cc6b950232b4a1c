"""Inspect the target interpreter once per run, without importing anything from it.

Equivalent to ``<python> --version`` followed by ``<python> - < target_script.py``: the script
(stdlib only) prints one JSON object describing the interpreter, its ``sys.path``, the
distributions installed there, conda records and the importable ``torch`` package. Several
probes (python_env, packages, torch_runtime) read the same result, shared through
``ctx.memo`` so the interpreter runs once.

Gathering (:func:`inspect_target`) is kept apart from parsing (:func:`parse_target_output`,
:func:`parse_python_version`), which are pure and tested on recorded outputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.parsers.versions import normalise_name
from envcheck.system.run import CommandResult, tool_output

TARGET_BEGIN = "@@envcheck-target-begin@@"
TARGET_END = "@@envcheck-target-end@@"
"""Markers around the JSON object; must match ``target_script.py`` (a test checks)."""

MIN_PYTHON = (3, 6)
MEMO_KEY = "target"

_VERSION_RE = re.compile(r"^Python (\d+)\.(\d+)(?:\.(\d+))?", re.MULTILINE)


class TargetOutputError(ValueError):
    """The interpreter's output holds no well-formed inspection result."""

    @property
    def reason(self) -> str:
        """Why, as raised (a :class:`~envcheck.i18n.Msg`, which ``str(exc)`` would flatten)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else str(self)


@dataclass(frozen=True)
class Distribution:
    """One installed distribution as the target script found it on ``sys.path``."""

    name: str
    key: str
    """Normalised name (PEP 503: lower case, runs of ``-_.`` become ``-``)."""
    version: str | None
    location: str
    """The ``sys.path`` folder holding its metadata."""
    path_index: int
    """Position of ``location`` in ``sys.path``: a lower index wins at import time."""
    installer: str | None


@dataclass(frozen=True)
class TargetInspection:
    """The result of inspecting the target interpreter.

    ``data`` is the script's JSON object and ``error`` is None when inspection worked. When it
    did not, ``error`` says why; ``data`` may then still hold what is known (an interpreter too
    old to inspect still reports its ``version`` and ``executable``).
    """

    python: str | None
    chosen_by: str
    data: Mapping[str, Any] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the full inspection result is available."""
        return self.error is None and self.data is not None

    def get(self, key: str, default: Any = None) -> Any:
        """One top-level value of the inspection result (``default`` when absent)."""
        if self.data is None:
            return default
        return self.data.get(key, default)

    @property
    def label(self) -> str:
        """How to name the interpreter in messages, e.g. ``--python /bin/ls``."""
        return describe_target(self.python, self.chosen_by)

    @property
    def distributions(self) -> tuple[Distribution, ...]:
        """Every distribution found, in ``sys.path`` order (duplicates kept)."""
        return distributions_from(self.get("distributions") or ())

    @property
    def torch(self) -> Mapping[str, Any] | None:
        """The importable torch package (location, package_dir, version_py) or None."""
        value = self.get("torch")
        return value if isinstance(value, Mapping) else None


def describe_target(python: str | None, chosen_by: str) -> str:
    """Name the target interpreter and how it was chosen, for messages."""
    if python is None:
        return Msg("the target interpreter")
    if chosen_by == "--python":
        return f"--python {python}"
    if chosen_by == "current":
        return python
    return Msg("{python} (from {chosen_by})", python=python, chosen_by=chosen_by)


def load_script(name: str) -> str:
    """The source of a script shipped next to this module (run inside the target)."""
    return (Path(__file__).with_name(name)).read_text(encoding="utf-8")


def extract_marked(stdout: str, begin: str, end: str) -> str:
    """The text between the last ``begin`` marker and the ``end`` after it.

    The last one wins because anything printed earlier (a chatty ``sitecustomize``) comes
    before the script's own output.
    """
    start = stdout.rfind(begin)
    if start < 0:
        raise TargetOutputError(Msg("no inspection result in the output"))
    start += len(begin)
    stop = stdout.find(end, start)
    if stop < 0:
        raise TargetOutputError(Msg("the inspection result was cut off"))
    return stdout[start:stop]


def parse_target_output(stdout: str) -> dict[str, Any]:
    """Parse the target script's stdout into its JSON object; TargetOutputError otherwise."""
    import json

    text = extract_marked(stdout, TARGET_BEGIN, TARGET_END)
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise TargetOutputError(Msg("the inspection result is not valid JSON: {error}",
                                    error=str(exc))) from None
    if not isinstance(value, dict):
        raise TargetOutputError(Msg("the inspection result is not a JSON object"))
    return value


def parse_python_version(text: str) -> tuple[int, ...] | None:
    """``(3, 11, 7)`` from ``python --version`` output (``Python 3.11.7``); None otherwise."""
    match = _VERSION_RE.search(text.strip())
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def distributions_from(records: Sequence[Any]) -> tuple[Distribution, ...]:
    """Typed distributions from the script's ``distributions`` list (bad rows skipped)."""
    found: list[Distribution] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        name, location = record.get("name"), record.get("location")
        if not isinstance(name, str) or not isinstance(location, str):
            continue
        version = record.get("version")
        installer = record.get("installer")
        index = record.get("path_index")
        found.append(
            Distribution(
                name=name,
                key=str(record.get("key") or normalise_name(name)),
                version=version if isinstance(version, str) else None,
                location=location,
                path_index=index if isinstance(index, int) else 0,
                installer=installer if isinstance(installer, str) else None,
            )
        )
    found.sort(key=lambda dist: dist.path_index)
    return tuple(found)


def too_old_message(version: str, python: str | None) -> str:
    """The reason given for interpreters older than 3.6."""
    major_minor = ".".join(version.split(".")[:2])
    if python:
        return Msg("Python {version} at {python} is too old to inspect; envcheck inspects 3.6+",
                   version=major_minor, python=python)
    return Msg("Python {version} is too old to inspect; envcheck inspects 3.6+",
               version=major_minor)


def inspection_time_limit(ctx: Context) -> float:
    """The longest the shared inspection can take: two commands of ``ctx.timeout_s`` each,
    plus a second, so probes waiting on it report its reason rather than their own overrun."""
    return 2 * ctx.timeout_s + 1.0


def inspect_target(ctx: Context) -> TargetInspection:
    """Inspect ``ctx.target_python`` once per context (memoised; safe from many threads)."""
    return ctx.memo.get(MEMO_KEY, lambda: _inspect(ctx))


def _inspect(ctx: Context) -> TargetInspection:
    python, chosen_by = ctx.target_python, ctx.target_chosen_by
    label = describe_target(python, chosen_by)
    if not python:
        return TargetInspection(python, chosen_by,
                                error=Msg("no target interpreter was chosen"))

    # `--version` first: it is harmless to whatever the path really is, and it keeps our source
    # off the stdin of a non-Python (a shell would execute it line by line).
    probe = ctx.run([python, "--version"])
    failure = _run_failure(probe, label, "--version", ctx.timeout_s)
    if failure:
        return TargetInspection(python, chosen_by, error=failure)
    version = parse_python_version(probe.stdout + "\n" + probe.stderr)
    if version is None or not probe.ok:
        said = (probe.stdout + probe.stderr).strip().splitlines()
        printed = (Msg("`--version` printed {output}", output=repr(said[0][:120])) if said
                   else Msg("`--version` printed nothing"))
        why = probe.describe_failure() or printed
        return TargetInspection(
            python, chosen_by,
            error=Msg("{label} is not a Python interpreter: {why}", label=label, why=why),
        )
    if version[:2] < MIN_PYTHON:
        text = ".".join(str(part) for part in version)
        return TargetInspection(
            python, chosen_by,
            data={"executable": python, "version": text, "too_old": True},
            error=too_old_message(text, python),
        )

    result = ctx.run([python, "-"], stdin_text=load_script("target_script.py"))
    failure = _run_failure(result, label, "script", ctx.timeout_s)
    if failure:
        return TargetInspection(python, chosen_by, error=failure)
    try:
        data = parse_target_output(result.stdout)
    except TargetOutputError as exc:
        why = result.describe_failure() or tool_output(_stderr_tail(result)) or exc.reason
        return TargetInspection(python, chosen_by,
                                error=Msg("inspecting {label} failed: {why}", label=label, why=why))
    if data.get("too_old"):
        text = str(data.get("version") or "?")
        return TargetInspection(python, chosen_by, data, too_old_message(text, python))
    return TargetInspection(python, chosen_by, data)


def _run_failure(result: CommandResult, label: str, task: str, limit_s: float) -> str | None:
    """Why the command could not run at all, or None when it ran (whatever its exit code).

    ``task`` is ``--version`` (the first run) or ``script`` (the inspection script)."""
    if result.error == "not_found":
        return Msg("{label} does not exist", label=label)
    if result.error == "permission":
        return Msg("{label} is not executable (permission denied)", label=label)
    if result.error == "timeout" and task == "--version":
        return Msg("{label} did not answer `--version` within {seconds} s (a sitecustomize "
                   "or .pth file that hangs at startup does this)", label=label,
                   seconds=f"{limit_s:g}")
    if result.error == "timeout":
        return Msg("{label} did not finish the inspection script within {seconds} s (a "
                   "sitecustomize or .pth file that hangs at startup does this)",
                   label=label, seconds=f"{limit_s:g}")
    if result.error is not None:
        return Msg("{label} could not be run: {reason}", label=label,
                   reason=tool_output(result.error_message or "") or result.error)
    return None


def _stderr_tail(result: CommandResult) -> str:
    lines = result.stderr.strip().splitlines()
    return lines[-1][:200] if lines else ""


class TargetUnavailable(RuntimeError):
    """Raised by probes that need the target inspection when it failed; the message says why."""


def require_inspection(ctx: Context) -> TargetInspection:
    """The shared inspection, or TargetUnavailable carrying the reason it failed."""
    inspection = inspect_target(ctx)
    if not inspection.ok:
        raise TargetUnavailable(
            inspection.error or Msg("the target interpreter could not be inspected"))
    return inspection
