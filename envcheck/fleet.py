"""``envcheck fleet summarize``: many nodes' reports in, what differs and what stands out.

Pure: takes already-parsed JSON documents (``doctor --json`` reports and ``bench --json``
results, see :mod:`envcheck.fleet_load`) and returns one frozen :class:`FleetSummary`:

- one :class:`Node` per machine, with the facts worth comparing as display strings;
- drift: every compared fact that does not have the same value on every node, its values
  ordered from the most widespread to the rarest, each with the nodes holding it;
- outliers: a node with fewer GPUs than most, a driver older than most nodes', a benchmark
  figure far below the other nodes with the same GPU, model and precision;
- findings grouped by how many nodes have them.

Reading documents that may come from any envcheck version, every field is optional: what a
document does not hold is "unknown" for that node, never a crash.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envcheck.catalogue import entry

UNKNOWN = "unknown"
BENCH_SLOW_RATIO = 0.75
"""A bench figure under this fraction of the median of its peers' is an outlier."""

COMPARED: tuple[tuple[str, str], ...] = (
    ("nvidia.driver_version", "NVIDIA driver"),
    ("nvidia.cuda_driver_max", "Driver's max CUDA"),
    ("nvidia.gpu_count", "GPU count"),
    ("gpu.models", "GPU model"),
    ("cuda_toolkit.nvcc_version", "nvcc"),
    ("python.version", "Python"),
    ("torch.version", "torch"),
    ("torch.cuda_build", "torch built for CUDA"),
    ("cudnn.torch_version", "cuDNN (torch)"),
    ("torch.cuda_available", "CUDA available"),
    ("os.distro", "OS"),
    ("os.kernel", "Kernel"),
)
"""The facts compared across nodes, in display order; ``env.*`` facts follow them."""


@dataclass(frozen=True)
class NodeFinding:
    """One finding on one node."""

    id: str
    severity: str
    title: str


@dataclass(frozen=True)
class BenchFigure:
    """One training-benchmark result: what ran, on what, and how fast."""

    model: str
    gpu: str
    precision: str
    batch: int | None
    images_per_s: float
    ranks: int = 1
    """DDP processes in the run (1 without DDP): an aggregate figure only compares with
    figures of as many ranks."""

    @property
    def peer_key(self) -> tuple[str, str, str, int | None, int]:
        """Results comparable with each other: same model, GPU, precision, batch and ranks."""
        return (self.model, self.gpu, self.precision, self.batch, self.ranks)


@dataclass(frozen=True)
class Node:
    """One machine as its reports describe it."""

    name: str
    sources: tuple[str, ...]
    values: Mapping[str, str]
    """Compared fact key → display value; empty when only bench results were given."""
    verdict: str
    """``ok``, ``warning``, ``error``; ``unknown`` when no report says."""
    findings: tuple[NodeFinding, ...]
    bench: tuple[BenchFigure, ...] = ()

    @property
    def has_report(self) -> bool:
        """Whether a doctor report was given for this node."""
        return bool(self.values)


@dataclass(frozen=True)
class DriftValue:
    """One value of a drifting fact and the nodes that have it."""

    value: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Drift:
    """A fact that differs across nodes; ``values[0]`` is the most widespread."""

    key: str
    label: str
    values: tuple[DriftValue, ...]


@dataclass(frozen=True)
class Outlier:
    """A node that stands out, and why (``kind``: gpu_count, driver_older, bench_slow)."""

    node: str
    kind: str
    detail: str


@dataclass(frozen=True)
class FindingGroup:
    """A finding and the nodes that have it."""

    id: str
    severity: str
    title: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class FleetSummary:
    """Everything ``fleet summarize`` reports."""

    nodes: tuple[Node, ...]
    drift: tuple[Drift, ...]
    outliers: tuple[Outlier, ...]
    findings: tuple[FindingGroup, ...]
    skipped: tuple[str, ...] = ()
    """Inputs that were not reports, each with the reason."""

    @property
    def has_error(self) -> bool:
        """True when any node has an error finding (``fleet summarize`` then exits 1)."""
        return any(node.verdict == "error" for node in self.nodes)


@dataclass(frozen=True)
class Document:
    """One parsed input: its file name, its node-name fallback (the file's stem), its data."""

    source: str
    stem: str
    data: Mapping[str, Any]


def document_kind(data: Mapping[str, Any]) -> str | None:
    """``doctor``, ``bench``, ``all-envs`` (one machine's environments) or None (not an
    envcheck report)."""
    if data.get("source") == "doctor-all-envs":
        return "all-envs"
    tool = data.get("tool")
    if isinstance(tool, Mapping) and isinstance(data.get("facts"), Mapping):
        return "doctor"
    if tool == "envcheck" and isinstance(data.get("bench"), str):
        return "bench"
    return None


def display(value: Any) -> str:
    """A fact value as a short comparable string (``unknown`` for null)."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def gpu_models(gpus: Any) -> str:
    """``NVIDIA H100 80GB HBM3`` or ``A100 ×4, V100 ×4`` from ``nvidia.gpus``."""
    if not isinstance(gpus, list):
        return UNKNOWN
    names = Counter(str(g.get("name") or UNKNOWN) for g in gpus if isinstance(g, Mapping))
    if not names:
        return "none"
    if len(names) == 1:
        return next(iter(names))
    return ", ".join(f"{name} ×{count}" for name, count in sorted(names.items()))


def node_values(facts: Mapping[str, Any]) -> dict[str, str]:
    """The compared facts of one doctor report (``env.*`` variables included)."""
    values: dict[str, str] = {}
    for key, _ in COMPARED:
        if key == "gpu.models":
            values[key] = gpu_models(facts.get("nvidia.gpus"))
        elif key == "torch.cuda_build" and facts.get("torch.version") and not facts.get(key):
            values[key] = "CPU-only"
        else:
            values[key] = display(facts.get(key))
    for key in sorted(facts):
        if key.startswith("env.") and not isinstance(facts[key], Mapping):
            values[key] = "unset" if facts[key] is None else display(facts[key])
    return values


def _title(finding_id: str, title: str) -> str:
    """The title to show in the (English) summary: a report written with ``--lang zh`` has a
    Chinese one, so the catalogue's English title of its id stands in for it."""
    if not re.search(r"[\u3000-\u9fff\uff00-\uffef]", title):
        return title
    try:
        return entry(finding_id).title
    except KeyError:
        return title


def _findings(items: Any) -> list[NodeFinding]:
    found: list[NodeFinding] = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            found.append(NodeFinding(item["id"], str(item.get("severity") or "info"),
                                     _title(item["id"], str(item.get("title") or ""))))
    return found


def bench_figure(data: Mapping[str, Any]) -> BenchFigure | None:
    """The training figure of a ``bench --json`` result, or None (matmul, transfer, failed)."""
    ips = data.get("images_per_s")
    if not isinstance(ips, (int, float)) or isinstance(ips, bool) or ips <= 0:
        return None
    gpu = data.get("device_name") or data.get("gpu_model") or data.get("device") or UNKNOWN
    batch = data.get("batch")
    distributed = data.get("distributed")
    world = distributed.get("world_size") if isinstance(distributed, Mapping) else None
    return BenchFigure(str(data.get("model") or data.get("bench") or UNKNOWN), str(gpu),
                       str(data.get("precision") or UNKNOWN),
                       batch if isinstance(batch, int) else None, float(ips),
                       world if isinstance(world, int) and world > 0 else 1)


_SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


class _NodeBuilder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sources: list[str] = []
        self.values: dict[str, str] = {}
        self.verdicts: list[str] = []
        self.findings: dict[str, NodeFinding] = {}
        self.bench: list[BenchFigure] = []

    def add_findings(self, items: Iterable[NodeFinding]) -> None:
        for finding in items:
            self.findings.setdefault(finding.id, finding)

    def build(self) -> Node:
        severities = [f.severity for f in self.findings.values()] + self.verdicts
        worst = max(severities, key=lambda s: _SEVERITY_RANK.get(s, 0), default=None)
        verdict = UNKNOWN if worst is None else ("ok" if worst in ("info", "ok") else worst)
        if self.verdicts and verdict == UNKNOWN:
            verdict = "ok"
        return Node(self.name, tuple(self.sources), dict(self.values), verdict,
                    tuple(self.findings.values()), tuple(self.bench))


def build_nodes(documents: Sequence[Document]) -> tuple[tuple[Node, ...], tuple[str, ...]]:
    """Group documents into nodes: a doctor report's ``host``, else the file's stem.

    A bench result (which has no host) joins the doctor node whose name, or whose name's
    first label (``node7`` for ``node7.cluster``), is its file's stem.
    """
    builders: dict[str, _NodeBuilder] = {}
    skipped: list[str] = []
    benches: list[Document] = []
    for doc in documents:
        kind = document_kind(doc.data)
        if kind is None:
            skipped.append(f"{doc.source}: not a doctor or bench JSON report from envcheck")
            continue
        if kind == "all-envs":
            skipped.append(f"{doc.source}: holds every environment of one machine "
                           "(doctor --all-envs); give one doctor --json report per node")
            continue
        if kind == "bench":
            benches.append(doc)
            continue
        host = doc.data.get("host")
        name = host if isinstance(host, str) and host else doc.stem
        if name in builders and builders[name].values:
            name = f"{name} ({doc.stem})"
        builder = builders.setdefault(name, _NodeBuilder(name))
        builder.sources.append(doc.source)
        builder.values = node_values(doc.data["facts"])
        verdict = doc.data.get("verdict")
        builder.verdicts.append(verdict if isinstance(verdict, str) else "ok")
        builder.add_findings(_findings(doc.data.get("findings")))
    short = {name.split(".")[0]: name for name in builders}
    for doc in benches:
        name = doc.stem if doc.stem in builders else short.get(doc.stem, doc.stem)
        builder = builders.setdefault(name, _NodeBuilder(name))
        builder.sources.append(doc.source)
        builder.add_findings(_findings(doc.data.get("findings")))
        figure = bench_figure(doc.data)
        if figure is not None:
            builder.bench.append(figure)
    nodes = sorted((b.build() for b in builders.values()), key=lambda n: _natural(n.name))
    return tuple(nodes), tuple(skipped)


def _natural(name: str) -> list[Any]:
    """Sort key putting node2 before node10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name) if part]


def find_drift(nodes: Sequence[Node]) -> tuple[Drift, ...]:
    """Every compared fact with more than one value across the nodes that have reports."""
    reported = [node for node in nodes if node.has_report]
    labels = dict(COMPARED)
    keys = [key for key, _ in COMPARED]
    env_keys = sorted({key for node in reported for key in node.values if key.startswith("env.")})
    drift: list[Drift] = []
    for key in [*keys, *env_keys]:
        holders: dict[str, list[str]] = {}
        for node in reported:
            default = "unset" if key.startswith("env.") else UNKNOWN
            holders.setdefault(node.values.get(key, default), []).append(node.name)
        if len(holders) > 1:
            ordered = sorted(holders.items(), key=lambda item: (-len(item[1]), item[0]))
            values = tuple(DriftValue(value, tuple(names)) for value, names in ordered)
            label = labels.get(key) or key.removeprefix("env.").upper()
            drift.append(Drift(key, label, values))
    return tuple(drift)


def version_tuple(text: str) -> tuple[int, ...] | None:
    """``(535, 104, 5)`` from ``535.104.05``; None when not a dotted number."""
    parts = text.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def find_outliers(nodes: Sequence[Node]) -> tuple[Outlier, ...]:
    """Nodes with fewer GPUs or an older driver than most, and bench figures far below peers."""
    reported = [node for node in nodes if node.has_report]
    outliers: list[Outlier] = []
    counts = Counter(node.values.get("nvidia.gpu_count", UNKNOWN) for node in reported)
    known = {value: n for value, n in counts.items() if value.isdigit()}
    if known:
        usual, many = max(known.items(), key=lambda item: (item[1], int(item[0])))
        for node in reported:
            value = node.values.get("nvidia.gpu_count", UNKNOWN)
            if value == UNKNOWN and int(usual) > 0:
                outliers.append(Outlier(node.name, "gpu_count",
                                        f"no GPU seen; {many} nodes have {usual}"))
            elif value.isdigit() and int(value) < int(usual):
                outliers.append(Outlier(node.name, "gpu_count",
                                        f"{value} GPUs; {many} nodes have {usual}"))
    drivers = Counter(node.values.get("nvidia.driver_version", UNKNOWN) for node in reported)
    parsed = {d: version_tuple(d) for d in drivers}
    ranked = [(n, d) for d, n in drivers.items() if parsed[d] is not None]
    if ranked:
        many, usual = max(ranked, key=lambda item: (item[0], parsed[item[1]]))
        usual_v = parsed[usual]
        for node in reported:
            mine = node.values.get("nvidia.driver_version", UNKNOWN)
            mine_v = parsed.get(mine)
            if mine_v is not None and usual_v is not None and mine_v < usual_v:
                outliers.append(Outlier(node.name, "driver_older",
                                        f"driver {mine}, older than {usual} on {many} nodes"))
    outliers += _bench_outliers(nodes)
    return tuple(outliers)


def _bench_outliers(nodes: Sequence[Node]) -> list[Outlier]:
    peers: dict[tuple[str, str, str, int | None, int], list[tuple[str, float]]] = {}
    for node in nodes:
        for figure in node.bench:
            peers.setdefault(figure.peer_key, []).append((node.name, figure.images_per_s))
    outliers: list[Outlier] = []
    for (model, gpu, precision, _, _), rows in peers.items():
        if len(rows) < 2:
            continue
        for index, (name, ips) in enumerate(rows):
            others = [value for i, (_, value) in enumerate(rows) if i != index]
            median = statistics.median(others)
            if median > 0 and ips < BENCH_SLOW_RATIO * median:
                outliers.append(Outlier(
                    name, "bench_slow",
                    f"{model} {precision}: {ips:.0f} images/s, {ips / median:.0%} of the "
                    f"median {median:.0f} of {len(others)} other node"
                    f"{'s' if len(others) != 1 else ''} with {gpu}",
                ))
    return outliers


def group_findings(nodes: Sequence[Node]) -> tuple[FindingGroup, ...]:
    """Each finding id with the nodes that have it: most nodes first, then most severe."""
    holders: dict[str, list[str]] = {}
    first: dict[str, NodeFinding] = {}
    for node in nodes:
        for finding in node.findings:
            holders.setdefault(finding.id, []).append(node.name)
            first.setdefault(finding.id, finding)
    groups = [FindingGroup(fid, first[fid].severity, first[fid].title, tuple(names))
              for fid, names in holders.items()]
    groups.sort(key=lambda g: (-len(g.nodes), -_SEVERITY_RANK.get(g.severity, 0), g.id))
    return tuple(groups)


def summarize(documents: Sequence[Document], skipped: Sequence[str] = ()) -> FleetSummary:
    """The whole summary of the given documents (``skipped``: inputs the loader could not
    read, carried into the summary so they are reported)."""
    nodes, not_reports = build_nodes(documents)
    return FleetSummary(nodes, find_drift(nodes), find_outliers(nodes), group_findings(nodes),
                        (*skipped, *not_reports))
