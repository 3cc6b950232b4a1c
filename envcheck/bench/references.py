"""Expected throughput per GPU model and recipe, and the verdict on a measured figure.

The table is ``recipes/bench_references.toml`` (shipped as ``envcheck/recipes``), found through
:func:`envcheck.recipes.recipes_folder` and validated on load by the recipe tables' own row
validator (:mod:`envcheck.recipes_load`): a bad row raises :class:`~envcheck.recipes.RecipeError`
naming the file and the row, an unknown key included. Everything else here is pure.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from envcheck.i18n import Msg
from envcheck.recipes import SCHEMA, RecipeError
from envcheck.recipes_load import TableRow, table_rows

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

FILE = "bench_references.toml"
KINDS = ("published", "estimate", "measured")
PRECISION_CLASSES = ("amp", "tf32", "fp32")
MODELS = ("resnet18", "resnet34", "resnet50", "mnist_cnn")

OK_RATIO = 0.85
INVESTIGATE_RATIO = 0.6
Verdict = Literal["ok", "below_expected", "investigate", "no_reference"]

TRAIN_GFLOP_PER_IMAGE: Mapping[str, float] = {
    "resnet18": 10.65,
    "resnet34": 21.75,
    "resnet50": 24.30,
    "mnist_cnn": 0.0025,
}
"""Forward+backward conv/matmul GFLOP per image at the default input size, counted with
``torch.utils.flop_counter.FlopCounterMode`` (torch 2.13; bench-references.md section 1)."""




@dataclass(frozen=True)
class GpuModel:
    """A GPU model the table knows: its key, name patterns and dense peaks (TFLOP/s)."""

    key: str
    patterns: tuple[re.Pattern[str], ...]
    peak_tflops: Mapping[str, float]
    memory_bandwidth_gb_s: float | None
    source: str


@dataclass(frozen=True)
class Reference:
    """One expected figure: images/s for a GPU model, network, precision class and layout."""

    gpu: str
    model: str
    precision: str
    channels_last: bool
    batch: int | None
    images_per_s: float
    kind: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class References:
    """The whole validated table."""

    gpus: tuple[GpuModel, ...]
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Judgement:
    """Measured against expected: the ratio and what it means."""

    verdict: Verdict
    ratio: float | None
    reference: Reference | None
    note: str


def precision_class(precision: str) -> str:
    """``amp-fp16``/``amp-bf16`` -> ``amp``; ``tf32`` and ``fp32`` stay."""
    return "amp" if precision.startswith("amp") else precision


def _gpu(row: TableRow) -> GpuModel:
    try:
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in row.strs("patterns", True))
    except re.error as exc:
        raise row.fail(f"'patterns': bad pattern: {exc}") from None
    peaks = row.raw("peak_tflops", True)
    if not isinstance(peaks, dict) or any(
            k not in PRECISION_CLASSES or isinstance(v, bool) or not isinstance(v, (int, float))
            or v <= 0 for k, v in peaks.items()):
        raise row.fail(f"'peak_tflops' keys must be {PRECISION_CLASSES}, values > 0")
    bandwidth = _positive(row, "memory_bandwidth_gb_s", required=False)
    gpu = GpuModel(row.str_("key"), patterns, dict(peaks),
                   bandwidth, _source(row))
    row.done()
    return gpu


def _reference(row: TableRow, gpus: set[str]) -> Reference:
    gpu = row.str_("gpu")
    if gpu not in gpus:
        raise row.fail(f"'gpu': {gpu!r} has no [[gpu]] row")
    chosen = {}
    for key, allowed in (("model", MODELS), ("precision", PRECISION_CLASSES), ("kind", KINDS)):
        chosen[key] = row.str_(key)
        if chosen[key] not in allowed:
            raise row.fail(f"{key!r}: {chosen[key]!r} is not one of {allowed}")
    batch = row.raw("batch", False)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int)
                              or batch <= 0):
        raise row.fail("'batch' must be a positive integer")
    ips = _positive(row, "images_per_s", required=True)
    assert ips is not None
    ref = Reference(gpu, chosen["model"], chosen["precision"], row.bool_("channels_last", False),
                    batch, ips, chosen["kind"], _source(row), row.str_("note", ""))
    row.done()
    return ref


def _positive(row: TableRow, key: str, *, required: bool) -> float | None:
    value = row.raw(key, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise row.fail(f"{key!r} must be a number > 0, got {value!r}")
    return float(value)


def _source(row: TableRow) -> str:
    source = row.str_("source")
    if not source.strip():
        raise row.fail("'source' must not be empty")
    return source


def parse_references(text: str) -> References:
    """Parse and validate the TOML text of the references table (pure)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{FILE}: not valid TOML ({exc})") from None
    if doc.get("schema") != SCHEMA:
        raise RecipeError(f"{FILE}: 'schema' must be {SCHEMA}, got {doc.get('schema')!r}")
    gpus = tuple(_gpu(r) for r in table_rows(doc, FILE, "gpu", "key"))
    keys = {g.key for g in gpus}
    if len(keys) != len(gpus):
        raise RecipeError(f"{FILE}: [[gpu]] keys must be unique")
    refs = tuple(_reference(r, keys) for r in table_rows(doc, FILE, "reference", "gpu"))
    return References(gpus, refs)


@functools.cache
def load_references() -> References:
    """The shipped table, parsed and validated once per process."""
    from envcheck.recipes import recipes_folder

    return parse_references(recipes_folder().joinpath(FILE).read_text(encoding="utf-8"))


def match_gpu(name: str | None, table: References) -> GpuModel | None:
    """The GPU model a reported name belongs to, loosely (``NVIDIA H100 80GB HBM3`` -> H100 SXM).

    Vendor words (NVIDIA, GeForce, Tesla, Quadro) and dashes/underscores do not matter; the
    first table row with a matching pattern wins.
    """
    if not name:
        return None
    text = re.sub(r"\b(nvidia|geforce|tesla|quadro)\b", " ", name.lower())
    text = re.sub(r"[\s_-]+", " ", text).strip()
    for gpu in table.gpus:
        if any(p.search(text) for p in gpu.patterns):
            return gpu
    return None


def find_reference(gpu: GpuModel | None, model: str, precision: str, channels_last: bool,
                   table: References) -> Reference | None:
    """The best reference row: same GPU, model and precision class; same layout preferred,
    then published over measured over estimate."""
    if gpu is None:
        return None
    cls = precision_class(precision)
    rows = [r for r in table.references
            if r.gpu == gpu.key and r.model == model and r.precision == cls]
    if not rows:
        return None
    order = {"measured": 0, "published": 1, "estimate": 2}
    return min(rows, key=lambda r: (r.channels_last != channels_last, order[r.kind]))


def judge(measured: float | None, reference: Reference | None, *, device_type: str = "cuda",
          channels_last: bool = False) -> Judgement:
    """Measured/expected: >= 0.85 ok, 0.6-0.85 below expected, < 0.6 investigate."""
    if reference is None:
        why = (Msg("no reference for a CPU") if device_type == "cpu"
               else Msg("no reference for this GPU and recipe; MFU shown for context"))
        return Judgement("no_reference", None, None, why)
    if measured is None or measured <= 0:
        return Judgement("no_reference", None, reference, Msg("nothing was measured"))
    ratio = measured / reference.images_per_s
    verdict: Verdict = ("ok" if ratio >= OK_RATIO
                        else "below_expected" if ratio >= INVESTIGATE_RATIO else "investigate")
    notes: list[str] = []
    if reference.channels_last != channels_last:
        notes.append(Msg("the reference used a different memory format ({layout})",
                         layout="channels_last" if reference.channels_last else "NCHW"))
    if reference.kind == "estimate":
        notes.append(Msg("the reference is an estimate, not a measurement"))
    note = (Msg("{note}; {other}", note=notes[0], other=notes[1]) if len(notes) == 2
            else notes[0] if notes else "")
    return Judgement(verdict, ratio, reference, note)


def train_flops_per_image(model: str, image_size: int | None = None) -> float | None:
    """Training FLOPs per image; ResNet convolution work scales with the pixel count."""
    gflop = TRAIN_GFLOP_PER_IMAGE.get(model)
    if gflop is None:
        return None
    scale = 1.0 if model == "mnist_cnn" or not image_size else (image_size / 224) ** 2
    return gflop * 1e9 * scale


def mfu(images_per_s: float | None, model: str, precision: str, gpu: GpuModel | None,
        image_size: int | None = None) -> float | None:
    """Model FLOPs utilisation: achieved training FLOP/s over the GPU's dense peak for the
    precision (context only: eager ResNet-50 reaches 3-25 %, bench-references.md section 3)."""
    flops = train_flops_per_image(model, image_size)
    if gpu is None or images_per_s is None or flops is None:
        return None
    peak = gpu.peak_tflops.get(precision_class(precision))
    if peak is None and precision == "tf32":
        peak = gpu.peak_tflops.get("fp32")
    return images_per_s * flops / (peak * 1e12) if peak else None


def comparison_rows(model: str, precision: str, channels_last: bool, table: References
                    ) -> list[Reference]:
    """References for the bar chart: per GPU the row :func:`find_reference` would pick,
    fastest first."""
    rows = (find_reference(gpu, model, precision, channels_last, table) for gpu in table.gpus)
    return sorted((r for r in rows if r is not None), key=lambda r: -r.images_per_s)
