"""The doctor's side of the planner: a request from facts, and the fix that reinstalls torch.

The rules (through :func:`envcheck.rules.messages.reinstall_fix`) and ``envcheck recommend``
with no options describe the machine by its facts; :func:`request_from_facts` turns them into a
:class:`~envcheck.recommend_request.Request`, :func:`reinstall_recommendation` asks the planner
(:func:`envcheck.recommend_plan.recommend`) and :func:`reinstall_fix` words the result as a Fix.
Driver minimums come from the table layer, the same answer the doctor's rules give.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from envcheck.i18n import Msg
from envcheck.model import Fix
from envcheck.recipes import Tables, load_tables, variant_cuda
from envcheck.recommend_choice import label
from envcheck.recommend_plan import recommend
from envcheck.recommend_request import (
    PREVIOUS_VERSIONS_URL,
    ImpossibleRequest,
    Recommendation,
    Request,
    RequestError,
    os_key,
)


def _fact_str(facts: Mapping[str, Any], key: str) -> str | None:
    value = facts.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _ccs_from_facts(facts: Mapping[str, Any], tables: Tables | None) -> tuple[str, ...]:
    """Compute capabilities of the GPUs: NVML's, else torch's, else looked up by GPU name."""
    ccs: list[str] = []
    names: list[str] = []
    for key, cc_field in (("nvidia.gpus", "compute_capability"), ("torch.devices", "capability")):
        items = facts.get(key)
        if not isinstance(items, (list, tuple)):
            continue
        for item in items:
            if not isinstance(item, Mapping):
                continue
            cc = item.get(cc_field)
            if isinstance(cc, str) and re.fullmatch(r"\d+\.\d+", cc):
                if cc not in ccs:
                    ccs.append(cc)
            elif isinstance(item.get("name"), str):
                names.append(item["name"])
        if ccs:
            break
    t = tables if tables is not None else load_tables()
    known = {str(a.cc) for a in t.archs}
    if ccs:
        # a capability newer than the tables cannot be reasoned about: leave it out
        return tuple(c for c in ccs if c in known)
    if names:
        for name in names:
            arch = t.find_gpu(name)
            if arch is not None and str(arch.cc) not in ccs:
                ccs.append(str(arch.cc))
    return tuple(ccs)


def request_from_facts(facts: Mapping[str, Any], tables: Tables | None = None) -> Request:
    """A Request describing the machine the doctor inspected (or a pasted report describes).

    Reads os.name, os.arch, python.version, python.env_type, nvidia.driver_version,
    nvidia.cuda_driver_max, nvidia.gpu_count, nvidia.gpus[].compute_capability (else
    torch.devices[].capability, else the GPU names looked up in the tables) and pip.mirror.
    The manager is pip even in a conda env (official conda packages stopped at torch 2.5);
    a uv-managed env gets ``uv pip``.
    """
    os_name = _fact_str(facts, "os.name") or "linux"
    arch = _fact_str(facts, "os.arch") or "x86_64"
    py = _fact_str(facts, "python.version")
    python = None
    if py:
        m = re.match(r"(\d+)\.(\d+)", py)
        python = f"{m.group(1)}.{m.group(2)}" if m else None
    ccs = _ccs_from_facts(facts, tables)
    driver = _fact_str(facts, "nvidia.driver_version")
    cuda = _fact_str(facts, "nvidia.cuda_driver_max")
    variant = None
    if facts.get("nvidia.gpu_count") == 0 and not driver:
        variant = "cpu"
    env_type = _fact_str(facts, "python.env_type")
    mirror = _fact_str(facts, "pip.mirror")
    t = tables if tables is not None else load_tables()
    if mirror is not None and t.pypi_mirror(mirror) is None and t.wheel_mirror(mirror) is None:
        mirror = None  # a mirror the tables do not describe: recommend the official index
    return Request(
        os=os_name,
        arch=arch,
        python=python,
        cuda=cuda if cuda and re.fullmatch(r"\d+\.\d+", cuda) else None,
        variant=variant,
        driver=driver if driver and re.fullmatch(r"\d+(\.\d+)+", driver) else None,
        cc=ccs,
        manager="uv" if env_type == "uv" else "pip",
        mirror=mirror,
    )


def reinstall_recommendation(
    facts: Mapping[str, object], tables: Tables | None = None
) -> Recommendation | None:
    """The recommendation behind :func:`reinstall_fix` (rules quote its torch version so the
    text of a finding and its fix name the same release). None when nothing fits."""
    try:
        req = request_from_facts(facts, tables)
        installed = _fact_str(facts, "torch.version")
        attempts = [req]
        if installed:
            base = re.match(r"\d+\.\d+\.\d+", installed)
            if base:
                attempts.insert(0, replace(req, torch=base.group(0)))
        for attempt in attempts:
            try:
                rec = recommend(attempt, tables)
            except (ImpossibleRequest, RequestError):
                continue
            return _lowest_driver_build(rec, attempt, tables)
    except (ValueError, TypeError):
        return None
    return None


def _lowest_driver_build(
    rec: Recommendation, req: Request, tables: Tables | None
) -> Recommendation:
    """With the driver unknown, the CUDA build of ``rec``'s torch that the oldest driver runs.

    The newest CUDA build needs the newest driver; when nothing says which driver the machine
    has, the fix most likely to work is the build with the lowest driver requirement that
    still has kernels for the GPU (``recommend`` checks the GPU's architecture for each).
    """
    if req.driver is not None or req.cuda is not None or req.variant is not None:
        return rec
    if variant_cuda(rec.variant) is None:
        return rec
    t = tables if tables is not None else load_tables()
    release = t.release(rec.torch)
    platform_os = os_key(rec.request.os) or "linux"
    if release is None:
        return rec
    arch = rec.request.arch or "x86_64"
    ranked: list[tuple[Any, str]] = []
    for variant in release.variants_on(rec.request.os, arch):
        if variant_cuda(variant) is None:
            continue
        need = t.variant_min_driver(variant, platform_os)
        if need is not None:
            ranked.append((need, variant))
    for _, variant in sorted(ranked, key=lambda item: item[0]):
        if variant == rec.variant:
            return rec
        try:
            return recommend(replace(req, torch=rec.torch, variant=variant), tables)
        except (ImpossibleRequest, RequestError):
            continue
    return rec


def reinstall_fix(facts: Mapping[str, object], tables: Tables | None = None) -> Fix | None:
    """The fix that installs a matching torch for the machine these facts describe.

    Keeps the installed torch version when a fitting build of it exists, else the newest that
    fits. None when nothing fits or the facts are too thin to say. When nothing says which
    driver the machine has, the fix names the driver the chosen CUDA build needs.
    """
    rec = reinstall_recommendation(facts, tables)
    if rec is None:
        return None
    build = label(rec.variant)  # "CPU", "CUDA 12.6", "ROCm 6.0"
    summary = Msg("Install torch {torch} with the {build} build that fits this machine",
                  torch=rec.torch, build=build)
    unknown_driver = rec.request.driver is None and rec.request.cuda is None
    if variant_cuda(rec.variant) is not None and unknown_driver:
        t = tables if tables is not None else load_tables()
        need = t.variant_min_driver(rec.variant, os_key(rec.request.os) or "linux")
        summary = Msg(
            "Install torch {torch} with the {build} build (needs NVIDIA driver ≥ {need}; this "
            "machine's driver is unknown: check with nvidia-smi)",
            torch=rec.torch, build=build, need=str(need),
        )
    return Fix(summary=summary, commands=(rec.command,), url=PREVIOUS_VERSIONS_URL)
