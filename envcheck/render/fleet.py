"""``fleet summarize`` output as text, markdown or JSON: pure functions of a FleetSummary.

Long node lists are cut to a few names plus a count in text and markdown (a fleet of 1,000
nodes with 999 on one driver should print one line for them); JSON always lists every node.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from envcheck.fleet import Drift, FindingGroup, FleetSummary, Node
from envcheck.render.table import markdown_table, text_table

NAMES_SHOWN = 8
NODE_ROWS_SHOWN = 50
_ROW_KEYS = ("nvidia.driver_version", "gpu.models", "nvidia.gpu_count", "python.version",
             "torch.version", "torch.cuda_build")
HEADERS = ("node", "verdict", "driver", "GPU", "GPUs", "python", "torch", "CUDA build",
           "images/s")


def name_list(names: Sequence[str], limit: int = NAMES_SHOWN) -> str:
    """``a, b, c`` or ``a, b, … (+97 more)``."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, … (+{len(names) - limit} more)"


def node_row(node: Node) -> tuple[str, ...]:
    """One row per node: its verdict, the main facts and its best bench figure."""
    facts = [node.values.get(key, "-") for key in _ROW_KEYS]
    best = max((f.images_per_s for f in node.bench), default=None)
    return (node.name, node.verdict, *facts, f"{best:.0f}" if best is not None else "-")


def _rows(summary: FleetSummary) -> tuple[list[tuple[str, ...]], int]:
    """Node rows; past NODE_ROWS_SHOWN only the nodes that are not ok or stand out."""
    nodes = summary.nodes
    if len(nodes) <= NODE_ROWS_SHOWN:
        return [node_row(n) for n in nodes], 0
    flagged = {o.node for o in summary.outliers}
    drifted = {name for d in summary.drift for v in d.values[1:] for name in v.nodes}
    keep = [n for n in nodes if n.verdict != "ok" or n.name in flagged | drifted]
    return [node_row(n) for n in keep[:NODE_ROWS_SHOWN]], len(nodes) - min(len(keep),
                                                                             NODE_ROWS_SHOWN)


def _drift_lines(drift: Drift, total: int) -> list[str]:
    lines = [f"{drift.label}:"]
    for index, value in enumerate(drift.values):
        count = len(value.nodes)
        where = f"{count} of {total} nodes" if index == 0 else f"{count}: {name_list(value.nodes)}"
        lines.append(f"  {value.value}  ({where})")
    return lines


def _finding_line(group: FindingGroup, total: int) -> str:
    count = len(group.nodes)
    on = f"all {total} nodes" if count == total else f"{count} node{'s' if count != 1 else ''}"
    names = "" if count == total else f": {name_list(group.nodes)}"
    return f"[{group.severity}] {group.id} — {group.title} (on {on}{names})"


def render_fleet_text(summary: FleetSummary) -> str:
    """Nodes, drift, outliers, findings; a closing line says whether anything is an error."""
    total = len(summary.nodes)
    errors = sum(1 for n in summary.nodes if n.verdict == "error")
    lines = [f"envcheck fleet — {total} node{'s' if total != 1 else ''}, "
             f"{errors} with errors", ""]
    rows, hidden = _rows(summary)
    lines += text_table(HEADERS, rows)
    if hidden:
        lines.append(f"(+{hidden} more nodes that are ok and match the rest; --json lists all)")
    lines += ["", "Drift (values that differ across nodes, most widespread first):"]
    if not summary.drift:
        lines.append("  none: every node reports the same values")
    reported = sum(1 for node in summary.nodes if node.has_report)
    for drift in summary.drift:
        lines += ["  " + line for line in _drift_lines(drift, reported)]
    lines += ["", "Outliers:"]
    lines += [f"  {o.node}: {o.detail}" for o in summary.outliers] or ["  none"]
    lines += ["", "Findings by how many nodes have them:"]
    lines += ["  " + _finding_line(g, total) for g in summary.findings] or ["  none"]
    lines += [f"skipped {reason}" for reason in summary.skipped]
    return "\n".join(lines) + "\n"


def render_fleet_markdown(summary: FleetSummary) -> str:
    """The same content as markdown tables and lists, for an issue or a wiki page."""
    total = len(summary.nodes)
    lines = [f"## envcheck fleet: {total} nodes", ""]
    rows, hidden = _rows(summary)
    lines += markdown_table(HEADERS, rows)
    if hidden:
        lines.append(f"\n+{hidden} more nodes that are ok and match the rest.")
    lines += ["", "### Drift", ""]
    drift_rows = [(d.label, v.value, str(len(v.nodes)), name_list(v.nodes))
                  for d in summary.drift for v in d.values]
    lines += (markdown_table(("fact", "value", "nodes", "which"), drift_rows)
              if drift_rows else ["None: every node reports the same values."])
    lines += ["", "### Outliers", ""]
    lines += [f"- **{o.node}**: {o.detail}" for o in summary.outliers] or ["None."]
    lines += ["", "### Findings", ""]
    lines += [f"- {_finding_line(g, total)}" for g in summary.findings] or ["None."]
    if summary.skipped:
        lines += ["", "### Skipped inputs", ""] + [f"- {s}" for s in summary.skipped]
    return "\n".join(lines) + "\n"


def fleet_to_dict(summary: FleetSummary) -> dict[str, Any]:
    """Everything, every node named (``schema`` 1 of the fleet document)."""
    return {
        "schema": 1,
        "tool": {"name": "envcheck"},
        "source": "fleet",
        "verdict": "error" if summary.has_error else "ok",
        "nodes": [
            {"name": n.name, "sources": list(n.sources), "verdict": n.verdict,
             "facts": dict(n.values), "findings": [f.id for f in n.findings],
             "bench": [{"model": b.model, "gpu": b.gpu, "precision": b.precision,
                        "batch": b.batch, "ranks": b.ranks, "images_per_s": b.images_per_s}
                       for b in n.bench]}
            for n in summary.nodes
        ],
        "drift": [
            {"key": d.key, "label": d.label,
             "values": [{"value": v.value, "nodes": list(v.nodes)} for v in d.values]}
            for d in summary.drift
        ],
        "outliers": [{"node": o.node, "kind": o.kind, "detail": o.detail}
                     for o in summary.outliers],
        "findings": [{"id": g.id, "severity": g.severity, "title": g.title,
                      "nodes": list(g.nodes)} for g in summary.findings],
        "skipped": list(summary.skipped),
    }


def render_fleet_json(summary: FleetSummary) -> str:
    """Serialise :func:`fleet_to_dict`."""
    return json.dumps(fleet_to_dict(summary), indent=2, ensure_ascii=False) + "\n"
