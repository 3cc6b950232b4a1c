"""The CUDA toolkit (nvcc) that extension builds would use, against torch and the GPU.

Category ``nvcc_mismatch``. These matter only when something is compiled against torch
(``pip install flash-attn``, a ``setup.py`` with CUDAExtension, ``torch.utils.cpp_extension``),
so they are warnings unless the user's own error shows a build failed.
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_NVCC, Candidate
from envcheck.rules.facts_view import FactsView, cc_text, parse_cc
from envcheck.rules.messages import URL_TOOLKIT_ARCHIVE, quote
from envcheck.rules.registry import rule
from envcheck.rules.tables import arch_for, arch_list_from_env, major_minor, parse_version
from envcheck.rules.torch_build import coverage


def _builds_use(build: Version, nvcc: str | None) -> str:
    """``Builds use nvcc 11.8 (/usr/local/cuda-11.8/bin/nvcc)``."""
    if nvcc:
        return Msg("Builds use nvcc {version} ({path})", version=str(build), path=nvcc)
    return Msg("Builds use nvcc {version}", version=str(build))


def _installs(view: FactsView) -> list[tuple[str, Version]]:
    out: list[tuple[str, Version]] = []
    for item in view.dicts("cuda_toolkit.installs"):
        path = item.get("path")
        version = parse_version(item.get("version"))
        if isinstance(path, str) and version is not None:
            out.append((path, version))
    return out


def _use_toolkit_fix(view: FactsView, wanted: Version) -> Fix:
    """Point CUDA_HOME at an installed toolkit of the wanted major, or install one."""
    for path, version in _installs(view):
        if version.major == wanted.major:
            if view.os_name == "windows":
                return Fix(
                    Msg("Use the installed CUDA {version} toolkit for builds",
                        version=str(version)),
                    (
                        f"set CUDA_HOME={quote(path, 'windows')}",
                        f"set PATH={quote(path, 'windows')}\\bin;%PATH%",
                    ),
                )
            return Fix(
                Msg("Use the installed CUDA {version} toolkit for builds", version=str(version)),
                (f"export CUDA_HOME={quote(path, 'linux')}", 'export PATH="$CUDA_HOME/bin:$PATH"'),
            )
    commands: tuple[str, ...] = ()
    if view.str_("python.env_type") == "conda":
        commands = (f"conda install -c nvidia cuda-toolkit={major_minor(wanted)}",)
    return Fix(
        Msg("Install the CUDA {version} toolkit and point CUDA_HOME at it",
            version=str(major_minor(wanted))),
        commands,
        URL_TOOLKIT_ARCHIVE,
    )


_MISSING_TOOLKIT_KINDS = frozenset({"cuda_home_not_set", "nvcc_not_found", "cuda_header_missing"})


def _missing_toolkit(view: FactsView) -> tuple[str, Severity] | None:
    """What the build said when it found no toolkit (quoted for the finding), or None.

    "nvcc: not found" alone is only a warning: people run ``nvcc -V`` while checking a
    machine whose torch needs no toolkit at all; it is an error when a build is under way.
    """
    if "cuda_home_not_set" in view.signature_kinds:
        return (
            Msg('"CUDA_HOME environment variable is not set": no nvcc on PATH and no CUDA_HOME'),
            Severity.ERROR,
        )
    header = view.signature("cuda_header_missing")
    if header is not None:
        name = header.data.get("header") or Msg("a CUDA header")
        return (Msg("{header} not found: the compiler sees no CUDA toolkit", header=name),
                Severity.ERROR)
    if "nvcc_not_found" in view.signature_kinds:
        building = "ext_build" in view.claims
        return (
            Msg('"nvcc: not found": no CUDA compiler on PATH or under CUDA_HOME'),
            Severity.ERROR if building else Severity.WARNING,
        )
    return None


def _versions(view: FactsView) -> tuple[Version | None, Version | None]:
    """(the build toolkit's CUDA, torch's CUDA); an extension build's mismatch message, when
    the user hit one, names both and wins."""
    torch_cuda = view.torch_cuda
    build = view.version("cuda_toolkit.build_version") or view.version("cuda_toolkit.nvcc_version")
    sig = view.signature("cuda_version_mismatch_ext")
    if sig is not None:
        build = parse_version(sig.data.get("detected")) or build
        torch_cuda = parse_version(sig.data.get("torch")) or torch_cuda
    return build, torch_cuda


def _severity(view: FactsView) -> Severity:
    """How much a toolkit mismatch matters here.

    A mismatch matters only to someone who compiles against torch. Doctor finding the
    toolkit on this machine (a path), or build variables being set, makes it a warning; a
    bare version (e.g. "CUDA runtime version" in a pasted collect_env) only info; a build
    that stopped on it, an error.
    """
    sig = view.signature("cuda_version_mismatch_ext")
    building = sig is not None or any(
        view.has(key)
        for key in (
            "cuda_toolkit.build_nvcc",
            "cuda_toolkit.nvcc_path",
            "cuda_toolkit.cuda_home",
            "env.cuda_home",
            "env.torch_cuda_arch_list",
        )
    )
    return Severity.ERROR if sig is not None else Severity.WARNING if building else Severity.INFO


@rule("nvcc_mismatch.major_differs")
def major_differs(view: FactsView) -> list[Candidate]:
    """The build toolkit's CUDA major differs from torch's."""
    out: list[Candidate] = []
    build, torch_cuda = _versions(view)
    sig = view.signature("cuda_version_mismatch_ext")
    nvcc = view.str_("cuda_toolkit.build_nvcc") or view.str_("cuda_toolkit.nvcc_path")
    severity = _severity(view)
    if build is not None and torch_cuda is not None and build.major != torch_cuda.major:
        out.append(
            Candidate(
                finding(
                    id="nvcc_mismatch.major_differs",
                    severity=severity,
                    detail=Msg(
                        "{builds}; {torch} is built for CUDA {cuda}. torch.utils.cpp_extension "
                        'refuses a different major ("The detected CUDA version mismatches the '
                        'version that was used to compile PyTorch").',
                        builds=_builds_use(build, nvcc),
                        torch=view.torch_text,
                        cuda=str(torch_cuda),
                    ),
                    evidence=(
                        "cuda_toolkit.build_version",
                        "cuda_toolkit.build_nvcc",
                        "torch.cuda_build",
                        "errors.seen",
                    ),
                    fixes=(_use_toolkit_fix(view, torch_cuda),),
                ),
                RANK_NVCC,
                frozenset({"cuda_version_mismatch_ext"}),
            )
        )
    elif sig is not None:
        out.append(
            Candidate(
                finding(
                    id="nvcc_mismatch.major_differs",
                    severity=Severity.ERROR,
                    title=Msg("An extension build found a CUDA toolkit that does not match "
                              "torch"),
                    detail=Msg(
                        'The build stopped with "The detected CUDA version mismatches the '
                        'version that was used to compile PyTorch": the nvcc it found '
                        "(CUDA_HOME, else PATH) has another major version than torch's CUDA."
                    ),
                    evidence=("errors.seen", "cuda_toolkit.build_version", "torch.cuda_build"),
                    fixes=(
                        Fix(
                            "Compare the two, then point CUDA_HOME at a toolkit of torch's version",
                            (
                                "nvcc --version",
                                'python -c "import torch; print(torch.version.cuda)"',
                            ),
                            URL_TOOLKIT_ARCHIVE,
                        ),
                    ),
                ),
                RANK_NVCC,
                frozenset({"cuda_version_mismatch_ext"}),
            )
        )
    return out


@rule("nvcc_mismatch.no_toolkit_for_build")
def no_toolkit_for_build(view: FactsView) -> list[Candidate]:
    """An extension build found no CUDA toolkit."""
    out: list[Candidate] = []
    torch_cuda = _versions(view)[1]
    missing = _missing_toolkit(view)
    if missing is not None:
        wanted = torch_cuda or Version("12.0")
        out.append(
            Candidate(
                finding(
                    id="nvcc_mismatch.no_toolkit_for_build",
                    severity=missing[1],
                    detail=sentences(
                        Msg(
                            "The build stopped with {what}. torch's wheels and conda's "
                            "pytorch-cuda ship the CUDA runtime libraries but not the compiler "
                            "or the development headers; a full toolkit of torch's CUDA "
                            "version is needed.",
                            what=missing[0],
                        ),
                        Msg("torch is built for CUDA {cuda}.", cuda=str(torch_cuda))
                        if torch_cuda
                        else "",
                    ),
                    evidence=("cuda_toolkit.cuda_home", "cuda_toolkit.nvcc_version", "errors.seen"),
                    fixes=(_use_toolkit_fix(view, wanted),),
                ),
                RANK_NVCC,
                _MISSING_TOOLKIT_KINDS,
            )
        )
    return out


@rule("nvcc_mismatch.unsupported_gpu_arch")
def unsupported_gpu_arch(view: FactsView) -> list[Candidate]:
    """nvcc stops with "Unsupported gpu architecture"."""
    out: list[Candidate] = []
    build, torch_cuda = _versions(view)
    arch_sig = view.signature("nvcc_unsupported_arch")
    if arch_sig is not None:
        out.append(_unsupported_arch(view, arch_sig.data.get("arch", ""), build, torch_cuda))
    return out


@rule("nvcc_mismatch.host_compiler")
def host_compiler(view: FactsView) -> list[Candidate]:
    """nvcc refuses the host C++ compiler."""
    out: list[Candidate] = []
    build = _versions(view)[0]
    compiler_sig = view.signature("host_compiler_unsupported")
    if compiler_sig is not None:
        out.append(_host_compiler(view, compiler_sig.data, build))
    return out


@rule("nvcc_mismatch.toolkit_vs_gpu")
def toolkit_vs_gpu(view: FactsView) -> list[Candidate]:
    """The build toolkit is too old (or too new) for a GPU's architecture."""
    out: list[Candidate] = []
    build, torch_cuda = _versions(view)
    severity = _severity(view)
    arch_sig = view.signature("nvcc_unsupported_arch")
    for gpu in view.gpus:
        if gpu.cc is None or build is None or arch_sig is not None:
            continue
        arch = arch_for(gpu.cc)
        if arch is None:
            continue
        if major_minor(build) < arch.first_cuda:
            problem = Msg("needs CUDA ≥ {cuda}", cuda=str(arch.first_cuda))
        elif arch.last_cuda is not None and major_minor(build) > arch.last_cuda:
            problem = Msg("is not supported by CUDA after {cuda}", cuda=str(arch.last_cuda))
        else:
            continue
        out.append(
            Candidate(
                finding(
                    id="nvcc_mismatch.toolkit_vs_gpu",
                    severity=severity,
                    detail=Msg(
                        "{builds}; GPU {index} {name} is compute capability {cc} ({arch}), "
                        "which {problem}.",
                        builds=_builds_use(build, None),
                        index=str(gpu.index),
                        name=gpu.name,
                        cc=cc_text(gpu.cc),
                        arch=arch.name,
                        problem=problem,
                    ),
                    evidence=("cuda_toolkit.build_version", "nvidia.gpus"),
                    fixes=(_use_toolkit_fix(view, torch_cuda or arch.first_cuda),),
                ),
                RANK_NVCC,
            )
        )
        break
    return out


@rule("nvcc_mismatch.arch_list_excludes_gpu")
def arch_list_excludes_gpu(view: FactsView) -> list[Candidate]:
    """TORCH_CUDA_ARCH_LIST leaves out a GPU of this machine."""
    out: list[Candidate] = []
    env_list = view.str_("env.torch_cuda_arch_list")
    archs = arch_list_from_env(env_list) if env_list else ()
    if archs:
        missed = [g for g in view.gpus if g.cc is not None and coverage(archs, g.cc) == "none"]
        if missed:
            ccs = ";".join(sorted({cc_text(g.cc) for g in missed if g.cc}))
            out.append(
                Candidate(
                    finding(
                        id="nvcc_mismatch.arch_list_excludes_gpu",
                        severity=Severity.WARNING,
                        detail=Msg(
                            "TORCH_CUDA_ARCH_LIST={value} builds extensions for {archs}, but "
                            "this machine's GPU is {ccs}: extensions built now fail with "
                            '"no kernel image is available".',
                            value=repr(env_list),
                            archs=" ".join(archs),
                            ccs=ccs,
                        ),
                        evidence=("env.torch_cuda_arch_list", "nvidia.gpus"),
                        fixes=(
                            Fix(
                                "Include the GPU's capability (or unset the variable to build "
                                "for the GPUs present)",
                                (f'export TORCH_CUDA_ARCH_LIST="{ccs}"',),
                            ),
                        ),
                    ),
                    RANK_NVCC,
                )
            )
    return out


def _unsupported_arch(
    view: FactsView, code: str, build: Version | None, torch_cuda: Version | None
) -> Candidate:
    """nvcc_mismatch.unsupported_gpu_arch: the build toolkit predates an architecture asked for."""
    cc = parse_cc(f"compute_{code}")
    arch = arch_for(cc) if cc else None
    nvcc = f"nvcc {build}" if build else Msg("The nvcc that ran")
    if cc is not None and arch is not None:
        cannot = Msg("{nvcc} cannot compile for compute capability {cc} ({arch}), which needs "
                     "CUDA ≥ {cuda}.", nvcc=nvcc, cc=cc_text(cc), arch=arch.name,
                     cuda=str(arch.first_cuda))
    elif cc is not None:
        cannot = Msg("{nvcc} cannot compile for compute capability {cc}.", nvcc=nvcc,
                     cc=cc_text(cc))
    else:
        cannot = Msg("{nvcc} cannot compile for {target}.", nvcc=nvcc, target=f"compute_{code}")
    env_list = view.str_("env.torch_cuda_arch_list")
    detail = sentences(
        cannot,
        Msg("TORCH_CUDA_ARCH_LIST={value} chooses the architectures built.",
            value=repr(env_list))
        if env_list
        else "",
    )
    wanted = arch.first_cuda if arch is not None else (torch_cuda or Version("12.8"))
    if torch_cuda is not None and torch_cuda >= wanted:
        wanted = torch_cuda
    fixes = [_use_toolkit_fix(view, wanted)]
    owned = sorted({cc_text(g.cc) for g in view.gpus if g.cc is not None})
    if owned:
        value = ";".join(owned)
        command = (f"set TORCH_CUDA_ARCH_LIST={value}" if view.os_name == "windows"
                   else f'export TORCH_CUDA_ARCH_LIST="{value}"')
        fixes.append(Fix("Or build only for the GPUs this machine has", (command,)))
    return Candidate(
        finding(
            id="nvcc_mismatch.unsupported_gpu_arch",
            severity=Severity.ERROR,
            detail=detail,
            evidence=("errors.seen", "cuda_toolkit.build_version", "env.torch_cuda_arch_list"),
            fixes=tuple(fixes),
        ),
        RANK_NVCC,
        frozenset({"nvcc_unsupported_arch"}),
    )


def _host_compiler(view: FactsView, data: Mapping[str, str], build: Version | None) -> Candidate:
    """nvcc_mismatch.host_compiler: nvcc refuses the C++ compiler it was given."""
    compiler = data.get("compiler", "")
    newest = data.get("newest")
    nvcc = f"nvcc {build}" if build else "nvcc"
    fixes: tuple[Fix, ...]
    if compiler == "msvc":
        detail = Msg("{nvcc} does not support this Microsoft Visual Studio version; each CUDA "
                     "release supports a range of MSVC toolsets.", nvcc=nvcc)
        fixes = (
            Fix("Install the Visual Studio Build Tools version this CUDA supports, or a newer "
                "CUDA toolkit", (), URL_TOOLKIT_ARCHIVE),
        )
    else:
        name = "gcc" if compiler == "gcc" else "clang"
        detail = (
            Msg("{nvcc} refuses {compiler} newer than {newest}; torch.utils.cpp_extension passes "
                "$CC to nvcc as its host compiler (-ccbin).", nvcc=nvcc, compiler=name,
                newest=newest)
            if newest
            else Msg("{nvcc} refuses {compiler}; torch.utils.cpp_extension passes $CC to nvcc "
                     "as its host compiler (-ccbin).", nvcc=nvcc, compiler=name)
        )
        cxx = "g++" if name == "gcc" else "clang++"
        commands: tuple[str, ...] = ()
        if newest:
            commands = (f"export CC={name}-{newest} CXX={cxx}-{newest}",)
            if name == "gcc" and view.os_name != "darwin":
                commands = (f"sudo apt install gcc-{newest} g++-{newest}", *commands)
        fixes = (
            Fix(Msg("Build with a {compiler} this nvcc accepts", compiler=name), commands),
            Fix("Or use a newer CUDA toolkit, which accepts newer compilers", (),
                URL_TOOLKIT_ARCHIVE),
        )
    return Candidate(
        finding(
            id="nvcc_mismatch.host_compiler",
            severity=Severity.ERROR,
            detail=detail,
            evidence=("errors.seen", "cuda_toolkit.build_version"),
            fixes=fixes,
        ),
        RANK_NVCC,
        frozenset({"host_compiler_unsupported"}),
    )
