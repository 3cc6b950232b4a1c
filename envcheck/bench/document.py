"""What a benchmark reports, typed: frozen results for ``train`` (resnet, cnn), ``matmul`` and
``transfer``, the error document when nothing was measured, and a follower node's note.

Each result is written as ``--json`` by :meth:`to_dict` (schema :data:`SCHEMA`, keys in the
documented order: ``schema``, ``model``, ``device``, ``precision``, ``batch``, ``images_per_s``,
``step_time_median_s``, ``steps_timed``, ``loss_first``, ``loss_last``, ``accuracy``,
``speedup_vs_cpu``, ``reference``, ``verdict``, ``runs`` ...) and read back from such a document
by :func:`result_from_dict` (a record from another machine, an older envcheck: missing keys are
None). The records the worker wrote (``runs``, ``held_out``, ``agreement``, ``distributed``,
``versions``, each matmul or transfer row) are typed views over the record as the worker wrote
it (:class:`WorkerRecord`: properties to read, the whole record for ``--json``, so a key a newer
worker adds still reaches the document): the worker runs in the target interpreter and never
imports these classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Union

from envcheck.bench.references import Reference
from envcheck.bench.telemetry import TelemetrySummary
from envcheck.model import Category, Finding, Fix, Severity
from envcheck.render.json import finding_to_dict

SCHEMA = 1
"""The schema of every bench document (results, the error document, a follower's note)."""
TOOL = "envcheck"

Record = Mapping[str, Any]
"""A record as the worker wrote it (plain JSON values)."""


@dataclass(frozen=True)
class WorkerRecord:
    """A record the worker wrote, kept whole for ``--json``; subclasses read its fields."""

    record: Record

    def _num(self, key: str) -> float | None:
        value = self.record.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.record)


class Versions(WorkerRecord):
    """torch, CUDA, cuDNN and Python as the worker saw them, and the driver NVML reported."""

    def get(self, key: str) -> Any:
        """The version called ``key`` (None when unknown)."""
        return self.record.get(key)


class RunFigures(WorkerRecord):
    """One timed run (``headline``, ``baseline``, ``cpu`` ...): its recipe and figures."""

    @property
    def name(self) -> str:
        return str(self.record.get("run", ""))

    @property
    def device(self) -> Any:
        return self.record.get("device", "")

    @property
    def precision(self) -> Any:
        return self.record.get("precision", "")

    @property
    def batch(self) -> Any:
        return self.record.get("batch")

    @property
    def images_per_s(self) -> float | None:
        return self._num("images_per_s")

    @property
    def step_time_median_s(self) -> float | None:
        return self._num("step_time_median_s")

    @property
    def steps_timed(self) -> Any:
        return self.record.get("steps_timed")

    @property
    def threads(self) -> Any:
        return self.record.get("threads")

    @property
    def cpu_busy_ratio(self) -> float | None:
        return self._num("cpu_busy_ratio")


class HeldOut(WorkerRecord):
    """Accuracy on held-out images, the confusion matrix and per-class precision/recall."""

    @property
    def accuracy(self) -> float | None:
        return self._num("accuracy")

    @property
    def samples(self) -> Any:
        return self.record.get("samples")

    @property
    def confusion_matrix(self) -> list[list[int]]:
        return list(self.record.get("confusion_matrix") or [])

    @property
    def other_column(self) -> bool:
        return bool(self.record.get("confusion_other_column"))

    @property
    def per_class(self) -> list[Mapping[str, Any]]:
        return list(self.record.get("per_class") or [])


class Agreement(WorkerRecord):
    """The same network on the GPU and on the CPU (FP32, TF32 off): how far apart."""

    @property
    def compared(self) -> Any:
        return self.record.get("compared")

    @property
    def ok(self) -> bool:
        return bool(self.record.get("ok"))

    @property
    def logits_max_abs_diff(self) -> float | None:
        return self._num("logits_max_abs_diff")

    @property
    def loss_rel_diff(self) -> float | None:
        return self._num("loss_rel_diff")

    @property
    def grad_cosine(self) -> float | None:
        return self._num("grad_cosine")


class Distributed(WorkerRecord):
    """A DDP run: ranks, aggregate and per-rank throughput, scaling, all-reduce bandwidth."""

    @property
    def world_size(self) -> Any:
        return self.record.get("world_size")

    @property
    def backend(self) -> Any:
        return self.record.get("backend")

    @property
    def aggregate_images_per_s(self) -> float | None:
        return self._num("aggregate_images_per_s")

    @property
    def per_rank_images_per_s(self) -> list[float]:
        return list(self.record.get("per_rank_images_per_s") or [])

    @property
    def scaling_efficiency(self) -> float | None:
        return self._num("scaling_efficiency")

    @property
    def single_images_per_s(self) -> float | None:
        return self._num("single_images_per_s")

    @property
    def slowest_rank(self) -> Any:
        return self.record.get("slowest_rank")

    @property
    def allreduce(self) -> Mapping[str, Any]:
        value = self.record.get("allreduce")
        return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class ComparisonRow:
    """A reference GPU's figure for the bar chart."""

    gpu: str
    images_per_s: float
    kind: str
    channels_last: bool


@dataclass(frozen=True)
class MatmulRow:
    """One dtype's matmul figure: the worker's record, and the share of the GPU's peak."""

    record: Record
    peak_tflops: float | None
    fraction_of_peak: float | None

    @property
    def dtype(self) -> str:
        return str(self.record.get("dtype"))

    @property
    def size(self) -> Any:
        return self.record.get("size")

    @property
    def tflops(self) -> float | None:
        value = self.record.get("tflops")
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def error(self) -> Any:
        return self.record.get("error")

    def to_dict(self) -> dict[str, Any]:
        return dict(self.record, peak_tflops=self.peak_tflops,
                    fraction_of_peak=self.fraction_of_peak)


@dataclass(frozen=True)
class TransferRow:
    """One copy measurement: the worker's record, and the share of the link's rate."""

    record: Record
    fraction_of_link: float | None

    @property
    def direction(self) -> str:
        return str(self.record.get("direction"))

    @property
    def pinned(self) -> bool:
        return bool(self.record.get("pinned"))

    @property
    def gb_s(self) -> float:
        return float(self.record.get("gb_s") or 0.0)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.record, fraction_of_link=self.fraction_of_link)


@dataclass(frozen=True)
class PcieLink:
    """The PCIe link under load and at most, and what each carries per direction (GB/s)."""

    gen: int | None = None
    width: int | None = None
    gen_max: int | None = None
    width_max: int | None = None
    link_gb_s: float | None = None
    link_max_gb_s: float | None = None


@dataclass(frozen=True)
class TrainResult:
    """``bench resnet`` / ``bench cnn`` (also a DDP run): the headline run's figures, every
    run, correctness, telemetry, the verdict against the reference, and the findings."""

    tool_version: str
    bench: str
    model: str
    device: str | None
    device_name: str | None
    gpu_model: str | None
    precision: str
    channels_last: bool
    compile: bool
    batch: int | None
    batch_requested: int | None
    image_size: int
    images_per_s: float | None
    step_time_median_s: float | None
    iqr_over_median: float | None
    step_time_p10_s: float | None
    step_time_p90_s: float | None
    steps_timed: int | None
    warmup_steps: int | None
    first_step_s: float | None
    compile_s: float | None
    peak_memory_bytes: int | None
    loss_first: float | None
    loss_last: float | None
    loss_falling: bool | None
    loss_finite: bool | None
    accuracy: float | None
    held_out: HeldOut | None
    speedup_vs_cpu: float | None
    cpu_images_per_s: float | None
    agreement: Agreement | None
    reference: Reference | None
    verdict: str
    verdict_ratio: float | None
    verdict_note: str
    mfu: float | None
    train_flops_per_image: float | None
    comparison: tuple[ComparisonRow, ...]
    telemetry: TelemetrySummary | None
    telemetry_note: str | None
    distributed: Distributed | None
    findings: tuple[Finding, ...]
    runs: tuple[RunFigures, ...]
    versions: Versions
    device_info: Record | None
    interrupted: bool
    notes: tuple[str, ...]

    def run_named(self, name: str) -> RunFigures | None:
        """The run called ``name`` (``headline``, ``baseline``, ``cpu`` ...), if any."""
        return next((r for r in self.runs if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return _document(self)


@dataclass(frozen=True)
class MatmulResult:
    """``bench matmul``: TFLOP/s per dtype and the share of the GPU's dense peak."""

    tool_version: str
    device: str | None
    device_name: str | None
    gpu_model: str | None
    matmul: tuple[MatmulRow, ...]
    versions: Versions
    interrupted: bool
    findings: tuple[Finding, ...] = ()
    bench: str = "matmul"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return _document(self, order=("tool_version", "bench", "device", "device_name",
                                      "gpu_model", "matmul", "versions", "interrupted",
                                      "findings"))


@dataclass(frozen=True)
class TransferResult:
    """``bench transfer``: copy GB/s against the PCIe link's theoretical rate."""

    tool_version: str
    device: str | None
    device_name: str | None
    transfer: tuple[TransferRow, ...]
    pcie: PcieLink
    telemetry_note: str | None
    versions: Versions
    interrupted: bool
    findings: tuple[Finding, ...] = ()
    bench: str = "transfer"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return _document(self, order=("tool_version", "bench", "device", "device_name",
                                      "transfer", "pcie", "telemetry_note", "versions",
                                      "interrupted", "findings"))


BenchResult = Union[TrainResult, MatmulResult, TransferResult]  # noqa: UP007 - py3.10 alias


@dataclass(frozen=True)
class BenchFailure:
    """Nothing was measured: why (``code``, ``message``) and the doctor's findings."""

    tool_version: str
    code: str | None
    message: str | None
    diagnosis: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{schema, tool: {name, version}, error: {code, message}, diagnosis}``."""
        return {
            "schema": SCHEMA,
            "tool": {"name": TOOL, "version": self.tool_version},
            "error": {"code": self.code, "message": self.message},
            "diagnosis": [finding_to_dict(f) for f in self.diagnosis],
        }


@dataclass(frozen=True)
class FollowerNote:
    """A node of a multi-node run that is not rank 0: it measured nothing of its own."""

    tool_version: str
    model: str
    note: str
    nnodes: int | None = None
    endpoint: str | None = None
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``role: follower`` in a JSON object, so per-node output files stay JSON."""
        return {
            "schema": SCHEMA, "tool": TOOL, "tool_version": self.tool_version,
            "bench": "cnn" if self.model == "mnist_cnn" else "resnet",
            "model": self.model, "role": "follower", "note": self.note,
            "rendezvous": {"nnodes": self.nnodes, "endpoint": self.endpoint,
                           "id": self.run_id} if self.nnodes is not None else None,
            "findings": [],
        }


def worst_severity(result: BenchResult) -> Severity | None:
    """The worst finding's severity (None when there are none)."""
    return max((f.severity for f in result.findings), default=None)


# -- writing -------------------------------------------------------------------------------


def _document(result: BenchResult, order: Sequence[str] | None = None) -> dict[str, Any]:
    names = order or [f.name for f in fields(result)]
    out: dict[str, Any] = {"schema": SCHEMA, "tool": TOOL}
    for name in names:
        out[name] = _plain(getattr(result, name))
    return out


def _plain(value: Any) -> Any:
    """A field as JSON values (typed parts through their own writers)."""
    if isinstance(value, Finding):
        return finding_to_dict(value)
    if isinstance(value, Reference):
        return {"gpu": value.gpu, "images_per_s": value.images_per_s, "source": value.source,
                "kind": value.kind, "precision": value.precision,
                "channels_last": value.channels_last, "batch": value.batch, "note": value.note}
    if isinstance(value, (MatmulRow, TransferRow, WorkerRecord)):
        return value.to_dict()
    if isinstance(value, (ComparisonRow, PcieLink, TelemetrySummary)):
        return asdict(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value


# -- reading a document back ---------------------------------------------------------------


def result_from_dict(document: Mapping[str, Any]) -> BenchResult:
    """A ``bench --json`` document as a typed result (by its ``bench`` key; missing keys are
    None, unknown keys are ignored)."""
    kind = document.get("bench")
    if kind == "matmul":
        return MatmulResult(**_common(document, MatmulResult), matmul=tuple(
            MatmulRow({k: v for k, v in r.items() if k not in ("peak_tflops", "fraction_of_peak")},
                      r.get("peak_tflops"), r.get("fraction_of_peak"))
            for r in _records(document.get("matmul"))))
    if kind == "transfer":
        pcie = document.get("pcie")
        return TransferResult(
            **_common(document, TransferResult),
            transfer=tuple(TransferRow({k: v for k, v in r.items() if k != "fraction_of_link"},
                                       r.get("fraction_of_link"))
                           for r in _records(document.get("transfer"))),
            pcie=_typed(PcieLink, pcie) if isinstance(pcie, Mapping) else PcieLink())
    return _train_from_dict(document)


_TYPED = {"findings", "reference", "comparison", "telemetry", "runs", "notes", "matmul",
          "transfer", "pcie", "versions", "held_out", "agreement", "distributed"}


def _common(document: Mapping[str, Any], cls: type) -> dict[str, Any]:
    """The plain fields of ``cls`` as the document has them, and its findings and versions."""
    out = {f.name: document.get(f.name) for f in fields(cls)
           if f.name not in _TYPED and f.name != "bench"}
    out["tool_version"] = str(document.get("tool_version") or "")
    out["interrupted"] = bool(document.get("interrupted"))
    out["versions"] = Versions(dict(document.get("versions") or {}))
    out["findings"] = tuple(_finding(f) for f in _records(document.get("findings")))
    return out


def _train_from_dict(document: Mapping[str, Any]) -> TrainResult:
    values = _common(document, TrainResult)
    ref = document.get("reference")
    values.update(
        bench=str(document.get("bench") or ""), model=str(document.get("model") or ""),
        precision=str(document.get("precision") or ""),
        channels_last=bool(document.get("channels_last")),
        compile=bool(document.get("compile")),
        verdict=str(document.get("verdict") or "no_reference"),
        verdict_note=str(document.get("verdict_note") or ""),
        image_size=int(document.get("image_size") or 0),
        reference=Reference(
            gpu=str(ref.get("gpu")), model=str(document.get("model") or ""),
            precision=str(ref.get("precision")), channels_last=bool(ref.get("channels_last")),
            batch=ref.get("batch"), images_per_s=float(ref.get("images_per_s") or 0.0),
            kind=str(ref.get("kind")), source=str(ref.get("source")),
            note=str(ref.get("note") or "")) if isinstance(ref, Mapping) else None,
        comparison=tuple(_typed(ComparisonRow, r) for r in _records(document.get("comparison"))),
        telemetry=_typed(TelemetrySummary, document["telemetry"])
        if isinstance(document.get("telemetry"), Mapping) else None,
        runs=tuple(RunFigures(r) for r in _records(document.get("runs"))),
        held_out=_wrapped(HeldOut, document.get("held_out")),
        agreement=_wrapped(Agreement, document.get("agreement")),
        distributed=_wrapped(Distributed, document.get("distributed")),
        notes=tuple(str(n) for n in document.get("notes") or ()),
    )
    return TrainResult(**values)


def _wrapped(cls: type[WorkerRecord], value: Any) -> Any:
    return cls(value) if isinstance(value, Mapping) else None


def _records(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _typed(cls: type, record: Mapping[str, Any]) -> Any:
    return cls(**{f.name: record.get(f.name) for f in fields(cls)})


def _finding(record: Mapping[str, Any]) -> Finding:
    """A finding written in the doctor's JSON shape, read back."""
    try:
        severity = Severity.parse(str(record.get("severity")))
    except ValueError:
        severity = Severity.INFO
    try:
        category = Category(record.get("category"))
    except ValueError:
        category = Category.BENCH
    return Finding(
        id=str(record.get("id")), severity=severity, category=category,
        title=str(record.get("title") or ""), detail=str(record.get("detail") or ""),
        evidence=tuple(str(e) for e in record.get("evidence") or ()),
        fixes=tuple(Fix(str(x.get("summary") or ""), tuple(str(c) for c in x.get("commands")
                                                             or ()), x.get("url"))
                    for x in _records(record.get("fixes"))),
        consequences=tuple(str(c) for c in record.get("consequences") or ()),
    )
