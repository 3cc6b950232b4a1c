"""Which Python environment is inspected: interpreter, kind of environment, user site.

Reads the shared target inspection (:mod:`envcheck.probes.target`); the equivalent by hand is
``python -c "import sys, site; print(sys.prefix, sys.base_prefix, site.ENABLE_USER_SITE)"``
plus a look for ``conda-meta/`` and ``pyvenv.cfg`` in the prefix.

Facts: python.executable, python.version, python.bits, python.implementation,
python.platform_tag, python.env_type, python.env_name, python.prefix, python.base_prefix,
python.conda_base, python.user_site_enabled, python.user_site, python.user_site_packages,
python.chosen_by.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath, PureWindowsPath
from typing import Any, ClassVar

from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.i18n_lists import clauses
from envcheck.model import ProbeOutcome
from envcheck.parsers.paths import norm_path
from envcheck.probes.base import Facts, Probe, quoted, tool_output
from envcheck.probes.target import (
    Distribution,
    TargetInspection,
    inspect_target,
    inspection_time_limit,
)

USER_SITE_FAMILY = frozenset(
    {"torch", "torchvision", "torchaudio", "xformers", "triton", "pytorch-triton", "numpy"}
)
"""Distributions that break a GPU environment when a stale copy sits in the user site."""

_PYENV_VERSION_RE = re.compile(r"[\\/]\.?pyenv(?:[\\/]pyenv-win)?[\\/]versions[\\/]([^\\/]+)")


@dataclass(frozen=True)
class EnvironmentKind:
    """What kind of environment a prefix is, its name and conda's base (when conda)."""

    env_type: str
    """venv, virtualenv, conda, uv, pyenv or system."""
    env_name: str | None
    conda_base: str | None




def _same_path(a: object, b: object) -> bool:
    return isinstance(a, str) and isinstance(b, str) and bool(a) and norm_path(a) == norm_path(b)


def _basename(path: str) -> str:
    pure = PureWindowsPath(path) if "\\" in path else PurePath(path)
    return pure.name


def _parent(path: str, levels: int = 1) -> str:
    pure = PureWindowsPath(path) if "\\" in path else PurePath(path)
    for _ in range(levels):
        pure = pure.parent
    return str(pure)


def find_conda_base(data: Mapping[str, Any]) -> str | None:
    """conda's base prefix: the prefix itself when it has ``condabin/``, the folder above
    ``envs/``, else from ``CONDA_EXE`` (``<base>/bin/conda``) or ``_CONDA_ROOT``."""
    conda = data.get("conda") or {}
    env = data.get("env") or {}
    prefix = data.get("prefix")
    if conda.get("has_condabin") and conda.get("meta_dir") and isinstance(prefix, str):
        return prefix
    if conda.get("in_envs_dir") and isinstance(conda.get("envs_base"), str):
        return str(conda["envs_base"])
    conda_exe = env.get("CONDA_EXE")
    if isinstance(conda_exe, str) and conda_exe:
        return _parent(conda_exe, 2)
    root = env.get("_CONDA_ROOT")
    return root if isinstance(root, str) and root else None


def classify_environment(data: Mapping[str, Any]) -> EnvironmentKind:
    """Decide the environment type from the target script's result (pure).

    conda when ``conda-meta/`` is in the prefix; uv or virtualenv when ``pyvenv.cfg`` says so
    (``uv = 0.4.0``, ``virtualenv = 20.25.0``); venv when the prefix differs from the base
    prefix (or old virtualenv's ``sys.real_prefix`` is set); pyenv when the interpreter lives
    under ``.pyenv/versions``; otherwise system.
    """
    prefix = str(data.get("prefix") or "")
    base_prefix = str(data.get("base_prefix") or prefix)
    cfg = data.get("pyvenv_cfg") or {}
    conda = data.get("conda") or {}
    env = data.get("env") or {}

    if conda.get("meta_dir"):
        base = find_conda_base(data)
        if base and _same_path(base, prefix):
            name: str | None = "base"
        elif _same_path(env.get("CONDA_PREFIX"), prefix) and env.get("CONDA_DEFAULT_ENV"):
            name = _basename(str(env["CONDA_DEFAULT_ENV"])) or str(env["CONDA_DEFAULT_ENV"])
        else:
            name = _basename(prefix) or None
        return EnvironmentKind("conda", name, base)
    venv_name = _basename(prefix) or None
    if "uv" in cfg:
        return EnvironmentKind("uv", venv_name, None)
    if "virtualenv" in cfg or data.get("real_prefix"):
        return EnvironmentKind("virtualenv", venv_name, None)
    if cfg or not _same_path(prefix, base_prefix):
        return EnvironmentKind("venv", venv_name, None)
    for candidate in (base_prefix, str(data.get("exec_realpath") or "")):
        match = _PYENV_VERSION_RE.search(candidate)
        if match:
            return EnvironmentKind("pyenv", match.group(1), None)
    return EnvironmentKind("system", None, None)


def user_site_packages(
    distributions: tuple[Distribution, ...], user_site: str | None
) -> list[dict[str, str | None]]:
    """Torch-family (and nvidia-*) distributions installed in the user site (pure)."""
    if not user_site:
        return []
    return [
        {"name": dist.name, "version": dist.version}
        for dist in distributions
        if _same_path(dist.location, user_site)
        and (dist.key in USER_SITE_FAMILY or dist.key.startswith("nvidia-"))
    ]


_INTERPRETER_KEYS = (
    ("python.version", "version", str),
    ("python.bits", "bits", int),
    ("python.implementation", "implementation", str),
    ("python.platform_tag", "platform_tag", str),
    ("python.prefix", "prefix", str),
    ("python.base_prefix", "base_prefix", str),
)


class PythonEnvProbe(Probe):
    """The target interpreter and its environment (venv, conda, uv, pyenv, system)."""

    id: ClassVar[str] = "python_env"
    title: ClassVar[str] = Msg("Python environment")
    inspects: ClassVar[str] = Msg("the target Python environment")
    for_recommend: ClassVar[bool] = True
    per_target: ClassVar[bool] = True

    def timeout(self, ctx: Context) -> float:
        """Long enough for the shared inspection (two interpreter runs) to report its reason."""
        return inspection_time_limit(ctx)

    def run(self, ctx: Context) -> ProbeOutcome:
        """Read the shared target inspection; unknowns carry the inspection's failure."""
        inspection = inspect_target(ctx)
        facts = Facts()
        facts.set("python.chosen_by", ctx.target_chosen_by)
        executable = inspection.get("executable") or inspection.python
        if executable:
            facts.set("python.executable", executable)
        else:
            facts.unknown("python.executable", inspection.error or Msg("no target interpreter"))
        if not inspection.ok:
            return self._failed(inspection, facts)
        data = inspection.data or {}
        errors = data.get("errors") or {}
        for key, field, wanted in _INTERPRETER_KEYS:
            value = data.get(field)
            if isinstance(value, wanted) and not isinstance(value, bool):
                facts.set(key, value)
            else:
                facts.unknown(key, _section_note(errors, "interpreter"))

        kind = classify_environment(data)
        facts.set("python.env_type", kind.env_type)
        if kind.env_name:
            facts.set("python.env_name", kind.env_name)
        else:
            facts.unknown("python.env_name", Msg("a {env_type} interpreter has no env name",
                                                 env_type=kind.env_type))
        if kind.conda_base:
            facts.set("python.conda_base", kind.conda_base)
        elif kind.env_type == "conda":
            facts.unknown("python.conda_base", Msg("conda's base prefix could not be found"))
        else:
            facts.unknown("python.conda_base", Msg("not a conda environment"))

        enabled, user_site = data.get("enable_user_site"), data.get("user_site")
        if isinstance(enabled, bool):
            facts.set("python.user_site_enabled", enabled)
        else:
            facts.unknown("python.user_site_enabled", _section_note(errors, "user_site"))
        if isinstance(user_site, str):
            facts.set("python.user_site", user_site)
        else:
            facts.unknown("python.user_site", _section_note(errors, "user_site"))
        if "distributions" in errors:
            facts.unknown("python.user_site_packages", _section_note(errors, "distributions"))
        else:
            site = user_site if enabled and isinstance(user_site, str) else None
            facts.set("python.user_site_packages",
                      user_site_packages(inspection.distributions, site))
        name = f" {kind.env_name}" if kind.env_name else ""
        summary = clauses((quoted(f"Python {data.get('version', '?')}"),
                           quoted(f"{kind.env_type}{name}")))  # names and versions: data
        return facts.outcome(summary)

    def _failed(self, inspection: TargetInspection, facts: Facts) -> ProbeOutcome:
        reason = inspection.error or Msg("the target interpreter could not be inspected")
        version = inspection.get("version")
        if isinstance(version, str):
            facts.set("python.version", version)
        else:
            facts.unknown("python.version", reason)
        for key in (
            "python.bits", "python.implementation", "python.platform_tag", "python.env_type",
            "python.env_name", "python.prefix", "python.base_prefix", "python.conda_base",
            "python.user_site_enabled", "python.user_site", "python.user_site_packages",
        ):
            facts.unknown(key, reason)
        return facts.outcome(reason)


def _section_note(errors: Mapping[str, Any], section: str) -> str:
    error = errors.get(section)
    if error:
        return Msg("the inspection script could not read it ({section}: {error})",
                   section=section, error=tool_output(str(error)))
    return Msg("the inspection script did not report it")
