"""``doctor --all-envs`` output: one row per environment, machine facts once; or one JSON
document holding every environment's full report (schema 1 reports, as ``doctor --json``).

Pure functions of an :class:`~envcheck.all_envs.AllEnvsReport`; the words in ``lang``
(:mod:`envcheck.i18n`), the data (paths, versions, ids, verdicts) as they are.
"""

from __future__ import annotations

import json
from typing import Any

from envcheck.all_envs import AllEnvsReport, EnvReport
from envcheck.i18n import Messages, Msg, messages
from envcheck.model import Finding, Report
from envcheck.render.json import SCHEMA, report_to_dict
from envcheck.render.localize import localize
from envcheck.render.table import text_table

HEADERS = ("environment", "type", "python", "torch", "build", "cuda", "verdict", "worst finding")
_HEADERS = (Msg("environment"), Msg("type"), "python", "torch", Msg("build"), "cuda",
            Msg("verdict"), Msg("worst finding"))
""":data:`HEADERS` as messages (the column names that are words)."""


def _headers(m: Messages) -> tuple[str, ...]:
    return tuple(m.say(h) if isinstance(h, Msg) else h for h in _HEADERS)


def _localized(result: AllEnvsReport, lang: str) -> AllEnvsReport:
    """Every environment's report in ``lang`` (the same object for English)."""
    if not messages(lang).table:
        return result
    envs = tuple(EnvReport(item.env, localize(item.report, lang)) for item in result.envs)
    return AllEnvsReport(result.tool_version, result.host, envs, result.notes)


def worst_finding(report: Report) -> Finding | None:
    """The most important finding of the worst severity (rules list the most important first)."""
    worst = report.worst
    return next((f for f in report.findings if f.severity == worst), None)


def env_row(item: EnvReport, m: Messages | None = None) -> tuple[str, ...]:
    """One row: path, env type, Python, torch, its CUDA build, CUDA available, verdict, worst
    (the words in ``m``'s language, English by default)."""
    m = m or messages("en")
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
    cuda = "-" if torch is None or available is None else m.say(
        Msg("yes") if available else Msg("no"))
    worst = worst_finding(report)
    return (
        item.env.prefix,
        str(env_type or item.env.kind),
        str(report.fact("python.version") or "?"),
        str(torch or m.say(Msg("none"))),
        build_text,
        cuda,
        report.verdict,
        f"{worst.id}: {worst.title}" if worst else "-",
    )


def _machine_line(report: Report, m: Messages) -> str:
    driver = report.fact("nvidia.driver_version")
    count = report.fact("nvidia.gpu_count")
    gpus = report.fact("nvidia.gpus") or []
    names = sorted({str(g.get("name")) for g in gpus if isinstance(g, dict) and g.get("name")})
    nvcc = report.fact("cuda_toolkit.nvcc_version")
    if isinstance(count, int):
        counted = (Msg("{n} GPU", n=count) if count == 1 else Msg("{n} GPUs", n=count))
        gpu_part = (Msg("{gpus} ({names})", gpus=counted, names=", ".join(names)) if names
                    else counted)
    else:
        gpu_part = Msg("GPUs unknown")
    parts = [
        Msg("driver {version}", version=driver) if driver else Msg("no NVIDIA driver found"),
        gpu_part,
        Msg("nvcc {version}", version=nvcc) if nvcc else Msg("no nvcc"),
    ]
    return m.say(Msg("Machine: {parts}", parts=m.gettext(", ").join(m.say(p) for p in parts)))


def render_all_envs_text(result: AllEnvsReport, lang: str = "en") -> str:
    """The table, the machine line above it, discovery notes below it."""
    m = messages(lang)
    result = _localized(result, lang)
    lines = [m.say(Msg("envcheck doctor {version} — every Python environment ({n} found)",
                       version=result.tool_version, n=len(result.envs)))]
    if result.envs:
        lines.append(_machine_line(result.envs[0].report, m))
        lines.append("")
        lines += text_table(_headers(m), [env_row(item, m) for item in result.envs])
    else:
        lines.append(m.say(Msg("No Python environment found.")))
    for note in result.notes:
        lines.append(m.say(Msg("note: {note}", note=m.say(note))))
    lines.append("")
    lines.append(m.say(Msg("Details for one: envcheck doctor --python <its interpreter>")))
    return "\n".join(lines) + "\n"


def all_envs_to_dict(result: AllEnvsReport, lang: str = "en") -> dict[str, Any]:
    """One document: discovery and each environment's full report (as ``doctor --json``,
    its words in ``lang``)."""
    result = _localized(result, lang)
    worst = result.worst
    return {
        "schema": SCHEMA,
        "tool": {"name": "envcheck", "version": result.tool_version},
        "source": "doctor-all-envs",
        "host": result.host,
        "verdict": "ok" if worst is None or worst.label == "info" else worst.label,
        "notes": [messages(lang).say(note) for note in result.notes],
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


def render_all_envs_json(result: AllEnvsReport, lang: str = "en") -> str:
    """Serialise :func:`all_envs_to_dict`."""
    return json.dumps(all_envs_to_dict(result, lang), indent=2, ensure_ascii=False,
                      default=str) + "\n"


def render_all_envs_markdown(result: AllEnvsReport, lang: str = "en") -> str:
    """The table as markdown, for an issue (the CLI redacts it first by default)."""
    from envcheck.render.table import markdown_table

    m = messages(lang)
    result = _localized(result, lang)
    lines = [m.say(Msg("## envcheck doctor --all-envs ({n} environments)", n=len(result.envs))),
             ""]
    if result.envs:
        lines += [_machine_line(result.envs[0].report, m), ""]
        lines += markdown_table(_headers(m), [env_row(item, m) for item in result.envs])
    lines += ["\n- " + m.say(Msg("note: {note}", note=m.say(note))) for note in result.notes]
    return "\n".join(lines) + "\n"
