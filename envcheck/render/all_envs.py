"""``doctor --all-envs`` output: one row per environment, machine facts once; or one JSON
document holding every environment's full report (schema 1 reports, as ``doctor --json``).

Pure functions of an :class:`~envcheck.all_envs.AllEnvsReport`.
"""

from __future__ import annotations

import json
from typing import Any

from envcheck.all_envs import AllEnvsReport, EnvReport
from envcheck.model import Finding, Report
from envcheck.render.json import SCHEMA, report_to_dict
from envcheck.render.table import text_table

HEADERS = ("environment", "type", "python", "torch", "build", "cuda", "verdict", "worst finding")


def worst_finding(report: Report) -> Finding | None:
    """The most important finding of the worst severity (rules list the most important first)."""
    worst = report.worst
    return next((f for f in report.findings if f.severity == worst), None)


def env_row(item: EnvReport) -> tuple[str, ...]:
    """One row: path, env type, Python, torch, its CUDA build, CUDA available, verdict, worst."""
    report = item.report
    env_type = report.fact("python.env_type")
    torch = report.fact("torch.version")
    build = report.fact("torch.cuda_build")
    if torch is None:
        build_text = "-"
    elif build:
        build_text = f"CUDA {build}"
    else:
        build_text = "ROCm" if report.fact("torch.hip_build") else "CPU"
    available = report.fact("torch.cuda_available")
    cuda = "-" if torch is None or available is None else ("yes" if available else "no")
    worst = worst_finding(report)
    return (
        item.env.prefix,
        str(env_type or item.env.kind),
        str(report.fact("python.version") or "?"),
        str(torch or "none"),
        build_text,
        cuda,
        report.verdict,
        f"{worst.id}: {worst.title}" if worst else "-",
    )


def _machine_line(report: Report) -> str:
    driver = report.fact("nvidia.driver_version")
    count = report.fact("nvidia.gpu_count")
    gpus = report.fact("nvidia.gpus") or []
    names = sorted({str(g.get("name")) for g in gpus if isinstance(g, dict) and g.get("name")})
    nvcc = report.fact("cuda_toolkit.nvcc_version")
    parts = [
        f"driver {driver}" if driver else "no NVIDIA driver found",
        f"{count} GPU{'s' if count != 1 else ''}" + (f" ({', '.join(names)})" if names else "")
        if isinstance(count, int) else "GPUs unknown",
        f"nvcc {nvcc}" if nvcc else "no nvcc",
    ]
    return "Machine: " + ", ".join(parts)


def render_all_envs_text(result: AllEnvsReport) -> str:
    """The table, the machine line above it, discovery notes below it."""
    lines = [f"envcheck doctor {result.tool_version} — every Python environment "
             f"({len(result.envs)} found)"]
    if result.envs:
        lines.append(_machine_line(result.envs[0].report))
        lines.append("")
        lines += text_table(HEADERS, [env_row(item) for item in result.envs])
    else:
        lines.append("No Python environment found.")
    for note in result.notes:
        lines.append(f"note: {note}")
    lines.append("")
    lines.append("Details for one: envcheck doctor --python <its interpreter>")
    return "\n".join(lines) + "\n"


def all_envs_to_dict(result: AllEnvsReport) -> dict[str, Any]:
    """One document: discovery and each environment's full report (as ``doctor --json``)."""
    worst = result.worst
    return {
        "schema": SCHEMA,
        "tool": {"name": "envcheck", "version": result.tool_version},
        "source": "doctor-all-envs",
        "host": result.host,
        "verdict": "ok" if worst is None or worst.label == "info" else worst.label,
        "notes": list(result.notes),
        "envs": [
            {
                "prefix": item.env.prefix,
                "python": item.env.python,
                "kind": item.env.kind,
                "name": item.env.name,
                "found_by": item.env.found_by,
                "report": report_to_dict(item.report),
            }
            for item in result.envs
        ],
    }


def render_all_envs_json(result: AllEnvsReport) -> str:
    """Serialise :func:`all_envs_to_dict`."""
    return json.dumps(all_envs_to_dict(result), indent=2, ensure_ascii=False, default=str) + "\n"


def render_all_envs_markdown(result: AllEnvsReport) -> str:
    """The table as markdown, for an issue (the CLI redacts it first by default)."""
    from envcheck.render.table import markdown_table

    lines = [f"## envcheck doctor --all-envs ({len(result.envs)} environments)", ""]
    if result.envs:
        lines += [_machine_line(result.envs[0].report), ""]
        lines += markdown_table(HEADERS, [env_row(item) for item in result.envs])
    lines += [f"\n- note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"
