"""Human formatting of fact values, shared by the text and markdown renderers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from envcheck.catalogue import section_of
from envcheck.fact_keys import CATALOGUE, SECTIONS
from envcheck.i18n import Messages, Msg
from envcheck.i18n_lists import joined
from envcheck.model import Finding, Report
from envcheck.probes.env_vars import is_not_set

GIB = 1024**3

FILLER_KEYS = frozenset({
    "nvidia.nvml_error", "torch.import_error", "torch.cuda_error", "torch.kernel_error",
})
"""Error facts: unknown means "no error", which is not worth a line ("raised nothing")."""


def is_filler(key: str, value: object) -> bool:
    """Whether a fact line would only say that nothing went wrong."""
    return value is None and key in FILLER_KEYS


def said(m: Messages, text: str) -> str:
    """``text`` in ``m``'s language where it holds envcheck's own words (a :class:`Msg` such as
    ``yes``, ``unknown`` or ``3 listed``, or a list of them joined by
    :func:`~envcheck.i18n_lists.joined`); a plain string is data and is shown as it is."""
    return m.say(text) if isinstance(text, Msg) else text


def human_bytes(value: int) -> str:
    """``25757220864`` → ``24.0 GiB``; small values in MiB."""
    if value >= GIB:
        return f"{value / GIB:.1f} GiB"
    return f"{value / 1024**2:.0f} MiB"


def format_gpu(gpu: Mapping[str, object]) -> str:
    """One line per GPU: index, name, memory, compute capability, link, temperature, power."""
    parts: list[str] = []
    name = gpu.get("name") or Msg("unknown GPU")
    parts.append(joined("", (f"GPU {gpu.get('index', '?')}: ", str(name)
                             if not isinstance(name, Msg) else name)))
    mem = gpu.get("memory_total_bytes")
    if isinstance(mem, int) and not isinstance(mem, bool):
        parts.append(human_bytes(mem))
    cc = gpu.get("compute_capability")
    if cc:
        parts.append(f"sm_{str(cc).replace('.', '')} (cc {cc})")
    gen, width = gpu.get("pcie_gen_current"), gpu.get("pcie_width_current")
    if gen is not None and width is not None:
        parts.append(f"PCIe Gen{gen} x{width}")
    if gpu.get("mig_mode") is True:
        count = len(gpu.get("mig_instances") or [])  # type: ignore[arg-type]
        parts.append(Msg("MIG on ({count} instances)", count=count))
    temp = gpu.get("temperature_c")
    if temp is not None:
        parts.append(f"{temp}°C")
    draw, limit = gpu.get("power_draw_w"), gpu.get("power_limit_w")
    if draw is not None and limit is not None:
        parts.append(f"{_num(draw)}/{_num(limit)} W")
    return joined(" · ", parts)


def _num(value: object) -> str:
    return f"{value:.0f}" if isinstance(value, float) else str(value)


def format_value(key: str, value: object) -> str:
    """A fact value as one line (lists of objects become comma-joined summaries)."""
    if value is None:
        return Msg("unknown")
    if isinstance(value, bool):
        return Msg("yes") if value else Msg("no")
    if key.endswith("_bytes") and isinstance(value, int):
        return human_bytes(value)
    if key == "nvidia.gpus" and isinstance(value, Sequence):
        return Msg("{n} listed", n=len(value))
    if isinstance(value, Mapping):
        # Data punctuation, the same in every language (as in a list's values below).
        return joined(", ", [joined("", (f"{k}=", format_value("", v))) for k, v in value.items()])
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return Msg("none")
        return ", ".join(_format_item(item) for item in value)
    return str(value)


def _format_item(item: object) -> str:
    if isinstance(item, Mapping):
        head = item.get("name") or item.get("path") or item.get("kind") or ""
        rest = [
            f"{v}"
            for k, v in item.items()
            if k not in ("name", "path", "kind")
            and v not in (None, "", [], {})
            and not isinstance(v, (list, dict))
        ]
        return f"{head} ({', '.join(rest)})" if rest else str(head)
    return str(item)


def section_of_key(key: str) -> str:
    """The report section a fact key belongs to (``Other`` for keys not in the catalogue)."""
    spec = CATALOGUE.get(key)
    return spec.section if spec else "Other"


def section_of_finding(finding: Finding) -> str:
    """The section a finding shows under, as the finding catalogue declares it (its id's, or
    its category's: :data:`envcheck.catalogue.SECTION_OF_CATEGORY`)."""
    return section_of(finding.id, finding.category)


def ordered_sections(report: Report) -> list[str]:
    """Sections in display order that have facts or findings."""
    present = {section_of_key(k) for k in report.facts}
    present |= {section_of_finding(f) for f in report.findings}
    order = [s for s in SECTIONS if s in present]
    order += sorted(present - set(order) - {"Summary"})
    return order


def fact_lines(report: Report, section: str, verbose: bool) -> list[tuple[str, str, str | None]]:
    """(label, value, note) for the facts of one section, catalogue order, then others."""
    lines: list[tuple[str, str, str | None]] = []
    keys = [k for k in CATALOGUE if k in report.facts and CATALOGUE[k].section == section]
    keys += sorted(k for k in report.facts if k not in CATALOGUE and section_of_key(k) == section)
    for key in keys:
        spec = CATALOGUE.get(key)
        value = report.facts[key]
        if not verbose and spec is not None and not spec.show:
            continue
        if is_filler(key, value):
            continue
        note = report.notes.get(key) if value is None else None
        if not verbose and value is None and (note is None or is_not_set(note)):
            continue
        label = spec.label if spec else key
        if key == "nvidia.gpus" and isinstance(value, Sequence) and value:
            for gpu in value:
                if isinstance(gpu, Mapping):
                    lines.append(("", format_gpu(gpu), None))
            continue
        if value is None and note:
            lines.append((label, "—", note))
            continue
        lines.append((label, format_value(key, value), None))
    return lines
