"""Render ``envcheck diff``: the changes between two reports as text or JSON (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from envcheck.diff import Change
from envcheck.fact_keys import CATALOGUE
from envcheck.render.values import format_gpu, format_value

_MARK = {"appeared": "+", "gone": "-", "changed": "~", "added": "+", "removed": "-"}


def _shown(key: str, value: object, note: str | None = None) -> str:
    if value is None and note:
        return note
    if key == "nvidia.gpus" and isinstance(value, list):
        return "; ".join(format_gpu(g) for g in value if isinstance(g, dict)) or "none"
    return format_value(key, value)


def render_diff_text(changes: Sequence[Change], before: str, after: str) -> str:
    """One line per change, findings first; values as the text report shows them."""
    if not changes:
        return f"No differences between {before} and {after}.\n"
    lines = [f"envcheck diff: {before} → {after}", ""]
    for change in changes:
        mark = _MARK.get(change.what, "~")
        if change.kind == "finding":
            if change.what == "appeared":
                lines.append(f"{mark} finding appeared: {change.key}: {change.after}")
            elif change.what == "gone":
                lines.append(f"{mark} finding gone: {change.key}: {change.before}")
            else:
                lines.append(f"{mark} finding {change.key}: {change.before} → {change.after}")
            continue
        spec = CATALOGUE.get(change.key)
        label = f"{spec.label} ({change.key})" if spec else change.key
        old = ("absent" if change.what == "added"
               else _shown(change.key, change.before, change.before_note))
        new = ("absent" if change.what == "removed"
               else _shown(change.key, change.after, change.after_note))
        lines.append(f"{mark} {label}: {old} → {new}")
    return "\n".join(lines) + "\n"


def render_diff_json(changes: Sequence[Change]) -> str:
    """``{schema, changes: [{kind, key, what, before, after}]}``, most important first; an
    unknown value (null) comes with ``before_note``/``after_note`` saying why."""
    data = {
        "schema": 1,
        "changes": [
            {"kind": c.kind, "key": c.key, "what": c.what, "before": c.before,
             "after": c.after,
             **({"before_note": c.before_note} if c.before is None and c.before_note else {}),
             **({"after_note": c.after_note} if c.after is None and c.after_note else {})}
            for c in changes
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
