"""Which torch is installed in the target environment, how it was built, and its companions.

Nothing is imported: versions come from distribution metadata and ``torch/version.py`` read as
text by the shared target inspection (:mod:`envcheck.probes.target`). The equivalent by hand
is ``pip list`` plus ``cat site-packages/torch/version.py`` and ``ls <prefix>/conda-meta``.

Facts: torch.version, torch.build_label, torch.cuda_build, torch.hip_build, torch.installer,
torch.location, torch.copies, packages.torchvision, packages.torchaudio, packages.xformers,
packages.flash_attn, packages.triton, packages.nvidia, packages.conda, cudnn.wheels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.model import ProbeOutcome
from envcheck.parsers.versions import build_label
from envcheck.probes.base import Facts, Probe, tool_output
from envcheck.probes.target import (
    Distribution,
    TargetInspection,
    inspection_time_limit,
    require_inspection,
)

COMPANIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("packages.torchvision", ("torchvision",)),
    ("packages.torchaudio", ("torchaudio",)),
    ("packages.xformers", ("xformers",)),
    ("packages.flash_attn", ("flash-attn",)),
    # Nightly and ROCm wheels ship triton under these names.
    ("packages.triton", ("triton", "pytorch-triton", "pytorch-triton-rocm", "pytorch-triton-xpu")),
)
"""Fact key and the normalised distribution names that provide it, first match wins."""

CUDNN_WHEELS = frozenset({"nvidia-cudnn-cu11", "nvidia-cudnn-cu12", "nvidia-cudnn-cu13"})

_PLATFORM_SUBDIR_RE = re.compile(
    r"/(?:noarch|linux-(?:64|32|aarch64|ppc64le|s390x|armv7l)|osx-(?:64|arm64)|win-(?:64|32|arm64))$"
)


def conda_channel_name(raw: str | None) -> str | None:
    """A conda channel as users write it (``pytorch``, ``nvidia/label/cuda-12.1.0``,
    ``pkgs/main``) from the URL or name conda records in ``conda-meta/*.json``."""
    if not raw:
        return None
    text = raw.strip().rstrip("/")
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text.split("/", 1)[1] if "/" in text else text
    return _PLATFORM_SUBDIR_RE.sub("", "/" + text).lstrip("/") or None


def _first(dists: Sequence[Distribution], keys: Sequence[str]) -> Distribution | None:
    for key in keys:
        for dist in dists:
            if dist.key == key:
                return dist
    return None


def _name_versions(dists: Sequence[Distribution], wanted: Any) -> list[dict[str, str | None]]:
    """``{name, version}`` of the first copy of each wanted distribution, sorted by name."""
    seen: dict[str, Distribution] = {}
    for dist in dists:
        if wanted(dist.key) and dist.key not in seen:
            seen[dist.key] = dist
    return [{"name": d.name, "version": d.version} for _, d in sorted(seen.items())]


def package_facts(inspection: TargetInspection) -> ProbeOutcome:
    """Turn a successful target inspection into package facts (pure)."""
    facts = Facts()
    dists = inspection.distributions
    python = inspection.python or Msg("the target interpreter")
    conda_records = inspection.get("conda_packages")
    _torch_facts(facts, inspection, dists, conda_records)

    for key, names in COMPANIONS:
        dist = _first(dists, names)
        if dist is not None and dist.version:
            facts.set(key, dist.version)
        else:
            facts.unknown(key, Msg("not installed in {python}", python=python))
    facts.set("packages.nvidia", _name_versions(dists, lambda key: key.startswith("nvidia-")))
    facts.set("cudnn.wheels", _name_versions(dists, lambda key: key in CUDNN_WHEELS))
    if isinstance(conda_records, list):
        facts.set("packages.conda", [_conda_record(r) for r in conda_records
                                     if isinstance(r, Mapping)])
    else:
        prefix = inspection.get("prefix") or Msg("the prefix")
        facts.unknown("packages.conda",
                      Msg("not a conda environment (no conda-meta in {prefix})", prefix=prefix))

    version = facts.values.get("torch.version")
    if version is None:
        return facts.outcome(facts.notes.get("torch.version", Msg("torch not found")))
    cuda = facts.values.get("torch.cuda_build")
    hip = facts.values.get("torch.hip_build")
    if cuda or hip:
        build = f"CUDA {cuda}" if cuda else f"ROCm {hip}"
        return facts.outcome(Msg("torch {version} ({build} build)", version=str(version),
                                 build=build))
    return facts.outcome(Msg("torch {version} (CPU-only build)", version=str(version)))


def _conda_record(record: Mapping[str, Any]) -> dict[str, Any]:
    channel = record.get("channel")
    return {
        "name": record.get("name"),
        "version": record.get("version"),
        "build": record.get("build"),
        "channel": conda_channel_name(channel if isinstance(channel, str) else None),
    }


def _torch_facts(
    facts: Facts,
    inspection: TargetInspection,
    dists: Sequence[Distribution],
    conda_records: Any,
) -> None:
    python = inspection.python or Msg("the target interpreter")
    torch_dists = [d for d in dists if d.key == "torch"]
    package = inspection.torch
    ranked: list[tuple[int, dict[str, Any]]] = [
        (d.path_index, {"path": d.location, "version": d.version, "installer": d.installer})
        for d in torch_dists
    ]
    copies = [copy for _, copy in ranked]
    if package is None:
        why = Msg("torch is not installed in {python}", python=python)
        if torch_dists:
            stale = torch_dists[0]
            why = Msg(
                "torch is not installed in {python} (a torch {version} record is in {location} "
                "but no importable torch package: a broken or half-removed install)",
                python=python, version=str(stale.version), location=stale.location,
            )
        for key in ("torch.version", "torch.build_label", "torch.cuda_build", "torch.hip_build",
                    "torch.installer", "torch.location"):
            facts.unknown(key, why)
        facts.set("torch.copies", copies)
        return

    location = str(package.get("location") or "")
    owner = next((d for d in torch_dists if d.location == location), None)
    if owner is None:
        # Importable but unrecorded: a source checkout or a PYTHONPATH entry.
        index = package.get("path_index")
        ranked.append((index if isinstance(index, int) else 0,
                       {"path": location, "version": None, "installer": None}))
        copies = [copy for _, copy in sorted(ranked, key=lambda pair: pair[0])]
    version_py = package.get("version_py")
    vp: Mapping[str, Any] = version_py if isinstance(version_py, Mapping) else {}
    # What target_script.py said: its own sentence, or the exception that stopped the read.
    said = str(package.get("version_py_error") or "")
    vp_error = (Msg("torch/version.py does not exist") if said == "torch/version.py does not exist"
                else tool_output(said) or Msg("torch/version.py could not be read"))

    file_version = vp.get("__version__")
    meta_version = owner.version if owner else None
    version = file_version if isinstance(file_version, str) else meta_version
    if version:
        note = None
        if isinstance(file_version, str) and meta_version and file_version != meta_version:
            note = Msg(
                "torch/version.py says {file_version} but the installed distribution record "
                "says {meta_version} (a partially overwritten install)",
                file_version=file_version, meta_version=meta_version,
            )
        facts.set("torch.version", version, note)
        facts.set("torch.build_label", build_label(version))
    else:
        why = Msg("{why}, and no torch distribution record sits beside it", why=vp_error)
        facts.unknown("torch.version", why)
        facts.unknown("torch.build_label", why)

    if not vp:
        facts.unknown("torch.cuda_build", vp_error)
        facts.unknown("torch.hip_build", vp_error)
    else:
        cuda, hip = vp.get("cuda"), vp.get("hip")
        if isinstance(hip, str) and hip:
            facts.set("torch.hip_build", hip)
        else:
            facts.unknown("torch.hip_build", Msg("not a ROCm build"))
        if isinstance(cuda, str) and cuda:
            facts.set("torch.cuda_build", cuda)
        elif isinstance(hip, str) and hip:
            facts.unknown("torch.cuda_build", Msg("ROCm build (HIP {hip}), not CUDA", hip=hip))
        elif str(inspection.get("platform_tag") or "").startswith("macosx"):
            # Not "CPU-only": macOS builds have no CUDA but reach the GPU through MPS.
            facts.unknown("torch.cuda_build",
                          Msg("no CUDA: a macOS build (the GPU is used via MPS)"))
        else:
            facts.unknown("torch.cuda_build", Msg("CPU-only build"))

    installer = owner.installer if owner else None
    if installer:
        facts.set("torch.installer", installer)
    elif isinstance(conda_records, list) and any(
        isinstance(r, Mapping) and r.get("name") == "pytorch" for r in conda_records
    ):
        facts.set("torch.installer", "conda")
    elif owner is None:
        facts.unknown("torch.installer",
                      Msg("torch in {location} has no distribution record", location=location))
    else:
        facts.unknown("torch.installer",
                      Msg("torch's distribution record has no INSTALLER file"))
    facts.set("torch.location", str(package.get("package_dir") or location))
    facts.set("torch.copies", copies)


class PackagesProbe(Probe):
    """torch (version, build, installer, copies), its companions, nvidia-* wheels, conda records.

    Raises TargetUnavailable (the probe then fails with that reason) when the target
    interpreter could not be inspected, so rules never mistake "unknown" for "not installed".
    """

    id: ClassVar[str] = "packages"
    title: ClassVar[str] = Msg("Packages")
    inspects: ClassVar[str] = Msg("the installed torch-family packages")
    needs_target: ClassVar[bool] = True
    per_target: ClassVar[bool] = True

    def timeout(self, ctx: Context) -> float:
        """Long enough for the shared inspection (two interpreter runs) to report its reason."""
        return inspection_time_limit(ctx)

    def run(self, ctx: Context) -> ProbeOutcome:
        """Read the shared target inspection and derive package facts."""
        return package_facts(require_inspection(ctx))
