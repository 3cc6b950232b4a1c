"""How torch got into the environment: install logs, resolver conflicts, the wrong interpreter.

A live doctor sees the result (which copies exist); a pasted report often shows the *act*
instead: pip uninstalling one torch and installing another for a package's requirement, pip's
resolver listing conflicts, conda and pip both installing torch, a Jupyter kernel or a pip that
belongs to another environment. Each is an ``env_conflict`` root cause that outranks the
CPU-build finding it may also produce (the CPU build is the consequence, the conflict the
thing to fix).

Category ``env_conflict``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.version import InvalidVersion, Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import ands, items, remarks
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_CPU_BUILD, RANK_CUDNN, RANK_ENV_CONFLICT, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.machine import gpu_trouble
from envcheck.rules.messages import pip_cmd, python_cmd, reinstall_fix
from envcheck.rules.registry import rule

_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})
_CONFLICT_EXPLAINS = frozenset(
    {
        "cuda_unavailable",
        "not_compiled_with_cuda",
        "cuda_unavailable_msg",
        "import_failed",
        "torchvision_nms",
        "torchvision_cuda_backend",
        "undefined_symbol",
        "module_missing",
        "torch_missing",
    }
)
# Conda installs whose base lives in these folders; an env is under <base>/envs/<name>.
_CONDA_BASE_RE = re.compile(
    r"(?:ana|mini)conda\d?|miniforge\d?|mambaforge|micromamba|\.conda", re.IGNORECASE
)


def _base(version: str) -> Version | None:
    try:
        return Version(Version(version).base_version)
    except InvalidVersion:
        return None


@rule("env_conflict.torch_replaced")
def torch_replaced(view: FactsView) -> list[Candidate]:
    """An install log (or the reporter) shows another package replacing torch's build."""
    replaced = view.dict_("packages.torch_replaced")
    said = view.claim_text("torch_replaced")
    if replaced is None and said is None:
        return []
    if replaced is not None:
        old, new = str(replaced.get("old", "?")), str(replaced.get("new", "?"))
        detail = Msg(
            "The install log shows pip uninstalling torch {old} and installing torch {new}: "
            "another package's requirement on torch made pip fetch a different torch (from "
            "PyPI, usually not the CUDA build you had chosen).",
            old=old,
            new=new,
        )
        severity = Severity.ERROR
    else:
        detail = Msg(
            'The report says an install replaced torch ("{said}"): installing another '
            "package's requirements let pip swap the torch build (often for PyPI's default, "
            "which is CPU-only on Windows).",
            said=said,
        )
        cpu = "cpu_torch" in view.claims or view.torch_is_cpu_build is True
        severity = Severity.ERROR if gpu_trouble(view) or cpu else Severity.WARNING
    return [
        Candidate(
            finding(
                id="env_conflict.torch_replaced",
                severity=severity,
                detail=detail,
                evidence=("packages.torch_replaced", "explain.claims", "torch.version"),
                fixes=(
                    Fix(
                        "Put back the torch build you want, then install other packages "
                        "without letting them change torch",
                        (
                            *reinstall_fix(view).commands,
                            f"{pip_cmd(view)} install --upgrade-strategy only-if-needed <package>",
                            f"{pip_cmd(view)} install --no-deps <package>   # if it still "
                            "pulls torch",
                        ),
                    ),
                ),
            ),
            RANK_CPU_BUILD - 2,
            _CONFLICT_EXPLAINS,
        )
    ]


def _is_cudnn(row: Mapping[str, object]) -> bool:
    return "cudnn" in str(row.get("requires", "")).lower()


def _is_cuda_library(row: Mapping[str, object]) -> bool:
    """A requirement on one of NVIDIA's CUDA library wheels (nvidia-cublas-cu12 ...)."""
    return str(row.get("requires", "")).lower().startswith("nvidia-")


def _library_rows(view: FactsView) -> list[Mapping[str, object]]:
    """Library-wheel conflicts that belong to the cuDNN finding: all of them when cuDNN's
    wheel is among them (another framework brought its own CUDA libraries), else none."""
    rows = [r for r in view.dicts("packages.requirement_conflicts") if _is_cuda_library(r)]
    return rows if any(_is_cudnn(r) for r in rows) else []


@rule("env_conflict.requirement_conflict")
def resolver(view: FactsView) -> list[Candidate]:
    """pip's resolver left torch-family requirements unmet (a cuDNN wheel: :func:`cudnn_wheel`)."""
    covered = _library_rows(view)
    rows = [
        row
        for row in view.dicts("packages.requirement_conflicts")
        if row not in covered
        and (
            str(row.get("package", "")).lower() in _FAMILY
            or str(row.get("have", "")).split(" ")[0].lower() in _FAMILY
        )
    ]
    if not rows:
        return []
    lines = remarks(
        [
            Msg(
                "{package} {version} requires {requires}, but {have} is installed",
                package=str(row.get("package")),
                version=str(row.get("version")),
                requires=str(row.get("requires")),
                have=str(row.get("have")),
            )
            for row in rows[:4]
        ]
    )
    return [
        Candidate(
            finding(
                id="env_conflict.requirement_conflict",
                severity=Severity.ERROR,
                detail=Msg(
                    "pip's resolver reports: {conflicts}. torch, torchvision and torchaudio "
                    "must be one matching set, from one index (one CUDA build).",
                    conflicts=lines,
                ),
                evidence=("packages.requirement_conflicts", "torch.version"),
                fixes=(
                    Fix(
                        "Install torch, torchvision and torchaudio together as one set for "
                        "one CUDA build",
                        reinstall_fix(view).commands,
                    ),
                ),
            ),
            RANK_ENV_CONFLICT - 5,
            _CONFLICT_EXPLAINS,
        )
    ]


@rule("cudnn.wheel_version_conflict")
def cudnn_wheel(view: FactsView) -> list[Candidate]:
    """pip replaced the cuDNN wheel torch pins (another package wanted another cuDNN)."""
    rows = _library_rows(view)
    if not rows:
        return []
    row = next(r for r in rows if _is_cudnn(r))
    others = [r for r in rows if r is not row]
    pinned = str(row.get("requires") or "nvidia-cudnn-cu12").split(";")[0].strip()
    return [
        Candidate(
            finding(
                id="cudnn.wheel_version_conflict",
                severity=Severity.ERROR,
                detail=sentences(
                    Msg(
                        "pip's resolver reports: {package} {version} requires {requires}, but "
                        "{have} is installed{also}.",
                        package=str(row.get("package")),
                        version=str(row.get("version")),
                        requires=str(row.get("requires")),
                        have=str(row.get("have")),
                        also=Msg(
                            " (and {others} replaced the CUDA library wheels torch pins)",
                            others=items(str(r.get("have")) for r in others[:3]),
                        )
                        if others
                        else "",
                    ),
                    Msg(
                        "torch loads the cuDNN of its own major version; another package "
                        "(TensorFlow, JAX, onnxruntime-gpu ...) made pip install a different "
                        "one into the same environment."
                    ),
                ),
                evidence=("packages.requirement_conflicts", "cudnn.wheels", "errors.seen"),
                fixes=(
                    Fix(
                        "Put back the cuDNN torch pins, and keep frameworks that need another "
                        "cuDNN in their own environment",
                        (f"{pip_cmd(view)} install --force-reinstall '{pinned}'",),
                    ),
                ),
            ),
            RANK_CUDNN - 1,
            frozenset({"cudnn_load", "import_failed"}),
        )
    ]


@rule("env_conflict.conda_and_pip_torch")
def conda_pip_versions(view: FactsView) -> list[Candidate]:
    """conda's pytorch and a pip torch in one environment: pip (or uv) last wrote torch's
    files, the torch that runs is another version than conda lists, or the report says so."""
    pytorch = view.conda_packages.get("pytorch")
    pip_torch = view.str_("torch.runtime_version") or view.str_("torch.version")
    installer = (view.str_("torch.installer") or "").lower()
    written_by_pip = pytorch is not None and installer in ("pip", "uv")
    two = view.claim_text("two_torch")
    differ = False
    if pytorch is not None and pip_torch:
        conda_version = _base(str(pytorch.get("version") or ""))
        pip_version = _base(pip_torch)
        differ = None not in (conda_version, pip_version) and conda_version != pip_version
    if not (differ or written_by_pip) and two is None:
        return []
    serious = (
        two is not None
        or gpu_trouble(view)
        or view.torch_is_cpu_build is True
        or view.str_("torch.import_error") is not None
    )
    if written_by_pip and not differ and pytorch is not None:
        detail = Msg(
            "conda lists pytorch {version} ({channel}), but the torch files were last written "
            "by {installer} ({torch}). The two overwrite each other's files and conda's CUDA "
            "libraries may not match pip's torch.",
            version=str(pytorch.get("version") or "?"),
            channel=str(pytorch.get("channel") or "?"),
            installer=installer,
            torch=view.torch_text,
        )
    elif differ and pytorch is not None:
        detail = Msg(
            "conda lists pytorch {version} (build {build}) while pip sees torch {pip_torch} in "
            "the same environment: two installs of torch overwrite each other's files, and "
            "which one runs is an accident.",
            version=str(pytorch.get("version")),
            build=str(pytorch.get("build") or "?"),
            pip_torch=pip_torch,
        )
    else:
        detail = Msg(
            'The report says two torch versions ended up in one environment ("{said}"): a '
            "conda pytorch and a pip torch (pulled by a requirements file) overwrite each "
            "other's files.",
            said=two,
        )
    return [
        Candidate(
            finding(
                id="env_conflict.conda_and_pip_torch",
                severity=Severity.ERROR if serious else Severity.WARNING,
                detail=detail,
                evidence=("packages.conda", "torch.installer", "torch.version", "explain.claims"),
                fixes=(
                    Fix(
                        "Keep one torch: remove both, then install the CUDA build once, with "
                        "pip, in the version the project's requirements ask for",
                        (
                            "conda remove --force pytorch torchvision torchaudio cpuonly",
                            f"{pip_cmd(view)} uninstall -y torch torchvision torchaudio",
                            *reinstall_fix(view).commands,
                        ),
                    ),
                ),
            ),
            RANK_CPU_BUILD - 1 if serious else RANK_ENV_CONFLICT,
            _CONFLICT_EXPLAINS,
        )
    ]


def _builds_differ(view: FactsView) -> bool:
    """The report prints torch more than once, with different versions or builds."""
    note = view.note("torch.version")
    return (" says " in note and "kept" in note) or "builds_differ" in view.claims


def _prefix(path: str) -> str:
    """The environment a python executable or site-packages path belongs to."""
    text = path.replace("\\", "/").rstrip("/")
    text = re.sub(r"/(?:bin|Scripts)/python[\w.]*(?:\.exe)?$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"/python[\w.]*\.exe$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"/lib/python\d\.\d{1,2}$|/Lib$", "", text, flags=re.IGNORECASE)
    return text.lower()


def _is_conda_base(prefix: str) -> bool:
    parts = prefix.split("/")
    return bool(parts) and bool(_CONDA_BASE_RE.fullmatch(parts[-1])) and "envs" not in parts


@rule("env_conflict.wrong_interpreter")
def interpreters(view: FactsView) -> list[Candidate]:
    """Packages installed for one interpreter while another runs the code."""
    prefixes: list[str] = []
    for path in view.strs("python.executables_seen"):
        prefix = _prefix(path)
        if prefix not in prefixes:
            prefixes.append(prefix)
    missing = view.signature_kinds & {"module_missing", "torch_missing"}
    context = bool(missing) or gpu_trouble(view) or _builds_differ(view)
    if len(prefixes) >= 2 and context:
        detail = Msg(
            "The report shows more than one Python: {pythons}. Packages installed into one "
            "are invisible to the other; the program (or the Jupyter kernel) runs the one "
            "where they are missing.",
            pythons=ands(view.strs("python.executables_seen")[:3]),
        )
    elif len(prefixes) == 1 and _is_conda_base(prefixes[0]) and "created_env" in view.claims:
        detail = Msg(
            "pip runs from conda's base ({prefix}), not from the environment you created: the "
            "new environment has no pip of its own, so `pip install` put the packages into "
            "base.",
            prefix=prefixes[0],
        )
    else:
        return []
    return [
        Candidate(
            finding(
                id="env_conflict.wrong_interpreter",
                severity=Severity.ERROR,
                detail=detail,
                evidence=("python.executables_seen", "errors.seen", "explain.claims"),
                fixes=(
                    Fix(
                        "Install with the interpreter that runs the code (never a bare pip)",
                        (
                            'python -c "import sys; print(sys.executable)"',
                            "python -m pip install <package>",
                        ),
                    ),
                    Fix(
                        "For conda, give the environment its own pip; for Jupyter, register "
                        "the environment as a kernel and pick it",
                        (
                            "conda install -n <env> pip",
                            "python -m pip install ipykernel",
                            "python -m ipykernel install --user --name <env>",
                        ),
                    ),
                ),
            ),
            RANK_ENV_CONFLICT - 5,
            _CONFLICT_EXPLAINS,
        )
    ]


# The per-user site-packages of pip's --user installs (Linux/macOS, Windows, macOS framework).
_USER_SITE_RE = re.compile(
    r"[\\/]\.local[\\/]lib[\\/]python\d|[\\/]AppData[\\/]Roaming[\\/]Python[\\/]|"
    r"[\\/]Library[\\/]Python[\\/]\d",
    re.IGNORECASE,
)


@rule("env_conflict.user_site_packages")
def user_site_torch(view: FactsView) -> list[Candidate]:
    """torch is imported from the user site (``pip install --user``) inside an environment."""
    location = view.str_("torch.location")
    if location is None or not _USER_SITE_RE.search(location):
        return []
    env_type = view.str_("python.env_type")
    in_env = (
        env_type in ("conda", "venv", "virtualenv", "uv")
        or bool(view.conda_packages)
        or any("/envs/" in p.replace("\\", "/") for p in view.strs("python.executables_seen"))
    )
    if not in_env:
        return []
    conda = view.conda_packages.get("pytorch")
    imported = view.str_("torch.runtime_version") or view.str_("torch.version") or ""
    differs = conda is not None and not imported.startswith(str(conda.get("version")))
    detail = Msg(
        "torch is imported from {location}, the user site that `pip install --user` fills; it "
        "comes before the environment's own packages on sys.path, so the environment's "
        "torch{conda} is never used.",
        location=location,
        conda=Msg(" (conda's pytorch {version})", version=str(conda.get("version")))
        if conda is not None
        else "",
    )
    return [
        Candidate(
            finding(
                id="env_conflict.user_site_packages",
                severity=Severity.ERROR if differs or gpu_trouble(view) else Severity.WARNING,
                detail=detail,
                evidence=("torch.location", "packages.conda", "python.env_type"),
                fixes=(
                    Fix(
                        "Remove the user-site copy (run with the same Python), or stop Python "
                        "from reading the user site",
                        (
                            f"{python_cmd(view)} -m pip uninstall torch   # the ~/.local copy",
                            "export PYTHONNOUSERSITE=1",
                        ),
                    ),
                ),
            ),
            RANK_ENV_CONFLICT - 6,
            _CONFLICT_EXPLAINS,
        )
    ]


__all__ = [
    "conda_pip_versions",
    "cudnn_wheel",
    "interpreters",
    "resolver",
    "torch_replaced",
    "user_site_torch",
]
