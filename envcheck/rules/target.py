"""The interpreter to inspect could not be used (category ``target``), or is too old for torch.

Only ``doctor`` reports these: it records ``python.chosen_by``; a pasted report has no target.
Without a usable target nothing about packages or torch can be known, so this finding explains
the probes that failed for want of it (their symptom ``target_unusable``).
"""

from __future__ import annotations

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences, written
from envcheck.model import Finding, Fix, Severity
from envcheck.rules.engine import RANK_PYTHON, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import quote, upper_first
from envcheck.rules.registry import rule
from envcheck.rules.tables import major_minor, python_bounds, suggested_python

TARGET_UNUSABLE = "target_unusable"
"""Symptom of probes that failed because the target could not be inspected."""


@rule("target.unusable", "python_unsupported.too_old")
def target_rules(view: FactsView) -> list[Candidate]:
    """target.unusable / python_unsupported.too_old: no inspectable target interpreter."""
    chosen_by = view.str_("python.chosen_by")
    if chosen_by is None or view.str_("python.env_type") is not None:
        return []
    exe = view.str_("python.executable")
    note = view.note("python.env_type")
    reason = written(note) if note else Msg("the target interpreter could not be inspected")
    version = view.version("python.version")
    explains = frozenset({TARGET_UNUSABLE})
    if version is not None:
        oldest, newest = python_bounds()
        if major_minor(version) < oldest:
            return [Candidate(_too_old(view, exe, version, oldest, newest), RANK_PYTHON, explains)]
    return [Candidate(_unusable(view, exe, chosen_by, reason), RANK_PYTHON, explains)]


def _too_old(view: FactsView, exe: str | None, version: object, oldest: object,
             newest: object) -> Finding:
    detail = (
        Msg("{python} is Python {version}; PyTorch has wheels for Python {oldest} to {newest}, "
            "and envcheck inspects Python 3.6 and newer.",
            python=exe, version=str(version), oldest=str(oldest), newest=str(newest))
        if exe
        else Msg("The target interpreter is Python {version}; PyTorch has wheels for Python "
                 "{oldest} to {newest}, and envcheck inspects Python 3.6 and newer.",
                 version=str(version), oldest=str(oldest), newest=str(newest))
    )
    return finding(
        id="python_unsupported.too_old",
        severity=Severity.ERROR,
        title=Msg("Python {version} is too old for PyTorch", version=str(version)),
        detail=detail,
        evidence=("python.executable", "python.version"),
        fixes=(_new_env_fix(view, str(suggested_python())),),
    )


def _unusable(view: FactsView, exe: str | None, chosen_by: str, reason: str) -> Finding:
    fixes: list[Fix] = []
    windows = view.os_name == "windows"
    if chosen_by == "VIRTUAL_ENV":
        fixes.append(Fix(
            "The active virtual environment is broken or gone: leave it, or recreate it",
            ("deactivate", "python -m venv --clear <path of the venv>"),
        ))
    elif chosen_by == "CONDA_PREFIX":
        fixes.append(Fix("The active conda environment has no usable Python: leave it",
                         ("conda deactivate",)))
    example = r"C:\path\to\env\Scripts\python.exe" if windows else "/path/to/env/bin/python"
    fixes.append(Fix(
        "Point --python at the Python interpreter of the environment to check",
        (f"envcheck doctor --python {quote(example, view.os_name)}",),
    ))
    return finding(
        id="target.unusable",
        severity=Severity.ERROR,
        detail=sentences(
            Msg("{reason}, so envcheck could not see its packages or whether torch works there.",
                reason=upper_first(reason)),
            Msg("(Chosen by {option}.)", option=chosen_by) if chosen_by != "--python" else "",
        ),
        evidence=("python.executable", "python.chosen_by"),
        fixes=tuple(fixes),
    )


def _new_env_fix(view: FactsView, python: str) -> Fix:
    venv = (rf"py -{python} -m venv .venv" if view.os_name == "windows"
            else f"python{python} -m venv .venv")
    return Fix(
        Msg("Create an environment with Python {python} and install torch there", python=python),
        (venv, f"conda create -n torch python={python}"),
    )
