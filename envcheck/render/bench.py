"""Render a benchmark result (:mod:`envcheck.bench.document`, schema 1) as text or JSON.

Pure functions of the result: they never measure, probe or print. The text shows the recipe,
the headline figures with their spread, every run, correctness, telemetry, the verdict against
the reference, and a small bar chart of this GPU against reference GPUs. A ``--json`` document
read back (a record from another machine) is rendered through the same typed result.

Both speak the reader's language (``lang``, :mod:`envcheck.i18n`): only the words change.
Numbers, units, ids, JSON keys and values (``verdict``, ``kind``, run names), commands and
versions are the same in every language; English is exactly what the code writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich.cells import cell_len

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
from envcheck.i18n import DEFAULT, Messages, Msg, messages
from envcheck.i18n_lists import items
from envcheck.model import Finding
from envcheck.render.localize import localize_finding

MODEL_TITLES = {
    "resnet18": "ResNet-18",
    "resnet34": "ResNet-34",
    "resnet50": "ResNet-50 v1.5",
    "mnist_cnn": "MNIST CNN",
}
SEVERITY_MARKS = {"error": "✗", "warning": "!", "info": "·"}
VERDICT_TEXT: Mapping[str, str] = {
    "ok": Msg("ok"),
    "below_expected": Msg("below expected"),
    "investigate": Msg("investigate"),
    "no_reference": Msg("no reference"),
}
KIND_TEXT: Mapping[str, str] = {
    "measured": Msg("measured"),
    "published": Msg("published"),
    "estimate": Msg("estimate"),
}
"""A reference's ``kind``, in words (the JSON keeps the value)."""
BAR = "█"
UNKNOWN = Msg("unknown")


@dataclass(frozen=True)
class _Words:
    """The language the report is written in; what it could not say goes to ``missing``."""

    m: Messages
    missing: set[str] | None = None

    def __call__(self, text: str) -> str:
        return self.m.say(text, self.missing)


_ENGLISH = _Words(messages(DEFAULT))


def _left(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal cells (a Chinese character takes two)."""
    return text + " " * max(0, width - cell_len(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - cell_len(text)) + text


# -- the words of a result, in the reader's language ---------------------------------------


def localize_bench(result: BenchResult, lang: str, missing: set[str] | None = None
                   ) -> BenchResult:
    """``result`` with its words in ``lang`` (findings, the verdict's note, the telemetry and
    worker notes); numbers, ids, enum values and the reference's citation stay as they are.
    The same object for English."""
    if lang == DEFAULT:
        return result
    m = messages(lang)
    findings = tuple(localize_finding(f, m, missing) for f in result.findings)
    if isinstance(result, MatmulResult):
        return replace(result, findings=findings)
    note = m.say(result.telemetry_note, missing) if result.telemetry_note else (
        result.telemetry_note)
    if isinstance(result, TransferResult):
        return replace(result, findings=findings, telemetry_note=note)
    telemetry = result.telemetry
    if telemetry is not None and telemetry.note:
        telemetry = replace(telemetry, note=m.say(telemetry.note, missing))
    return replace(
        result, findings=findings, telemetry_note=note, telemetry=telemetry,
        verdict_note=m.say(result.verdict_note, missing) if result.verdict_note else "",
        notes=tuple(m.say(n, missing) for n in result.notes),
    )


def localize_failure(document: BenchFailure | FollowerNote, lang: str,
                     missing: set[str] | None = None) -> BenchFailure | FollowerNote:
    """The error document's message and diagnosis, or a follower's note, in ``lang``."""
    if lang == DEFAULT:
        return document
    m = messages(lang)
    if isinstance(document, FollowerNote):
        return replace(document, note=m.say(document.note, missing))
    return replace(
        document, message=m.say(document.message, missing) if document.message else (
            document.message),
        diagnosis=tuple(localize_finding(f, m, missing) for f in document.diagnosis))


def render_bench_json(result: BenchResult | BenchFailure | FollowerNote | Mapping[str, Any],
                      lang: str = DEFAULT) -> str:
    """The result's ``--json`` document as indented JSON with a trailing newline; in ``lang``
    its words are translated (keys and values are the same in every language) and written as
    they are, not as ``\\u`` escapes. A document given as a mapping is written as it is."""
    if isinstance(result, (BenchFailure, FollowerNote)):
        result = localize_failure(result, lang)
    elif not isinstance(result, Mapping):
        result = localize_bench(result, lang)
    document = result if isinstance(result, Mapping) else result.to_dict()
    return json.dumps(document, indent=2, sort_keys=False, default=str,
                      ensure_ascii=lang == DEFAULT) + "\n"


def render_bench_text(result: BenchResult | Mapping[str, Any], lang: str = DEFAULT,
                      missing: set[str] | None = None) -> str:
    """Human-readable report for any bench kind (a ``--json`` document is read back first),
    in ``lang``; what has no translation is said in English and added to ``missing``."""
    typed = result_from_dict(result) if isinstance(result, Mapping) else result
    typed = localize_bench(typed, lang, missing)
    w = _Words(messages(lang), missing)
    if isinstance(typed, MatmulResult):
        lines = _matmul(typed, w)
    elif isinstance(typed, TransferResult):
        lines = _transfer(typed, w)
    else:
        lines = _train(typed, w)
    lines += _findings(typed.findings, w)
    return "\n".join(lines).rstrip() + "\n"


def _num(value: Any, fmt: str = ",.1f", unit: str = "") -> str:
    if value is None:
        return UNKNOWN
    return f"{value:{fmt}}{unit}"


def _ms(seconds: Any) -> str:
    if seconds is None:
        return UNKNOWN
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else f"{seconds:.2f} s"


def _bytes(value: Any) -> str:
    if value is None:
        return UNKNOWN
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.0f} MiB"


def _versions(doc: BenchResult) -> str:
    v = doc.versions
    parts: list[str] = [f"torch {v.get('torch')}"]
    if v.get("cuda"):
        parts.append(f"CUDA {v.get('cuda')}")
    if v.get("cudnn"):
        parts.append(f"cuDNN {v.get('cudnn')}")
    if v.get("driver"):
        parts.append(Msg("driver {version}", version=f"{v.get('driver')}"))
    parts.append(f"Python {v.get('python')}")
    return items(parts)


LABEL_WIDTH = 10
"""The width of the labels under a heading (``recipe``, ``versions``, ``batch``)."""


def _labelled(w: _Words, label: str, value: str) -> str:
    return f"  {_left(w(label), LABEL_WIDTH)}{w(value)}"


def _train(doc: TrainResult, w: _Words) -> list[str]:
    title = MODEL_TITLES.get(doc.model, doc.model)
    where = f"{doc.device_name or doc.device} ({doc.device})"
    size = doc.image_size
    recipe = Msg(
        "batch {batch}, {precision}, {layout}, {mode}, {size}x{size} synthetic data on the "
        "device, SGD lr 0.01 momentum 0.9", batch=f"{doc.batch}", precision=doc.precision,
        layout="channels_last" if doc.channels_last else "NCHW",
        mode="torch.compile" if doc.compile else "eager", size=f"{size}")
    lines = [w(Msg("envcheck bench {bench}: {title} training on {where}", bench=doc.bench,
                   title=title, where=where)),
             _labelled(w, Msg("recipe"), recipe),
             _labelled(w, Msg("versions"), _versions(doc))]
    if doc.batch_requested and doc.batch_requested != doc.batch:
        lines.append(_labelled(w, Msg("batch"), Msg(
            "halved from {requested} after running out of memory",
            requested=f"{doc.batch_requested}")))
    if doc.interrupted:
        lines.append("  " + w(Msg("INTERRUPTED: partial results")))
    mfu = doc.mfu
    lines += ["", w(Msg("Throughput  {ips} images/s (from the median step){mfu}",
                        ips=_num(doc.images_per_s),
                        mfu=Msg(", MFU {mfu}", mfu=f"{mfu:.1%}") if mfu is not None else ""))]
    iqr = doc.iqr_over_median
    lines.append("  " + w(Msg(
        "median step {median}, p10-p90 {p10}-{p90}, IQR/median {iqr}, {steps} steps timed "
        "after {warmup} warm-up", median=_ms(doc.step_time_median_s),
        p10=_ms(doc.step_time_p10_s), p90=_ms(doc.step_time_p90_s),
        iqr=_num(iqr * 100 if iqr is not None else None, '.1f', ' %'),
        steps=f"{doc.steps_timed}", warmup=f"{doc.warmup_steps}")))
    compiling = Msg(" (includes compiling: {seconds}, excluded from the figures)",
                    seconds=_ms(doc.compile_s)) if doc.compile_s is not None else ""
    lines.append("  " + w(Msg("first (cold) step {first}{compiling}, peak memory {peak}",
                              first=_ms(doc.first_step_s), compiling=compiling,
                              peak=_bytes(doc.peak_memory_bytes))))
    lines += _runs(doc.runs, w)
    if doc.speedup_vs_cpu is not None:
        cpu = doc.run_named("cpu") or RunFigures({})
        lines.append("  " + w(Msg(
            "speed-up over this machine's CPU: {speedup}x (CPU {ips} images/s at batch "
            "{batch}, {threads} threads{busy})", speedup=f"{doc.speedup_vs_cpu:,.1f}",
            ips=_num(doc.cpu_images_per_s), batch=f"{cpu.batch}", threads=f"{cpu.threads}",
            busy=_busy(cpu))))
    elif doc.device == "cpu":
        head = next(iter(doc.runs), RunFigures({}))
        lines.append("  " + w(Msg("CPU threads {threads}{busy}", threads=f"{head.threads}",
                                  busy=_busy(head))))
    lines += _correctness(doc, w)
    lines += _telemetry(doc, w)
    lines += _verdict(doc, w)
    lines += _distributed(doc.distributed, w)
    return lines


def _busy(run: RunFigures) -> str:
    ratio = run.cpu_busy_ratio
    if ratio is None:
        return ""
    note = "" if ratio >= 0.8 else Msg(": other work on this machine took CPU time")
    return Msg(", busy {ratio} of the time{note}", ratio=f"{ratio:.0%}", note=note)


def _run_row(name: str, device: str, precision: str, batch: str, ips: str, median: str,
             steps: str) -> str:
    return (f"  {_left(name, 10)} {_left(device, 8)} {_left(precision, 10)} "
            f"{_right(batch, 5)} {_right(ips, 10)}  {_right(median, 11)}  {steps}")


def _runs(runs: Sequence[RunFigures], w: _Words) -> list[str]:
    if len(runs) < 2:
        return []
    lines = ["", _run_row(w(Msg("run")), w(Msg("device")), w(Msg("precision")),
                          w(Msg("batch")), "images/s", w(Msg("median step")), w(Msg("steps")))]
    for r in runs:
        batch = "" if r.batch is None else f"{r.batch}"
        steps = f"{r.steps_timed}" if "steps_timed" in r.record else ""
        lines.append(_run_row(r.name, f"{r.device}", f"{r.precision}", batch,
                              w(_num(r.images_per_s)), w(_ms(r.step_time_median_s)), steps))
    return lines


def _correctness(doc: TrainResult, w: _Words) -> list[str]:
    lines = ["", w(Msg("Correctness"))]
    first, last = doc.loss_first, doc.loss_last
    state = (Msg("not finite") if doc.loss_finite is False
             else Msg("falling") if doc.loss_falling else Msg("NOT falling"))
    lines.append("  " + w(Msg("loss {first} -> {last} ({state})", first=_num(first, '.3f'),
                              last=_num(last, '.3f'), state=state)))
    held = doc.held_out
    if held:
        lines.append("  " + w(Msg(
            "held-out accuracy {accuracy} % on {samples} images; confusion matrix (rows: true "
            "class):", accuracy=_num((held.accuracy or 0) * 100, '.1f'),
            samples=f"{held.samples}")))
        lines += _matrix(held.confusion_matrix, held.other_column, w)
        per_class = held.per_class
        if per_class:
            prec = " ".join(_pct(c.get("precision")) for c in per_class)
            rec = " ".join(_pct(c.get("recall")) for c in per_class)
            lines += ["    " + w(Msg("precision {values}", values=prec)),
                      "    " + w(Msg("recall    {values}", values=rec))]
    agree = doc.agreement
    if agree:
        lines.append("  " + w(Msg(
            "{compared} (FP32, TF32 off): logits max |diff| {logits}, loss relative diff "
            "{loss}, gradient cosine {cosine} -> {verdict}", compared=f"{agree.compared}",
            logits=f"{agree.logits_max_abs_diff:.2g}", loss=f"{agree.loss_rel_diff:.2g}",
            cosine=f"{agree.grad_cosine:.7f}",
            verdict=Msg("agree") if agree.ok else Msg("DISAGREE"))))
    for note in doc.notes:
        lines.append("  " + w(Msg("({note})", note=note)))
    return lines


def _pct(value: Any) -> str:
    return "  -  " if value is None else f"{value * 100:4.0f}%"


def _matrix(rows: Sequence[Sequence[int]], other: bool, w: _Words) -> list[str]:
    if not rows:
        return []
    other_label = w(Msg("oth"))
    width = max(3, *(len(str(v)) for row in rows for v in row))
    if other:
        width = max(width, cell_len(other_label))
    head = " ".join(f"{c:>{width}}" for c in range(len(rows)))
    if other:
        head += f" {_right(other_label, width)}"
    lines = [f"    {'':>3} {head}"]
    for i, row in enumerate(rows):
        lines.append(f"    {i:>3} " + " ".join(f"{v:>{width}}" for v in row))
    return lines


def _telemetry(doc: TrainResult, w: _Words) -> list[str]:
    tel = doc.telemetry
    note = doc.telemetry_note or ""
    if not tel:
        return ["", w(Msg("Telemetry  {note}", note=note or Msg("none")))] if note else []
    frac = tel.sm_clock_fraction
    clock = Msg("SM clock {median}/{top} MHz{share}", median=_num(tel.sm_clock_median, '.0f'),
                top=_num(tel.sm_clock_max, '.0f'),
                share=f" ({frac:.0%})" if frac is not None else "")
    power = Msg("power {median}/{limit} W", median=_num(tel.power_median_w, '.0f'),
                limit=_num(tel.power_limit_w, '.0f'))
    link = Msg("PCIe Gen{gen} x{width} (max Gen{gen_max} x{width_max})", gen=tel.pcie_gen,
               width=tel.pcie_width, gen_max=tel.pcie_gen_max, width_max=tel.pcie_width_max)
    return [
        "",
        w(Msg("Telemetry  {note}, {samples} samples during timed steps", note=note,
              samples=f"{tel.samples}")),
        "  " + w(Msg("utilisation {util}, {clock}, hottest {temperature}, {power}, {link}",
                     util=_num(tel.gpu_util_median, '.0f', ' %'), clock=clock,
                     temperature=_num(tel.temperature_max, 'd', ' °C'), power=power,
                     link=link)),
    ]


def _verdict(doc: TrainResult, w: _Words) -> list[str]:
    verdict = doc.verdict
    said = VERDICT_TEXT.get(verdict, verdict)
    ref = doc.reference
    lines = [""]
    if ref:
        lines.append(w(Msg(
            "Verdict  {verdict}: {ips} of {expected} images/s expected for {gpu} ({ratio})",
            verdict=said, ips=_num(doc.images_per_s), expected=_num(ref.images_per_s, ',.0f'),
            gpu=ref.gpu, ratio=_num((doc.verdict_ratio or 0) * 100, '.0f', ' %'))))
        batch = Msg("; batch {batch}", batch=f"{ref.batch}") if ref.batch else ""
        lines.append("  " + w(Msg("reference ({kind}): {source}{batch}",
                                  kind=KIND_TEXT.get(ref.kind, ref.kind), source=ref.source,
                                  batch=batch)))
    elif doc.verdict_note:
        lines.append(w(Msg("Verdict  {verdict}: {note}", verdict=said, note=doc.verdict_note)))
    else:
        lines.append(w(Msg("Verdict  {verdict}", verdict=said)))
    if ref and doc.verdict_note:
        lines.append("  " + w(Msg("note: {note}", note=doc.verdict_note)))
    if doc.mfu is not None:
        lines.append("  " + w(Msg(
            "MFU {mfu} of the GPU's dense peak (context, not a pass mark: eager ResNet-50 "
            "typically reaches 3-25 %)", mfu=f"{doc.mfu:.1%}")))
    lines += bar_chart(doc.comparison, doc.gpu_model,
                       doc.images_per_s if doc.device != "cpu" else None, words=w)
    return lines


def bar_chart(rows: Sequence[ComparisonRow], this_gpu: str | None, this_value: Any,
              width: int = 32, limit: int = 10, *, words: _Words = _ENGLISH) -> list[str]:
    """A small horizontal bar chart: reference GPUs and this one (marked), one line each."""
    w = words
    entries = [(r.gpu, float(r.images_per_s), False, r.kind) for r in rows[:limit]]
    if isinstance(this_value, (int, float)) and this_value > 0:
        this = (Msg("this GPU ({model})", model=this_gpu) if this_gpu else Msg("this GPU"))
        entries.append((w(this), float(this_value), True, "measured now"))
    if len(entries) < 2:
        return []
    entries.sort(key=lambda e: -e[1])
    top = entries[0][1]
    label_w = max(cell_len(e[0]) for e in entries)
    lines = ["", "  " + w(Msg("images/s against reference GPUs (same model and precision "
                              "class):"))]
    for label, value, mine, kind in entries:
        bar = BAR * max(1, round(value / top * width))
        mark = ("  " + w(Msg("<- this run")) if mine
                else "  " + w(Msg("(estimate)")) if kind == "estimate" else "")
        lines.append(f"  {_left(label, label_w)} {bar:<{width}} {value:>8,.0f}{mark}")
    return lines


def _distributed(dist: Distributed | None, w: _Words) -> list[str]:
    if not dist:
        return []
    per_rank = ", ".join(_num(v) for v in dist.per_rank_images_per_s)
    ar = dist.allreduce
    eff = dist.scaling_efficiency
    return [
        "",
        w(Msg("DDP  {world} processes ({backend}): aggregate {aggregate} images/s; per rank "
              "{per_rank}", world=f"{dist.world_size}", backend=f"{dist.backend}",
              aggregate=_num(dist.aggregate_images_per_s), per_rank=per_rank)),
        "  " + w(Msg("scaling efficiency {efficiency} against {world} x one process ({single} "
                     "images/s); slowest rank {slowest}",
                     efficiency=_num(eff * 100 if eff is not None else None, '.0f', ' %'),
                     world=f"{dist.world_size}", single=_num(dist.single_images_per_s),
                     slowest=f"{dist.slowest_rank}")),
        "  " + w(Msg("all-reduce of {size}: bus bandwidth {bus} (algorithm bandwidth {alg} x "
                     "2(n-1)/n, as nccl-tests reports it)", size=_bytes(ar.get('bytes')),
                     bus=_num(ar.get('busbw_gb_s'), '.2f', ' GB/s'),
                     alg=_num(ar.get('algbw_gb_s'), '.2f', ' GB/s'))),
    ]


def _matmul(doc: MatmulResult, w: _Words) -> list[str]:
    lines = [w(Msg("envcheck bench matmul on {where}",
                   where=f"{doc.device_name or doc.device} ({doc.device})")),
             _labelled(w, Msg("versions"), _versions(doc)), "",
             f"  {_left('dtype', 9)}{_left(w(Msg('size')), 9)}TFLOP/s   "
             f"{_left(w(Msg('peak')), 8)}{w(Msg('share'))}"]
    for r in doc.matmul:
        if r.tflops is None:
            lines.append(f"  {r.dtype:<8} " + w(Msg("failed: {error}", error=f"{r.error}")))
            continue
        share = r.fraction_of_peak
        lines.append(
            f"  {r.dtype:<8} {r.size:<7} {r.tflops:>8.2f}  "
            f"{w(_num(r.peak_tflops, '>6.1f'))}  "
            f"{'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _transfer(doc: TransferResult, w: _Words) -> list[str]:
    pcie = doc.pcie
    link = (Msg("PCIe Gen{gen} x{width} under load (card max Gen{gen_max} x{width_max}: "
                "{rate} per direction)", gen=pcie.gen, width=pcie.width, gen_max=pcie.gen_max,
                width_max=pcie.width_max, rate=_num(pcie.link_max_gb_s, '.1f', ' GB/s'))
            if pcie.gen else Msg("PCIe link unknown ({why})", why=f"{doc.telemetry_note}"))
    lines = [w(Msg("envcheck bench transfer on {name}", name=f"{doc.device_name}")),
             f"  {w(link)}", "",
             f"  {_left(w(Msg('direction')), 11)}{_left(w(Msg('memory')), 11)}GB/s   "
             f"{w(Msg('share of link'))}"]
    for r in doc.transfer:
        share = r.fraction_of_link
        memory = Msg("pinned") if r.pinned else Msg("pageable")
        lines.append(
            f"  {r.direction:<10} {_left(w(memory), 9)} "
            f"{r.gb_s:>6.2f}   {'' if share is None else f'{share:.0%}'}"
        )
    return lines


def _findings(findings: Sequence[Finding], w: _Words) -> list[str]:
    """The findings, already in the reader's language (:func:`localize_bench`)."""
    if not findings:
        return []
    lines = ["", w(Msg("Findings"))]
    for f in findings:
        mark = SEVERITY_MARKS.get(f.severity.label, "-")
        lines.append(f"  {mark} {f.title}  [{f.id}]")
        if f.detail:
            lines.append(f"      {f.detail}")
    return lines
