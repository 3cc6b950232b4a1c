"""Render a benchmark result (:mod:`envcheck.bench.document`, schema 1) as text or JSON.

Pure functions of the result: they never measure, probe or print. The text shows the recipe,
the headline figures with their spread, every run, correctness, telemetry, the verdict against
the reference, and a small bar chart of this GPU against reference GPUs. A ``--json`` document
read back (a record from another machine) is rendered through the same typed result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from envcheck.bench.document import (
    BenchFailure,
    BenchResult,
    ComparisonRow,
    Distributed,
    FollowerNote,
    MatmulResult,
    RunFigures,
    TrainResult,
    TransferResult,
    result_from_dict,
)
from envcheck.model import Finding

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


def render_bench_json(result: BenchResult | BenchFailure | FollowerNote | Mapping[str, Any]
                      ) -> str:
    """The result's ``--json`` document as indented JSON with a trailing newline."""
    document = result if isinstance(result, Mapping) else result.to_dict()
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def render_bench_text(result: BenchResult | Mapping[str, Any]) -> str:
    """Human-readable report for any bench kind (a ``--json`` document is read back first)."""
    typed = result_from_dict(result) if isinstance(result, Mapping) else result
    if isinstance(typed, MatmulResult):
        lines = _matmul(typed)
    elif isinstance(typed, TransferResult):
        lines = _transfer(typed)
    else:
        lines = _train(typed)
    lines += _findings(typed.findings)
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


def _versions(doc: BenchResult) -> str:
    v = doc.versions
    parts = [f"torch {v.get('torch')}"]
    if v.get("cuda"):
        parts.append(f"CUDA {v.get('cuda')}")
    if v.get("cudnn"):
        parts.append(f"cuDNN {v.get('cudnn')}")
    if v.get("driver"):
        parts.append(f"driver {v.get('driver')}")
    parts.append(f"Python {v.get('python')}")
    return ", ".join(parts)


def _train(doc: TrainResult) -> list[str]:
    title = MODEL_TITLES.get(doc.model, doc.model)
    where = f"{doc.device_name or doc.device} ({doc.device})"
    size = doc.image_size
    recipe = [
        f"batch {doc.batch}",
        doc.precision,
        "channels_last" if doc.channels_last else "NCHW",
        "torch.compile" if doc.compile else "eager",
        f"{size}x{size} synthetic data on the device",
        "SGD lr 0.01 momentum 0.9",
    ]
    lines = [f"envcheck bench {doc.bench}: {title} training on {where}",
             f"  recipe    {', '.join(recipe)}",
             f"  versions  {_versions(doc)}"]
    if doc.batch_requested and doc.batch_requested != doc.batch:
        lines.append(f"  batch     halved from {doc.batch_requested} after running out "
                     "of memory")
    if doc.interrupted:
        lines.append("  INTERRUPTED: partial results")
    mfu = doc.mfu
    lines += ["", f"Throughput  {_num(doc.images_per_s)} images/s (from the median step)"
              + (f", MFU {mfu:.1%}" if mfu is not None else "")]
    iqr = doc.iqr_over_median
    lines.append(
        f"  median step {_ms(doc.step_time_median_s)}, p10-p90 "
        f"{_ms(doc.step_time_p10_s)}-{_ms(doc.step_time_p90_s)}, IQR/median "
        f"{_num(iqr * 100 if iqr is not None else None, '.1f', ' %')}, "
        f"{doc.steps_timed} steps timed after {doc.warmup_steps} warm-up"
    )
    cold = f"  first (cold) step {_ms(doc.first_step_s)}"
    if doc.compile_s is not None:
        cold += f" (includes compiling: {_ms(doc.compile_s)}, excluded from the figures)"
    lines.append(cold + f", peak memory {_bytes(doc.peak_memory_bytes)}")
    lines += _runs(doc.runs)
    if doc.speedup_vs_cpu is not None:
        cpu = doc.run_named("cpu") or RunFigures({})
        lines.append(f"  speed-up over this machine's CPU: {doc.speedup_vs_cpu:,.1f}x "
                     f"(CPU {_num(doc.cpu_images_per_s)} images/s at batch "
                     f"{cpu.batch}, {cpu.threads} threads{_busy(cpu)})")
    elif doc.device == "cpu":
        head = next(iter(doc.runs), RunFigures({}))
        lines.append(f"  CPU threads {head.threads}{_busy(head)}")
    lines += _correctness(doc)
    lines += _telemetry(doc)
    lines += _verdict(doc)
    lines += _distributed(doc.distributed)
    return lines


def _busy(run: RunFigures) -> str:
    ratio = run.cpu_busy_ratio
    if ratio is None:
        return ""
    note = "" if ratio >= 0.8 else ": other work on this machine took CPU time"
    return f", busy {ratio:.0%} of the time{note}"


def _runs(runs: Sequence[RunFigures]) -> list[str]:
    if len(runs) < 2:
        return []
    lines = ["", "  run        device   precision  batch   images/s  median step  steps"]
    for r in runs:
        batch = "" if r.batch is None else r.batch
        steps = r.steps_timed if "steps_timed" in r.record else ""
        lines.append(
            f"  {r.name:<10} {r.device:<8} {r.precision:<10} "
            f"{batch:>5} {_num(r.images_per_s):>10}  "
            f"{_ms(r.step_time_median_s):>11}  {steps}"
        )
    return lines


def _correctness(doc: TrainResult) -> list[str]:
    lines = ["", "Correctness"]
    first, last = doc.loss_first, doc.loss_last
    state = ("not finite" if doc.loss_finite is False
             else "falling" if doc.loss_falling else "NOT falling")
    lines.append(f"  loss {_num(first, '.3f')} -> {_num(last, '.3f')} ({state})")
    held = doc.held_out
    if held:
        lines.append(f"  held-out accuracy {_num((held.accuracy or 0) * 100, '.1f')} % "
                     f"on {held.samples} images; confusion matrix (rows: true class):")
        lines += _matrix(held.confusion_matrix, held.other_column)
        per_class = held.per_class
        if per_class:
            prec = " ".join(_pct(c.get("precision")) for c in per_class)
            rec = " ".join(_pct(c.get("recall")) for c in per_class)
            lines += [f"    precision {prec}", f"    recall    {rec}"]
    agree = doc.agreement
    if agree:
        verdict = "agree" if agree.ok else "DISAGREE"
        lines.append(
            f"  {agree.compared} (FP32, TF32 off): logits max |diff| "
            f"{agree.logits_max_abs_diff:.2g}, loss relative diff "
            f"{agree.loss_rel_diff:.2g}, gradient cosine {agree.grad_cosine:.7f}"
            f" -> {verdict}"
        )
    for note in doc.notes:
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


def _telemetry(doc: TrainResult) -> list[str]:
    tel = doc.telemetry
    note = doc.telemetry_note or ""
    if not tel:
        return ["", f"Telemetry  {note or 'none'}"] if note else []
    frac = tel.sm_clock_fraction
    clock = (f"SM clock {_num(tel.sm_clock_median, '.0f')}/"
             f"{_num(tel.sm_clock_max, '.0f')} MHz"
             + (f" ({frac:.0%})" if frac is not None else ""))
    power = (f"power {_num(tel.power_median_w, '.0f')}/"
             f"{_num(tel.power_limit_w, '.0f')} W")
    link = (f"PCIe Gen{tel.pcie_gen} x{tel.pcie_width} "
            f"(max Gen{tel.pcie_gen_max} x{tel.pcie_width_max})")
    return [
        "",
        f"Telemetry  {note}, {tel.samples} samples during timed steps",
        f"  utilisation {_num(tel.gpu_util_median, '.0f', ' %')}, {clock}, "
        f"hottest {_num(tel.temperature_max, 'd', ' °C')}, {power}, {link}",
    ]


def _verdict(doc: TrainResult) -> list[str]:
    verdict = doc.verdict
    ref = doc.reference
    lines = [""]
    if ref:
        lines.append(
            f"Verdict  {VERDICT_TEXT.get(verdict, verdict)}: {_num(doc.images_per_s)} "
            f"of {_num(ref.images_per_s, ',.0f')} images/s expected for "
            f"{ref.gpu} ({_num((doc.verdict_ratio or 0) * 100, '.0f', ' %')})"
        )
        lines.append(f"  reference ({ref.kind}): {ref.source}"
                     + (f"; batch {ref.batch}" if ref.batch else ""))
    else:
        lines.append(f"Verdict  {VERDICT_TEXT.get(verdict, verdict)}"
                     + (f": {doc.verdict_note}" if doc.verdict_note else ""))
    if ref and doc.verdict_note:
        lines.append(f"  note: {doc.verdict_note}")
    if doc.mfu is not None:
        lines.append(f"  MFU {doc.mfu:.1%} of the GPU's dense peak (context, not a pass mark: "
                     "eager ResNet-50 typically reaches 3-25 %)")
    lines += bar_chart(doc.comparison, doc.gpu_model,
                       doc.images_per_s if doc.device != "cpu" else None)
    return lines


def bar_chart(rows: Sequence[ComparisonRow], this_gpu: str | None, this_value: Any,
              width: int = 32, limit: int = 10) -> list[str]:
    """A small horizontal bar chart: reference GPUs and this one (marked), one line each."""
    entries = [(r.gpu, float(r.images_per_s), False, r.kind) for r in rows[:limit]]
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


def _distributed(dist: Distributed | None) -> list[str]:
    if not dist:
        return []
    per_rank = ", ".join(_num(v) for v in dist.per_rank_images_per_s)
    ar = dist.allreduce
    eff = dist.scaling_efficiency
    return [
        "",
        f"DDP  {dist.world_size} processes ({dist.backend}): aggregate "
        f"{_num(dist.aggregate_images_per_s)} images/s; per rank {per_rank}",
        f"  scaling efficiency {_num(eff * 100 if eff is not None else None, '.0f', ' %')} "
        f"against {dist.world_size} x one process "
        f"({_num(dist.single_images_per_s)} images/s); slowest rank "
        f"{dist.slowest_rank}",
        f"  all-reduce of {_bytes(ar.get('bytes'))}: bus bandwidth "
        f"{_num(ar.get('busbw_gb_s'), '.2f', ' GB/s')} (algorithm bandwidth "
        f"{_num(ar.get('algbw_gb_s'), '.2f', ' GB/s')} x 2(n-1)/n, as nccl-tests reports it)",
    ]


def _matmul(doc: MatmulResult) -> list[str]:
    lines = [f"envcheck bench matmul on {doc.device_name or doc.device} "
             f"({doc.device})", f"  versions  {_versions(doc)}", "",
             "  dtype    size     TFLOP/s   peak    share"]
    for r in doc.matmul:
        if r.tflops is None:
            lines.append(f"  {r.dtype:<8} failed: {r.error}")
            continue
        share = r.fraction_of_peak
        lines.append(
            f"  {r.dtype:<8} {r.size:<7} {r.tflops:>8.2f}  "
            f"{_num(r.peak_tflops, '>6.1f')}  "
            f"{'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _transfer(doc: TransferResult) -> list[str]:
    pcie = doc.pcie
    link = (f"PCIe Gen{pcie.gen} x{pcie.width} under load "
            f"(card max Gen{pcie.gen_max} x{pcie.width_max}: "
            f"{_num(pcie.link_max_gb_s, '.1f', ' GB/s')} per direction)"
            if pcie.gen else f"PCIe link unknown ({doc.telemetry_note})")
    lines = [f"envcheck bench transfer on {doc.device_name}", f"  {link}", "",
             "  direction  memory     GB/s   share of link"]
    for r in doc.transfer:
        share = r.fraction_of_link
        lines.append(
            f"  {r.direction:<10} {'pinned' if r.pinned else 'pageable':<9} "
            f"{r.gb_s:>6.2f}   {'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _findings(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return []
    lines = ["", "Findings"]
    for f in findings:
        mark = SEVERITY_MARKS.get(f.severity.label, "-")
        lines.append(f"  {mark} {f.title}  [{f.id}]")
        if f.detail:
            lines.append(f"      {f.detail}")
    return lines
