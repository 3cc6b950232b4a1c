"""Python versions and builds that torch publishes no wheel for.

Category ``python_unsupported`` (a target interpreter too old to inspect: :mod:`.target`).
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_PYTHON, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import (
    reinstall_fix,
    reinstall_torch,
    upper_first,
)
from envcheck.rules.registry import rule
from envcheck.rules.tables import (
    major_minor,
    newest_torch,
    newest_torch_for_python,
    parse_version,
    python_bounds,
    python_range,
)

_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})


def _spec_version(spec: str) -> Version | None:
    try:
        specifier = SpecifierSet(spec.replace(" ", ""))
    except InvalidSpecifier:
        return None
    for item in specifier:
        if item.operator in ("==", "==="):
            return parse_version(item.version.rstrip(".*"))
    return None


@rule(
    "python_unsupported.32_bit",
    "python_unsupported.macos_x86_64",
    "python_unsupported.no_wheel_for_python",
    "python_unsupported.too_new",
    "python_unsupported.too_old",
    "python_unsupported.torch_not_built_for_python",
    "python_unsupported.no_matching_distribution",
)
def python_rules(view: FactsView) -> list[Candidate]:
    """python_unsupported.*: 32-bit Python, or a Python no torch wheel exists for."""
    out: list[Candidate] = []
    python = view.version("python.version")
    bits = view.int_("python.bits")
    no_dist = [
        s
        for kind in ("no_matching_distribution", "no_wheel_for_platform", "conda_python_conflict")
        for s in view.signatures_of(kind)
        if s.data.get("package", "") in _TORCH_FAMILY
    ]
    missing = "torch_missing" in view.signature_kinds or (
        view.torch is None and "torch.version" in view.facts
    )
    explains = frozenset(
        {"torch_missing", "no_matching_distribution", "conda_python_conflict", "import_failed"}
    )
    if bits == 32:
        out.append(
            Candidate(
                finding(
                    id="python_unsupported.32_bit",
                    severity=Severity.ERROR,
                    detail=f"{view.str_('python.executable') or 'The interpreter'} is a 32-bit "
                    f"Python {python or ''}; PyTorch publishes no 32-bit builds, so pip finds no "
                    "torch for it.",
                    evidence=("python.bits", "python.platform_tag"),
                    fixes=(
                        Fix(
                            "Install a 64-bit Python and create the environment with it",
                            (),
                            "https://www.python.org/downloads/",
                        ),
                    ),
                ),
                RANK_PYTHON,
                explains,
            )
        )
        return out
    out.extend(_macos_intel(view, bool(missing or no_dist)))
    if out:
        return out
    if python is None:
        if no_dist:
            out.append(_no_distribution(view, no_dist[0].data, None))
        return out
    py = major_minor(python)
    oldest, newest = python_bounds()
    torch = view.torch
    import_failed = view.str_("torch.import_error") is not None
    wanted: Version | None = None
    for sig in no_dist:
        wanted = _spec_version(sig.data.get("spec", "")) or wanted
    if wanted is not None:
        rng = python_range(wanted)
        if rng is not None and not rng[0] <= py <= rng[1]:
            newest_text = _newest_text(py, view)
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.no_wheel_for_python",
                        severity=Severity.ERROR,
                        title=f"torch {wanted} has no wheels for Python {py}",
                        detail=f"torch {wanted} was published for Python {rng[0]}–{rng[1]}; "
                        f"this is Python {python}.{newest_text}",
                        evidence=("python.version", "errors.seen"),
                        fixes=(
                            Fix(
                                f"Use a torch release that supports Python {py}",
                                reinstall_fix(view).commands,
                            ),
                            Fix(
                                f"Or create the environment with Python {rng[1]}",
                                (
                                    f"uv venv --python {rng[1]}",
                                    f"conda create -n torch python={rng[1]}",
                                ),
                            ),
                        ),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
            return out
    if (missing or no_dist or import_failed) and (py > newest or py < oldest):
        too_new = py > newest
        out.append(
            Candidate(
                finding(
                    id="python_unsupported.too_new" if too_new else "python_unsupported.too_old",
                    severity=Severity.ERROR,
                    title=f"No torch release has wheels for Python {py}",
                    detail=(
                        f"Python {python} is newer than any torch release known to envcheck "
                        f"(torch {newest_torch()} supports Python up to {newest})."
                        if too_new
                        else f"Python {python} is older than any torch release known to "
                        f"envcheck (the oldest have wheels for Python ≥ {oldest})."
                    ),
                    evidence=("python.version", "torch.version", "errors.seen"),
                    fixes=(
                        Fix(
                            "Create the environment with a supported Python",
                            ("uv venv --python 3.12", "conda create -n torch python=3.12"),
                        ),
                    ),
                ),
                RANK_PYTHON,
                explains,
            )
        )
        return out
    if torch is not None and import_failed:
        rng = python_range(torch)
        if rng is not None and not rng[0] <= py <= rng[1]:
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.torch_not_built_for_python",
                        severity=Severity.ERROR,
                        title=f"{view.torch_text} was not built for Python {py}",
                        detail=f"torch {torch.base_version} has wheels for Python "
                        f"{rng[0]}–{rng[1]}; this is Python {python}, and importing it fails.",
                        evidence=("python.version", "torch.version", "torch.import_error"),
                        fixes=(reinstall_fix(view),),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
            return out
    if missing and not no_dist:
        best = newest_torch_for_python(py)
        if best is not None and best < Version("2.0"):
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.too_old",
                        severity=Severity.WARNING,
                        title=f"Python {py} can only get torch {best} or older",
                        detail=f"torch 2.x needs Python ≥ 3.8; with Python {python} the newest "
                        f"torch is {best}.",
                        evidence=("python.version", "torch.version"),
                        fixes=(
                            Fix(
                                "Create the environment with a newer Python",
                                ("uv venv --python 3.12", "conda create -n torch python=3.12"),
                            ),
                        ),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
    if no_dist and not out:
        out.append(_no_distribution(view, no_dist[0].data, python))
    return out


def _newest_text(py: Version, view: FactsView) -> str:
    """" The newest torch for Python 3.12 is …": the release the fix installs, so text and fix
    agree; when a newer line has wheels but the fix picks an older release (its builds are
    unconfirmed, or none fits this machine), both are named."""
    best = newest_torch_for_python(py)
    chosen = reinstall_torch(view)
    if chosen is None:
        return f" The newest torch for Python {py} is {best}." if best else ""
    line = parse_version(chosen)
    if best is None or line is None or major_minor(line) == best:
        return f" The newest torch for Python {py} is {chosen}."
    return (
        f" torch {best} has wheels for Python {py}, but the fix below installs {chosen}: the "
        "newest release whose builds for this machine the tables confirm."
    )


def _macos_intel(view: FactsView, torch_wanted: bool) -> list[Candidate]:
    """An x86_64 Python on macOS: torch stopped macOS x86_64 wheels after 2.2.2 (a1 notes)."""
    tag = (view.str_("python.platform_tag") or "").lower()
    machine = (view.str_("os.arch") or "").lower()
    # python.org's universal2 builds run as x86_64 on an Intel Mac.
    intel = tag.endswith("x86_64") or (tag.endswith("universal2") and machine == "x86_64")
    if view.os_name != "darwin" or not intel:
        return []
    rosetta = machine in ("arm64", "aarch64")
    if not rosetta and not torch_wanted:
        return []
    where = " running under Rosetta on Apple silicon" if rosetta else ""
    if rosetta:
        fix = Fix(
            "Create the environment with a native arm64 Python",
            ("uv venv --python 3.12", "conda create -n torch python=3.12"),
        )
    else:
        # An Intel Mac cannot run an arm64 Python: the last x86_64 wheels are what it gets.
        fix = reinstall_fix(view)
    return [
        Candidate(
            finding(
                id="python_unsupported.macos_x86_64",
                severity=Severity.ERROR if torch_wanted else Severity.WARNING,
                detail=f"{view.str_('python.executable') or 'The interpreter'} is an x86_64 "
                f"Python{where} ({tag}); PyTorch published macOS x86_64 wheels only up to 2.2.2"
                + (", and the MPS GPU backend needs a native arm64 Python." if rosetta else "."),
                evidence=("python.platform_tag", "os.arch", "os.name"),
                fixes=(fix,),
            ),
            RANK_PYTHON,
            frozenset(
                {"torch_missing", "no_matching_distribution", "no_wheel_for_platform",
                 "conda_python_conflict", "import_failed"}
            ),
        )
    ]


def _sentence(text: str) -> str:
    """``text`` as a sentence: first letter upper-cased, a full stop added ('' stays '')."""
    return upper_first(text) + "." if text else ""


def _no_distribution(view: FactsView, data: Mapping[str, str], python: Version | None) -> Candidate:
    package = data.get("package", "torch")
    spec = data.get("spec", "")
    reasons: list[str] = []
    mirror = view.str_("pip.mirror")
    if "+cu" in spec or "+cpu" in spec:
        reasons.append(
            "local versions like +cu121 exist only on download.pytorch.org, not on PyPI"
            + (f" or the {mirror} mirror" if mirror and mirror != "pytorch" else "")
        )
    machine = (view.str_("os.arch") or "").lower()
    if view.os_name == "darwin" and machine in ("x86_64", "amd64"):
        reasons.append("macOS x86_64 wheels stop at torch 2.2.2")
    if not reasons:
        reasons.append(
            "no wheel matches this Python, OS and CPU architecture, or the index in use "
            "does not carry it"
        )
    where = []
    if python is not None:
        where.append(f"Python {python}")
    if view.os_name:
        where.append(view.os_name)
    if machine:
        where.append(machine)
    return Candidate(
        finding(
            id="python_unsupported.no_matching_distribution",
            severity=Severity.ERROR,
            title=f"pip finds no {package}{spec} for this platform",
            detail=f'pip: "No matching distribution found for {package}{spec}"'
            + (f" ({', '.join(where)})" if where else "")
            + ". "
            + _sentence("; ".join(reasons)),
            evidence=("errors.seen", "python.version", "os.arch", "pip.index_url"),
            fixes=(reinstall_fix(view),),
        ),
        RANK_PYTHON,
        frozenset(
            {"no_matching_distribution", "no_wheel_for_platform", "conda_python_conflict",
             "torch_missing"}
        ),
    )
