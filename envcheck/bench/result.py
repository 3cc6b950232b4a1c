"""Assemble a benchmark's typed result (:mod:`envcheck.bench.document`) from what the worker
reported (pure).

The headline run's figures sit at the top level (``model``, ``device``, ``precision``, ``batch``,
``images_per_s``, ``step_time_median_s``, ``steps_timed``, ``loss_first``, ``loss_last``,
``accuracy``, ``speedup_vs_cpu``, ``reference``, ``verdict``); every run, the CPU comparison
included, is in ``runs``. Findings (telemetry, correctness, verdict) are in ``findings``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from envcheck.bench.document import (
    Agreement,
    BenchResult,
    ComparisonRow,
    Distributed,
    HeldOut,
    MatmulResult,
    MatmulRow,
    PcieLink,
    RunFigures,
    TrainResult,
    TransferResult,
    TransferRow,
    Versions,
    result_from_dict,
)
from envcheck.bench.document import worst_severity as _worst
from envcheck.bench.findings import bench_finding
from envcheck.bench.launch import BenchOptions, WorkerOutcome, scaling
from envcheck.bench.references import (
    GpuModel,
    References,
    comparison_rows,
    find_reference,
    judge,
    match_gpu,
    mfu,
    precision_class,
    train_flops_per_image,
)
from envcheck.bench.telemetry import (
    TelemetrySummary,
    pcie_gb_s,
    summarise,
    telemetry_findings,
)
from envcheck.i18n import Msg
from envcheck.model import Finding, Severity

NOISY_IQR = 0.10
"""IQR/median above this is a noisy measurement (torch.utils.benchmark warns at the same)."""


def _headline(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    for run in runs:
        if run.get("run") in ("headline", "partial"):
            return run
    return runs[0] if runs else {}


def _run_named(runs: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    return next((r for r in runs if r.get("run") == name), None)


def correctness_findings(head: Mapping[str, Any], agreement: Mapping[str, Any] | None
                         ) -> list[Finding]:
    """Loss finite and falling; GPU and CPU agreeing."""
    found: list[Finding] = []
    if head.get("loss_finite") is False:
        found.append(bench_finding(
            "loss_not_finite", Severity.ERROR, "The training loss became NaN or infinite",
            Msg("on data a healthy stack learns easily: suspect the GPU's numerics or the AMP "
                "setup"),
        ))
    elif head.get("loss_falling") is False and not head.get("interrupted"):
        found.append(bench_finding(
            "loss_not_falling", Severity.WARNING, "The training loss did not fall",
            Msg("{first} -> {last} over {steps} steps on learnable synthetic data",
                first=f"{head.get('loss_first_mean', 0):.3g}",
                last=f"{head.get('loss_last_mean', 0):.3g}", steps=f"{head.get('loss_steps')}"),
        ))
    if agreement is not None and agreement.get("ok") is False:
        found.append(bench_finding(
            "device_disagrees", Severity.ERROR,
            "The GPU and the CPU compute different results for the same network",
            Msg("logits max |diff| {logits}, loss relative diff {loss}, gradient cosine {cosine} "
                "(FP32, TF32 off)", logits=f"{agreement.get('logits_max_abs_diff'):.3g}",
                loss=f"{agreement.get('loss_rel_diff'):.3g}",
                cosine=f"{agreement.get('grad_cosine'):.6f}"),
        ))
    return found


def measurement_findings(head: Mapping[str, Any]) -> list[Finding]:
    """Notes about the measurement itself: batch halved, noisy, interrupted."""
    found: list[Finding] = []
    if head.get("batch_halved"):
        found.append(bench_finding(
            "batch_halved", Severity.INFO,
            Msg("Batch {requested} did not fit in memory; measured with {batch}",
                requested=f"{head.get('batch_requested')}", batch=f"{head.get('batch')}"),
        ))
    iqr = head.get("iqr_over_median")
    if isinstance(iqr, (int, float)) and iqr > NOISY_IQR:
        found.append(bench_finding(
            "noisy", Severity.INFO,
            Msg("Step times varied a lot (IQR/median {iqr})", iqr=f"{iqr:.0%}"),
            Msg("other work on this machine, clocks changing, or too short a run; "
                "the median is still reported"),
        ))
    if head.get("interrupted"):
        found.append(bench_finding("interrupted", Severity.INFO,
                                  "Interrupted: figures are from the steps measured so far"))
    return found


def _verdict_finding(verdict: str, ratio: float | None, expected: float | None
                     ) -> Finding | None:
    if verdict not in ("below_expected", "investigate") or ratio is None:
        return None
    severity = Severity.WARNING if verdict == "below_expected" else Severity.ERROR
    return bench_finding(
        verdict, severity,
        Msg("Throughput is {ratio} of the reference for this GPU", ratio=f"{ratio:.0%}"),
        Msg("expected about {expected} images/s; see the telemetry findings, `envcheck doctor`, "
            "and whether other work shares the GPU", expected=f"{expected:,.0f}"),
    )


def build_train_result(
    options: BenchOptions,
    outcome: WorkerOutcome,
    table: References | None,
    *,
    tool_version: str,
    single: WorkerOutcome | None = None,
) -> TrainResult:
    """The result of ``bench resnet``/``bench cnn`` (also of a DDP run)."""
    res: Mapping[str, Any] = outcome.result or {}
    runs: list[Mapping[str, Any]] = list(res.get("runs") or [])
    head = _headline(runs)
    info: Mapping[str, Any] = res.get("device_info") or {}
    device_type = info.get("type")
    gpu = match_gpu(info.get("name"), table) if table and device_type == "cuda" else None
    precision = str(head.get("precision") or options.precision)
    channels_last = bool(head.get("channels_last"))
    reference = find_reference(gpu, options.model, precision, channels_last, table) if (
        table) else None
    ips = head.get("images_per_s")
    distributed = res.get("distributed")
    if distributed:
        distributed = dict(distributed, **scaling(res, single.result if single else None))
    # Under DDP the headline is rank 0's own images/s: a per-GPU figure, like the references.
    judgement = judge(ips, reference, device_type=str(device_type),
                      channels_last=channels_last)
    cpu = _run_named(runs, "cpu")
    cpu_ips = cpu.get("images_per_s") if cpu else None
    speedup = ips / cpu_ips if ips and cpu_ips else None
    summary = summarise(outcome.samples) if outcome.samples else None
    findings: list[Finding] = []
    if summary is not None:
        findings += telemetry_findings(summary, launch_bound=options.model == "mnist_cnn")
    agreement = res.get("agreement")
    findings += correctness_findings(head, agreement)
    verdict_f = _verdict_finding(judgement.verdict, judgement.ratio,
                                 reference.images_per_s if reference else None)
    if verdict_f:
        findings.append(verdict_f)
    findings += measurement_findings(dict(head, interrupted=outcome.interrupted))
    held: Mapping[str, Any] = res.get("held_out") or {}
    image_size = options.image_size
    return TrainResult(
        tool_version=tool_version,
        bench="cnn" if options.model == "mnist_cnn" else "resnet",
        model=options.model,
        device=head.get("device") or info.get("type"),
        device_name=info.get("name"),
        gpu_model=gpu.key if gpu else None,
        precision=precision,
        channels_last=channels_last,
        compile=bool(head.get("compile")),
        batch=head.get("batch"),
        batch_requested=head.get("batch_requested"),
        image_size=image_size or (28 if options.model == "mnist_cnn" else 224),
        images_per_s=ips,
        step_time_median_s=head.get("step_time_median_s"),
        iqr_over_median=head.get("iqr_over_median"),
        step_time_p10_s=head.get("step_time_p10_s"),
        step_time_p90_s=head.get("step_time_p90_s"),
        steps_timed=head.get("steps_timed"),
        warmup_steps=head.get("warmup_steps"),
        first_step_s=head.get("first_step_s"),
        compile_s=head.get("compile_s"),
        peak_memory_bytes=head.get("peak_memory_bytes"),
        loss_first=head.get("loss_first"),
        loss_last=head.get("loss_last"),
        loss_falling=head.get("loss_falling"),
        loss_finite=head.get("loss_finite"),
        accuracy=held.get("accuracy"),
        held_out=HeldOut(dict(held)) if held else None,
        speedup_vs_cpu=speedup,
        cpu_images_per_s=cpu_ips,
        agreement=Agreement(agreement) if agreement is not None else None,
        reference=reference,
        verdict=judgement.verdict,
        verdict_ratio=judgement.ratio,
        verdict_note=judgement.note,
        mfu=mfu(ips, options.model, precision, gpu, image_size),
        train_flops_per_image=train_flops_per_image(options.model, image_size),
        comparison=_comparison(options.model, precision, channels_last, table),
        telemetry=summary,
        telemetry_note=outcome.telemetry_note,
        distributed=Distributed(distributed) if distributed is not None else None,
        findings=tuple(findings),
        runs=tuple(RunFigures(r) for r in runs),
        versions=_versions(res, outcome),
        device_info=dict(info) or None,
        interrupted=outcome.interrupted,
        notes=tuple(worker_note(n) for n in res.get("notes") or []),
    )


_WORKER_NOTES = {str(m): m for m in (
    Msg("GPU-vs-CPU agreement not checked: the benchmark ran on the CPU"),
)}
"""The notes the worker writes (in English: it runs in the target interpreter and cannot
import envcheck), as messages, so they are said in the reader's language."""


def worker_note(note: Any) -> Any:
    """A note of the worker as a message when it is one envcheck knows (else as it is)."""
    return _WORKER_NOTES.get(note, note) if isinstance(note, str) else note


def _versions(res: Mapping[str, Any], outcome: WorkerOutcome) -> Versions:
    """The worker's versions plus the driver's, which only NVML (in this process) knows."""
    return Versions(dict(res.get("versions") or {}, driver=outcome.driver_version))


def _comparison(model: str, precision: str, channels_last: bool, table: References | None
                ) -> tuple[ComparisonRow, ...]:
    if table is None:
        return ()
    return tuple(ComparisonRow(r.gpu, r.images_per_s, r.kind, r.channels_last)
                 for r in comparison_rows(model, precision, channels_last, table))


def build_matmul_result(outcome: WorkerOutcome, table: References | None, *,
                        tool_version: str) -> MatmulResult:
    """``bench matmul``: TFLOP/s per dtype and the share of the GPU's dense peak."""
    res: Mapping[str, Any] = outcome.result or {}
    info: Mapping[str, Any] = res.get("device_info") or {}
    gpu: GpuModel | None = (match_gpu(info.get("name"), table)
                            if table and info.get("type") == "cuda" else None)
    rows = []
    for row in res.get("matmul") or []:
        dtype = str(row.get("dtype"))
        cls = precision_class("amp" if dtype in ("fp16", "bf16") else dtype)
        peak = gpu.peak_tflops.get(cls) if gpu else None
        tflops = row.get("tflops")
        rows.append(MatmulRow(row, peak, tflops / peak if tflops and peak else None))
    return MatmulResult(
        tool_version=tool_version, device=info.get("type"), device_name=info.get("name"),
        gpu_model=gpu.key if gpu else None, matmul=tuple(rows),
        versions=_versions(res, outcome), interrupted=outcome.interrupted,
    )


def build_transfer_result(outcome: WorkerOutcome, *, tool_version: str) -> TransferResult:
    """``bench transfer``: copy GB/s against the PCIe link's theoretical rate."""
    res: Mapping[str, Any] = outcome.result or {}
    info: Mapping[str, Any] = res.get("device_info") or {}
    summary: TelemetrySummary | None = summarise(outcome.samples) if outcome.samples else None
    link = pcie_gb_s(summary.pcie_gen, summary.pcie_width) if summary else None
    link_max = pcie_gb_s(summary.pcie_gen_max, summary.pcie_width_max) if summary else None
    rows = [TransferRow(r, r["gb_s"] / link_max if link_max else None)
            for r in res.get("transfer") or []]
    findings: list[Finding] = []
    if summary is not None:
        findings += [f for f in telemetry_findings(summary) if f.id == "bench.pcie_downgraded"]
    best = max((r.gb_s for r in rows if r.pinned), default=None)
    if best is not None and link_max and best < 0.5 * link_max:
        findings.append(bench_finding(
            "transfer_slow", Severity.WARNING,
            Msg("Pinned copies reach {best} GB/s, under half the link's {link} GB/s",
                best=f"{best:.1f}", link=f"{link_max:.1f}"),
            Msg("a narrower or older slot than the card supports, or a shared PCIe switch"),
        ))
    return TransferResult(
        tool_version=tool_version, device=info.get("type"), device_name=info.get("name"),
        transfer=tuple(rows),
        pcie=PcieLink(
            gen=summary.pcie_gen if summary else None,
            width=summary.pcie_width if summary else None,
            gen_max=summary.pcie_gen_max if summary else None,
            width_max=summary.pcie_width_max if summary else None,
            link_gb_s=link, link_max_gb_s=link_max),
        telemetry_note=outcome.telemetry_note,
        versions=_versions(res, outcome), interrupted=outcome.interrupted,
        findings=tuple(findings),
    )


def worst_severity(result: BenchResult | Mapping[str, Any]) -> Severity | None:
    """The worst finding's severity in a result or a ``--json`` document (None when none)."""
    return _worst(result if not isinstance(result, Mapping) else result_from_dict(result))
