"""Render a benchmark document (``envcheck.bench.result``'s schema 1) as text or JSON.

Pure functions of the document: they never measure, probe or print. The text shows the recipe,
the headline figures with their spread, every run, correctness, telemetry, the verdict against
the reference, and a small bar chart of this GPU against reference GPUs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

MODEL_TITLES = {
    "resnet18": "ResNet-18",
    "resnet34": "ResNet-34",
    "resnet50": "ResNet-50 v1.5",
    "mnist_cnn": "MNIST CNN",
}
SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "·"}
VERDICT_TEXT = {
    "ok": "ok",
    "below_expected": "below expected",
    "investigate": "investigate",
    "no_reference": "no reference",
}
BAR = "█"


def render_bench_json(document: Mapping[str, Any]) -> str:
    """The document as indented JSON with a trailing newline."""
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def render_bench_text(document: Mapping[str, Any]) -> str:
    """Human-readable report for any bench kind."""
    kind = document.get("bench")
    if kind == "matmul":
        lines = _matmul(document)
    elif kind == "transfer":
        lines = _transfer(document)
    else:
        lines = _train(document)
    lines += _findings(document.get("findings") or [])
    return "\n".join(lines).rstrip() + "\n"


def _num(value: Any, fmt: str = ",.1f", unit: str = "") -> str:
    if value is None:
        return "unknown"
    return f"{value:{fmt}}{unit}"


def _ms(seconds: Any) -> str:
    if seconds is None:
        return "unknown"
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.2f} s"


def _bytes(value: Any) -> str:
    if value is None:
        return "unknown"
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.0f} MiB"


def _versions(doc: Mapping[str, Any]) -> str:
    v = doc.get("versions") or {}
    parts = [f"torch {v.get('torch')}"]
    if v.get("cuda"):
        parts.append(f"CUDA {v.get('cuda')}")
    if v.get("cudnn"):
        parts.append(f"cuDNN {v.get('cudnn')}")
    if v.get("driver"):
        parts.append(f"driver {v.get('driver')}")
    parts.append(f"Python {v.get('python')}")
    return ", ".join(parts)


def _train(doc: Mapping[str, Any]) -> list[str]:
    title = MODEL_TITLES.get(str(doc.get("model")), str(doc.get("model")))
    where = f"{doc.get('device_name') or doc.get('device')} ({doc.get('device')})"
    size = doc.get("image_size")
    recipe = [
        f"batch {doc.get('batch')}",
        str(doc.get("precision")),
        "channels_last" if doc.get("channels_last") else "NCHW",
        "torch.compile" if doc.get("compile") else "eager",
        f"{size}x{size} synthetic data on the device",
        "SGD lr 0.01 momentum 0.9",
    ]
    lines = [f"envcheck bench {doc.get('bench')}: {title} training on {where}",
             f"  recipe    {', '.join(recipe)}",
             f"  versions  {_versions(doc)}"]
    if doc.get("batch_requested") and doc.get("batch_requested") != doc.get("batch"):
        lines.append(f"  batch     halved from {doc.get('batch_requested')} after running out "
                     "of memory")
    if doc.get("interrupted"):
        lines.append("  INTERRUPTED: partial results")
    mfu = doc.get("mfu")
    lines += ["", f"Throughput  {_num(doc.get('images_per_s'))} images/s (from the median step)"
              + (f", MFU {mfu:.1%}" if mfu is not None else "")]
    iqr = doc.get("iqr_over_median")
    lines.append(
        f"  median step {_ms(doc.get('step_time_median_s'))}, p10-p90 "
        f"{_ms(doc.get('step_time_p10_s'))}-{_ms(doc.get('step_time_p90_s'))}, IQR/median "
        f"{_num(iqr * 100 if iqr is not None else None, '.1f', ' %')}, "
        f"{doc.get('steps_timed')} steps timed after {doc.get('warmup_steps')} warm-up"
    )
    cold = f"  first (cold) step {_ms(doc.get('first_step_s'))}"
    if doc.get("compile_s") is not None:
        cold += f" (includes compiling: {_ms(doc.get('compile_s'))}, excluded from the figures)"
    lines.append(cold + f", peak memory {_bytes(doc.get('peak_memory_bytes'))}")
    lines += _runs(doc.get("runs") or [])
    if doc.get("speedup_vs_cpu") is not None:
        cpu: Mapping[str, Any] = next(
            (r for r in doc.get("runs") or [] if r.get("run") == "cpu"), {}
        )
        lines.append(f"  speed-up over this machine's CPU: {doc['speedup_vs_cpu']:,.1f}x "
                     f"(CPU {_num(doc.get('cpu_images_per_s'))} images/s at batch "
                     f"{cpu.get('batch')}, {cpu.get('threads')} threads{_busy(cpu)})")
    elif doc.get("device") == "cpu":
        head: Mapping[str, Any] = next(iter(doc.get("runs") or []), {})
        lines.append(f"  CPU threads {head.get('threads')}{_busy(head)}")
    lines += _correctness(doc)
    lines += _telemetry(doc)
    lines += _verdict(doc)
    lines += _distributed(doc.get("distributed"))
    return lines


def _busy(run: Mapping[str, Any]) -> str:
    ratio = run.get("cpu_busy_ratio")
    if ratio is None:
        return ""
    note = "" if ratio >= 0.8 else ": other work on this machine took CPU time"
    return f", busy {ratio:.0%} of the time{note}"


def _runs(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(runs) < 2:
        return []
    lines = ["", "  run        device   precision  batch   images/s  median step  steps"]
    for r in runs:
        lines.append(
            f"  {r.get('run', ''):<10} {r.get('device', ''):<8} {r.get('precision', ''):<10} "
            f"{r.get('batch', ''):>5} {_num(r.get('images_per_s')):>10}  "
            f"{_ms(r.get('step_time_median_s')):>11}  {r.get('steps_timed', '')}"
        )
    return lines


def _correctness(doc: Mapping[str, Any]) -> list[str]:
    lines = ["", "Correctness"]
    first, last = doc.get("loss_first"), doc.get("loss_last")
    state = ("not finite" if doc.get("loss_finite") is False
             else "falling" if doc.get("loss_falling") else "NOT falling")
    lines.append(f"  loss {_num(first, '.3f')} -> {_num(last, '.3f')} ({state})")
    held = doc.get("held_out") or {}
    if held:
        lines.append(f"  held-out accuracy {_num((held.get('accuracy') or 0) * 100, '.1f')} % "
                     f"on {held.get('samples')} images; confusion matrix (rows: true class):")
        other = bool(held.get("confusion_other_column"))
        lines += _matrix(held.get("confusion_matrix") or [], other)
        per_class = held.get("per_class")
        if per_class:
            prec = " ".join(_pct(c.get("precision")) for c in per_class)
            rec = " ".join(_pct(c.get("recall")) for c in per_class)
            lines += [f"    precision {prec}", f"    recall    {rec}"]
    agree = doc.get("agreement")
    if agree:
        verdict = "agree" if agree.get("ok") else "DISAGREE"
        lines.append(
            f"  {agree.get('compared')} (FP32, TF32 off): logits max |diff| "
            f"{agree.get('logits_max_abs_diff'):.2g}, loss relative diff "
            f"{agree.get('loss_rel_diff'):.2g}, gradient cosine {agree.get('grad_cosine'):.7f}"
            f" -> {verdict}"
        )
    for note in doc.get("notes") or []:
        lines.append(f"  ({note})")
    return lines


def _pct(value: Any) -> str:
    return "  -  " if value is None else f"{value * 100:4.0f}%"


def _matrix(rows: Sequence[Sequence[int]], other: bool) -> list[str]:
    if not rows:
        return []
    width = max(3, *(len(str(v)) for row in rows for v in row))
    head = " ".join(f"{c:>{width}}" for c in range(len(rows)))
    if other:
        head += f" {'oth':>{width}}"
    lines = [f"    {'':>3} {head}"]
    for i, row in enumerate(rows):
        lines.append(f"    {i:>3} " + " ".join(f"{v:>{width}}" for v in row))
    return lines


def _telemetry(doc: Mapping[str, Any]) -> list[str]:
    tel = doc.get("telemetry")
    note = doc.get("telemetry_note") or ""
    if not tel:
        return ["", f"Telemetry  {note or 'none'}"] if note else []
    frac = tel.get("sm_clock_fraction")
    clock = (f"SM clock {_num(tel.get('sm_clock_median'), '.0f')}/"
             f"{_num(tel.get('sm_clock_max'), '.0f')} MHz"
             + (f" ({frac:.0%})" if frac is not None else ""))
    power = (f"power {_num(tel.get('power_median_w'), '.0f')}/"
             f"{_num(tel.get('power_limit_w'), '.0f')} W")
    link = (f"PCIe Gen{tel.get('pcie_gen')} x{tel.get('pcie_width')} "
            f"(max Gen{tel.get('pcie_gen_max')} x{tel.get('pcie_width_max')})")
    return [
        "",
        f"Telemetry  {note}, {tel.get('samples')} samples during timed steps",
        f"  utilisation {_num(tel.get('gpu_util_median'), '.0f', ' %')}, {clock}, "
        f"hottest {_num(tel.get('temperature_max'), 'd', ' °C')}, {power}, {link}",
    ]


def _verdict(doc: Mapping[str, Any]) -> list[str]:
    verdict = str(doc.get("verdict"))
    ref = doc.get("reference")
    lines = [""]
    if ref:
        lines.append(
            f"Verdict  {VERDICT_TEXT.get(verdict, verdict)}: {_num(doc.get('images_per_s'))} "
            f"of {_num(ref.get('images_per_s'), ',.0f')} images/s expected for "
            f"{ref.get('gpu')} ({_num((doc.get('verdict_ratio') or 0) * 100, '.0f', ' %')})"
        )
        lines.append(f"  reference ({ref.get('kind')}): {ref.get('source')}"
                     + (f"; batch {ref['batch']}" if ref.get("batch") else ""))
    else:
        lines.append(f"Verdict  {VERDICT_TEXT.get(verdict, verdict)}"
                     + (f": {doc.get('verdict_note')}" if doc.get("verdict_note") else ""))
    if ref and doc.get("verdict_note"):
        lines.append(f"  note: {doc['verdict_note']}")
    if doc.get("mfu") is not None:
        lines.append(f"  MFU {doc['mfu']:.1%} of the GPU's dense peak (context, not a pass mark: "
                     "eager ResNet-50 typically reaches 3-25 %)")
    lines += bar_chart(doc.get("comparison") or [], doc.get("gpu_model"),
                       doc.get("images_per_s") if doc.get("device") != "cpu" else None)
    return lines


def bar_chart(rows: Sequence[Mapping[str, Any]], this_gpu: str | None, this_value: Any,
              width: int = 32, limit: int = 10) -> list[str]:
    """A small horizontal bar chart: reference GPUs and this one (marked), one line each."""
    entries = [(str(r["gpu"]), float(r["images_per_s"]), False, str(r.get("kind", "")))
               for r in rows[:limit]]
    if isinstance(this_value, (int, float)) and this_value > 0:
        entries.append((f"this GPU{f' ({this_gpu})' if this_gpu else ''}", float(this_value),
                        True, "measured now"))
    if len(entries) < 2:
        return []
    entries.sort(key=lambda e: -e[1])
    top = entries[0][1]
    label_w = max(len(e[0]) for e in entries)
    lines = ["", "  images/s against reference GPUs (same model and precision class):"]
    for label, value, mine, kind in entries:
        bar = BAR * max(1, round(value / top * width))
        mark = "  <- this run" if mine else ("  (estimate)" if kind == "estimate" else "")
        lines.append(f"  {label:<{label_w}} {bar:<{width}} {value:>8,.0f}{mark}")
    return lines


def _distributed(dist: Mapping[str, Any] | None) -> list[str]:
    if not dist:
        return []
    per_rank = ", ".join(_num(v) for v in dist.get("per_rank_images_per_s") or [])
    ar = dist.get("allreduce") or {}
    eff = dist.get("scaling_efficiency")
    return [
        "",
        f"DDP  {dist.get('world_size')} processes ({dist.get('backend')}): aggregate "
        f"{_num(dist.get('aggregate_images_per_s'))} images/s; per rank {per_rank}",
        f"  scaling efficiency {_num(eff * 100 if eff is not None else None, '.0f', ' %')} "
        f"against {dist.get('world_size')} x one process "
        f"({_num(dist.get('single_images_per_s'))} images/s); slowest rank "
        f"{dist.get('slowest_rank')}",
        f"  all-reduce of {_bytes(ar.get('bytes'))}: bus bandwidth "
        f"{_num(ar.get('busbw_gb_s'), '.2f', ' GB/s')} (algorithm bandwidth "
        f"{_num(ar.get('algbw_gb_s'), '.2f', ' GB/s')} x 2(n-1)/n, as nccl-tests reports it)",
    ]


def _matmul(doc: Mapping[str, Any]) -> list[str]:
    lines = [f"envcheck bench matmul on {doc.get('device_name') or doc.get('device')} "
             f"({doc.get('device')})", f"  versions  {_versions(doc)}", "",
             "  dtype    size     TFLOP/s   peak    share"]
    for r in doc.get("matmul") or []:
        if r.get("tflops") is None:
            lines.append(f"  {r.get('dtype'):<8} failed: {r.get('error')}")
            continue
        share = r.get("fraction_of_peak")
        lines.append(
            f"  {r.get('dtype'):<8} {r.get('size'):<7} {r['tflops']:>8.2f}  "
            f"{_num(r.get('peak_tflops'), '>6.1f')}  "
            f"{'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _transfer(doc: Mapping[str, Any]) -> list[str]:
    pcie = doc.get("pcie") or {}
    link = (f"PCIe Gen{pcie.get('gen')} x{pcie.get('width')} under load "
            f"(card max Gen{pcie.get('gen_max')} x{pcie.get('width_max')}: "
            f"{_num(pcie.get('link_max_gb_s'), '.1f', ' GB/s')} per direction)"
            if pcie.get("gen") else f"PCIe link unknown ({doc.get('telemetry_note')})")
    lines = [f"envcheck bench transfer on {doc.get('device_name')}", f"  {link}", "",
             "  direction  memory     GB/s   share of link"]
    for r in doc.get("transfer") or []:
        share = r.get("fraction_of_link")
        lines.append(
            f"  {r['direction']:<10} {'pinned' if r['pinned'] else 'pageable':<9} "
            f"{r['gb_s']:>6.2f}   {'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _findings(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    if not findings:
        return []
    lines = ["", "Findings"]
    for f in findings:
        mark = SEVERITY_MARKS.get(str(f.get("severity")), "-")
        lines.append(f"  {mark} {f.get('title')}  [{f.get('id')}]")
        if f.get("detail"):
            lines.append(f"      {f['detail']}")
    return lines
